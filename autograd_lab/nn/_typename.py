"""``typename``: how PyTorch names a value's type in its error messages."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor

_LIBRARY = "autograd_lab"


def typename(obj: Any) -> str:
    """``torch.FloatTensor`` for a tensor, ``torch.nn.modules.linear.Linear`` for a layer, ``int`` for a builtin."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    if module == _LIBRARY or module.startswith(_LIBRARY + "."):
        module = "torch" + module[len(_LIBRARY):]
    return f"{module}.{cls.__qualname__}"


class TorchRepr:
    """Mixin: the default ``<torch.utils.data.dataset.Subset object at 0x...>`` repr, with PyTorch's module path."""

    def __repr__(self) -> str:
        return f"<{typename(self)} object at {hex(id(self))}>"
