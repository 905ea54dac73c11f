"""The anywidget players: the graph laid out once, frames stepped in the browser.

Synced once: ``svg`` (the layout), ``graph`` (node and edge facts for the
inspector) and ``frames``. Stepping happens in the browser without asking the
kernel; ``frame`` is an int the kernel may set to jump (the browser does not
write it back, so stepping sends no messages).
"""
from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any, Mapping

import anywidget
import traitlets

from .._tensor import Tensor
from ..autograd.events import BackwardStarted, listening
from ..viz.trace import BackwardRecorder
from .forward import forward_frames
from .frames import (Call, CallRaised, backward_frames, label_widths, mark_folded_steps, outputs_of, split_calls,
                     values_at_start)
from ..viz.assets import asset, compact_css, compact_script
from ..viz.dot import short_value
from ..viz.fold import FOLD_AT, fold as fold_loops
from .layout import LiveGraph, caller_names, drawing_model, live_graph, node_table, render

HERE = Path(__file__).parent


def player_module() -> str:
    """The player's ES module: the graph helpers shared with viz.draw, the camera, then the player itself."""
    parts = [asset("graph_view.js"), *((HERE / name).read_text(encoding="utf-8") for name in ("camera.js", "player.js"))]
    return compact_script("\n".join(parts))


def player_css() -> str:
    """The player's styles (applied inside its shadow root, so the page's CSS cannot reach them)."""
    return compact_css(asset("graph.css") + "\n" + (HERE / "player.css").read_text(encoding="utf-8"))


class _Player(anywidget.AnyWidget):
    _esm = player_module()

    css = traitlets.Unicode("").tag(sync=True)
    mode = traitlets.Unicode("backward").tag(sync=True)
    svg = traitlets.Unicode("").tag(sync=True)
    graph = traitlets.Dict().tag(sync=True)
    frames = traitlets.List().tag(sync=True)
    calls = traitlets.Int(0).tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(css=player_css(), **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.title}, {len(self.frames)} steps>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, plus a static picture for pages that cannot run it (untrusted notebooks, GitHub)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data["text/html"] = fallback_html(self)
        return data, metadata

    def _show(self, live: Any, frames: list[dict[str, Any]], direction: str, large_at: int | None,
              values: dict[str, str] | None = None) -> None:
        fold_at = FOLD_AT if self._fold else 10**9
        for tensor in live.graph.tensors:
            if values and tensor.id in values:
                tensor.data = values[tensor.id]
        grads, edges = label_widths(frames)
        folding = fold_loops(drawing_model(live.graph, grads, edges), fold_at)
        for block in folding.blocks:
            mark_folded_steps(frames, folding.members, block)
        self.svg = render(folding.graph, direction=direction, large_at=large_at)
        self.graph = {**node_table(live.graph), "alias": {**folding.nodes, **folding.edges},
                      "blocks": folding.blocks}
        self.frames = frames
        self.frame = 0


class BackwardPlayer(_Player):
    """Step through backward() as the engine ran it.

    ``BackwardPlayer(y)`` runs ``y.backward(gradient, retain_graph=...)`` and shows it;
    ``BackwardPlayer(trace=t)`` (or ``BackwardPlayer(y, trace=t)``) shows every call
    recorded by ``with viz.record() as t:``. Errors from backward() appear in the widget.
    A big graph's unrolled loop is drawn once and played as one step that can be opened
    (``fold=False`` draws and plays every node).
    """

    def __init__(self, *outputs: Tensor, trace: Any = None, gradient: Tensor | None = None,
                 retain_graph: bool | None = None, names: Mapping[str, Tensor] | None = None,
                 direction: str = "auto", large_at: int | None = None, speed: float = 1.0, fold: bool = True) -> None:
        super().__init__(speed=speed, mode="backward")
        self._fold = fold
        self._names = caller_names(names)
        self._direction, self._large_at = direction, large_at
        self._events: list[Any] = []
        self._live: LiveGraph | None = None
        if trace is None:
            if len(outputs) != 1:
                raise TypeError("give one output to run backward() on, or trace= from viz.record()")
            self._live = live_graph(list(outputs), self._names)  # before backward() frees the saved tensors
            _run_backward(outputs[0], gradient, retain_graph, self._events)
        else:
            self._events.extend(getattr(trace, "events", trace))
        self._outputs = list(outputs)
        self._refresh()

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None) -> "BackwardPlayer":
        """Run one more backward() on the first output and add it to the player (errors shown, not raised)."""
        calls = split_calls(self._events)
        output = self._outputs[0] if self._outputs else calls[0].roots[0]
        first_new = len(self.frames)
        _run_backward(output, gradient, retain_graph, self._events)
        self._refresh()
        self.frame = min(first_new, len(self.frames) - 1)
        return self

    def _refresh(self) -> None:
        calls: list[Call] = split_calls(self._events)
        outputs = self._outputs or outputs_of(calls)
        if not outputs:
            raise ValueError("nothing to show: the trace holds no backward() call")
        live = self._live
        if live is None or len(live.outputs) != len(outputs) or any(a is not b for a, b in zip(live.outputs, outputs)):
            live = live_graph(outputs, self._names)
        frames = backward_frames(live, calls)
        self.calls = len(calls)
        self.title = f"backward() on {', '.join(live.graph.node(o).title for o in live.graph.outputs)}"
        self._show(live, frames, self._direction, self._large_at, values_at_start(live, calls))


