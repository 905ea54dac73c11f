"""Graph -> ``graphviz.Digraph``: the picture students see in the notebook.

Colours follow torchviz's conventions in the Okabe-Ito palette (safe for
colour-blind readers), and every kind also has its own shape and line style so
the picture reads in greyscale. Above ``LARGE_GRAPH`` nodes the layout is
bounded: inputs used many times are drawn next to each use instead of with long
edges, labels are shortened, and dot's crossing and ranking passes get iteration
limits (``mclimit``, ``nslimit``), so big graphs take seconds, not minutes.
"""
from __future__ import annotations

from collections import Counter
from html import escape
from typing import TYPE_CHECKING

from .graph import Edge, FunctionNode, Graph, TensorNode
from .text import function_line, tensor_line

if TYPE_CHECKING:
    import graphviz

LARGE_GRAPH = 300
"""Graphs with more nodes than this get the bounded layout."""
MAX_NODES = 3000
"""At most this many nodes are drawn; the rest (furthest from the output) become one summary node."""
LONG_EDGE_BUDGET = 300
"""When the edges from shared nodes would span more ranks than this in all, they are cut short.

dot routes a long edge through one hidden node per rank it crosses, and its
layout time grows fast with them: an unrolled RNN whose weights feed every step
takes seconds at 130 nodes and minutes at 250. Above the budget, a shared node is
drawn again (dashed, "again: fn3") next to each far-away use.
"""

OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000"}
GREY = "#D9D9D9"

NODE_STYLES: dict[str, dict[str, str]] = {
    "function": {"shape": "box", "style": "rounded,filled", "fillcolor": GREY, "color": "#555555"},
    "accumulate": {"shape": "box", "style": "rounded,filled,dashed", "fillcolor": GREY, "color": "#555555"},
    "leaf": {"shape": "box", "style": "filled,bold", "fillcolor": OKABE_ITO["sky_blue"], "color": OKABE_ITO["blue"]},
    "output": {"shape": "box", "style": "filled,bold", "peripheries": "2", "fillcolor": OKABE_ITO["bluish_green"],
               "color": "#004D38"},
    "saved": {"shape": "cylinder", "style": "filled", "fillcolor": OKABE_ITO["orange"], "color": "#8A5F00"},
    "constant": {"shape": "box", "style": "dotted", "color": "#555555"},
    "intermediate": {"shape": "note", "style": "filled", "fillcolor": OKABE_ITO["yellow"], "color": "#8A8000"},
    "proxy": {"shape": "box", "style": "rounded,dashed", "color": "#555555"},
    "more": {"shape": "plaintext"},
}
EDGE_STYLES: dict[str, dict[str, str]] = {
    "next": {},
    "leaf": {},
    "output": {"penwidth": "2"},
    "constant": {"style": "dotted", "color": "#555555"},
    "saved": {"style": "dashed", "color": OKABE_ITO["orange"], "arrowhead": "odot"},
    "intermediate": {"style": "dotted", "arrowhead": "none", "color": "#8A8000"},
    "gradient": {"color": OKABE_ITO["vermillion"], "fontcolor": OKABE_ITO["vermillion"]},
    "broadcast": {"color": OKABE_ITO["vermillion"], "fontcolor": OKABE_ITO["vermillion"], "penwidth": "2.5"},
}
GRAPH_ATTRS = {"fontname": "Helvetica", "fontsize": "11", "nodesep": "0.25", "ranksep": "0.35"}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "11", "margin": "0.08,0.04"}
EDGE_ATTRS = {"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"}
BOUNDED_ATTRS = {"mclimit": "0.1", "nslimit": "0.02", "nslimit1": "0.02", "searchsize": "10", "remincross": "false",
                 "splines": "line"}
DIRECTIONS = ("LR", "TB", "RL", "BT")
EDGE_LABEL_LIMIT = 40
"""Edge labels longer than this are cut; the full gradient is in the edge's tooltip."""

LEGEND = [
    ("leaf", "leaf tensor\n(its .grad gets filled)"),
    ("function", "backward function\n(grad_fn)"),
    ("accumulate", "AccumulateGrad\n(adds into .grad)"),
    ("saved", "tensor saved\nfor backward"),
    ("output", "output"),
    ("intermediate", "named non-leaf tensor"),
    ("constant", "does not require grad\n(constant, detached)"),
]


