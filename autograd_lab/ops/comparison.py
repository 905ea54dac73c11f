"""Elementwise comparisons: boolean results, never part of the graph."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._tensor import Tensor
from ._operands import as_operand, broadcast_pair


def _compare(operator: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Tensor, Any], Tensor]:
    def compare(input: Tensor, other: Any) -> Tensor:
        x, y = broadcast_pair(as_operand(input), as_operand(other))
        return Tensor._wrap(np.asarray(operator(x, y)))

    compare.__doc__ = f"Elementwise ``{operator.__name__}``, as a bool tensor."
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is close (``|a - b| <= atol + rtol * |b|``)."""
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise closeness as a bool tensor."""
    return Tensor._wrap(np.isclose(input._data, as_operand(other)._data, rtol=rtol, atol=atol, equal_nan=equal_nan))
