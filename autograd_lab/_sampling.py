"""PyTorch's CPU sampling kernels: from raw 32/64-bit draws to numbers of each distribution.

Each function returns the values in the order PyTorch's kernel produces them (one
after the other, as its serial loop writes the tensor) and draws exactly what that
kernel draws, so the generator ends in the same state. The transforms:

* uniform in [from, to): float32 (and float16, computed in float32) keeps the low 24
  bits of one 32-bit draw, float64 the low 53 bits of a 64-bit draw (two 32-bit
  draws); times 2**-bits that is a multiple of the spacing in [0, 1), then
  ``x * (to - from) + from`` rounded once (a fused multiply-add); a result that
  rounds up to ``to`` is replaced by ``from``.
* normal: Box-Muller. Tensors of at least 16 contiguous elements take the vectorised
  fill (all uniforms first, then blocks of 16: ``u1`` from the first 8, ``u2`` from the
  last 8, cosine results first); a size that is not a multiple of 16 redoes the last
  16 elements with 16 fresh uniforms. Smaller or strided tensors go element by element
  through ``normal_distribution<double>``, which keeps the sine of each pair for the
  next element (even across calls, until the generator is reseeded).
* integers in [base, base + range): ``draw % range + base``, with one 32-bit draw below
  a range of 2**28 and one 64-bit draw from 2**28 on.
* bernoulli(p): ``uniform < p`` (a float64 uniform for a Python-number ``p``).
* exponential(lambda): ``-1 / lambda * log1p(-u)`` with a float64 uniform.
"""
from __future__ import annotations

import math

import numpy as np

from . import _avx_mathfun, _dtypes
from ._fma import fma32, fma64
from ._generator import Generator

MANTISSA_BITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}
NORMAL_FILL_BLOCK = 16
_CHUNK = 1 << 15  # uniforms transformed at a time: NumPy's temporaries then stay in the CPU cache
RANDOM64_RANGE = 1 << 28  # ranges from here on draw 64 bits per number
_TWO_PI = 2.0 * math.pi


