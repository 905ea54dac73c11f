"""``a * b + c`` rounded once, in the arrays' floating dtype (what PyTorch's CPU kernels compute with FMA)."""
from __future__ import annotations

import numpy as np

from .._fma import fma32, fma64


def fused_multiply_add(a: np.ndarray | np.generic, b: np.ndarray | np.generic,
                       c: np.ndarray | np.generic) -> np.ndarray:
    """``a * b + c`` with a single rounding, in the dtype of the first array operand (float32 or float64;
    float16 goes through float32)."""
    dtype = next((v.dtype for v in (a, b, c) if isinstance(v, np.ndarray)), None) or np.result_type(a, b, c)
    if dtype == np.float64:
        return fma64(a, b, c)
    if dtype == np.float32:
        return fma32(a, b, c)
    return fma32(a, b, c).astype(dtype)
