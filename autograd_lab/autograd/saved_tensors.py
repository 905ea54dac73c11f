"""``autograd.graph.saved_tensors_hooks`` and ``save_on_cpu``: how the tensors saved for backward are stored.

``saved_tensors_hooks(pack, unpack)``: inside the ``with`` block, every tensor an op
saves for backward is handed to ``pack`` as it is saved, and backward uses
``unpack(packed)`` in its place. The node keeps its own reference to the tensor as
well (it names saved tensors by identity), so hooks that move tensors away to save
memory save none here. While no such block is open, ``Node.save_for_backward`` is
the plain one: the packing version is swapped in on entry and out on exit.
"""
from __future__ import annotations

from types import TracebackType
from typing import Any, Callable

from .function import Node
from .node_hooks import store_packed

PackHook = Callable[[Any], Any]
UnpackHook = Callable[[Any], Any]
_hook_stack: list[tuple[PackHook, UnpackHook]] = []
_plain_save_for_backward = Node.save_for_backward


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Context manager: tensors saved for backward inside it are stored as ``pack_hook(tensor)`` and come back
    to backward as ``unpack_hook(packed)``."""

    def __init__(self, pack_hook: PackHook, unpack_hook: UnpackHook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        _hook_stack.append((self.pack_hook, self.unpack_hook))
        Node.save_for_backward = _save_for_backward_packing  # type: ignore[method-assign]
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        _hook_stack.pop()
        if not _hook_stack:
            Node.save_for_backward = _plain_save_for_backward  # type: ignore[method-assign]


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Keep saved tensors on the CPU: every tensor here already is, so packing keeps it as it is."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(_keep, _keep)


def _keep(tensor: Any) -> Any:
    return tensor


def _save_for_backward_packing(self: Node, *tensors: Any) -> None:
    _plain_save_for_backward(self, *tensors)
    if not self.next_functions:
        return  # nothing recorded: nothing saved
    pack_hook, unpack_hook = _hook_stack[-1]
    for index, tensor in enumerate(tensors):
        if tensor is not None:
            store_packed(self, index, pack_hook(tensor), unpack_hook)
