"""Backward-graph nodes and ``Function``, the one shape every differentiable op has.

An op is a ``Function`` subclass with ``forward(ctx, *inputs)`` computing the
result and ``backward(ctx, *grad_outputs)`` returning one gradient per input;
next to ``backward``, ``derivatives`` says in one line per input what backward
computes (PyTorch's derivatives.yaml idea), for people and for the views.
``Function.apply`` runs forward and, if any input requires grad, makes ``ctx``
the result's ``grad_fn``: a ``Node`` whose class is named after the op
(``MulBackward0``), linked to its inputs by ``next_functions``.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import weakref
from typing import Any, Callable

import numpy as np

from .. import _dtypes
from .._tensor import RemovableHandle, Tensor
from .grad_mode import no_grad
from .grad_mode import state as grad_mode
from .node_hooks import expose_saved_names, instrument
from .saved_errors import INFERENCE_TENSOR_SAVED_MESSAGE, SECOND_BACKWARD_MESSAGE, modified_message

Hook = Callable[[Tensor], "Tensor | None"]
Edge = tuple["Node | None", int]
Metadata = tuple[tuple[int, ...], np.dtype]

_sequence_numbers = itertools.count()
_NO_EDGE: Edge = (None, 0)  # where the gradient of a constant goes: nowhere (one tuple shared by all of them)
_METADATA_KEPT = 4096
_shared_metadata: dict[Metadata, Metadata] = {}


def metadata_of(data: np.ndarray) -> Metadata:
    """``(shape, dtype)`` of ``data``, as a node stores it for an input or output.

    Exists only for speed: nodes share one tuple per distinct pair instead of making their
    own, so a recorded op leaves fewer objects for Python's cycle collector to rescan as
    the graph grows (record cost per op at 300 000 nodes over 1 000: 2.1x -> 1.6x).
    """
    key = (data.shape, data.dtype)
    shared = _shared_metadata.get(key)
    if shared is None:
        if len(_shared_metadata) >= _METADATA_KEPT:
            _shared_metadata.clear()
        shared = _shared_metadata[key] = key
    return shared


class Node:
    """A node of the backward graph: what a non-leaf tensor's ``grad_fn`` points to.

    The node is also the ``ctx`` its op's forward and backward receive. Views read
    it only through the public, read-only members below ("Node's contract" in
    docs/autograd-core.md); everything starting with ``_`` belongs to the engine.
    """

    next_functions: tuple[Edge, ...] = ()
    """One ``(node, output_nr)`` per differentiable tensor input; node None for a constant."""
    materialize_grads = False
    """When an output received no gradient: True gives backward zeros of its shape, False gives it None (a
    built-in op that received nothing at all is not called: it would send nothing on)."""
    _built_in = True

    _function: type["Function"]
    _sequence_nr = 0
    _argument_count = 0
    _input_metadata: tuple[Metadata, ...] = ()
    _output_metadata: tuple[Metadata, ...] = ()
    _tensor_positions: tuple[int, ...] | None = None  # argument position of each edge; None: the first arguments
    _saved: tuple["Tensor | None", ...] = ()
    _saved_versions: tuple[int, ...] = ()
    _saved_names: tuple[str, ...] = ()
    _saved_outputs: tuple[tuple[int, int], ...] = ()  # (index in _saved, output_nr) of each saved output
    _freed = False
    _non_differentiable: set[int] | None = None  # ids of outputs that get no grad_fn
    _output_hooks: dict[int, dict[int, Hook]] | None = None  # output_nr -> hooks of that non-leaf output
    _retained: dict[int, "weakref.ref[Tensor]"] | None = None  # output_nr -> the output that called retain_grad()
    _check_gradient_count = False  # students' Functions: backward must return one gradient per argument
    _non_tensor_positions: tuple[int, ...] = ()  # students' Functions: arguments whose gradient must be None
    _dirty: set[int] | None = None  # students' Functions: ids of inputs forward changed in place (mark_dirty)
    # set only on nodes that use them (see node_hooks): node hooks, packed saved tensors, metadata
    _node_prehooks: dict[int, Callable] | None = None
    _node_posthooks: dict[int, Callable] | None = None
    _packed: dict[int, tuple[Any, Callable]] | None = None  # index in _saved -> (packed value, unpack hook)
    _saved_tensor_objects: dict[int, Any] | None = None  # index in _saved -> its SavedTensor
    _metadata: dict | None = None

    # -- the public, read-only surface -------------------------------------------------

    def name(self) -> str:
        """The node's class name, as PyTorch reports it (``MulBackward0``)."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self._function._repr_prefix}{self.name()} object at {hex(id(self))}>"

    @property
    def sequence_nr(self) -> int:
        """The order ops were recorded in (backward runs newer nodes first)."""
        return self._sequence_nr

    @property
    def input_names(self) -> tuple[str, ...]:
        """The name of forward's argument behind each edge (PyTorch's: ``self``, ``other``, ``mat2``, ...)."""
        positions = self._tensor_positions
        if positions is None:
            positions = tuple(range(len(self.next_functions)))
        return tuple(self._function._argument_name(position) for position in positions)

    @property
    def local_rules(self) -> tuple[str | None, ...]:
        """Per edge, what backward sends to that input, from the op's ``derivatives`` (None where not given)."""
        return tuple(self._function._rule_for(name) for name in self.input_names)

    @property
    def input_metadata(self) -> tuple[tuple[tuple[int, ...], _dtypes.dtype], ...]:
        """Per edge, the input's shape and dtype: what the gradient sent there is reduced and cast to."""
        return tuple((shape, _dtypes.from_numpy(dtype)) for shape, dtype in self._input_metadata)

    @property
    def output_metadata(self) -> tuple[tuple[tuple[int, ...], _dtypes.dtype], ...]:
        """Per output, its shape and dtype."""
        return tuple((shape, _dtypes.from_numpy(dtype)) for shape, dtype in self._output_metadata)

    @property
    def saved_values(self) -> dict[str, Tensor | None]:
        """The tensors forward saved for backward, by name: an input's name or ``result``; {} once freed."""
        if self._freed:
            return {}
        return dict(zip(self._saved_names, self._saved))

    @property
    def saved_versions(self) -> dict[str, int]:
        """Each saved tensor's ``_version`` when it was saved (a different one now: changed in place since)."""
        if self._freed:
            return {}
        return dict(zip(self._saved_names, self._saved_versions))

    @property
    def saved_tensors_freed(self) -> bool:
        """True once a backward without ``retain_graph`` released the saved tensors."""
        return self._freed

    @property
    def retained_outputs(self) -> tuple[Tensor, ...]:
        """The outputs that called ``retain_grad()`` (their ``.grad`` is filled by backward)."""
        alive = [ref() for ref in self._retained.values()] if self._retained else []
        return tuple([tensor for tensor in alive if tensor is not None])

    @property
    def metadata(self) -> dict:
        """A dict for your own notes on this node (empty until you write to it), as PyTorch's nodes have."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    # -- PyTorch's inspection names: grad_fn._saved_self, _raw_saved_self, _saved_exponent ----
    # (the attributes themselves are SavedAttribute descriptors, one per name built-in ops use: see node_hooks;
    # a __getattr__ here would make every attribute read of every node slower)

    def __dir__(self) -> list[str]:
        own = [name for name in super().__dir__() if not name.startswith(("_saved", "_raw_saved"))]
        if not self._built_in:
            return own
        tensors = [name for name in self._saved_names if not name.startswith("saved")]
        return own + [f"_saved_{name}" for name in (*tensors, *self._saved_arguments())] + \
            [f"_raw_saved_{name}" for name in tensors]

    def _saved_arguments(self) -> list[str]:
        """Forward's non-tensor arguments this node kept for backward (``ctx.exponent = exponent``)."""
        names = self._function._argument_names
        return [key for key in vars(self) if key in names and key not in self._saved_names]

    # -- hooks on the node itself ---------------------------------------------------------------

    def register_prehook(self, hook: Callable[[tuple], "tuple | None"]) -> RemovableHandle:
        """Call ``hook(grad_outputs)`` before this node's backward; a returned tuple replaces the gradients."""
        if self._node_prehooks is None:
            self._node_prehooks = {}
        return self._add_node_hook(self._node_prehooks, hook)

    def register_hook(self, hook: Callable[[tuple, tuple], "tuple | None"]) -> RemovableHandle:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's backward; a returned tuple replaces
        ``grad_inputs`` (what is sent on to the inputs)."""
        if self._node_posthooks is None:
            self._node_posthooks = {}
        return self._add_node_hook(self._node_posthooks, hook)

    def _add_node_hook(self, hooks: dict[int, Callable], hook: Callable) -> RemovableHandle:
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        instrument(self)
        return handle

    # -- what forward() and backward() may call on ctx -----------------------------------

    @functools.cached_property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """Per forward argument: does backward have to compute its gradient (a tensor that requires grad)?

        Worked out from the edges on first use, as most nodes never ask: a tuple less per recorded op.
        """
        needs = [False] * self._argument_count
        positions = self._tensor_positions or range(len(self.next_functions))
        for position, (next_node, _) in zip(positions, self.next_functions):
            needs[position] = next_node is not None
        return tuple(needs)

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for backward; backward fails if they are changed in place meanwhile."""
        if not self.next_functions:
            return  # nothing is recorded, so backward will never ask
        versions = []
        for tensor in tensors:
            if tensor is None:
                versions.append(0)
                continue
            if tensor._inference:  # made in inference_mode(): it has no version counter to check in PyTorch
                raise RuntimeError(INFERENCE_TENSOR_SAVED_MESSAGE)
            versions.append(tensor._version_counter[0])
        self._saved = tensors
        self._saved_versions = tuple(versions)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward changed in place (and returns): they become outputs of this node."""
        if self._dirty is None:
            self._dirty = set()
        self._dirty.update(id(t) for t in tensors)

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare outputs (such as indices) that never carry a gradient."""
        if self._non_differentiable is None:
            self._non_differentiable = set()
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """False: backward receives None (not zeros) for an output that got no gradient."""
        self.materialize_grads = value

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to ``save_for_backward``, checked for in-place changes."""
        if self._freed:
            raise RuntimeError(SECOND_BACKWARD_MESSAGE)
        for tensor, version in zip(self._saved, self._saved_versions):
            if tensor is not None and tensor._version_counter[0] != version:
                raise RuntimeError(modified_message(tensor, version, self))
        if not self._saved_outputs:
            return self._saved
        saved = list(self._saved)
        for index, output_nr in self._saved_outputs:  # an output comes back with this node as its grad_fn
            saved[index] = saved[index]._alias_of_output(self, output_nr)
        return tuple(saved)

    # -- what the engine calls ------------------------------------------------------------

    def apply(self, *grad_outputs: Tensor) -> tuple[Tensor | None, ...]:
        """Run the op's backward on the gradients of its outputs: one gradient per edge."""
        grads = self._function.backward(self, *grad_outputs)
        if type(grads) is not tuple:
            grads = (grads,)
        if self._check_gradient_count:
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


