"""Backward-graph nodes and ``Function``, the one shape every differentiable op has.

An op is a ``Function`` subclass with ``forward(ctx, *inputs)`` computing the
result and ``backward(ctx, *grad_outputs)`` returning one gradient per input.
``Function.apply`` runs forward without recording, then, if any input requires
grad, makes ``ctx`` the result's ``grad_fn``: a ``Node`` whose class is named
after the op (``MulBackward0``), linked to its inputs by ``next_functions``.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Callable

from . import grad_mode

if TYPE_CHECKING:
    from .._tensor import Tensor

Hook = Callable[["Tensor"], "Tensor | None"]
Edge = tuple["Node | None", int]

SECOND_BACKWARD_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)
_INPLACE_HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
    "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)

_sequence_numbers = itertools.count()


class Node:
    """A node of the backward graph: what a non-leaf tensor's ``grad_fn`` points to."""

    _function: type["Function"] | None = None
    _built_in = True
    _repr_module = ""  # PyTorch shows custom Functions' nodes as torch.autograd.function.<Name>Backward
    next_functions: tuple[Edge, ...] = ()
    needs_input_grad: tuple[bool, ...] = ()
    _saved: tuple[tuple["Tensor", int], ...] = ()
    _saved_outputs: dict[int, int] | None = None  # id of a saved output tensor -> its output slot
    _freed = False
    _input_meta: tuple[tuple[tuple[int, ...], Any], ...] = ()
    _tensor_positions: tuple[int, ...] | None = None  # None: the tensors are the first arguments, in order
    _argument_count: int | None = None  # set for students' Functions, whose backward must return one per argument
    _non_tensor_positions: tuple[int, ...] = ()  # students' Functions: arguments that must get None
    _output_hooks: dict[int, dict[int, Hook]] | None = None
    _retained: dict[int, "Tensor"] | None = None
    _non_differentiable: set[int] | None = None
    _output_shapes: tuple[tuple[tuple[int, ...], Any], ...] | None = None
    _sequence_nr: float = 0  # numbered when recorded: backward runs newer nodes first

    def name(self) -> str:
        """The node's class name, as PyTorch reports it (``MulBackward0``)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self._repr_module}{self.name()} object at {hex(id(self))}>"

    # -- what forward() may call on ctx -------------------------------------------------

    def save_for_backward(self, *tensors: "Tensor | None") -> None:
        """Keep tensors for backward; backward fails if they are changed in place meanwhile."""
        if True not in self.needs_input_grad:
            return  # nothing is recorded, so backward will never ask
        self._saved = tuple([(t, t._version_counter[0]) if t is not None else (None, 0)  # type: ignore[misc]
                             for t in tensors])

    def mark_non_differentiable(self, *tensors: "Tensor") -> None:
        """Declare outputs (such as indices) that never carry a gradient."""
        if self._non_differentiable is None:
            self._non_differentiable = set()
        self._non_differentiable.update(id(t) for t in tensors)

    @property
    def saved_tensors(self) -> tuple["Tensor", ...]:
        """The tensors given to ``save_for_backward``, checked for in-place changes."""
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD_MESSAGE)
        for tensor, version in self._saved:
            if tensor is not None and tensor._version_counter[0] != version:
                raise RuntimeError(_modified_message(tensor, version, self))
        return tuple([tensor for tensor, _ in self._saved])

    # -- used by the engine ---------------------------------------------------------------

    @property
    def has_saved_tensors(self) -> bool:
        """True while the node holds tensors saved by forward()."""
        return bool(self._saved)

    @property
    def saved_tensors_freed(self) -> bool:
        """True once a backward without ``retain_graph`` released the saved tensors."""
        return self._freed

    def apply(self, *grad_outputs: "Tensor") -> tuple["Tensor | None", ...]:
        """Run the op's backward on the gradients of its outputs: one gradient per edge."""
        grads = self._function.backward(self, *grad_outputs)  # type: ignore[union-attr]
        if type(grads) is not tuple:
            grads = (grads,)
        if self._argument_count is not None:
            grads = _checked_count(self, grads)
        positions = self._tensor_positions
        if positions is None:
            return grads
        return tuple([grads[position] if position < len(grads) else None for position in positions])

    def release_saved_tensors(self) -> None:
        """Drop the saved tensors; a later backward through this node then fails."""
        if self._saved:
            self._saved = ()
            self._freed = True


class AccumulateGrad(Node):
    """The node that adds the incoming gradient into a leaf tensor's ``.grad``."""

    def __init__(self, variable: "Tensor") -> None:
        self.variable = variable
        self._sequence_nr = float("inf")  # type: ignore[assignment]


def _modified_message(tensor: "Tensor", expected_version: int, node: Node) -> str:
    """PyTorch's message; a saved output is described as output of ``node`` (the op that saved it)."""
    description = f"[torch.{tensor.dtype.legacy_name} [{', '.join(map(str, tensor.shape))}]]"
    owner, output_nr = tensor.grad_fn, tensor._output_nr
    if node._saved_outputs and id(tensor) in node._saved_outputs:
        owner, output_nr = node, node._saved_outputs[id(tensor)]
    if owner is not None:
        op_name = owner.name().split("Backward")[0]
        description += f", which is output {output_nr} of {op_name},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{description} is at version {tensor._version_counter[0]}; expected version {expected_version} instead. "
        + _INPLACE_HINT
    )


