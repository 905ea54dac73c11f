"""softmax and log_softmax along a dimension, computed stably."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import floating, normalize_dim


class Softmax(Function):
    backward_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, a.ndim)
        x = floating(a)
        shifted = np.exp(x - np.max(x, axis=ctx.dim, keepdims=True)) if x.ndim else np.ones_like(x)
        result = Tensor._wrap(shifted / np.sum(shifted, axis=ctx.dim, keepdims=True) if x.ndim else shifted)
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
        x = floating(a)
        if not x.ndim:
            result = Tensor._wrap(np.zeros_like(x))
        else:
            shifted = x - np.max(x, axis=ctx.dim, keepdims=True)
            result = Tensor._wrap(shifted - np.log(np.sum(np.exp(shifted), axis=ctx.dim, keepdims=True)))
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