def _unit(generator: Generator, count: int, dtype: np.dtype) -> np.ndarray:
    """``count`` uniforms in [0, 1): 53 bits for float64, 24 bits (float32) for the others."""
    if dtype == np.float64:
        return (generator.random64(count) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
    return (generator.random32(count) & np.uint32((1 << 24) - 1)).astype(np.float32) * np.float32(2.0 ** -24)


def uniform(generator: Generator, count: int, dtype: np.dtype, low: float, high: float) -> np.ndarray:
    """``count`` uniforms in [low, high) of ``dtype`` (``Tensor.uniform_``).

    float16 is computed in float32 and rounded; a value that rounds up to ``high``
    becomes ``low``, so ``high`` itself never appears.
    """
    precision = np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
    bottom, top = np.asarray(low).astype(precision), np.asarray(high).astype(precision)
    with generator.lock:
        x = _unit(generator, count, precision)
    if (low, high) == (0.0, 1.0) and dtype == precision:
        return x  # x < 1 always: nothing to scale, nothing rounds up to 1
    if (low, high) != (0.0, 1.0):
        x = fma64(x, top - bottom, bottom) if precision == np.float64 else fma32(x, top - bottom, bottom)
    values = x.astype(dtype)
    return np.where(values.astype(precision) == top, bottom.astype(dtype), values)


def normal(generator: Generator, count: int, dtype: np.dtype, mean: float, std: float,
           contiguous: bool) -> np.ndarray:
    """``count`` normal numbers of ``dtype`` (``Tensor.normal_``), by the path PyTorch takes."""
    if count >= NORMAL_FILL_BLOCK and contiguous:
        fill = {np.dtype(np.float32): _box_muller_float32, np.dtype(np.float64): _box_muller_float64}.get(dtype)
        if fill is None:
            raise NotImplementedError("autograd_lab draws normal numbers of 16 or more contiguous elements in "
                                      "float32 and float64 only")
        with generator.lock:
            uniforms = _unit(generator, count, dtype)
            out = np.empty(count, dtype=dtype)
            whole = count - count % NORMAL_FILL_BLOCK
            out[:whole] = fill(uniforms[:whole], mean, std)
            if whole != count:
                out[-NORMAL_FILL_BLOCK:] = fill(_unit(generator, NORMAL_FILL_BLOCK, dtype), mean, std)
        return out
    return _normal_one_by_one(generator, count, mean, std).astype(dtype)


def _scaled(values: np.ndarray, std: float, mean: float) -> np.ndarray:
    """``values * std + mean`` rounded once, in ``values``' precision (a plain sum when ``std`` is 1)."""
    number = values.dtype.type
    if std == 1.0:
        return values + number(mean)
    return fma64(values, std, mean) if values.dtype == np.float64 else fma32(values, number(std), number(mean))


def _box_muller_float32(uniforms: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Blocks of 16 float32 uniforms to normals, as the AVX kernel does (see ``_avx_mathfun``)."""
    out = np.empty_like(uniforms)
    for start in range(0, uniforms.size, _CHUNK):
        blocks = uniforms[start:start + _CHUNK].reshape(-1, 2, 8)
        radius = np.sqrt(np.float32(-2) * _avx_mathfun.log_ps(np.float32(1) - blocks[:, 0]))
        sine, cosine = _avx_mathfun.sincos_ps(np.float32(_TWO_PI) * blocks[:, 1])
        pairs = np.stack((radius * cosine, radius * sine), axis=1)
        out[start:start + _CHUNK] = _scaled(pairs, std, mean).reshape(-1)
    return out


def _map(function: object, values: np.ndarray) -> np.ndarray:
    """A C-library function applied to each float64 (NumPy's own may round differently)."""
    results = np.fromiter(map(function, values.ravel().tolist()), dtype=np.float64, count=values.size)
    return results.reshape(values.shape)


def _box_muller_float64(uniforms: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Blocks of 16 float64 uniforms to normals, as the scalar kernel does (C library log, cos, sin)."""
    blocks = uniforms.reshape(-1, 2, 8)
    radius = np.sqrt(-2.0 * _map(math.log, 1.0 - blocks[:, 0]))
    theta = _TWO_PI * blocks[:, 1]
    pairs = np.stack((radius * _map(math.cos, theta), radius * _map(math.sin, theta)), axis=1)
    return _scaled(pairs, std, mean).reshape(-1)


def _normal_one_by_one(generator: Generator, count: int, mean: float, std: float) -> np.ndarray:
    """``normal_distribution<double>``: pairs from two float64 uniforms, the sine kept for the next draw."""
    values = []
    with generator.lock:
        if count and generator.next_double_normal is not None:
            values.append(generator.next_double_normal)
            generator.next_double_normal = None
        fresh = count - len(values)
        pairs = (fresh + 1) // 2
        u = _unit(generator, 2 * pairs, np.dtype(np.float64)).reshape(pairs, 2)
        for u1, u2 in u.tolist():
            radius = math.sqrt(-2.0 * math.log1p(-u2))
            theta = _TWO_PI * u1
            values += (radius * math.cos(theta), radius * math.sin(theta))
        if fresh % 2:
            generator.next_double_normal = values.pop()
    return _scaled(np.array(values, dtype=np.float64), std, mean)


def random_from_to(generator: Generator, count: int, range_: int, base: int) -> np.ndarray:
    """``count`` integers in [base, base + range_) as int64 (``random_(from, to)``, ``randint``)."""
    with generator.lock:
        draws = generator.random64(count) if range_ >= RANDOM64_RANGE else generator.random32(count)
    return ((draws.astype(np.uint64) % np.uint64(range_)) + np.uint64(base % 2 ** 64)).view(np.int64)


def random_full_range(generator: Generator, count: int) -> np.ndarray:
    """``count`` int64 values over the whole int64 range (``random_(-2**63)``)."""
    return generator.random64(count).view(np.int64)


def random_default(generator: Generator, count: int, dtype: _dtypes.dtype) -> np.ndarray:
    """``random_()`` with no bounds: [0, max] for integers, [0, 2**mantissa] for floats, a bit for bool."""
    if dtype is _dtypes.bool:
        return (generator.random32(count) & np.uint32(1)).astype(np.bool_)
    if dtype.is_floating_point:
        modulus = (1 << MANTISSA_BITS[dtype.numpy]) + 1
    else:
        modulus = int(np.iinfo(dtype.numpy).max) + 1
    draws = generator.random64(count) if dtype in (_dtypes.int64, _dtypes.float64) else generator.random32(count)
    return (draws.astype(np.uint64) % np.uint64(modulus)).astype(dtype.numpy)


def bernoulli_scalar(generator: Generator, count: int, p: float) -> np.ndarray:
    """``count`` draws of ``uniform < p`` with float64 uniforms (``bernoulli_(p)``)."""
    with generator.lock:
        return _unit(generator, count, np.dtype(np.float64)) < p


def bernoulli_tensor(generator: Generator, p: np.ndarray) -> np.ndarray:
    """One draw per probability, in order: float64 uniforms for float64 ``p``, else float32 ones."""
    precision = np.dtype(np.float64) if p.dtype == np.float64 else np.dtype(np.float32)
    with generator.lock:
        return _unit(generator, p.size, precision) < p.astype(precision)


def exponential(generator: Generator, count: int, lambd: float) -> np.ndarray:
    """``count`` float64 values ``-1 / lambd * log1p(-u)`` (``exponential_``)."""
    with generator.lock:
        u = _unit(generator, count, np.dtype(np.float64))
    return (-1.0 / lambd) * _map(math.log1p, -u)


def randperm(generator: Generator, n: int) -> np.ndarray:
    """A permutation of 0..n-1 as int64, shuffled the way PyTorch's CPU ``randperm`` does.

    Below ``2**32 // 20`` elements: Fisher-Yates from the front, swapping element ``i``
    with ``i + draw % (n - i)`` (one 32-bit draw each); from there on the "inside-out"
    variant with 64-bit draws (``shuffle_inside_out``).
    """
    if n >= (2 ** 32 - 1) // 20:
        return shuffle_inside_out(generator, n)
    with generator.lock:
        offsets = generator.random32(max(n - 1, 0)).astype(np.int64) % np.arange(n, 1, -1, dtype=np.int64)
    order = list(range(n))
    for i, offset in enumerate(offsets.tolist()):
        j = i + offset
        order[i], order[j] = order[j], order[i]
    return np.array(order, dtype=np.int64)


def shuffle_inside_out(generator: Generator, n: int) -> np.ndarray:
    """PyTorch's permutation for very large ``n``: element ``i`` goes to ``z = draw64 % (i + 1)``, and
    what was at ``z`` moves to ``i``."""
    with generator.lock:
        draws = generator.random64(n)
    order = np.empty(n, dtype=np.int64)
    for i, draw in enumerate(draws.tolist()):
        z = draw % (i + 1)
        order[i] = order[z]
        order[z] = i
    return order
