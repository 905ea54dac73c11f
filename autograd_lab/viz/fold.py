"""Folding an unrolled loop into one block, so a big graph's picture still fits a notebook cell.

A loop in the forward pass records the same ops in the same order again and again; the
nodes' sequence numbers keep that order. ``fold`` finds the longest run of iterations that
are wired the same way (each takes its inputs from the iteration before, from its own
leaves, or from the same shared tensors), keeps the last of them (nearest the output) and
maps every node and edge of the others onto it. The block is drawn once, boxed and
labelled "× 150", with the edge that carries each iteration into the next drawn as a loop.
``Folding.nodes`` and ``Folding.edges`` say where each node and edge of the full graph is
drawn, so the player can replay the full backward on the folded picture.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .graph import Edge, FunctionNode, Graph

FOLD_AT = 60
"""Graphs with more nodes than this are folded when they repeat."""
MIN_ITERATIONS = 4
"""A run of fewer identical iterations is drawn as it is."""
MAX_PERIOD = 24
"""The most ops one iteration may record."""
MAX_CANDIDATES = 8
"""How many repeats (longest first) are checked for iterations wired alike."""


@dataclass
class Folding:
    """The graph to draw and where each node and edge of the full graph is drawn."""

    graph: Graph
    nodes: dict[str, str] = field(default_factory=dict)
    edges: dict[str, str] = field(default_factory=dict)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    members: set[str] = field(default_factory=set)
    """Ids (of the full graph) of every node inside a folded iteration."""

    def node(self, node_id: str) -> str:
        """Where ``node_id`` of the full graph is drawn."""
        return self.nodes.get(node_id, node_id)


def _repeats(names: list[str]) -> list[tuple[int, int, int]]:
    """(start, period, iterations) of stretches where ``names`` repeats, longest first, shortest period first."""
    found: list[tuple[int, int, int, int]] = []
    for period in range(1, min(MAX_PERIOD, len(names) // MIN_ITERATIONS) + 1):
        start = 0
        for i in range(len(names) - period + 1):
            if i < len(names) - period and names[i] == names[i + period]:
                continue
            iterations = (i + period - start) // period
            if iterations >= MIN_ITERATIONS:
                found.append((-iterations * period, period, start, iterations))
            start = i + 1
    return [(start, period, iterations) for _, period, start, iterations in sorted(found)]


class _Units:
    """The iterations of one repeat: node ids by (iteration, position), and how each is wired."""

    def __init__(self, graph: Graph, ops: list[FunctionNode], start: int, period: int, iterations: int) -> None:
        self.graph = graph
        self.period = period
        self.ids = [[ops[start + k * period + j].id for j in range(period)] for k in range(iterations)]
        self.where = {node_id: (k, j) for k, unit in enumerate(self.ids) for j, node_id in enumerate(unit)}
        self.names = {f.id: f.name for f in graph.functions}
        self.consumers: dict[str, set[str]] = {}
        self.incoming: dict[str, list[Edge]] = {}
        for edge in graph.edges:
            self.consumers.setdefault(edge.source, set()).add(edge.target)
            self.incoming.setdefault(edge.target, []).append(edge)
        self.own_leaves: dict[str, tuple[int, int, int]] = {}
        for edge in graph.edges:
            if edge.target in self.where and edge.source.startswith("fn") and edge.source not in self.where:
                users = self.consumers.get(edge.source, set())
                units = {self.where[u][0] for u in users if u in self.where}
                if len(users) == 1 and len(units) == 1:
                    k, j = self.where[edge.target]
                    self.own_leaves[edge.source] = (k, j, edge.input_slot or 0)

    def signature(self, k: int) -> tuple[Any, ...]:
        """How iteration ``k`` is wired, relative to itself: equal for iterations that fold together."""
        wiring = []
        for j, node_id in enumerate(self.ids[k]):
            inputs = []
            for edge in sorted(self.incoming.get(node_id, []), key=lambda e: (e.input_slot or 0, e.kind)):
                source = edge.source
                if source in self.where:
                    sk, sj = self.where[source]
                    inputs.append((edge.input_slot, "unit", sk - k, sj) if k - sk in (0, 1) else (edge.input_slot, "far"))
                elif source in self.own_leaves:
                    inputs.append((edge.input_slot, "own"))
                else:
                    inputs.append((edge.input_slot, edge.kind, source if edge.kind == "next" else ""))
            wiring.append((self.names[node_id], tuple(inputs)))
        return tuple(wiring)


def fold(graph: Graph, fold_at: int = FOLD_AT) -> Folding:
    """``graph`` with its longest unrolled loop drawn once; unchanged when small or without a loop."""
    if len(graph) <= fold_at:
        return Folding(graph)
    ops = sorted((f for f in graph.functions if f.sequence_nr is not None), key=lambda f: f.sequence_nr or 0)
    for start, period, iterations in _repeats([f.name for f in ops])[:MAX_CANDIDATES]:
        units = _Units(graph, ops, start, period, iterations)
        first, last = _same_wiring(units)
        if last - first + 1 >= MIN_ITERATIONS:
            return _folded(graph, units, first, last)
    return Folding(graph)


def _same_wiring(units: _Units) -> tuple[int, int]:
    """The longest run of consecutive iterations wired alike (the first may differ: it starts the loop)."""
    signatures = [units.signature(k) for k in range(len(units.ids))]
    best, start = (0, 0), 0
    for k in range(1, len(signatures) + 1):
        if k == len(signatures) or signatures[k] != signatures[start]:
            if k - start > best[1] - best[0] + 1:
                best = (start, k - 1)
            start = k
    return best


def _folded(graph: Graph, units: _Units, first: int, last: int) -> Folding:
    rep = units.ids[last]
    nodes: dict[str, str] = {}
    for k in range(first, last + 1):
        for j, node_id in enumerate(units.ids[k]):
            nodes[node_id] = rep[j]
    rep_leaves = {(j, slot): acc for acc, (k, j, slot) in units.own_leaves.items() if k == last}
    for acc, (k, j, slot) in units.own_leaves.items():
        if first <= k <= last and (j, slot) in rep_leaves:
            nodes[acc] = rep_leaves[(j, slot)]
    for tensor in graph.tensors:
        owner, _, suffix = tensor.id.partition("_")
        if owner in nodes and suffix:
            nodes[tensor.id] = f"{nodes[owner]}_{suffix}"
    folded = copy.deepcopy(graph)
    folded.functions = [f for f in folded.functions if nodes.get(f.id, f.id) == f.id]
    folded.tensors = [t for t in folded.tensors if nodes.get(t.id, t.id) == t.id]
    kept = {n.id for n in [*folded.functions, *folded.tensors]}
    edges: dict[str, str] = {}
    drawn: dict[str, Edge] = {}
    count = last - first + 1
    for edge in graph.edges:
        source, target = nodes.get(edge.source, edge.source), nodes.get(edge.target, edge.target)
        if source not in kept or target not in kept:
            continue
        carried = edge.source in units.where and edge.target in units.where and \
            first <= units.where[edge.source][0] < units.where[edge.target][0] <= last
        mapped = Edge(source, target, "loop" if carried else edge.kind, edge.input_slot, edge.output_nr)
        key = mapped.element_id
        edges[edge.element_id] = key
        if key not in drawn:
            drawn[key] = mapped
    folded.edges = list(drawn.values())
    ops = [units.names[node_id] for node_id in rep]
    members = sorted({*rep, *(n for n in set(nodes.values()) if n in kept)})
    block = {"id": "block0", "count": count, "ops": ops, "nodes": members,
             "label": f"× {count}: loop of {', '.join(dict.fromkeys(ops))}"}
    folded.blocks = [block]
    members = {node_id for k in range(first, last + 1) for node_id in units.ids[k]}
    members |= {node_id for node_id, drawn_as in nodes.items() if drawn_as in block["nodes"]}
    return Folding(folded, nodes, edges, [block], members)
