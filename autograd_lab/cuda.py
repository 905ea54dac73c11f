"""``torch.cuda`` on a machine without a GPU: the checks courses make, answered as a CPU-only PyTorch answers.

``is_available()`` is False and ``device_count()`` is 0; seeding is accepted and
does nothing; asking about a GPU itself raises PyTorch's AssertionError.
"""
from __future__ import annotations

from typing import Any, NoReturn

from ._device import NO_CUDA_MESSAGE


def is_available() -> bool:
    """False: there is no GPU here."""
    return False


def device_count() -> int:
    """0: there is no GPU here."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialised here."""
    return False


def manual_seed(seed: int) -> None:
    """Accepted and ignored, as a CPU-only PyTorch does (it seeds GPUs only)."""


def manual_seed_all(seed: int) -> None:
    """Accepted and ignored, as a CPU-only PyTorch does (it seeds GPUs only)."""


def empty_cache() -> None:
    """Nothing to free: there is no GPU memory here."""


def memory_allocated(device: Any = None) -> int:
    """0 bytes: there is no GPU memory here."""
    return 0


def _no_cuda(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError(NO_CUDA_MESSAGE)


current_device = get_device_name = get_device_properties = get_device_capability = synchronize = _no_cuda
