"""Indexing: ``x[key]``, ``x[key] = value`` and the ops behind them (index_put, index_select, index_add, ...).

A key is read as PyTorch reads it: ints, slices, None, ``...`` and bools pick views
(``SelectBackward0``, ``SliceBackward0``, ``UnsqueezeBackward0``); integer or
boolean tensors, lists, nested lists and ranges index what is left, making a copy
(``IndexBackward0``). Assigning works on the same views: ``x[1:] = v`` copies
into the view (``CopySlices`` when ``x`` takes part in autograd), ``x[idx] = v``
is ``x.index_put_((idx,), v)`` (``IndexPutBackward0``).
"""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from .._size import normalize_dim
from .._tensor import INFERENCE_INPLACE_MESSAGE, Tensor, tensor_from_data, tensor_method
from ..autograd.function import Function, Node
from ..autograd.grad_mode import state as grad_mode
from ._operands import as_operand, type_name, warn_user
from .shape import Unsqueeze, _expanded_shape, _view_of, _view_or_copy

__all__ = ["index_add", "index_copy", "index_fill", "index_put", "index_put_", "index_select", "masked_select", "narrow",
           "nonzero", "put", "select", "take"]

NON_TUPLE_SEQUENCE_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in pytorch 2.9; use "
    "x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted as tensor index, x[torch.tensor(seq)], "
    "which will result either in an error or a different result (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/python_variable_indexing.cpp:349.)")
_SEQUENCES = (list, tuple, range, str)


# -- reading a key ------------------------------------------------------------------------------------

def index_parts(key: Any) -> list[Any]:
    """The parts of ``key``: ints, slices, None, Ellipsis, Python bools and NumPy arrays (tensor indices).

    A list is one tensor index, unless it holds sequences, tensors, slices, None or
    ``...``: then PyTorch (as NumPy once did) reads it as a tuple, with a warning.
    """
    if isinstance(key, tuple):
        parts = list(key)
    elif _sequence_as_tuple(key):
        warn_user(NON_TUPLE_SEQUENCE_WARNING)
        parts = list(key)
    else:
        parts = [key]
    return [_part(part) for part in parts]


def _sequence_as_tuple(key: Any) -> bool:
    if not isinstance(key, _SEQUENCES) or len(key) >= 32:
        return False
    return any(isinstance(item, (Tensor, np.ndarray, slice) + _SEQUENCES) or item is None or item is Ellipsis
               for item in key)


def _part(part: Any) -> Any:
    if isinstance(part, (bool, np.bool_)):
        return bool(part)
    if isinstance(part, (int, np.integer)):
        return int(part)
    if part is None or part is Ellipsis or isinstance(part, slice):
        return part
    if isinstance(part, Tensor):
        part = part._data
    elif isinstance(part, str):
        raise TypeError("new(): invalid data type 'str'")
    elif isinstance(part, _SEQUENCES):
        part = np.zeros(0, dtype=np.int64) if len(part) == 0 else tensor_from_data(list(part))._data
    if isinstance(part, np.ndarray):
        if part.ndim == 0 and part.dtype.kind in "iu":  # a 0-d integer tensor selects, like an int
            return int(part)
        if part.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return part
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                     f"indices (got {type(part).__name__})")


def _is_int(part: Any) -> bool:
    return type(part) is int


def _dims_used(part: Any) -> int:
    """How many dimensions of the tensor a part consumes."""
    if part is None or part is Ellipsis or type(part) is bool:
        return 0
    if isinstance(part, np.ndarray) and part.dtype == bool:
        return part.ndim
    return 1


