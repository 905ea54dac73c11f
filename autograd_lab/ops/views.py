"""Views and in-place changes: what PyTorch records when a view, or the tensor behind it, is changed in place.

A view (``y[0]``, ``y.t()``, ``y.view(-1)``) shares memory with its base. When an
in-place op changes a view of a tensor that takes part in autograd, the base's
history changes too: the base gets a ``CopySlices`` node (the op's node applied to
the view's slice of the base's gradient), and every view of it gets an
``AsStridedBackward0`` node, which reads its slice of the base again. These nodes
locate a view inside its base by the memory they share (``ViewGeometry``), so any
chain of view ops works.
"""
from __future__ import annotations

import weakref
import numpy as np

from .._tensor import Tensor
from ..autograd.function import AccumulateGrad, Edge, Function, Node


class ViewGeometry:
    """Where a view's elements sit inside its base: each one's flat (row-major) index in the base."""

    __slots__ = ("base_shape", "view_shape", "_base_strides", "_view_strides", "_offset", "_contiguous",
                 "_positions")

    def __init__(self, base: np.ndarray, view: np.ndarray) -> None:
        itemsize = base.itemsize
        self.base_shape, self.view_shape = base.shape, view.shape
        self._base_strides = tuple(stride // itemsize for stride in base.strides)
        self._view_strides = tuple(stride // itemsize for stride in view.strides)
        self._offset = (_address(view) - _address(base)) // itemsize
        self._contiguous = base.flags.c_contiguous
        self._positions: np.ndarray | None = None

    def positions(self) -> np.ndarray:
        """For each element of the view (in the view's shape), the flat index of the base element it is."""
        if self._positions is None:
            addresses = _addresses(self.view_shape, self._view_strides, self._offset)
            if not self._contiguous:  # element addresses are not flat indices: look each one up
                base_addresses = _addresses(self.base_shape, self._base_strides, 0).reshape(-1)
                order = np.argsort(base_addresses, kind="stable")
                addresses = order[np.searchsorted(base_addresses[order], addresses)]
            self._positions = addresses
        return self._positions

    @property
    def overlapping(self) -> bool:
        """True when some base element appears more than once in the view (an expanded view)."""
        return any(stride == 0 and size > 1 for stride, size in zip(self._view_strides, self.view_shape))


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def _addresses(shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> np.ndarray:
    """The element address (in elements, from the base's first) of every position of ``shape``."""
    addresses = np.full(shape, offset, dtype=np.int64)
    for dim, (size, stride) in enumerate(zip(shape, strides)):
        step_shape = [1] * len(shape)
        step_shape[dim] = size
        addresses = addresses + np.arange(size, dtype=np.int64).reshape(step_shape) * stride
    return addresses


def writes_overlap(data: np.ndarray) -> bool:
    """True when several elements of ``data`` are one memory location (a broadcast view cannot be written)."""
    return any(stride == 0 and size > 1 for stride, size in zip(data.strides, data.shape))


class AsStrided(Function):
    """A view read again from its base after an in-place change: the view's positions of the base."""

    backward_name = "AsStridedBackward0"
    derivatives = {"self": "zeros_like(self).as_strided_scatter(grad, size, stride, storage_offset)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, geometry: ViewGeometry, data: np.ndarray | None = None) -> Tensor:
        ctx.geometry = geometry
        return Tensor._wrap(self._data.reshape(-1)[geometry.positions()] if data is None else data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return AsStridedScatter.apply(grad, ctx.geometry), None, None


class AsStridedScatter(Function):
    """Zeros of the base's shape with a view's gradient added at the view's positions."""

    backward_name = "AsStridedScatterBackward0"
    derivatives = {"src": "grad.as_strided(size, stride, storage_offset)"}

    @staticmethod
    def forward(ctx: Node, src: Tensor, geometry: ViewGeometry) -> Tensor:
        ctx.geometry = geometry
        values = src._data
        size = int(np.prod(geometry.base_shape))
        if geometry.overlapping:  # an element seen twice gets both gradients
            flat = np.bincount(geometry.positions().reshape(-1), weights=values.reshape(-1), minlength=size)
            return Tensor._wrap(flat.astype(values.dtype).reshape(geometry.base_shape))
        flat = np.zeros(size, dtype=values.dtype)
        flat[geometry.positions()] = values
        return Tensor._wrap(flat.reshape(geometry.base_shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return AsStrided.apply(grad, ctx.geometry), None


class ReplaceSlice(Function):
    """``self`` with the view's positions replaced by ``src``: the base's gradient after CopySlices."""

    backward_name = "AsStridedScatterBackward0"
    derivatives = {"self": "grad with the view's positions zeroed", "src": "grad.as_strided(size, stride, offset)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, src: Tensor | None, geometry: ViewGeometry) -> Tensor:
        ctx.geometry = geometry
        flat = self._data.reshape(-1).copy()
        flat[geometry.positions()] = 0 if src is None else src._data
        return Tensor._wrap(flat.reshape(self._data.shape))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        grad_self = ReplaceSlice.apply(grad, None, ctx.geometry) if ctx.needs_input_grad[0] else None
        grad_src = AsStrided.apply(grad, ctx.geometry) if ctx.needs_input_grad[1] else None
        return grad_self, grad_src, None


class CopySlices(Function):
    """The base's node after an in-place op on one of its views.

    As in PyTorch, ``next_functions`` are the base's previous history followed by the
    in-place op's other inputs; backward runs the op's node (``fn``) on the view's
    slice of the gradient and writes what it gives for the view back into that slice.
    When the op was several nodes (``fn`` None), the result of the op is the second input.
    """

    backward_name = "CopySlices"
    derivatives = {"self": "grad with the view's slice replaced by fn's gradient for the view",
                   "inputs": "fn's gradient for each of its other inputs, from the view's slice of grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, geometry: ViewGeometry, fn: Node | None, *inputs: Tensor) -> Tensor:
        ctx.geometry, ctx.fn = geometry, fn
        if fn is not None and fn._saved:  # what fn keeps is kept here too, and freed with this node
            ctx.save_for_backward(*fn._saved)
        return Tensor._wrap(self._data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, ...]:
        geometry, fn = ctx.geometry, ctx.fn
        grad_slice = AsStrided.apply(grad, geometry)
        if fn is None:
            return (ReplaceSlice.apply(grad, None, geometry), None, None, grad_slice)
        grads = fn.apply(grad_slice)
        grad_view = grads[0]
        if grad_view is not None:
            if tuple(grad_view.shape) != geometry.view_shape:
                grad_view = grad_view.sum_to_size(geometry.view_shape)
            if grad_view.dtype is not grad.dtype:
                grad_view = grad_view.to(grad.dtype)
        grad_base = ReplaceSlice.apply(grad, grad_view, geometry) if ctx.needs_input_grad[0] else None
        return (grad_base, None, None) + tuple(grads[1:])


def _release_with_fn(node: Node) -> None:
    """Free the tensors ``fn`` saved too: a second backward through CopySlices fails as in PyTorch."""
    Node.release_saved_tensors(node)
    if node.fn is not None:
        node.fn.release_saved_tensors()


CopySlices._node_class.release_saved_tensors = _release_with_fn  # type: ignore[method-assign]


def copy_slices(base: Tensor, view: Tensor, previous_edge: Edge, result: Tensor) -> Node:
    """The CopySlices node recording that ``view`` of ``base`` now holds ``result`` (made from its old values).

    ``previous_edge`` is where the view's old value came from; when ``result``'s node has
    exactly that as its first input, the node is wrapped as PyTorch wraps it.
    """
    geometry = ViewGeometry(base._data, view._data)
    fn = result._grad_fn
    if fn is not None and fn.next_functions and fn.next_functions[0] == previous_edge:
        inputs = [_tensor_for_edge(edge, metadata) for edge, metadata in zip(fn.next_functions[1:],
                                                                             fn._input_metadata[1:])]
        recorded = CopySlices.apply(base, geometry, fn, *inputs)
    else:
        recorded = CopySlices.apply(base, geometry, None, result)
    return recorded._grad_fn


def _tensor_for_edge(edge: Edge, metadata: tuple[tuple[int, ...], np.dtype]) -> Tensor:
    """A stand-in argument whose gradient goes along ``edge`` (a leaf itself, or an alias with that history)."""
    node, output_nr = edge
    if isinstance(node, AccumulateGrad):  # the leaf itself is the input
        return node.variable
    shape, dtype = metadata
    stand_in = Tensor._wrap(np.broadcast_to(np.zeros((), dtype=dtype), shape))
    if node is not None:
        stand_in._grad_fn, stand_in._output_nr, stand_in._requires_grad = node, output_nr, True
    return stand_in


# -- the views of a base, so that an in-place change can give each its new history -----------------

_PRUNE_FROM = 64


def remember_view(root: Tensor, view: Tensor) -> None:
    """Note that ``view`` shares ``root``'s memory (a leaf that requires grad is never changed while recording)."""
    if root._requires_grad and root._grad_fn is None:
        return
    views = root._views
    if views is None:
        root._views = [weakref.ref(view)]
        return
    views.append(weakref.ref(view))
    count = len(views)
    if count >= _PRUNE_FROM and count & (count - 1) == 0:  # now and then, forget views that are gone
        views[:] = [ref for ref in views if ref() is not None]


def reread_views(root: Tensor, changed_view: Tensor | None = None) -> None:
    """Give every live view of ``root`` (and ``changed_view``) an AsStridedBackward0 node on ``root``'s new history."""
    views = [ref() for ref in root._views or ()]
    if changed_view is not None and not any(view is changed_view for view in views):
        views.append(changed_view)
    for view in views:
        if view is None or not np.may_share_memory(view._data, root._data):
            continue
        node = AsStrided.apply(root, ViewGeometry(root._data, view._data), view._data)._grad_fn
        retained = view._retains_grad
        if retained:
            view._grad_fn._retained.pop(view._output_nr, None)
            view._retains_grad = False
        view._grad_fn, view._output_nr, view._requires_grad = node, 0, True
        if retained:
            view.retain_grad()
