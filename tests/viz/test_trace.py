from __future__ import annotations

import autograd_lab as torch
from autograd_lab import viz


def test_traced_gradients_on_edges(involved):
    with viz.record() as trace:
        involved["y"].backward()
    graph = viz.build_graph(involved["y"], names=involved, trace=trace)
    assert graph.traced
    root = next(e for e in graph.edges if e.kind == "output")
    assert root.gradient == "tensor(1.)"
    x = graph.named("x")
    assert x.grad_before == "None"
    leaf_edge = next(e for e in graph.edges if e.kind == "leaf" and graph.node(e.source).name == "x")
    x_grad = float(involved["x"].grad)
    assert abs(float(leaf_edge.gradient[len("tensor("):-1]) - x_grad) < 1e-3
    steps = sorted(f.step for f in graph.functions)
    assert steps == list(range(len(graph.functions)))
    assert next(f for f in graph.functions if f.id == "fn0").step == 0


def test_broadcast_reduction_is_visible():
    a = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([1., 2., 3.], requires_grad=True)
    s = (a * b).sum()
    trace = viz.record_backward(s)
    graph = viz.build_graph(s, trace=trace)
    into_b = next(e for e in graph.edges if e.kind == "next" and graph.node(e.source).variable
                  and graph.node(graph.node(e.source).variable).name == "b")
    assert into_b.input_slot == 1
    assert (into_b.reduced_from, into_b.reduced_to) == ((2, 3), (3,))
    assert into_b.broadcast_note == "sum over broadcast dims: (2, 3) → (3,)"
    assert into_b.gradient == "tensor([2., 2., 2.])"
    into_a = next(e for e in graph.edges if e.kind == "next" and e.input_slot == 0 and e.target == into_b.target)
    assert into_a.reduced_from is None
    assert "(2, 3) → (3,)" in str(viz.text(s, trace=trace))


def test_recorder_keeps_events_in_order():
    x = torch.tensor(2., requires_grad=True)
    trace = viz.record_backward(x * x)
    kinds = [type(e).__name__ for e in trace.events]
    assert kinds[0] == "BackwardStarted" and kinds[-1] == "BackwardFinished"
    assert "GradAccumulated" in kinds and "SavedTensorsFreed" in kinds
