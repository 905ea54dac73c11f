"""Choosing between values elementwise: where, maximum, minimum, masked_fill."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import _C_TYPE_NAMES, Tensor
from ..autograd.function import Function, Node
from ._operands import as_operand, broadcast_pair, check_broadcast, type_name


class Where(Function):
    backward_name = "WhereBackward0"
    non_differentiable_args = (0,)

    @staticmethod
    def forward(ctx: Node, condition: Tensor, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(condition)
        check_broadcast(condition._data, a._data)
        check_broadcast(np.broadcast_to(condition._data, np.broadcast_shapes(condition.shape, a.shape)), b._data)
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(np.where(condition._data, x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[None, Tensor, Tensor]:
        (chosen,) = ctx.saved_tensors
        return None, where(chosen, grad, 0.0), where(chosen, 0.0, grad)


class Maximum(Function):
    backward_name = "MaximumBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(np.maximum(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return _split_between(grad, a._data > b._data, a._data == b._data)


class Minimum(Function):
    backward_name = "MinimumBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a, b)
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(np.minimum(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return _split_between(grad, a._data < b._data, a._data == b._data)


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


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise larger of two tensors."""
    return Maximum.apply(input, as_operand(other))


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise smaller of two tensors."""
    return Minimum.apply(input, as_operand(other))


class MaskedFill(Function):
    backward_name = "MaskedFillBackward0"
    non_differentiable_args = (1, 2)

    @staticmethod
    def forward(ctx: Node, a: Tensor, mask: Tensor, value: Tensor) -> Tensor:
        ctx.save_for_backward(mask)
        check_broadcast(a._data, mask._data)
        return Tensor._wrap(np.where(mask._data, value._data.astype(a._data.dtype), a._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (mask,) = ctx.saved_tensors
        return where(mask, 0.0, grad), None, None


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` wherever ``mask`` is True."""
    value_tensor = as_operand(value)
    if value_tensor.requires_grad:
        return where(mask, value_tensor.to(input.dtype), input)
    if mask.dtype.name != "bool":
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_C_TYPE_NAMES[mask.dtype.name]}")
    return MaskedFill.apply(input, mask, value_tensor)
