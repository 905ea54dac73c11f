"""Jupyter widgets that animate autograd: ``backward()`` step by step, and the forward pass.

    from autograd_lab.widgets import play_backward, BackwardPlayer, play_forward
    play_backward(y)                       # runs y.backward() and shows it
    with viz.record() as trace:            # several calls, shown one after another
        y.backward(retain_graph=True); y.backward()
    BackwardPlayer(y, trace=trace)
    play_forward(y)                        # the graph growing op by op

The players need ``anywidget`` (the ``widgets`` extra); it is imported on first use, so
``import autograd_lab.widgets`` stays cheap. Frames alone: ``frames.backward_frames``.
"""
from __future__ import annotations

from typing import Any

from .._install_hints import widgets_import_error

_PLAYER_NAMES = ("BackwardPlayer", "ForwardPlayer", "play_backward", "play_forward")


def __getattr__(name: str) -> Any:
    if name in _PLAYER_NAMES:
        try:
            from . import player
        except ModuleNotFoundError as error:
            raise widgets_import_error(error, "the backward and forward players need it") from error

        return getattr(player, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_PLAYER_NAMES)