expose_saved_names(Node, ("result", "result0", "result1", "result2"))  # a saved output, as PyTorch names it


class AccumulateGrad(Node):
    """The node that adds the incoming gradient into a leaf tensor's ``.grad``."""

    _sequence_nr = 2**64 - 1  # PyTorch's number for it: ready accumulators run first

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        data = variable._data
        self._input_metadata = self._output_metadata = (metadata_of(data),)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def name(self) -> str:
        """PyTorch's name for it, its C++ class (the views label it ``AccumulateGrad``, as it prints)."""
        return "torch::autograd::AccumulateGrad"

    def __lt__(self, other: Node) -> bool:
        """Never: accumulators share one sequence number, so the engine's ready heap leaves them in heap order."""
        return False

    def apply(self, grad: Tensor) -> tuple[()]:  # type: ignore[override]
        """``variable.grad += grad`` (the first gradient is stored; with create_graph it stays in the graph)."""
        variable = self.variable
        if variable._grad is None:
            if not grad_mode.enabled:
                variable._grad = Tensor._wrap(grad._data.copy())
            elif grad._requires_grad:  # create_graph: PyTorch copies the gradient into a fresh tensor (CopyBackwards)
                variable._grad = Tensor._wrap(np.zeros_like(grad._data)).copy_(grad)
            else:
                variable._grad = grad
        elif grad_mode.enabled:
            variable._grad = variable._grad + grad
        else:
            np.add(variable._grad._data, grad._data, out=variable._grad._data, casting="unsafe")
            variable._grad._version_counter[0] += 1
        return ()  # nothing is sent on


