"""Fused multiply-add (``a * b + c`` rounded once) for NumPy arrays.

PyTorch's CPU kernels are compiled with FMA contraction, so ``x * (to - from) + from``
and ``value * std + mean`` are rounded once, not twice. NumPy has no FMA ufunc; these
helpers compute the exact result's rounding with ordinary float64 arithmetic.
"""
from __future__ import annotations

import numpy as np

_F32_MIDPOINT_BITS = np.int64(1 << 28)  # a float64 whose low 29 mantissa bits are 100..0 sits halfway
_LOW_29_BITS = np.int64((1 << 29) - 1)  # between two float32 values
_SPLITTER = 134217729.0  # 2**27 + 1, Veltkamp's constant for float64


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``s + e == a + b`` exactly, with ``s`` the rounded sum (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_to_odd(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``s`` moved one unit towards ``e`` where it is inexact and even: rounding that then rounds correctly."""
    bits = s.view(np.int64)
    inexact_even = (e != 0) & ((bits & 1) == 0)
    toward = np.where(np.signbit(e) == np.signbit(s), 1, -1)
    return np.where(inexact_even, bits + toward, bits).view(np.float64)


def fma32(a: np.ndarray | float, b: np.ndarray | float, c: np.ndarray | float) -> np.ndarray:
    """``a * b + c`` of float32 values, rounded once to float32.

    The product of two float32 values is exact in float64; the float64 sum is then
    rounded twice only where it lands exactly halfway between two float32 values,
    and those few elements are recomputed exactly.
    """
    a, b, c = (_as_float32(v) for v in (a, b, c))
    product = np.multiply(a, b, dtype=np.float64)
    total = np.asarray(np.add(product, c, dtype=np.float64))
    if not ((total.view(np.int64) & _LOW_29_BITS) == _F32_MIDPOINT_BITS).any() and \
            not (total.size and np.abs(total).min() < 2.0 ** -126):
        return total.astype(np.float32)  # the common case, checked with as few NumPy calls as possible
    halfway = ((total.view(np.int64) & _LOW_29_BITS) == _F32_MIDPOINT_BITS) | (np.abs(total) < 2.0 ** -126)
    exact, error = _two_sum(np.broadcast_to(product, total.shape)[halfway],
                            np.broadcast_to(np.asarray(c, dtype=np.float64), total.shape)[halfway])
    total[halfway] = _round_to_odd(exact, error)
    return total.astype(np.float32)


def _as_float32(value: np.ndarray | float) -> np.ndarray | np.float32:
    """``value`` as float32 (arrays already in float32 are used as they are)."""
    if getattr(value, "dtype", None) == np.float32:
        return value
    return np.asarray(value, dtype=np.float32)


def fma64(a: np.ndarray | float, b: np.ndarray | float, c: np.ndarray | float) -> np.ndarray:
    """``a * b + c`` of float64 values, rounded once (Boldo and Melquiond's emulation).

    The product is split exactly into ``high + low`` (Dekker), ``c + high`` into
    ``sum + tail``; adding ``tail + low`` with round-to-odd and then ``sum`` gives
    the correctly rounded result.
    """
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    high = a * b
    a_split, b_split = a * _SPLITTER, b * _SPLITTER
    a_high = a_split - (a_split - a)
    b_high = b_split - (b_split - b)
    a_low, b_low = a - a_high, b - b_high
    low = ((a_high * b_high - high) + a_high * b_low + a_low * b_high) + a_low * b_low
    total, tail = _two_sum(c, high)
    middle, error = _two_sum(tail, low)
    return total + _round_to_odd(middle, error)
