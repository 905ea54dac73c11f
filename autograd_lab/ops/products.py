"""More products and distances: cross, inner, tensordot, kron, vdot, cdist, dist."""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import check_broadcast, quietly, warn_user
from .linalg import UnsafeView, mm
from .selection import where
from .shape import Permute, View

__all__ = ["cdist", "cross", "dist", "inner", "kron", "tensordot", "vdot"]

CROSS_DIM_WARNING = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim explicitly or simply "
    "use torch.linalg.cross.\nThe default value of dim will change to agree with that of linalg.cross in a future "
    "release. (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Cross.cpp:63.)")


class Cross(Function):
    backward_name = "LinalgCrossBackward0"
    derivatives = {"input": "cross(other, grad, dim)", "other": "cross(grad, input, dim)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, input: Tensor, other: Tensor, dim: int) -> Tensor:
        ctx.dim = dim
        ctx.save_for_backward(input, other)
        return Tensor._wrap(np.cross(input._data, other._data, axis=dim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        input, other = ctx.saved_tensors
        grad_input = Cross.apply(other, grad, ctx.dim) if ctx.needs_input_grad[0] else None
        grad_other = Cross.apply(grad, input, ctx.dim) if ctx.needs_input_grad[1] else None
        return grad_input, grad_other, None


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (broadcasting the other dimensions)."""
    check_broadcast(input._data, other._data)
    for tensor in (input, other):
        if tensor.shape[dim] != 3:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} and "
                               f"{other.shape[dim]}")
    return Cross.apply(input, other, dim)


@tensor_method
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (without it: the first dimension of size 3, with a warning)."""
    if dim is None:
        warn_user(CROSS_DIM_WARNING)
        dim = next((d for d, size in enumerate(np.broadcast_shapes(input.shape, other.shape)) if size == 3), -1)
    return linalg_cross(input, other, dim=dim)


@tensor_method
def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sums of products over the last dimension, for every pair of the leading positions of both."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    size = input.shape[-1]
    product = mm(input.reshape(-1, size), other.reshape(-1, size).t())
    return View.apply(product, tuple(input.shape[:-1]) + tuple(other.shape[:-1]), False)


@tensor_method
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Sums of products over ``dims``: the last ``dims`` dimensions of ``a`` with the first of ``b``, or the
    dimensions listed in a pair of lists."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        left, right = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        left, right = ([dims[0]] if isinstance(dims[0], int) else list(dims[0]),
                       [dims[1]] if isinstance(dims[1], int) else list(dims[1]))
    left = [normalize_dim(d, a.ndim) for d in left]
    right = [normalize_dim(d, b.ndim) for d in right]
    for d_a, d_b in zip(left, right):
        if a.shape[d_a] != b.shape[d_b]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[d_a]} in dim "
                               f"{d_a} and second has size {b.shape[d_b]} in dim {d_b}")
    kept_a = [d for d in range(a.ndim) if d not in left]
    kept_b = [d for d in range(b.ndim) if d not in right]
    inner_size = math.prod(a.shape[d] for d in left)
    a_matrix = Permute.apply(a, tuple(kept_a + left)).reshape(-1, inner_size)
    b_matrix = Permute.apply(b, tuple(right + kept_b)).reshape(inner_size, -1)
    shape = tuple(a.shape[d] for d in kept_a) + tuple(b.shape[d] for d in kept_b)
    return View.apply(mm(a_matrix, b_matrix), shape, False)


@tensor_method
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: every element of ``input`` times all of ``other``, laid out in blocks."""
    ndim = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (ndim - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (ndim - other.ndim) + tuple(other.shape))
    a_spread = a.reshape(_interleaved(a.shape, 1))
    b_spread = b.reshape(_interleaved(b.shape, 0))
    product = a_spread * b_spread
    return UnsafeView.apply(product, tuple(x * y for x, y in zip(a.shape, b.shape)), False)


def _interleaved(shape: Sequence[int], position: int) -> tuple[int, ...]:
    """``shape`` with a 1 after (position 1) or before (position 0) each size."""
    pieces: list[int] = []
    for size in shape:
        pieces += [size, 1] if position == 1 else [1, size]
    return tuple(pieces)


class Vdot(Function):
    backward_name = "VdotBackward0"
    derivatives = {"self": "grad * other", "other": "grad * self"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self, other)
        return Tensor._wrap(np.asarray(np.dot(self._data, other._data)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other = ctx.saved_tensors
        return grad * other, grad * self


@tensor_method
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """The dot product of two vectors (for real tensors, ``dot``)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
                           f"to have the same number of elements, but got {input.shape[0]} and {other.shape[0]} "
                           "elements respectively")
    return Vdot.apply(input, other)


