"""Keep freed large NumPy buffers for reuse (glibc only).

Every op allocates a new array. glibc returns large freed blocks to the operating
system at once, so the next op of the same size page-faults its memory back in:
on a chain of 1 000 000-element ops that costs more than the arithmetic. Raising
glibc's mmap and trim thresholds keeps such blocks in the process for reuse.
Set ``AUTOGRAD_LAB_KEEP_FREED_MEMORY=0`` before importing to leave glibc as it is.
"""
from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 64 * 2**20
TRIM_THRESHOLD_BYTES = 256 * 2**20


def keep_freed_memory() -> bool:
    """Tune glibc's allocator as described above; True when it was done."""
    if os.environ.get("AUTOGRAD_LAB_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
