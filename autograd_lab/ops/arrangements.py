"""Tensors arranged from others: products and combinations of elements, block diagonals, Vandermonde
matrices, rotations; and where the non-zero elements are, how values spread over bins, min and max at once."""
from __future__ import annotations

import itertools
from typing import NamedTuple, Sequence

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import common_dtype, type_name
from .rearrange import meshgrid
from .shape import cat, stack

__all__ = ["aminmax", "argwhere", "block_diag", "cartesian_prod", "combinations", "histc", "rot90", "vander"]


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-D tensor, one per row (a single tensor is returned as is)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([grid.flatten() for grid in grids], dim=1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The length-``r`` combinations of the elements of a 1-D tensor, one per row, in lexicographic order."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = np.array(list(choose(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if not rows.size:
        return Tensor._wrap(np.empty((0,) if r else (0,), dtype=input._data.dtype))
    return stack([input[Tensor._wrap(rows[:, column])] for column in range(r)], dim=1)


class BlockDiag(Function):
    backward_name = "BlockDiagBackward0"
    derivatives = {"tensors": "the matching block of grad"}

    @staticmethod
    def forward(ctx: Node, *tensors: Tensor) -> Tensor:
        blocks = [t._data.reshape(_block_shape(t._data.shape, index)) for index, t in enumerate(tensors)]
        dtype = common_dtype(*tensors).numpy
        rows, columns = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
        out = np.zeros((rows, columns), dtype=dtype)
        ctx.places = []
        row = column = 0
        for block, tensor in zip(blocks, tensors):
            out[row:row + block.shape[0], column:column + block.shape[1]] = block
            ctx.places.append((row, column, block.shape, tensor.shape))
            row, column = row + block.shape[0], column + block.shape[1]
        return Tensor._wrap(out)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, ...]:
        return tuple(grad[row:row + shape[0], column:column + shape[1]].reshape(original)
                     for row, column, shape, original in ctx.places)


def _block_shape(shape: tuple[int, ...], index: int) -> tuple[int, ...]:
    """A block as a matrix: a number is 1x1, a vector one row."""
    if len(shape) > 2:
        raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {index} has "
                           f"{len(shape)} dimensions")
    return (1, 1) if not shape else (1, shape[0]) if len(shape) == 1 else shape


def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-, 1- or 2-D) as blocks along the diagonal of one matrix, zeros elsewhere."""
    return BlockDiag.apply(*tensors)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D tensor: columns x^(N-1), ..., x, 1 (reversed with ``increasing``)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    columns = x.shape[0] if N is None else N
    if columns < 0:
        raise RuntimeError("N must be non-negative.")
    values = x if x.is_floating_point() else x.to(_dtypes.int64)
    ones = Tensor._wrap(np.ones((x.shape[0], 1), dtype=values._data.dtype))
    if columns <= 1:
        result = ones[:, :columns]
    else:
        result = cat([ones, values.unsqueeze(1).expand(x.shape[0], columns - 1).cumprod(1)], dim=1)
    return result if increasing else result.flip(1)


class Rot90(Function):
    backward_name = "Rot90Backward0"
    derivatives = {"self": "grad.rot90(-k, dims)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, k: int, dims: tuple[int, int]) -> Tensor:
        ctx.k, ctx.dims = k, dims
        return Tensor._wrap(np.ascontiguousarray(np.rot90(self._data, k, axes=dims)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return Rot90.apply(grad, -ctx.k, ctx.dims), None, None


@tensor_method
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times, from the first of ``dims`` towards the second."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    first, second = (d % input.ndim for d in dims)
    if first == second:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return Rot90.apply(input, k % 4, (first, second))


@tensor_method
def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row each (``nonzero()``)."""
    return Tensor._wrap(np.argwhere(input._data).astype(np.int64))


@tensor_method
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts of the elements in ``bins`` equal bins between ``min`` and ``max`` (the data's range when both
    are 0); elements outside are left out. The counts have ``input``'s dtype."""
    if not input.is_floating_point():
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{type_name(input.dtype)}'")
    data = input._data
    low, high = float(min), float(max)
    if low == high and data.size:
        low, high = float(data.min()), float(data.max())
    if low == high:
        low, high = low - 1, high + 1
    inside = data[(data >= low) & (data <= high)].astype(np.float64)
    index = np.minimum(((inside - low) * bins / (high - low)).astype(np.int64), bins - 1)
    return Tensor._wrap(np.bincount(index, minlength=bins).astype(data.dtype))


class AminmaxResult(NamedTuple):
    """What ``aminmax`` returns: ``min`` and ``max``."""

    min: Tensor
    max: Tensor

    def __repr__(self) -> str:
        return f"torch.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"


@tensor_method
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> AminmaxResult:
    """The smallest and the largest element, of all or along ``dim``."""
    if dim is None:
        return AminmaxResult(input.amin(), input.amax()) if not keepdim else \
            AminmaxResult(input.amin(tuple(range(input.ndim)), True), input.amax(tuple(range(input.ndim)), True))
    return AminmaxResult(input.amin(dim, keepdim), input.amax(dim, keepdim))

