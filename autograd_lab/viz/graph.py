"""The graph model every view draws: plain data built by walking ``grad_fn``.

``build_graph(y)`` starts at the output(s) and follows ``next_functions`` the way
``backward()`` will, breadth first, slot by slot. Node ids come from that walk
(``fn0`` is the output's ``grad_fn``, ``fn3_var`` the leaf behind AccumulateGrad
``fn3``, ``fn1_in1`` a constant entering input 1 of ``fn1``, ``fn2_saved0`` the first
tensor ``fn2`` saved), so the same graph gets the same ids on every call, before
and after ``backward()``.

Edges point the way values flow forward (input -> op -> output); the gradient
travels each edge in the opposite direction, into input slot ``input_slot`` of
its ``target``.
"""
from __future__ import annotations

import json
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np

from .._printing import format_tensor
from .._tensor import Tensor
from ..autograd.function import AccumulateGrad, Node
from . import names as _names

if TYPE_CHECKING:
    from .trace import BackwardRecorder

FULL_DATA_LIMIT = 12
"""Tensors with at most this many elements show their values in full; larger ones a summary."""


@dataclass
class TensorNode:
    """A tensor in the picture: an output, a leaf, a named intermediate, a constant or a saved tensor."""

    id: str
    kind: str
    name: str | None
    shape: tuple[int, ...]
    dtype: str
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None
    retains_grad: bool
    data: str | None
    grad: str | None
    grad_note: str | None = None
    note: str | None = None
    grad_before: str | None = None

    @property
    def title(self) -> str:
        """The name if one was found, else what the tensor is."""
        return self.name or {"output": "output", "leaf": "leaf", "intermediate": "tensor",
                             "constant": "constant", "saved": "saved"}.get(self.kind, self.kind)


@dataclass
class SavedInfo:
    """One tensor a function node saved for backward."""

    index: int
    role: str
    name: str | None
    shape: tuple[int, ...]
    dtype: str
    modified: bool = False


@dataclass
class FunctionNode:
    """A node of the backward graph (``MulBackward0``, ``AccumulateGrad``, ...)."""

    id: str
    name: str
    kind: str
    saved: list[SavedInfo] = field(default_factory=list)
    saved_freed: bool = False
    produces: list[str] = field(default_factory=list)
    variable: str | None = None
    step: int | None = None
    sequence_nr: int | None = None


@dataclass
class Edge:
    """``source`` feeds input ``input_slot`` of ``target``; its gradient flows back along it."""

    source: str
    target: str
    kind: str
    input_slot: int | None = None
    output_nr: int = 0
    gradient: str | None = None
    reduced_from: tuple[int, ...] | None = None
    reduced_to: tuple[int, ...] | None = None

    @property
    def element_id(self) -> str:
        """The id this edge has in the drawn SVG."""
        slot = "" if self.input_slot is None else f"_{self.input_slot}"
        return f"{self.source}__{self.target}{slot}"

    @property
    def broadcast_note(self) -> str | None:
        """"sum over broadcast dims: (2, 3) → (3,)" when backward reduced this gradient."""
        if self.reduced_from is None:
            return None
        return f"sum over broadcast dims: {_shape_text(self.reduced_from)} → {_shape_text(self.reduced_to or ())}"


