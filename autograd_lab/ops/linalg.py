"""Matrix products: mm, dot, mv, bmm, and matmul choosing between them by shape."""
from __future__ import annotations

import numpy as np

from .._tensor import _C_TYPE_NAMES, Tensor
from ..autograd.function import Function, Node
from ._operands import check_broadcast, promoted, type_name
from .shape import SqueezeDim, View


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _check_same_dtype(a: Tensor, b: Tensor, message: str) -> None:
    """Matrix products never promote: PyTorch's error (``message`` with {a}, {b}, {a_c}, {b_c} filled in)."""
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(message.format(a=type_name(a.dtype), b=type_name(b.dtype),
                                          a_c=_C_TYPE_NAMES[a.dtype.name], b_c=_C_TYPE_NAMES[b.dtype.name]))


class Mm(Function):
    backward_name = "MmBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        if a.ndim != 2 or b.ndim != 2:
            name = "self" if a.ndim != 2 else "mat2"
            raise RuntimeError(f"{name} must be a matrix")
        if a.shape[1] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({_shape_text(a.shape)} and {_shape_text(b.shape)})")
        _check_same_dtype(a, b, "expected m1 and m2 to have the same dtype, but got: {a_c} != {b_c}")
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        x, y = promoted(a, b)
        return Tensor._wrap(x @ y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        return (grad.mm(b.t()) if b is not None else None), (a.t().mm(grad) if a is not None else None)


class Dot(Function):
    backward_name = "DotBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        if a.shape != b.shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
                               f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
                               "respectively")
        _check_same_dtype(a, b, "dot : expected both vectors to have same dtype, but found {a} and {b}")
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        x, y = promoted(a, b)
        return Tensor._wrap(np.dot(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Mv(Function):
    backward_name = "MvBackward0"

    @staticmethod
    def forward(ctx: Node, matrix: Tensor, vector: Tensor) -> Tensor:
        if matrix.shape[1] != vector.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({matrix.shape[0]}), mat ({_shape_text(matrix.shape)}), "
                               f"vec ({vector.shape[0]})")
        _check_same_dtype(vector, matrix, "addmv input tensors must have the same dtype, but got {a}, {b}, and {a}")
        ctx.save_for_backward(matrix, vector)
        x, y = promoted(matrix, vector)
        return Tensor._wrap(x @ y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        matrix, vector = ctx.saved_tensors
        return grad.unsqueeze(1).mm(vector.unsqueeze(0)), matrix.t().mv(grad)


class BatchMatmul(Function):
    """Products of stacks of matrices, broadcasting the batch dimensions."""

    backward_name = "BmmBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        check_broadcast(a._data[..., :1, :1], b._data[..., :1, :1])  # the batch dimensions
        if a.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{a.shape[0]}, {a.shape[-1]}] but got: [{b.shape[0]}, {b.shape[-2]}].")
        _check_same_dtype(a, b, "expected scalar type {a} but found {b}")
        ctx.save_for_backward(a, b)
        x, y = promoted(a, b)
        return Tensor._wrap(np.matmul(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        a, b = ctx.saved_tensors
        return grad.matmul(b.transpose(-1, -2)), a.transpose(-1, -2).matmul(grad)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors."""
    return Mm.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return Dot.apply(input, other)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector."""
    return Mv.apply(input, vec)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors."""
    return BatchMatmul.apply(input, mat2)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other`` for 1-D, 2-D and batched tensors, as ``torch.matmul``."""
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
                           f"{other.ndim}D")
    if input.ndim == 1 and other.ndim == 1:
        return dot(input, other)
    if input.ndim == 2 and other.ndim == 1:
        return mv(input, other)
    if input.ndim == 1 and other.ndim == 2:
        if input.shape[0] != other.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{input.shape[0]} and "
                               f"{_shape_text(other.shape)})")
        return SqueezeInPlace.apply(mm(input.unsqueeze(0), other), 0)
    if input.ndim == 2 and other.ndim == 2:
        return mm(input, other)
    if other.ndim <= 2:
        return _folded_matmul(input, other)
    if other.ndim == 1:
        return BatchMatmul.apply(input, other.unsqueeze(-1)).squeeze(-1)
    if input.ndim == 1:
        return BatchMatmul.apply(input.unsqueeze(0), other).squeeze(-2)
    return BatchMatmul.apply(input, other)


class SqueezeInPlace(SqueezeDim):
    """The ``squeeze_(0)`` that ends PyTorch's vector @ matrix."""

    backward_name = "SqueezeBackward4"


class UnsafeView(View):
    """The reshape that ends PyTorch's folded batched matmul."""

    backward_name = "UnsafeViewBackward0"


def _folded_matmul(batched: Tensor, other: Tensor) -> Tensor:
    """(..., n, k) @ (k,) or (k, m) as PyTorch does it: fold the batch into one mm/mv, then unfold."""
    k = batched.shape[-1]
    folded = batched.reshape(-1, k)
    product = mv(folded, other) if other.ndim == 1 else mm(folded, other)
    output_shape = tuple(batched.shape[:-1]) + tuple(other.shape[1:])
    return UnsafeView.apply(product, output_shape, False)