class Function:
    """Base class of every differentiable op, built-in or written by a student.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as
    static methods and are called with ``MyOp.apply(*args)``. ``backward_name`` is the
    class name of the node in the graph (PyTorch's names for built-in ops; the class
    name plus ``Backward`` for your own). Tensor arguments listed by position in
    ``non_differentiable_args`` (a mask, class indices, a number's exponent) get no
    edge in ``next_functions``, as in PyTorch.
    """

    backward_name: str = ""
    non_differentiable_args: tuple[int, ...] = ()
    _node_class: type[Node]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        built_in = bool(cls.__dict__.get("backward_name"))
        name = cls.__dict__.get("backward_name") or f"{cls.__name__}Backward"
        cls._node_class = type(name, (Node,), {"_function": cls, "__module__": cls.__module__, "_built_in": built_in,
                                               "_repr_module": "" if built_in else "torch.autograd.function."})

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward and, when any input requires grad, record the node."""
        ctx = cls._node_class()
        state = grad_mode._state
        recording = state["enabled"]
        if recording:
            inputs = _link_inputs(ctx, args, cls.non_differentiable_args)
        else:
            ctx.needs_input_grad, inputs = (False,) * len(args), None
        state["enabled"] = False
        try:
            outputs = cls.forward(ctx, *args, **kwargs)
        except AttributeError as error:
            _reject_non_tensor_input(cls, args, error)
            raise
        finally:
            state["enabled"] = recording
        if inputs is None:
            return outputs
        ctx._sequence_nr = next(_sequence_numbers)
        if not ctx._built_in:
            ctx._argument_count = len(args)
            ctx._non_tensor_positions = tuple(i for i, arg in enumerate(args) if not isinstance(arg, Tensor))
        if type(outputs) is tuple:
            ctx._output_shapes = tuple((out.shape, out.dtype) for out in outputs if isinstance(out, Tensor))  # type: ignore[attr-defined]
            return tuple(_attach(ctx, out, slot, inputs) for slot, out in enumerate(outputs))
        if not ctx._built_in and isinstance(outputs, Tensor):
            ctx._output_shapes = ((outputs.shape, outputs.dtype),)
        return _attach(ctx, outputs, 0, inputs)


def _link_inputs(ctx: Node, args: tuple, excluded: tuple[int, ...]) -> list["Tensor"] | None:
    """Set ``ctx.needs_input_grad`` and, if any is True, give ``ctx`` an edge per differentiable tensor argument.

    Returns the tensors linked, or None when nothing requires grad (the op is not recorded).
    """
    needs_input_grad, inputs, edges, meta = [], [], [], []
    in_order = True  # the linked tensors are the first arguments
    position = -1
    for arg in args:
        position += 1
        if not isinstance(arg, Tensor):
            needs_input_grad.append(False)
            continue
        needs_input_grad.append(arg._requires_grad)
        if position in excluded:
            continue
        if position != len(inputs):
            in_order = False
        inputs.append(arg)
        grad_fn = arg._grad_fn
        edges.append((grad_fn, arg._output_nr) if grad_fn is not None else arg._edge())
        data = arg._data
        meta.append((data.shape, data.dtype))
    if True not in needs_input_grad:
        ctx.needs_input_grad = (False,) * len(args)
        return None
    ctx.needs_input_grad, ctx.next_functions, ctx._input_meta = tuple(needs_input_grad), tuple(edges), tuple(meta)
    if not in_order:
        ctx._tensor_positions = tuple([position for position, arg in enumerate(args)
                                       if isinstance(arg, Tensor) and position not in excluded])
    return inputs


def _reject_non_tensor_input(cls: type[Function], args: tuple, error: AttributeError) -> None:
    """PyTorch's TypeError when a built-in op was given a number or a list as its input (``torch.exp(2.0)``)."""
    if cls.backward_name and args and not isinstance(args[0], Tensor) and error.obj is args[0]:
        name = cls.backward_name.split("Backward")[0].lower()
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(args[0]).__name__}") \
            from None


def _checked_count(node: Node, grads: tuple) -> tuple:
    """PyTorch's check that a custom backward returned one gradient per forward argument (extra Nones allowed)."""
    expected = node._argument_count
    if len(grads) > expected and all(grad is None for grad in grads[expected:]):
        grads = grads[:expected]
    if len(grads) != expected:
        raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                           f"(expected {expected}, got {len(grads)})")
    for position in node._non_tensor_positions:
        if grads[position] is not None:
            raise RuntimeError(f"function {node.name()} returned a gradient different than None at position "
                               f"{position + 1}, but the corresponding forward input was not a Variable")
    for grad in grads:
        if grad is not None and not isinstance(grad, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(grad).__name__})")
    return grads


def _attach(ctx: Node, output: Any, slot: int, inputs: list["Tensor"]) -> Any:
    """Make ``ctx`` the ``grad_fn`` of a floating-point output (a fresh alias if forward returned an input)."""
    if not isinstance(output, Tensor) or output._data.dtype.kind != "f":
        return output
    if ctx._non_differentiable is not None and id(output) in ctx._non_differentiable:
        return output
    for tensor in inputs:
        if output is tensor:
            output = output._alias()
            break
    output._grad_fn = ctx
    output._output_nr = slot
    output._requires_grad = True
    for tensor, _ in ctx._saved:  # forward saved its own output: PyTorch names it "output N of <op>" in errors
        if tensor is output:
            if ctx._saved_outputs is None:
                ctx._saved_outputs = {}
            ctx._saved_outputs[id(output)] = slot
    return output


Tensor: Any = None  # set by autograd_lab._tensor once the Tensor class exists (it imports this package)
