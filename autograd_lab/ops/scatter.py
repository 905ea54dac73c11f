"""gather and scatter: reading and writing along one dimension at positions an index tensor gives.

``out[i][j] = self[index[i][j]][j]`` (gather along dim 0) and its inverse,
``out[index[i][j]][j] = src[i][j]`` (scatter). Only the positions ``index`` covers
are read from ``src``; ``index`` may be smaller than ``self`` in every other dimension.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand, quietly, warn_user

__all__ = ["gather", "scatter", "scatter_add"]

REDUCE_DEPRECATED = (
    "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a future PyTorch "
    "release. Use torch.scatter_reduce instead for more reduction options. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/TensorAdvancedIndexing.cpp:225.)")


def _positions(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    """The NumPy key of the positions ``index`` names: its own coordinates, with ``index`` along ``dim``."""
    if not index.ndim:
        return (index,)
    positions = list(np.indices(index.shape, sparse=True))
    positions[dim] = index
    return tuple(positions)


def _covered(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The part of ``src`` that ``index`` covers (its leading corner of index's shape)."""
    if src.shape == index.shape:
        return src
    return src[tuple(slice(0, size) for size in index.shape)]


class Gather(Function):
    backward_name = "GatherBackward0"
    derivatives = {"self": "zeros_like(self).scatter_add(dim, index, grad)"}
    non_differentiable_args = (2,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor) -> Tensor:
        ctx.shape, ctx.dim, ctx.index = self._data.shape, dim, index
        return Tensor._wrap(self._data[_positions(index._data, dim)])

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        zeros = Tensor._wrap(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, ctx.index, grad), None, None


class Scatter(Function):
    backward_name = "ScatterBackward0"
    derivatives = {"self": "grad.scatter(dim, index, 0)", "src": "grad.gather(dim, index)"}
    non_differentiable_args = (2,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
        ctx.dim, ctx.index = dim, index
        out = self._data.copy()
        out[_positions(index._data, dim)] = _covered(src._data, index._data)
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, None, None, Tensor | None]:
        grad_self = ScatterValue.apply(grad, ctx.dim, ctx.index, 0) if ctx.needs_input_grad[0] else None
        grad_src = Gather.apply(grad, ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None
        return grad_self, None, None, grad_src


class ScatterValue(Function):
    backward_name = "ScatterBackward1"
    derivatives = {"self": "grad.scatter(dim, index, 0)"}
    non_differentiable_args = (2,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
        ctx.dim, ctx.index = dim, index
        out = self._data.copy()
        out[_positions(index._data, dim)] = value
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return ScatterValue.apply(grad, ctx.dim, ctx.index, 0), None, None, None


class ScatterAdd(Function):
    backward_name = "ScatterAddBackward0"
    derivatives = {"self": "grad", "src": "grad.gather(dim, index)"}
    non_differentiable_args = (2,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
        ctx.dim, ctx.index = dim, index
        out = self._data.copy()
        np.add.at(out, _positions(index._data, dim), _covered(src._data, index._data))
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, Tensor | None]:
        return grad, None, None, Gather.apply(grad, ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None


class ScatterReduced(Function):
    """scatter with ``reduce='add'`` or ``'multiply'``: PyTorch has no derivative for it."""

    backward_name = "NotImplemented"

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor, src: Any, reduce: str) -> Tensor:
        out = self._data.copy()
        values = _covered(src._data, index._data) if isinstance(src, Tensor) else src
        values = np.broadcast_to(values, index._data.shape).astype(out.dtype)
        (np.add if reduce == "add" else np.multiply).at(out, _positions(index._data, dim), values)
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> None:
        raise RuntimeError("derivative for aten::scatter with reduce is not implemented")


def _check(name: str, input: Tensor, dim: int, index: Tensor, src: Tensor | None) -> int:
    """PyTorch's checks of gather's and scatter's arguments, with its messages; the dimension, made non-negative."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    kind = "scatter" if name.startswith("scatter") else name
    if index.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"{kind}(): Expected dtype int32/int64 for index")
    dim = normalize_dim(dim, input.ndim)
    if src is not None:
        normalize_dim(dim, src.ndim)
        if src.dtype is not input.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    shape, index_shape = input._data.shape, index._data.shape
    if index.ndim != max(input.ndim, 1) and (index.ndim or input.ndim):
        other = "input" if name == "gather" else "self"
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {other} tensor")
    if name == "gather":
        for d, (wanted, size) in enumerate(zip(index_shape, shape)):
            if d != dim and wanted > size:
                raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index_shape)} to be "
                                   f"no larger than self {list(shape)} apart from dimension {dim}")
    else:
        src_shape = src._data.shape if src is not None else None
        too_big = any(d != dim and wanted > size for d, (wanted, size) in enumerate(zip(index_shape, shape)))
        if src_shape is not None and (len(src_shape) != len(index_shape) or
                                      any(w > s for w, s in zip(index_shape, src_shape))):
            too_big = True
        if too_big:
            raise RuntimeError(f"Expected index {list(index_shape)} to be no larger than self {list(shape)} apart "
                               f"from dimension {dim} and to be no larger size than src {list(src_shape or [])}")
    size = shape[dim] if shape else 1
    data = index._data
    if data.size and (data.min() < 0 or data.max() >= size):
        bad = int(data[(data < 0) | (data >= size)].reshape(-1)[0])
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    return dim


@tensor_method
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` along ``dim`` (shaped like ``index``)."""
    dim = _check("gather", input, dim, index, None)
    return Gather.apply(input, dim, index)


@tensor_method
def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or one number) written at ``index`` along ``dim``."""
    source = src if src is not None else value
    if isinstance(source, Tensor):
        dim = _check("scatter", input, dim, index, source)
        if reduce is not None:
            warn_user(REDUCE_DEPRECATED)
            return ScatterReduced.apply(input, dim, index, source, _old_reduce(reduce))
        return Scatter.apply(input, dim, index, source)
    dim = _check("scatter", input, dim, index, None)
    value = as_operand(source)._data.astype(input._data.dtype).item()
    if reduce is not None:
        return ScatterReduced.apply(input, dim, index, value, _old_reduce(reduce))
    return ScatterValue.apply(input, dim, index, value)


def _old_reduce(reduce: str) -> str:
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    return reduce


@tensor_method
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeated positions add up)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    dim = _check("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, dim, index, src)


@tensor_method
def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
             reduce: str | None = None) -> Tensor:
    """``scatter`` in place."""
    return self._inplace(lambda old: scatter(old, dim, index, src, value=value, reduce=reduce))


@tensor_method
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``scatter_add`` in place."""
    return self._inplace(lambda old: scatter_add(old, dim, index, src))
