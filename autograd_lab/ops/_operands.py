"""Turning op arguments into tensors and NumPy arrays of the dtype PyTorch would compute in."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, tensor_from_data

quietly = np.errstate(all="ignore")
"""Decorator for a forward that may divide by zero, overflow or take log(0): PyTorch gives inf and nan
silently where NumPy would warn. (As a decorator, unlike ``with np.errstate``, it costs well under a microsecond.)"""


_NUMBERS_KEPT = 256
_numbers_seen: dict[tuple[type, float, np.dtype], Tensor] = {}  # wrapped numbers are never modified, so ops share them


def as_operand(value: Any, like: Tensor | None = None) -> Tensor:
    """A tensor for an op argument; a Python number becomes a 0-d "wrapped number".

    Next to a floating-point tensor ``like``, a number is stored in that tensor's
    dtype straight away: PyTorch would convert it to that dtype to compute anyway.
    """
    if isinstance(value, Tensor):
        return value
    if like is not None and like._data.dtype.kind == "f" and isinstance(value, (int, float)) \
            and not isinstance(value, bool):
        return _number_in(value, like._data.dtype)
    if isinstance(value, (bool, np.bool_)):
        tensor = Tensor._wrap(np.array(bool(value)))
    elif isinstance(value, numbers.Integral):
        tensor = Tensor._wrap(np.array(int(value), dtype=np.int64))
    elif isinstance(value, numbers.Real):
        tensor = Tensor._wrap(np.array(float(value), dtype=np.float64))
    elif isinstance(value, np.ndarray):  # a full operand in its own dtype, as PyTorch converts it
        return tensor_from_data(value)
    else:
        return Tensor(value)
    tensor._wrapped_number = True
    return tensor


def _number_in(value: float, dtype: np.dtype) -> Tensor:
    """A wrapped number of ``dtype``; common ones are made once (-0.0 and nan are not, as they compare equal to
    0.0 or to nothing)."""
    key = (type(value), value, dtype)
    tensor = _numbers_seen.get(key)
    if tensor is None:
        tensor = Tensor._wrap(np.array(value, dtype=dtype))
        tensor._wrapped_number = True
        if value and value == value:
            if len(_numbers_seen) >= _NUMBERS_KEPT:
                _numbers_seen.clear()
            _numbers_seen[key] = tensor
    return tensor


def _promotion_key(tensor: Tensor) -> tuple[_dtypes.dtype, int]:
    if tensor._wrapped_number:
        dtype = tensor.dtype
        return (_dtypes.float32 if dtype.is_floating_point else dtype), 0
    return tensor.dtype, (2 if tensor._data.ndim else 1)


def common_dtype(*tensors: Tensor) -> _dtypes.dtype:
    """The dtype PyTorch computes a binary op in."""
    return _dtypes.result_type(tuple(_promotion_key(t) for t in tensors))


def arrays_in(dtype: _dtypes.dtype, *tensors: Tensor) -> list[np.ndarray]:
    """The tensors' data as arrays of ``dtype`` (no copy when already of that dtype)."""
    numpy_dtype = dtype.numpy
    return [t._data if t._data.dtype == numpy_dtype else t._data.astype(numpy_dtype) for t in tensors]


def promoted(*tensors: Tensor) -> list[np.ndarray]:
    """The tensors' data, converted to their common dtype."""
    arrays = [t._data for t in tensors]
    first = arrays[0].dtype
    if all(array.dtype == first for array in arrays):
        return arrays
    return arrays_in(common_dtype(*tensors), *tensors)


def broadcast_pair(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    """The data of a binary op's operands in their common dtype, checked to broadcast together."""
    x, y = a._data, b._data
    if x.dtype != y.dtype:
        x, y = promoted(a, b)
    if x.shape != y.shape:
        check_broadcast(x, y)
    return x, y


def floating(tensor: Tensor) -> np.ndarray:
    """The data of ``tensor`` as floating point (integers become float32, as in PyTorch)."""
    data = tensor._data
    if data.dtype.kind == "f":
        return data
    return data.astype(np.float32)


def check_broadcast(a: np.ndarray, b: np.ndarray) -> None:
    """Raise PyTorch's message when two shapes cannot broadcast."""
    shape_a, shape_b = a.shape, b.shape
    if shape_a == shape_b:
        return
    for offset in range(1, min(len(shape_a), len(shape_b)) + 1):
        size_a, size_b = shape_a[-offset], shape_b[-offset]
        if size_a != size_b and size_a != 1 and size_b != 1:
            dim = max(len(shape_a), len(shape_b)) - offset
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                f"at non-singleton dimension {dim}"
            )


_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
               "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def type_name(dtype: _dtypes.dtype) -> str:
    """PyTorch's name for a dtype in error messages (``Float``, ``Long``)."""
    return _TYPE_NAMES[dtype.name]
