"""Finding the variable names students gave their tensors.

``find_names`` looks in the namespace of the code that called the graph view
(the notebook cell, or the function it ran in): tensors bound to a name, and
the parameters of ``nn.Module`` objects bound to a name (``model.0.weight``).
Names given explicitly with ``names={"x": x}`` win over found ones.
"""
from __future__ import annotations

import sys
from types import FrameType
from typing import Any, Mapping

from .._tensor import Tensor


def caller_frame() -> FrameType | None:
    """The innermost frame outside ``autograd_lab.viz``: where the user called us from."""
    frame = sys._getframe(1)
    viz_package = __name__.rsplit(".", 1)[0]
    while frame is not None and frame.f_globals.get("__name__", "").startswith(viz_package):
        frame = frame.f_back
    return frame


def names_in(namespace: Mapping[str, Any]) -> dict[int, tuple[str, Tensor]]:
    """``id(tensor) -> (name, tensor)`` for tensors and module parameters in ``namespace``."""
    from ..nn.modules import Module

    found: dict[int, tuple[str, Tensor]] = {}
    modules: list[tuple[str, Module]] = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if isinstance(value, Tensor):
            found.setdefault(id(value), (name, value))
        elif isinstance(value, Module):
            modules.append((name, value))
    for module_name, module in modules:
        for name, parameter in module.named_parameters(prefix=module_name):
            found.setdefault(id(parameter), (name, parameter))
    return found


def find_names(explicit: Mapping[str, Tensor] | None = None, frame: FrameType | None = None,
               search: bool = True) -> dict[int, tuple[str, Tensor]]:
    """Names for tensors: ``explicit`` first, then the caller's locals, then its globals."""
    found: dict[int, tuple[str, Tensor]] = {}
    for name, tensor in (explicit or {}).items():
        if isinstance(tensor, Tensor):
            found[id(tensor)] = (name, tensor)
    if search:
        frame = frame if frame is not None else caller_frame()
        if frame is not None:
            scopes = [frame.f_locals] if frame.f_locals is frame.f_globals else [frame.f_locals, frame.f_globals]
            for scope in scopes:
                for key, value in names_in(scope).items():
                    found.setdefault(key, value)
    return found
