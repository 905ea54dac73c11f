"""Graph -> ``graphviz.Digraph``: the picture students see in the notebook.

Colours follow torchviz's conventions in the Okabe-Ito palette (safe for
colour-blind readers), and every kind also has its own shape and line style so
the picture reads in greyscale. Above ``LARGE_GRAPH`` nodes the layout is
bounded: inputs used many times are drawn next to each use instead of with long
edges, labels are shortened, and dot's crossing and ranking passes get iteration
limits (``mclimit``, ``nslimit``), so big graphs take seconds, not minutes.
"""
from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from html import escape
from typing import TYPE_CHECKING

from .graph import Edge, FunctionNode, Graph, TensorNode
from .text import function_line, tensor_line

if TYPE_CHECKING:
    import graphviz

    from .drawing import Drawing

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
    "loop": {"style": "dashed", "color": OKABE_ITO["reddish_purple"], "constraint": "false", "penwidth": "1.5"},
    "gradient": {"color": OKABE_ITO["vermillion"], "fontcolor": OKABE_ITO["vermillion"]},
    "broadcast": {"color": OKABE_ITO["vermillion"], "fontcolor": OKABE_ITO["vermillion"], "penwidth": "2.5"},
}
GRAPH_ATTRS = {"fontname": "Helvetica", "fontsize": "10", "nodesep": "0.2", "ranksep": "0.3", "bgcolor": "transparent"}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "10", "margin": "0.06,0.03", "height": "0.3"}
EDGE_ATTRS = {"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"}
BOUNDED_ATTRS = {"mclimit": "0.1", "nslimit": "0.02", "nslimit1": "0.02", "searchsize": "10", "remincross": "false",
                 "splines": "line"}
DIRECTIONS = ("LR", "TB", "RL", "BT")
FIT_WIDTH_PT = 720.0
"""A drawing should be at most this wide (960 px at 100 %, inside a ~1000 px notebook cell)."""
AUTO_LAYOUT_LIMIT = 200
"""Above this many nodes, direction="auto" does not lay the graph out twice: it takes top-to-bottom."""
VALUE_LABEL_LIMIT = 22
"""A node shows its value when it fits in this many characters (else the inspector has it)."""
GRAD_LABEL_LIMIT = 22
"""Gradients on nodes and edges are cut to this many characters (the tooltip has them whole)."""

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
    body = "".join(f'{escape(line)}<BR/>' for line in lines[1:])
    return f"<<B>{escape(lines[0])}</B><BR/>{body}>" if body else f"<<B>{escape(lines[0])}</B>>"


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(map(str, shape))})"


def short_value(text: str | None, limit: int = VALUE_LABEL_LIMIT, summaries: bool = False) -> str | None:
    """A value as a label shows it: one line, without ``tensor(...)``, cut to ``limit``.

    Summaries of big tensors ("(3, 4) values: mean ...") give None unless ``summaries``.
    The player's script (``short`` in player.js) cuts values the same way.
    """
    if text is None:
        return None
    line = " ".join(text.split())
    if line.startswith("tensor(") and line.endswith(")"):
        line = line[len("tensor("):-1]
    if "values: mean" in line and not summaries:
        return None
    return line if len(line) <= limit else line[:limit - 1] + "…"


def tensor_badges(node: TensorNode) -> str:
    """What kind of tensor it is, in a few words: "leaf · requires_grad", "output", "no grad"."""
    if node.kind == "constant":
        return "constant · no grad"
    words = [{"leaf": "leaf", "output": "output", "intermediate": "non-leaf", "saved": "saved"}[node.kind]]
    if node.requires_grad:
        words.append("requires_grad")
    if node.retains_grad:
        words.append("retains_grad")
    return " · ".join(words)


def tensor_label(node: TensorNode, compact: bool = False) -> str:
    """The essentials: name and shape, badges, the value and ``.grad`` when they are small.

    Everything else (dtype, grad_fn, why a grad is None, notes) is in the tooltip and the inspector.
    """
    title = node.title if not node.shape else f"{node.title}  {_shape(node.shape)}"
    if node.kind == "constant" and node.note == "Python number":
        return _html([short_value(node.data) or title, "number · no grad"])
    lines = [title]
    if compact:
        return _html(lines)
    lines.append(tensor_badges(node))
    value = short_value(node.data)
    if value is not None and lines[0] != value:
        lines.append(f"= {value}")
    if node.kind not in ("constant", "saved") and node.requires_grad:
        grad = short_value(node.grad, GRAD_LABEL_LIMIT, summaries=True)
        if grad is not None:
            before = short_value(node.grad_before, GRAD_LABEL_LIMIT, summaries=True)
            lines.append(f"grad: {before} → {grad}" if before is not None else f"grad: {grad}")
    return _html(lines)


