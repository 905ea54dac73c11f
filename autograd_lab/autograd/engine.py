"""The one backward algorithm: the chain rule, node by node, in topological order.

``y.backward()`` starts at ``y.grad_fn`` with the gradient 1. A node runs once the
gradients from every node that uses its outputs have arrived (newest node first,
like PyTorch); ``GraphTask.run`` is the whole algorithm:

1. gather what arrived for each output of the node (summed) and run its hooks;
2. apply the node's backward: one gradient per input (``AccumulateGrad``, the node
   of a leaf, adds its gradient into the leaf's ``.grad``);
3. release the tensors the node saved, unless ``retain_graph``;
4. reduce each gradient to its input's shape and dtype (summing over broadcast
   dimensions) and send it to the node that made that input.

Everything happens in loops over explicit queues: no recursion, so a 100 000-node
chain is fine. What happens is reported to listeners (see ``events``); with none
installed the reporting costs one test per step.
"""
from __future__ import annotations

import heapq
from typing import Any, Iterable, Sequence

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, tensor_method, warn_once
from . import anomaly_mode, events
from .function import AccumulateGrad, Edge, Node, gradient_edge
from .grad_mode import set_grad_enabled
from .node_hooks import check_hook_result

CREATE_GRAPH_CYCLE_WARNING = (
    "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
    "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
    "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break "
    "the cycle and avoid the leak. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)"
)


Ready = tuple[int, Node]
"""A node in the ready heap: ``(-sequence_nr, node)``, so the newest node comes out first. Nodes with
equal numbers (leaves' ``AccumulateGrad``) compare as neither smaller nor larger, so they come out in
the order PyTorch's ``std::priority_queue`` gives them: ``heapq`` moves equal items exactly as
libstdc++'s heap functions do (no tie-breaker). A tuple rather than an object with ``__lt__`` only for
speed: tuples compare in C (0.3 us less per node)."""


@tensor_method("backward")
def tensor_backward(self: Tensor, gradient: Tensor | None = None, retain_graph: bool | None = None,
                    create_graph: bool = False, inputs: Any = None) -> None:
    """Compute the gradient of this tensor with respect to the graph's leaves.

    ``gradient`` weights the result (the vector in a vector-Jacobian product); it
    may be omitted only for a single-element tensor. Leaves accumulate into
    ``.grad``. The graph's saved tensors are freed unless ``retain_graph=True``.
    """
    if gradient is not None and not isinstance(gradient, Tensor):  # PyTorch reads it as one per output
        if not isinstance(gradient, (list, tuple)):
            raise TypeError(f"'{type(gradient).__name__}' object is not iterable")
        gradient = gradient[0] if gradient else None
    backward([self], [gradient], retain_graph, create_graph, inputs)
    if create_graph:
        warn_once(CREATE_GRAPH_CYCLE_WARNING, from_library=True)


