"""Choosing between values elementwise: where, maximum, minimum, masked_fill."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import _C_TYPE_NAMES, Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand, broadcast_pair, check_broadcast, type_name

__all__ = ["masked_fill", "maximum", "minimum", "where"]


class Where(Function):
    backward_name = "WhereBackward0"
    derivatives = {"self": "where(condition, grad, 0)", "other": "where(condition, 0, grad)"}
    non_differentiable_args = (0,)

    @staticmethod
    def forward(ctx: Node, condition: Tensor, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(condition)
        check_broadcast(condition._data, self._data)
        check_broadcast(np.broadcast_to(condition._data, np.broadcast_shapes(condition.shape, self.shape)),
                        other._data)
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(np.where(condition._data, x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[None, Tensor, Tensor]:
        (chosen,) = ctx.saved_tensors
        return None, where(chosen, grad, 0.0), where(chosen, 0.0, grad)


class Maximum(Function):
    backward_name = "MaximumBackward0"
    derivatives = {"self": "where(self == other, grad / 2, grad * (self > other))",
                   "other": "where(self == other, grad / 2, grad * (other > self))"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self, other)
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(np.maximum(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other = ctx.saved_tensors
        return _split_between(grad, self._data > other._data, self._data == other._data)


class Minimum(Function):
    backward_name = "MinimumBackward0"
    derivatives = {"self": "where(self == other, grad / 2, grad * (self < other))",
                   "other": "where(self == other, grad / 2, grad * (other < self))"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self, other)
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(np.minimum(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other = ctx.saved_tensors
        return _split_between(grad, self._data < other._data, self._data == other._data)


def _split_between(grad: Tensor, first_wins: np.ndarray, tie: np.ndarray) -> tuple[Tensor, Tensor]:
    """The gradient goes to the winner (the loser gets zeros); ties split it in half, as in PyTorch."""
    half, tie_tensor, first_tensor = grad * 0.5, Tensor._wrap(tie), Tensor._wrap(first_wins)
    return (where(tie_tensor, half, where(first_tensor, grad, 0.0)),
            where(tie_tensor, half, where(first_tensor, 0.0, grad)))


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """Elementwise ``input if condition else other``."""
    condition_tensor = as_operand(condition)
    if condition_tensor.dtype.name != "bool":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{type_name(condition_tensor.dtype)}")
    return Where.apply(condition_tensor, as_operand(input), as_operand(other))


@tensor_method
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise larger of two tensors."""
    return Maximum.apply(input, as_operand(other))


@tensor_method
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise smaller of two tensors."""
    return Minimum.apply(input, as_operand(other))


class MaskedFill(Function):
    backward_name = "MaskedFillBackward0"
    derivatives = {"self": "where(mask, 0, grad)"}
    non_differentiable_args = (1, 2)

    @staticmethod
    def forward(ctx: Node, self: Tensor, mask: Tensor, value: Tensor) -> Tensor:
        ctx.save_for_backward(mask)
        check_broadcast(self._data, mask._data)
        return Tensor._wrap(np.where(mask._data, value._data.astype(self._data.dtype), self._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (mask,) = ctx.saved_tensors
        return where(mask, 0.0, grad), None, None


@tensor_method
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` wherever ``mask`` is True."""
    value_tensor = as_operand(value)
    if value_tensor.requires_grad:
        return where(mask, value_tensor.to(input.dtype), input)
    if mask.dtype.name != "bool":
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_TYPE_NAMES[mask.dtype.name]}")
    return MaskedFill.apply(input, mask, value_tensor)


@tensor_method("where")
def _where_method(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``x.where(condition, y)``: ``x`` where ``condition`` holds, else ``y``."""
    return where(condition, self, other)
