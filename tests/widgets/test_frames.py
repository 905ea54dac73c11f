"""Frames recorded for the seed examples: visit order, values on edges, accumulation, freed tensors."""
from __future__ import annotations

import json

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.autograd import events as ev
from autograd_lab.viz.graph import describe_array
from autograd_lab.widgets.forward import forward_frames
from autograd_lab.widgets.frames import CallRaised, backward_frames, label_widths, outputs_of, split_calls
from autograd_lab.viz.dot import short_value
from autograd_lab.widgets.layout import live_graph
from support.examples import involved_example


def frames_for(trace, outputs=None, names=None):
    calls = split_calls(trace.events if hasattr(trace, "events") else trace)
    live = live_graph(outputs or outputs_of(calls), {id(t): (n, t) for n, t in (names or {}).items()})
    return live, backward_frames(live, calls)


def visits(frames):
    return [f for f in frames if f["kind"] == "visit"]


@pytest.fixture
def involved():
    return involved_example()


def test_visit_order_is_the_engines(involved):
    with viz.record() as trace:
        involved["y"].backward()
    live, frames = frames_for(trace, [involved["y"]], involved)
    engine_order = [live.fn_id(e.node) for e in trace.events if isinstance(e, ev.NodeVisited)]
    assert [f["active"] for f in visits(frames)] == engine_order
    assert [f["kind"] for f in frames][:2] == ["initial", "start"]
    assert frames[-1]["kind"] == "finish"
    assert frames[1]["edges"] == {"fn0__out0": "tensor(1.)"} and frames[1]["reset"]
    json.dumps(frames)


def test_edge_values_are_the_recorded_gradients(involved):
    with viz.record() as trace:
        involved["y"].backward()
    live, frames = frames_for(trace, [involved["y"]], involved)
    sent = {}
    for event in trace.events:
        if isinstance(event, ev.GradientSent):
            sent[f"{live.fn_id(event.target)}__{live.fn_id(event.node)}_{event.input_slot}"] = \
                describe_array(event.gradient)
    shown = {}
    for frame in visits(frames):
        shown.update({k: v for k, v in frame["edges"].items() if not k.endswith("_0") or "_var__" not in k})
    for key, value in sent.items():
        assert shown[key] == value
    x_leaf = live.tensor_id(involved["x"])
    final = [f["grads"][x_leaf] for f in frames if x_leaf in f["grads"]][-1]
    assert final == ["None", describe_array(involved["x"].grad._data)]


def test_fan_in_contributions_add_up(involved):
    with viz.record() as trace:
        involved["y"].backward()
    live, frames = frames_for(trace, [involved["y"]], involved)
    x_acc = live.tensor_id(involved["x"]).removesuffix("_var")
    frame = next(f for f in frames if f["active"] == x_acc)
    assert "tensor(1020.5499) = tensor(0.2307) + tensor(510.1596) + tensor(510.1596)" in frame["caption"]
    assert "the 3 contributions add up" in frame["caption"]
    r1 = next(f for f in frames if f["active"] == "fn3")
    assert "= tensor(1.) + tensor(100.) + tensor(1.0319)" in r1["caption"]
    assert "makes r1" in r1["caption"]
    mul = next(f for f in frames if f["active"] == "fn5")
    assert "Input 1 does not require grad" in mul["caption"]
    assert "grad × other = 1. × 100. = 100." in mul["caption"]  # MulBackward0.local_rules[0] is "grad * other"


def test_accumulation_across_calls_with_retain_graph():
    """seed_003: three y.backward(w, retain_graph=True) calls add into .grad."""
    x = torch.tensor([2.0, 2.0], requires_grad=True)
    z = torch.tensor([4.0, 4.0], requires_grad=True)
    y = x ** 2 + z ** 3
    w = torch.FloatTensor([1.0, 1.0])
    with viz.record() as trace:
        for _ in range(3):
            y.backward(w, retain_graph=True)
    live, frames = frames_for(trace, [y], {"x": x, "z": z, "y": y})
    assert [f["call"] for f in frames if f["kind"] == "start"] == [1, 2, 3]
    x_id = live.tensor_id(x)
    history = [f["grads"][x_id] for f in frames if f["kind"] == "visit" and x_id in f["grads"]]
    assert history == [["None", "tensor([4., 4.])"], ["tensor([4., 4.])", "tensor([8., 8.])"],
                       ["tensor([8., 8.])", "tensor([12., 12.])"]]
    assert not any(f["freed"] for f in frames)
    assert "accumulation" in next(f for f in frames if f["call"] == 2 and x_id in f["grads"])["caption"]
    assert not [f for f in frames if f["kind"] == "between"]