def gradient_edge(tensor: Tensor) -> Edge:
    """Where a gradient for ``tensor`` goes: its grad_fn, its leaf's AccumulateGrad, or nowhere (None).

    A leaf's AccumulateGrad is made on first use and held only by the graphs that
    use it (the leaf keeps a weak reference, as in PyTorch), so a leaf is freed as
    soon as its last graph and its last name are gone.
    """
    if tensor._grad_fn is not None:
        return tensor._grad_fn, tensor._output_nr
    if not tensor._requires_grad:
        return _NO_EDGE
    reference = tensor._accumulator_ref
    accumulator = reference() if reference is not None else None
    if accumulator is None:
        accumulator = AccumulateGrad(tensor)
        tensor._accumulator_ref = weakref.ref(accumulator)
    return accumulator, 0


class Function:
    """Base class of every differentiable op, built-in or written by a student.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as
    static methods and are called with ``MyOp.apply(*args)``. Class attributes:

    ``backward_name``            the node's class name (PyTorch's for built-in ops; the
                                 class name plus ``Backward`` for your own)
    ``derivatives``              per differentiable argument of forward (by its name), the
                                 rule backward applies, written with ``grad``, the argument
                                 names and ``result``: ``{"self": "grad * other"}``
    ``non_differentiable_args``  positions of tensor arguments that get no edge in
                                 ``next_functions`` (a mask, class indices), as in PyTorch
    ``materialize_grads``        see ``Node.materialize_grads``; unless set, True for your own
                                 Functions (as in PyTorch) and False for built-in ops
    """

    backward_name: str = ""
    derivatives: dict[str, str] = {}
    non_differentiable_args: tuple[int, ...] = ()
    materialize_grads: bool | None = None
    _node_class: type[Node]
    _built_in: bool
    _repr_prefix = ""
    _argument_names: tuple[str, ...] = ()
    _varargs_name: str | None = None
    _forward_takes_ctx = True  # False for Functions with a setup_context (forward(*args) without ctx)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._built_in = bool(cls.__dict__.get("backward_name"))
        # PyTorch shows custom Functions' nodes as torch.autograd.function.<Name>Backward
        cls._repr_prefix = "" if cls._built_in else "torch.autograd.function."
        name = cls.__dict__.get("backward_name") or f"{cls.__name__}Backward"
        materialize = cls.materialize_grads if cls.materialize_grads is not None else not cls._built_in
        cls._node_class = type(name, (Node,), {"_function": cls, "__module__": cls.__module__,
                                               "materialize_grads": materialize, "_built_in": cls._built_in})
        if "vjp" in cls.__dict__ and "backward" not in cls.__dict__:
            cls.backward = cls.__dict__["vjp"]  # PyTorch's other name for backward
        cls._forward_takes_ctx = cls.setup_context is Function.setup_context
        parameters = list(inspect.signature(cls.forward).parameters.values())
        if cls._forward_takes_ctx:
            parameters = parameters[1:]  # after ctx
        cls._argument_names = tuple(p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY,
                                                                               p.POSITIONAL_OR_KEYWORD))
        cls._varargs_name = next((p.name for p in parameters if p.kind is p.VAR_POSITIONAL), None)
        if cls._built_in:
            expose_saved_names(Node, (*cls._argument_names, *([cls._varargs_name] if cls._varargs_name else [])))

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Node, inputs: tuple, output: Any) -> None:
        """With a ``forward(*args)`` that takes no ctx: save what backward needs from ``inputs`` and ``output``."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward and, when grad mode is on and an input requires grad, record the node."""
        ctx = cls._node_class()
        recorded = grad_mode.enabled and _link_inputs(ctx, args, cls.non_differentiable_args)
        try:
            if cls._built_in:  # built-in forwards compute with NumPy only, so nothing in them is recorded
                outputs = cls.forward(ctx, *args, **kwargs)
            else:  # a student's forward may use tensor ops: like PyTorch, run it without recording
                ctx._argument_count = len(args)
                with no_grad():
                    if cls._forward_takes_ctx:
                        outputs = cls.forward(ctx, *args, **kwargs)
                    else:
                        outputs = cls.forward(*args, **kwargs)
                        cls.setup_context(ctx, args, outputs)
        except AttributeError as error:
            _reject_non_tensor_input(cls, args, error)
            raise
        if not recorded:
            return outputs
        ctx._sequence_nr = next(_sequence_numbers)
        if cls._built_in and type(outputs) is not tuple:  # most ops: _record_outputs written out, 0.5 us less
            data = outputs._data  # (the shared pair looked up inline, as in _link_inputs)
            ctx._output_metadata = (_shared_metadata.get((data.shape, data.dtype)) or metadata_of(data),)
            if ctx._saved:
                _name_saved(cls, ctx, args, (outputs,))
            if data.dtype.kind == "f":
                outputs._grad_fn, outputs._requires_grad = ctx, True
            return outputs
        return _record_outputs(cls, ctx, args, outputs)

    @classmethod
    def _argument_name(cls, position: int) -> str:
        """The name of forward's argument at ``position`` (``tensors[2]`` inside ``*tensors``)."""
        if position < len(cls._argument_names):
            return cls._argument_names[position]
        return f"{cls._varargs_name or 'args'}[{position - len(cls._argument_names)}]"

    @classmethod
    def _rule_for(cls, input_name: str) -> str | None:
        """The local rule for one input (``tensors[2]`` uses the rule given for ``tensors``)."""
        return cls.derivatives.get(input_name.split("[")[0])


