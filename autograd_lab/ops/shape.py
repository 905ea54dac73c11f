"""Ops that rearrange elements without changing them: views, indexing, joining, dtype copies."""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .. import _dtypes
from .._size import normalize_dim
from .._tensor import LEAF_VIEW_INPLACE_MESSAGE, Tensor, tensor_method, warn_once
from ..autograd.function import Function, Node
from ..autograd.grad_mode import state as grad_mode
from ._operands import arrays_in, as_operand, common_dtype
from .selection import where

__all__ = ["cat", "clone", "concatenate", "flatten", "narrow", "permute", "reshape", "select", "squeeze", "stack", "t",
           "transpose", "unsqueeze"]


def _view_of(base: Tensor, data: np.ndarray) -> Tensor:
    """A result sharing ``base``'s memory: in-place changes to either are seen by both."""
    view = Tensor._wrap(data)
    if np.may_share_memory(data, base._data):
        view._version_counter = base._version_counter
        view._base = base._base if base._base is not None else base
    return view


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(size) for size in shape)


def _resolve_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Fill in one -1 and check the element count, with PyTorch's messages."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = int(np.prod([size for size in shape if size != -1]))
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        return tuple(numel // known if size == -1 else size for size in shape)
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class View(Function):
    backward_name = "ViewBackward0"
    derivatives = {"self": "grad.reshape(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, shape: tuple[int, ...], must_share: bool) -> Tensor:
        ctx.shape = self._data.shape
        data = self._data.reshape(_resolve_shape(shape, self._data.size))
        if must_share and data.size and not np.may_share_memory(data, self._data):
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return _view_of(self, data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad.reshape(ctx.shape), None, None


def _expanded_shape(a: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``a.expand(*shape)`` has (-1 keeps a size), or PyTorch's error when ``a`` cannot expand to it."""
    leading = len(shape) - a._data.ndim
    if leading < 0:
        raise RuntimeError(f"expand(torch.{a.dtype.legacy_name}{{[{', '.join(map(str, a.shape))}]}}, "
                           f"size=[{', '.join(map(str, shape))}]): the number of sizes provided "
                           f"({len(shape)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({a._data.ndim})")
    target = tuple(a._data.shape[i - leading] if size == -1 else size for i, size in enumerate(shape))
    for i, size in enumerate(a._data.shape):
        if size != 1 and size != target[leading + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[leading + i]}) must match the "
                               f"existing size ({size}) at non-singleton dimension {leading + i}.  Target "
                               f"sizes: [{', '.join(map(str, shape))}].  Tensor sizes: "
                               f"[{', '.join(map(str, a.shape))}]")
    return target


class Expand(Function):
    backward_name = "ExpandBackward0"
    derivatives = {"self": "grad.sum_to_size(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, shape: tuple[int, ...]) -> Tensor:
        ctx.shape = self._data.shape
        return _view_of(self, np.broadcast_to(self._data, _expanded_shape(self, shape)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.sum_to_size(ctx.shape), None


class Unsqueeze(Function):
    backward_name = "UnsqueezeBackward0"
    derivatives = {"self": "grad.squeeze(dim)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: int) -> Tensor:
        ctx.dim = normalize_dim(dim, self._data.ndim + 1)
        return _view_of(self, np.expand_dims(self._data, ctx.dim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.squeeze(ctx.dim), None


class Squeeze(Function):
    """squeeze(): drop every dimension of size 1."""

    backward_name = "SqueezeBackward0"
    derivatives = {"self": "grad.reshape(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.shape = self._data.shape
        return _view_of(self, self._data.reshape([size for size in self._data.shape if size != 1]))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return grad.reshape(ctx.shape)


class SqueezeDim(Function):
    """squeeze(dim): drop that dimension if its size is 1."""

    backward_name = "SqueezeBackward1"
    derivatives = {"self": "grad.reshape(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: int) -> Tensor:
        ctx.shape = self._data.shape
        dim = normalize_dim(dim, self._data.ndim)
        data = self._data if not self._data.ndim or self._data.shape[dim] != 1 else np.squeeze(self._data, dim)
        return _view_of(self, data if data is not self._data else data.view())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.reshape(ctx.shape), None


class Transpose(Function):
    backward_name = "TransposeBackward0"
    derivatives = {"self": "grad.transpose(dim0, dim1)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim0: int, dim1: int) -> Tensor:
        ndim = self._data.ndim
        ctx.dims = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
        return _view_of(self, np.swapaxes(self._data, *ctx.dims) if ndim else self._data.view())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return (grad.transpose(*ctx.dims) if grad.ndim else grad), None, None


class TransposeMatrix(Transpose):
    """t(): transpose of a matrix (1-D and 0-D tensors are returned as they are)."""

    backward_name = "TBackward0"
    derivatives = {"self": "grad.t()"}


class Permute(Function):
    backward_name = "PermuteBackward0"
    derivatives = {"self": "grad.permute(argsort(dims))"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dims: tuple[int, ...]) -> Tensor:
        ndim = self._data.ndim
        if len(dims) != ndim:
            raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                               f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not "
                               f"equal to len(dims) = {len(dims)}")
        ctx.dims = tuple(normalize_dim(d, ndim) for d in dims)
        if len(set(ctx.dims)) != ndim:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return _view_of(self, np.transpose(self._data, ctx.dims))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.permute(*np.argsort(ctx.dims).tolist()), None


class Clone(Function):
    backward_name = "CloneBackward0"
    derivatives = {"self": "grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return Tensor._wrap(self._data.copy())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return grad


class ToDtype(Function):
    backward_name = "ToCopyBackward0"
    derivatives = {"self": "grad.to(self.dtype)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, dtype: _dtypes.dtype) -> Tensor:
        ctx.dtype = self.dtype
        return Tensor._wrap(self._data.astype(dtype.numpy))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.to(ctx.dtype), None


def _index_key(key: Any) -> Any:
    """A NumPy index for a tensor index (tensors become arrays)."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, list):
        return np.asarray([k.item() if isinstance(k, Tensor) else k for k in key])
    return key


def _is_advanced(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, np.ndarray) and k.ndim > 0 for k in parts) or \
        any(isinstance(k, np.ndarray) and k.dtype == bool for k in parts)


def _check_index(key: Any, shape: tuple[int, ...]) -> None:
    """Raise PyTorch's IndexError for a key that does not fit ``shape``."""
    parts = [_as_index_part(part) for part in (key if isinstance(key, tuple) else (key,))]
    for part in parts:
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError("slice step cannot be zero" if part.step == 0 else "step must be greater than zero")
        if isinstance(part, np.ndarray):
            if part.dtype.kind not in "iub":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif not (part is None or part is Ellipsis or isinstance(part, (slice, bool, np.bool_)) or _is_int(part)):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             f"valid indices (got {type(part).__name__})")
    if not shape and any(_is_int(part) or isinstance(part, (slice, np.ndarray)) for part in parts):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                         "C++ to convert a 0-dim tensor to a number")
    used = builtins.sum(_dims_used(part) for part in parts)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    dim = 0
    for position, part in enumerate(parts):
        if part is Ellipsis:
            dim += len(shape) - used
        elif _is_int(part):  # PyTorch names the position in the key as the dimension
            if not -shape[dim] <= part < shape[dim]:
                raise IndexError(f"index {part} is out of bounds for dimension {position} with size {shape[dim]}")
        elif isinstance(part, np.ndarray) and part.dtype == bool:
            if part.shape != shape[dim:dim + part.ndim]:
                raise IndexError(f"The shape of the mask {list(part.shape)} at index {dim} does not match the shape "
                                 f"of the indexed tensor {list(shape[dim:dim + part.ndim])} at index {dim}")
        elif isinstance(part, np.ndarray) and part.size:
            for bad in (part.max(), part.min()):
                if not -shape[dim] <= bad < shape[dim]:
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
        dim += _dims_used(part)


class Index(Function):
    """Reading ``tensor[key]``; backward puts the gradient back at the positions that were read."""

    derivatives = {"self": "zeros_like(self).index_put(indices, grad, accumulate=True)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, indices: Any) -> Tensor:
        ctx.shape, ctx.key = self._data.shape, indices
        data = self._data[indices]
        if type(data) is not np.ndarray:  # every dimension selected: keep a 0-d view, as PyTorch does
            data = self._data[(indices if isinstance(indices, tuple) else (indices,)) + (Ellipsis,)]
        return _view_of(self, data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return IndexAddInto.apply(grad, ctx.shape, ctx.key), None


class Select(Index):
    backward_name = "SelectBackward0"


class Slice(Index):
    backward_name = "SliceBackward0"


class AdvancedIndex(Index):
    backward_name = "IndexBackward0"


class IndexAddInto(Function):
    """Zeros of ``shape`` with ``values`` added at ``key`` (repeated positions add up)."""

    backward_name = "IndexPutBackward0"
    derivatives = {"values": "grad[indices]"}

    @staticmethod
    def forward(ctx: Node, values: Tensor, shape: tuple[int, ...], indices: Any) -> Tensor:
        ctx.key = indices
        out = np.zeros(shape, dtype=values._data.dtype)
        if _is_advanced(indices):
            np.add.at(out, indices, values._data)
        else:
            out[indices] = values._data
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad[ctx.key], None, None


class IndexPut(Function):
    """``tensor[key] = value`` as an op: the result is the tensor with those positions replaced."""

    backward_name = "CopySlices"
    derivatives = {"self": "grad.index_put(indices, 0)", "values": "grad[indices]"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, values: Tensor, indices: Any) -> Tensor:
        ctx.key = indices
        out = self._data.copy()
        out[indices] = values._data
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None]:
        keep = np.ones(grad.shape, dtype=bool)
        keep[ctx.key] = False
        grad_value = grad[ctx.key]
        return where(Tensor._wrap(keep), grad, 0.0), grad_value, None


class Alias(Function):
    """``x[:, :]``: a view of all of ``x`` (PyTorch's ``alias``)."""

    backward_name = "AliasBackward0"
    derivatives = {"self": "grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return _view_of(self, self._data.view())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return grad


def _as_index_part(part: Any) -> Any:
    """A 0-d integer array (from a tensor) indexes like a plain int."""
    if isinstance(part, np.ndarray) and part.ndim == 0 and part.dtype.kind in "iu":
        return int(part)
    return part


def _is_int(part: Any) -> bool:
    return isinstance(part, (int, np.integer)) and not isinstance(part, (bool, np.bool_))


def _dims_used(part: Any) -> int:
    if part is None or part is Ellipsis:
        return 0
    if isinstance(part, np.ndarray) and part.dtype == bool:
        return part.ndim
    return 1


@tensor_method("__getitem__")
def index(input: Tensor, key: Any) -> Tensor:
    """``input[key]`` recorded as PyTorch records it.

    Working left to right, an int selects (SelectBackward0), a slice that is not the
    whole dimension slices (SliceBackward0) and None inserts a dimension
    (UnsqueezeBackward0), each a view; integer or boolean arrays then index what is
    left, making a copy (IndexBackward0).
    """
    numpy_key = _index_key(key)
    _check_index(numpy_key, input.shape)
    if not isinstance(numpy_key, tuple):
        part = _as_index_part(numpy_key)
        if isinstance(part, slice):
            return Slice.apply(input, part)
        if part is Ellipsis:
            return Alias.apply(input)
        numpy_key = (part,)
    parts = [_as_index_part(part) for part in numpy_key]
    used = builtins.sum(_dims_used(part) for part in parts)
    result, dim, rest = input, 0, []
    for part in parts:
        if part is Ellipsis:
            rest.extend([slice(None)] * (input.ndim - used))
            dim += input.ndim - used
        elif part is None:
            result = Unsqueeze.apply(result, dim)
            rest.append(slice(None))
            dim += 1
        elif _is_int(part):
            result = Select.apply(result, (slice(None),) * dim + (part,))
        elif isinstance(part, slice):
            if part.indices(result.shape[dim]) != (0, result.shape[dim], 1):
                result = Slice.apply(result, (slice(None),) * dim + (part,))
            rest.append(slice(None))
            dim += 1
        else:
            rest.append(part)
            dim += _dims_used(part)
    if any(isinstance(part, np.ndarray) for part in rest):
        return AdvancedIndex.apply(result, tuple(rest))
    return Alias.apply(input) if result is input else result


def index_makes_view(key: Any, shape: tuple[int, ...]) -> bool:
    """True when ``x[key] = v`` writes through a view of ``x`` (an int, a partial slice or None in ``key``)."""
    parts = _index_key(key)
    dim = 0
    for part in parts if isinstance(parts, tuple) else (parts,):
        part = _as_index_part(part)
        if part is None or _is_int(part):
            return True
        if isinstance(part, slice):
            if dim < len(shape) and part.indices(shape[dim]) != (0, shape[dim], 1):
                return True
            dim += 1
        elif part is not Ellipsis:
            dim += _dims_used(part)
    return False


def index_put(input: Tensor, key: Any, value: Any) -> Tensor:
    """A copy of ``input`` with ``input[key]`` replaced by ``value``."""
    value_tensor = as_operand(value)
    if value_tensor.dtype is not input.dtype:
        value_tensor = value_tensor.to(input.dtype)
    numpy_key = _index_key(key)
    _check_index(numpy_key, input.shape)
    _expanded_shape(value_tensor, input._data[numpy_key].shape)
    return IndexPut.apply(input, value_tensor, numpy_key)


class Cat(Function):
    backward_name = "CatBackward0"
    derivatives = {"tensors": "grad.narrow(dim, offset, tensors[i].shape[dim])"}

    @staticmethod
    def forward(ctx: Node, dim: int, *tensors: Tensor) -> Tensor:
        if not tensors:
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        arrays = arrays_in(common_dtype(*tensors), *tensors)
        ndim = arrays[0].ndim
        if ndim == 0:
            raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
        ctx.dim = normalize_dim(dim, ndim)
        for number, array in enumerate(arrays[1:], start=1):
            for d in range(ndim):
                if d != ctx.dim and array.ndim == ndim and array.shape[d] != arrays[0].shape[d]:
                    raise RuntimeError(f"Sizes of tensors must match except in dimension {ctx.dim}. Expected size "
                                       f"{arrays[0].shape[d]} but got size {array.shape[d]} for tensor number "
                                       f"{number} in the list.")
            if array.ndim != ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {array.ndim}")
        ctx.sizes = [array.shape[ctx.dim] for array in arrays]
        return Tensor._wrap(np.concatenate(arrays, axis=ctx.dim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, ...]:
        pieces: list[Tensor | None] = [None]
        start = 0
        for size in ctx.sizes:
            pieces.append(grad.narrow(ctx.dim, start, size))
            start += size
        return tuple(pieces)


class Stack(Function):
    backward_name = "StackBackward0"
    derivatives = {"tensors": "grad.select(dim, i)"}

    @staticmethod
    def forward(ctx: Node, dim: int, *tensors: Tensor) -> Tensor:
        if not tensors:
            raise RuntimeError("stack expects a non-empty TensorList")
        arrays = arrays_in(common_dtype(*tensors), *tensors)
        for entry, array in enumerate(arrays[1:], start=1):
            if array.shape != arrays[0].shape:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} "
                                   f"at entry 0 and {list(array.shape)} at entry {entry}")
        ctx.dim = normalize_dim(dim, arrays[0].ndim + 1)
        return Tensor._wrap(np.stack(arrays, axis=ctx.dim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (None,) + tuple(grad.select(ctx.dim, i) for i in range(grad.shape[ctx.dim]))


@tensor_method
def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (a view when possible)."""
    return View.apply(input, _shape_args(shape), False)


@tensor_method
def view(input: Tensor, *shape: Any) -> Tensor:
    """The same memory seen with a new shape; fails where only a copy could do it."""
    return View.apply(input, _shape_args(shape), True)


@tensor_method
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim``..``end_dim`` into one."""
    if input.ndim <= 1:
        return input if input.ndim == 1 else input.reshape(1)
    start, end = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if start == end:
        return input
    shape = input.shape
    merged = int(np.prod(shape[start:end + 1]))
    return reshape(input, tuple(shape[:start]) + (merged,) + tuple(shape[end + 1:]))


@tensor_method
def expand(input: Tensor, *shape: Any) -> Tensor:
    """A broadcast view of ``input`` with the given shape (-1 keeps a size)."""
    return Expand.apply(input, _shape_args(shape))


@tensor_method
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    return Unsqueeze.apply(input, dim)


@tensor_method
def squeeze(input: Tensor, dim: int | None = None) -> Tensor:
    """Remove dimensions of size 1 (all of them, or just ``dim``)."""
    return Squeeze.apply(input) if dim is None else SqueezeDim.apply(input, dim)


@tensor_method
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dimensions."""
    return Transpose.apply(input, dim0, dim1)


@tensor_method
def t(input: Tensor) -> Tensor:
    """Transpose a matrix (at most 2 dimensions)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return TransposeMatrix.apply(input, 0, -1 if input.ndim else 0)


@tensor_method
def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions."""
    return Permute.apply(input, _shape_args(dims))


@tensor_method
def clone(input: Tensor) -> Tensor:
    """A copy with its own memory that stays in the graph."""
    return Clone.apply(input)


def to_dtype(input: Tensor, dtype: _dtypes.dtype) -> Tensor:
    """A copy converted to ``dtype`` (the same tensor when it already has it)."""
    if input.dtype is dtype:
        return input
    return ToDtype.apply(input, dtype)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    return Cat.apply(dim, *tensors)


concatenate = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension."""
    return Stack.apply(dim, *tensors)


@tensor_method
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements along ``dim`` starting at ``start``."""
    dim = normalize_dim(dim, input.ndim)
    key = (slice(None),) * dim + (slice(start, start + length),)
    return Slice.apply(input, key)


@tensor_method
def select(input: Tensor, dim: int, index_: int) -> Tensor:
    """The slice at ``index_`` along ``dim`` (that dimension removed)."""
    dim = normalize_dim(dim, input.ndim)
    return Select.apply(input, (slice(None),) * dim + (index_,))


@tensor_method("__setitem__")
def setitem(self: Tensor, key: Any, value: Any) -> None:
    """``self[key] = value``: recorded as an in-place op (a leaf that requires grad needs ``no_grad``)."""
    if grad_mode.enabled and self._requires_grad and self._grad_fn is None and index_makes_view(key, self._data.shape):
        raise RuntimeError(LEAF_VIEW_INPLACE_MESSAGE)
    self._inplace(lambda old: index_put(old, key, value))


@tensor_method
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """Broadcast to ``other``'s shape."""
    return expand(self, *other.shape)


@tensor_method
def view_as(self: Tensor, other: Tensor) -> Tensor:
    """View with ``other``'s shape."""
    return view(self, *other.shape)


T_OF_0D_WARNING = ("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. (Triggered "
                   "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4321.)")
T_NOT_2D_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw an "
    "error in a future release. Consider `x.mT` to transpose batches of matrices or "
    "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)")


@tensor_method("T")
@property
def transposed(self: Tensor) -> Tensor:
    """All dimensions reversed (``x.T``); PyTorch warns (once) when the tensor is not a matrix."""
    if self.ndim != 2:
        warn_once(T_OF_0D_WARNING if self.ndim == 0 else T_NOT_2D_WARNING)
    return permute(self, *reversed(range(self.ndim)))


# -- dtype conversions ------------------------------------------------------------------------------

@tensor_method
def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``to(dtype)``, ``to(other_tensor)``; device arguments (``'cpu'``) are accepted and ignored."""
    dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, _dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
    return self if dtype is None else to_dtype(self, dtype)


def _converter(dtype: _dtypes.dtype) -> Any:
    def convert(self: Tensor) -> Tensor:
        return to_dtype(self, dtype)

    convert.__doc__ = f"A copy as {dtype!r} (the tensor itself when it already is)."
    return convert


for _name, _dtype in (("float", _dtypes.float32), ("double", _dtypes.float64), ("half", _dtypes.float16),
                      ("long", _dtypes.int64), ("int", _dtypes.int32), ("bool", _dtypes.bool)):
    tensor_method(_name)(_converter(_dtype))
