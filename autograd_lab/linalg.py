"""``torch.linalg``: norms, determinants, inverses and linear systems (see ``ops/matrices.py``)."""
from __future__ import annotations

from .ops.matrices import (LinAlgError, det, linalg_norm, matrix_norm, matrix_power, multi_dot, slogdet, solve,
                           vector_norm)
from .ops.matrices import inverse as inv
from .ops.products import linalg_cross as cross

norm = linalg_norm

__all__ = ["LinAlgError", "cross", "det", "inv", "matrix_norm", "matrix_power", "multi_dot", "norm", "slogdet", "solve",
           "vector_norm"]
