"""What ``fill_``, ``zero_`` and ``copy_`` compute: new values that no longer depend on the old ones."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand
from .shape import _expanded_shape

__all__: list[str] = []  # only Tensor methods here: fill_, zero_, copy_


class Fill(Function):
    """Every element set to one number; the old values get a zero gradient."""

    backward_name = "FillBackward2"
    derivatives = {"self": "zeros_like(grad)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, value: Any) -> Tensor:
        return Tensor._wrap(np.full(self._data.shape, as_operand(value)._data, dtype=self._data.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return Tensor._wrap(np.zeros_like(grad._data)), None


class Zero(Fill):
    backward_name = "ZeroBackward0"


class Copy(Function):
    """``source`` broadcast into the old tensor's shape and dtype: the gradient goes to ``source`` only."""

    backward_name = "CopyBackwards"
    derivatives = {"self": "zeros_like(grad)", "src": "grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, src: Tensor) -> Tensor:
        _expanded_shape(src, self._data.shape)
        return Tensor._wrap(np.broadcast_to(src._data, self._data.shape).astype(self._data.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        return Tensor._wrap(np.zeros_like(grad._data)), grad


def filled(old: Tensor, value: Any) -> Tensor:
    """The values ``old.fill_(value)`` writes (``zero_`` when value is 0)."""
    return (Zero if value == 0 else Fill).apply(old, value)


def copied(old: Tensor, source: Any) -> Tensor:
    """The values ``old.copy_(source)`` writes."""
    return Copy.apply(old, as_operand(source))


@tensor_method
def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place."""
    return self._inplace(lambda old: filled(old, value))


@tensor_method
def zero_(self: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    return fill_(self, 0)


@tensor_method
def copy_(self: Tensor, src: Tensor) -> Tensor:
    """Copy ``src``'s values (broadcast) into this tensor, in place."""
    return self._inplace(lambda old: copied(old, src))