@dataclass
class Graph:
    """Function nodes, tensor nodes and edges, in walk order; ``outputs`` are tensor ids."""

    functions: list[FunctionNode] = field(default_factory=list)
    tensors: list[TensorNode] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    traced: bool = False
    blocks: list[dict[str, Any]] = field(default_factory=list)
    """Folded loops (``viz.fold``): id, count, ops, label and the node ids drawn inside each."""

    def __len__(self) -> int:
        return len(self.functions) + len(self.tensors)

    def node(self, node_id: str) -> FunctionNode | TensorNode:
        """The node with this id."""
        for node in [*self.functions, *self.tensors]:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def named(self, name: str) -> TensorNode:
        """The tensor node called ``name``."""
        for node in self.tensors:
            if node.name == name:
                return node
        raise KeyError(name)

    def edges_into(self, node_id: str) -> list[Edge]:
        """Edges whose target is ``node_id``, by input slot."""
        return sorted((e for e in self.edges if e.target == node_id), key=lambda e: (e.input_slot or 0, e.kind))

    def to_dict(self) -> dict[str, Any]:
        """Plain lists and dicts, ready for JSON."""
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        """The graph as a JSON string."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Graph":
        """Rebuild a graph from ``to_dict()`` output (or parsed JSON)."""
        def tensor(d: Mapping[str, Any]) -> TensorNode:
            return TensorNode(**{**d, "shape": tuple(d["shape"])})

        def function(d: Mapping[str, Any]) -> FunctionNode:
            saved = [SavedInfo(**{**s, "shape": tuple(s["shape"])}) for s in d["saved"]]
            return FunctionNode(**{**d, "saved": saved})

        def edge(d: Mapping[str, Any]) -> Edge:
            return Edge(**{**d, "reduced_from": _tuple_or_none(d.get("reduced_from")),
                           "reduced_to": _tuple_or_none(d.get("reduced_to"))})

        return cls([function(f) for f in data["functions"]], [tensor(t) for t in data["tensors"]],
                   [edge(e) for e in data["edges"]], list(data["outputs"]), bool(data.get("traced")),
                   list(data.get("blocks", [])))


def _tuple_or_none(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(value)


def _shape_text(shape: Sequence[int]) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else f"({', '.join(map(str, shape))})"


def dtype_name(dtype: Any) -> str:
    """``torch.float32`` for a tensor dtype or a NumPy dtype."""
    if isinstance(dtype, np.dtype) or isinstance(dtype, type):
        return f"torch.{np.dtype(dtype).name}"
    return str(dtype)


def describe_array(array: np.ndarray | None, limit: int = FULL_DATA_LIMIT) -> str | None:
    """Small arrays in full as PyTorch prints them; larger ones as shape, mean, min and max."""
    if array is None:
        return None
    array = np.asarray(array)
    if array.size <= limit:
        return format_tensor(array, array.dtype.name, requires_grad=False, grad_fn_name=None)
    if array.size == 0:
        return "tensor([])"
    values = array.astype(np.float64) if array.dtype.kind in "fiub" else array
    return (f"{_shape_text(array.shape)} values: mean {values.mean():.4g}, "
            f"min {values.min():.4g}, max {values.max():.4g}")


def grad_text(tensor: Tensor) -> tuple[str | None, str | None]:
    """What ``tensor.grad`` shows, and why it is None when it is."""
    grad = tensor._grad
    if not tensor.requires_grad:
        return None, "does not require grad"
    if tensor.grad_fn is not None and not tensor.retains_grad:
        return None, "non-leaf: call .retain_grad() before backward() to keep it"
    if grad is None:
        return None, "not computed yet: no backward() has reached it"
    return describe_array(grad._data), None


class GraphBuilder:
    """Builds the graph model and remembers which live node got which id (``ids``)."""

    def __init__(self, names: dict[int, tuple[str, Tensor]], show_saved: bool,
                 trace: "BackwardRecorder | None") -> None:
        self.names = names
        self.output_names = {(id(t.grad_fn), t._output_nr): n for n, t in names.values() if t.grad_fn is not None}
        self.show_saved = show_saved
        self.trace = trace
        self.graph = Graph(traced=trace is not None)
        self.ids: dict[int, str] = {}
        self.nodes: list[Node] = []
        self.functions: dict[str, FunctionNode] = {}

    def name_of(self, tensor: Tensor) -> str | None:
        found = self.names.get(id(tensor))
        if found is not None and found[1] is tensor:
            return found[0]
        if tensor.grad_fn is not None:
            return self.output_names.get((id(tensor.grad_fn), tensor._output_nr))
        return None

    def tensor_node(self, node_id: str, kind: str, tensor: Tensor, name: str | None = None,
                    note: str | None = None) -> TensorNode:
        grad, why = grad_text(tensor)
        node = TensorNode(
            id=node_id, kind=kind, name=name if name is not None else self.name_of(tensor),
            shape=tuple(tensor._data.shape), dtype=dtype_name(tensor.dtype), requires_grad=tensor.requires_grad,
            is_leaf=tensor.is_leaf, grad_fn=tensor.grad_fn.name() if tensor.grad_fn is not None else None,
            retains_grad=tensor.retains_grad, data=_data_text(tensor), grad=grad, grad_note=why, note=note)
        if self.trace is not None:
            before = self.trace.grad_before(tensor)
            if before is not None:
                node.grad_before = describe_array(before[0]) if before[0] is not None else "None"
        self.graph.tensors.append(node)
        return node

    def function_id(self, node: Node) -> str:
        key = id(node)
        if key not in self.ids:
            self.ids[key] = f"fn{len(self.nodes)}"
            self.nodes.append(node)
        return self.ids[key]

    def build(self, outputs: Sequence[Tensor]) -> Graph:
        queue: deque[Node] = deque()
        for index, output in enumerate(outputs):
            node = self.tensor_node(f"out{index}", "output", output)
            self.graph.outputs.append(node.id)
            if output.grad_fn is not None:
                known = id(output.grad_fn) in self.ids
                fid = self.function_id(output.grad_fn)
                edge = Edge(fid, node.id, "output", None, output._output_nr)
                if self.trace is not None:
                    self.trace.annotate_root(edge, output)
                self.graph.edges.append(edge)
                if not known:
                    queue.append(output.grad_fn)
        while queue:
            self.visit(queue.popleft(), queue)
        self.add_intermediates(outputs)
        return self.graph

    def visit(self, node: Node, queue: deque[Node]) -> None:
        fid = self.ids[id(node)]
        is_accumulate = isinstance(node, AccumulateGrad)
        function = FunctionNode(fid, type(node).__name__, "accumulate" if is_accumulate else "function",
                                saved_freed=node.saved_tensors_freed,
                                sequence_nr=None if is_accumulate else node.sequence_nr)
        self.graph.functions.append(function)
        self.functions[fid] = function
        if self.trace is not None:
            function.step = self.trace.step_of(node)
        if is_accumulate:
            leaf = self.tensor_node(f"{fid}_var", "leaf", node.variable)
            function.variable = leaf.id
            edge = Edge(leaf.id, fid, "leaf", 0, 0)
            if self.trace is not None:
                self.trace.annotate_received(edge, node, 0)
            self.graph.edges.append(edge)
            return
        constants = self.match_constants(node)
        for slot, (child, output_nr) in enumerate(node.next_functions):
            if child is None:
                self.add_constant(node, fid, slot, constants.get(slot))
                continue
            known = id(child) in self.ids
            edge = Edge(self.function_id(child), fid, "next", slot, output_nr)
            if self.trace is not None:
                self.trace.annotate_sent(edge, node, slot, _input_shape(node, slot))
            self.graph.edges.append(edge)
            if not known:
                queue.append(child)
        self.add_saved(node, function, constants)

    def match_constants(self, node: Node) -> dict[int, Tensor]:
        """Constant inputs whose tensor the node saved (the graph keeps no other reference to them)."""
        saved = node.saved_values
        found: dict[int, Tensor] = {}
        for slot, ((child, _), name) in enumerate(zip(node.next_functions, node.input_names)):
            tensor = saved.get(name)
            if child is None and tensor is not None:
                found[slot] = tensor
        return found

    def add_constant(self, node: Node, fid: str, slot: int, tensor: Tensor | None) -> None:
        node_id = f"{fid}_in{slot}"
        if tensor is not None:
            note = "Python number" if tensor._wrapped_number else "does not require grad"
            self.tensor_node(node_id, "constant", tensor, note=note)
        else:
            shape, dtype = _meta(node, slot)
            self.graph.tensors.append(TensorNode(
                id=node_id, kind="constant", name=None, shape=shape, dtype=dtype, requires_grad=False, is_leaf=True,
                grad_fn=None, retains_grad=False, data=None, grad=None, grad_note="does not require grad",
                note="does not require grad; value not kept by the graph"))
        self.graph.edges.append(Edge(node_id, fid, "constant", slot, 0))

    def add_saved(self, node: Node, function: FunctionNode, constants: dict[int, Tensor]) -> None:
        versions = node.saved_versions
        for index, (saved_as, tensor) in enumerate(node.saved_values.items()):
            if tensor is None:
                continue
            role = _saved_role(node, saved_as)
            name = self.name_of(tensor)
            modified = tensor._version != versions[saved_as]
            function.saved.append(SavedInfo(index, role, name, tuple(tensor._data.shape), dtype_name(tensor.dtype),
                                            modified))
            if self.show_saved:
                note = f"saved by {node.name()} ({role})" + (", modified in place since!" if modified else "")
                saved = self.tensor_node(f"{function.id}_saved{index}", "saved", tensor, name=name, note=note)
                self.graph.edges.append(Edge(saved.id, function.id, "saved", None, 0))

    def add_intermediates(self, outputs: Sequence[Tensor]) -> None:
        """Named or retain_grad() non-leaf tensors, hung off the node that made them."""
        shown = {(id(t.grad_fn), t._output_nr) for t in outputs if t.grad_fn is not None}
        candidates: list[Tensor] = [t for _, t in self.names.values() if t.grad_fn is not None]
        for node in self.nodes:
            candidates.extend(node.retained_outputs)
        for tensor in candidates:
            key = (id(tensor.grad_fn), tensor._output_nr)
            fid = self.ids.get(id(tensor.grad_fn))
            if fid is None or key in shown:
                continue
            shown.add(key)
            name = self.name_of(tensor)
            node = self.tensor_node(f"{fid}_out{tensor._output_nr}", "intermediate", tensor, name=name)
            if name is not None:
                self.functions[fid].produces.append(name)
            edge = Edge(fid, node.id, "intermediate", None, tensor._output_nr)
            if self.trace is not None:
                self.trace.annotate_received(edge, tensor.grad_fn, tensor._output_nr)
            self.graph.edges.append(edge)
        self.graph.tensors.sort(key=lambda t: _walk_key(t.id))


def _walk_key(node_id: str) -> tuple[int, int, str]:
    if node_id.startswith("out"):
        return (0, int(node_id[3:]), "")
    head, _, rest = node_id.partition("_")
    return (1, int(head[2:]), rest)


def _meta(node: Node, slot: int) -> tuple[tuple[int, ...], str]:
    metadata = node.input_metadata
    if slot < len(metadata):
        shape, dtype = metadata[slot]
        return tuple(shape), dtype_name(dtype)
    return (), "unknown"


def _input_shape(node: Node, slot: int) -> tuple[int, ...]:
    return _meta(node, slot)[0]


def _saved_role(node: Node, saved_as: str) -> str:
    """"result" (or "result 1" of several outputs), "input <slot>" for an input's tensor, else "other"."""
    if saved_as.startswith("result"):
        return "result" if saved_as == "result" else f"result {saved_as[len('result'):]}"
    if saved_as in node.input_names:
        return f"input {node.input_names.index(saved_as)}"
    return "other"


def _data_text(tensor: Tensor) -> str:
    if tensor._wrapped_number:
        return str(tensor._data.item())
    return describe_array(tensor._data) or ""


def _as_outputs(outputs: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(outputs, Tensor):
        return [outputs]
    result = list(outputs)
    for output in result:
        if not isinstance(output, Tensor):
            raise TypeError(f"build_graph() expects tensors, got {type(output).__name__}")
    return result


def build_graph(outputs: Tensor | Iterable[Tensor], names: Mapping[str, Tensor] | None = None,
                show_saved: bool = False, trace: "BackwardRecorder | None" = None,
                find_names: bool = True) -> Graph:
    """The graph ``backward()`` walks from ``outputs``, as plain data.

    ``names`` maps names to tensors; other names are looked up in the caller's
    namespace unless ``find_names=False``. ``show_saved`` adds a node per saved
    tensor. ``trace`` (from ``viz.record()``) adds the gradients a recorded
    backward sent along each edge.
    """
    found = _names.find_names(names, search=find_names)
    return GraphBuilder(found, show_saved, trace).build(_as_outputs(outputs))
