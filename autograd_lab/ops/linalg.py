"""Matrix products: mm, addmm, dot, mv, bmm, and matmul choosing between them by shape."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._dtypes import c_type_name
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import binary_operator, check_broadcast, check_broadcast_shapes, promoted, type_name
from .shape import SqueezeDim, UnsafeView

__all__ = ["addmm", "bmm", "dot", "matmul", "mm", "mv"]


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _check_same_dtype(a: Tensor, b: Tensor, message: str) -> None:
    """Matrix products never promote: PyTorch's error (``message`` with {a}, {b}, {a_c}, {b_c} filled in)."""
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(message.format(a=type_name(a.dtype), b=type_name(b.dtype),
                                          a_c=c_type_name(a.dtype), b_c=c_type_name(b.dtype)))


class Mm(Function):
    backward_name = "MmBackward0"
    derivatives = {"self": "grad @ mat2.t()", "mat2": "self.t() @ grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, mat2: Tensor) -> Tensor:
        x, y = self._data, mat2._data
        if x.ndim != 2 or y.ndim != 2:
            raise RuntimeError(f"{'self' if x.ndim != 2 else 'mat2'} must be a matrix")
        if x.shape[1] != y.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(x.shape)} and "
                               f"{_shape_text(y.shape)})")
        if x.dtype != y.dtype:
            _check_same_dtype(self, mat2, "expected m1 and m2 to have the same dtype, but got: {a_c} != {b_c}")
        ctx.save_for_backward(self if mat2._requires_grad else None, mat2 if self._requires_grad else None)
        return Tensor._wrap(np.dot(x, y))  # for matrices np.dot is matmul, 0.3 to 1.6 us faster on small ones

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        self, mat2 = ctx.saved_tensors
        return (mm(grad, mat2.t()) if mat2 is not None else None), (mm(self.t(), grad) if self is not None else None)


