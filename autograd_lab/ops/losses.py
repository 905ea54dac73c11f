"""Losses that PyTorch computes in one kernel, each with its own backward node.

``MseLossBackward0``, ``NllLossBackward0``, ``NllLoss2DBackward0``,
``BinaryCrossEntropyBackward0``, ``BinaryCrossEntropyWithLogitsBackward0``,
``SmoothL1LossBackward0`` and ``HuberLossBackward0``. The user-facing functions, with
PyTorch's argument checks, are in ``autograd_lab.nn.functional``; losses PyTorch builds
from other ops (``l1_loss``, ``cross_entropy`` with label smoothing) are built there too.

Each backward is written with tensor operations, so gradients of gradients work
(``create_graph=True``) where PyTorch has them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import promoted, quietly
from .activations import log_sigmoid
from .reduction import mean, sum
from .selection import where

__all__: list[str] = []  # reached through autograd_lab.nn.functional

MEAN, SUM, NONE = "mean", "sum", "none"


def reduce(loss: np.ndarray, reduction: str) -> Tensor:
    """The elementwise ``loss`` summed, averaged (as ``torch.sum``/``torch.mean`` do) or kept."""
    if reduction == MEAN:
        return mean(Tensor._wrap(loss))
    if reduction == SUM:
        return sum(Tensor._wrap(loss))
    return Tensor._wrap(loss)


def _scale_for(reduction: str, grad: Tensor, count: int) -> Tensor:
    """The gradient reaching each element: ``grad`` (spread) divided by the element count for a mean."""
    return grad / count if reduction == MEAN else grad


class MseLoss(Function):
    backward_name = "MseLossBackward0"
    # N: the number of elements with reduction="mean", else 1
    derivatives = {"self": "grad * 2 * (self - target) / N", "target": "-grad * 2 * (self - target) / N"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, reduction: str) -> Tensor:
        ctx.save_for_backward(self, target)
        ctx.reduction = reduction
        x, y = promoted(self, target)
        difference = x - y
        return reduce(difference * difference, reduction)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        self, target = ctx.saved_tensors
        norm = 2.0 / self.numel() if ctx.reduction == MEAN else 2.0
        difference = (self - target) * norm * grad
        return difference, -difference, None


# -- negative log-likelihood ------------------------------------------------------------------

_CASCADE_LEVELS = 8
_CASCADE_STEP_BITS = 4  # PyTorch's level_power: max(4, ceil(log2(n)) / 8), which is 4 below 2**40 elements


def cascade_sum(values: np.ndarray, positions: np.ndarray) -> np.generic:
    """Sum ``values`` (element ``i`` sitting at index ``positions[i]`` of the batch) in PyTorch's order.

    The CPU nll_loss kernel adds elements one by one into level 0 of eight partial sums;
    at every index divisible by 16 it carries level 0 into level 1, at every index
    divisible by 256 level 1 into level 2, and so on; the levels are added up at the end.
    Rounding follows that order exactly, so ``loss.item()`` prints PyTorch's digits.
    """
    zero = values.dtype.type(0)
    levels = [zero] * _CASCADE_LEVELS
    if values.size == 0:
        return zero
    step_mask = (1 << _CASCADE_STEP_BITS) - 1
    carries = np.flatnonzero((positions & step_mask) == 0)
    starts = np.concatenate(([0], carries + 1))
    stops = np.concatenate((carries + 1, [values.size]))
    segment_sums = _sequential_sums(values, starts, stops)
    for k, carry in enumerate(carries):
        levels[0] = levels[0] + segment_sums[k]
        index = int(positions[carry])
        for j in range(_CASCADE_LEVELS - 1):
            if index & (step_mask << (_CASCADE_STEP_BITS * j)):
                break
            levels[j + 1] = levels[j + 1] + levels[j]
            levels[j] = zero
    levels[0] = levels[0] + segment_sums[-1]
    total = zero
    for level in levels:
        total = total + level
    return total


def _sequential_sums(values: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """``values[start:stop]`` added left to right from 0, for each segment (empty segments give 0)."""
    lengths = stops - starts
    longest = int(lengths.max())
    if longest * lengths.size <= 4 * values.size + 1024:
        padded = np.zeros((lengths.size, max(longest, 1)), dtype=values.dtype)
        rows = np.repeat(np.arange(lengths.size), lengths)
        columns = np.arange(values.size) - np.repeat(starts, lengths)
        padded[rows, columns] = values
        return np.add.accumulate(padded, axis=1)[:, -1]
    return np.array([np.add.accumulate(values[a:b])[-1] if b > a else 0 for a, b in zip(starts, stops)],
                    dtype=values.dtype)


def nll_rows(rows: np.ndarray, targets: np.ndarray, weight: np.ndarray | None, reduction: str,
             ignore_index: int) -> tuple[np.ndarray, np.generic, np.ndarray]:
    """The loss of log-probability ``rows`` (M, C) at ``targets`` (M,), as PyTorch's kernel computes it.

    Returns (loss, total weight, per-row weight: 0 for an ignored row), after PyTorch's
    bounds check ("Target 5 is out of bounds.").
    """
    dtype = rows.dtype
    kept = targets != ignore_index
    classes = rows.shape[1]
    bad = kept & ((targets < 0) | (targets >= classes))
    if bad.any():
        raise IndexError(f"Target {int(targets[bad][0])} is out of bounds.")
    safe_targets = np.where(kept, targets, 0)
    picked = rows[np.arange(rows.shape[0]), safe_targets]
    row_weight = kept.astype(dtype) if weight is None else np.where(kept, weight[safe_targets], dtype.type(0))
    if reduction == NONE:
        return np.where(kept, -picked * row_weight, dtype.type(0)), dtype.type(0), row_weight
    if targets.size == 0:
        loss = np.array(np.nan if reduction == MEAN else 0.0, dtype=dtype)
        return loss, dtype.type(0), row_weight
    positions = np.flatnonzero(kept)
    contributions = -picked[positions] if weight is None else -(picked[positions] * row_weight[positions])
    loss = cascade_sum(contributions, positions)
    if weight is None:
        total_weight = dtype.type(positions.size)
    else:
        total_weight = cascade_sum(row_weight[positions], positions)
    if reduction == MEAN:
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = loss / total_weight
    return np.asarray(loss, dtype=dtype), total_weight, row_weight


class NllGradient(Function):
    """nll_loss's backward as an op: linear in the incoming gradient and constant in the input, so its own
    derivatives are the picked weights (for ``grad_output``) and zero (for ``self``)."""

    backward_name = "NllLossBackwardBackward0"
    derivatives = {"grad_output": "-W / N at the targets, summed", "self": "0"}

    @staticmethod
    @quietly
    def forward(ctx: Node, grad_output: Tensor, self: Tensor, loss: Node) -> Tensor:
        ctx.loss = loss
        picks = _picked_weights(loss)
        grad = grad_output._data
        if loss.reduction == NONE:
            rows = picks * -grad.reshape(-1, 1)
        else:
            rows = picks * -(grad / loss.total_weight if loss.reduction == MEAN else grad)
        return Tensor._wrap(_rows_to_input(rows, loss.shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None]:
        loss = ctx.loss
        along_targets = -(_picked_weights(loss) * _input_to_rows(grad._data, loss.shape)).sum(axis=1)
        if loss.reduction == NONE:
            grad_output = along_targets.reshape(loss.output_shape)
        else:
            total = np.sum(along_targets)
            grad_output = np.asarray(total / loss.total_weight if loss.reduction == MEAN else total)
        dtype = grad._data.dtype
        return Tensor._wrap(grad_output.astype(dtype)), Tensor._wrap(np.zeros(loss.shape, dtype)), None


def _picked_weights(loss: Node) -> np.ndarray:
    """(M, C) zeros with each row's class weight at its target (0 for an ignored row)."""
    picks = np.zeros((loss.row_weight.shape[0], loss.classes), dtype=loss.row_weight.dtype)
    picks[np.arange(picks.shape[0]), loss.targets_safe] = loss.row_weight
    return picks