def _check_parts(parts: list[Any], shape: tuple[int, ...]) -> None:
    """Raise PyTorch's errors for a key that does not fit ``shape``."""
    for part in parts:
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError("slice step cannot be zero" if part.step == 0 else "step must be greater than zero")
    if not shape and any(_is_int(part) or isinstance(part, (slice, np.ndarray)) for part in parts):
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                         "C++ to convert a 0-dim tensor to a number")
    used = builtins.sum(_dims_used(part) for part in parts)
    if used > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    dim, view_shape = 0, list(shape)  # the shape after the ints and Nones so far: the tensor a mask indexes
    for position, part in enumerate(parts):
        view_dim = dim - (len(shape) - len(view_shape))
        if part is Ellipsis:
            dim += len(shape) - used
        elif part is None or type(part) is bool:
            view_shape.insert(view_dim, 1)
        elif _is_int(part):  # PyTorch names the position in the key as the dimension
            if not -shape[dim] <= part < shape[dim]:
                raise IndexError(f"index {part} is out of bounds for dimension {position} with size {shape[dim]}")
            del view_shape[view_dim]
        elif isinstance(part, np.ndarray) and part.dtype == bool:
            for offset, (size, wanted) in enumerate(zip(part.shape, shape[dim:dim + part.ndim])):
                if size != wanted:
                    raise IndexError(f"The shape of the mask {list(part.shape)} at index {offset} does not match the "
                                     f"shape of the indexed tensor {view_shape} at index {view_dim + offset}")
        elif isinstance(part, np.ndarray) and part.size:
            for bad in (part.max(), part.min()):
                if not -shape[dim] <= bad < shape[dim]:
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {shape[dim]}")
        dim += _dims_used(part)


# -- the ops ------------------------------------------------------------------------------------------

