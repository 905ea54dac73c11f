"""Norms, determinants, inverses and linear systems (``torch.norm``, ``torch.det``, ``torch.linalg.*``).

The gradients are the textbook ones written with recorded ops (``-inv.mT @ grad @
inv.mT`` for the inverse), so second derivatives work. Singular matrices raise
PyTorch's ``LinAlgError`` messages.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import floating, quietly, type_name
from .reduction import Dims, _dims, _expand_back
from .selection import where

__all__ = ["det", "inverse", "logdet", "matrix_power", "norm", "slogdet"]


class _LinAlgError(RuntimeError):
    """A matrix that cannot be inverted or solved with (PyTorch's ``torch.linalg.LinAlgError``)."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


# -- vector norms ------------------------------------------------------------------------------------

class VectorNorm(Function):
    """The 2-norm: sqrt of the sum of squares."""

    backward_name = "LinalgVectorNormBackward0"
    derivatives = {"self": "grad * self / result"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, keepdim: bool) -> Tensor:
        ctx.shape, ctx.dims, ctx.keepdim = self._data.shape, _dims(dim, self._data.ndim), keepdim
        data = self._data
        result = Tensor._wrap(np.sqrt(np.sum(data * data, axis=ctx.dims, keepdims=keepdim)).astype(data.dtype))
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        self, result = ctx.saved_tensors
        norm = _expand_back(result, ctx.shape, ctx.dims, ctx.keepdim)
        scale = _expand_back(grad, ctx.shape, ctx.dims, ctx.keepdim)
        return scale * where(norm == 0, 0.0, self / norm), None, None


class PNorm(Function):
    """Any other p-norm: (sum |x|^p)^(1/p); inf and -inf are the largest and smallest |x|, 0 counts nonzeros."""

    backward_name = "LinalgVectorNormBackward0"
    derivatives = {"self": "grad * sign(self) * |self|^(p-1) / result^(p-1)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, ord: float, dim: Dims, keepdim: bool) -> Tensor:
        data = self._data
        ctx.shape, ctx.dims, ctx.keepdim, ctx.ord = data.shape, _dims(dim, data.ndim), keepdim, ord
        magnitude = np.abs(data)
        if ord == math.inf:
            value = np.max(magnitude, axis=ctx.dims, keepdims=keepdim)
        elif ord == -math.inf:
            value = np.min(magnitude, axis=ctx.dims, keepdims=keepdim)
        elif ord == 0:
            value = np.sum(magnitude != 0, axis=ctx.dims, keepdims=keepdim)
        elif ord == 1:
            value = np.sum(magnitude, axis=ctx.dims, keepdims=keepdim)
        else:
            value = np.sum(magnitude ** ord, axis=ctx.dims, keepdims=keepdim) ** (1.0 / ord)
        result = Tensor._wrap(np.asarray(value).astype(data.dtype))
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        self, result = ctx.saved_tensors
        shape, ord = tuple(ctx.shape), ctx.ord
        spread = _expand_back(grad, shape, ctx.dims, ctx.keepdim)
        if ord == 0:
            return spread * 0, None, None, None
        if ord == 1:
            return spread * self.sign(), None, None, None
        norm = _expand_back(result, shape, ctx.dims, ctx.keepdim)
        if ord in (math.inf, -math.inf):
            chosen = self.abs() == norm
            return where(chosen, spread * self.sign() / chosen.sum(ctx.dims, keepdim=True), 0.0), None, None, None
        scale = self.abs() ** (ord - 1) * self.sign() / norm ** (ord - 1)
        return spread * where(norm == 0, 0.0, scale), None, None, None


def _check_floating(name: str, input: Tensor) -> None:
    if not input.is_floating_point():
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{type_name(input.dtype)}")


def vector_norm(x: Tensor, ord: Any = 2, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The ``ord``-norm of all elements, or along ``dim`` (2: Euclidean, 1: sum of |x|, inf: largest |x|)."""
    _check_floating("linalg.vector_norm", x)
    if dtype is not None:
        x = x.to(dtype)
    if ord == 2:
        return VectorNorm.apply(x, dim, keepdim)
    return PNorm.apply(x, float(ord), dim, keepdim)


class _NormDim(VectorNorm):
    """The Euclidean norm along dims as PyTorch's C++ functions call it (``at::norm``): another node name."""

    backward_name = "NormBackward1"


class _PNormDim(PNorm):
    backward_name = "NormBackward1"


def norm_along(x: Tensor, p: float, dim: Dims, keepdim: bool = False) -> Tensor:
    """``at::norm(x, p, dim, keepdim)``, the norm inside ``pairwise_distance`` (``NormBackward1``)."""
    return _NormDim.apply(x, dim, keepdim) if p == 2 else _PNormDim.apply(x, float(p), dim, keepdim)


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1), keepdim: bool = False) -> Tensor:
    """The Frobenius norm ('fro'), or the largest column (1) or row (inf) sum of |A| (-1, -inf: the smallest)."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _check_floating("linalg.matrix_norm", A)
    if ord == "fro":
        return VectorNorm.apply(A, dim, keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        rows, columns = (normalize_dim(d, A.ndim) for d in dim)
        summed_over, other = (rows, columns) if ord in (1, -1) else (columns, rows)
        sums = A.abs().sum(summed_over, keepdim=keepdim)
        if not keepdim and summed_over < other:
            other -= 1
        return sums.amax(other, keepdim=keepdim) if ord > 0 else sums.amin(other, keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"autograd_lab has no singular values: the '{ord}' matrix norm is not supported")
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``ord`` is a matrix order or ``dim`` is two dims."""
    if dim is None and ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    matrix = isinstance(dim, (tuple, list)) and len(dim) == 2 or dim is None and ord is not None and A.ndim == 2
    if ord is None or not matrix:
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return matrix_norm(A.to(dtype) if dtype is not None else A, ord, tuple(dim or (-2, -1)), keepdim)


@tensor_method
def norm(input: Tensor, p: Any = "fro", dim: Dims = None, keepdim: bool = False, dtype: Any = None) -> Tensor:
    """The ``p``-norm of all elements, or along ``dim`` ('fro' and 2: Euclidean)."""
    if p == "nuc":
        return matrix_norm(input, "nuc", tuple(dim or (-2, -1)), keepdim)
    return vector_norm(input, 2 if p == "fro" else p, dim, keepdim, dtype=dtype)


# -- square matrices ------------------------------------------------------------------------------------

def _check_square(name: str, A: Tensor) -> None:
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        if A.ndim < 2:
            raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")
    _check_floating(name, A)


def _first_zero_pivot(matrix: np.ndarray) -> int:
    """The 1-based position of the first zero pivot of LU with partial pivoting (LAPACK's getrf 'info')."""
    a = matrix.astype(np.float64).copy()
    n = a.shape[0]
    for column in range(n):
        pivot = column + int(np.argmax(np.abs(a[column:, column])))
        if a[pivot, column] == 0:
            return column + 1
        a[[column, pivot]] = a[[pivot, column]]
        a[column + 1:] -= np.outer(a[column + 1:, column] / a[column, column], a[column])
    return n


def _singular(name: str, A: np.ndarray) -> _LinAlgError:
    matrices = A.reshape((-1,) + A.shape[-2:])
    for batch, matrix in enumerate(matrices):
        if np.linalg.matrix_rank(matrix) < matrix.shape[0]:
            where_text = f"(Batch element {batch}): " if A.ndim > 2 else ""
            return _LinAlgError(f"{name}: {where_text}The diagonal element {_first_zero_pivot(matrix)} is zero, the "
                                "inversion could not be completed because the input matrix is singular.")
    return _LinAlgError(f"{name}: The input matrix is singular.")


class Det(Function):
    """The determinant. As in PyTorch, its gradient is ``grad * det * inv(A).mT``, which is zero where A is singular
    (the adjugate would be the derivative there)."""

    backward_name = "LinalgDetBackward0"
    derivatives = {"A": "grad * result * A.inverse().mT (zero where A is singular, as in PyTorch)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, A: Tensor) -> Tensor:
        result = Tensor._wrap(np.asarray(np.linalg.det(A._data), dtype=A._data.dtype))
        ctx.save_for_backward(A, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        A, result = ctx.saved_tensors
        invertible = result._data != 0
        if not invertible.any():
            return Tensor._wrap(np.zeros_like(A._data))
        safe = A if invertible.all() else where(Tensor._wrap(invertible[..., None, None]), A,
                                                Tensor._wrap(np.broadcast_to(np.eye(A.shape[-1], dtype=A._data.dtype),
                                                                             A.shape)))
        scale = (grad * result).unsqueeze(-1).unsqueeze(-1)
        return scale * inverse(safe).mT


class Inverse(Function):
    backward_name = "LinalgInvExBackward0"
    derivatives = {"A": "-result.mT @ grad @ result.mT"}

    @staticmethod
    @quietly
    def forward(ctx: Node, A: Tensor) -> Tensor:
        try:
            result = Tensor._wrap(np.linalg.inv(A._data).astype(A._data.dtype))
        except np.linalg.LinAlgError:
            raise _singular("linalg.inv", A._data) from None
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return -(result.mT @ grad @ result.mT)


class Solve(Function):
    backward_name = "LinalgSolveExBackward0"
    derivatives = {"A": "-solve(A.mT, grad) @ result.mT", "B": "solve(A.mT, grad)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, A: Tensor, B: Tensor) -> Tensor:
        vector = B._data.ndim == A._data.ndim - 1
        ctx.vector = vector
        right = B._data[..., None] if vector else B._data
        try:
            solution = np.linalg.solve(A._data, right)
        except np.linalg.LinAlgError:
            raise _LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
        result = Tensor._wrap((solution[..., 0] if vector else solution).astype(A._data.dtype))
        ctx.save_for_backward(A, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor]:
        A, result = ctx.saved_tensors
        grad_B = solve(A.mT, grad)
        if not ctx.needs_input_grad[0]:
            return None, grad_B
        if ctx.vector:
            return -(grad_B.unsqueeze(-1) @ result.unsqueeze(-2)), grad_B
        return -(grad_B @ result.mT), grad_B


class Slogdet(Function):
    backward_name = "LinalgSlogdetBackward0"
    derivatives = {"A": "grad_logabsdet * A.inverse().mT"}
    materialize_grads = True

    @staticmethod
    @quietly
    def forward(ctx: Node, A: Tensor) -> tuple[Tensor, Tensor]:
        sign, logabsdet = np.linalg.slogdet(A._data)
        sign_tensor = Tensor._wrap(np.asarray(sign, dtype=A._data.dtype))
        ctx.save_for_backward(A)
        return sign_tensor, Tensor._wrap(np.asarray(logabsdet, dtype=A._data.dtype))

    @staticmethod
    def backward(ctx: Node, _grad_sign: Tensor, grad: Tensor) -> Tensor:
        (A,) = ctx.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * inverse(A).mT


@tensor_method
def det(input: Tensor) -> Tensor:
    """The determinant of a square matrix (or of each in a batch)."""
    _check_square("linalg.det", input)
    return Det.apply(input)


@tensor_method
def inverse(input: Tensor) -> Tensor:
    """The inverse of a square matrix (or of each in a batch)."""
    _check_square("linalg.inv", input)
    return Inverse.apply(input)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with ``A @ X = B`` (B a vector or a matrix)."""
    _check_square("linalg.solve", A)
    n = A.shape[-1]
    rows = B.shape[-1] if B.ndim == A.ndim - 1 else B.shape[-2] if B.ndim >= 2 else B.shape[0]
    if rows != n:
        columns = 1 if B.ndim == 1 else B.shape[-1]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B ({n}x{n} and "
                           f"{rows}x{columns})")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{type_name(A.dtype)} and B of type {type_name(B.dtype)} instead")
    return Solve.apply(A, B)


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor

    def __repr__(self) -> str:
        return f"torch.return_types.linalg_slogdet(\nsign={self.sign!r},\nlogabsdet={self.logabsdet!r})"


@tensor_method
def slogdet(input: Tensor) -> SlogdetResult:
    """(sign, log|det|) of a square matrix: the determinant without overflow."""
    _check_square("linalg.slogdet", input)
    return SlogdetResult(*Slogdet.apply(input))


@tensor_method
def logdet(input: Tensor) -> Tensor:
    """log(det): nan for a negative determinant, -inf for zero."""
    sign, logabsdet = slogdet(input)
    with np.errstate(invalid="ignore", divide="ignore"):
        return logabsdet + Tensor._wrap(np.log(floating(sign)))


@tensor_method
def matrix_power(input: Tensor, n: int) -> Tensor:
    """The matrix multiplied by itself ``n`` times (the inverse's power for negative ``n``)."""
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they are "
                           f"{input.shape[-2] if input.ndim > 1 else 1} by {input.shape[-1]} matrices")
    if n == 0:
        return Tensor._wrap(np.broadcast_to(np.eye(input.shape[-1], dtype=input._data.dtype), input.shape).copy())
    base = inverse(input) if n < 0 else input
    result = base
    for _ in range(abs(n) - 1):
        result = result @ base
    return result


def multi_dot(tensors: list[Tensor]) -> Tensor:
    """The product of a chain of matrices (the first and last may be vectors)."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for tensor in tensors[1:]:
        result = result @ tensor
    return result
