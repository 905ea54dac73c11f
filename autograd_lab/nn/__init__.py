"""``torch.nn``: layers, containers, losses, ``Parameter``, and the ``functional``, ``init`` and ``utils`` modules."""
from . import functional, init, utils
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _module_names
from .parameter import Parameter

__all__ = [*_module_names, "Parameter", "functional", "init", "utils"]
