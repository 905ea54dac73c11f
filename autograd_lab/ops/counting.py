"""Counting values: unique and bincount (their results carry no gradient)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import type_name

__all__ = ["bincount", "unique"]


class Unique(Function):
    """The distinct values: recorded, but PyTorch has no derivative for them."""

    backward_name = "Unique2Backward0"

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
