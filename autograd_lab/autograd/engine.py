"""The one backward algorithm: walk the graph in topological order, apply the chain rule.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Run nodes whose incoming gradients are all in, newest first (like PyTorch): sum
   what arrived for each output, run the tensor hooks, call the op's backward,
   reduce each result to its input's shape (broadcasting) and cast it to its dtype,
   and send it along the edge to the next node.
3. ``AccumulateGrad`` nodes add what reaches a leaf into its ``.grad``.
4. Without ``retain_graph`` every node that ran releases its saved tensors.

Everything happens in loops over explicit queues: no recursion, so a 100 000-node
chain is fine. What happens is reported to listeners (see ``events``).
"""
from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Iterator, Sequence

import numpy as np

from .. import _dtypes
from . import events, function, grad_mode
from .function import AccumulateGrad, Node

if TYPE_CHECKING:
    from .._tensor import Tensor


def backward(
    tensors: Sequence["Tensor"],
    grad_tensors: Sequence["Tensor | None"],
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(tensors)/d(leaf) weighted by ``grad_tensors`` into every leaf's ``.grad``."""
    _run(tensors, grad_tensors, retain_graph, create_graph, inputs=None, allow_unused=True)


def grad(
    tensors: Sequence["Tensor"],
    inputs: Sequence["Tensor"],
    grad_tensors: Sequence["Tensor | None"],
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple["Tensor | None", ...]:
    """Return d(tensors)/d(inputs) weighted by ``grad_tensors``, leaving ``.grad`` untouched."""
    return _run(tensors, grad_tensors, retain_graph, create_graph, inputs, allow_unused)  # type: ignore[return-value]


def _run(
    roots: Sequence["Tensor"],
    root_grads: Sequence["Tensor | None"],
    retain_graph: bool | None,
    create_graph: bool,
    inputs: Sequence["Tensor"] | None,
    allow_unused: bool,
) -> tuple["Tensor | None", ...] | None:
    if retain_graph is None:
        retain_graph = create_graph
    grads = _initial_grads(roots, root_grads, create_graph)
    listeners = events.active_listeners()
    walk = _Walk(listeners, retain_graph, create_graph, inputs)
    if listeners:
        walk.report(events.BackwardStarted(tuple(roots), tuple(_snapshot(g) for g in grads),
                                           retain_graph, create_graph))
    previous_mode = grad_mode._state["enabled"]
    grad_mode._state["enabled"] = create_graph
    try:
        walk.run([(root._edge(), g) for root, g in zip(roots, grads)])
    except BaseException as error:
        if listeners:
            walk.report(events.BackwardFailed(error))
        raise
    finally:
        grad_mode._state["enabled"] = previous_mode
    if listeners:
        walk.report(events.BackwardFinished())
    if inputs is None:
        return None
    return walk.captured_grads(allow_unused)


def _initial_grads(roots: Sequence["Tensor"], root_grads: Sequence["Tensor | None"],
                   create_graph: bool) -> list["Tensor"]:
    Tensor = function.Tensor
    grads = []
    for index, (root, given) in enumerate(zip(roots, root_grads)):
        if not root._requires_grad:
            raise RuntimeError(f"element {index} of tensors does not require grad and does not have a grad_fn")
        if given is None:
            data = root._data
            if data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            ones = np.empty(data.shape, dtype=data.dtype)
            ones.fill(1)
            grads.append(Tensor._wrap(ones))
            continue
        if not isinstance(given, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(given).__name__}")
        if given.shape != root.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{index}] has a shape of {given.shape} and "
                f"output[{index}] has a shape of {root.shape}."
            )
        if given.dtype is not root.dtype:
            given = given.to(root.dtype)
        grads.append(given if create_graph else given.detach())
    return grads


def _snapshot(tensor: "Tensor | None") -> np.ndarray | None:
    return None if tensor is None else np.array(tensor._data, copy=True)


