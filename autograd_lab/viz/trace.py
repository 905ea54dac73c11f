"""Recording a backward() so the graph can show the gradient that travelled each edge.

    with viz.record() as trace:
        y.backward()
    viz.draw(y, trace=trace)

``BackwardRecorder`` is a listener for ``autograd.listening``: it keeps every
event (for the step-by-step player) and indexes, per node and slot, what the
last recorded backward sent, so ``build_graph(..., trace=trace)`` can look it up.
Right after each ``BackwardStarted`` it adds a ``StateAtStart``: copies of every
``.grad`` and leaf value in the graph at that moment, so what a view shows of the
time before a call is what was there then, not what is there when it is drawn.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np

from ..autograd import events
from ..autograd.events import listening

if TYPE_CHECKING:
    from .._tensor import Tensor
    from ..autograd.function import Node
    from .graph import Edge


@dataclass(frozen=True)
class StateAtStart:
    """Copies taken as a backward call starts: ``.grad`` of leaves and retained tensors, leaf values, freed nodes.

    Keys are ``id()`` of the live tensors and nodes (for lookup only; no value is read from them later).
    """

    grads: dict[int, np.ndarray | None]
    values: dict[int, np.ndarray]
    freed: frozenset[int]


def state_at_start(roots: tuple["Tensor", ...]) -> StateAtStart:
    """Snapshot the ``.grad`` and data of every leaf and retained tensor reachable from ``roots``."""
    grads: dict[int, np.ndarray | None] = {}
    values: dict[int, np.ndarray] = {}
    freed: set[int] = set()

    def keep(tensor: "Tensor") -> None:
        grad = tensor._grad
        grads[id(tensor)] = None if grad is None else np.array(grad._data, copy=True)
        values[id(tensor)] = np.array(tensor._data, copy=True)

    for root in roots:
        keep(root)
    stack = [root.grad_fn for root in roots if root.grad_fn is not None]
    seen = {id(node) for node in stack}
    while stack:
        node = stack.pop()
        variable = getattr(node, "variable", None)
        if variable is not None:
            keep(variable)
        for tensor in node.retained_outputs:
            keep(tensor)
        if node.saved_tensors_freed:
            freed.add(id(node))
        for child, _ in node.next_functions:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return StateAtStart(grads, values, frozenset(freed))


@dataclass(frozen=True)
class SavedAtVisit:
    """Copies of what a node saved for backward, taken just before it runs (for the captions' numbers)."""

    node: "Node"
    values: dict[str, np.ndarray]


def saved_at_visit(node: "Node") -> SavedAtVisit:
    """Snapshot ``node.saved_values`` (by name) before backward uses and frees them."""
    return SavedAtVisit(node, {name: np.array(tensor.detach().numpy(), copy=True)
                               for name, tensor in node.saved_values.items() if tensor is not None})


class BackwardRecorder:
    """Collects backward events; ``events`` holds them all, in order."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._step = 0
        self._steps: dict[int, int] = {}
        self._roots: dict[tuple[int, int], np.ndarray] = {}
        self._received: dict[int, tuple[np.ndarray | None, ...]] = {}
        self._sent: dict[tuple[int, int], tuple[np.ndarray, tuple[int, ...] | None]] = {}
        self._grads: dict[int, tuple[np.ndarray | None, np.ndarray]] = {}

    def __call__(self, event: Any) -> None:
        self.events.append(event)
        if isinstance(event, events.BackwardStarted):
            self.events.append(state_at_start(event.roots))
            self._step = 0
            for root, gradient in zip(event.roots, event.gradients):
                self._roots[(id(root.grad_fn), root._output_nr)] = gradient
        elif isinstance(event, events.NodeVisited):
            self.events.append(saved_at_visit(event.node))
            self._steps[id(event.node)] = self._step
            self._step += 1
            self._received[id(event.node)] = event.grad_outputs
        elif isinstance(event, events.GradientSent):
            self._sent[(id(event.node), event.input_slot)] = (event.gradient, event.reduced_from)
        elif isinstance(event, (events.GradAccumulated, events.GradRetained)):
            self._grads[id(event.tensor)] = (event.before, event.after)

    def step_of(self, node: "Node") -> int | None:
        """The position of ``node`` in the order the last backward ran nodes (0 first)."""
        return self._steps.get(id(node))

    def grad_before(self, tensor: "Tensor") -> tuple[np.ndarray | None] | None:
        """``(.grad before the recorded backward,)`` for a tensor whose ``.grad`` it filled."""
        found = self._grads.get(id(tensor))
        return None if found is None else (found[0],)

    def annotate_root(self, edge: "Edge", output: "Tensor") -> None:
        """The gradient backward started from, on the edge into the output."""
        gradient = self._roots.get((id(output.grad_fn), output._output_nr))
        if gradient is not None:
            edge.gradient = _describe(gradient)

    def annotate_sent(self, edge: "Edge", node: "Node", slot: int, input_shape: tuple[int, ...]) -> None:
        """What ``node`` sent to its input ``slot``, with the broadcast reduction if there was one."""
        found = self._sent.get((id(node), slot))
        if found is not None:
            edge.gradient = _describe(found[0])
            if found[1] is not None:
                edge.reduced_from, edge.reduced_to = tuple(found[1]), tuple(input_shape)

    def annotate_received(self, edge: "Edge", node: "Node", output_nr: int) -> None:
        """What arrived for output ``output_nr`` of ``node``."""
        received = self._received.get(id(node))
        if received is not None and output_nr < len(received) and received[output_nr] is not None:
            edge.gradient = _describe(received[output_nr])


def _describe(array: np.ndarray) -> str | None:
    from .graph import describe_array

    return describe_array(array)


@contextlib.contextmanager
def record() -> Iterator[BackwardRecorder]:
    """Record every backward() run in the block."""
    recorder = BackwardRecorder()
    with listening(recorder):
        yield recorder


def record_backward(output: "Tensor", gradient: "Tensor | None" = None,
                    retain_graph: bool | None = None) -> BackwardRecorder:
    """Run ``output.backward(...)`` and return its recording."""
    with record() as recorder:
        output.backward(gradient, retain_graph=retain_graph)
    return recorder
