from __future__ import annotations

import json
from collections import Counter

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.viz import Graph


def functions_named(graph: Graph, name: str):
    return [f for f in graph.functions if f.name == name]


def test_involved_example_nodes_and_names(involved):
    graph = viz.build_graph(involved["y"], names=involved)
    assert Counter(f.name for f in graph.functions) == {
        "AddBackward0": 6, "MulBackward0": 2, "LogBackward0": 2, "SqrtBackward0": 1, "AccumulateGrad": 2}
    assert graph.outputs == ["out0"]
    y = graph.node("out0")
    assert (y.name, y.kind, y.grad_fn, y.is_leaf, y.requires_grad) == ("y", "output", "AddBackward0", False, True)
    x = graph.named("x")
    assert (x.kind, x.is_leaf, x.requires_grad, x.shape, x.dtype) == ("leaf", True, True, (), "torch.float32")
    assert x.data == "tensor(5.)"
    assert x.grad is None and "not computed yet" in x.grad_note
    r1 = graph.named("r1")
    assert r1.kind == "intermediate" and r1.grad is None and "retain_grad" in r1.grad_note
    assert {"r1", "r2", "r3"} <= {name for f in graph.functions for name in f.produces}


def test_names_are_found_in_the_callers_namespace():
    a = torch.tensor([1., 2.], requires_grad=True)
    total = (a * a).sum()
    graph = viz.build_graph(total)
    assert graph.node("out0").name == "total"
    assert graph.named("a").kind == "leaf"


def test_explicit_names_win_and_module_parameters_get_dotted_names():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    loss = model(torch.randn(4, 2)).sum()
    graph = viz.build_graph(loss, names={"L": loss})
    assert graph.node("out0").name == "L"
    leaves = {t.name for t in graph.tensors if t.kind == "leaf"}
    assert leaves == {"model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias"}


def test_edges_know_their_input_slots(involved):
    graph = viz.build_graph(involved["y"], names=involved)
    accumulate_x = next(f for f in graph.functions if f.variable and graph.node(f.variable).name == "x")
    square = next(f for f in functions_named(graph, "MulBackward0")
                  if {e.source for e in graph.edges_into(f.id)} == {accumulate_x.id})
    assert [e.input_slot for e in graph.edges_into(square.id)] == [0, 1]
    scale = next(f for f in functions_named(graph, "MulBackward0") if f is not square)
    slots = {e.input_slot: e for e in graph.edges_into(scale.id)}
    assert slots[0].kind == "next" and slots[1].kind == "constant"
    constant = graph.node(slots[1].source)
    assert constant.kind == "constant" and constant.note == "Python number" and float(constant.data) == 100.0
    leaf_edge = next(e for e in graph.edges if e.source == accumulate_x.variable)
    assert (leaf_edge.kind, leaf_edge.target) == ("leaf", accumulate_x.id)


def test_saved_tensors_and_freeing_after_backward(involved):
    graph = viz.build_graph(involved["y"], names=involved)
    log_z = next(f for f in functions_named(graph, "LogBackward0") if f.saved[0].name == "z")
    assert [(s.role, s.name) for s in log_z.saved] == [("input 0", "z")]
    sqrt = functions_named(graph, "SqrtBackward0")[0]
    assert [s.role for s in sqrt.saved] == ["result"]
    assert not any(f.saved_freed for f in graph.functions)
    involved["y"].backward()
    after = viz.build_graph(involved["y"], names=involved)
    freed = {f.name for f in after.functions if f.saved_freed}
    assert freed == {"MulBackward0", "LogBackward0", "SqrtBackward0"}
    assert all(not f.saved for f in after.functions)
    x = after.named("x")
    assert x.grad is not None and x.grad_note is None


def test_retain_graph_keeps_saved_tensors(involved):
    involved["y"].backward(retain_graph=True)
    graph = viz.build_graph(involved["y"])
    assert not any(f.saved_freed for f in graph.functions)
    assert functions_named(graph, "SqrtBackward0")[0].saved


def test_show_saved_adds_saved_tensor_nodes(involved):
    graph = viz.build_graph(involved["y"], names=involved, show_saved=True)
    saved = [t for t in graph.tensors if t.kind == "saved"]
    assert len(saved) == 6
    assert all(e.kind == "saved" for e in graph.edges if e.source in {t.id for t in saved})
    assert {t.name for t in saved} >= {"x", "z", "r2"}


def test_detached_constant_is_shown_where_it_enters():
    x = torch.tensor([1., 2.], requires_grad=True)
    c = x.detach() * 3
    y = (x * c).sum()
    graph = viz.build_graph(y)
    constant = next(t for t in graph.tensors if t.kind == "constant")
    assert (constant.name, constant.requires_grad, constant.shape) == ("c", False, (2,))
    assert constant.data == "tensor([3., 6.])"


def test_retain_grad_intermediate_shows_its_grad():
    a = torch.ones(2, 3, requires_grad=True)
    h = a * 2
    h.retain_grad()
    total = h.sum()
    total.backward()
    graph = viz.build_graph(total)
    node = graph.named("h")
    assert node.retains_grad and node.grad is not None and node.grad_note is None


def test_ids_are_stable_and_structural(involved):
    first = viz.build_graph(involved["y"], names=involved, show_saved=True)
    second = viz.build_graph(involved["y"], names=involved, show_saved=True)
    assert first.to_dict() == second.to_dict()
    involved["y"].backward()
    after = viz.build_graph(involved["y"], names=involved)
    assert [(f.id, f.name) for f in after.functions] == [(f.id, f.name) for f in first.functions]
    assert {t.id for t in after.tensors} <= {t.id for t in first.tensors}


def test_same_structure_same_ids_for_different_objects():
    def make():
        p = torch.tensor(2., requires_grad=True)
        return torch.exp(p * p + 1)

    one, two = viz.build_graph(make(), find_names=False), viz.build_graph(make(), find_names=False)
    assert [(n.id, n.kind) for n in one.tensors] == [(n.id, n.kind) for n in two.tensors]
    assert [(e.source, e.target, e.input_slot) for e in one.edges] == [(e.source, e.target, e.input_slot)
                                                                        for e in two.edges]


def test_json_round_trip(involved):
    with viz.record() as trace:
        involved["y"].backward()
    graph = viz.build_graph(involved["y"], names=involved, trace=trace)
    data = json.loads(graph.to_json())
    assert Graph.from_dict(data) == graph


def test_several_outputs():
    x = torch.tensor(1., requires_grad=True)
    a, b = x * 2, torch.sin(x)
    graph = viz.build_graph([a, b])
    assert graph.outputs == ["out0", "out1"]
    assert len([f for f in graph.functions if f.kind == "accumulate"]) == 1
