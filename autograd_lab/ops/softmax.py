"""softmax and log_softmax along a dimension, computed stably."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import floating, normalize_dim


def _log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """log(exp(x) / sum(exp(x))) along ``dim``, shifted by the maximum so nothing overflows."""
    if not x.ndim:
        return np.zeros_like(x)
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


class Softmax(Function):
    backward_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, a.ndim)
        result = Tensor._wrap(np.exp(_log_softmax(floating(a), ctx.dim)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (result,) = ctx.saved_tensors
        if not result.ndim:
            return grad * 0, None
        return result * (grad - (grad * result).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    backward_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, a.ndim)
        result = Tensor._wrap(_log_softmax(floating(a), ctx.dim))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (result,) = ctx.saved_tensors
        if not result.ndim:
            return grad * 0, None
        return grad - result.exp() * grad.sum(ctx.dim, keepdim=True), None


def softmax(input: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    return Softmax.apply(input, dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along ``dim``, without overflow."""
    return LogSoftmax.apply(input, dim)
