"""The graph the players show: the viz graph model, its node ids for live objects, and one SVG.

The players lay the graph out once with Graphviz. Tensor labels get a ``grad: …``
line and traced edges a ``grad …`` line wide enough for the longest value they will
show; the browser rewrites those lines while stepping, so no re-layout is needed.
"""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .._tensor import Tensor
from ..autograd.function import AccumulateGrad, Node
from ..viz import names as _names
from ..viz.graph import Edge, Graph, GraphBuilder
from ..viz.inspect import inspector_table



def edge_id(source: str, target: str, slot: int | None) -> str:
    """The SVG id Graphviz gives the edge from ``source`` into input ``slot`` of ``target``."""
    return Edge(source, target, "next", slot).element_id


@dataclass
class LiveGraph:
    """A graph model plus the maps from live nodes and tensors to its node ids."""

    graph: Graph
    outputs: tuple[Tensor, ...]
    node_ids: dict[int, str]
    nodes: list[Node]

    def fn_id(self, node: Node | None) -> str | None:
        """The id of a function node, or None when it is not in the picture."""
        return None if node is None else self.node_ids.get(id(node))

    def tensor_id(self, tensor: Tensor) -> str | None:
        """The id of a leaf (behind its AccumulateGrad), an output or a shown intermediate."""
        for index, output in enumerate(self.outputs):
            if output is tensor:
                return f"out{index}"
        if tensor.grad_fn is None:
            fid = self.fn_id(tensor._grad_accumulator)
            return None if fid is None else f"{fid}_var"
        fid = self.fn_id(tensor.grad_fn)
        return None if fid is None else f"{fid}_out{tensor._output_nr}"

    def signature(self) -> list[tuple[str, str]]:
        """Node ids and class names in walk order: equal for graphs of the same structure."""
        return [(f.id, f.name) for f in self.graph.functions]


def caller_names(explicit: Mapping[str, Tensor] | None = None) -> dict[int, tuple[str, Tensor]]:
    """Names for tensors, from ``explicit`` and the namespace of the code that called the widgets."""
    frame = sys._getframe(1)
    package = __name__.rsplit(".", 1)[0]
    while frame is not None and frame.f_globals.get("__name__", "").startswith(package):
        frame = frame.f_back
    return _names.find_names(explicit, frame=frame)


def live_graph(outputs: Sequence[Tensor], names: dict[int, tuple[str, Tensor]] | None = None) -> LiveGraph:
    """Build the graph model of ``outputs`` and remember which live node got which id."""
    builder = GraphBuilder(names or {}, False, None)
    graph = builder.build(list(outputs))
    return LiveGraph(graph, tuple(outputs), dict(builder.ids), list(builder.nodes))


def one_line(text: str | None) -> str:
    """A value on one line, as labels show it."""
    return " ".join((text or "").split())


def drawing_model(graph: Graph, grad_widths: Mapping[str, str], edge_widths: Mapping[str, str]) -> Graph:
    """A copy of ``graph`` whose labels hold placeholders the browser rewrites per step."""
    drawn = copy.deepcopy(graph)
    for node in drawn.tensors:
        node.grad_before = None
        if node.id in grad_widths:
            node.grad, node.grad_note = grad_widths[node.id], None
    for function in drawn.functions:
        function.saved_freed = False
        function.step = None
    for edge in drawn.edges:
        edge.gradient = None
        edge.reduced_from = edge.reduced_to = None
        key = edge_id(edge.source, edge.target, edge.input_slot)
        if key in edge_widths:
            edge.gradient = edge_widths[key]
    return drawn


def render(graph: Graph, direction: str = "auto", large_at: int | None = None) -> str:
    """The SVG text of the drawing (needs Graphviz's ``dot``), without Graphviz's comments."""
    from ..viz import graphviz_problem
    from ..viz.dot import LARGE_GRAPH, to_digraph

    problem = graphviz_problem("the player needs it to lay out the graph (viz.text() gives the graph as text)")
    if problem is not None:
        raise RuntimeError(problem)
    return to_digraph(graph, direction=direction, large_at=LARGE_GRAPH if large_at is None else large_at).svg()


def node_table(graph: Graph) -> dict[str, Any]:
    """What the browser needs about each node and edge: inspector rows, kinds and edge ends."""
    edges = {edge_id(e.source, e.target, e.input_slot): [e.source, e.target, e.kind] for e in graph.edges}
    return {"nodes": inspector_table(graph), "edges": edges, "outputs": list(graph.outputs)}


def is_accumulate(node: Node) -> bool:
    """True for the node that fills a leaf's ``.grad``."""
    return isinstance(node, AccumulateGrad)
