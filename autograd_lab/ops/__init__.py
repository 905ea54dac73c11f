"""Every differentiable op: each a ``Function`` with forward and backward side by side.

Each module lists its ``torch.<name>`` functions in ``__all__`` and marks the ones
that are also Tensor methods or operators with ``@tensor_method``; ``autograd_lab``
takes its namespace from here. Adding an op to a module touches only that module.
"""
from __future__ import annotations

from . import (arithmetic, arrangements, comparison, counting, einsum, elementary, filling, gamma, indexing, inplace,
               linalg, matrices, order_statistics, pointwise, products, rearrange, reduction, rounding, scatter,
               selection, shape, softmax, sorting, statistics, unary)

_MODULES = (arithmetic, arrangements, comparison, counting, einsum, elementary, filling, gamma, indexing, inplace,
            linalg, matrices, order_statistics, pointwise, products, rearrange, reduction, rounding, scatter,
            selection, shape, softmax, sorting, statistics, unary)
__all__ = sorted({name for module in _MODULES for name in module.__all__})

from .arithmetic import *  # noqa: E402,F401,F403
from .arrangements import *  # noqa: E402,F401,F403
from .comparison import *  # noqa: E402,F401,F403
from .counting import *  # noqa: E402,F401,F403
from .einsum import *  # noqa: E402,F401,F403  (the function einsum replaces the module's name here)
from .elementary import *  # noqa: E402,F401,F403
from .filling import *  # noqa: E402,F401,F403
from .gamma import *  # noqa: E402,F401,F403
from .indexing import *  # noqa: E402,F401,F403
from .inplace import *  # noqa: E402,F401,F403
from .linalg import *  # noqa: E402,F401,F403
from .matrices import *  # noqa: E402,F401,F403
from .order_statistics import *  # noqa: E402,F401,F403
from .pointwise import *  # noqa: E402,F401,F403
from .products import *  # noqa: E402,F401,F403
from .rearrange import *  # noqa: E402,F401,F403
from .reduction import *  # noqa: E402,F401,F403
from .rounding import *  # noqa: E402,F401,F403
from .scatter import *  # noqa: E402,F401,F403
from .selection import *  # noqa: E402,F401,F403
from .shape import *  # noqa: E402,F401,F403
from .softmax import *  # noqa: E402,F401,F403  (the function softmax replaces the module's name here)
from .sorting import *  # noqa: E402,F401,F403
from .statistics import *  # noqa: E402,F401,F403
from .unary import *  # noqa: E402,F401,F403
from .outputs import *  # noqa: E402,F401,F403  (last: torch.matmul and friends that also take out=)
