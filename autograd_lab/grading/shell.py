"""What graded cells see of IPython: ``get_ipython()`` and ``display()``.

Cells are turned into Python by IPython's own input transformer before grading (see :mod:`.cells`),
so ``%time x = f()`` arrives as ``get_ipython().run_line_magic('time', 'x = f()')``. Here the
timing and capturing magics run their code (``x`` is assigned), shell commands (``!pip ...``) and
display or configuration magics do nothing, and ``display()`` prints. A debugger left in a cell
(``breakpoint()``, ``pdb.set_trace()``, IPython's ``set_trace()``) does nothing: nobody is there to type ``c``.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
from typing import Any

RUN_LINE = frozenset({"time", "timeit", "prun"})
RUN_CELL = frozenset({"time", "timeit", "prun", "capture"})
_OPTIONS = re.compile(r"^\s*(?:-[nrp]\s*\d+\s+|-[tcqo]\s+)*")


class CapturedOutput:
    """What ``%%capture name`` binds: the text the cell printed."""

    def __init__(self, stdout: str, stderr: str) -> None:
        self.stdout, self.stderr = stdout, stderr
        self.outputs: list[Any] = []

    def show(self) -> None:
        sys.stdout.write(self.stdout)
        sys.stderr.write(self.stderr)

    __call__ = show


class GradingShell:
    """The few methods of IPython's shell that transformed cells call, for the namespace of
    ``__main__`` (or ``user_ns``)."""

    def __init__(self, user_ns: dict[str, Any] | None = None) -> None:
        self._user_ns = user_ns

    @property
    def user_ns(self) -> dict[str, Any]:
        return self._user_ns if self._user_ns is not None else vars(sys.modules["__main__"])

    def run_line_magic(self, magic_name: str, line: str, _stack_depth: int = 1) -> Any:
        if magic_name not in RUN_LINE:
            return None
        frame = sys._getframe(_stack_depth)
        code = _OPTIONS.sub("", line, count=1) if magic_name == "timeit" else line
        try:
            expression = compile(code, "<magic>", "eval")
        except SyntaxError:
            exec(compile(code, "<magic>", "exec"), frame.f_globals, frame.f_locals)  # noqa: S102 - the cell's code
            return None
        return eval(expression, frame.f_globals, frame.f_locals)  # noqa: S307 - the cell's code

    def run_cell_magic(self, magic_name: str, line: str, cell: str) -> Any:
        if magic_name == "capture":
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                exec(compile(cell, "<cell>", "exec"), self.user_ns)  # noqa: S102
            name = line.split()[-1] if line.split() and not line.split()[-1].startswith("-") else None
            if name:
                self.user_ns[name] = CapturedOutput(out.getvalue(), err.getvalue())
            return None
        if magic_name == "writefile":
            args = line.split()
            append = "-a" in args or "--append" in args
            names = [a for a in args if not a.startswith("-")]
            if names:
                with open(names[-1], "a" if append else "w", encoding="utf-8") as fh:
                    fh.write(cell)
            return None
        if magic_name in RUN_CELL:
            exec(compile(cell, "<cell>", "exec"), self.user_ns)  # noqa: S102
        return None

    def system(self, cmd: str) -> None:
        """Shell commands are not run by the grader."""
        return None

    def getoutput(self, cmd: str, split: bool = True, depth: int = 0) -> list[str]:
        return []

    def run_cell(self, raw_cell: str, *args: Any, **kwargs: Any) -> None:
        exec(compile(raw_cell, "<cell>", "exec"), self.user_ns)  # noqa: S102


def display(*objs: Any, **kwargs: Any) -> None:
    """IPython's ``display`` in a notebook; here each object is printed."""
    for obj in objs:
        print(obj)


def _no_debugger(*args: Any, **kwargs: Any) -> None:
    """What ``breakpoint()`` and every ``set_trace()`` do while a notebook is graded: nothing."""


def install() -> GradingShell:
    """Make ``get_ipython()`` and ``display()`` builtins for the code of ``__main__``; make debuggers do nothing."""
    import bdb
    import builtins

    shell = GradingShell()
    builtins.get_ipython = lambda: shell  # type: ignore[attr-defined]
    builtins.display = display  # type: ignore[attr-defined]
    bdb.Bdb.set_trace = _no_debugger  # type: ignore[method-assign] # pdb's, ipdb's and IPython's debuggers
    sys.breakpointhook = _no_debugger
    return shell
