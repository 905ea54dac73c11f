"""Every differentiable op: each a ``Function`` with forward and backward side by side.

Each module lists its ``torch.<name>`` functions in ``__all__`` and marks the ones
that are also Tensor methods or operators with ``@tensor_method``; ``autograd_lab``
takes its namespace from here. Adding an op to a module touches only that module.
"""
from __future__ import annotations

from . import arithmetic, comparison, filling, linalg, reduction, selection, shape, softmax, unary

__all__ = [name for module in (arithmetic, comparison, filling, linalg, reduction, selection, shape, softmax, unary)
           for name in module.__all__]

from .arithmetic import *  # noqa: E402,F401,F403
from .comparison import *  # noqa: E402,F401,F403
from .filling import *  # noqa: E402,F401,F403
from .linalg import *  # noqa: E402,F401,F403
from .reduction import *  # noqa: E402,F401,F403
from .selection import *  # noqa: E402,F401,F403
from .shape import *  # noqa: E402,F401,F403
from .softmax import *  # noqa: E402,F401,F403  (the function softmax replaces the module's name here)
from .unary import *  # noqa: E402,F401,F403
