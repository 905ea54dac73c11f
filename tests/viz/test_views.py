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
    assert "rankdir=LR" in picture.source
    svg = viz.svg(involved["y"], names=involved)
    for node_id in ["fn0", "out0", "fn3_out0", "fn12_var"]:
        assert f'id="{node_id}"' in svg
    for label in ["MulBackward0", "AccumulateGrad", "SqrtBackward0", ">x<", ">y<", ">r1<", "requires_grad=True",
                  "input 1"]:
        assert label in svg, label


def test_draw_options(involved):
    source = viz.draw(involved["y"], direction="TB", backward=True, legend=True, show_saved=True).source
    assert "rankdir=TB" in source and "dir=back" in source
    assert "cluster_legend" in source and "legend_leaf" in source
    assert "_saved0" in source and "cylinder" in source
    with pytest.raises(ValueError):
        viz.draw(involved["y"], direction="up")


def test_traced_broadcast_in_svg():
    a = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([1., 2., 3.], requires_grad=True)
    s = (a * b).sum()
    trace = viz.record_backward(s)
    svg = viz.svg(s, trace=trace)
    assert "sum over broadcast dims: (2, 3) → (3,)" in svg
    assert "grad tensor([2., 2., 2.])" in svg
    assert "backward step 1" in svg


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
