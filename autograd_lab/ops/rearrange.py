"""More ops that move elements around: repeat, flip, roll, split/chunk/unbind, triangles and diagonals,
stacking helpers, moving dimensions, and memory layout (contiguous, stride)."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from .._size import Size, normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import numpy_keywords, quietly
from .indexing import IndexAddInto, index_select
from .shape import Clone, Permute, Transpose, View, _shape_args, _view_of, cat, expand, reshape, stack

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors", "broadcast_to", "chunk",
           "column_stack", "diag", "diag_embed", "diagonal", "diff", "dstack", "flip", "fliplr", "flipud", "hstack",
           "meshgrid", "movedim", "moveaxis", "ravel", "repeat_interleave", "roll", "row_stack", "split", "swapaxes",
           "swapdims", "tile", "trace", "tril", "triu", "unbind", "unflatten", "vstack"]

MESHGRID_INDEXING_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                             "argument. (Triggered internally at "
                             "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4215.)")


class Repeat(Function):
    backward_name = "RepeatBackward0"
    derivatives = {"self": "grad summed over the copies"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, repeats: tuple[int, ...]) -> Tensor:
        ctx.shape, ctx.repeats = self._data.shape, repeats
        return Tensor._wrap(np.tile(self._data, repeats))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        shape = (1,) * (len(ctx.repeats) - len(ctx.shape)) + tuple(ctx.shape)
        split = []
        for repeat, size in zip(ctx.repeats, shape):
            split += [repeat, size]
        summed = grad.reshape(split).sum(tuple(range(0, len(split), 2)))
        return summed.reshape(ctx.shape), None


@tensor_method
def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """The tensor copied ``repeats[i]`` times along dimension ``i`` (leading repeats add dimensions)."""
    repeats = _shape_args(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    return Repeat.apply(input, repeats)


@tensor_method
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """``repeat`` with missing leading repeats taken as 1."""
    dims = _shape_args((dims,))
    return repeat(input, *((1,) * (input.ndim - len(dims)) + dims))


@tensor_method
def repeat_interleave(input: Tensor, repeats: Any, dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Each element repeated ``repeats`` times (an int, or one count per element) along ``dim``."""
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = normalize_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.ndim:
        positions = np.repeat(np.arange(input.shape[dim]), repeats._data)
        return index_select(input, dim, Tensor._wrap(positions.astype(np.int64)))
    count = int(repeats)
    shape = list(input.shape)
    spread = expand(input.unsqueeze(dim + 1), *(shape[:dim + 1] + [count] + shape[dim + 1:]))
    return reshape(spread, *(shape[:dim] + [shape[dim] * count] + shape[dim + 1:]))


class Flip(Function):
    backward_name = "FlipBackward0"
    derivatives = {"self": "grad.flip(dims)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dims: tuple[int, ...]) -> Tensor:
        ctx.dims = dims
        return Tensor._wrap(np.flip(self._data, dims).copy())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return Flip.apply(grad, ctx.dims), None


@tensor_method
def flip(input: Tensor, *dims: Any) -> Tensor:
    """The elements in reverse order along ``dims`` (a copy)."""
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    normalized = tuple(normalize_dim(d, input.ndim) for d in _shape_args(dims))
    return Flip.apply(input, normalized if input.ndim else ())


@tensor_method
def fliplr(input: Tensor) -> Tensor:
    """Columns in reverse order."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


@tensor_method
def flipud(input: Tensor) -> Tensor:
    """Rows in reverse order."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class Roll(Function):
    backward_name = "RollBackward0"
    derivatives = {"self": "grad.roll(-shifts, dims)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, shifts: tuple[int, ...], dims: tuple[int, ...] | None) -> Tensor:
        ctx.shifts, ctx.dims = shifts, dims
        if dims is None:
            return Tensor._wrap(np.roll(self._data.reshape(-1), shifts[0]).reshape(self._data.shape))
        return Tensor._wrap(np.roll(self._data, shifts, dims))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return Roll.apply(grad, tuple(-shift for shift in ctx.shifts), ctx.dims), None, None


@tensor_method
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """The elements shifted cyclically by ``shifts`` along ``dims`` (the flattened tensor without ``dims``)."""
    shift_tuple = tuple(shifts) if isinstance(shifts, (tuple, list)) else (int(shifts),)
    if dims is None:
        if len(shift_tuple) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_tuple)}, dims:0")
        return Roll.apply(input, shift_tuple, None)
    dim_tuple = tuple(dims) if isinstance(dims, (tuple, list)) else (int(dims),)
    if len(dim_tuple) != len(shift_tuple):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_tuple)}, dims:{len(dim_tuple)}")
    return Roll.apply(input, shift_tuple, tuple(normalize_dim(d, input.ndim) for d in dim_tuple))