def _html(lines: list[str]) -> str:
    """An HTML-like Graphviz label from lines; the first is bold."""
    body = "".join(f'{escape(line)}<BR ALIGN="LEFT"/>' for line in lines[1:])
    return f"<<B>{escape(lines[0])}</B><BR/>{body}>"


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(map(str, shape))})"


def tensor_label(node: TensorNode, compact: bool = False) -> str:
    """Name, shape, dtype, flags, data and grad, one item a line."""
    lines = [node.title, f"{node.kind}  {_shape(node.shape)}  {node.dtype.replace('torch.', '')}"]
    if compact:
        return _html(lines)
    if node.kind == "saved":
        return _html([*lines, node.note or "", *_block("data", node.data or "")])
    if node.kind == "constant":
        lines[1] = f"no grad  {_shape(node.shape)}  {node.dtype.replace('torch.', '')}"
        if node.note:
            lines.append(node.note)
    else:
        lines.append(f"requires_grad={node.requires_grad}  is_leaf={node.is_leaf}")
        if node.grad_fn:
            lines.append(f"grad_fn={node.grad_fn}")
        if node.retains_grad:
            lines.append("retains_grad=True")
    if node.data:
        lines.extend(_block("data", node.data))
    if node.kind != "constant":
        if node.grad_before is not None:
            lines.extend(_block("grad before", node.grad_before))
        if node.grad is not None:
            lines.extend(_block("grad", node.grad))
        else:
            lines.extend(["grad: None", f"  ({node.grad_note})"])
    return _html(lines)


def _block(title: str, text: str) -> list[str]:
    rows = text.splitlines() or [""]
    return [f"{title}: {rows[0]}", *(" " * (len(title) + 2) + row for row in rows[1:])]


def function_label(node: FunctionNode, compact: bool = False) -> str:
    """Class name, then saved tensors (or that backward freed them), and the step it ran at."""
    lines = [node.name]
    if compact:
        return _html(lines)
    if node.produces:
        lines.append(f"makes {', '.join(node.produces)}")
    if node.saved_freed:
        lines.append("saved tensors: freed by backward()")
    for saved in node.saved:
        who = f"{saved.name} ({saved.role})" if saved.name else saved.role
        lines.append(f"saved: {who}, shape {_shape(saved.shape)}" + ("  MODIFIED IN PLACE" if saved.modified else ""))
    if node.step is not None:
        lines.append(f"backward step {node.step + 1}")
    return _html(lines)


def edge_label(edge: Edge, target_inputs: int) -> str:
    """The input slot (for ops with several inputs) and, once traced, the gradient it carried."""
    parts = []
    if edge.input_slot is not None and target_inputs > 1 and edge.kind != "leaf":
        parts.append(f"input {edge.input_slot}")
    if edge.gradient is not None:
        parts.append(_short("grad " + " ".join(edge.gradient.split())))
    if edge.broadcast_note:
        parts.append(edge.broadcast_note)
    return "\n".join(parts)


