"""Activations and losses as functions (``torch.nn.functional``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _random, ops
from .._tensor import Tensor
from ..autograd.function import Function, Node
from ..ops._operands import check_broadcast, promoted, type_name

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
    # N: the number of elements with reduction="mean", else 1
    derivatives = {"self": "grad * 2 * (self - target) / N", "target": "-grad * 2 * (self - target) / N"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, target: Tensor, reduction: str) -> Tensor:
        ctx.save_for_backward(self, target)
        ctx.reduction = reduction
        x, y = promoted(self, target)
        squared = (x - y) ** 2
        if reduction == "mean":
            return Tensor._wrap(np.mean(squared, dtype=squared.dtype))
        if reduction == "sum":
            return Tensor._wrap(np.sum(squared, dtype=squared.dtype))
        return Tensor._wrap(squared)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        self, target = ctx.saved_tensors
        scale = 2.0 / max(self.numel(), 1) if ctx.reduction == "mean" else 2.0
        difference = (self - target) * (grad * scale)
        return difference, -difference, None


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean (or summed) squared difference between ``input`` and ``target``."""
    _check_reduction(reduction)
    if input.shape != target.shape:
        import warnings

        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=2)
        check_broadcast(input._data, target._data)
        input, target = input.expand(*np.broadcast_shapes(input.shape, target.shape)), \
            target.expand(*np.broadcast_shapes(input.shape, target.shape))
    return MseLoss.apply(input, target, reduction)


class NllLoss(Function):
    backward_name = "NllLossBackward0"
    # N: the number of samples with reduction="mean", else 1
    derivatives = {"self": "-grad / N at [arange(N), target], 0 elsewhere"}
    non_differentiable_args = (1,)

    @staticmethod
    def forward(ctx: Node, self: Tensor, target: Tensor, reduction: str) -> Tensor:
        ctx.target, ctx.reduction, ctx.shape = target._data.reshape(-1), reduction, self.shape
        rows = self._data.reshape(-1, ctx.shape[-1])  # one sample of shape (C,) is a batch of one
        picked = -rows[np.arange(rows.shape[0]), ctx.target]
        if reduction == "mean":
            return Tensor._wrap(np.mean(picked, dtype=picked.dtype))
        if reduction == "sum":
            return Tensor._wrap(np.sum(picked, dtype=picked.dtype))
        return Tensor._wrap(picked.reshape(target._data.shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        batch = ctx.target.shape[0]
        weights = np.zeros((batch, ctx.shape[-1]), dtype=grad._data.dtype)
        weights[np.arange(batch), ctx.target] = -1.0 / batch if ctx.reduction == "mean" else -1.0
        scale = grad.unsqueeze(1) if ctx.reduction == "none" and grad.ndim == 1 else grad
        return Tensor._wrap(weights.reshape(ctx.shape)) * scale, None, None


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target classes, from log-probabilities of shape (N, C)."""
    _check_reduction(reduction)
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target.dtype)}")
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    target = target.long()
    classes = input.shape[-1]
    if target.numel() and (target._data.min() < 0 or target._data.max() >= classes):
        bad = int(target._data[(target._data < 0) | (target._data >= classes)][0])
        raise IndexError(f"Target {bad} is out of bounds.")
    if input.ndim > 1 and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    return NllLoss.apply(input, target, reduction)


def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy between scores of shape (N, C) and class indices of shape (N,)."""
    return nll_loss(ops.log_softmax(input, 1 if input.ndim > 1 else 0), target, reduction)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, recorded as PyTorch records it (one addmm when there is a bias)."""
    if bias is None:
        return ops.matmul(input, weight.t())
    if input.ndim == 2:
        return Addmm.apply(bias, input, weight.t())
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight.ndim}D")
    folded = Addmm.apply(bias, input.reshape(-1, input.shape[-1]), weight.t())
    return folded.view(*input.shape[:-1], weight.shape[0])


class Addmm(Function):
    """``bias + mat1 @ mat2`` in one node: how PyTorch's Linear records ``input @ weight.T + bias``."""

    backward_name = "AddmmBackward0"
    derivatives = {"self": "grad", "mat1": "grad @ mat2.t()", "mat2": "mat1.t() @ grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, mat1: Tensor, mat2: Tensor) -> Tensor:
        if mat1.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                               f"{mat2.shape[0]}x{mat2.shape[1]})")
        if mat1._data.dtype != mat2._data.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {type_name(mat1.dtype)} and "
                               f"{type_name(mat2.dtype)}")
        ctx.save_for_backward(mat1 if mat2._requires_grad else None, mat2 if mat1._requires_grad else None)
        b, x, w = promoted(self, mat1, mat2)
        return Tensor._wrap(x @ w + b)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        mat1, mat2 = ctx.saved_tensors
        grad_mat1 = grad.mm(mat2.t()) if mat2 is not None else None
        grad_mat2 = mat1.t().mm(grad) if mat1 is not None else None
        return grad, grad_mat1, grad_mat2


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only).

    As PyTorch on the CPU: the mask is ``bernoulli_(1 - p)`` on a new tensor laid out like ``input``,
    divided by ``1 - p``, and multiplied in (``MulBackward0``); with ``p == 0``, outside
    training or for an empty tensor, ``input`` itself is returned.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = Tensor._wrap(np.zeros((), dtype=input._data.dtype))
    else:
        keep = _random.bernoulli_like(input._data, 1 - p)
        if not input.is_floating_point():
            raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(input.dtype)}")
        noise = Tensor._wrap(keep / input._data.dtype.type(1 - p))
    return input.mul_(noise) if inplace else ops.mul(input, noise)