def backward(tensors: Sequence[Tensor], grad_tensors: Sequence[Tensor | None], retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate d(tensors)/d(leaf) weighted by ``grad_tensors`` into every leaf's ``.grad``.

    With ``inputs`` (a tensor or a sequence of them), only those get a gradient: a leaf
    in ``.grad``, a non-leaf too (backward calls ``retain_grad()`` on it, as PyTorch does).
    """
    create_graph = bool(create_graph)
    retain_graph = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        task: GraphTask = GraphTask(retain_graph, create_graph)
    else:
        task = InputsTask(_checked_backward_inputs(inputs), retain_graph, create_graph)
    task.execute(tensors, _root_gradients(tensors, grad_tensors, create_graph))


def grad(tensors: Sequence[Tensor], inputs: Sequence[Tensor], grad_tensors: Sequence[Tensor | None],
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Return d(tensors)/d(inputs) weighted by ``grad_tensors``, leaving ``.grad`` untouched."""
    create_graph = bool(create_graph)
    retain_graph = create_graph if retain_graph is None else retain_graph
    task = GradTask(inputs, retain_graph, create_graph)
    task.execute(tensors, _root_gradients(tensors, grad_tensors, create_graph))
    return task.captured_grads(allow_unused)


class GraphTask:
    """One backward call: how many gradients each node still waits for, what arrived, what is ready."""

    def __init__(self, retain_graph: bool, create_graph: bool) -> None:
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.listeners = events.active_listeners()
        self.buffers: dict[Node, list[Tensor | None]] = {}  # node -> per output, the gradient summed so far
        self.waiting: dict[Node, int] = {}  # node -> edges into it whose gradient has not been sent yet
        self.ready: list[Ready] = []  # a heap: newest node first
        if anomaly_mode.state.enabled:  # chosen once per backward: the loop pays nothing when the mode is off
            plain_call = self.call
            self.call = lambda node, grad_outputs: anomaly_mode.checked_call(plain_call, node, grad_outputs)

    def execute(self, roots: Sequence[Tensor], root_grads: list[Tensor]) -> None:
        """Run backward from ``roots``, recording the backward formulas only with ``create_graph``."""
        if self.listeners:
            self.report(events.BackwardStarted(tuple(roots), tuple(_snapshot(g) for g in root_grads),
                                               self.retain_graph, self.create_graph))
        try:
            with set_grad_enabled(self.create_graph):
                self.start([gradient_edge(root) for root in roots], root_grads)
                self.run()
        except BaseException as error:
            if self.listeners:
                self.report(events.BackwardFailed(error))
            raise
        if self.listeners:
            self.report(events.BackwardFinished())

    def start(self, root_edges: list[Edge], root_grads: list[Tensor]) -> None:
        """Count every node's incoming edges, hand the roots their gradients and queue the roots."""
        roots = [node for node, _ in root_edges if node is not None]
        self.waiting = _count_dependencies(roots)
        for (node, output_nr), grad in zip(root_edges, root_grads):
            if node is not None:
                self.receive(node, output_nr, grad)
        for node in dict.fromkeys(roots):
            if not self.waiting.get(node):
                heapq.heappush(self.ready, (-node._sequence_nr, node))

    def run(self) -> None:
        """The chain rule, one node at a time."""
        while self.ready:
            node = heapq.heappop(self.ready)[1]
            grad_outputs = self.gather(node)  # what arrived for each output, summed, after hooks
            if grad_outputs is None:  # autograd.grad(): nothing this node leads to is asked for
                continue
            grad_inputs = self.call(node, grad_outputs)  # the node's backward: one gradient per input
            if node._saved and not self.retain_graph:  # (tested here: most nodes saved nothing, a call less)
                self.release(node)
            for slot, (next_node, input_nr) in enumerate(node.next_functions):
                if next_node is None:  # a constant input: nothing to send
                    continue
                if grad_inputs[slot] is not None:  # reduced to the input's shape, then added to what it got
                    self.send(node, slot, next_node, input_nr, grad_inputs[slot])
                self.edge_done(next_node)

    # -- the steps of the loop ---------------------------------------------------------------

    def gather(self, node: Node) -> list[Tensor | None] | None:
        """The gradients that arrived for ``node``'s outputs, after tensor hooks and ``retain_grad()``."""
        grad_outputs = self.buffers.pop(node, None) or [None]  # [None]: every node that led here sent nothing
        if len(grad_outputs) < len(node._output_metadata):  # one per output: None for those that got nothing
            grad_outputs += [None] * (len(node._output_metadata) - len(grad_outputs))
        if node._output_hooks or node._retained or (isinstance(node, AccumulateGrad) and node.variable._hooks):
            grad_outputs = self.run_hooks(node, grad_outputs)
        if self.listeners:
            self.report(events.NodeVisited(node, tuple(_snapshot(g) for g in grad_outputs)))
        return grad_outputs

    def call(self, node: Node, grad_outputs: list[Tensor | None]) -> tuple[Tensor | None, ...]:
        """``node``'s backward; for an output that got no gradient, see ``Node.materialize_grads``."""
        if node.materialize_grads:
            grad_outputs = _zeros_for_missing(node, grad_outputs)
        elif node._built_in and grad_outputs[0] is None and (len(grad_outputs) == 1 or _all_none(grad_outputs)):
            return (None,) * len(node.next_functions)  # a built-in op that received nothing sends nothing on
        if self.listeners and isinstance(node, AccumulateGrad):
            return self.accumulate_reported(node, grad_outputs[0])  # type: ignore[arg-type]
        return node.apply(*grad_outputs)

    def release(self, node: Node) -> None:
        """Free the tensors ``node`` saved for backward."""
        node.release_saved_tensors()
        if self.listeners:
            self.report(events.SavedTensorsFreed(node))

    def send(self, node: Node, slot: int, next_node: Node, input_nr: int, grad: Tensor) -> None:
        """Reduce ``grad`` to input ``slot``'s shape and dtype, and add it to what ``next_node`` received."""
        shape, dtype = node._input_metadata[slot]
        reduced_from = None
        if grad._data.shape != shape or grad._data.dtype != dtype:
            grad, reduced_from = _fit_to_input(node, slot, grad)
        if self.listeners:
            self.report(events.GradientSent(node, slot, next_node, input_nr, _snapshot(grad), reduced_from))
        buffer = self.buffers.get(next_node)
        if buffer is None and input_nr == 0:  # the common case, written out: 0.15 us less per edge
            self.buffers[next_node] = [grad]
        else:
            self.receive(next_node, input_nr, grad)

    def receive(self, node: Node, output_nr: int, grad: Tensor) -> None:
        """Add ``grad`` to the gradient of ``node``'s output ``output_nr``."""
        buffer = self.buffers.get(node)
        if buffer is None:
            buffer = self.buffers[node] = [None] * len(node._output_metadata) if output_nr else [None]
        elif output_nr >= len(buffer):
            buffer.extend([None] * (output_nr + 1 - len(buffer)))
        current = buffer[output_nr]
        buffer[output_nr] = grad if current is None else self.add(current, grad)

    def edge_done(self, node: Node) -> None:
        """One edge into ``node`` has delivered; queue ``node`` once all have."""
        remaining = self.waiting[node] - 1
        self.waiting[node] = remaining
        if remaining == 0:
            heapq.heappush(self.ready, (-node._sequence_nr, node))

    # -- helpers -------------------------------------------------------------------------------

    def add(self, first: Tensor, second: Tensor) -> Tensor:
        """Two gradients for the same tensor added up (recorded only with ``create_graph``)."""
        if self.create_graph:
            return first + second
        return Tensor._wrap(first._data + second._data)

    def run_hooks(self, node: Node, grad_outputs: list[Tensor | None]) -> list[Tensor | None]:
        """Tensor hooks (called with None for an output that received nothing, as in PyTorch), then retain_grad."""
        if isinstance(node, AccumulateGrad):
            grad_outputs[0] = _apply_hooks(node.variable._hooks.values(), grad_outputs[0])  # type: ignore[union-attr]
            return grad_outputs
        if node._output_hooks:
            for output_nr, hooks in node._output_hooks.items():
                if output_nr >= len(grad_outputs):
                    grad_outputs.extend([None] * (output_nr + 1 - len(grad_outputs)))
                grad_outputs[output_nr] = _apply_hooks(hooks.values(), grad_outputs[output_nr])
        for output_nr, tensor_ref in (node._retained or {}).items():
            tensor = tensor_ref()
            if tensor is not None and output_nr < len(grad_outputs) and grad_outputs[output_nr] is not None:
                self.retain(tensor, grad_outputs[output_nr])  # type: ignore[arg-type]
        return grad_outputs

    def retain(self, tensor: Tensor, grad: Tensor) -> None:
        """Fill the ``.grad`` of a non-leaf that called retain_grad() (it accumulates like a leaf's)."""
        before = _snapshot(tensor._grad) if self.listeners else None
        AccumulateGrad(tensor).apply(grad)
        if self.listeners:
            self.report(events.GradRetained(tensor, before, _snapshot(tensor._grad)))

    def accumulate_reported(self, node: AccumulateGrad, grad: Tensor) -> tuple[()]:
        before = _snapshot(node.variable._grad)
        node.apply(grad)
        self.report(events.GradAccumulated(node.variable, before, _snapshot(node.variable._grad)))
        return ()

    def report(self, event: object) -> None:
        for listener in self.listeners:
            listener(event)


class GradTask(GraphTask):
    """``autograd.grad()``: catch the gradients that reach ``inputs``, and run only the nodes that lead there.

    ``.grad`` is left alone: the inputs' AccumulateGrad nodes never run.
    """

    def __init__(self, inputs: Sequence[Tensor], retain_graph: bool, create_graph: bool) -> None:
        super().__init__(retain_graph, create_graph)
        self.capture = {gradient_edge(tensor): position for position, tensor in enumerate(inputs)}
        self.captured: list[Tensor | None] = [None] * len(inputs)
        self.targets = {node for node, _ in self.capture if node is not None}
        self.needed: set[Node] = set()

    def start(self, root_edges: list[Edge], root_grads: list[Tensor]) -> None:
        super().start(root_edges, root_grads)
        self.needed = _nodes_leading_to(self.targets, [node for node, _ in root_edges if node is not None])
        for node in [node for node in self.waiting if node not in self.needed and node not in self.targets]:
            del self.waiting[node]  # never run: no gradient asked for flows through it

    def gather(self, node: Node) -> list[Tensor | None] | None:
        grad_outputs = super().gather(node)
        for output_nr, grad in enumerate(grad_outputs):  # type: ignore[arg-type]
            position = self.capture.get((node, output_nr))
            if position is not None and grad is not None:
                current = self.captured[position]
                self.captured[position] = grad if current is None else self.add(current, grad)
        return grad_outputs if node in self.needed else None

    def edge_done(self, node: Node) -> None:
        if node in self.waiting:  # nodes that lead to no input are never run
            super().edge_done(node)

    def captured_grads(self, allow_unused: bool) -> tuple[Tensor | None, ...]:
        for position, grad in enumerate(self.captured):
            if grad is None and not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {position} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        return tuple(self.captured)


class InputsTask(GradTask):
    """``backward(inputs=...)``: run only the nodes that lead to ``inputs``, and fill the inputs' ``.grad``.

    A leaf input's AccumulateGrad runs as in a full backward; a non-leaf input gets its
    ``.grad`` through ``retain_grad()``, called before the run.
    """

    def start(self, root_edges: list[Edge], root_grads: list[Tensor]) -> None:
        super().start(root_edges, root_grads)
        self.needed.update(node for node in self.targets if isinstance(node, AccumulateGrad))


def _checked_backward_inputs(inputs: Any) -> list[Tensor]:
    """PyTorch's checks of ``backward(inputs=...)``; non-leaf inputs are made to retain their gradient."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    for tensor in inputs:
        if not isinstance(tensor, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(tensor).__name__}")
    for tensor in inputs:
        tensor.retain_grad()
    return inputs


def _root_gradients(roots: Sequence[Tensor], given: Sequence[Tensor | None], create_graph: bool) -> list[Tensor]:
    """The gradient each root starts with: the one given, checked, or 1 for a single-element root."""
    grads = []
    for index, (root, grad) in enumerate(zip(roots, given)):
        if not root._requires_grad:
            raise RuntimeError(f"element {index} of tensors does not require grad and does not have a grad_fn")
        if grad is None:
            data = root._data
            if data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            ones = np.empty(data.shape, dtype=data.dtype)
            ones.fill(1)  # 0.3 us less than np.ones
            grads.append(Tensor._wrap(ones))
            continue
        if not isinstance(grad, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(grad).__name__}")
        if grad.shape != root.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{index}] has a shape of {grad.shape} and "
                               f"output[{index}] has a shape of {root.shape}.")
        if grad.dtype is not root.dtype:
            grad = grad.to(root.dtype)
        grads.append(grad if create_graph else grad.detach())
    return grads


def _all_none(grads: list[Tensor | None]) -> bool:
    for grad in grads:
        if grad is not None:
            return False
    return True


def _zeros_for_missing(node: Node, grad_outputs: list[Tensor | None]) -> list[Tensor | None]:
    """PyTorch's materialize_grads: zeros (of the output's shape and dtype) for every output that got nothing."""
    metadata = node._output_metadata
    if len(grad_outputs) < len(metadata):
        grad_outputs = list(grad_outputs) + [None] * (len(metadata) - len(grad_outputs))
    return [Tensor._wrap(np.zeros(shape, dtype=dtype)) if grad is None and index < len(metadata) else grad
            for index, (grad, (shape, dtype)) in enumerate(zip(grad_outputs, metadata))]


def _snapshot(tensor: Tensor | None) -> np.ndarray | None:
    return None if tensor is None else np.array(tensor._data, copy=True)


def _apply_hooks(hooks: Iterable[Any], grad: Tensor | None) -> Tensor | None:
    for hook in list(hooks):
        result = hook(grad)
        if result is not None:
            if grad is None:
                raise RuntimeError("can't replace a None gradient with a non-None value")
            check_hook_result(hook, grad, result)
            grad = result
    return grad


def _fit_to_input(node: Node, slot: int, grad: Tensor) -> tuple[Tensor, tuple[int, ...] | None]:
    """Sum a gradient over broadcast dimensions down to its input's shape, in its dtype."""
    shape, numpy_dtype = node._input_metadata[slot]
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


def _count_dependencies(roots: list[Node]) -> dict[Node, int]:
    """How many edges lead into each node reachable from ``roots`` (roots no other node uses: 0)."""
    dependencies = dict.fromkeys(roots, 0)
    stack = list(dependencies)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:
                dependencies[child] = 1
                stack.append(child)
    return dependencies


def _nodes_leading_to(targets: set[Node], roots: list[Node]) -> set[Node]:
    """The nodes reachable from ``roots`` from which a gradient can reach one of ``targets``."""
    parents: dict[Node, list[Node]] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            parents.setdefault(child, []).append(node)
            if child not in seen:
                seen.add(child)
                stack.append(child)
    needed: set[Node] = set()
    stack = [target for target in targets if target in seen]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed
