"""Batch and layer normalisation, recorded as PyTorch records them.

``NativeBatchNormBackward0`` (batch statistics in training, running statistics in
evaluation, the running statistics updated in place) and ``NativeLayerNormBackward0``.
The batch statistics follow PyTorch's CPU kernel: per-channel sums in float64, the
mean and the sum of squared deviations rounded to the input's dtype, the output as
``x * alpha + beta`` per channel. Backward uses tensor operations (second derivatives work).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._fused import fused_multiply_add
from ._operands import quietly

__all__: list[str] = []  # reached through autograd_lab.nn.functional


def _channel_rows(x: np.ndarray) -> np.ndarray:
    """(C, N * spatial) view of an (N, C, *spatial) array, each row in PyTorch's reading order."""
    moved = np.moveaxis(x, 1, 0)
    return moved.reshape(moved.shape[0], -1)


def _sequential_float64_sums(rows: np.ndarray) -> np.ndarray:
    """Row sums accumulated left to right in float64 (as the kernel's ``double`` accumulator does)."""
    if rows.shape[1] == 0:
        return np.zeros(rows.shape[0])
    return np.add.accumulate(rows.astype(np.float64), axis=1)[:, -1]


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and sum of squared deviations, rounded to ``x``'s dtype as PyTorch rounds them.

    PyTorch's CPU kernel (run on one thread) reads an (N, C, L) input channel by channel
    with float64 accumulators; an (N, C) input (L == 1) is read row by row instead, the
    per-channel sums kept in the input's dtype and each squared deviation added with a
    fused multiply-add.
    """
    channels = x.shape[1]
    count = x.size // channels
    if count == x.shape[0] and x.shape[0] > 1:
        rows = x.reshape(x.shape[0], channels)
        mean = (np.add.accumulate(rows, axis=0)[-1].astype(np.float64) / count).astype(x.dtype)
        squared_sum = np.zeros(channels, dtype=x.dtype)
        for deviation in rows - mean:
            squared_sum = fused_multiply_add(deviation, deviation, squared_sum)
        return mean, squared_sum
    rows = _channel_rows(x)
    mean = (_sequential_float64_sums(rows) / count).astype(x.dtype)
    deviations = rows - mean[:, None]
    squared_sum = _sequential_float64_sums(deviations * deviations).astype(x.dtype)
    return mean, squared_sum


def _per_channel(values: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) values shaped (1, C, 1, ...) to broadcast over an (N, C, *) input."""
    return values.reshape((1, -1) + (1,) * (ndim - 2))


class NativeBatchNorm(Function):
    backward_name = "NativeBatchNormBackward0"
    derivatives = {"input": "weight * invstd * (grad - mean(grad) - xhat * mean(grad * xhat)) (training), "
                            "grad * weight * invstd (evaluation)",
                   "weight": "sum(grad * xhat)", "bias": "sum(grad)"}
    non_differentiable_args = (3, 4)

    @staticmethod
    @quietly
    def forward(ctx: Node, input: Tensor, weight: Tensor | None, bias: Tensor | None, running_mean: Tensor | None,
                running_var: Tensor | None, training: bool, momentum: float, eps: float) -> Tensor:
        x = input._data
        dtype = x.dtype
        t = dtype.type
        channels = x.shape[1]
        if training:
            mean, squared_sum = batch_statistics(x)
            count = x.size // channels
            variance = squared_sum / t(count)
            invstd = (1.0 / np.sqrt(variance.astype(np.float64) + eps)).astype(dtype)
            _update_running(running_mean, running_var, mean, squared_sum, count, momentum)
        else:
            mean = running_mean._data.astype(dtype)
            invstd = t(1) / np.sqrt(running_var._data.astype(dtype) + t(eps))
        scale = np.ones(channels, dtype) if weight is None else weight._data
        shift = np.zeros(channels, dtype) if bias is None else bias._data
        alpha = invstd * scale
        beta = fused_multiply_add(-mean, alpha, shift)
        output = fused_multiply_add(x, _per_channel(alpha, x.ndim), _per_channel(beta, x.ndim))
        ctx.save_for_backward(input, weight)
        ctx.training, ctx.eps = training, eps
        ctx.mean, ctx.invstd = Tensor._wrap(mean), Tensor._wrap(invstd)
        return Tensor._wrap(output)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, ...]:
        input, weight = ctx.saved_tensors
        dims = (0,) + tuple(range(2, input.ndim))
        shape = (1, -1) + (1,) * (input.ndim - 2)
        if ctx.training:  # recomputed from the input, so the gradient itself is differentiable
            centered = input - input.mean(dims, keepdim=True)
            invstd = ((centered * centered).mean(dims, keepdim=True) + ctx.eps) ** -0.5
        else:
            centered = input - ctx.mean.reshape(shape)
            invstd = ctx.invstd.reshape(shape)
        normalized = centered * invstd
        grad_input = None
        if ctx.needs_input_grad[0]:
            scaled = grad if weight is None else grad * weight.reshape(shape)
            if ctx.training:
                grad_input = invstd * (scaled - scaled.mean(dims, keepdim=True) -
                                       normalized * (scaled * normalized).mean(dims, keepdim=True))
            else:
                grad_input = scaled * invstd
        grad_weight = (grad * normalized).sum(dims) if weight is not None and ctx.needs_input_grad[1] else None
        grad_bias = grad.sum(dims) if len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2] else None
        return grad_input, grad_weight, grad_bias, None, None, None, None, None