class _Walk:
    """The state of one backward call: dependencies, gradient buffers, the ready queue."""

    def __init__(self, listeners: tuple, retain_graph: bool, create_graph: bool,
                 inputs: Sequence["Tensor"] | None) -> None:
        self.listeners = listeners
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.buffers: dict[Node, list["Tensor | None"]] = {}
        self.capture: dict[tuple[Node, int], int] = {}
        self.captured: list["Tensor | None"] = []
        if inputs is not None:
            self.capture = {t._edge(): position for position, t in enumerate(inputs)}  # type: ignore[misc]
            self.captured = [None] * len(inputs)
            self.inputs = inputs

    def report(self, event: object) -> None:
        for listener in self.listeners:
            listener(event)

    def run(self, root_edges: list[tuple[tuple[Node | None, int], "Tensor"]]) -> None:
        root_nodes = [node for (node, _), _ in root_edges if node is not None]
        self.dependencies = dependencies = _count_dependencies(root_nodes)
        if self.capture:
            self.needed = _nodes_leading_to({node for node, _ in self.capture if node is not None}, root_nodes)
        self.ready = ready = []
        for (node, slot), grad in root_edges:
            if node is not None:
                self._receive(node, slot, grad)
        for node in {node for (node, _), _ in root_edges if node is not None}:
            if dependencies.get(node, 0) == 0:
                heapq.heappush(ready, (-node._sequence_nr, id(node), node))
        while ready:
            self._execute(heapq.heappop(ready)[2])

    def _receive(self, node: Node, slot: int, grad: "Tensor") -> None:
        buffer = self.buffers.get(node)
        if buffer is None:
            if slot == 0:
                self.buffers[node] = [grad]
                return
            buffer = self.buffers[node] = [None] * (slot + 1)
        elif len(buffer) <= slot:
            buffer.extend([None] * (slot + 1 - len(buffer)))
        current = buffer[slot]
        buffer[slot] = grad if current is None else self._sum(current, grad)

    def _edge_done(self, target: Node) -> None:
        """One of ``target``'s incoming edges has been dealt with; queue it once all have."""
        remaining = self.dependencies[target] - 1
        self.dependencies[target] = remaining
        if remaining == 0:
            heapq.heappush(self.ready, (-target._sequence_nr, id(target), target))

    def _sum(self, first: "Tensor", second: "Tensor") -> "Tensor":
        """Two gradients for the same tensor added up (recorded only with ``create_graph``)."""
        if self.create_graph:
            return first + second
        return function.Tensor._wrap(first._data + second._data)

    def _execute(self, node: Node) -> None:
        """Run one node: call its backward and send each gradient along its edge."""
        grad_outputs = self.buffers.pop(node, None) or [None]  # None: every backward that led here returned None
        is_accumulator = isinstance(node, AccumulateGrad)
        if node._output_hooks or node._retained or (is_accumulator and node.variable._hooks):
            grad_outputs = self._run_output_hooks(node, grad_outputs)
        listeners = self.listeners
        if listeners:
            self.report(events.NodeVisited(node, tuple(_snapshot(g) for g in grad_outputs)))
        if self.capture:
            self._capture(node, grad_outputs)
            if is_accumulator or not self._leads_to_inputs(node):
                return
        if is_accumulator:
            if grad_outputs[0] is not None:
                self._accumulate(node.variable, grad_outputs[0])  # type: ignore[attr-defined, arg-type]
            return
        if node._output_shapes is not None:  # several outputs, or a student's Function: None becomes zeros
            grad_outputs = self._materialize(node, grad_outputs)
        elif grad_outputs[0] is None:  # a built-in op sends nothing on when it received nothing
            for target, _ in node.next_functions:
                if target is not None:
                    self._edge_done(target)
            return
        grad_inputs = node.apply(*grad_outputs)
        if not self.retain_graph and node._saved:
            node.release_saved_tensors()
            if listeners:
                self.report(events.SavedTensorsFreed(node))
        input_meta = node._input_meta
        slot = -1
        for (target, target_slot), grad in zip(node.next_functions, grad_inputs):
            slot += 1
            if target is None:
                continue
            if grad is not None:
                shape, numpy_dtype = input_meta[slot]
                reduced_from = None
                if grad._data.shape != shape or grad._data.dtype != numpy_dtype:
                    grad, reduced_from = _fit_to_input(node, slot, grad)
                if listeners:
                    self.report(events.GradientSent(node, slot, target, target_slot, _snapshot(grad), reduced_from))
                self._receive(target, target_slot, grad)
            self._edge_done(target)

    def _materialize(self, node: Node, grad_outputs: list["Tensor | None"]) -> list["Tensor"]:
        Tensor = function.Tensor
        shapes = node._output_shapes
        if len(grad_outputs) == len(shapes) and all(g is not None for g in grad_outputs):
            return grad_outputs  # type: ignore[return-value]
        padded = list(grad_outputs) + [None] * (len(shapes) - len(grad_outputs))
        return [g if g is not None else Tensor._wrap(np.zeros(shape, dtype=dtype.numpy))
                for g, (shape, dtype) in zip(padded, shapes)]

    def _run_output_hooks(self, node: Node, grad_outputs: list["Tensor | None"]) -> list["Tensor | None"]:
        if isinstance(node, AccumulateGrad):
            hooks = node.variable._hooks
            if hooks:
                grad_outputs[0] = _apply_hooks(hooks.values(), grad_outputs[0])
            return grad_outputs
        if node._output_hooks:  # called with None for an output that received no gradient, as in PyTorch
            for slot, hooks in node._output_hooks.items():
                if slot >= len(grad_outputs):
                    grad_outputs.extend([None] * (slot + 1 - len(grad_outputs)))
                grad_outputs[slot] = _apply_hooks(hooks.values(), grad_outputs[slot])
        if node._retained:
            for slot, tensor in node._retained.items():
                if slot < len(grad_outputs) and grad_outputs[slot] is not None:
                    self._retain(tensor, grad_outputs[slot])  # type: ignore[arg-type]
        return grad_outputs

    def _retain(self, tensor: "Tensor", grad: "Tensor") -> None:
        before = _snapshot(tensor._grad) if self.listeners else None  # before the in-place add below
        self._add_into_grad(tensor, grad)
        if self.listeners:
            self.report(events.GradRetained(tensor, before, _snapshot(tensor._grad)))

    def _accumulate(self, leaf: "Tensor", grad: "Tensor") -> None:
        before = _snapshot(leaf._grad) if self.listeners else None
        self._add_into_grad(leaf, grad)
        if self.listeners:
            self.report(events.GradAccumulated(leaf, before, _snapshot(leaf._grad)))

    def _add_into_grad(self, tensor: "Tensor", grad: "Tensor") -> None:
        if tensor._grad is None:
            tensor._grad = grad if self.create_graph else function.Tensor._wrap(grad._data.copy())
        elif self.create_graph or grad_mode._state["enabled"]:
            tensor._grad = tensor._grad + grad
        else:
            np.add(tensor._grad._data, grad._data, out=tensor._grad._data, casting="unsafe")
            tensor._grad._version_counter[0] += 1

    def _capture(self, node: Node, grad_outputs: list["Tensor | None"]) -> None:
        for slot, grad in enumerate(grad_outputs):
            position = self.capture.get((node, slot))
            if position is not None and grad is not None:
                current = self.captured[position]
                self.captured[position] = grad if current is None else self._sum(current, grad)

    def _leads_to_inputs(self, node: Node) -> bool:
        return node in self.needed

    def captured_grads(self, allow_unused: bool) -> tuple["Tensor | None", ...]:
        for position, grad in enumerate(self.captured):
            if grad is None and not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {position} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        return tuple(self.captured)


