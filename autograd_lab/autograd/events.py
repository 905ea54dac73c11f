"""What the engine reports while it runs backward(), for the graph view and the player.

A listener is any callable that takes one event. Install it for a block with
``listening(listener)``; every backward() and autograd.grad() in the block
reports to it, in order:

``BackwardStarted``      once per call: the roots and the gradients they start with
``NodeVisited``          a function node about to run, with the gradient(s) it received
``GradientSent``         a gradient leaving a node along one edge (after the sum-reduction
                         of broadcasting, whose original shape is kept in ``reduced_from``)
``GradRetained``         a non-leaf that called retain_grad() gets its ``.grad``
``GradAccumulated``      a leaf's ``.grad`` before and after this call's contribution
``SavedTensorsFreed``    a node's saved tensors released (no ``retain_graph``)
``BackwardFinished``     the call ended normally
``BackwardFailed``       the call raised ``error`` (the exception is re-raised afterwards)

Gradients in events are NumPy copies taken at that moment, so later in-place
changes (``zero_()``) do not alter what was recorded. Nodes and tensors are the
live objects. With no listener installed the engine does no extra work.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

if TYPE_CHECKING:
    from .._tensor import Tensor
    from .function import Node


@dataclass(frozen=True)
class BackwardStarted:
    roots: tuple["Tensor", ...]
    gradients: tuple[np.ndarray, ...]
    retain_graph: bool
    create_graph: bool


@dataclass(frozen=True)
class NodeVisited:
    node: "Node"
    grad_outputs: tuple[np.ndarray | None, ...]


@dataclass(frozen=True)
class GradientSent:
    node: "Node"
    input_slot: int
    target: "Node | None"
    target_slot: int
    gradient: np.ndarray
    reduced_from: tuple[int, ...] | None


@dataclass(frozen=True)
class GradRetained:
    tensor: "Tensor"
    before: np.ndarray | None
    after: np.ndarray


@dataclass(frozen=True)
class GradAccumulated:
    tensor: "Tensor"
    before: np.ndarray | None
    after: np.ndarray


@dataclass(frozen=True)
class SavedTensorsFreed:
    node: "Node"


@dataclass(frozen=True)
class BackwardFinished:
    pass


@dataclass(frozen=True)
class BackwardFailed:
    error: BaseException


BackwardEvent = Any
Listener = Callable[[BackwardEvent], None]

_listeners: list[Listener] = []


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[Listener]:
    """Report every backward pass run inside the block to ``listener``."""
    _listeners.append(listener)
    try:
        yield listener
    finally:
        _listeners.remove(listener)


def active_listeners() -> tuple[Listener, ...]:
    """The listeners installed right now (empty when nobody listens)."""
    return tuple(_listeners)