def _link_inputs(ctx: Node, args: tuple, excluded: tuple[int, ...]) -> bool:
    """Give ``ctx`` an edge per differentiable tensor argument, if any of them requires grad.

    Sets ``next_functions`` and the shape and dtype of each edge's input; returns
    False when no argument requires grad (the op is then not recorded). One plain
    loop: it runs for every recorded op, and list comprehensions cost about 0.2 us more.
    """
    edges, metadata = [], []
    recorded = False
    last = -1  # the position of the last tensor argument
    for position, arg in enumerate(args):
        if isinstance(arg, Tensor) and not (excluded and position in excluded):
            last = position
            if arg._requires_grad:
                recorded = True
                grad_fn = arg._grad_fn
                edges.append((grad_fn, arg._output_nr) if grad_fn is not None else gradient_edge(arg))
            else:
                edges.append(_NO_EDGE)
            data = arg._data  # the shared pair looked up here first, 0.15 us less per recorded op than a call:
            metadata.append(_shared_metadata.get((data.shape, data.dtype)) or metadata_of(data))
    if not recorded:
        return False
    ctx._argument_count = len(args)
    ctx.next_functions = tuple(edges)
    ctx._input_metadata = tuple(metadata)
    if last >= len(edges):  # a non-tensor argument comes before a tensor: the edges are not the first arguments
        ctx._tensor_positions = tuple([position for position, arg in enumerate(args)
                                       if isinstance(arg, Tensor) and position not in excluded])
    return True