class Cdist(Function):
    """Distances between every row of ``x1`` and every row of ``x2`` (batched)."""

    backward_name = "CdistBackward0"
    derivatives = {"x1": "sum_j grad[i, j] * d(||x1_i - x2_j||_p)/dx1_i", "x2": "the same, with the opposite sign"}

    @staticmethod
    @quietly
    def forward(ctx: Node, x1: Tensor, x2: Tensor, p: float) -> Tensor:
        ctx.p = p
        differences = x1._data[..., :, None, :] - x2._data[..., None, :, :]
        result = Tensor._wrap(_p_norm(differences, p).astype(x1._data.dtype))
        ctx.save_for_backward(x1, x2, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        x1, x2, result = ctx.saved_tensors
        distance = result.unsqueeze(-1)
        grad_x1 = grad_x2 = None
        if ctx.needs_input_grad[0]:
            grad_x1 = (grad.unsqueeze(-1) * _slope(x1.unsqueeze(-2) - x2.unsqueeze(-3), distance, ctx.p)).sum(-2)
        if ctx.needs_input_grad[1]:  # from x2 - x1 (not the negated x1 gradient): zeros keep PyTorch's sign
            slope = _slope(x2.unsqueeze(-3) - x1.unsqueeze(-2), distance, ctx.p)
            grad_x2 = (grad.unsqueeze(-1) * slope).sum(-3)
        return grad_x1, grad_x2, None


def _slope(differences: Tensor, distance: Tensor, p: float) -> Tensor:
    """d||differences||_p / d differences, given the distance (0 where the distance is 0)."""
    if p == 1:
        return differences.sign()
    if p == math.inf:
        return where(differences.abs() == distance, differences.sign(), 0.0)
    if p == 0:
        return differences * 0
    return where(distance == 0, 0.0, differences * differences.abs() ** (p - 2) / distance ** (p - 1))


def _p_norm(differences: np.ndarray, p: float) -> np.ndarray:
    magnitude = np.abs(differences)
    if p == math.inf:
        return magnitude.max(axis=-1)
    if p == 0:
        return (magnitude != 0).sum(axis=-1).astype(differences.dtype)
    if p == 1:
        return magnitude.sum(axis=-1)
    if p == 2:
        return np.sqrt((magnitude * magnitude).sum(axis=-1))
    return (magnitude ** p).sum(axis=-1) ** (1 / p)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` and each row of ``x2``."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: "
                           f"{x1.ndim if x1.ndim < 2 else x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return Cdist.apply(x1, x2, float(p))


class Dist(Function):
    backward_name = "DistBackward0"
    derivatives = {"self": "grad * d||self - other||_p / d(self - other)", "other": "minus the same"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor, p: float) -> Tensor:
        ctx.p = p
        difference = (self._data - other._data).reshape(-1)
        result = Tensor._wrap(np.asarray(_p_norm(difference, p), dtype=np.result_type(self._data, other._data)))
        ctx.save_for_backward(self, other, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None]:
        self, other, result = ctx.saved_tensors
        difference = self - other
        if ctx.p == math.inf:  # ties share the gradient, as in norm's
            chosen = difference.abs() == result
            slope = where(chosen, difference.sign() / chosen.sum(), 0.0)
        else:
            slope = _slope(difference, result, ctx.p)
        change = grad * slope
        return change, -change, None


@tensor_method
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast together)."""
    check_broadcast(input._data, other._data)
    return Dist.apply(input, other, float(p))