def function_label(node: FunctionNode, compact: bool = False) -> str:
    """The class name (``MulBackward0``); saved tensors and the step are in the tooltip."""
    return _html([node.name])


COMMUTATIVE = frozenset({"AddBackward0", "MulBackward0", "MaximumBackward0", "MinimumBackward0", "DotBackward0"})
"""Ops whose inputs can swap without changing anything: their edges need no "input 1" label."""


def edge_label(edge: Edge, target_inputs: int, target_name: str = "") -> str:
    """The input slot (where the order of inputs matters) and, once traced, the gradient it carried."""
    parts = []
    if (edge.input_slot is not None and target_inputs > 1 and edge.kind not in ("leaf", "saved")
            and target_name not in COMMUTATIVE):
        parts.append(f"input {edge.input_slot}")
    if edge.gradient is not None:
        parts.append(f"grad {short_value(edge.gradient, GRAD_LABEL_LIMIT, summaries=True)}")
    if edge.broadcast_note:
        parts.append(f"Σ {_shape(edge.reduced_from or ())} → {_shape(edge.reduced_to or ())}")
    return "\n".join(parts)


def to_digraph(graph: Graph, direction: str = "auto", backward: bool = False, legend: bool = False,
               large_at: int = LARGE_GRAPH, max_nodes: int = MAX_NODES,
               long_edge_budget: int = LONG_EDGE_BUDGET, fit_width: float = FIT_WIDTH_PT) -> "Drawing":
    """Draw ``graph``; ``backward=True`` points the arrows the way gradients flow.

    ``direction="auto"`` lays the graph out both left-to-right and top-to-bottom and keeps
    the one that fits ``fit_width`` points (a notebook cell) with the least height.
    """
    if direction != "auto" and direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of auto, {', '.join(DIRECTIONS)}, not {direction!r}")
    if direction != "auto":
        return _digraph(graph, direction, backward, legend, large_at, max_nodes, long_edge_budget)
    if len(graph) > AUTO_LAYOUT_LIMIT:
        return _digraph(graph, "TB", backward, legend, large_at, max_nodes, long_edge_budget)
    candidates = [_digraph(graph, rankdir, backward, legend, large_at, max_nodes, long_edge_budget)
                  for rankdir in ("LR", "TB")]
    with ThreadPoolExecutor(max_workers=2) as pool:  # two dot processes side by side
        sizes = [svg_size(svg) for svg in pool.map(lambda candidate: candidate.svg(), candidates)]
    fitting = [i for i, (width, _) in enumerate(sizes) if width <= fit_width]
    best = min(fitting, key=lambda i: sizes[i][1]) if fitting else min(range(2), key=lambda i: sizes[i][0])
    return candidates[best]


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height Graphviz gave an SVG, in points."""
    tag = svg[svg.find("<svg"):svg.find(">", svg.find("<svg"))]
    width, height = re.search(r'width="([\d.]+)pt"', tag), re.search(r'height="([\d.]+)pt"', tag)
    if width is None or height is None:
        raise ValueError("not an SVG from Graphviz: no width and height in points")
    return float(width.group(1)), float(height.group(1))


def _digraph(graph: Graph, direction: str, backward: bool, legend: bool, large_at: int, max_nodes: int,
             long_edge_budget: int) -> "Drawing":
    from .drawing import Drawing

    large = len(graph) > large_at
    dot = Drawing(graph, "autograd_graph", graph_attr={**GRAPH_ATTRS, "rankdir": direction},
                  node_attr=NODE_ATTRS, edge_attr=EDGE_ATTRS)
    if large:
        dot.graph_attr.update(BOUNDED_ATTRS)
    drawn = _drawn_ids(graph, max_nodes)
    clusters = _clusters(graph)
    places = {node_id: cluster for cluster, block in clusters for node_id in block["nodes"]}
    for node in graph.tensors:
        if node.id in drawn:
            places.get(node.id, dot).node(node.id, tensor_label(node, large), id=node.id, tooltip=tensor_line(node),
                                          **{"class": f"agl-{node.kind}"}, **NODE_STYLES[node.kind])
    for node in graph.functions:
        if node.id in drawn:
            places.get(node.id, dot).node(node.id, function_label(node, large), id=node.id,
                                          tooltip=function_line(node), **{"class": f"agl-{node.kind}"},
                                          **NODE_STYLES[node.kind])
    for cluster, _ in clusters:
        dot.subgraph(cluster)
    _add_edges(dot, graph, drawn, large, backward, long_edge_budget)
    hidden = len(graph) - len(drawn)
    if hidden:
        dot.node("more", f"… {hidden} more nodes not drawn (raise max_nodes to see them)", id="more",
                 **NODE_STYLES["more"])
    if legend:
        dot.graph_attr.update(label=legend_label(graph), labelloc="b", labeljust="l")
    return dot


def _clusters(graph: Graph) -> list[tuple["graphviz.Digraph", dict]]:
    """One boxed, labelled subgraph per folded loop (``viz.fold``) and per layer's parameters."""
    import graphviz

    loops = [(graphviz.Digraph(f"cluster_{block['id']}", graph_attr={
        "label": block["label"], "style": "rounded,dashed", "color": OKABE_ITO["reddish_purple"],
        "fontcolor": OKABE_ITO["reddish_purple"], "id": block["id"], "class": "agl-block",
        "tooltip": f"{block['count']} iterations of the loop, folded: each is wired like this one. "
                   f"draw(..., fold=False) shows them all; the player can open it."}), block)
             for block in graph.blocks]
    inside = {node_id for _, block in loops for node_id in block["nodes"]}
    layers = [(graphviz.Digraph(f"cluster_{group['id']}", graph_attr={
        "label": group["label"], "style": "rounded", "color": OKABE_ITO["blue"], "fontcolor": OKABE_ITO["blue"],
        "id": group["id"], "class": "agl-layer", "tooltip": f"the parameters of {group['label']}"}), group)
              for group in parameter_groups(graph) if not inside & set(group["nodes"])]
    return loops + layers


