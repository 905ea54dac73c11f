"""``torch.accelerator``: the device-agnostic accelerator API; there is no accelerator here."""
from __future__ import annotations

from typing import Any

from ._device import NO_ACCELERATOR_MESSAGE, device


def is_available() -> bool:
    """False: only the CPU is here."""
    return False


def device_count() -> int:
    """0: only the CPU is here."""
    return 0


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator."""
    return None


def current_device_index() -> int:
    """Raises as PyTorch does without an accelerator."""
    raise RuntimeError(NO_ACCELERATOR_MESSAGE)


def synchronize(device: Any = None) -> None:
    """Raises as PyTorch does without an accelerator."""
    raise RuntimeError(NO_ACCELERATOR_MESSAGE)
