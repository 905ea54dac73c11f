"""``torch.backends``: which accelerated backends this build has (none: everything runs on the CPU)."""
from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