def _short(text: str, limit: int = EDGE_LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def to_digraph(graph: Graph, direction: str = "LR", backward: bool = False, legend: bool = False,
               large_at: int = LARGE_GRAPH, max_nodes: int = MAX_NODES,
               long_edge_budget: int = LONG_EDGE_BUDGET) -> "graphviz.Digraph":
    """Draw ``graph``; ``backward=True`` points the arrows the way gradients flow."""
    import graphviz

    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    large = len(graph) > large_at
    dot = graphviz.Digraph("autograd_graph", graph_attr={**GRAPH_ATTRS, "rankdir": direction},
                           node_attr=NODE_ATTRS, edge_attr=EDGE_ATTRS)
    if large:
        dot.graph_attr.update(BOUNDED_ATTRS)
    drawn = _drawn_ids(graph, max_nodes)
    for node in graph.tensors:
        if node.id in drawn:
            dot.node(node.id, tensor_label(node, large), id=node.id, tooltip=tensor_line(node),
                     **NODE_STYLES[node.kind])
    for node in graph.functions:
        if node.id in drawn:
            dot.node(node.id, function_label(node, large), id=node.id, tooltip=function_line(node),
                     **NODE_STYLES[node.kind])
    _add_edges(dot, graph, drawn, large, backward, long_edge_budget)
    hidden = len(graph) - len(drawn)
    if hidden:
        dot.node("more", f"… {hidden} more nodes not drawn (raise max_nodes to see them)", id="more",
                 **NODE_STYLES["more"])
    if legend:
        dot.subgraph(legend_graph())
    return dot


def _drawn_ids(graph: Graph, max_nodes: int) -> set[str]:
    if len(graph) <= max_nodes:
        return {n.id for n in [*graph.functions, *graph.tensors]}
    functions = {f.id for f in graph.functions[:max(max_nodes // 2, 1)]}
    tensors = {t.id for t in graph.tensors if t.id.startswith("out") or t.id.split("_")[0] in functions}
    return functions | tensors


def _ranks(graph: Graph, drawn: set[str]) -> dict[str, int]:
    """Each node's distance from the outputs along its longest path (how dot ranks it, roughly)."""
    consumers: dict[str, list[str]] = {node: [] for node in drawn}
    waiting = dict.fromkeys(drawn, 0)
    for edge in graph.edges:
        if edge.source in drawn and edge.target in drawn:
            consumers[edge.target].append(edge.source)
            waiting[edge.source] += 1
    rank = dict.fromkeys(drawn, 0)
    ready = [node for node, count in waiting.items() if count == 0]
    while ready:
        node = ready.pop()
        for source in consumers[node]:
            rank[source] = max(rank[source], rank[node] + 1)
            waiting[source] -= 1
            if waiting[source] == 0:
                ready.append(source)
    return rank


def _far_edges(graph: Graph, drawn: set[str], budget: int) -> set[int]:
    """Indices of edges to cut short with a proxy node (none while the long edges stay within budget)."""
    rank = _ranks(graph, drawn)
    spans = {index: rank[e.source] - rank[e.target] for index, e in enumerate(graph.edges)
             if e.source in drawn and e.target in drawn}
    if sum(span - 1 for span in spans.values() if span > 1) <= budget:
        return set()
    return {index for index, span in spans.items() if span > 2}


def _proxy_label(node_id: str, labels: dict[str, FunctionNode | TensorNode]) -> str:
    node = labels[node_id]
    if isinstance(node, TensorNode):
        return _html([node.title, f"(again: {node_id})"])
    lines = [node.name]
    if node.variable is not None:
        lines.append(f"of {labels[node.variable].title}")  # type: ignore[union-attr]
    return _html([*lines, f"(again: {node_id})"])


def _add_edges(dot: "graphviz.Digraph", graph: Graph, drawn: set[str], large: bool, backward: bool,
               long_edge_budget: int) -> None:
    inputs = Counter(e.target for e in graph.edges if e.input_slot is not None)
    labels = {n.id: n for n in [*graph.functions, *graph.tensors]}
    far = _far_edges(graph, drawn, long_edge_budget)
    for index, edge in enumerate(graph.edges):
        if edge.source not in drawn or edge.target not in drawn:
            continue
        source = edge.source
        if index in far:
            source = f"{edge.source}_for_{edge.target}"
            dot.node(source, _proxy_label(edge.source, labels), id=source, **NODE_STYLES["proxy"])
        style = dict(EDGE_STYLES[edge.kind])
        if edge.gradient is not None:
            style.update(EDGE_STYLES["broadcast" if edge.reduced_from is not None else "gradient"])
        if backward:
            style["dir"] = "back"
        label = "" if large else edge_label(edge, inputs[edge.target])
        if edge.gradient is not None:
            style["tooltip"] = f"gradient {' '.join(edge.gradient.split())}"
        dot.edge(source, edge.target, label=label, id=edge.element_id, **style)


def legend_graph() -> "graphviz.Digraph":
    """A boxed key: one sample node per kind."""
    import graphviz

    legend = graphviz.Digraph("cluster_legend", graph_attr={"label": "legend", "style": "rounded",
                                                            "color": "#999999", "rank": "same"})
    for kind, text in LEGEND:
        legend.node(f"legend_{kind}", text, id=f"legend_{kind}", **NODE_STYLES[kind])
    legend.node("legend_grad_a", "", shape="point", id="legend_grad_a")
    legend.node("legend_grad_b", "", shape="point", id="legend_grad_b")
    legend.edge("legend_grad_a", "legend_grad_b", label="gradient summed over\nbroadcast dims",
                **EDGE_STYLES["broadcast"])
    return legend


def render_svg(dot: "graphviz.Digraph") -> str:
    """The SVG text (runs Graphviz's ``dot``)."""
    return dot.pipe(format="svg", encoding="utf-8")
