from __future__ import annotations

import shutil
import subprocess
import sys
import time

import graphviz
import pytest

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.viz import TextGraph, dot

from support.examples import recurrent

import graphviz  # noqa: E402


def test_importing_the_library_does_not_import_graphviz():
    code = "import sys, autograd_lab, autograd_lab.viz; print('graphviz' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_text_view_tree(involved):
    text = str(viz.text(involved["y"], names=involved))
    lines = text.splitlines()
    assert lines[0].startswith("out0 y  [output]")
    assert "└─ fn0 AddBackward0" in lines[1]
    assert "fn12_var x  [leaf]" in text or "x  [leaf]" in text
    assert "(see above)" in text
    assert "data=100.0" in text and "(Python number)" in text
    involved["y"].backward()
    after = str(viz.text(involved["y"]))
    assert "saved: freed by backward()" in after
    assert "grad=tensor(" in after


def test_draw_returns_a_digraph_and_svg_has_ids_and_labels(involved):
    picture = viz.draw(involved["y"], names=involved)
    assert isinstance(picture, graphviz.Digraph)
    assert "rankdir=TB" in picture.source, "deep and narrow: top to bottom fits a notebook cell"
    assert "rankdir=LR" in viz.draw(involved["y"], direction="LR").source
    svg = viz.svg(involved["y"], names=involved)
    for node_id in ["fn0", "out0", "fn3_out0", "fn12_var"]:
        assert f'id="{node_id}"' in svg
    for label in ["MulBackward0", "AccumulateGrad", "SqrtBackward0", ">x<", ">y<", ">r1<", "leaf · requires_grad",
                  "= 5.", "100.0"]:
        assert label in svg, label
    assert ">input 1<" not in svg, "Add and Mul do not care about the order of their inputs"
    for detail in ["shape=()", "float32", "grad_fn=AddBackward0"]:
        assert detail in svg, f"{detail} belongs in the tooltip"


def test_auto_direction_keeps_teaching_graphs_within_a_notebook_cell(involved):
    from support.examples import mlp_loss, broadcasting_example

    for output in [involved["y"], mlp_loss(), broadcasting_example()[1]]:
        width, height = dot.svg_size(viz.svg(output))
        assert width <= dot.FIT_WIDTH_PT, width
    x = torch.tensor(2., requires_grad=True)
    wide, tall = (dot.svg_size(viz.svg(x * x, direction=d)) for d in ("LR", "TB"))
    assert dot.svg_size(viz.svg(x * x)) == min(wide, tall, key=lambda size: size[1]) if max(
        wide[0], tall[0]) <= dot.FIT_WIDTH_PT else True


def test_legend_lists_only_what_is_drawn_below_the_graph(involved):
    source = viz.draw(involved["y"], legend=True).source
    assert "labelloc=b" in source
    assert "leaf tensor" in source and "backward function" in source
    assert "saved" not in source.split("label=<<TABLE")[1].split("</TABLE>")[0]
    assert "broadcast" not in source
    with_saved = viz.draw(involved["y"], legend=True, show_saved=True).source
    assert "saved" in with_saved.split("label=<<TABLE")[1]


def test_labels_subtract_and_divide_name_their_inputs():
    a = torch.tensor(2., requires_grad=True)
    b = torch.tensor(3., requires_grad=True)
    svg = viz.svg(a / b - b)
    assert ">input 0<" in svg and ">input 1<" in svg


def test_draw_options(involved):
    source = viz.draw(involved["y"], direction="TB", backward=True, legend=True, show_saved=True).source
    assert "rankdir=TB" in source and "dir=back" in source
    assert "<B>legend</B>" in source and "leaf tensor" in source
    assert "_saved0" in source and "cylinder" in source
    with pytest.raises(ValueError):
        viz.draw(involved["y"], direction="up")


def test_traced_broadcast_in_svg():
    a = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([1., 2., 3.], requires_grad=True)
    s = (a * b).sum()
    trace = viz.record_backward(s)
    svg = viz.svg(s, trace=trace)
    assert "Σ (2, 3) → (3,)" in svg and "sum over broadcast dims: (2, 3) → (3,)" in svg
    assert "grad [2., 2., 2.]" in svg
    assert "step 1" in svg


def test_styles_tell_kinds_apart_without_colour():
    looks = {kind: (style["shape"], style.get("style", ""), style.get("peripheries", "1"))
             for kind, style in dot.NODE_STYLES.items() if kind != "more"}
    assert len(set(looks.values())) == len(looks)
    assert dot.NODE_STYLES["leaf"]["fillcolor"] == dot.OKABE_ITO["sky_blue"]
    assert dot.NODE_STYLES["saved"]["fillcolor"] == dot.OKABE_ITO["orange"]


def test_fallback_to_text_when_dot_is_missing(involved, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    view = viz.draw(involved["y"], names=involved)
    assert isinstance(view, TextGraph)
    first, *rest = str(view).splitlines()
    assert first == "Graphviz's dot program is not installed; showing the graph as text. Install Graphviz with"
    assert rest[len(view.message.splitlines()) - 1].startswith("out0 y")
    assert "<pre>" in view._repr_html_()


def test_fallback_when_graphviz_package_is_missing(involved, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    view = viz.draw(involved["y"])
    assert isinstance(view, TextGraph) and 'pip install "autograd-lab[widgets]"' in view.message


def test_show_graph_falls_back_when_dot_fails_at_render(involved, monkeypatch):
    from IPython import display

    shown = []
    monkeypatch.setattr(display, "display", lambda obj: shown.append(obj))

    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: "/usr/bin/dot")
    monkeypatch.setattr(graphviz.Digraph, "pipe", missing)
    viz.show_graph(involved["y"])
    assert isinstance(shown[0], TextGraph) and "sudo apt-get install graphviz" in str(shown[0])


def test_large_graph_is_bounded():
    output = recurrent(333)
    graph = viz.build_graph(output, find_names=False)
    assert len(graph) > 2000
    start = time.perf_counter()
    picture = dot.to_digraph(graph)
    svg = dot.render_svg(picture)
    elapsed = time.perf_counter() - start
    assert "mclimit" in picture.source and "nslimit" in picture.source
    assert "again: " in svg
    assert elapsed < 10, elapsed


def test_long_edges_from_shared_weights_are_cut_short_even_in_small_graphs():
    graph = viz.build_graph(recurrent(40), find_names=False)
    assert len(graph) < dot.LARGE_GRAPH
    start = time.perf_counter()
    svg = dot.render_svg(dot.to_digraph(graph))
    assert time.perf_counter() - start < 3
    assert "again: " in svg


def test_max_nodes_draws_a_summary_node():
    graph = viz.build_graph(recurrent(30), find_names=False)
    source = dot.to_digraph(graph, max_nodes=40).source
    assert "more nodes not drawn" in source
    assert source.count("AccumulateGrad") <= 40


def test_a_layers_parameters_are_grouped():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    loss = torch.nn.MSELoss()(model(torch.randn(8, 2)), torch.randn(8, 1))
    svg = viz.svg(loss).replace("&#45;", "-")
    assert 'class="cluster agl-layer"' in svg and ">model.0<" in svg and ">model.2<" in svg
    groups = [part.split("\t}")[0] for part in viz.draw(loss).source.split("subgraph cluster_layer")[1:]]
    assert len(groups) == 2
    for layer in ("model.0", "model.2"):
        group = next(g for g in groups if f'label="{layer}"' in g)
        assert f"{layer}.weight" in group and f"{layer}.bias" in group and group.count("label=<<B>AccumulateGrad") == 2