# -- pieces: split, chunk, unbind (several views, as PyTorch returns them) ---------------------------

class Split(Function):
    """Consecutive pieces along ``dim``: each a view of ``self``, none of which may be changed in place."""

    backward_name = "SplitBackward0"
    derivatives = {"self": "cat(grads of the pieces, dim) (zeros for pieces that got none)"}
    returns_several_views = True

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, sizes: tuple[int, ...]) -> tuple[Tensor, ...]:
        ctx.dim, ctx.sizes, ctx.dtype = dim, sizes, self._data.dtype
        ctx.shape = self._data.shape
        pieces, start = [], 0
        for size in sizes:
            key = (slice(None),) * dim + (slice(start, start + size),)
            pieces.append(_view_of(self, self._data[key]))
            start += size
        return tuple(pieces)

    @staticmethod
    def backward(ctx: Node, *grads: Tensor | None) -> tuple[Tensor, None, None]:
        filled = []
        for size, grad in zip(ctx.sizes, grads):
            if grad is None:
                shape = list(ctx.shape)
                shape[ctx.dim] = size
                grad = Tensor._wrap(np.zeros(shape, dtype=ctx.dtype))
            filled.append(grad)
        return cat(filled, ctx.dim), None, None


class SplitWithSizes(Split):
    backward_name = "SplitWithSizesBackward0"


class Unbind(Function):
    backward_name = "UnbindBackward0"
    derivatives = {"self": "stack(grads of the pieces, dim)"}
    returns_several_views = True

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int) -> tuple[Tensor, ...]:
        ctx.dim, ctx.shape, ctx.dtype = dim, self._data.shape, self._data.dtype
        return tuple(_view_of(self, self._data[(slice(None),) * dim + (i,)]) for i in range(self._data.shape[dim]))

    @staticmethod
    def backward(ctx: Node, *grads: Tensor | None) -> tuple[Tensor, None]:
        shape = ctx.shape[:ctx.dim] + ctx.shape[ctx.dim + 1:]
        filled = [grad if grad is not None else Tensor._wrap(np.zeros(shape, dtype=ctx.dtype)) for grad in grads]
        return stack(filled, ctx.dim), None


@tensor_method
@numpy_keywords
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of the sizes listed."""
    dim = normalize_dim(dim, tensor.ndim)
    length = tensor.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(int(size) for size in split_size_or_sections)
        if sum(sizes) != length:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size "
                               f"at dimension {dim}), but got split_sizes={list(sizes)}")
        return SplitWithSizes.apply(tensor, dim, sizes)
    size = int(split_size_or_sections)
    if size == 0 and length != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}")
    sizes = tuple(min(size, length - start) for start in range(0, length, size)) if length else (0,)
    return Split.apply(tensor, dim, sizes)


@tensor_method
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most ``chunks`` pieces of equal size along ``dim`` (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input.shape[normalize_dim(dim, input.ndim)]
    return split(input, max(-(-length // chunks), 1), dim)


@tensor_method
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, that dimension removed."""
    return Unbind.apply(input, normalize_dim(dim, input.ndim))


