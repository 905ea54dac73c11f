"""``torch.finfo`` and ``torch.iinfo``: the limits of a floating point or integer dtype."""
from __future__ import annotations

import math

import numpy as np

from . import _dtypes


class _TypeInfo:
    """Equal when they describe the same dtype."""

    dtype: str

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.dtype == self.dtype  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.dtype))


class finfo(_TypeInfo):
    """Machine limits of a floating point dtype (the default dtype when none is given)."""

    def __init__(self, type: _dtypes.dtype | None = None) -> None:  # noqa: A002 - PyTorch's parameter name
        type = _dtypes.get_default_dtype() if type is None else type
        if not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(type.numpy)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = type.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo(_TypeInfo):
    """Machine limits of an integer dtype."""

    def __init__(self, type: _dtypes.dtype) -> None:  # noqa: A002 - PyTorch's parameter name
        if type is _dtypes.bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.iinfo'")
        info = np.iinfo(type.numpy)
        self.bits = info.bits
        self.min = int(info.min)
        self.max = int(info.max)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
