"""Ops that rearrange elements without changing them: views, indexing, joining, dtype copies."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .. import _dtypes
from .._device import parse_to
from .._size import normalize_dim
from .._tensor import Tensor, tensor_method, warn_once
from ..autograd.function import Function, Node
from ..autograd.grad_mode import state as grad_mode
from ._operands import arrays_in, common_dtype, numpy_keywords, quietly
from .views import remember_view

__all__ = ["cat", "clone", "concatenate", "flatten", "permute", "reshape", "squeeze", "stack", "t", "transpose",
           "unsqueeze"]


def _view_of(base: Tensor, data: np.ndarray) -> Tensor:
    """A result sharing ``base``'s memory (``data`` is a view of it): in-place changes to either are seen by both.

    For ops whose NumPy result is always a view; skipping ``np.may_share_memory`` saves 0.2 us per view.
    """
    view = Tensor._wrap(data)
    view._version_counter = base._version_counter
    if grad_mode.inference:  # a view is an inference tensor when its base is one
        view._inference = base._inference
    root = view._base = base._base if base._base is not None else base
    if grad_mode.enabled:
        remember_view(root, view)
    return view


def _view_or_copy(base: Tensor, data: np.ndarray) -> Tensor:
    """A view of ``base`` if NumPy could give ``data`` as one (reshape, indexing), else a new tensor."""
    return _view_of(base, data) if np.may_share_memory(data, base._data) else Tensor._wrap(data)


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike: the sizes as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(map(int, shape))


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
        return _view_or_copy(self, data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return grad.reshape(ctx.shape), None, None


class UnsafeView(View):
    """A reshape of a fresh contiguous result (the copying reshape, the end of a folded batched matmul).

    Nothing else holds that result, so the reshaped tensor is a tensor of its own, not a view.
    """

    backward_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx: Node, self: Tensor, shape: tuple[int, ...], must_share: bool) -> Tensor:
        ctx.shape = self._data.shape
        return Tensor._wrap(self._data.reshape(_resolve_shape(shape, self._data.size)))


class ReshapeAlias(View):
    """``reshape`` of a non-contiguous tensor whose elements a view can still reach."""

    backward_name = "ReshapeAliasBackward0"


def _expanded_shape(a: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape ``a.expand(*shape)`` has (-1 keeps a size), or PyTorch's error when ``a`` cannot expand to it."""
    data = a._data
    leading = len(shape) - data.ndim
    if leading < 0:
        raise RuntimeError(f"expand(torch.{a.dtype.legacy_name}{{[{', '.join(map(str, a.shape))}]}}, "
                           f"size=[{', '.join(map(str, shape))}]): the number of sizes provided "
                           f"({len(shape)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({data.ndim})")
    target = list(shape)
    for i, size in enumerate(data.shape):
        wanted = target[leading + i]
        if wanted == -1:
            target[leading + i] = size
        elif size != wanted and size != 1:
            raise RuntimeError(f"The expanded size of the tensor ({wanted}) must match the "
                               f"existing size ({size}) at non-singleton dimension {leading + i}.  Target "
                               f"sizes: [{', '.join(map(str, shape))}].  Tensor sizes: "
                               f"[{', '.join(map(str, a.shape))}]")
    for i in range(leading):
        if target[i] == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                               f"dimension {i}")
    return tuple(target)


def _broadcast_view(data: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``np.broadcast_to(data, shape)``: a read-only view repeating ``data`` along stretched dimensions.

    For contiguous data the view is made from strides directly: 0.5 us instead of
    np.broadcast_to's 2.3 us (a third of an MLP step's mean backward).
    """
    if not data.flags.c_contiguous or not data.size:
        return np.broadcast_to(data, shape)
    strides = [0] * (len(shape) - data.ndim)
    for size, stride in zip(data.shape, data.strides):
        strides.append(stride if size != 1 else 0)
    view = np.ndarray(shape, data.dtype, data, 0, tuple(strides))
    view.flags.writeable = False
    return view


class Expand(Function):
    backward_name = "ExpandBackward0"
    derivatives = {"self": "grad.sum_to_size(self.shape)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, shape: tuple[int, ...]) -> Tensor:
        ctx.shape = self._data.shape
        return _view_of(self, _broadcast_view(self._data, _expanded_shape(self, shape)))

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
        data = self._data
        ctx.dims = normalize_dim(dim0, data.ndim), normalize_dim(dim1, data.ndim)
        return _view_of(self, np.swapaxes(data, *ctx.dims) if data.ndim else data.view())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return (grad.transpose(*ctx.dims) if grad.ndim else grad), None, None


class TransposeMatrix(Function):
    """t(): transpose of a matrix (1-D and 0-D tensors are returned as they are)."""

    backward_name = "TBackward0"
    derivatives = {"self": "grad.t()"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return _view_of(self, self._data.T if self._data.ndim == 2 else self._data.view())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return t(grad)


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
    @quietly  # out-of-range values become inf (or an unspecified integer) silently, as in PyTorch
    def forward(ctx: Node, self: Tensor, dtype: _dtypes.dtype) -> Tensor:
        ctx.dtype = self.dtype
        return Tensor._wrap(self._data.astype(dtype.numpy))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad.to(ctx.dtype), None


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
    """The same elements in a new shape: a view when possible, else a contiguous copy viewed in the new shape
    (recorded as PyTorch records it: ``UnsafeViewBackward0`` after ``CloneBackward0``)."""
    target = _shape_args(shape)
    data = input._data
    if data.flags.c_contiguous:
        return View.apply(input, target, False)
    try:
        np.reshape(data, _resolve_shape(target, data.size), copy=False)
    except ValueError:  # only a copy can have the new shape
        return UnsafeView.apply(clone(input), target, False)
    return ReshapeAlias.apply(input, target, False)


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
@numpy_keywords
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at ``dim``."""
    return Unsqueeze.apply(input, dim)


@tensor_method
@numpy_keywords
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
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return TransposeMatrix.apply(input)


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


@numpy_keywords
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    return Cat.apply(dim, *tensors)


concatenate = cat


@numpy_keywords
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension."""
    return Stack.apply(dim, *tensors)


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
    """``to(device, dtype)``, ``to(dtype)`` or ``to(other_tensor)``: the tensor itself when nothing changes.

    Only the CPU is a device here: another raises what a CPU-only PyTorch raises.
    ``copy=True`` always makes a copy (``ToCopyBackward0``).
    """
    _, dtype, copy = parse_to(args, kwargs)
    if dtype is None or dtype is self.dtype:
        return ToDtype.apply(self, self.dtype) if copy else self
    return ToDtype.apply(self, dtype)


def _converter(dtype: _dtypes.dtype) -> Any:
    def convert(self: Tensor) -> Tensor:
        return to_dtype(self, dtype)

    convert.__doc__ = f"A copy as {dtype!r} (the tensor itself when it already is)."
    return convert


for _name, _dtype in (("float", _dtypes.float32), ("double", _dtypes.float64), ("half", _dtypes.float16),
                      ("long", _dtypes.int64), ("int", _dtypes.int32), ("short", _dtypes.int16),
                      ("char", _dtypes.int8), ("byte", _dtypes.uint8), ("bool", _dtypes.bool)):
    tensor_method(_name)(_converter(_dtype))


@tensor_method
def type_as(self: Tensor, other: Tensor) -> Tensor:
    """A copy in ``other``'s dtype (the tensor itself when it already has it)."""
    return to_dtype(self, other.dtype)
