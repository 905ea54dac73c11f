"""The float32 logarithm, sine and cosine of PyTorch's vectorised normal fill, step by step.

On x86 CPUs with AVX2 (and AVX-512), ``randn`` in float32 runs Box-Muller on blocks of
16 numbers with the Cephes-style polynomials of ``avx_mathfun.h``, not with the C
library. Every step rounds to float32, and the compiler fuses a multiply feeding an
add into one FMA; both are reproduced here so the results agree bit for bit.

The fused steps are rounded from float64 (the product of two float32 values is exact
there). That differs from a true FMA only when the float64 sum lands exactly halfway
between two float32 values; the test suite checks every input the normal fill can
produce (the 2**24 possible uniforms) against the exact ``_fma.fma32``.
"""
from __future__ import annotations

import numpy as np

_F32 = np.float32

_SQRT_HALF = _F32(0.707106781186547524)
_LOG_POLYNOMIAL = tuple(_F32(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
                                          1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1,
                                          3.3333331174e-1))
_LOG2_LOW, _LOG2_HIGH = _F32(-2.12194440e-4), _F32(0.693359375)  # ln 2 split so e * _LOG2_HIGH is exact

_FOUR_OVER_PI = _F32(1.27323954473516)
_PI_OVER_4_PARTS = (_F32(-0.78515625), _F32(-2.4187564849853515625e-4), _F32(-3.77489497744594108e-8))
_COS_POLYNOMIAL = (_F32(2.443315711809948e-5), _F32(-1.388731625493765e-3), _F32(4.166664568298827e-2))
_SIN_POLYNOMIAL = (_F32(-1.9515295891e-4), _F32(8.3321608736e-3), _F32(-1.6666654611e-1))


def _fused(a: np.ndarray, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """``a * b + c`` rounded once to float32 (see the module docstring for why float64 suffices)."""
    wide = a.astype(np.float64)
    wide *= b
    wide += c
    return wide.astype(_F32)


def log_ps(x: np.ndarray) -> np.ndarray:
    """Natural logarithm of positive normal float32 values, as ``log256_ps`` computes it.

    ``x = m * 2**e`` with ``m`` in [0.5, 1); below sqrt(1/2) the mantissa is doubled
    and ``e`` lowered, so ``m - 1`` stays in [-0.29, 0.41] where a degree-9 polynomial
    in ``m - 1`` gives ``log(m)``; ``e * ln 2`` is added in two parts.
    """
    bits = x.view(np.int32)
    exponent = ((bits >> 23) - 126).astype(_F32)
    mantissa = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)
    small = mantissa < _SQRT_HALF
    exponent = exponent - small.astype(_F32)
    m = (mantissa - _F32(1)) + np.where(small, mantissa, _F32(0))
    z = m * m
    y = np.full_like(m, _LOG_POLYNOMIAL[0])
    for coefficient in _LOG_POLYNOMIAL[1:]:
        y = _fused(y, m, coefficient)
    y = _fused(y * m, z, exponent * _LOG2_LOW)
    y = _fused(z, _F32(-0.5), y)
    return _fused(exponent, _LOG2_HIGH, m + y)


def sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of float32 values, as ``sincos256_ps`` computes them.

    ``|x|`` is reduced by the nearest even multiple ``j`` of pi/4 (pi/4 subtracted in
    three exact parts); on [-pi/4, pi/4] one polynomial gives the sine and one the
    cosine, and ``j`` picks which one is which and the signs.
    """
    negative = np.signbit(x)
    x = np.abs(x)
    octant = ((x * _FOUR_OVER_PI).astype(np.int32) + 1) & ~1
    y = octant.astype(_F32)
    for part in _PI_OVER_4_PARTS:
        x = _fused(y, part, x)
    z = x * x
    cosine = _fused(np.full_like(z, _COS_POLYNOMIAL[0]), z, _COS_POLYNOMIAL[1])
    cosine = _fused(cosine, z, _COS_POLYNOMIAL[2])
    cosine = _fused(cosine * z, z, -(z * _F32(0.5))) + _F32(1)
    sine = _fused(np.full_like(z, _SIN_POLYNOMIAL[0]), z, _SIN_POLYNOMIAL[1])
    sine = _fused(sine, z, _SIN_POLYNOMIAL[2])
    sine = _fused(sine * z, x, x)
    swapped = (octant & 2) != 0
    sin_x = np.where(swapped, cosine, sine)
    cos_x = np.where(swapped, sine, cosine)
    sin_negative = negative ^ ((octant & 4) != 0)
    cos_negative = ((octant - 2) & 4) == 0
    return np.where(sin_negative, -sin_x, sin_x), np.where(cos_negative, -cos_x, cos_x)