def _record_outputs(cls: type[Function], ctx: Node, args: tuple, outputs: Any) -> Any:
    """Link the outputs to ``ctx`` (several outputs, or a student's Function)."""
    if not cls._built_in:
        ctx._check_gradient_count = True
        ctx._non_tensor_positions = tuple(i for i, arg in enumerate(args) if not isinstance(arg, Tensor))
    results = outputs if type(outputs) is tuple else (outputs,)
    ctx._output_metadata = tuple([metadata_of(out._data) for out in results if isinstance(out, Tensor)])
    if ctx._saved:
        _name_saved(cls, ctx, args, results)
    linked = tuple([_attach(ctx, out, slot, args) for slot, out in enumerate(results)])
    return linked if type(outputs) is tuple else linked[0]


def _name_saved(cls: type[Function], ctx: Node, args: tuple, outputs: tuple) -> None:
    """Name each saved tensor: the argument it is (``self``), ``result`` (``result1``...) or ``saved<i>``.

    Built-in ops save their arguments in order (None where one is not needed), so a
    tensor at its own argument's position (``x * x`` saves ``self`` and ``other``) or
    None is named after that argument. A saved output is kept without its grad_fn,
    as PyTorch keeps it: a node holding its own output would be a reference cycle,
    which only Python's cycle collector could free.
    """
    argument_names, saved = cls._argument_names, ctx._saved
    if len(saved) <= min(len(args), len(argument_names)):
        for tensor, arg in zip(saved, args):
            if tensor is not None and tensor is not arg:
                break
        else:  # the usual case, forward's arguments in order
            ctx._saved_names = argument_names[:len(saved)]
            return
    names = []
    for index, tensor in enumerate(saved):
        if index < min(len(args), len(argument_names)) and (tensor is None or args[index] is tensor):
            names.append(argument_names[index])
            continue
        name = f"saved{index}"
        for position, arg in enumerate(args):
            if arg is tensor:
                name = cls._argument_name(position)
                break
        else:
            for slot, output in enumerate(outputs):
                if output is tensor:
                    name = f"result{slot}" if len(outputs) > 1 else "result"
                    _keep_output_without_grad_fn(ctx, index, slot)
                    break
        names.append(name)
    ctx._saved_names = tuple(names)


