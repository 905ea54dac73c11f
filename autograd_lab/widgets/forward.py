"""Forward mode: the graph growing op by op, in the order the ops were recorded.

Every backward node gets a sequence number when its op runs, so sorting a
finished graph's nodes by it replays how the forward pass built the graph. A
frame's ``show`` lists the nodes that appear at that op: the op's node, the
leaves and constants it was first to use, the named tensors it made.
"""
from __future__ import annotations

from typing import Any

from .frames import Frame
from .layout import LiveGraph, is_accumulate


def forward_frames(shown: LiveGraph) -> list[Frame]:
    """One frame per recorded op, plus the empty start."""
    graph = shown.graph
    order = sorted((node for node in shown.nodes if not is_accumulate(node)), key=lambda n: n.sequence_nr)
    visible: set[str] = set()
    frames: list[Frame] = [_frame(0, "Before the first operation: tensors exist, but no graph has been "
                                     "recorded yet. Step forward to watch each op add its node.", None, [])]
    for number, node in enumerate(order, start=1):
        fid = shown.node_ids[id(node)]
        function = graph.node(fid)
        new = [fid]
        inputs = []
        for edge in graph.edges_into(fid):
            source = graph.node(edge.source)
            variable = getattr(source, "variable", None)
            if variable is not None:
                new += [i for i in (edge.source, variable) if i not in visible and i not in new]
                inputs.append(f"input {edge.input_slot} ← {graph.node(variable).title} (leaf, through AccumulateGrad)")
            elif edge.kind == "constant":
                new.append(edge.source)
                inputs.append(f"input {edge.input_slot} ← a constant (no grad: nothing will flow back)")
            else:
                inputs.append(f"input {edge.input_slot} ← the result of {source.name}")  # type: ignore[union-attr]
        for edge in graph.edges:
            if edge.source == fid and edge.kind in ("output", "intermediate") and edge.target not in visible:
                new.append(edge.target)
        visible.update(new)
        made = f", making {', '.join(function.produces)}" if getattr(function, "produces", None) else ""
        saved = [f"{s.name} ({s.role})" if s.name else s.role for s in getattr(function, "saved", [])]
        caption = (f"Op {number} of {len(order)}: the forward pass recorded {function.name}{made}. "  # type: ignore
                   f"{'; '.join(inputs)}." + (f" Saved for backward: {', '.join(saved)}." if saved else ""))
        frames.append(_frame(number, caption, fid, new))
    return frames


def _frame(number: int, caption: str, active: str | None, show: list[str]) -> dict[str, Any]:
    return {"call": number, "kind": "forward", "active": active, "reset": False, "edges": {}, "hot": [],
            "grads": {}, "freed": [], "caption": caption, "error": None, "show": show}