def test_zero_between_calls_is_shown():
    """seed_003: z.backward(...) then x.grad.data.zero_() between calls."""
    x = torch.tensor([[1., 2., 3., 4.]], requires_grad=True)
    z = 2 * x
    with viz.record() as trace:
        z.backward(torch.FloatTensor([[1, 0, 0, 0]]), retain_graph=True)
        x.grad.data.zero_()
        z.backward(torch.FloatTensor([[0, 1, 0, 0]]), retain_graph=True)
    live, frames = frames_for(trace, [z], {"x": x, "z": z})
    between = [f for f in frames if f["kind"] == "between"]
    assert len(between) == 1 and between[0]["call"] == 2
    assert "x.grad was zeroed (x.grad.zero_())" in between[0]["caption"]
    assert between[0]["grads"][live.tensor_id(x)] == ["tensor([[2., 0., 0., 0.]])", "tensor([[0., 0., 0., 0.]])"]


def test_freed_tensors_and_the_second_backward_error():
    x = torch.tensor([2.0, 2.0], requires_grad=True)
    y = (x ** 2).sum()
    with viz.record() as trace:
        y.backward()
        with pytest.raises(RuntimeError):
            y.backward()
    live, frames = frames_for(trace, [y])
    freed = [fid for f in frames for fid in f["freed"]]
    assert freed == [live.fn_id(y.grad_fn.next_functions[0][0])]
    error = frames[-1]
    assert error["kind"] == "error" and error["call"] == 2
    assert "Trying to backward through the graph a second time" in error["error"]
    assert error["active"] == freed[0]
    assert "freed their saved tensors" in next(f for f in frames if f["kind"] == "finish")["caption"]


def test_retain_grad_intermediate_and_detach_cut():
    a = torch.tensor([1., 2.], requires_grad=True)
    b = a * 3
    b.retain_grad()
    c = b.detach()
    out = (b * c).sum()
    with viz.record() as trace:
        out.backward()
    live, frames = frames_for(trace, [out], {"a": a, "b": b, "c": c})
    b_id = live.tensor_id(b)
    retained = next(f for f in frames if b_id in f["grads"] and f["kind"] == "visit")
    assert retained["grads"][b_id] == ["None", "tensor([3., 6.])"]
    assert "b called retain_grad()" in retained["caption"]
    mul = next(f for f in frames if f["active"] == live.fn_id(out.grad_fn.next_functions[0][0]))
    assert "cut by no_grad/detach" in mul["caption"]


def test_broadcast_reduction_in_caption():
    a = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([1., 2., 3.], requires_grad=True)
    s = (a * b).sum()
    trace = viz.record_backward(s)
    _, frames = frames_for(trace, [s])
    assert any("summed over broadcast dims (2, 3) → (3,)" in f["caption"] for f in frames)


def test_loop_with_a_new_graph_each_iteration_maps_onto_one_picture():
    """seed_002: model_output is rebuilt every epoch; the picture is drawn once."""
    weights = torch.ones(3, requires_grad=True)
    with viz.record() as trace:
        for _ in range(3):
            model_output = (weights + 3).sum()
            model_output.backward()
            weights.grad.zero_()
    calls = split_calls(trace.events)
    outputs = outputs_of(calls)
    assert len(outputs) == 1
    live, frames = frames_for(trace)
    assert [f["call"] for f in frames if f["kind"] == "start"] == [1, 2, 3]
    assert len([f for f in frames if f["kind"] == "between"]) == 2
    w_id = [t.id for t in live.graph.tensors if t.kind == "leaf"][0]
    assert [f["grads"][w_id] for f in frames if f["kind"] == "visit" and w_id in f["grads"]] == \
        [["None", "tensor([1., 1., 1.])"], ["tensor([0., 0., 0.])", "tensor([1., 1., 1.])"]] + \
        [["tensor([0., 0., 0.])", "tensor([1., 1., 1.])"]]


def test_call_that_raised_before_starting():
    x = torch.tensor([1., 2.], requires_grad=True)
    y = x * 2
    error = RuntimeError("grad can be implicitly created only for scalar outputs")
    _, frames = frames_for([CallRaised((y,), error)], [y])
    assert frames[-1]["kind"] == "error" and "implicitly created" in frames[-1]["error"]


