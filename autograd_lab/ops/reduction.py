"""Reductions (sum, mean, max, min, any, all): backward spreads the gradient back over the reduced elements."""
from __future__ import annotations

import math
from typing import Any, NamedTuple, Sequence

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import numpy_keywords, quietly, type_name
from .selection import maximum, minimum, where

__all__ = ["all", "any", "argmax", "argmin", "max", "mean", "min", "sum"]

Dims = int | Sequence[int] | None


def _dims(dim: Dims, ndim: int) -> tuple[int, ...]:
    """The dimensions a reduction runs over: all of them for None or an empty list, as in PyTorch."""
    if dim is None or not isinstance(dim, int) and len(dim) == 0:
        return tuple(range(ndim))
    dims = tuple(normalize_dim(d, ndim) for d in ((dim,) if isinstance(dim, int) else dim))
    if len(set(dims)) != len(dims):
        repeated = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return dims if ndim else ()  # a 0-d tensor takes dim 0 or -1 and has no axis to reduce


def _expand_back(grad: Tensor, shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the input's shape."""
    if not keepdim and shape:
        kept = list(shape)
        for d in dims:
            kept[d] = 1
        grad = grad.reshape(kept)
    return grad.expand(*shape) if shape else grad.reshape(())


class SumAll(Function):
    backward_name = "SumBackward0"
    derivatives = {"self": "grad.expand(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dtype: Any = None) -> Tensor:
        ctx.shape = self._data.shape
        return Tensor._wrap(np.add.reduce(self._data, axis=None, dtype=_sum_dtype(self._data, dtype)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return (grad.expand(*ctx.shape) if ctx.shape else grad), None


class SumDim(Function):
    backward_name = "SumBackward1"
    derivatives = {"self": "grad.unsqueeze(dim).expand(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: Dims, keepdim: bool, dtype: Any = None) -> Tensor:
        ctx.shape, ctx.dims, ctx.keepdim = self._data.shape, _dims(dim, self._data.ndim), keepdim
        return Tensor._wrap(np.add.reduce(self._data, axis=ctx.dims, keepdims=keepdim,
                                         dtype=_sum_dtype(self._data, dtype)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


def _sum_dtype(data: np.ndarray, dtype: Any) -> np.dtype:
    """What a sum computes in: the requested dtype, else int64 for integers and bools, else the input's."""
    if dtype is not None:
        return dtype.numpy
    return np.dtype(np.int64) if data.dtype.kind in "biu" else data.dtype


class SumToSize(Function):
    """Sum over the dimensions that broadcasting added or stretched: how a gradient returns to its input's shape."""

    backward_name = "SumBackward1"
    derivatives = {"self": "grad.expand(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, shape: tuple[int, ...]) -> Tensor:
        ctx.shape = self._data.shape
        return Tensor._wrap(sum_to_shape(self._data, shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.expand(*ctx.shape), None


def sum_to_shape(data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``data`` down to ``shape`` (which it was broadcast from)."""
    leading = data.ndim - len(shape)
    if leading < 0:
        raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                           f"{{{', '.join(map(str, data.shape))}}}.")
    stretched = tuple(leading + i for i, size in enumerate(shape) if size == 1 and data.shape[leading + i] != 1)
    for i, size in enumerate(shape):
        if size != 1 and data.shape[leading + i] != size:
            raise RuntimeError(f"size {{{', '.join(map(str, shape))}}} is not expandable to size "
                               f"{{{', '.join(map(str, data.shape))}}}.")
    if not leading and not stretched:
        return data.reshape(shape)
    return np.add.reduce(data, axis=tuple(range(leading)) + stretched, keepdims=True).reshape(shape)


def _mean(data: np.ndarray, axis: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    """The mean in the data's dtype; the mean of nothing is nan, without NumPy's warning (as in PyTorch).

    (The sum divided by the count, as np.mean computes it: calling np.mean costs 3 us more.)
    """
    if data.size == 0:
        return np.full(np.sum(data, axis=axis, keepdims=keepdims).shape, np.nan, dtype=data.dtype)
    count = data.size if axis is None else math.prod([data.shape[d] for d in axis])
    return np.asarray(np.add.reduce(data, axis=axis, dtype=data.dtype, keepdims=keepdims) / count, dtype=data.dtype)


class MeanAll(Function):
    backward_name = "MeanBackward0"
    derivatives = {"self": "grad.expand(self.shape) / self.numel()"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.shape = self._data.shape
        return Tensor._wrap(_mean(self._data, None, False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return (grad.expand(ctx.shape) if ctx.shape else grad) / (math.prod(ctx.shape) or 1)


class MeanDim(Function):
    backward_name = "MeanBackward1"
    derivatives = {"self": "grad.unsqueeze(dim).expand(self.shape) / self.shape[dim]"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: Dims, keepdim: bool) -> Tensor:
        ctx.shape, ctx.dims, ctx.keepdim = self._data.shape, _dims(dim, self._data.ndim), keepdim
        return Tensor._wrap(_mean(self._data, ctx.dims, keepdim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        count = math.prod([ctx.shape[d] for d in ctx.dims]) or 1
        return _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim) / count, None, None


def _extremum_all_forward(ctx: Node, self: Tensor, reduce: Any, name: str) -> Tensor:
    if self._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")
    result = Tensor._wrap(reduce(self._data))
    ctx.save_for_backward(self, result)
    return result


def _extremum_all_backward(ctx: Node, grad: Tensor) -> Tensor:
    """Ties share the gradient equally, as in PyTorch."""
    self, result = ctx.saved_tensors
    winners = self == result
    return where(winners, grad / winners.sum(), 0.0)


class MaxAll(Function):
    backward_name = "MaxBackward1"
    derivatives = {"self": "grad * (self == result) / (self == result).sum()"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return _extremum_all_forward(ctx, self, np.max, "max")

    backward = staticmethod(_extremum_all_backward)


class MinAll(Function):
    backward_name = "MinBackward1"
    derivatives = {"self": "grad * (self == result) / (self == result).sum()"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return _extremum_all_forward(ctx, self, np.min, "min")

    backward = staticmethod(_extremum_all_backward)


def _extremum_dim_forward(ctx: Node, self: Tensor, dim: int, keepdim: bool, arg: Any) -> tuple[Tensor, Tensor]:
    ctx.shape, ctx.dim, ctx.keepdim = self._data.shape, normalize_dim(dim, self._data.ndim), keepdim
    data = self._data if self._data.ndim else self._data.reshape(1)
    axis = ctx.dim if self._data.ndim else 0
    indices = arg(data, axis=axis, keepdims=True)
    values = np.take_along_axis(data, indices, axis=axis)
    if not keepdim or not self._data.ndim:
        values, indices = np.squeeze(values, axis), np.squeeze(indices, axis)
    index_tensor = Tensor._wrap(indices.astype(np.int64))
    ctx.mark_non_differentiable(index_tensor)
    ctx.save_for_backward(index_tensor)
    return Tensor._wrap(values), index_tensor


def _extremum_dim_backward(ctx: Node, grad: Tensor, _grad_indices: Tensor) -> tuple[Tensor, None, None]:
    """The gradient goes to the positions the values came from."""
    (indices,) = ctx.saved_tensors
    if not ctx.shape:
        return grad, None, None
    if not ctx.keepdim:
        grad, indices = grad.unsqueeze(ctx.dim), indices.unsqueeze(ctx.dim)
    return ScatterInto.apply(grad, ctx.shape, ctx.dim, indices), None, None


class MaxDim(Function):
    backward_name = "MaxBackward0"
    derivatives = {"self": "zeros_like(self).scatter(dim, indices, grad)"}
    materialize_grads = True

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
        return _extremum_dim_forward(ctx, self, dim, keepdim, np.argmax)

    backward = staticmethod(_extremum_dim_backward)


class MinDim(Function):
    backward_name = "MinBackward0"
    derivatives = {"self": "zeros_like(self).scatter(dim, indices, grad)"}
    materialize_grads = True

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
        return _extremum_dim_forward(ctx, self, dim, keepdim, np.argmin)

    backward = staticmethod(_extremum_dim_backward)


class ScatterInto(Function):
    """Place values at ``indices`` along ``dim`` of a zero tensor (the backward of max/min along a dim)."""

    backward_name = "ScatterBackward0"
    derivatives = {"src": "grad.gather(dim, index)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, src: Tensor, shape: tuple[int, ...], dim: int, index: Tensor) -> Tensor:
        ctx.dim, ctx.index = dim, index
        out = np.zeros(shape, dtype=src._data.dtype)
        np.put_along_axis(out, index._data, src._data, axis=dim)
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return Gather.apply(grad, ctx.dim, ctx.index), None, None, None


class Gather(Function):
    backward_name = "GatherBackward0"
    derivatives = {"self": "zeros_like(self).scatter_add(dim, index, grad)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor) -> Tensor:
        ctx.shape, ctx.dim, ctx.index = self._data.shape, normalize_dim(dim, self._data.ndim), index
        return Tensor._wrap(np.take_along_axis(self._data, index._data, axis=ctx.dim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return ScatterAddInto.apply(grad, ctx.shape, ctx.dim, ctx.index), None, None


class ScatterAddInto(Function):
    backward_name = "ScatterAddBackward0"
    derivatives = {"src": "grad.gather(dim, index)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, src: Tensor, shape: tuple[int, ...], dim: int, index: Tensor) -> Tensor:
        ctx.dim, ctx.index = dim, index
        out = np.zeros(shape, dtype=src._data.dtype)
        positions = list(np.indices(index._data.shape, sparse=True))
        positions[dim] = index._data
        np.add.at(out, tuple(positions), src._data)
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return Gather.apply(grad, ctx.dim, ctx.index), None, None, None


class MinMaxResult(NamedTuple):
    """What max(dim)/min(dim) return: ``values`` and ``indices``."""

    values: Tensor
    indices: Tensor


def _named_result(name: str, values: Tensor, indices: Tensor) -> MinMaxResult:
    return _MaxResult(values, indices) if name == "max" else _MinResult(values, indices)


class _MaxResult(MinMaxResult):
    def __repr__(self) -> str:
        return f"torch.return_types.max(\nvalues={self.values!r},\nindices={self.indices!r})"


class _MinResult(MinMaxResult):
    def __repr__(self) -> str:
        return f"torch.return_types.min(\nvalues={self.values!r},\nindices={self.indices!r})"


@tensor_method
@numpy_keywords
def sum(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or along ``dim``."""
    if dim is None:
        return SumAll.apply(input, dtype)
    return SumDim.apply(input, dim, keepdim, dtype)


@tensor_method
@numpy_keywords
def mean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Arithmetic mean of all elements, or along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {type_name(input.dtype)}")
    if dim is None:
        return MeanAll.apply(input)
    return MeanDim.apply(input, dim, keepdim)


def _extremum(name: str, input: Tensor, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Tensor):
        return maximum(input, dim) if name == "max" else minimum(input, dim)
    if dim is None:
        return (MaxAll if name == "max" else MinAll).apply(input)
    values, indices = (MaxDim if name == "max" else MinDim).apply(input, dim, keepdim)
    return _named_result(name, values, indices)


@tensor_method
@numpy_keywords
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Largest element; with ``dim``, (values, indices) along it; with a tensor, the elementwise maximum."""
    return _extremum("max", input, dim, keepdim)


@tensor_method
@numpy_keywords
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """Smallest element; with ``dim``, (values, indices) along it; with a tensor, the elementwise minimum."""
    return _extremum("min", input, dim, keepdim)


@tensor_method
@numpy_keywords
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (of the flattened tensor, or along ``dim``); the first one on ties."""
    return _arg_extremum("argmax", np.argmax, input, dim, keepdim)


@tensor_method
@numpy_keywords
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (of the flattened tensor, or along ``dim``); the first one on ties."""
    return _arg_extremum("argmin", np.argmin, input, dim, keepdim)


def _arg_extremum(name: str, find: Any, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    data = input._data
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        index = np.array(find(data), dtype=np.int64)
        return Tensor._wrap(index.reshape((1,) * data.ndim) if keepdim else index)
    axis = normalize_dim(dim, data.ndim)
    if data.ndim == 0:
        return Tensor._wrap(np.array(0, dtype=np.int64))
    return Tensor._wrap(np.asarray(find(data, axis=axis, keepdims=keepdim), dtype=np.int64))


@tensor_method
@numpy_keywords
def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """True if any element (along ``dim``) is nonzero."""
    return _logical_reduction(np.any, input, dim, keepdim)


@tensor_method
@numpy_keywords
def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """True if every element (along ``dim``) is nonzero."""
    return _logical_reduction(np.all, input, dim, keepdim)


def _logical_reduction(reduce: Any, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    axis = None if dim is None else _dims(dim, input.ndim)
    return Tensor._wrap(np.asarray(reduce(input._data, axis=axis, keepdims=keepdim and dim is not None)))



@tensor_method
def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Sum ``input`` down to ``size``, the shape it was broadcast from."""
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    if input.shape == shape:
        return input
    return SumToSize.apply(input, shape)