def _rows_to_input(rows: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """(M, C) rows back in the input's layout: (N, C) / (C,), or (N, C, H, W) for image inputs."""
    if len(shape) == 4:
        n, c, h, w = shape
        return np.ascontiguousarray(rows.reshape(n, h, w, c).transpose(0, 3, 1, 2))
    return rows.reshape(shape)


def _input_to_rows(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The input's layout as (M, C) rows, one per target."""
    if len(shape) == 4:
        return np.moveaxis(values, 1, -1).reshape(-1, shape[1])
    return values.reshape(-1, shape[-1])


def _nll_forward(ctx: Node, self: Tensor, rows: np.ndarray, target: Tensor, weight: Tensor | None, reduction: str,
                 ignore_index: int) -> np.ndarray:
    """The loss of ``rows`` (one per target), keeping on ``ctx`` what backward needs."""
    targets = target._data.reshape(-1).astype(np.int64)
    loss, total, row_weight = nll_rows(rows, targets, None if weight is None else weight._data, reduction,
                                       ignore_index)
    ctx.reduction, ctx.total_weight, ctx.row_weight, ctx.shape = reduction, total, row_weight, tuple(self.shape)
    ctx.classes = self.shape[1] if self.ndim == 4 else self.shape[-1]
    ctx.targets_safe = np.where(targets != ignore_index, targets, 0)
    ctx.output_shape = (self.shape[0], self.shape[2], self.shape[3]) if self.ndim == 4 else loss.shape
    ctx.save_for_backward(self)
    return loss


class NllLoss(Function):
    """Negative log-likelihood of 1-D (C,) or 2-D (N, C) log-probabilities."""

    backward_name = "NllLossBackward0"
    # W: weight[target] (0 where target == ignore_index); N: total weight with reduction="mean", else 1
    derivatives = {"self": "-grad * W / N at [i, target[i]], 0 elsewhere"}
    non_differentiable_args = (1, 2)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                ignore_index: int) -> Tensor:
        loss = _nll_forward(ctx, self, self._data.reshape(-1, self._data.shape[-1]), target, weight, reduction,
                            ignore_index)
        if reduction == NONE and self.ndim == 1:
            loss = loss.reshape(())
            ctx.output_shape = ()
        return Tensor._wrap(loss)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None, None]:
        (self,) = ctx.saved_tensors
        return NllGradient.apply(grad, self, ctx), None, None, None, None


