"""``torch.backends.cuda``: the CUDA backend, which this build does not have."""
from __future__ import annotations


def is_built() -> bool:
    """False: this build has no CUDA backend."""
    return False
