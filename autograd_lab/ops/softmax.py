"""softmax and log_softmax along a dimension, computed stably."""
from __future__ import annotations

import warnings

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import floating, quietly, type_name

__all__ = ["log_softmax", "softmax"]


def _log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """log(exp(x) / sum(exp(x))) along ``dim``, shifted by the maximum so nothing overflows."""
    if not x.ndim:
        return np.zeros_like(x)
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


class Softmax(Function):
    backward_name = "SoftmaxBackward0"
    derivatives = {"self": "result * (grad - (grad * result).sum(dim, keepdim=True))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, self.ndim)
        result = Tensor._wrap(np.exp(_log_softmax(floating(self), ctx.dim)))
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
    derivatives = {"self": "grad - exp(result) * grad.sum(dim, keepdim=True)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, self.ndim)
        result = Tensor._wrap(_log_softmax(floating(self), ctx.dim))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (result,) = ctx.saved_tensors
        if not result.ndim:
            return grad * 0, None
        return grad - result.exp() * grad.sum(ctx.dim, keepdim=True), None


@tensor_method
def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    return Softmax.apply(input, _checked_dim("softmax", input, dim))


@tensor_method
def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, without overflow."""
    return LogSoftmax.apply(input, _checked_dim("log_softmax", input, dim))


def _checked_dim(name: str, input: Tensor, dim: int | None) -> int:
    """``dim``, or PyTorch's deprecated implicit choice with its warning; integer inputs fail as in PyTorch."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                      "as an argument.", UserWarning, stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if not input.is_floating_point():
        kernel = "lastdim_kernel_impl" if normalize_dim(dim, input.ndim) == max(input.ndim - 1, 0) else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for \'{type_name(input.dtype)}\'')
    return dim