class Dot(Function):
    backward_name = "DotBackward0"
    derivatives = {"self": "grad * tensor", "tensor": "grad * self"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, tensor: Tensor) -> Tensor:
        size, other_size = self._data.shape[0], tensor._data.shape[0]
        if size != other_size:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{size}] and src [{other_size}] to "
                               f"have the same number of elements, but got {size} and {other_size} elements "
                               "respectively")
        _check_same_dtype(self, tensor, "dot : expected both vectors to have same dtype, but found {a} and {b}")
        ctx.save_for_backward(self if tensor._requires_grad else None, tensor if self._requires_grad else None)
        return Tensor._wrap(np.dot(self._data, tensor._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        self, tensor = ctx.saved_tensors
        return (grad * tensor if tensor is not None else None), (grad * self if self is not None else None)


class Mv(Function):
    backward_name = "MvBackward0"
    derivatives = {"self": "grad.reshape(n, 1) * vec (an outer product)", "vec": "self.t() @ grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, vec: Tensor) -> Tensor:
        if self._data.shape[1] != vec._data.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat ({_shape_text(self.shape)}), "
                               f"vec ({vec.shape[0]})")
        _check_same_dtype(vec, self, "addmv input tensors must have the same dtype, but got {a}, {b}, and {a}")
        ctx.save_for_backward(self, vec)
        return Tensor._wrap(self._data @ vec._data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, vec = ctx.saved_tensors
        return grad.reshape(grad.shape[0], 1) * vec, self.t().mv(grad)  # PyTorch's ger: a broadcast product


class BatchMatmul(Function):
    """Products of stacks of matrices, broadcasting the batch dimensions."""

    backward_name = "BmmBackward0"
    derivatives = {"self": "grad @ mat2.transpose(-1, -2)", "mat2": "self.transpose(-1, -2) @ grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, mat2: Tensor) -> Tensor:
        check_broadcast(self._data[..., :1, :1], mat2._data[..., :1, :1])  # the batch dimensions
        if self.shape[-1] != mat2.shape[-2]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{self.shape[0]}, {self.shape[-1]}] but got: [{mat2.shape[0]}, {mat2.shape[-2]}].")
        _check_same_dtype(self, mat2, "expected scalar type {a} but found {b}")
        ctx.save_for_backward(self, mat2)
        return Tensor._wrap(np.matmul(self._data, mat2._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, mat2 = ctx.saved_tensors
        return grad.matmul(mat2.transpose(-1, -2)), self.transpose(-1, -2).matmul(grad)


class Addmm(Function):
    """``beta * input + alpha * (mat1 @ mat2)`` in one node: how PyTorch's Linear records ``x @ W.T + b``."""

    backward_name = "AddmmBackward0"
    derivatives = {"self": "grad * beta", "mat1": "grad @ mat2.t() * alpha", "mat2": "mat1.t() @ grad * alpha"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, mat1: Tensor, mat2: Tensor, beta: Any = 1, alpha: Any = 1) -> Tensor:
        if mat1.ndim != 2 or mat2.ndim != 2:
            raise RuntimeError(f"{'mat1' if mat1.ndim != 2 else 'mat2'} must be a matrix, got "
                               f"{mat1.ndim if mat1.ndim != 2 else mat2.ndim}-D tensor")
        if mat1.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
                               f"{mat2.shape[0]}x{mat2.shape[1]})")
        if mat1._data.dtype != mat2._data.dtype:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {type_name(mat1.dtype)} and "
                               f"{type_name(mat2.dtype)}")
        ctx.save_for_backward(mat1 if mat2._requires_grad else None, mat2 if mat1._requires_grad else None)
        ctx.beta, ctx.alpha = beta, alpha
        b, x, w = promoted(self, mat1, mat2)
        product = x @ w if alpha == 1 else (x @ w) * x.dtype.type(alpha)
        if beta == 0:
            return Tensor._wrap(np.broadcast_to(product, product.shape).copy())
        return Tensor._wrap(product + (b if beta == 1 else b * b.dtype.type(beta)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None, None, None]:
        mat1, mat2 = ctx.saved_tensors
        scaled = grad if ctx.alpha == 1 else grad * ctx.alpha
        grad_mat1 = scaled.mm(mat2.t()) if mat2 is not None else None
        grad_mat2 = mat1.t().mm(scaled) if mat1 is not None else None
        return (grad if ctx.beta == 1 else grad * ctx.beta), grad_mat1, grad_mat2, None, None


@tensor_method
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, ``input`` broadcast to the product's shape."""
    return Addmm.apply(input, mat1, mat2, beta, alpha)


@tensor_method
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors."""
    return Mm.apply(input, mat2)


@tensor_method
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return Dot.apply(input, other)


@tensor_method
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector."""
    return Mv.apply(input, vec)


@tensor_method
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors."""
    return BatchMatmul.apply(input, mat2)


@binary_operator("__matmul__")
@tensor_method
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """``input @ other`` for 1-D, 2-D and batched tensors, as ``torch.matmul``."""
    left, right = input._data.ndim, other._data.ndim
    if left == 2 and right == 2:  # the common case first, straight to mm's Function
        return Mm.apply(input, other)
    if left == 0 or right == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {left}D and {right}D")
    if left == 1 and right == 1:
        return dot(input, other)
    if left == 2 and right == 1:
        return mv(input, other)
    if left == 1 and right == 2:
        if input.shape[0] != other.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{input.shape[0]} and "
                               f"{_shape_text(other.shape)})")
        return SqueezeInPlace.apply(mm(input.unsqueeze(0), other), 0)
    if _should_fold(input, other):
        return _folded_matmul(input, other)
    return _batched_matmul(input, other)


class SqueezeInPlace(SqueezeDim):
    """The ``squeeze_(0)`` that ends PyTorch's vector @ matrix."""

    backward_name = "SqueezeBackward4"


def _should_fold(input: Tensor, other: Tensor) -> bool:
    """PyTorch's choice for a product with a 3-D or larger operand and a 1-D or 2-D one: fold the larger
    operand's batch into one mm/mv (always when a gradient is needed, else only if no copy is needed)."""
    input_larger = input.ndim >= other.ndim
    larger = input if input_larger else other.mT
    smaller_ndim = other.ndim if input_larger else input.ndim
    if not (larger.ndim >= 3 and smaller_ndim <= 2):
        return False
    if input.requires_grad or other.requires_grad:
        return True
    if input.ndim == 2:
        return False
    if larger.numel() == 0:
        return True
    shape, strides = larger.shape, larger._data.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(larger.ndim - 2))


def _folded_matmul(input: Tensor, other: Tensor) -> Tensor:
    """(..., n, k) @ (k,) or (k, m), and (k,) or (m, k) @ (..., k, n) through a transpose: the batch folded
    into one mm/mv, then viewed back (``UnsafeViewBackward0``), as PyTorch does it."""
    transpose = other.ndim > input.ndim
    larger = other.mT if transpose else input
    smaller = (input.t() if input.ndim == 2 else input) if transpose else other
    output_shape = tuple(larger.shape[:-1])
    folded = larger.reshape(int(np.prod(output_shape)), larger.shape[-1])
    if smaller.ndim == 1:
        return UnsafeView.apply(mv(folded, smaller), output_shape, False)
    output = UnsafeView.apply(mm(folded, smaller), output_shape + (smaller.shape[1],), False)
    return output.mT.contiguous() if transpose else output


def _batched_matmul(input: Tensor, other: Tensor) -> Tensor:
    """Both operands batched (or one a vector against a batch): batch dimensions broadcast, flattened into
    one bmm, then viewed back, as PyTorch does it."""
    n = input.shape[-2] if input.ndim > 1 else 1
    m1 = input.shape[-1]
    m2 = other.shape[-2] if other.ndim > 1 else other.shape[0]
    p = other.shape[-1] if other.ndim > 1 else 1
    batch_left, batch_right = tuple(input.shape[:max(input.ndim - 2, 0)]), tuple(other.shape[:max(other.ndim - 2, 0)])
    check_broadcast_shapes(batch_left, batch_right)
    batch = np.broadcast_shapes(batch_left, batch_right)
    count = int(np.prod(batch))
    left = input.expand(*batch, n, m1).reshape(count, n, m1)
    vector_right = other.ndim == 1
    if vector_right:
        right = other.expand(*batch, m2).reshape(count, m2).unsqueeze(2)
    else:
        right = other.expand(*batch, m2, p).reshape(count, m2, p)
    output_shape = batch + ((n,) if input.ndim > 1 else ()) + ((p,) if other.ndim > 1 else ())
    product = bmm(left, right)
    return UnsafeView.apply(product.squeeze(-1) if vector_right else product, output_shape, False)


@binary_operator("__rmatmul__")
def _reverse_matmul(input: Tensor, other: Tensor) -> Tensor:
    return matmul(other, input)