class NllLoss2d(Function):
    """Negative log-likelihood of (N, C, H, W) log-probabilities against (N, H, W) classes."""

    backward_name = "NllLoss2DBackward0"
    derivatives = {"self": "-grad * W / N at [n, target[n, h, w], h, w], 0 elsewhere"}
    non_differentiable_args = (1, 2)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                ignore_index: int) -> Tensor:
        n, c, h, w = self.shape
        rows = np.moveaxis(self._data, 1, -1).reshape(-1, c)
        loss = _nll_forward(ctx, self, rows, target, weight, reduction, ignore_index)
        return Tensor._wrap(loss.reshape(n, h, w) if reduction == NONE else loss)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None, None]:
        (self,) = ctx.saved_tensors
        return NllGradient2d.apply(grad, self, ctx), None, None, None, None


class NllGradient2d(NllGradient):
    backward_name = "NllLoss2DBackwardBackward0"


# -- binary cross-entropy ---------------------------------------------------------------------

class BinaryCrossEntropy(Function):
    backward_name = "BinaryCrossEntropyBackward0"
    derivatives = {"self": "grad * weight * (self - target) / max((1 - self) * self, 1e-12) / N"}
    non_differentiable_args = (2,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
        ctx.save_for_backward(self, target, weight)
        ctx.reduction = reduction
        x, y = self._data, target._data.astype(self._data.dtype, copy=False)
        if np.any(~((x >= 0) & (x <= 1))):
            raise RuntimeError("all elements of input should be between 0 and 1")
        one, floor = x.dtype.type(1), x.dtype.type(-100)
        log_x = np.maximum(np.log(x.astype(np.float64)).astype(x.dtype), floor)
        log_rest = np.maximum(np.log1p(-x.astype(np.float64)).astype(x.dtype), floor)
        loss = (y - one) * log_rest - y * log_x
        if weight is not None:
            loss = loss * weight._data
        return reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None, None, None]:
        self, target, weight = ctx.saved_tensors
        denominator = ((1 - self) * self).clamp(min=1e-12)
        grad_self = grad * (self - target) / denominator
        if weight is not None:
            grad_self = grad_self * weight
        grad_self = _scale_for(ctx.reduction, grad_self, self.numel())
        grad_target = None
        if ctx.needs_input_grad[1]:
            grad_target = _scale_for(ctx.reduction, grad * ((1 - self).log() - self.log()).clamp(min=-100) *
                                     (weight if weight is not None else 1), self.numel())
        return grad_self, grad_target, None, None


