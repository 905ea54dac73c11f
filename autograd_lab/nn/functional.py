"""Activations and losses as functions (``torch.nn.functional``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import ops
from .._tensor import Tensor
from ..autograd.function import Function, Node
from ..ops._operands import promoted

relu = ops.relu
sigmoid = ops.sigmoid
tanh = ops.tanh
softmax = ops.softmax
log_softmax = ops.log_softmax

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


class MseLoss(Function):
    backward_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx: Node, input: Tensor, target: Tensor, reduction: str) -> Tensor:
        ctx.save_for_backward(input, target)
        ctx.reduction = reduction
        x, y = promoted(input, target)
        squared = (x - y) ** 2
        if reduction == "mean":
            return Tensor._wrap(np.mean(squared, dtype=squared.dtype))
        if reduction == "sum":
            return Tensor._wrap(np.sum(squared, dtype=squared.dtype))
        return Tensor._wrap(squared)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        input, target = ctx.saved_tensors
        scale = 2.0 / max(input.numel(), 1) if ctx.reduction == "mean" else 2.0
        difference = (input - target) * (grad * scale)
        return difference, -difference, None


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean (or summed) squared difference between ``input`` and ``target``."""
    _check_reduction(reduction)
    if input.shape != target.shape:
        import warnings

        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=2)
        input, target = ops.expand(input, *np.broadcast_shapes(input.shape, target.shape)), \
            ops.expand(target, *np.broadcast_shapes(input.shape, target.shape))
    return MseLoss.apply(input, target, reduction)


class NllLoss(Function):
    backward_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx: Node, log_probabilities: Tensor, target: Tensor, reduction: str) -> Tensor:
        ctx.target, ctx.reduction, ctx.shape = target._data, reduction, log_probabilities.shape
        rows = np.arange(log_probabilities.shape[0])
        picked = -log_probabilities._data[rows, target._data]
        if reduction == "mean":
            return Tensor._wrap(np.mean(picked, dtype=picked.dtype))
        if reduction == "sum":
            return Tensor._wrap(np.sum(picked, dtype=picked.dtype))
        return Tensor._wrap(picked)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        batch = ctx.shape[0]
        weights = np.zeros(ctx.shape, dtype=grad._data.dtype)
        weights[np.arange(batch), ctx.target] = -1.0 / batch if ctx.reduction == "mean" else -1.0
        scale = grad.unsqueeze(1) if ctx.reduction == "none" else grad
        return Tensor._wrap(weights) * scale, None, None


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes, from log-probabilities of shape (N, C)."""
    _check_reduction(reduction)
    if input.ndim == 1:
        return nll_loss(input.unsqueeze(0), target.reshape(1), reduction).reshape(())
    if target.dtype.name != "int64":
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.name.capitalize()}")
    classes = input.shape[1]
    if target.numel() and (target._data.min() < 0 or target._data.max() >= classes):
        bad = int(target._data[(target._data < 0) | (target._data >= classes)][0])
        raise IndexError(f"Target {bad} is out of bounds.")
    if input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    return NllLoss.apply(input, target, reduction)


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy between scores of shape (N, C) and class indices of shape (N,)."""
    return nll_loss(ops.log_softmax(input, 1 if input.ndim > 1 else 0), target, reduction)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``."""
    if input.ndim == 2 and bias is not None:
        return Addmm.apply(bias, input, weight)
    output = ops.matmul(input, weight.t())
    return output + bias if bias is not None else output


class Addmm(Function):
    """``bias + input @ weight.T`` in one node, as PyTorch's Linear records it."""

    backward_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx: Node, bias: Tensor, input: Tensor, weight: Tensor) -> Tensor:
        if input.shape[1] != weight.shape[1]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
                               f"{weight.shape[1]}x{weight.shape[0]})")
        ctx.save_for_backward(input if ctx.needs_input_grad[2] else None,
                              weight if ctx.needs_input_grad[1] else None)
        b, x, w = promoted(bias, input, weight)
        return Tensor._wrap(x @ w.T + b)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        input, weight = ctx.saved_tensors
        grad_input = grad.mm(weight) if weight is not None else None
        grad_weight = grad.t().mm(input) if input is not None else None
        return grad, grad_input, grad_weight



