"""Counting and looking up values: unique, bincount, isin, searchsorted, bucketize, tril/triu_indices
(their results carry no gradient)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import type_name

__all__ = ["bincount", "bucketize", "isin", "searchsorted", "tril_indices", "triu_indices", "unique"]


class Unique(Function):
    """The distinct values: recorded, but PyTorch has no derivative for them."""

    backward_name = "Unique2Backward0"
    derivatives = {"self": "not implemented"}  # as in PyTorch's derivatives.yaml: backward raises

    @staticmethod
    def forward(ctx: Node, self: Tensor, values: np.ndarray) -> Tensor:
        return Tensor._wrap(values)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> None:
        raise NotImplementedError("the derivative for '_unique2' is not implemented.")


@tensor_method
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Any:
    """The distinct values (sorted), or distinct slices along ``dim``; optionally where each element went
    (``return_inverse``) and how often each value occurs (``return_counts``)."""
    data = input._data
    values, inverse, counts = np.unique(data if dim is None else data, return_inverse=True, return_counts=True,
                                        axis=dim)
    results = [Unique.apply(input, values)]
    if return_inverse:
        results.append(Tensor._wrap(inverse.reshape(data.shape if dim is None else -1).astype(np.int64)))
    if return_counts:
        results.append(Tensor._wrap(counts.astype(np.int64)))
    return results[0] if len(results) == 1 else tuple(results)


@tensor_method
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, 2, ... occurs in a 1-D tensor of non-negative integers (summing ``weights``)."""
    data = input._data
    if data.dtype.kind not in "iub":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{type_name(input.dtype)}\'')
    if data.ndim != 1 or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return Tensor._wrap(np.bincount(data, minlength=minlength).astype(np.int64))
    counted = np.bincount(data, weights=weights._data, minlength=minlength)
    return Tensor._wrap(counted.astype(weights._data.dtype if weights._data.dtype.kind == "f" else np.float64))


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """True where an element of ``elements`` is among ``test_elements`` (False with ``invert``)."""
    values = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    tests = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(np.asarray(np.isin(values, tests, invert=invert)))


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False, right: bool = False,
                 side: str | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each value of ``input`` would go in ``sorted_sequence`` to keep it sorted (per row for 2-D)."""
    side = side or ("right" if right else "left")
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    boundaries = sorted_sequence._data
    if sorter is not None:
        boundaries = np.take_along_axis(boundaries, sorter._data, axis=-1)
    if boundaries.ndim == 1:
        found = np.searchsorted(boundaries, values, side=side)
    else:
        found = np.stack([np.searchsorted(row, value, side=side) for row, value in
                          zip(boundaries.reshape(-1, boundaries.shape[-1]), values.reshape(-1, values.shape[-1]))])
        found = found.reshape(values.shape)
    return Tensor._wrap(np.asarray(found, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value of ``input`` between the sorted 1-D ``boundaries``."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (row, column) indices of a ``row`` x ``col`` matrix's lower triangle, as a 2 x N tensor."""
    rows, columns = np.tril_indices(row, offset, col)
    return Tensor._wrap(np.stack([rows, columns]).astype(dtype.numpy if dtype is not None else np.int64))


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None, device: Any = None,
                 layout: Any = None) -> Tensor:
    """The (row, column) indices of a ``row`` x ``col`` matrix's upper triangle, as a 2 x N tensor."""
    rows, columns = np.triu_indices(row, offset, col)
    return Tensor._wrap(np.stack([rows, columns]).astype(dtype.numpy if dtype is not None else np.int64))
