"""``torch.backends.mps``: Apple's GPU backend, which this build does not have."""
from __future__ import annotations


def is_available() -> bool:
    """False: there is no Apple GPU backend here."""
    return False


def is_built() -> bool:
    """False: this build has no Apple GPU backend."""
    return False
