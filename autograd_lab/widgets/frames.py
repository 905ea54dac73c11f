"""Recorded backward events -> the frames the player steps through.

A frame is plain JSON and says only what changes at that step; the browser folds
frames 0..k to show step k:

``call``     which backward call (0 before the first)
``kind``     "initial", "between", "start", "visit", "finish" or "error"
``active``   the node being processed (or None)
``reset``    True at a call's start: values on edges and visited marks are cleared
``edges``    edge id -> the gradient it now carries (full text)
``hot``      edges the gradient travels at this step
``grads``    tensor node id -> [.grad before or None, .grad after] (texts)
``freed``    function nodes whose saved tensors were released at this step
``caption``  what happens, in words, with the recorded numbers
``error``    the error text when a call failed
``block``    (steps inside a folded loop only) the loop's id; the player plays each run of them as one
``summary``  (the last step of such a run) the caption of that one step

Every number is a copy taken when it happened: a gradient from an event, or a
``.grad`` / leaf value from the ``StateAtStart`` the recorder takes as each call
starts. Nothing is recomputed here, and nothing is read from a live tensor.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from .._tensor import Tensor
from ..autograd import events as ev
from ..viz.dot import GRAD_LABEL_LIMIT, short_value
from ..viz.graph import describe_array
from ..viz.trace import SavedAtVisit, StateAtStart
from .captions import rule_sentence
from .layout import LiveGraph, edge_id, live_graph, one_line

Frame = dict[str, Any]


@dataclass(frozen=True)
class CallRaised:
    """A backward() that raised before the engine started (so it reported nothing)."""

    roots: tuple[Tensor, ...]
    error: BaseException


@dataclass
class Call:
    """The events of one backward() call."""

    events: list[Any] = field(default_factory=list)
    roots: tuple[Tensor, ...] = ()
    error: BaseException | None = None
    state: StateAtStart | None = None


def split_calls(recorded: Iterable[Any]) -> list[Call]:
    """Group events by backward call, in order."""
    calls: list[Call] = []
    current: Call | None = None
    for event in recorded:
        if isinstance(event, CallRaised):
            calls.append(Call([], event.roots, event.error))
            current = None
        elif isinstance(event, ev.BackwardStarted):
            current = Call([event], event.roots)
            calls.append(current)
        elif isinstance(event, StateAtStart):
            if current is not None:
                current.state = event
        elif current is not None:
            current.events.append(event)
            if isinstance(event, ev.BackwardFailed):
                current.error = event.error
            if isinstance(event, (ev.BackwardFinished, ev.BackwardFailed)):
                current = None
    return calls


def outputs_of(calls: Sequence[Call]) -> list[Tensor]:
    """The tensors to draw for these calls: each distinct root whose graph is not drawn yet."""
    outputs: list[Tensor] = []
    seen: set[int] = set()
    signature: list[tuple[str, str]] | None = None
    for call in calls:
        for root in call.roots:
            if id(root) in seen or (root.grad_fn is not None and id(root.grad_fn) in seen):
                continue
            if outputs and root.grad_fn is not None:
                own = live_graph([root]).signature()
                if len(outputs) == 1 and own == signature:
                    continue
            outputs.append(root)
            seen.add(id(root))
            shown = live_graph(outputs)
            seen.update(shown.node_ids)
            signature = shown.signature()
    return outputs


def text(array: np.ndarray | None) -> str:
    """A recorded value as the player shows it ("None" when there is none)."""
    return "None" if array is None else describe_array(array) or ""


def inline(array: np.ndarray | None) -> str:
    """A recorded value on one line, for captions."""
    return one_line(text(array))


class _Frames:
    def __init__(self, shown: LiveGraph, calls: Sequence[Call]) -> None:
        self.shown = shown
        self.graph = shown.graph
        self.calls = calls
        self.frames: list[Frame] = []
        self.known: dict[str, str] = {}
        self.edge_kinds = {edge_id(e.source, e.target, e.input_slot): e for e in self.graph.edges}

    def title(self, node_id: str) -> str:
        node = self.graph.node(node_id)
        if hasattr(node, "variable"):
            if node.variable is not None:
                return f"AccumulateGrad of {self.graph.node(node.variable).title}"
            made = f" (makes {', '.join(node.produces)})" if node.produces else ""
            return f"{node.name}{made}"
        return node.title

    def frame(self, call: int, kind: str, caption: str, **parts: Any) -> Frame:
        frame: Frame = {"call": call, "kind": kind, "active": None, "reset": False, "edges": {}, "hot": [],
                        "grads": {}, "freed": [], "caption": caption, "error": None}
        frame.update(parts)
        self.frames.append(frame)
        return frame

    def mapping(self, call: Call) -> LiveGraph:
        roots = call.roots
        if all(any(r is o for o in self.shown.outputs) or self.shown.fn_id(r.grad_fn) is not None for r in roots):
            return self.shown
        own = live_graph(list(roots))
        if own.signature() != self.shown.signature():
            raise ValueError("these backward calls ran on graphs of different shapes; "
                             "make one player per graph")
        return own

    def root_edge(self, live: LiveGraph, root: Tensor) -> tuple[str | None, str]:
        fid = live.fn_id(root.grad_fn)
        out = None
        for index, output in enumerate(live.outputs):
            if output is root:
                out = f"out{index}"
        if out is None and live is not self.shown and root.grad_fn is not None:
            out = "out0"
        if fid is None or out is None:
            return None, "the output"
        return edge_id(fid, out, None), self.graph.node(out).title

    def initial(self) -> None:
        first = self.calls[0] if self.calls else None
        if first is not None and first.state is not None:
            grads, freed = self.state_of(first)
        else:
            grads, freed = self.state_from_events()
        self.known = {tid: after for tid, (_, after) in grads.items()}
        leaves = [f"{self.graph.node(t).title}.grad = {one_line(v)}" for t, v in self.known.items()
                  if self.graph.node(t).kind == "leaf"]
        caption = (f"The graph recorded by the forward pass, before backward(). "
                   f"{'; '.join(leaves) + '.' if leaves else ''} "
                   f"{len(self.calls)} backward call{'s' if len(self.calls) != 1 else ''} recorded.").strip()
        self.frame(0, "initial", caption, grads=grads, freed=freed)

    def state_of(self, call: Call) -> tuple[dict[str, list[str | None]], list[str]]:
        """``.grad`` of every tensor with a grad slot, and the freed nodes, as copied when ``call`` started."""
        live = self.mapping(call)
        state = call.state
        assert state is not None
        grads: dict[str, list[str | None]] = {}
        for tid, tensor in tensors_by_id(live).items():
            if id(tensor) in state.grads and _has_grad_slot(self.graph.node(tid)):
                grads[tid] = [None, text(state.grads[id(tensor)])]
        freed = [fid for fid in (live.fn_id(node) for node in live.nodes if id(node) in state.freed)
                 if fid is not None]
        return grads, freed

    def state_from_events(self) -> tuple[dict[str, list[str | None]], list[str]]:
        """For raw event lists without ``StateAtStart``: the first ``before`` each tensor reported."""
        grads: dict[str, list[str | None]] = {}
        for call in self.calls:
            live = self.mapping(call)
            for event in call.events:
                if isinstance(event, (ev.GradAccumulated, ev.GradRetained)):
                    tid = live.tensor_id(event.tensor)
                    if tid is not None and tid not in grads:
                        grads[tid] = [None, text(event.before)]
        return grads, []

    def between(self, number: int, call: Call, live: LiveGraph) -> None:
        if call.state is not None:
            now = {tid: pair[1] for tid, pair in self.state_of(call)[0].items()}
            arrays = {tid: call.state.grads.get(id(t)) for tid, t in tensors_by_id(live).items()}
        else:
            now, arrays = {}, {}
            for event in call.events:
                if isinstance(event, (ev.GradAccumulated, ev.GradRetained)):
                    tid = live.tensor_id(event.tensor)
                    if tid is not None and tid not in now:
                        now[tid], arrays[tid] = text(event.before), event.before
        changes: dict[str, list[str | None]] = {}
        words = []
        for tid, value in now.items():
            if self.known.get(tid, value) == value:
                continue
            changes[tid] = [self.known[tid], value]
            name = self.graph.node(tid).title
            array = arrays.get(tid)
            if array is None:
                how = f"{name}.grad was set to None"
            elif not np.any(array):
                how = f"{name}.grad was zeroed ({name}.grad.zero_())"
            else:
                how = f"{name}.grad was changed"
            words.append(f"{how}: {one_line(self.known[tid])} → {one_line(value)}")
            self.known[tid] = value
        if changes:
            self.frame(number, "between", f"Between call {number - 1} and call {number}: " + "; ".join(words) + ".",
                       grads=changes)

    def start(self, number: int, call: Call, live: LiveGraph) -> None:
        started = call.events[0]
        edges, hot, parts = {}, [], []
        for root, gradient in zip(call.roots, started.gradients):
            key, name = self.root_edge(live, root)
            if key is not None:
                edges[key] = text(gradient)
                hot.append(key)
            parts.append(f"{name} starts with gradient {inline(gradient)}")
        retain = "retain_graph=True: the graph is kept" if started.retain_graph else \
            "retain_graph=False: saved tensors are freed as nodes finish"
        outputs = [self.graph.node(o).id for o in self.graph.outputs]
        self.frame(number, "start", f"Call {number} of {len(self.calls)}: backward() begins. "
                   f"{'; '.join(parts)} ({retain}).", reset=True, edges=edges, hot=hot,
                   active=outputs[0] if len(outputs) == 1 else None)

    def visits(self, number: int, call: Call, live: LiveGraph) -> None:
        sent_to: dict[tuple[str, int], list[tuple[str, np.ndarray]]] = defaultdict(list)
        expected: dict[tuple[str, int], int] = defaultdict(int)
        for event in call.events:
            if isinstance(event, ev.GradientSent):
                target = live.fn_id(event.target)
                if target is not None:
                    expected[(target, event.target_slot)] += 1
        for root, gradient in zip(call.roots, call.events[0].gradients):
            fid = live.fn_id(root.grad_fn)
            if fid is not None:
                expected[(fid, root._output_nr)] += 1
                key, _ = self.root_edge(live, root)
                sent_to[(fid, root._output_nr)].append((key or "", gradient))
        group: list[Any] = []
        for event in call.events[1:]:
            if isinstance(event, (ev.BackwardFinished, ev.BackwardFailed)):
                break
            starts_node = isinstance(event, (ev.NodeVisited, ev.GradRetained))
            if starts_node and any(isinstance(e, ev.NodeVisited) for e in group):
                self.visit(number, group, live, sent_to, expected)
                group = []
            group.append(event)
        if group:
            self.visit(number, group, live, sent_to, expected)

    def visit(self, number: int, group: list[Any], live: LiveGraph,
              sent_to: dict[tuple[str, int], list[tuple[str, np.ndarray]]],
              expected: dict[tuple[str, int], int]) -> None:
        visited = next((e for e in group if isinstance(e, ev.NodeVisited)), None)
        fid = live.fn_id(visited.node) if visited is not None else None
        edges: dict[str, str] = {}
        hot: list[str] = []
        grads: dict[str, list[str | None]] = {}
        freed: list[str] = []
        words: list[str] = []
        for event in group:
            if isinstance(event, ev.GradRetained):
                tid = live.tensor_id(event.tensor)
                if tid is not None:
                    grads[tid] = [text(event.before), text(event.after)]
                    self.known[tid] = text(event.after)
                    name = self.graph.node(tid).title
                    words.append(f"{name} called retain_grad(), so {name}.grad: "
                                 f"{inline(event.before)} → {inline(event.after)}.")
        if visited is None or fid is None:
            return
        node = self.graph.node(fid)
        received = []
        for slot, grad in enumerate(visited.grad_outputs):
            arrived = sent_to.pop((fid, slot), [])
            if grad is None:
                continue
            if len(arrived) > 1:
                parts = " + ".join(inline(value) for key, value in arrived)
                received.append(f"{inline(grad)} = {parts} (the {len(arrived)} contributions add up)")
            else:
                received.append(inline(grad))
        upstream = "; ".join(received) if received else "no gradient"
        is_accumulate = getattr(node, "variable", None) is not None
        if is_accumulate:
            leaf = node.variable
            key = edge_id(leaf, fid, 0)
            edges[key] = text(visited.grad_outputs[0])
            hot.append(key)
            words.insert(0, f"{self.title(fid)} receives {upstream}.")
        else:
            words.insert(0, f"{self.title(fid)} gets upstream grad = {upstream}.")
        saved = next((e.values for e in group if isinstance(e, SavedAtVisit)), {})
        upstream_grad = visited.grad_outputs[0] if visited.grad_outputs else None
        if upstream_grad is None:
            upstream_grad = np.zeros(())
        for event in group:
            if isinstance(event, ev.GradAccumulated):
                tid = live.tensor_id(event.tensor)
                if tid is None:
                    continue
                grads[tid] = [text(event.before), text(event.after)]
                self.known[tid] = text(event.after)
                name = self.graph.node(tid).title
                added = "it was None, so the gradient is stored" if event.before is None else \
                    "the new gradient is added to what was there (accumulation)"
                words.append(f"{name}.grad: {inline(event.before)} → {inline(event.after)} ({added}).")
            elif isinstance(event, ev.GradientSent):
                target = live.fn_id(event.target)
                if target is None:
                    continue
                key = edge_id(target, fid, event.input_slot)
                edges[key] = text(event.gradient)
                hot.append(key)
                waiting = sent_to[(target, event.target_slot)]
                waiting.append((key, event.gradient))
                rule = rule_sentence(_rule(event.node, event.input_slot), {**saved, "grad": upstream_grad},
                                     event.gradient, _local_rule(event.node, event.input_slot))
                name = _input_name(event.node, event.input_slot)
                sentence = f"Input {event.input_slot}{name} → {self.title(target)}: {rule}"
                if event.reduced_from is not None:
                    shape = tuple(event.gradient.shape)
                    sentence += f" (summed over broadcast dims {tuple(event.reduced_from)} → {shape})"
                total = expected.get((target, event.target_slot), 1)
                if total > 1:
                    sentence += f"; contribution {len(waiting)} of {total} to it"
                words.append(sentence if sentence.endswith(".") else sentence + ".")
            elif isinstance(event, ev.SavedTensorsFreed):
                freed.append(fid)
        if freed:
            words.append("Its saved tensors are freed now (retain_graph=False).")
        for edge in self.graph.edges_into(fid):
            if edge.kind == "constant":
                words.append(f"Input {edge.input_slot} does not require grad (a constant, or cut by "
                             f"no_grad/detach): nothing is sent there.")
        self.frame(number, "visit", " ".join(words), active=fid, edges=edges, hot=hot, grads=grads, freed=freed)

    def finish(self, number: int, call: Call, live: LiveGraph) -> None:
        freed = sum(isinstance(e, ev.SavedTensorsFreed) for e in call.events)
        leaves = [f"{self.graph.node(t).title}.grad = {one_line(v)}" for t, v in self.known.items()
                  if self.graph.node(t).kind == "leaf"]
        caption = f"Call {number} of {len(self.calls)} finished. " + ("; ".join(leaves) + ". " if leaves else "")
        if freed:
            caption += (f"{freed} node{'s' if freed != 1 else ''} freed their saved tensors (greyed): "
                        "another backward() through them raises an error.")
        else:
            caption += "The graph was kept (retain_graph=True, or nothing was saved)."
        self.frame(number, "finish", caption.strip())

    def failed(self, number: int, call: Call, live: LiveGraph) -> None:
        error = call.error
        message = f"{type(error).__name__}: {error}"
        last = next((e for e in reversed(call.events) if isinstance(e, ev.NodeVisited)), None)
        fid = live.fn_id(last.node) if last is not None else None
        where = f" at {self.title(fid)}" if fid is not None else ""
        self.frame(number, "error", f"Call {number} of {len(self.calls)} failed{where}. PyTorch raises {message}",
                   active=fid, error=message, reset=not call.events)

    def build(self) -> list[Frame]:
        self.initial()
        for number, call in enumerate(self.calls, start=1):
            live = self.mapping(call)
            if call.events:
                self.between(number, call, live)
                self.start(number, call, live)
                self.visits(number, call, live)
            if call.error is not None:
                self.failed(number, call, live)
            else:
                self.finish(number, call, live)
        return self.frames


def tensors_by_id(live: LiveGraph) -> dict[str, Tensor]:
    """The live tensors behind the drawn leaves, retained intermediates and outputs, by node id."""
    found: dict[str, Tensor] = {f"out{index}": output for index, output in enumerate(live.outputs)}
    for node in live.nodes:
        fid = live.node_ids[id(node)]
        variable = getattr(node, "variable", None)
        if variable is not None:
            found[f"{fid}_var"] = variable
        for tensor in node.retained_outputs:
            tid = live.tensor_id(tensor)
            if tid is not None:
                found.setdefault(tid, tensor)
    return {tid: tensor for tid, tensor in found.items() if any(t.id == tid for t in live.graph.tensors)}


def values_at_start(live: LiveGraph, calls: Sequence[Call]) -> dict[str, str]:
    """The data of each drawn tensor as the first call started (for the inspector), where it was copied."""
    state = calls[0].state if calls else None
    if state is None:
        return {}
    return {tid: describe_array(state.values[id(t)]) or "" for tid, t in tensors_by_id(live).items()
            if id(t) in state.values}


def _rule(node: Any, slot: int) -> str | None:
    """The rule the op declares for input ``slot`` (None for a student's Function without ``derivatives``)."""
    rules = node.local_rules
    return rules[slot] if slot < len(rules) else None


def _input_name(node: Any, slot: int) -> str:
    names = node.input_names
    return f" ({names[slot]})" if slot < len(names) and names[slot] else ""


def _local_rule(node: Any, slot: int) -> str:
    """What ``node`` sends to input ``slot``, as its op declares it ("grad × other")."""
    rules = node.local_rules
    rule = rules[slot] if slot < len(rules) else None
    if rule is None:
        return f"grad × ∂out/∂input{slot} (the backward of {node.name().removesuffix('Backward')})"
    return rule.replace(" * ", " × ")


def _has_grad_slot(tensor: Any) -> bool:
    return tensor.requires_grad and (tensor.kind == "leaf" or tensor.retains_grad)


def backward_frames(shown: LiveGraph, calls: Sequence[Call]) -> list[Frame]:
    """The frames for these calls, drawn on ``shown``."""
    return _Frames(shown, calls).build()


def label_widths(frames: Sequence[Frame]) -> tuple[dict[str, str], dict[str, str]]:
    """The longest value each tensor's ``grad:`` line and each edge's ``grad`` label will show.

    The drawing is laid out once with these, so every later value fits without a new layout.
    """
    grads: dict[str, str] = {}
    edges: dict[str, str] = {}
    for frame in frames:
        for key, (_, after) in frame["grads"].items():
            if len(_label(after)) > len(_label(grads.get(key))):
                grads[key] = after
        for key, value in frame["edges"].items():
            if len(_label(value)) > len(_label(edges.get(key))):
                edges[key] = value
    return grads, edges


def _label(text: str | None) -> str:
    return short_value(text, GRAD_LABEL_LIMIT, summaries=True) or ""


def mark_folded_steps(frames: list[Frame], members: set[str], block: dict[str, Any]) -> None:
    """Tag the steps inside a folded loop (``block``) and give the last of each run a summary caption.

    The player plays each run as one step (its last frame, with the summary) until the loop is opened.
    """
    run: list[Frame] = []
    for frame in [*frames, None]:
        inside = frame is not None and frame["kind"] == "visit" and frame["active"] in members
        if inside:
            frame["block"] = block["id"]
            run.append(frame)
            continue
        if run:
            ops = ", ".join(dict.fromkeys(block["ops"]))
            run[-1]["summary"] = (f"Backward through the folded loop: {len(run)} steps, {block['count']} iterations of "
                                  f"{ops}, each sending the gradient on to the iteration before it. "
                                  f"Open the loop to step through them one by one. Last step: {run[-1]['caption']}")
            run = []