class BinaryCrossEntropyWithLogits(Function):
    backward_name = "BinaryCrossEntropyWithLogitsBackward0"
    derivatives = {"self": "grad * weight * ((pos_weight * target + 1 - target) * sigmoid(self) - "
                           "pos_weight * target) / N",
                   "target": "grad * weight * (log_sigmoid(-self) - pos_weight * log_sigmoid(self)) / N"}
    non_differentiable_args = (2, 3)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, weight: Tensor | None, pos_weight: Tensor | None,
                reduction: str) -> Tensor:
        ctx.save_for_backward(self, target, weight, pos_weight)
        ctx.reduction = reduction
        x, y = self._data, target._data.astype(self._data.dtype, copy=False)
        one = x.dtype.type(1)
        log_sig = log_sigmoid(x)
        if pos_weight is None:
            loss = (one - y) * x - log_sig
        else:
            log_weight = (pos_weight._data - one) * y + one
            loss = (one - y) * x - log_weight * log_sig
        if weight is not None:
            loss = loss * weight._data
        return reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None, None, None, None]:
        self, target, weight, pos_weight = ctx.saved_tensors
        if pos_weight is None:
            grad_self = (self.sigmoid() - target) * grad
        else:
            weighted = pos_weight * target
            grad_self = ((weighted + 1 - target) * self.sigmoid() - weighted) * grad
        if weight is not None:
            grad_self = grad_self * weight
        grad_self = _scale_for(ctx.reduction, grad_self, self.numel())
        grad_target = None
        if ctx.needs_input_grad[1]:
            grad_target = _logits_target_grad(self, 1 if pos_weight is None else pos_weight) * grad
            if weight is not None:
                grad_target = grad_target * weight
            grad_target = _scale_for(ctx.reduction, grad_target, self.numel())
        return grad_self, grad_target, None, None, None


def _logits_target_grad(self: Tensor, pos_weight: Tensor | int) -> Tensor:
    """d loss / d target = -x - (pos_weight - 1) * log(sigmoid(x)) (per element, before weight and reduction)."""
    return -self - (pos_weight - 1) * self.sigmoid().log()


# -- smooth L1 and Huber ----------------------------------------------------------------------

def _smoothed_forward(ctx: Node, self: Tensor, target: Tensor, reduction: str, threshold: float,
                      elementwise: Callable[[np.ndarray, np.generic], np.ndarray]) -> Tensor:
    """The loss of ``|self - target|``, quadratic below ``threshold`` and linear above (smooth L1, Huber)."""
    ctx.save_for_backward(self, target)
    ctx.reduction, ctx.threshold = reduction, threshold
    x, y = promoted(self, target)
    return reduce(elementwise(np.abs(x - y), x.dtype.type(threshold)), reduction)


def _smoothed_backward(ctx: Node, grad: Tensor, outer_scale: float,
                       inner: Callable[[Tensor, float, Tensor], Tensor]) -> tuple[Tensor, Tensor, None, None]:
    """``inner`` inside (-threshold, threshold), the constant slope ``norm * grad * outer_scale`` outside."""
    self, target = ctx.saved_tensors
    difference = self - target
    norm = 1.0 / self.numel() if ctx.reduction == MEAN else 1.0
    outer = grad * norm * outer_scale if outer_scale != 1 else grad * norm
    grad_self = where(difference <= -ctx.threshold, -outer,
                      where(difference >= ctx.threshold, outer, inner(difference, norm, grad)))
    return grad_self, -grad_self, None, None


class SmoothL1Loss(Function):
    backward_name = "SmoothL1LossBackward0"
    derivatives = {"self": "grad * clamp((self - target) / beta, -1, 1) / N",
                   "target": "-grad * clamp((self - target) / beta, -1, 1) / N"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, reduction: str, beta: float) -> Tensor:
        half = self._data.dtype.type(0.5)
        return _smoothed_forward(ctx, self, target, reduction, beta,
                                 lambda z, b: np.where(z < b, half * z * z / b, z - half * b))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None, None]:
        beta = ctx.threshold
        return _smoothed_backward(ctx, grad, 1.0, lambda difference, norm, g: difference * norm * g / beta)


class HuberLoss(Function):
    backward_name = "HuberLossBackward0"
    derivatives = {"self": "grad * clamp(self - target, -delta, delta) / N",
                   "target": "-grad * clamp(self - target, -delta, delta) / N"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, target: Tensor, reduction: str, delta: float) -> Tensor:
        half = self._data.dtype.type(0.5)
        return _smoothed_forward(ctx, self, target, reduction, delta,
                                 lambda z, d: np.where(z < d, half * z * z, d * (z - half * d)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None, None]:
        return _smoothed_backward(ctx, grad, ctx.threshold, lambda difference, norm, g: difference * norm * g)
