"""The graph as an indented tree, for terminals, doctests and machines without Graphviz.

Each output comes first, then the backward graph below it: every function node
lists its inputs by slot (``[0]``, ``[1]``), down to the leaves. A node reached
a second time is written once and then referred to by its id.
"""
from __future__ import annotations

from collections import defaultdict

from .graph import Edge, FunctionNode, Graph, SavedInfo, TensorNode

def tensor_line(node: TensorNode) -> str:
    """One line with what a student asks about a tensor."""
    parts = [node.title, f"[{node.kind}]", f"shape={_shape(node.shape)}", node.dtype.replace("torch.", "")]
    if node.kind != "constant" or node.requires_grad:
        parts.append(f"requires_grad={node.requires_grad}")
    if node.kind in ("output", "intermediate", "saved"):
        parts.append(f"is_leaf={node.is_leaf}")
    if node.grad_fn:
        parts.append(f"grad_fn={node.grad_fn}")
    if node.retains_grad:
        parts.append("retains_grad=True")
    if node.note:
        parts.append(f"({node.note})")
    if node.data:
        parts.append(f"data={_one_line(node.data)}")
    if node.kind != "constant":
        grad = _one_line(node.grad) if node.grad is not None else f"None ({node.grad_note})"
        if node.grad_before is not None:
            grad = f"{_one_line(node.grad_before)} -> {grad}"
        parts.append(f"grad={grad}")
    return "  ".join(parts)


def function_line(node: FunctionNode) -> str:
    """One line for a backward function: class name, saved tensors, step."""
    parts = [node.name]
    if node.produces:
        parts.append(f"(makes {', '.join(node.produces)})")
    if node.saved_freed:
        parts.append("saved: freed by backward()")
    elif node.saved:
        parts.append("saved: " + ", ".join(_saved_text(s) for s in node.saved))
    if node.step is not None:
        parts.append(f"step {node.step + 1}")
    return "  ".join(parts)


def _saved_text(saved: SavedInfo) -> str:
    label = f"{saved.name} ({saved.role})" if saved.name else saved.role
    return label + (" MODIFIED IN PLACE" if saved.modified else "")


def _edge_via(edge: Edge) -> str:
    slot = "saved: " if edge.kind == "saved" else "" if edge.kind == "leaf" or edge.input_slot is None \
        else f"[{edge.input_slot}] "
    return f"{slot}|{_edge_text(edge)}"


def _edge_text(edge: Edge) -> str:
    parts = []
    if edge.gradient is not None:
        parts.append(f"grad {_one_line(edge.gradient)}")
    if edge.broadcast_note:
        parts.append(f"({edge.broadcast_note})")
    return " ".join(parts)


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(map(str, shape))})"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_text(graph: Graph) -> str:
    """The whole graph as an indented tree."""
    inputs: dict[str, list[Edge]] = defaultdict(list)
    made: dict[str, list[Edge]] = defaultdict(list)
    for edge in graph.edges:
        if edge.kind in ("output", "intermediate"):
            (made[edge.source] if edge.kind == "intermediate" else inputs[edge.target]).append(edge)
        else:
            inputs[edge.target].append(edge)
    for edges in inputs.values():
        edges.sort(key=lambda e: (e.input_slot is None, e.input_slot or 0))
    nodes = {n.id: n for n in [*graph.functions, *graph.tensors]}
    lines: list[str] = []
    written: set[str] = set()
    stack: list[tuple[str, str, str, str]] = [(out, "", "", "") for out in reversed(graph.outputs)]
    while stack:
        node_id, lead, rest, via = stack.pop()
        node = nodes[node_id]
        body = tensor_line(node) if isinstance(node, TensorNode) else function_line(node)
        slot, _, grad = via.partition("|")
        prefix = f"{lead}{slot}{node_id} "
        grad = f"  <- {grad}" if grad else ""
        if node_id in written:
            lines.append(f"{prefix}{node.name if isinstance(node, FunctionNode) else node.title} (see above){grad}")
            continue
        written.add(node_id)
        lines.append(prefix + body + grad)
        children = [(edge.target, "result: |" + _edge_text(edge)) for edge in made.get(node_id, [])]
        children += [(edge.source, _edge_via(edge)) for edge in inputs.get(node_id, [])]
        for index in range(len(children) - 1, -1, -1):
            child, label = children[index]
            last = index == len(children) - 1
            stack.append((child, rest + ("└─ " if last else "├─ "), rest + ("   " if last else "│  "), label))
    return "\n".join(lines)


class TextGraph:
    """The text view as an object: prints itself, and shows as ``<pre>`` in Jupyter."""

    def __init__(self, graph: Graph, message: str | None = None) -> None:
        self.graph = graph
        self.message = message
        self.text = render_text(graph)

    def __str__(self) -> str:
        return self.text if self.message is None else f"{self.message}\n{self.text}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from html import escape

        return f"<pre>{escape(str(self))}</pre>"
