"""Opt-in: keep freed large NumPy buffers in the process for reuse (glibc only).

Every op allocates a new array. glibc hands large freed blocks back to the
operating system at once, so the next op of the same size page-faults its memory
back in: on a chain of 1 000 000-element ops that costs more than the arithmetic.
Raising glibc's mmap and trim thresholds keeps such blocks for reuse, at a price:
the whole process then holds on to freed memory (hundreds of MiB after large
arrays are gone), which gets kernels killed on a JupyterHub with memory limits.
That is why importing autograd_lab never does it; call ``keep_freed_memory()``.
"""
from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 64 * 2**20
TRIM_THRESHOLD_BYTES = 256 * 2**20


def keep_freed_memory() -> bool:
    """Make glibc keep freed blocks of up to 64 MiB for reuse, for the rest of the process.

    Faster large-tensor code (no page faults for every new array) in exchange for
    a process that stays as large as its peak. Affects everything in the process,
    not only autograd_lab, and cannot be undone. Returns True when glibc took the
    settings, False elsewhere (macOS, Windows, musl).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
