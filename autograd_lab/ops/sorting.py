"""Sorting along a dimension: sort, argsort, msort, topk, kthvalue.

Equal elements keep their order (a stable sort; NaN counts as the largest value,
as in PyTorch). The gradient of the values goes back to the positions they came from.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import numpy_keywords
from .scatter import ScatterAdd

__all__ = ["argsort", "kthvalue", "msort", "sort", "topk"]


def _order(data: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Indices that sort ``data`` along ``dim``, equal elements in their original order."""
    if not descending:
        return np.argsort(data, axis=dim, kind="stable")
    reversed_order = np.argsort(np.flip(data, dim), axis=dim, kind="stable")  # ties of the reversed data...
    return data.shape[dim] - 1 - np.flip(reversed_order, dim)  # ...come out in their original order


class _Picked(Function):
    """Values taken from ``self`` along ``dim`` at ``indices``; their gradient goes back there."""

    derivatives = {"self": "zeros_like(self).scatter(dim, indices, grad)"}
    materialize_grads = True

    @staticmethod
    def backward(ctx: Node, grad: Tensor, _grad_indices: Tensor | None) -> tuple[Tensor, ...]:
        indices, dim = ctx.picked
        if not ctx.shape:
            return (grad,) + (None,) * ctx.argument_count
        if not ctx.keepdim:
            grad, indices = grad.unsqueeze(dim), indices.unsqueeze(dim)
        zeros = Tensor._wrap(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return (ScatterAdd.apply(zeros, dim, indices, grad),) + (None,) * ctx.argument_count


def _pick(ctx: Node, self: Tensor, dim: int, positions: np.ndarray, keepdim: bool = True) -> tuple[Tensor, Tensor]:
    """(values, indices) of ``self`` at ``positions`` along ``dim`` (both as 0-d for a 0-d ``self``)."""
    data = self._data if self._data.ndim else self._data.reshape(1)
    values = np.take_along_axis(data, positions, axis=dim)
    if not keepdim:
        values, positions = np.squeeze(values, dim), np.squeeze(positions, dim)
    if not self._data.ndim:
        values, positions = values.reshape(()), positions.reshape(())
    indices = Tensor._wrap(positions.astype(np.int64))
    ctx.mark_non_differentiable(indices)
    ctx.picked, ctx.shape, ctx.keepdim = (indices, dim), self._data.shape, keepdim
    return Tensor._wrap(values), indices


class Sort(_Picked):
    backward_name = "SortBackward0"

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: int, descending: bool) -> tuple[Tensor, Tensor]:
        ctx.argument_count = 2
        data = self._data if self._data.ndim else self._data.reshape(1)
        return _pick(ctx, self, dim, _order(data, dim, descending))


class Topk(_Picked):
    backward_name = "TopkBackward0"

    @staticmethod
    def forward(ctx: Node, self: Tensor, k: int, dim: int, largest: bool) -> tuple[Tensor, Tensor]:
        ctx.argument_count = 3
        data = self._data if self._data.ndim else self._data.reshape(1)
        order = _order(data, dim, largest)
        return _pick(ctx, self, dim, np.take(order, np.arange(k), axis=dim))


class Kthvalue(_Picked):
    backward_name = "KthvalueBackward0"

    @staticmethod
    def forward(ctx: Node, self: Tensor, k: int, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
        ctx.argument_count = 3
        data = self._data if self._data.ndim else self._data.reshape(1)
        order = _order(data, dim, False)
        return _pick(ctx, self, dim, np.take(order, [k - 1], axis=dim), keepdim)


class _NamedPair(NamedTuple):
    values: Tensor
    indices: Tensor


def _result(name: str) -> type:
    def show(pair: Any) -> str:
        return f"torch.return_types.{name}(\nvalues={pair.values!r},\nindices={pair.indices!r})"

    return type(name, (_NamedPair,), {"__repr__": show, "__module__": "torch.return_types"})


SortResult, TopkResult, KthvalueResult = _result("sort"), _result("topk"), _result("kthvalue")


@tensor_method
@numpy_keywords
def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Any:
    """(values, indices) sorted along ``dim`` (ascending unless ``descending``)."""
    values, indices = Sort.apply(input, normalize_dim(dim, input.ndim), bool(descending))
    return SortResult(values, indices)


@tensor_method
@numpy_keywords
def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending).indices


@tensor_method
def msort(input: Tensor) -> Tensor:
    """``input`` sorted along its first dimension."""
    return sort(input, 0).values


@tensor_method
@numpy_keywords
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
    """The ``k`` largest (or, with ``largest=False``, smallest) elements along ``dim`` and their indices."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = Topk.apply(input, int(k), dim, bool(largest))
    return TopkResult(values, indices)


@tensor_method
@numpy_keywords
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> Any:
    """The ``k``-th smallest element along ``dim`` and its index."""
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    values, indices = Kthvalue.apply(input, int(k), dim, bool(keepdim))
    return KthvalueResult(values, indices)
