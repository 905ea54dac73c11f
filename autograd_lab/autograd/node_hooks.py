"""What a node does once a hook is set on it: node hooks, and saved tensors stored through pack/unpack hooks
(``grad_fn._raw_saved_self.register_hooks``, ``autograd.graph.saved_tensors_hooks``).

``grad_fn.register_prehook(fn)`` (``fn(grad_outputs)``), ``grad_fn.register_hook(fn)``
(``fn(grad_inputs, grad_outputs)``) and packed saved tensors (see ``saved_tensors``)
are rare, so plain nodes never test for them: the first such hook moves the node
into a subclass of its own class (same name, same ``isinstance`` answers) whose
``apply``, ``saved_tensors`` and ``release_saved_tensors`` do the extra work.
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from .saved_errors import SECOND_BACKWARD_MESSAGE, modified_message

_instrumented_classes: dict[type, type] = {}


def instrument(node: Any) -> None:
    """Move ``node`` into the subclass of its class that runs node hooks and unpacks packed saved tensors."""
    cls = type(node)
    if cls.__dict__.get("_instrumented"):
        return
    subclass = _instrumented_classes.get(cls)
    if subclass is None:
        subclass = type(cls.__name__, (cls,), {
            "__module__": cls.__module__, "__qualname__": cls.__qualname__, "_instrumented": True,
            "apply": _apply_with_node_hooks, "saved_tensors": property(_unpacked_saved_tensors),
            "release_saved_tensors": _release_packed_too})
        _instrumented_classes[cls] = subclass
    node.__class__ = subclass


def _apply_with_node_hooks(self: Any, *grad_outputs: Any) -> tuple:
    """Pre-hooks may replace the gradients backward receives, hooks the gradients it returns."""
    plain_apply = super(type(self), self).apply
    grad_outputs_tuple = tuple(grad_outputs)
    for hook in list((self._node_prehooks or {}).values()):
        result = hook(grad_outputs_tuple)
        if result is not None:
            grad_outputs_tuple = _checked_replacement(hook, grad_outputs_tuple, result)
    grad_inputs = tuple(plain_apply(*grad_outputs_tuple))
    for hook in list((self._node_posthooks or {}).values()):
        result = hook(grad_inputs, grad_outputs_tuple)
        if result is not None:
            grad_inputs = _checked_replacement(hook, grad_inputs, result)
    return grad_inputs


def _checked_replacement(hook: Callable, current: tuple, result: Any) -> tuple:
    """PyTorch's checks on what a node hook returned: a tuple, one value per gradient, each of the same size."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(current):
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values "
                           f"(got {len(result)}, but expected {len(current)})")
    for old, new in zip(current, result):
        if old is not None and new is not None:
            check_hook_result(hook, old, new)
    return result


def check_hook_result(hook: object, grad: Tensor, result: object) -> None:
    """A hook may change a gradient's values, not what it is (PyTorch's checks, for tensor and node hooks)."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result.shape != grad.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if result.dtype is not grad.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.type()} got {result.type()})")


def _unpacked_saved_tensors(self: Any) -> tuple:
    """The saved tensors, each packed one replaced by what its unpack hook returns (its version is not checked:
    unpack may return anything, as in PyTorch)."""
    packed = self._packed
    if not packed:
        return super(type(self), self).saved_tensors
    if self._freed:
        raise RuntimeError(SECOND_BACKWARD_MESSAGE)
    saved = list(self._saved)
    for index, (tensor, version) in enumerate(zip(self._saved, self._saved_versions)):
        if index not in packed and tensor is not None and tensor._version_counter[0] != version:
            raise RuntimeError(modified_message(tensor, version, self))
    for index, output_nr in self._saved_outputs:
        if index not in packed:
            saved[index] = saved[index]._alias_of_output(self, output_nr)
    for index, (value, unpack) in packed.items():
        saved[index] = unpack(value)
    return tuple(saved)


def _release_packed_too(self: Any) -> None:
    super(type(self), self).release_saved_tensors()
    self._packed = None


class SavedTensor:
    """One tensor a node saved for backward (``grad_fn._raw_saved_self``)."""

    def __init__(self, node: Any, index: int) -> None:
        self._node = node
        self._index = index

    def __repr__(self) -> str:
        return f"<torch._C._autograd.SavedTensor object at {hex(id(self))}>"

    def register_hooks(self, *hooks: Any) -> None:
        """``register_hooks(pack_hook, unpack_hook)``: store this saved tensor as ``pack_hook(tensor)``; backward
        then uses ``unpack_hook(packed)``."""
        if len(hooks) != 2 or not all(callable(hook) for hook in hooks):
            raise TypeError(
                "register_hooks(): incompatible function arguments. The following argument types are supported:\n"
                "    1. (self: torch._C._autograd.SavedTensor, arg0: collections.abc.Callable, "
                "arg1: collections.abc.Callable) -> None\n\nInvoked with: " + ", ".join(map(repr, (self, *hooks))))
        pack_hook, unpack_hook = hooks
        node = self._node
        if node._packed and self._index in node._packed:
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. "
                               "Hint: only one pair of hooks is allowed at a time.")
        if node._freed:
            raise RuntimeError(SECOND_BACKWARD_MESSAGE)
        tensor = node._saved[self._index]
        store_packed(node, self._index, pack_hook(None if tensor is None else tensor.detach()), unpack_hook)

    def unpack(self) -> Any:
        """The saved tensor, as backward gets it."""
        return self._node.saved_tensors[self._index]


def raw_saved(node: Any, index: int) -> SavedTensor:
    """The one ``SavedTensor`` object of a node's saved tensor (PyTorch returns the same object each time)."""
    if node._saved_tensor_objects is None:
        node._saved_tensor_objects = {}
    if index not in node._saved_tensor_objects:
        node._saved_tensor_objects[index] = SavedTensor(node, index)
    return node._saved_tensor_objects[index]


def store_packed(node: Any, index: int, packed: Any, unpack_hook: Callable[[Any], Any]) -> None:
    """Keep ``packed`` for saved tensor ``index``; backward will use ``unpack_hook(packed)`` in its place."""
    if node._packed is None:
        node._packed = {}
    node._packed[index] = (packed, unpack_hook)
    instrument(node)


class SavedAttribute:
    """``grad_fn._saved_<name>`` (``_raw_saved_<name>`` with ``raw``) on a built-in op's node, as PyTorch names it:
    the saved tensor of that name (its ``SavedTensor``), or the non-tensor argument forward kept under it.
    Absent (AttributeError) on nodes that saved nothing of that name and on custom Functions' nodes."""

    def __init__(self, name: str, raw: bool) -> None:
        self.name = name
        self.raw = raw

    def __get__(self, node: Any, owner: type | None = None) -> Any:
        if node is None:
            return self
        if node._built_in:
            if self.name in node._saved_names:
                index = node._saved_names.index(self.name)
                return raw_saved(node, index) if self.raw else node.saved_tensors[index]
            if not self.raw and self.name in node.__dict__ and self.name in node._function._argument_names:
                return node.__dict__[self.name]
        prefix = "_raw_saved_" if self.raw else "_saved_"
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{prefix}{self.name}'")


def expose_saved_names(node_class: type, names: tuple[str, ...]) -> None:
    """Give ``node_class`` a ``_saved_<name>`` and ``_raw_saved_<name>`` attribute per name (once each)."""
    for name in names:
        for prefix, raw in (("_saved_", False), ("_raw_saved_", True)):
            if prefix + name not in node_class.__dict__:
                setattr(node_class, prefix + name, SavedAttribute(name, raw))