class Index(Function):
    """Reading ``tensor[key]``; backward puts the gradient back at the positions that were read."""

    derivatives = {"self": "zeros_like(self).index_put(indices, grad, accumulate=True)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, indices: Any) -> Tensor:
        ctx.shape, ctx.key = self._data.shape, indices
        data = self._data[indices]
        if type(data) is not np.ndarray:  # every dimension selected: keep a 0-d view, as PyTorch does
            data = self._data[(indices if isinstance(indices, tuple) else (indices,)) + (Ellipsis,)]
        return _view_or_copy(self, data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return IndexAddInto.apply(grad, ctx.shape, ctx.key), None


class Select(Index):
    backward_name = "SelectBackward0"


class Slice(Index):
    backward_name = "SliceBackward0"


class AdvancedIndex(Index):
    backward_name = "IndexBackward0"


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


class IndexAddInto(Function):
    """Zeros of ``shape`` with ``values`` added at ``key`` (repeated positions add up)."""

    backward_name = "IndexPutBackward0"
    derivatives = {"values": "grad[indices]"}

    @staticmethod
    def forward(ctx: Node, values: Tensor, shape: tuple[int, ...], indices: Any) -> Tensor:
        ctx.key = indices
        out = np.zeros(shape, dtype=values._data.dtype)
        if _has_array(indices):
            np.add.at(out, indices, values._data)
        else:
            out[indices] = values._data
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad[ctx.key], None, None


def _has_array(key: Any) -> bool:
    return any(isinstance(part, np.ndarray) for part in (key if isinstance(key, tuple) else (key,)))


class IndexPut(Function):
    """``self`` with ``values`` written (or, with ``accumulate``, added) at tensor ``indices``."""

    backward_name = "IndexPutBackward0"
    derivatives = {"self": "grad if accumulate else grad.index_put(indices, 0)", "values": "grad[indices]"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, values: Tensor, indices: tuple, accumulate: bool) -> Tensor:
        ctx.key, ctx.accumulate = indices, accumulate
        out = self._data.copy()
        if accumulate:
            np.add.at(out, indices, values._data)
        else:
            out[indices] = values._data
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None, None]:
        grad_self = None
        if ctx.needs_input_grad[0]:
            grad_self = grad if ctx.accumulate else IndexPut.apply(grad, _zero_like(grad), ctx.key, False)
        grad_values = AdvancedIndex.apply(grad, ctx.key) if ctx.needs_input_grad[1] else None
        return grad_self, grad_values, None, None


def _zero_like(tensor: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros((), dtype=tensor._data.dtype))


class IndexSelect(Function):
    backward_name = "IndexSelectBackward0"
    derivatives = {"self": "zeros_like(self).index_add(dim, index, grad)"}
    non_differentiable_args = (2,)

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor) -> Tensor:
        ctx.shape, ctx.dim, ctx.index = self._data.shape, dim, index
        data = self._data if self._data.ndim else self._data.reshape(1)
        return Tensor._wrap(np.take(data, index._data.reshape(-1), axis=dim).reshape(
            self._data.shape[:dim] + (index._data.size,) + self._data.shape[dim + 1:] if self._data.ndim else
            index._data.shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        zeros = Tensor._wrap(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return IndexAdd.apply(zeros, ctx.dim, ctx.index, grad.reshape(_indexed_shape(ctx.shape, ctx.dim, ctx.index)),
                              1), None, None


def _indexed_shape(shape: tuple[int, ...], dim: int, index: Tensor) -> tuple[int, ...]:
    return shape[:dim] + (index._data.size,) + shape[dim + 1:] if shape else (index._data.size,)


class IndexAdd(Function):
    backward_name = "IndexAddBackward0"
    derivatives = {"self": "grad", "source": "grad.index_select(dim, index) * alpha"}
    non_differentiable_args = (2,)

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor, source: Tensor, alpha: Any) -> Tensor:
        ctx.dim, ctx.index, ctx.alpha, ctx.source_shape = dim, index, alpha, source._data.shape
        out = self._data.copy()
        if not out.ndim:
            out = out.reshape(1)
        positions: list[Any] = [slice(None)] * out.ndim
        positions[dim] = index._data.reshape(-1)
        added = source._data if alpha == 1 else source._data * alpha
        np.add.at(out, tuple(positions), added.reshape(_indexed_shape(self._data.shape, dim, index)))
        return Tensor._wrap(out.reshape(self._data.shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, Tensor | None, None]:
        grad_source = None
        if ctx.needs_input_grad[3]:
            grad_source = IndexSelect.apply(grad, ctx.dim, ctx.index).reshape(ctx.source_shape)
            if ctx.alpha != 1:
                grad_source = grad_source * ctx.alpha
        return grad, None, None, grad_source, None


class IndexFill(Function):
    backward_name = "IndexFillBackward0"
    derivatives = {"self": "grad.index_fill(dim, index, 0)"}
    non_differentiable_args = (2,)

    @staticmethod
    def forward(ctx: Node, self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
        ctx.dim, ctx.index = dim, index
        out = self._data.copy()
        target = out if out.ndim else out.reshape(1)
        target[(slice(None),) * dim + (index._data.reshape(-1),)] = value
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return IndexFill.apply(grad, ctx.dim, ctx.index, 0), None, None, None


class MaskedSelect(Function):
    backward_name = "MaskedSelectBackward0"
    derivatives = {"self": "zeros_like(self).masked_scatter(mask, grad)"}
    non_differentiable_args = (1,)

    @staticmethod
    def forward(ctx: Node, self: Tensor, mask: Tensor) -> Tensor:
        ctx.shape, ctx.mask = self._data.shape, mask._data
        data, chosen = np.broadcast_arrays(self._data, mask._data)
        ctx.broadcast_shape = data.shape
        return Tensor._wrap(data[chosen])

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        chosen = np.broadcast_to(ctx.mask, ctx.broadcast_shape)
        return IndexAddInto.apply(grad, ctx.broadcast_shape, chosen), None


# -- x[key] -------------------------------------------------------------------------------------------

@tensor_method("__getitem__")
def index(input: Tensor, key: Any) -> Tensor:
    """``input[key]`` recorded as PyTorch records it.

    Working left to right, an int selects (SelectBackward0), a slice that is not the
    whole dimension slices (SliceBackward0) and None (or True) inserts a dimension
    (UnsqueezeBackward0), each a view; integer or boolean arrays then index what is
    left, making a copy (IndexBackward0).
    """
    parts = index_parts(key)
    _check_parts(parts, input.shape)
    if len(parts) == 1:
        part = parts[0]
        if isinstance(part, slice):
            return Slice.apply(input, part)
        if part is Ellipsis:
            return Alias.apply(input)
    result, rest = _apply_views(input, parts)
    if any(isinstance(part, np.ndarray) for part in rest):
        return AdvancedIndex.apply(result, tuple(rest))
    return Alias.apply(input) if result is input else result


def _apply_views(input: Tensor, parts: list[Any]) -> tuple[Tensor, list[Any]]:
    """Apply the view-making parts of a key; return the view and the key for what is left.

    The key left has ``slice(None)`` for every dimension the view keeps and the
    tensor indices in their places (``False`` becomes an empty index).
    """
    used = builtins.sum(_dims_used(part) for part in parts)
    result, dim, rest = input, 0, []
    for part in parts:
        if part is Ellipsis:
            rest.extend([slice(None)] * (input.ndim - used))
            dim += input.ndim - used
        elif part is None or type(part) is bool:
            result = Unsqueeze.apply(result, dim)
            rest.append(slice(None) if part is not False else np.zeros(0, dtype=np.int64))
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
    return result, rest


# -- x[key] = value -----------------------------------------------------------------------------------

@tensor_method("__setitem__")
def setitem(self: Tensor, key: Any, value: Any) -> None:
    """``self[key] = value`` as PyTorch does it: the key's views are made, then copied into or index_put_.

    A number becomes a tensor of ``self``'s dtype. Where ``self`` takes part in
    autograd, the write is recorded (``CopySlices``, ``IndexPutBackward0``,
    ``FillBackward3``, ``CopyBackwards``).
    """
    if self._inference and not grad_mode.inference:
        raise RuntimeError(INFERENCE_INPLACE_MESSAGE)
    source = _value_tensor(self, value)
    parts = index_parts(key)
    _check_parts(parts, self.shape)
    if any(part is False for part in parts):
        return
    if len(parts) == 1 and isinstance(parts[0], slice):  # a single slice: PyTorch skips a whole-dimension slice
        part = parts[0]
        whole = not self.ndim or part.indices(self.shape[0]) == (0, self.shape[0], 1)
        _copy_to(self if whole else Slice.apply(self, part), source)
        return
    target, rest = _apply_views(self, parts)
    if not any(isinstance(part, np.ndarray) for part in rest):
        _copy_to(target, source)
        return
    shape = _without_leading_ones(source.shape)
    target.index_put_(tuple(rest), source if shape == source.shape else source.view(shape))


def _value_tensor(self: Tensor, value: Any) -> Tensor:
    """What is assigned: a tensor as it is, a number as a 0-d tensor of ``self``'s dtype."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return Tensor._wrap(np.array(value).astype(self._data.dtype))
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(f"can't assign a {name} to a torch.{self.dtype.legacy_name}")


def _without_leading_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape a value is assigned with: leading dimensions of size 1 dropped (as NumPy does)."""
    start = 0
    while start < len(shape) and shape[start] == 1:
        start += 1
    return tuple(shape[start:])


def _copy_to(target: Tensor, source: Tensor) -> None:
    """PyTorch's ``copy_to``: equal shapes copy, a 0-d source fills, anything else is broadcast and copied."""
    if target.shape == source.shape:
        target.copy_(source)
    elif source.ndim == 0:
        target.fill_(source)
    else:
        viewed = source.view(_without_leading_ones(source.shape))
        target.copy_(viewed if viewed.shape == target.shape else viewed.expand(target.shape))


# -- index_put, index_select, index_add, masked_select, nonzero, take ---------------------------------

def _tensor_indices(indices: Sequence[Any]) -> tuple[Any, ...]:
    """``index_put``'s indices (tensors, or None for a whole dimension) as a NumPy key."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' must be tuple of Tensors, not {type(indices).__name__}")
    key = []
    for index_ in indices:
        if index_ is None or (isinstance(index_, slice) and index_ == slice(None)):
            key.append(slice(None))
            continue
        data = index_._data if isinstance(index_, Tensor) else np.asarray(index_)
        if data.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        key.append(data)
    return tuple(key)


def _checked_values(self: Tensor, key: tuple, values: Any) -> Tensor:
    values_tensor = as_operand(values)
    if values_tensor.dtype is not self.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{type_name(self.dtype)} for the destination and {type_name(values_tensor.dtype)} for "
                           "the source.")
    _check_parts(list(key), self.shape)
    target_shape = np.empty(self._data.shape, dtype=np.bool_)[key].shape
    try:
        np.broadcast_shapes(values_tensor._data.shape, target_shape)
        if len(values_tensor._data.shape) > len(target_shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values_tensor.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target_shape)}") from None
    return values_tensor


@tensor_method
def index_put(input: Tensor, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written (or added, with ``accumulate``) at ``indices``."""
    key = _tensor_indices(indices)
    return IndexPut.apply(input, _checked_values(input, key, values), key, bool(accumulate))


@tensor_method
def index_put_(input: Tensor, indices: Sequence[Any], values: Any, accumulate: bool = False) -> Tensor:
    """Write (or, with ``accumulate``, add) ``values`` at ``indices``, in place."""
    key = _tensor_indices(indices)
    values_tensor = _checked_values(input, key, values)
    return input._inplace(lambda old: IndexPut.apply(old, values_tensor, key, bool(accumulate)))


def _checked_index(name: str, input: Tensor, dim: int, index: Tensor) -> int:
    if not isinstance(index, Tensor):
        raise TypeError(f"{name}(): argument 'index' (position 2) must be Tensor, not {type(index).__name__}")
    if index.dtype.name not in ("int64", "int32"):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    dim = normalize_dim(dim, input.ndim)
    size = input.shape[dim] if input.ndim else 1
    if index.numel() and (index._data.min() < -size or index._data.max() >= size):
        bad = int(index._data[(index._data < -size) | (index._data >= size)].reshape(-1)[0])
        raise IndexError("index out of range in self" if name == "index_select" else
                         f"index {bad} is out of bounds for dimension {dim} with size {size}")
    return dim


@tensor_method
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The entries at ``index`` (a vector) along ``dim``."""
    return IndexSelect.apply(input, _checked_index("index_select", input, dim, index), index)


@tensor_method
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats add up)."""
    dim = _checked_index("index_add", input, dim, index)
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({type_name(input.dtype)}) and source ({type_name(source.dtype)}) "
                           "must have the same scalar type")
    return IndexAdd.apply(input, dim, index, source, alpha)


@tensor_method
def index_add_(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """``index_add`` in place."""
    return input._inplace(lambda old: index_add(old, dim, index, source, alpha=alpha))


@tensor_method
def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """A copy of ``input`` with ``value`` at ``index`` along ``dim``."""
    dim = _checked_index("index_fill", input, dim, index)
    return IndexFill.apply(input, dim, index, as_operand(value)._data.astype(input._data.dtype).item())


@tensor_method
def index_fill_(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``index_fill`` in place."""
    return input._inplace(lambda old: index_fill(old, dim, index, value))


class IndexCopy(IndexAdd):
    """Copying into zeroed slices is adding to them: index_add's forward and backward, PyTorch's node name."""

    backward_name = "IndexCopyBackward0"


@tensor_method
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with the slices of ``source`` written at ``index`` along ``dim`` (indices distinct)."""
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{type_name(input.dtype)} and (source) {type_name(source.dtype)}")
    dim = _checked_index("index_copy", input, dim, index)
    return IndexCopy.apply(index_fill(input, dim, index, 0), dim, index, source, 1)


@tensor_method
def index_copy_(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``index_copy`` in place."""
    return input._inplace(lambda old: index_copy(old, dim, index, source))


@tensor_method
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or with ``accumulate``, added) at flat positions ``index``."""
    flat, positions, values = input.reshape(-1), index.reshape(-1), source.reshape(-1)
    positions = Tensor._wrap(np.where(positions._data < 0, positions._data + flat.shape[0], positions._data))
    written = index_add(flat, 0, positions, values) if accumulate else index_copy(flat, 0, positions, values)
    return written.view(input.shape)


@tensor_method
def put_(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``put`` in place."""
    return input._inplace(lambda old: put(old, index, source, accumulate))


@tensor_method
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (broadcast) is True, as a 1-D tensor."""
    if mask.dtype.name != "bool":
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    return MaskedSelect.apply(input, mask)


@tensor_method
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements: one row per element, or (with ``as_tuple``) one tensor per dimension."""
    data = input._data
    if as_tuple:
        return tuple(Tensor._wrap(indices.astype(np.int64)) for indices in np.nonzero(data if data.ndim else
                                                                                       data.reshape(1)))
    return Tensor._wrap(np.argwhere(data).astype(np.int64))


class Take(AdvancedIndex):
    backward_name = "TakeBackward0"


@tensor_method
def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of the flattened ``input`` at ``index`` (shaped like ``index``)."""
    flat = input.reshape(-1)
    _check_parts([index._data], flat.shape)
    return Take.apply(flat, (index._data,))


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