def test_label_widths_cover_every_value(involved):
    with viz.record() as trace:
        involved["y"].backward()
    _, frames = frames_for(trace, [involved["y"]], involved)
    grads, edges = label_widths(frames)
    for key, value in edges.items():
        shown = [f["edges"][key] for f in frames if key in f["edges"]]
        assert value in shown and all(len(short_value(s, 22, True)) <= len(short_value(value, 22, True)) for s in shown)
    x_id = live_graph([involved["y"]]).tensor_id(involved["x"])
    assert grads[x_id] == "tensor(1020.5499)"


def test_forward_frames_follow_recording_order(involved):
    live = live_graph([involved["y"]], {id(t): (n, t) for n, t in involved.items()})
    frames = forward_frames(live)
    ops = [f["active"] for f in frames[1:]]
    nodes = {live.node_ids[id(n)]: n for n in live.nodes}
    sequence = [nodes[o]._sequence_nr for o in ops]
    assert sequence == sorted(sequence)
    assert frames[1]["show"][0] == ops[0] and "x (leaf" in frames[1]["caption"]
    shown = [i for f in frames for i in f["show"]]
    assert sorted(shown) == sorted([n.id for n in [*live.graph.functions, *live.graph.tensors]])
    assert "out0" in frames[-1]["show"]
    assert "making r1" in next(f for f in frames if "fn3" == f["active"])["caption"]


def test_frames_hold_only_recorded_numbers(involved):
    """Every tensor text in the frames is one the engine reported (or a leaf's initial .grad)."""
    with viz.record() as trace:
        involved["y"].backward()
    _, frames = frames_for(trace, [involved["y"]], involved)
    recorded = {"None"}
    for event in trace.events:
        for name in ("gradient", "before", "after"):
            value = getattr(event, name, None)
            if isinstance(value, np.ndarray):
                recorded.add(describe_array(value))
        for value in getattr(event, "grad_outputs", ()) or getattr(event, "gradients", ()):
            recorded.add(describe_array(value))
    for frame in frames:
        assert set(frame["edges"].values()) <= recorded
        for pair in frame["grads"].values():
            assert {v for v in pair if v is not None} <= recorded


def test_captions_put_the_values_into_the_ops_rule(involved):
    """The rule comes from the op (Node.local_rules); the values are the ones the node saved, copied as it ran."""
    with viz.record() as trace:
        involved["y"].backward()
    live, frames = frames_for(trace, [involved["y"]], involved)
    log_r2 = next(f for f in frames if f["active"] == live.fn_id(involved["r3"].grad_fn.next_functions[1][0]))
    assert "Input 0 (self) → AddBackward0 (makes r2): grad / self = 1. / 31.3347 = 0.0319" in log_r2["caption"]
    sqrt = next(f for f in frames if f["caption"].startswith("SqrtBackward0"))
    assert "grad / (2 × result) = 1.0319 / (2 × 2.2361) = 0.2307" in sqrt["caption"]
    mul_x = next(f for f in frames if f["caption"].startswith("MulBackward0 gets upstream grad = tensor(102.0319)"))
    assert "grad × other = 102.0319 × 5. = 510.1596" in mul_x["caption"]


def test_captions_for_tensors_show_first_elements_shapes_and_the_broadcast_sum():
    a = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([1., 2., 3.], requires_grad=True)
    s = (a * b).sum()
    trace = viz.record_backward(s)
    _, frames = frames_for(trace, [s], {"a": a, "b": b, "s": s})
    mul = next(f for f in frames if f["caption"].startswith("MulBackward0"))["caption"]
    assert "grad × other = [1, 1, …] (2, 3) × [1., 2., 3.] = [1, 2, …] (2, 3)" in mul
    assert "grad × self = [1, 1, …] (2, 3) × [1, 1, …] (2, 3) = [2., 2., 2.] (summed over broadcast dims (2, 3) → (3,))" in mul
    total = next(f for f in frames if f["caption"].startswith("SumBackward0"))["caption"]
    assert "grad.expand(self.shape) = [1, 1, …] (2, 3) with grad = 1." in total


def test_captions_survive_later_changes_to_the_saved_tensors():
    x = torch.tensor([1., 2.], requires_grad=True)
    y = x * x
    out = y.sum()
    trace = viz.record_backward(out, retain_graph=True)
    with torch.no_grad():
        x.mul_(10)
    _, frames = frames_for(trace, [out], {"x": x})
    mul = next(f for f in frames if f["caption"].startswith("MulBackward0"))["caption"]
    assert "grad × other = [1., 1.] × [1., 2.] = [1., 2.]" in mul
