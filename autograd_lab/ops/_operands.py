"""Turning op arguments into tensors and NumPy arrays of the dtype PyTorch would compute in."""
from __future__ import annotations

import functools
import numbers
import sys
import warnings
from typing import Any, Callable

import numpy as np

from .. import _dtypes
from .._dtypes import type_name  # noqa: F401  (op modules take it from here)
from .._tensor import Tensor, tensor_from_data, tensor_method

quietly = np.errstate(all="ignore")
"""Decorator for a forward that calls a NumPy function written in Python (``np.max``, ``np.var``, ``np.isclose``):
PyTorch gives inf and nan silently, and NumPy warns from its own module there, where the package's warnings
filter (see ``_numpy_warnings``) does not reach. Ufuncs called on the package's own lines need no decorator:
the hot ops (arithmetic, matrix products, sums and means, exp, log, tanh, ...) go without it, for 0.37 us per
call; less common ops still carry it."""


OPERANDS = (Tensor, int, float, complex, np.ndarray, np.generic)
"""What a Tensor operator takes as its other operand, as PyTorch's do."""


def binary_operator(*names: str) -> Callable[[Callable], Callable]:
    """Decorator: also make ``function(tensor, other)`` the Tensor operators ``names`` (``__mul__``, ...).

    As an operator it gives NotImplemented for an operand PyTorch's operators do not take (None, a
    string, a list), so Python tries the other operand and then raises its own TypeError
    ("unsupported operand type(s) for *: 'NoneType' and 'Tensor'"), as it does with PyTorch.
    """
    def register(function: Callable) -> Callable:
        def operator(self: Tensor, other: Any) -> Any:
            return function(self, other) if isinstance(other, OPERANDS) else NotImplemented

        operator.__name__ = operator.__qualname__ = names[0]
        operator.__doc__ = function.__doc__
        tensor_method(*names)(operator)
        return function

    return register


_NUMBERS_KEPT = 256
# wrapped numbers are never modified, so ops share them: a tensor less for every ``x * 2``
_numbers_seen: dict[tuple[type, float, np.dtype], Tensor] = {}


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
        with np.errstate(over="ignore"):  # a number too large for the dtype becomes inf, silently as in PyTorch
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
        return (_dtypes.get_default_dtype() if dtype.is_floating_point else dtype), 0
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
    """The data of ``tensor`` as floating point (integers become the default dtype, float32, as in PyTorch)."""
    data = tensor._data
    if data.dtype.kind == "f":
        return data
    return data.astype(_dtypes.get_default_dtype().numpy)


ROUNDED_ONCE_UP_TO = 1024
"""Elements up to which float32 exp, log, tanh, sin and cos are rounded from float64 (see ``rounded_once``)."""


def rounded_once(function: Callable[[np.ndarray], np.ndarray], data: np.ndarray) -> np.ndarray:
    """``function`` of float32 data computed in float64 and rounded once, for tensors of up to 1024 elements.

    PyTorch's float32 kernels for exp, log, tanh, sin and cos are accurate to about half a unit
    in the last place; NumPy's float32 loops are not (they differ from PyTorch in a third of
    the values of exp), while rounding the float64 result agrees with PyTorch almost always.
    Larger tensors, whose values are rarely printed one by one, keep NumPy's float32 loops: the
    float64 detour costs 8 to 17 times their time (the 1e6-element chain of benchmarks/run.py
    went from 1.3 to 2.9 times PyTorch's).
    """
    if data.dtype == np.float32 and data.size <= ROUNDED_ONCE_UP_TO:
        return function(data.astype(np.float64)).astype(np.float32)
    return function(data)


def check_broadcast(a: np.ndarray, b: np.ndarray) -> None:
    """Raise PyTorch's message when two arrays' shapes cannot broadcast."""
    check_broadcast_shapes(a.shape, b.shape)


def check_broadcast_shapes(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    """Raise PyTorch's message when two shapes cannot broadcast."""
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


def numpy_keywords(function: Any) -> Any:
    """Also accept NumPy's names ``axis`` for ``dim`` and ``keepdims`` for ``keepdim``, as PyTorch does."""
    name = function.__name__

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if "axis" in kwargs or "keepdims" in kwargs:
            for alias, real in (("axis", "dim"), ("keepdims", "keepdim")):
                if alias in kwargs:
                    if real in kwargs:
                        raise TypeError(f"{name}() got an unexpected keyword argument '{alias}'")
                    kwargs[real] = kwargs.pop(alias)
        return function(*args, **kwargs)

    return call


def warn_user(message: str) -> None:
    """A UserWarning shown at the user's line: the first caller outside autograd_lab, as PyTorch's C++ warnings are."""
    frame, depth = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("autograd_lab"):
        frame, depth = frame.f_back, depth + 1
    warnings.warn(message, UserWarning, stacklevel=depth)


REQUIRED: Any = object()
"""Default of an argument PyTorch requires, so that leaving it out gets PyTorch's message (see ``missing``)."""


def missing(function: str, name: str, value: Any) -> None:
    """PyTorch's TypeError when a required argument was left out (``cumsum()`` without ``dim``)."""
    if value is REQUIRED:
        raise TypeError(f'{function}() missing 1 required positional arguments: "{name}"')
