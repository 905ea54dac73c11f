"""``autograd.graph.saved_tensors_hooks`` and ``save_on_cpu``: how the tensors saved for backward are stored.

``saved_tensors_hooks(pack, unpack)``: inside the ``with`` block, every tensor an op
saves for backward is handed to ``pack`` as it is saved, and backward uses
``unpack(packed)`` in its place. The node keeps its own reference to the tensor as
well (it names saved tensors by identity), so hooks that move tensors away to save
memory save none here. While no such block is open, ``Node.save_for_backward`` and
``Function.apply`` are the plain ones: the packing versions are swapped in on entry
and out on exit.
"""
from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Callable

from .apply_wrappers import ApplyWrapper
from .function import Function, Node
from .node_hooks import store_packed

PackHook = Callable[[Any], Any]
UnpackHook = Callable[[Any], Any]


class _ThreadHooks(threading.local):
    """Per thread, as in PyTorch: the open blocks' hooks, and what this thread's current apply saved."""

    def __init__(self) -> None:
        self.stack: list[tuple[PackHook, UnpackHook]] = []
        self.waiting: list[tuple[Node, tuple, tuple[PackHook, UnpackHook]]] = []  # saved, packed after apply


_hooks = _ThreadHooks()
_open_blocks = 0  # in every thread: the packing versions stay in place while any is open
_switching = threading.Lock()
_plain_save_for_backward = Node.save_for_backward


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Context manager: tensors saved for backward inside it are stored as ``pack_hook(tensor)`` and come back
    to backward as ``unpack_hook(packed)``."""

    def __init__(self, pack_hook: PackHook, unpack_hook: UnpackHook) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> "saved_tensors_hooks":
        global _open_blocks
        _hooks.stack.append((self.pack_hook, self.unpack_hook))
        with _switching:
            _open_blocks += 1
            Node.save_for_backward = _save_for_backward_later_packed  # type: ignore[method-assign]
            _packer.install(Function)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        global _open_blocks
        _hooks.stack.pop()
        with _switching:
            _open_blocks -= 1
            if not _open_blocks:
                Node.save_for_backward = _plain_save_for_backward  # type: ignore[method-assign]
                _packer.uninstall(Function)


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """Keep saved tensors on the CPU: every tensor here already is, so packing keeps it as it is."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(_keep, _keep)


def _keep(tensor: Any) -> Any:
    return tensor


def _save_for_backward_later_packed(self: Node, *tensors: Any) -> None:
    """Save as usual; the tensors are packed once apply has linked the outputs (a saved output then shows its
    grad_fn to the pack hook, as in PyTorch)."""
    _plain_save_for_backward(self, *tensors)
    if self.next_functions and _hooks.stack:  # recorded, in a thread with a block open
        _hooks.waiting.append((self, tensors, _hooks.stack[-1]))


def _pack_waiting(cls: type, outputs: Any) -> None:
    waiting = _hooks.waiting
    while waiting:
        node, tensors, (pack_hook, unpack_hook) = waiting.pop(0)
        for index, tensor in enumerate(tensors):
            if tensor is not None:
                store_packed(node, index, pack_hook(tensor), unpack_hook)


_packer = ApplyWrapper(_pack_waiting)
