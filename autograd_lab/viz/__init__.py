"""Graph views: see the graph ``backward()`` walks, as a Graphviz picture or as text.

    from autograd_lab import viz
    viz.draw(y)                      # graphviz.Digraph, shown as SVG in Jupyter
    viz.show_graph(y, legend=True)   # display it right away
    print(viz.text(y))               # the same graph as an indented tree

    with viz.record() as trace:      # record a backward to see the gradients on the edges
        y.backward()
    viz.draw(y, trace=trace)

Without Graphviz's ``dot`` program (or the ``graphviz`` package), ``draw`` returns
the text view with a one-line note on how to install it.
"""
from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any, Mapping

from .._install_hints import dot_missing, package_missing
from .._tensor import Tensor
from .fold import fold as fold_loops
from .graph import Edge, FunctionNode, Graph, SavedInfo, TensorNode, build_graph
from .text import TextGraph, render_text
from .trace import BackwardRecorder, record, record_backward

if TYPE_CHECKING:
    import graphviz

TEXT_INSTEAD = "showing the graph as text"
DOT_MISSING = dot_missing(TEXT_INSTEAD)
PACKAGE_MISSING = package_missing("graphviz", TEXT_INSTEAD)


def _graph(outputs: tuple[Tensor, ...], names: Mapping[str, Tensor] | None, show_saved: bool,
           trace: BackwardRecorder | None) -> Graph:
    if not outputs:
        raise TypeError("draw() needs at least one tensor")
    return build_graph(outputs, names=names, show_saved=show_saved, trace=trace)


def graphviz_problem(consequence: str = TEXT_INSTEAD) -> str | None:
    """Why Graphviz cannot draw here, or None when it can.

    The message says what is missing, then ``consequence`` (what happens instead),
    then how to install it.
    """
    try:
        import graphviz  # noqa: F401
    except ImportError:
        return package_missing("graphviz", consequence)
    if shutil.which("dot") is None:
        return dot_missing(consequence)
    return None


def draw(*outputs: Tensor, names: Mapping[str, Tensor] | None = None, direction: str = "auto",
         show_saved: bool = False, backward: bool = False, legend: bool = False,
         trace: BackwardRecorder | None = None, large_at: int | None = None,
         max_nodes: int | None = None, fold: bool = True) -> "graphviz.Digraph | TextGraph":
    """The graph behind ``outputs`` as a ``graphviz.Digraph`` (inline SVG in Jupyter).

    ``names`` adds names to those found in your namespace; ``direction`` is "auto"
    (whichever of left-to-right and top-to-bottom fits a notebook cell), "LR" or "TB"; ``show_saved`` draws the tensors each node saved for backward;
    ``backward`` points arrows the way gradients flow; ``legend`` adds a key;
    ``trace`` (from ``viz.record()``) labels edges with the gradients a backward sent.
    Above ``large_at`` nodes the layout is bounded; at most ``max_nodes`` are drawn.
    ``fold`` draws an unrolled loop of a big graph once, boxed and labelled "× 150".
    Falls back to ``TextGraph`` when Graphviz is not installed.
    """
    graph = _graph(outputs, names, show_saved, trace)
    if fold:
        graph = fold_loops(graph).graph
    return _picture(graph, direction, backward, legend, large_at, max_nodes)


def _picture(graph: Graph, direction: str = "auto", backward: bool = False, legend: bool = False,
             large_at: int | None = None, max_nodes: int | None = None) -> "graphviz.Digraph | TextGraph":
    problem = graphviz_problem()
    if problem is not None:
        return TextGraph(graph, problem)
    import graphviz

    from . import dot

    try:
        return dot.to_digraph(graph, direction=direction, backward=backward, legend=legend,
                              large_at=dot.LARGE_GRAPH if large_at is None else large_at,
                              max_nodes=dot.MAX_NODES if max_nodes is None else max_nodes)
    except graphviz.ExecutableNotFound:
        return TextGraph(graph, DOT_MISSING)


def text(*outputs: Tensor, names: Mapping[str, Tensor] | None = None, show_saved: bool = False,
         trace: BackwardRecorder | None = None) -> TextGraph:
    """The graph behind ``outputs`` as an indented tree (``print`` it)."""
    return TextGraph(_graph(outputs, names, show_saved, trace))


def svg(*outputs: Tensor, **options: Any) -> str:
    """The picture as SVG text (needs Graphviz)."""
    problem = graphviz_problem("svg() needs it (viz.text() gives the graph as text)")
    if problem is not None:
        raise RuntimeError(problem)
    view = draw(*outputs, **options)
    if isinstance(view, TextGraph):
        raise RuntimeError(view.message)
    return view.svg()


def show_graph(*outputs: Tensor, names: Mapping[str, Tensor] | None = None, show_saved: bool = False,
               trace: BackwardRecorder | None = None, **options: Any) -> None:
    """Display the graph now: SVG in Jupyter, text in a terminal or without Graphviz.

    Takes the same options as ``draw``.
    """
    graph = _graph(outputs, names, show_saved, trace)
    try:
        from IPython.display import display
    except ImportError:
        print(TextGraph(graph))
        return
    view = _picture(graph, **options)
    if not isinstance(view, TextGraph):
        import graphviz

        try:
            view.svg()
        except graphviz.ExecutableNotFound:
            view = TextGraph(graph, DOT_MISSING)
    display(view)


__all__ = ["BackwardRecorder", "Edge", "FunctionNode", "Graph", "SavedInfo", "TensorNode", "TextGraph", "build_graph",
           "draw", "fold_loops", "graphviz_problem", "record", "record_backward", "render_text", "show_graph", "svg", "text"]
