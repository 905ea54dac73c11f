"""Functions that make new leaf tensors: from data, filled, ranges and random."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._tensor import Tensor, _to_array, tensor_from_data

tensor = tensor_from_data


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _new(data: np.ndarray, dtype: _dtypes.dtype | None, requires_grad: bool) -> Tensor:
    if dtype is not None:
        data = data.astype(dtype.numpy, copy=False)
    if requires_grad and data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._wrap(data, requires_grad)


def zeros(*size: Any, dtype: _dtypes.dtype | None = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of zeros (float32 unless ``dtype`` says otherwise)."""
    return _new(np.zeros(_shape(size), dtype=np.float32), dtype, requires_grad)


def ones(*size: Any, dtype: _dtypes.dtype | None = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A tensor of ones (float32 unless ``dtype`` says otherwise)."""
    return _new(np.ones(_shape(size), dtype=np.float32), dtype, requires_grad)


def full(size: Any, fill_value: Any, *, dtype: _dtypes.dtype | None = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (bool, int64 or float32)."""
    return _new(np.full(_shape((size,)), fill_value, dtype=_to_array(fill_value, None).dtype), dtype, requires_grad)


def zeros_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _new(np.zeros(input.shape, dtype=input._data.dtype), dtype, requires_grad)


def ones_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _new(np.ones(input.shape, dtype=input._data.dtype), dtype, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: _dtypes.dtype | None = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype."""
    return _new(np.full(input.shape, fill_value, dtype=input._data.dtype), dtype, requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: _dtypes.dtype | None = None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 for whole-number arguments."""
    if end is None:
        start, end = 0, start
    all_integers = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    data = np.arange(start, end, step, dtype=np.int64 if all_integers else np.float64)
    return _new(data if all_integers else data.astype(np.float32), dtype, requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: _dtypes.dtype | None = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32)."""
    return _new(np.linspace(start, end, steps).astype(np.float32), dtype, requires_grad)


def eye(n: int, m: int | None = None, *, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (ones on the diagonal)."""
    return _new(np.eye(n, m, dtype=np.float32), dtype, requires_grad)


def empty(*size: Any, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are not to be relied on (zeros here)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory."""
    _dtypes.from_numpy(array.dtype)
    return Tensor._wrap(array)


def as_tensor(data: Any, dtype: _dtypes.dtype | None = None) -> Tensor:
    """``data`` as a tensor, without copying when it already is one of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.numpy):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


def FloatTensor(*args: Any) -> Tensor:
    """Legacy constructor of float32 tensors: ``FloatTensor([1., 2.])`` or ``FloatTensor(2, 3)``."""
    return Tensor(*args)


def DoubleTensor(*args: Any) -> Tensor:
    """Legacy constructor of float64 tensors."""
    return Tensor(*args).double()


def LongTensor(*args: Any) -> Tensor:
    """Legacy constructor of int64 tensors."""
    if args and not all(isinstance(a, int) for a in args):
        return tensor(args[0], dtype=_dtypes.int64)
    return Tensor(*args).long()
