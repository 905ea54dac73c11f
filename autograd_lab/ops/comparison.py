"""Elementwise comparisons and logic: boolean (or integer) results, never part of the graph."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._tensor import Tensor, tensor_method
from ._operands import as_operand, broadcast_pair, type_name

__all__ = ["allclose", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "eq", "equal", "ge", "gt", "isclose",
           "le", "logical_and", "logical_not", "logical_or", "lt", "ne"]


def _compare(name: str, operator: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Tensor, Any], Tensor]:
    def compare(input: Tensor, other: Any) -> Tensor:
        x, y = broadcast_pair(as_operand(input), as_operand(other))
        return Tensor._wrap(np.asarray(operator(x, y)))

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{operator.__name__}``, as a bool tensor."
    return compare


eq = tensor_method(_compare("eq", np.equal))
ne = tensor_method(_compare("ne", np.not_equal))
lt = tensor_method("lt", "__lt__")(_compare("lt", np.less))
le = tensor_method("le", "__le__")(_compare("le", np.less_equal))
gt = tensor_method("gt", "__gt__")(_compare("gt", np.greater))
ge = tensor_method("ge", "__ge__")(_compare("ge", np.greater_equal))


@tensor_method("__eq__")
def _equals_operator(input: Tensor, other: Any) -> Any:
    """``t == other``; None and strings are never equal to a tensor (Python's answer, not an error)."""
    return NotImplemented if other is None or isinstance(other, str) else eq(input, other)


@tensor_method("__ne__")
def _not_equals_operator(input: Tensor, other: Any) -> Any:
    return NotImplemented if other is None or isinstance(other, str) else ne(input, other)


@tensor_method
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and values."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


@tensor_method
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is close (``|a - b| <= atol + rtol * |b|``)."""
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def isclose(input: Tensor, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise closeness as a bool tensor."""
    return Tensor._wrap(np.isclose(input._data, as_operand(other)._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _bitwise(name: str, operator: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Any, Any], Tensor]:
    def combine(input: Any, other: Any) -> Tensor:
        tensors = as_operand(input), as_operand(other)
        for tensor in tensors:
            if tensor._data.dtype.kind not in "biu":
                raise NotImplementedError(f'"{name}_cpu" not implemented for \'{type_name(tensor.dtype)}\'')
        return Tensor._wrap(np.asarray(operator(*broadcast_pair(*tensors))))

    combine.__name__ = name
    combine.__doc__ = f"Elementwise ``{name}`` of bool or integer tensors (``{operator.__name__}``)."
    return combine


bitwise_and = tensor_method("bitwise_and", "__and__", "__rand__")(_bitwise("bitwise_and", np.bitwise_and))
bitwise_or = tensor_method("bitwise_or", "__or__", "__ror__")(_bitwise("bitwise_or", np.bitwise_or))
bitwise_xor = tensor_method("bitwise_xor", "__xor__", "__rxor__")(_bitwise("bitwise_xor", np.bitwise_xor))


@tensor_method("bitwise_not", "__invert__")
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not of a bool tensor, bitwise not of an integer tensor."""
    if input._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return Tensor._wrap(np.asarray(np.invert(input._data)))


@tensor_method
def logical_not(input: Tensor) -> Tensor:
    """True where ``input`` is zero or False."""
    return Tensor._wrap(np.asarray(np.logical_not(input._data)))


@tensor_method
def logical_and(input: Tensor, other: Any) -> Tensor:
    """True where both are nonzero."""
    return Tensor._wrap(np.asarray(np.logical_and(input._data, as_operand(other)._data)))


@tensor_method
def logical_or(input: Tensor, other: Any) -> Tensor:
    """True where either is nonzero."""
    return Tensor._wrap(np.asarray(np.logical_or(input._data, as_operand(other)._data)))

