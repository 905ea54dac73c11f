"""How PyTorch names types in its messages and default reprs (``torch.nn.modules.linear.Linear``)."""
from __future__ import annotations

from typing import Any

from .._class_names import torch_path
from .._tensor import Tensor

def qualified_name(cls: type) -> str:
    """``torch.nn.modules.linear.Linear`` for a library class, ``int`` for a builtin, ``__main__.Net`` otherwise."""
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return torch_path(cls)


def typename(obj: Any) -> str:
    """``torch.typename``: ``torch.FloatTensor`` for a tensor, else the qualified name of the object's type."""
    if isinstance(obj, Tensor):
        return obj.type()
    return qualified_name(type(obj))


def class_text(cls: type) -> str:
    """``str(cls)`` with PyTorch's module path: ``<class 'torch.nn.modules.activation.ReLU'>``."""
    return f"<class '{qualified_name(cls)}'>"


class TorchRepr:
    """Mixin: the default ``<torch.utils.data.dataset.Subset object at 0x...>`` repr, with PyTorch's module path."""

    def __repr__(self) -> str:
        return f"<{typename(self)} object at {hex(id(self))}>"
