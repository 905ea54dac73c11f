"""Random tensors from one seeded generator: ``manual_seed(n)`` makes them reproducible."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._creation import _new, _shape
from ._tensor import Tensor

_generator = {"rng": np.random.default_rng(0)}


def manual_seed(seed: int) -> "Generator":
    """Seed the generator behind rand, randn, randint, randperm and nn's initialisation."""
    _generator["rng"] = np.random.default_rng(int(seed))
    return Generator()


def seed() -> int:
    """Reseed from the operating system's entropy and return the new seed."""
    new_seed = int(np.random.SeedSequence().entropy % (2**63))
    manual_seed(new_seed)
    return new_seed


class Generator:
    """Handle returned by ``manual_seed`` (kept for code that expects one)."""

    def manual_seed(self, seed: int) -> "Generator":
        return manual_seed(seed)


def rng() -> np.random.Generator:
    """The NumPy generator every random op draws from."""
    return _generator["rng"]


def rand(*size: Any, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Uniform random values in [0, 1)."""
    return _new(rng().random(_shape(size), dtype=np.float32), dtype, requires_grad)


def randn(*size: Any, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Standard normal random values."""
    return _new(rng().standard_normal(_shape(size), dtype=np.float32), dtype, requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """Random integers in [low, high) (int64)."""
    if high is None:
        low, high = 0, low
    return _new(rng().integers(low, high, size=_shape((size,)), dtype=np.int64), dtype, False)


def randperm(n: int, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    return _new(rng().permutation(n).astype(np.int64), dtype, False)


def rand_like(input: Tensor) -> Tensor:
    """Uniform random values shaped like ``input``."""
    return rand(*input.shape, dtype=input.dtype)


def randn_like(input: Tensor) -> Tensor:
    """Normal random values shaped like ``input``."""
    return randn(*input.shape, dtype=input.dtype)
