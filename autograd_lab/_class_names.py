"""Classes that print with PyTorch's module path: ``<class 'torch.Tensor'>``.

Only the printed name changes: ``__module__`` stays autograd_lab's, so pickles,
tracebacks and ``inspect`` still lead to the file that defines the class.
"""
from __future__ import annotations

_LIBRARY = "autograd_lab"


def torch_path(cls: type) -> str:
    """``torch.nn.parameter.Parameter`` for autograd_lab's class, ``__main__.Net`` for anyone else's.

    A class may name its PyTorch home itself with ``_torch_path`` (``torch.Tensor`` lives in ``torch``).
    """
    explicit = cls.__dict__.get("_torch_path")
    if explicit is not None:
        return explicit
    module = cls.__module__
    if module == _LIBRARY or module.startswith(_LIBRARY + "."):
        module = "torch" + module[len(_LIBRARY):]
    return f"{module}.{cls.__qualname__}"


class TorchNamed(type):
    """Metaclass: ``repr(cls)`` and ``str(cls)`` give the PyTorch path of the class."""

    def __repr__(cls) -> str:
        return f"<class '{torch_path(cls)}'>"