def _update_running(running_mean: Tensor | None, running_var: Tensor | None, mean: np.ndarray,
                    squared_sum: np.ndarray, count: int, momentum: float) -> None:
    """``running = momentum * batch + (1 - momentum) * running`` in place, rounded as PyTorch's kernel rounds.

    The mean update runs in the statistics' dtype; the variance update adds the exact
    product ``momentum * unbiased variance`` in float64 before rounding.
    """
    t = mean.dtype.type
    weight, keep = t(momentum), t(1) - t(momentum)
    if running_mean is not None:
        updated = weight * mean + keep * running_mean._data.astype(mean.dtype)
        np.copyto(running_mean._data, updated, casting="unsafe")
        running_mean._version_counter[0] += 1
    if running_var is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            unbiased = squared_sum / t(count - 1)
        kept = keep * running_var._data.astype(mean.dtype)
        updated = np.float64(weight) * unbiased.astype(np.float64) + kept.astype(np.float64)
        np.copyto(running_var._data, updated, casting="unsafe")
        running_var._version_counter[0] += 1


class NativeLayerNorm(Function):
    backward_name = "NativeLayerNormBackward0"
    derivatives = {"input": "rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = grad * weight",
                   "weight": "sum(grad * xhat)", "bias": "sum(grad)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, input: Tensor, normalized_shape: tuple[int, ...], weight: Tensor | None,
                bias: Tensor | None, eps: float) -> Tensor:
        x = input._data
        axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
        wide = x.astype(np.float64)
        mean = wide.mean(axis=axes, keepdims=True)
        variance = ((wide - mean) ** 2).mean(axis=axes, keepdims=True)
        rstd = 1.0 / np.sqrt(variance + eps)
        output = (wide - mean) * rstd
        if weight is not None:
            output = output * weight._data
        if bias is not None:
            output = output + bias._data
        ctx.save_for_backward(input, weight)
        ctx.axes, ctx.eps = axes, eps
        return Tensor._wrap(output.astype(x.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, None, Tensor | None, Tensor | None, None]:
        input, weight = ctx.saved_tensors
        axes = ctx.axes
        batch_axes = tuple(range(input.ndim - len(axes)))
        centered = input - input.mean(axes, keepdim=True)
        rstd = ((centered * centered).mean(axes, keepdim=True) + ctx.eps) ** -0.5
        normalized = centered * rstd
        scaled = grad if weight is None else grad * weight
        grad_input = rstd * (scaled - scaled.mean(axes, keepdim=True) -
                             normalized * (scaled * normalized).mean(axes, keepdim=True))
        grad_weight = grad_bias = None
        if weight is not None and ctx.needs_input_grad[2]:
            grad_weight = (grad * normalized).sum(batch_axes) if batch_axes else grad * normalized
        if len(ctx.needs_input_grad) > 3 and ctx.needs_input_grad[3]:
            grad_bias = grad.sum(batch_axes) if batch_axes else grad
        return grad_input, None, grad_weight, grad_bias, None