def _apply_hooks(hooks, grad: "Tensor | None") -> "Tensor | None":
    for hook in list(hooks):
        result = hook(grad)
        if result is not None:
            if grad is None:
                raise RuntimeError("can't replace a None gradient with a non-None value")
            _check_hook_result(hook, grad, result)
            grad = result
    return grad


def _check_hook_result(hook: object, grad: "Tensor", result: object) -> None:
    """A hook may change a gradient's values, not what it is (PyTorch's checks)."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, function.Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if result.dtype is not grad.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.type()} got {result.type()})")


def _fit_to_input(node: Node, slot: int, grad: "Tensor") -> tuple["Tensor", tuple[int, ...] | None]:
    """Sum a gradient over broadcast dimensions down to its input's shape, in its dtype."""
    shape, numpy_dtype = node._input_meta[slot]
    reduced_from = None
    if grad._data.shape != shape:
        reduced_from = tuple(grad._data.shape)
        if not _expandable(shape, reduced_from):
            raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {slot} - got "
                               f"{list(reduced_from)} but expected shape compatible with {list(shape)}")
        grad = grad.sum_to_size(shape)
    if grad._data.dtype != numpy_dtype:
        grad = grad.to(_dtypes.from_numpy(numpy_dtype))
    return grad, reduced_from


def _expandable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """True when a tensor of ``shape`` broadcasts to ``target``."""
    if len(shape) > len(target):
        return False
    return all(size in (1, wanted) for size, wanted in zip(reversed(shape), reversed(target)))


def _edges_from(roots: list[Node]) -> Iterator[tuple[Node, Node]]:
    """Every (node, next node) edge reachable from ``roots``, each once, without recursion."""
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            yield node, child
            if child not in seen:
                seen.add(child)
                stack.append(child)


def _count_dependencies(roots: list[Node]) -> dict[Node, int]:
    """How many edges lead into each node reachable from ``roots``."""
    dependencies: dict[Node, int] = {}
    for _, child in _edges_from(roots):
        dependencies[child] = dependencies.get(child, 0) + 1
    return dependencies


def _nodes_leading_to(targets: set[Node], roots: list[Node]) -> set[Node]:
    """The nodes reachable from ``roots`` that must run for a gradient to reach ``targets``."""
    parents: dict[Node, list[Node]] = {}
    for node, child in _edges_from(roots):
        parents.setdefault(child, []).append(node)
    needed: set[Node] = set()
    stack = [t for t in targets if t in parents or t in roots]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed
