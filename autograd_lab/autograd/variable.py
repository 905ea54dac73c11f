"""``Variable``: PyTorch's pre-0.4 wrapper, kept as PyTorch 2.x keeps it.

``Variable(t)`` returns a plain tensor (a new leaf sharing ``t``'s data) and
``isinstance(t, Variable)`` is True for every tensor, but ``Variable`` is not
``Tensor``'s base class.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor

VOLATILE_WARNING = "volatile was removed and now has no effect. Use `with torch.no_grad():` instead."


class _VariableMeta(type):
    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor)

    def __call__(cls, data: Any = None, requires_grad: bool = False,  # type: ignore[override]
                 volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn(VOLATILE_WARNING, UserWarning, stacklevel=2)
        if data is None:
            return Tensor._wrap(np.empty(0, dtype=_dtypes.get_default_dtype().numpy))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        variable = data.detach()
        if requires_grad:
            variable.requires_grad_(True)
        return variable


class Variable(metaclass=_VariableMeta):
    """Legacy name for a tensor: ``Variable(t, requires_grad=False)`` gives a tensor, not a Variable."""