class ForwardPlayer(_Player):
    """Watch the forward pass record the graph of ``outputs``, one op at a time."""

    def __init__(self, *outputs: Tensor, names: Mapping[str, Tensor] | None = None, direction: str = "auto",
                 large_at: int | None = None, speed: float = 1.0, fold: bool = True) -> None:
        super().__init__(speed=speed, mode="forward")
        self._fold = fold
        if not outputs:
            raise TypeError("ForwardPlayer needs at least one tensor")
        live = live_graph(list(outputs), caller_names(names))
        frames = forward_frames(live)
        self.title = f"forward pass building {', '.join(live.graph.node(o).title for o in live.graph.outputs)}"
        self._show(live, frames, direction, large_at)


def fallback_html(player: _Player) -> str:
    """The first step's picture and every caption, for a page that shows the output without running it."""
    from ..viz.drawing import svg_data_uri

    first = player.frames[0] if player.frames else {"grads": {}}
    svg = re.sub(r">grad [^<]*</text>", "></text>", player.svg)
    for node_id, (_, value) in first["grads"].items():
        svg = re.sub(rf'(<g id="{re.escape(node_id)}" class="node[^"]*">.*?>)grad: [^<]*(</text>)',
                     lambda m, v=value: f"{m.group(1)}grad: {escape(short_value(v, 22, True) or '')}{m.group(2)}",
                     svg, count=1, flags=re.S)
    steps = "".join(f"<li>{escape(frame['caption'])}</li>" for frame in player.frames)
    what = "step through backward()" if player.mode == "backward" else "watch the graph grow"
    return (f'<div class="agl-player-fallback" style="border:1px solid #c8c8c8;border-radius:6px;padding:8px;'
            f'max-width:100%;overflow-x:auto"><p><b>{escape(player.title)}</b>: {len(player.frames)} steps. '
            f"Run this cell (or trust the notebook) to {what} here.</p>"
            f'<img src="{escape(svg_data_uri(svg), quote=True)}" alt="graph of {escape(player.title)}" '
            f'style="max-width:100%;height:auto"><details><summary>All {len(player.frames)} steps in words'
            f"</summary><ol>{steps}</ol></details></div>")


def _run_backward(output: Tensor, gradient: Tensor | None, retain_graph: bool | None, sink: list[Any]) -> None:
    recorder = BackwardRecorder()
    with listening(recorder):
        try:
            output.backward(gradient, retain_graph=retain_graph)
        except Exception as error:  # shown in the widget, as PyTorch's message
            if not any(isinstance(e, BackwardStarted) for e in recorder.events):
                recorder.events.append(CallRaised((output,), error))
    sink.extend(recorder.events)


def play_backward(output: Tensor, gradient: Tensor | None = None, retain_graph: bool | None = None,
                  **options: Any) -> BackwardPlayer:
    """``output.backward(gradient, retain_graph=...)``, recorded and shown step by step."""
    return BackwardPlayer(output, gradient=gradient, retain_graph=retain_graph, **options)


def play_forward(*outputs: Tensor, **options: Any) -> ForwardPlayer:
    """Show how the forward pass recorded the graph of ``outputs``, op by op."""
    return ForwardPlayer(*outputs, **options)


__all__ = ["BackwardPlayer", "ForwardPlayer", "play_backward", "play_forward"]
