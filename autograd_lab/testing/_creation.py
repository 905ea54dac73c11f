"""``make_tensor``: a random tensor for tests, drawn as PyTorch draws it (so the same seed gives the same values)."""
from __future__ import annotations

import collections.abc
import math
import warnings
from typing import Any

import numpy as np

from .. import _dtypes
from .._creation import empty
from .._random import randint
from .._tensor import Tensor

_INTEGRAL = (_dtypes.bool, _dtypes.uint8, _dtypes.int8, _dtypes.int16, _dtypes.int32, _dtypes.int64)


def make_tensor(*shape: Any, dtype: _dtypes.dtype, device: Any, low: float | None = None,
                high: float | None = None, requires_grad: bool = False, noncontiguous: bool = False,
                exclude_zero: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)``.

    Defaults: floats in [-9, 9), signed integers in [-9, 10), unsigned in [0, 10),
    bools either. Floats come from ``uniform_``, integers from ``randint``, as in PyTorch.
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = tuple(shape[0])
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
                         f"noncontiguous={noncontiguous} and memory_format={memory_format}")
    if memory_format is not None:
        raise NotImplementedError("autograd_lab has no memory formats, so make_tensor(memory_format=...) is not "
                                  "supported")
    if requires_grad and dtype in _INTEGRAL:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral dtypes, but got "
                         f"dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:  # twice as long in the last dimension, then every second element
        shape = (*shape[:-1], 2 * shape[-1])
    if dtype in _INTEGRAL:
        if dtype is _dtypes.bool:
            bounds = (0, 2, 0, 2)
        else:
            info = np.iinfo(dtype.numpy)
            bounds = (int(info.min), int(info.max) + (dtype is not _dtypes.int64), -9, 10)
        low, high = _bounds(low, high, dtype, *bounds)
        result = randint(low, high, shape, dtype=dtype)
    else:
        info = np.finfo(dtype.numpy)
        low, high = _bounds(low, high, dtype, float(info.min), float(info.max), -9, 9)
        result = empty(shape, dtype=dtype)
        if high - low >= float(info.max):  # uniform_ needs high - low to be representable
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = 1 if dtype in _INTEGRAL else float(np.finfo(dtype.numpy).tiny)
    if dtype not in _INTEGRAL:
        result.requires_grad = requires_grad
    return result


def _bounds(low: float | None, high: float | None, dtype: _dtypes.dtype, lowest: float, highest: float,
            default_low: float, default_high: float) -> tuple[Any, Any]:
    """``low``/``high`` (or the defaults) checked and clamped to the dtype's range, as PyTorch does."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(value, float) and math.isnan(value) for value in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype not in _INTEGRAL:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or complex types is deprecated "
                      "since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.", FutureWarning,
                      stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), but {dtype} only "
                         f"supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype in _INTEGRAL:
        return math.ceil(low), math.ceil(high)
    return low, high
