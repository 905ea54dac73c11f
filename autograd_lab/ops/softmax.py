"""softmax and log_softmax along a dimension, computed stably."""
from __future__ import annotations

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import floating, numpy_keywords, quietly, rounded_once, type_name, warn_user

__all__ = ["log_softmax", "softmax"]


_LANE_BYTES = 64  # PyTorch's CPU kernels on AVX-512: 16 float32 or 8 float64 lanes


def _sum_along(values: np.ndarray, dim: int) -> np.ndarray:
    """The sum over ``dim`` (kept) in the order of PyTorch's softmax kernels.

    Along another dimension than the last, the rows are added one after another (as NumPy
    does). Along the last, PyTorch adds the values lane by lane in vector registers, then the
    lanes in halves (8 + 8, 4 + 4, 2 + 2, 1 + 1); fewer values than lanes are added in order.
    """
    if dim != values.ndim - 1:
        return np.sum(values, axis=dim, keepdims=True)
    lanes = _LANE_BYTES // values.dtype.itemsize
    size = values.shape[-1]
    if size < lanes:
        total = values[..., :1].copy()
        for i in range(1, size):
            total += values[..., i:i + 1]
        return total
    acc = values[..., :lanes].copy()
    end = size - size % lanes
    for start in range(lanes, end, lanes):
        acc += values[..., start:start + lanes]
    if end < size:
        acc[..., :size - end] += values[..., end:]
    while lanes > 1:
        lanes //= 2
        acc = acc[..., :lanes] + acc[..., lanes:2 * lanes]
    return acc


def _shifted_exp(x: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """``x - max`` along ``dim`` and its exponential."""
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted, rounded_once(np.exp, shifted)


def _softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """exp(x - max) / sum, as PyTorch computes it: along the last dimension it multiplies by 1 / sum."""
    if not x.ndim:
        return np.ones_like(x)
    _, exp = _shifted_exp(x, dim)
    total = _sum_along(exp, dim)
    if dim == x.ndim - 1:
        return exp * (x.dtype.type(1) / total)
    return exp / total


def _log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    """(x - max) - log(sum(exp(x - max))) along ``dim``: shifted by the maximum so nothing overflows."""
    if not x.ndim:
        return np.zeros_like(x)
    shifted, exp = _shifted_exp(x, dim)
    return shifted - rounded_once(np.log, _sum_along(exp, dim))


class Softmax(Function):
    backward_name = "SoftmaxBackward0"
    derivatives = {"self": "result * (grad - (grad * result).sum(dim, keepdim=True))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, self.ndim)
        result = Tensor._wrap(_softmax(floating(self), ctx.dim))
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
@numpy_keywords
def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``."""
    return Softmax.apply(input, _checked_dim("softmax", input, dim))


@tensor_method
@numpy_keywords
def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, without overflow."""
    return LogSoftmax.apply(input, _checked_dim("log_softmax", input, dim))


def _checked_dim(name: str, input: Tensor, dim: int | None) -> int:
    """``dim``, or PyTorch's deprecated implicit choice with its warning; integer inputs fail as in PyTorch."""
    if dim is None:
        warn_user(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an "
                  "argument.")
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if not input.is_floating_point():
        kernel = "lastdim_kernel_impl" if normalize_dim(dim, input.ndim) == max(input.ndim - 1, 0) else "kernel_impl"
        raise NotImplementedError(f'"{name}_{kernel}" not implemented for \'{type_name(input.dtype)}\'')
    return dim