def _keep_output_without_grad_fn(ctx: Node, index: int, output_nr: int) -> None:
    saved = list(ctx._saved)
    saved[index] = saved[index].detach()
    ctx._saved = tuple(saved)
    ctx._saved_outputs += ((index, output_nr),)


def _reject_non_tensor_input(cls: type[Function], args: tuple, error: AttributeError) -> None:
    """PyTorch's TypeError when a built-in op was given a number or a list as its input (``torch.exp(2.0)``)."""
    if cls._built_in and args and not isinstance(args[0], Tensor) and error.obj is args[0]:
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


def _attach(ctx: Node, output: Any, slot: int, args: tuple) -> Any:
    """Make ``ctx`` the ``grad_fn`` of a floating-point output (a fresh alias if forward returned an input)."""
    if not isinstance(output, Tensor) or output._data.dtype.kind != "f":
        return output
    if ctx._non_differentiable is not None and id(output) in ctx._non_differentiable:
        return output
    if not ctx._function._built_in:  # built-in forwards always return new tensors; a student's may return an input
        for arg in args:
            if output is arg:
                if ctx._dirty is not None and id(output) in ctx._dirty:
                    _check_dirty_input(output)  # changed in place: the input itself becomes this node's output
                    output._version_counter[0] += 1  # as PyTorch's mark_dirty does
                else:
                    output = output._alias()
                break
    output._grad_fn = ctx
    output._output_nr = slot
    output._requires_grad = True
    return output


def _check_dirty_input(tensor: Tensor) -> None:
    """PyTorch's error when a custom Function changed a leaf that requires grad in place (``mark_dirty``)."""
    if tensor._grad_fn is None and tensor._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")


class _OnceDifferentiableError(Function):
    """Stands between a ``@once_differentiable`` backward's results and whatever differentiates them again."""

    backward_name = "Error"
    derivatives = {"grads": "raises: a @once_differentiable backward cannot be differentiated"}

    @staticmethod
    def forward(ctx: Node, *grads: Tensor) -> Any:
        outputs = tuple(Tensor._wrap(grad._data) for grad in grads)
        return outputs if len(outputs) > 1 else outputs[0]

    @staticmethod
    def backward(ctx: Node, *grad_outputs: Tensor) -> Any:
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a Function's backward that cannot itself be differentiated (it may use non-tensor code).

    It runs without recording. When a gradient it received requires grad (a backward
    with ``create_graph=True`` through a differentiable graph), its results are given a
    node that raises PyTorch's error if they are differentiated again.
    """
    @functools.wraps(backward)
    def wrapper(ctx: Node, *grad_outputs: Any) -> Any:
        with no_grad():
            results = backward(ctx, *grad_outputs)
        if not grad_mode.enabled or not any(isinstance(g, Tensor) and g._requires_grad for g in grad_outputs):
            return results
        as_tuple = results if isinstance(results, tuple) else (results,)
        positions = [i for i, r in enumerate(as_tuple) if isinstance(r, Tensor) and r._data.dtype.kind == "f"]
        if not positions:
            return results
        linked = _OnceDifferentiableError.apply(*[as_tuple[i].detach().requires_grad_() for i in positions])
        replaced = list(as_tuple)
        for position, tensor in zip(positions, linked if isinstance(linked, tuple) else (linked,)):
            replaced[position] = tensor
        return tuple(replaced) if isinstance(results, tuple) else replaced[0]

    return wrapper