def parameter_groups(graph: Graph) -> list[dict]:
    """The leaves of each module (``model.0.weight`` and ``model.0.bias``) with their AccumulateGrad nodes."""
    groups: dict[str, list[str]] = {}
    for function in graph.functions:
        if function.variable is None:
            continue
        name = graph.node(function.variable).title
        prefix, _, leaf = name.rpartition(".")
        if prefix and leaf:
            groups.setdefault(prefix, []).extend([function.variable, function.id])
    return [{"id": f"layer{index}", "label": prefix, "nodes": nodes}
            for index, (prefix, nodes) in enumerate(groups.items()) if len(nodes) >= 4]


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


def _add_edges(dot: "Drawing", graph: Graph, drawn: set[str], large: bool, backward: bool,
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
        target = labels[edge.target]
        label = "" if large else edge_label(edge, inputs[edge.target], getattr(target, "name", ""))
        if edge.kind == "loop":
            label = "next iteration"
        tooltip = f"{labels[edge.source].title if isinstance(labels[edge.source], TensorNode) else edge.source}"
        if edge.input_slot is not None:
            tooltip = f"input {edge.input_slot} of {getattr(target, 'name', edge.target)}"
        if edge.gradient is not None:
            tooltip += f": gradient {' '.join(edge.gradient.split())}"
        if edge.broadcast_note:
            tooltip += f" ({edge.broadcast_note})"
        dot.edge(source, edge.target, label=label, id=edge.element_id, tooltip=tooltip,
                 **{"class": f"agl-e-{edge.kind}"}, **style)


def legend_kinds(graph: Graph) -> list[str]:
    """The kinds of node and edge the drawing of ``graph`` has, in legend order."""
    kinds = {node.kind for node in [*graph.tensors, *graph.functions]}
    found = [kind for kind, _ in LEGEND if kind in kinds]
    if any(edge.gradient is not None for edge in graph.edges):
        found.append("gradient")
    if any(edge.reduced_from is not None for edge in graph.edges):
        found.append("broadcast")
    return found


def legend_label(graph: Graph) -> str:
    """A key below the drawing listing only what it shows, three items a row."""
    texts = {**dict(LEGEND), "gradient": "gradient it carried", "broadcast": "gradient summed over broadcast dims"}
    cells = []
    for kind in legend_kinds(graph):
        style = NODE_STYLES.get(kind) or {"fillcolor": OKABE_ITO["vermillion"]}
        colour = style.get("fillcolor", "white")
        text = escape(" ".join(texts[kind].split()))
        cells.append(f'<TD BGCOLOR="{colour}" WIDTH="14" HEIGHT="10" FIXEDSIZE="TRUE"></TD><TD ALIGN="LEFT">{text}</TD>')
    rows = ["".join(cells[i:i + 3]) for i in range(0, len(cells), 3)]
    body = "".join(f"<TR>{row}</TR>" for row in rows)
    return f'<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="1"><TR><TD ALIGN="LEFT" COLSPAN="6"><B>legend</B></TD></TR>{body}</TABLE>>'


def render_svg(dot: "graphviz.Digraph") -> str:
    """The SVG text (runs Graphviz's ``dot``)."""
    return dot.pipe(format="svg", encoding="utf-8")
