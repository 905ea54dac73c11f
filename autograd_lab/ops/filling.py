"""What ``fill_``, ``zero_`` and ``copy_`` compute: new values that no longer depend on the old ones."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import as_operand
from .shape import _expanded_shape


class Fill(Function):
    """Every element set to one number; the old values get a zero gradient."""

    backward_name = "FillBackward2"

    @staticmethod
    def forward(ctx: Node, old: Tensor, value: Any) -> Tensor:
        return Tensor._wrap(np.full(old._data.shape, as_operand(value)._data, dtype=old._data.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return Tensor._wrap(np.zeros_like(grad._data)), None


class Zero(Fill):
    backward_name = "ZeroBackward0"


class Copy(Function):
    """``source`` broadcast into the old tensor's shape and dtype: the gradient goes to ``source`` only."""

    backward_name = "CopyBackwards"

    @staticmethod
    def forward(ctx: Node, old: Tensor, source: Tensor) -> Tensor:
        _expanded_shape(source, old._data.shape)
        return Tensor._wrap(np.broadcast_to(source._data, old._data.shape).astype(old._data.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        return Tensor._wrap(np.zeros_like(grad._data)), grad


def filled(old: Tensor, value: Any) -> Tensor:
    """The values ``old.fill_(value)`` writes (``zero_`` when value is 0)."""
    return (Zero if value == 0 else Fill).apply(old, value)


def copied(old: Tensor, source: Any) -> Tensor:
    """The values ``old.copy_(source)`` writes."""
    return Copy.apply(old, as_operand(source))
