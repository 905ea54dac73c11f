"""What the inspector and the tooltips tell about each node: rows of (field, value), plain data for the browser."""
from __future__ import annotations

from typing import Any

from .graph import FunctionNode, Graph, TensorNode


def _shape(shape: tuple[int, ...]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(map(str, shape))})"


def tensor_rows(node: TensorNode) -> list[list[str]]:
    """Every field a student asks about a tensor, in the order PyTorch's attributes are usually read."""
    rows = [["kind", node.kind], ["shape", _shape(node.shape)], ["dtype", node.dtype],
            ["requires_grad", str(node.requires_grad)], ["is_leaf", str(node.is_leaf)],
            ["grad_fn", node.grad_fn or "None"]]
    if node.retains_grad:
        rows.append(["retains_grad", "True"])
    rows.append(["data", node.data if node.data is not None else "(not kept by the graph)"])
    if node.kind not in ("constant", "saved"):
        grad = node.grad if node.grad is not None else f"None ({node.grad_note})" if node.grad_note else "None"
        if node.grad_before is not None:
            grad = f"{node.grad_before} → {grad}"
        rows.append(["grad", grad])
    if node.note:
        rows.append(["note", node.note])
    return rows


def function_rows(node: FunctionNode, graph: Graph) -> list[list[str]]:
    """The class, what it saved for backward (or that it freed it), the tensors it made, its step."""
    rows = [["grad_fn", node.name]]
    if node.variable is not None:
        rows.append(["fills", f"{graph.node(node.variable).title}.grad"])  # type: ignore[union-attr]
    inputs = [e for e in graph.edges_into(node.id) if e.kind in ("next", "constant")]
    if inputs:
        rows.append(["inputs", str(len(inputs))])
    if node.saved_freed:
        rows.append(["saved", "freed by backward()"])
    elif node.saved:
        rows.append(["saved", ", ".join((f"{s.name} ({s.role})" if s.name else s.role)
                                         + (" MODIFIED IN PLACE" if s.modified else "") for s in node.saved)])
    if node.produces:
        rows.append(["makes", ", ".join(node.produces)])
    if node.step is not None:
        rows.append(["backward step", str(node.step + 1)])
    return rows


def inspector_table(graph: Graph) -> dict[str, dict[str, Any]]:
    """Node id -> {"title", "kind", "rows"} for every node of ``graph``."""
    table: dict[str, dict[str, Any]] = {}
    for tensor in graph.tensors:
        table[tensor.id] = {"title": tensor.title, "kind": tensor.kind, "rows": tensor_rows(tensor)}
    for function in graph.functions:
        title = function.name
        if function.variable is not None:
            title = f"AccumulateGrad of {graph.node(function.variable).title}"  # type: ignore[union-attr]
        table[function.id] = {"title": title, "kind": function.kind, "rows": function_rows(function, graph)}
    return table