# -- triangles and diagonals -------------------------------------------------------------------------

class Triangle(Function):
    backward_name = "TrilBackward0"
    derivatives = {"self": "grad.tril(diagonal)"}
    keep = staticmethod(np.tril)

    @classmethod
    def forward(cls, ctx: Node, self: Tensor, diagonal: int) -> Tensor:  # type: ignore[override]
        ctx.diagonal = diagonal
        return Tensor._wrap(cls.keep(self._data, diagonal))

    @classmethod
    def backward(cls, ctx: Node, grad: Tensor) -> tuple[Tensor, None]:  # type: ignore[override]
        return cls.apply(grad, ctx.diagonal), None


class UpperTriangle(Triangle):
    backward_name = "TriuBackward0"
    derivatives = {"self": "grad.triu(diagonal)"}
    keep = staticmethod(np.triu)


@tensor_method
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below diagonal ``diagonal``) of the last two dimensions; zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Triangle.apply(input, diagonal)


@tensor_method
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above diagonal ``diagonal``) of the last two dimensions; zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return UpperTriangle.apply(input, diagonal)


def _diagonal_view(data: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """A writable view of a diagonal (np.diagonal's is read-only), as the last dimension."""
    size1, size2 = data.shape[dim1], data.shape[dim2]
    length = max(min(size1, size2 - offset) if offset >= 0 else min(size1 + offset, size2), 0)
    start = [slice(None)] * data.ndim
    if length:
        start[dim2 if offset >= 0 else dim1] = slice(abs(offset), None)
    first = data[tuple(start)]  # a view whose first element is the diagonal's first
    kept = [d for d in range(data.ndim) if d not in (dim1, dim2)]
    shape = tuple(data.shape[d] for d in kept) + (length,)
    strides = tuple(data.strides[d] for d in kept) + (data.strides[dim1] + data.strides[dim2],)
    return np.lib.stride_tricks.as_strided(first, shape, strides, writeable=True)


class Diagonal(Function):
    backward_name = "DiagonalBackward0"
    derivatives = {"self": "zeros_like(self) with grad on the diagonal"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
        ctx.shape, ctx.offset, ctx.dims = self._data.shape, offset, (dim1, dim2)
        return _view_of(self, _diagonal_view(self._data, offset, dim1, dim2))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return DiagonalScatter.apply(grad, ctx.shape, ctx.offset, *ctx.dims), None, None, None


class DiagonalCopy(Diagonal):
    """``torch.diag`` of a matrix: a copy of its diagonal."""

    backward_name = "DiagonalBackward0_copy"

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, offset: int, dim1: int, dim2: int) -> Tensor:
        ctx.shape, ctx.offset, ctx.dims = self._data.shape, offset, (dim1, dim2)
        return Tensor._wrap(_diagonal_view(self._data, offset, dim1, dim2).copy())


class DiagonalScatter(Function):
    """Zeros of ``shape`` with ``src`` on a diagonal (diagonal's backward; diag_embed for a new matrix)."""

    backward_name = "DiagonalScatterBackward0"
    derivatives = {"src": "grad.diagonal(offset, dim1, dim2)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, src: Tensor, shape: tuple[int, ...], offset: int, dim1: int, dim2: int) -> Tensor:
        ctx.offset, ctx.dims = offset, (dim1, dim2)
        out = np.zeros(shape, dtype=src._data.dtype)
        _diagonal_view(out, offset, dim1, dim2)[...] = src._data
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None, None]:
        return DiagonalCopy.apply(grad, ctx.offset, *ctx.dims), None, None, None, None


class DiagEmbed(DiagonalScatter):
    backward_name = "DiagEmbedBackward0"


@tensor_method
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of two dimensions (a view), as the last dimension."""
    dim1, dim2 = normalize_dim(dim1, input.ndim), normalize_dim(dim2, input.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset, dim1, dim2)


@tensor_method
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal (a copy); ``diagonal`` picks which one."""
    if input.ndim == 1:
        size = input.shape[0] + abs(diagonal)
        return DiagEmbed.apply(input, (size, size), diagonal, 0, 1)
    if input.ndim == 2:
        return DiagonalCopy.apply(input, diagonal, 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@tensor_method
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with the last dimension of ``input`` on their diagonal."""
    ndim = input.ndim + 1
    dim1, dim2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    size = input.shape[-1] + abs(offset)
    shape = list(input.shape[:-1])
    for dim in sorted((dim1, dim2)):
        shape.insert(dim, size)
    return DiagEmbed.apply(input, tuple(shape), offset, dim1, dim2)


class Trace(Function):
    backward_name = "TraceBackward0"
    derivatives = {"self": "eye_like(self) * grad"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.shape = self._data.shape
        return Tensor._wrap(np.asarray(np.trace(self._data), dtype=self._data.dtype if self._data.dtype.kind == "f"
                                       else np.int64))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return DiagonalScatter.apply(grad.expand(min(ctx.shape)), ctx.shape, 0, 0, 1)


@tensor_method
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Trace.apply(input)


# -- stacking helpers --------------------------------------------------------------------------------

def _tensor_list(name: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    return list(tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the first dimension for vectors, the second otherwise."""
    pieces = [t if t.ndim else t.reshape(1) for t in _tensor_list("hstack", tensors)]
    return cat(pieces, 0 if pieces and pieces[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as rows (vectors become rows)."""
    return cat([_at_least(t, 2) for t in _tensor_list("vstack", tensors)], 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the third dimension (vectors and matrices gain dimensions first)."""
    return cat([_at_least(t, 3) for t in _tensor_list("dstack", tensors)], 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns (vectors become columns)."""
    pieces = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in _tensor_list("column_stack", tensors)]
    return cat(pieces, 1)


def _at_least(tensor: Tensor, ndim: int) -> Tensor:
    """The tensor with dimensions of size 1 added as NumPy's atleast_2d/3d add them."""
    if tensor.ndim >= ndim:
        return tensor
    if tensor.ndim == 0:
        return tensor.reshape((1,) * ndim)
    if tensor.ndim == 1:
        return tensor.unsqueeze(0) if ndim == 2 else tensor.unsqueeze(0).unsqueeze(-1)
    return tensor.unsqueeze(-1)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: 'ij' (matrix indexing, the default) or 'xy' (the first two swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(MESHGRID_INDEXING_WARNING, UserWarning, stacklevel=1)  # PyTorch warns from its own code
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for tensor in tensors:
        if tensor.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {tensor.ndim}D")
    vectors = [tensor.reshape(-1) for tensor in tensors]
    places = list(range(len(vectors)))  # which dimension of the grids each tensor runs along
    if indexing == "xy" and len(vectors) >= 2:
        places[0], places[1] = 1, 0
    shape = [0] * len(vectors)
    for vector, place in zip(vectors, places):
        shape[place] = vector.shape[0]
    grids = []
    for vector, place in zip(vectors, places):
        single = [1] * len(vectors)
        single[place] = shape[place]
        grids.append(vector.view(*single).expand(*shape))
    return tuple(grids)


# -- moving dimensions --------------------------------------------------------------------------------

@tensor_method("movedim", "moveaxis")
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dimension(s) ``source`` to position(s) ``destination``, the others keeping their order."""
    sources = tuple(source) if isinstance(source, (tuple, list)) else (source,)
    destinations = tuple(destination) if isinstance(destination, (tuple, list)) else (destination,)
    if len(sources) != len(destinations):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(sources)} dims) should "
                           f"contain the same number of dims as destination ({list(destinations)} dims)")
    sources = tuple(normalize_dim(d, input.ndim) for d in sources)
    destinations = tuple(normalize_dim(d, input.ndim) for d in destinations)
    order: list[int | None] = [None] * input.ndim
    for src, dst in zip(sources, destinations):
        order[dst] = src
    rest = iter(d for d in range(input.ndim) if d not in sources)
    return Permute.apply(input, tuple(d if d is not None else next(rest) for d in order))


moveaxis = movedim


@tensor_method("swapaxes", "swapdims")
def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose`` under NumPy's name."""
    return Transpose.apply(input, axis0, axis1)


swapdims = swapaxes


@tensor_method("mT", "mH")
@property
def matrix_transpose(self: Tensor) -> Tensor:
    """The last two dimensions swapped (a batch of matrices transposed)."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D "
                           "tensor.")
    return Transpose.apply(self, -2, -1)


@tensor_method("H")
@property
def conjugate_transpose(self: Tensor) -> Tensor:
    """The transpose of a matrix (real tensors have no conjugate to take)."""
    if self.ndim != 2:
        hint = ". For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor{hint}")
    return Transpose.apply(self, 0, 1)


@tensor_method
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one of them may be -1)."""
    dim = normalize_dim(dim, input.ndim)
    sizes = tuple(sizes)
    size = input.shape[dim]
    known = int(np.prod([s for s in sizes if s != -1]))
    resolved = tuple(size // known if s == -1 and known else s for s in sizes)
    if int(np.prod(resolved)) != size:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({size}) in the input tensor")
    return View.apply(input, tuple(input.shape[:dim]) + resolved + tuple(input.shape[dim + 1:]), False)


@tensor_method
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``expand`` under NumPy's name."""
    return expand(input, *_shape_args((size,)))


def broadcast_shapes(*shapes: Any) -> Any:
    """The shape tensors of ``shapes`` broadcast to, with PyTorch's error when they cannot."""
    result: list[int] = []
    for index, shape in enumerate(shapes):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for offset in range(1, len(shape) + 1):
            size = shape[-offset]
            if offset > len(result):
                result.insert(0, size)
            elif result[-offset] == 1:
                result[-offset] = size
            elif size not in (1, result[-offset]):
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at -{offset}! Mismatching "
                                   f"argument at index {index} had {shape}; but expected shape should be "
                                   f"broadcastable to {result}")
    return Size(result)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded (as views) to their common broadcast shape."""
    shape = broadcast_shapes(*(tensor.shape for tensor in tensors))
    return tuple(expand(tensor, *shape) for tensor in tensors)


def _atleast(ndim: int, tensors: tuple[Any, ...]) -> Any:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_at_least(tensor, ndim) for tensor in tensors[0])
    results = tuple(_at_least(tensor, ndim) for tensor in tensors)
    return results[0] if len(results) == 1 else results


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (a number becomes a vector)."""
    return _atleast(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions (a vector becomes a row)."""
    return _atleast(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dimensions (as NumPy's atleast_3d adds them)."""
    return _atleast(3, tensors)


@tensor_method
def ravel(input: Tensor) -> Tensor:
    """The elements as a vector (a view when possible)."""
    return reshape(input, -1)


@tensor_method
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """``reshape`` to ``other``'s shape."""
    return reshape(self, *other.shape)


@tensor_method
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """Differences of neighbours along ``dim`` (``n`` times), after adding ``prepend`` and ``append``."""
    dim = normalize_dim(dim, input.ndim)
    pieces = [tensor for tensor in (prepend, input, append) if tensor is not None]
    result = cat(pieces, dim) if len(pieces) > 1 else input
    for _ in range(n):
        length = result.shape[dim]
        later, earlier = result.narrow(dim, 1, length - 1), result.narrow(dim, 0, length - 1)
        result = later ^ earlier if result.dtype.name == "bool" else later - earlier
    return result


class Unfold(Function):
    """Windows of ``size`` elements every ``step`` along ``dim``, as a new last dimension (a view)."""

    backward_name = "UnfoldBackward0"
    derivatives = {"self": "the gradient of each window added back where the window came from"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, size: int, step: int) -> Tensor:
        data = self._data if self._data.ndim else self._data.reshape(1)
        ctx.shape, ctx.dim, ctx.size, ctx.step = self._data.shape, dim, size, step
        count = (data.shape[dim] - size) // step + 1
        shape = data.shape[:dim] + (count,) + data.shape[dim + 1:] + (size,)
        strides = data.strides[:dim] + (data.strides[dim] * step,) + data.strides[dim + 1:] + (data.strides[dim],)
        return _view_of(self, np.lib.stride_tricks.as_strided(data, shape, strides, writeable=False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        shape = ctx.shape or (1,)
        dim, size, step = ctx.dim, ctx.size, ctx.step
        count = grad.shape[dim]
        total = None
        for offset in range(size):  # window element ``offset`` came from position start + offset
            piece = grad.select(-1, offset)
            padded = _placed(piece, shape, dim, offset, step, count)
            total = padded if total is None else total + padded
        return (total.reshape(ctx.shape) if total is not None else grad.sum() * 0), None, None, None


def _placed(piece: Tensor, shape: tuple[int, ...], dim: int, offset: int, step: int, count: int) -> Tensor:
    """Zeros of ``shape`` with ``piece`` at positions offset, offset + step, ... along ``dim``."""
    positions = offset + step * np.arange(count)
    key = (slice(None),) * dim + (positions,)
    return IndexAddInto.apply(piece, shape, key)


@tensor_method
def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Windows of ``size`` elements taken every ``step`` along ``dimension`` (a view; the windows are the last
    dimension)."""
    dim = normalize_dim(dimension, input.ndim)
    length = input.shape[dim] if input.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return Unfold.apply(input, dim, size, step)


# -- memory layout --------------------------------------------------------------------------------------

@tensor_method
def stride(self: Tensor, dim: int | None = None) -> Any:
    """Steps between neighbouring elements of each dimension, in elements."""
    steps = tuple(step // self._data.itemsize for step in self._data.strides)
    return steps if dim is None else steps[normalize_dim(dim, self.ndim)]


@tensor_method
def storage_offset(self: Tensor) -> int:
    """Where the first element sits in the memory shared with the tensor's base, in elements."""
    base = self._base
    if base is None:
        return 0
    start = self._data.__array_interface__["data"][0] - base._data.__array_interface__["data"][0]
    return start // self._data.itemsize


@tensor_method
def data_ptr(self: Tensor) -> int:
    """The memory address of the first element (views of one tensor differ by their offsets)."""
    return self._data.__array_interface__["data"][0]


@tensor_method
def element_size(self: Tensor) -> int:
    """Bytes per element."""
    return self._data.itemsize


@tensor_method("itemsize")
@property
def itemsize(self: Tensor) -> int:
    """Bytes per element."""
    return self._data.itemsize


@tensor_method("nbytes")
@property
def nbytes(self: Tensor) -> int:
    """Bytes the elements take."""
    return self._data.nbytes


@tensor_method
def ndimension(self: Tensor) -> int:
    """The number of dimensions (``dim()``)."""
    return self._data.ndim


@tensor_method
def is_contiguous(self: Tensor, memory_format: Any = None) -> bool:
    """True when the elements lie in memory row by row with no gaps (dimensions of size 1 do not count)."""
    expected = 1
    for size, step in zip(reversed(self._data.shape), reversed(self._data.strides)):
        if size != 1:
            if step != expected * self._data.itemsize:
                return False
            expected *= size
    return True


@tensor_method
def contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor itself when it is contiguous, else a contiguous copy (``CloneBackward0``)."""
    return self if is_contiguous(self) else Clone.apply(self)  # a clone is laid out row by row
