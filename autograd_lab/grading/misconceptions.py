"""Errors students meet while learning autograd, and the hint that explains each (matched on the message)."""
from __future__ import annotations

_NOBODY_TYPES = ("input() and getpass() wait for someone to type, and nobody types while the notebook is graded: "
                 "put the values in the code.")

KNOWN_ERRORS: tuple[tuple[str, str], ...] = (
    ("Only Tensors of floating point and complex dtype can require gradients",
     "An integer tensor cannot require gradients: write the numbers as floats (2.0, not 2) or pass a float dtype."),
    ("object has no attribute 'zero_'",
     ".grad is None until a backward pass has reached the tensor: there is nothing to zero before the first "
     "backward(). Zero it after using it (or skip it while it is None), or let optimizer.zero_grad() do it."),
    ("a leaf Variable that requires grad is being used in an in-place operation",
     "Updating a parameter in place is an operation autograd would record: do the update inside "
     "`with torch.no_grad():`."),
    ("has been modified by an inplace operation",
     "A value backward() needs was changed in place. detach() shares the storage and autograd notices the "
     "change (this error); .data shares it too but hides the change, giving wrong gradients silently."),
    ("Trying to backward through the graph a second time",
     "The first backward() freed the graph's saved values: keep them with retain_graph=True, or build the graph again."),
    ("grad can be implicitly created only for scalar outputs",
     "backward() without an argument needs a single-number output: pass a gradient of the output's shape, or reduce it first."),
    ("NotImplementedError",
     "NotImplementedError is what the released notebook's placeholder raises: replace the "
     "`raise NotImplementedError()` line (and any that is left inside a function) with your answer."),
    ("ModuleNotFoundError: No module named",
     "That package is not installed where notebooks are graded (NumPy, autograd_lab and Python's standard library "
     "are): keep plots and other extras in a cell of your own, outside the answer cells."),
    ("EOFError: EOF when reading a line", _NOBODY_TYPES),
    ("in fallback_getpass", _NOBODY_TYPES),
    ("KeyboardInterrupt",
     "The cell raised KeyboardInterrupt (an interrupted run, or a line that raises it): the cell must run to its end "
     "without an interruption."),
    ("SystemExit",
     "exit(), quit() and sys.exit() stop the cell there (in Jupyter they stop the kernel): remove them, so that the "
     "cell runs to its end."),
)


def known_error_hint(message: str) -> str:
    """The hint for an error students often meet, or ``""``."""
    return next((hint for pattern, hint in KNOWN_ERRORS if pattern in message), "")
