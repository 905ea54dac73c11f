"""``torch.Generator``: PyTorch's CPU generator, its seed handling and its saved-state layout.

A generator is an MT19937 engine plus one cached normal sample (Box-Muller makes two
numbers; the element-by-element normal path keeps the second for the next call).
``get_state()`` returns PyTorch's 5056-byte layout, so a state saved by PyTorch
restores the same stream here and the other way round.
"""
from __future__ import annotations

import numbers
import os
import threading
from typing import Any

import numpy as np

from . import _dtypes
from ._mt19937 import MT19937, STATE_WORDS
from ._tensor import Tensor

DEFAULT_SEED = 67280421310721  # the seed of a new torch.Generator()

# PyTorch's CPUGeneratorImplState, padding included (it is zeroed).
STATE_LAYOUT = np.dtype([
    ("the_initial_seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"),
    ("state", "<u8", (STATE_WORDS,)),
    ("normal_x", "<f8"), ("normal_y", "<f8"), ("normal_rho", "<f8"), ("normal_is_valid", "<i4"), ("pad", "<i4"),
    ("next_float_normal_sample", "<f4"), ("is_next_float_normal_sample_valid", "u1"), ("pad_end", "u1", (3,)),
])
assert STATE_LAYOUT.itemsize == 5056

_CUDA_MESSAGE = (
    "Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into two shared libraries: a "
    "CPU library and a CUDA library; this error has occurred because you are trying to use some CUDA "
    "functionality, but the CUDA library has not been loaded by the dynamic linker for some reason.  The CUDA "
    "library MUST be loaded, EVEN IF you don't directly use any symbols from the CUDA library! One common culprit "
    "is a lack of -Wl,--no-as-needed in your link arguments; many dynamic linkers will delete dynamic library "
    "dependencies if you don't depend on any of their symbols.  You can check if this has occurred by using ldd on "
    "your binary to see if there is a dependency on *_cuda.so library.")


def _nondeterministic_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


def _unsigned_seed(seed: Any) -> int:
    """A seed as PyTorch stores it: any int from -2**63 to 2**64 - 1, negatives taken modulo 2**64."""
    if not isinstance(seed, numbers.Integral):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64


class Generator:
    """A source of random numbers with its own state (``torch.Generator()``).

    Pass it as ``generator=`` to any random function to draw from it instead of the
    global generator; ``manual_seed(n)`` makes its numbers reproducible.
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) not in ("cpu", "cpu:0"):
            raise RuntimeError(_CUDA_MESSAGE)
        self._engine = MT19937(DEFAULT_SEED)
        self.lock = threading.RLock()  # held by a kernel for all of its draws, as in PyTorch
        self.next_double_normal: float | None = None
        self.next_float_normal: float | None = None

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed``; returns the generator."""
        seed = _unsigned_seed(seed)
        with self.lock:
            self._engine.reseed(seed)
            self.next_double_normal = self.next_float_normal = None
        return self

    def seed(self) -> int:
        """Restart from a fresh non-deterministic seed and return it."""
        seed = _nondeterministic_seed()
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the current stream started from."""
        return self._engine.seed

    def get_state(self) -> Tensor:
        """The whole state as a uint8 tensor of 5056 bytes (PyTorch's layout)."""
        record = np.zeros((), dtype=STATE_LAYOUT)
        with self.lock:
            engine = self._engine
            record["the_initial_seed"], record["left"], record["seeded"] = engine.seed, engine.left, engine.seeded
            record["next"], record["state"] = engine.next, engine.words
            if self.next_double_normal is not None:
                record["normal_y"], record["normal_is_valid"] = self.next_double_normal, 1
            if self.next_float_normal is not None:
                record["next_float_normal_sample"] = self.next_float_normal
                record["is_next_float_normal_sample_valid"] = 1
        return Tensor._wrap(np.frombuffer(record.tobytes(), dtype=np.uint8).copy())

    def set_state(self, new_state: Tensor) -> "Generator":
        """Continue from a state returned by ``get_state`` (here or in PyTorch); returns the generator."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state.numel() != STATE_LAYOUT.itemsize:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_LAYOUT.itemsize} but found the "
                               f"input RNG state size to be {new_state.numel()}")
        record = np.frombuffer(np.ascontiguousarray(new_state._data).tobytes(), dtype=STATE_LAYOUT)[0]
        with self.lock:
            self._engine.load(int(record["the_initial_seed"]), int(record["left"]),
                              int(record["next"]) & 0xFFFFFFFF, bool(record["seeded"]),
                              (record["state"] & 0xFFFFFFFF).astype(np.uint32))
            self.next_double_normal = float(record["normal_y"]) if record["normal_is_valid"] else None
            self.next_float_normal = float(record["next_float_normal_sample"]) \
                if record["is_next_float_normal_sample_valid"] else None
        return self

    # -- draws (the kernels in _sampling call these) -------------------------------------

    def random32(self, count: int) -> np.ndarray:
        """``count`` raw 32-bit draws."""
        with self.lock:
            return self._engine.draw32(count)

    def random64(self, count: int) -> np.ndarray:
        """``count`` 64-bit values, each from two draws."""
        with self.lock:
            return self._engine.draw64(count)


default_generator = Generator()
default_generator.manual_seed(_nondeterministic_seed())


def resolve(generator: Generator | None) -> Generator:
    """The generator a random function draws from: the one passed, else the global one."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


def manual_seed(seed: Any) -> Generator:
    """Seed the global generator (``int(seed)``: -2**63 to 2**64 - 1) and return it."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the global generator non-deterministically and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator's stream started from."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The global generator's state (a uint8 tensor, PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the global generator from ``get_rng_state()``'s result."""
    default_generator.set_state(new_state)
