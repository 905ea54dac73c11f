"""Elementwise comparisons and logic: boolean (or integer) results, never part of the graph."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._tensor import Tensor, tensor_method
from ._operands import as_operand, binary_operator, broadcast_pair, check_broadcast, common_dtype, type_name

__all__ = ["allclose", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift",
           "bitwise_xor", "eq", "equal", "ge", "gt", "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf",
           "isreal", "le", "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "ne", "signbit"]


def _compare(name: str, operator: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[[Tensor, Any], Tensor]:
    def compare(input: Tensor, other: Any) -> Tensor:
        x, y = broadcast_pair(as_operand(input), as_operand(other))
        return Tensor._wrap(np.asarray(operator(x, y)))

    compare.__name__ = name
    compare.__doc__ = f"Elementwise ``{operator.__name__}``, as a bool tensor."
    return compare


eq = tensor_method(_compare("eq", np.equal))
ne = tensor_method(_compare("ne", np.not_equal))
lt = binary_operator("__lt__")(tensor_method(_compare("lt", np.less)))
le = binary_operator("__le__")(tensor_method(_compare("le", np.less_equal)))
gt = binary_operator("__gt__")(tensor_method(_compare("gt", np.greater)))
ge = binary_operator("__ge__")(tensor_method(_compare("ge", np.greater_equal)))


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


def _closeness_operands(name: str, input: Tensor, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both tensors' data, after PyTorch's checks: same dtype, broadcastable shapes."""
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{type_name(input.dtype)} did not match {type_name(other.dtype)}")
    x, y = input._data, other._data
    check_broadcast(x, y)
    return x, y


@tensor_method
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (NaNs equal only with ``equal_nan``)."""
    x, y = _closeness_operands("isclose", input, other)
    return Tensor._wrap(np.asarray(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)))


@tensor_method
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element is close (see ``isclose``)."""
    x, y = _closeness_operands("allclose", input, other)
    return bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan))


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


bitwise_and = binary_operator("__and__", "__rand__")(tensor_method(_bitwise("bitwise_and", np.bitwise_and)))
bitwise_or = binary_operator("__or__", "__ror__")(tensor_method(_bitwise("bitwise_or", np.bitwise_or)))
bitwise_xor = binary_operator("__xor__", "__rxor__")(tensor_method(_bitwise("bitwise_xor", np.bitwise_xor)))


def _shift(name: str, kernel: str, left: bool) -> Callable[[Any, Any], Tensor]:
    """A bit shift with PyTorch's rule for amounts outside [0, bits): a left shift gives 0, a right shift
    shifts by bits - 1 (0, or -1 for negative signed values)."""
    def shift(input: Any, other: Any) -> Tensor:
        tensors = as_operand(input), as_operand(other)
        dtype = common_dtype(*tensors)
        if dtype.is_floating_point:
            raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{type_name(dtype)}\'')
        x, y = broadcast_pair(*tensors)
        bits = x.dtype.itemsize * 8
        outside = (y < 0) | (y >= bits)
        if left:
            return Tensor._wrap(np.asarray(np.where(outside, 0, np.left_shift(x, np.where(outside, 0, y)))
                                           .astype(x.dtype, copy=False)))
        widest = bits - 1 if x.dtype.kind == "i" else bits
        shifted = np.right_shift(x, np.where(outside, min(widest, bits - 1), y))
        if x.dtype.kind != "i":
            shifted = np.where(outside, 0, shifted)
        return Tensor._wrap(np.asarray(shifted.astype(x.dtype, copy=False)))

    shift.__name__ = name
    shift.__doc__ = f"``{'<<' if left else '>>'}`` of bool or integer tensors, elementwise."
    return shift


bitwise_left_shift = binary_operator("__lshift__")(tensor_method(_shift("bitwise_left_shift", "lshift", left=True)))
bitwise_right_shift = binary_operator("__rshift__")(tensor_method(_shift("bitwise_right_shift", "rshift", left=False)))


@binary_operator("__rlshift__")
def _reflected_left_shift(self: Tensor, other: Any) -> Tensor:
    return bitwise_left_shift(other, self)


@binary_operator("__rrshift__")
def _reflected_right_shift(self: Tensor, other: Any) -> Tensor:
    return bitwise_right_shift(other, self)


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



@tensor_method
def logical_xor(input: Tensor, other: Any) -> Tensor:
    """True where exactly one is nonzero."""
    return Tensor._wrap(np.asarray(np.logical_xor(input._data, as_operand(other)._data)))


def _test(name: str, check: Callable[[np.ndarray], np.ndarray], doc: str) -> Callable[[Tensor], Tensor]:
    def test(input: Tensor) -> Tensor:
        return Tensor._wrap(np.asarray(check(input._data)))

    test.__name__ = name
    test.__doc__ = doc
    return tensor_method(test)


isnan = _test("isnan", np.isnan, "True where the element is NaN.")
isinf = _test("isinf", np.isinf, "True where the element is infinite.")
isfinite = _test("isfinite", np.isfinite, "True where the element is neither infinite nor NaN.")
isposinf = _test("isposinf", np.isposinf, "True where the element is +inf.")
isneginf = _test("isneginf", np.isneginf, "True where the element is -inf.")
signbit = _test("signbit", np.signbit, "True where the sign bit is set (negative numbers and -0.0).")
isreal = _test("isreal", lambda data: np.ones(data.shape, dtype=bool), "True everywhere: these tensors are real.")
