"""Folding an unrolled loop: one iteration drawn, every node and edge of the others mapped onto it."""
from __future__ import annotations

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.viz.dot import FIT_WIDTH_PT, svg_size
from autograd_lab.viz.fold import fold

from support.examples import involved_example, recurrent, tanh_loop


def check_mapping(graph, folding) -> None:
    drawn_nodes = {n.id for n in [*folding.graph.functions, *folding.graph.tensors]}
    for node in [*graph.functions, *graph.tensors]:
        assert folding.node(node.id) in drawn_nodes, node.id
    drawn_edges = {e.element_id for e in folding.graph.edges}
    assert set(folding.edges.values()) <= drawn_edges
    assert {e.element_id for e in graph.edges} == set(folding.edges), "every edge of the full graph is drawn somewhere"


def test_a_150_step_loop_becomes_one_block():
    names, h = tanh_loop(150)
    graph = viz.build_graph(h, names=names)
    folding = fold(graph)
    assert len(graph) > 450 and len(folding.graph) < 20
    block = folding.blocks[0]
    assert block["count"] == 149 and block["ops"] == ["MulBackward0", "AddBackward0", "TanhBackward0"]
    assert "× 149" in block["label"]
    assert [e.kind for e in folding.graph.edges].count("loop") == 1
    check_mapping(graph, folding)
    assert {"w", "b"} <= {t.title for t in folding.graph.tensors}, "the shared weights stay outside the block"
    svg = viz.svg(h, names=names)
    width, height = svg_size(svg)
    assert width <= FIT_WIDTH_PT and height < 700 and "× 149" in svg
    assert svg_size(viz.svg(tanh_loop(12)[1], fold=False))[1] > 2 * height


def test_an_rnn_with_fresh_inputs_each_step_folds_with_its_inputs_inside():
    graph = viz.build_graph(recurrent(83), find_names=False)
    folding = fold(graph)
    assert folding.blocks and folding.blocks[0]["count"] >= 80 and len(folding.graph) < 30
    check_mapping(graph, folding)


def test_small_graphs_and_irregular_loops_are_drawn_as_they_are():
    involved = involved_example()
    graph = viz.build_graph(involved["y"])
    assert fold(graph).graph is graph
    w1 = torch.tensor(0.5, requires_grad=True)
    w2 = torch.tensor(0.7, requires_grad=True)
    h = torch.tensor(1.0)
    for i in range(60):
        h = torch.tanh(h * (w1 if i % 2 else w2))
    graph = viz.build_graph(h, find_names=False)
    folding = fold(graph)
    assert folding.blocks, "iterations alternate between w1 and w2: two ops each, folded in pairs"
    assert folding.blocks[0]["ops"] == ["MulBackward0", "TanhBackward0"] * 2
    check_mapping(graph, folding)
