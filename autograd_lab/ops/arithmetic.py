"""+, -, *, /, ** and negation: each op's forward next to its local derivative."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import as_operand, broadcast_pair, common_dtype, promoted, quietly
from .selection import where


class Add(Function):
    backward_name = "AddBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor, alpha: Any = 1) -> Tensor:
        ctx.alpha = alpha
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(x + y if alpha == 1 else x + alpha * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Function):
    backward_name = "SubBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor, alpha: Any = 1) -> Tensor:
        ctx.alpha = alpha
        _check_no_bool(a, b)
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(x - y if alpha == 1 else x - alpha * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha)


class ReverseSub(Function):
    """``number - tensor``."""

    backward_name = "RsubBackward1"
    non_differentiable_args = (1,)

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        _check_no_bool(a, b)
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(y - x)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        return -grad, grad


def _check_no_bool(a: Tensor, b: Tensor) -> None:
    """PyTorch refuses to subtract bool tensors (a mask is inverted with ``~``)."""
    first_bool, second_bool = a._data.dtype == np.bool_, b._data.dtype == np.bool_
    if first_bool and second_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if first_bool or second_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


class Mul(Function):
    backward_name = "MulBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a if b._requires_grad else None, b if a._requires_grad else None)
        x, y = broadcast_pair(a, b)
        return Tensor._wrap(x * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        return (grad * b if b is not None else None), (grad * a if a is not None else None)


class Div(Function):
    backward_name = "DivBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        ctx.save_for_backward(a if b._requires_grad else None, b)
        x, y = broadcast_pair(a, b)
        if x.dtype.kind != "f":
            x, y = x.astype(np.float32), y.astype(np.float32)
        return Tensor._wrap(x / y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if a is not None else None
        return grad_a, grad_b


class Neg(Function):
    backward_name = "NegBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        if a._data.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        return Tensor._wrap(-a._data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return -grad


class PowScalar(Function):
    """``tensor ** number``."""

    backward_name = "PowBackward0"
    non_differentiable_args = (1,)

    @staticmethod
    @quietly
    def forward(ctx: Node, base: Tensor, exponent: Tensor) -> Tensor:
        ctx.save_for_backward(base)
        ctx.exponent = exponent.item()
        x, y = promoted(base, exponent)
        return Tensor._wrap(x ** y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (base,) = ctx.saved_tensors
        exponent = ctx.exponent
        if exponent == 0:
            return Tensor._wrap(np.zeros_like(base._data)), None
        return grad * exponent * base ** (exponent - 1), None


class PowTensor(Function):
    """``tensor ** tensor``."""

    backward_name = "PowBackward1"

    @staticmethod
    @quietly
    def forward(ctx: Node, base: Tensor, exponent: Tensor) -> Tensor:
        x, y = broadcast_pair(base, exponent)
        result = Tensor._wrap(x ** y)
        ctx.save_for_backward(base, exponent, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        base, exponent, result = ctx.saved_tensors
        grad_base = None
        if ctx.needs_input_grad[0]:  # d(b**y)/db is 0 where y is 0, even at b = 0 (where b**(y-1) is inf)
            constant = exponent == 0
            grad_base = where(constant, 0.0, grad * exponent * base ** where(constant, 1.0, exponent - 1))
        grad_exponent = grad * result * _log_where_positive(base) if ctx.needs_input_grad[1] else None
        return grad_base, grad_exponent


class PowReverse(Function):
    """``number ** tensor``."""

    backward_name = "PowBackward2"
    non_differentiable_args = (0,)

    @staticmethod
    @quietly
    def forward(ctx: Node, base: Tensor, exponent: Tensor) -> Tensor:
        x, y = promoted(base, exponent)
        if y.dtype.kind != "f" and x.dtype.kind == "f":
            y = y.astype(x.dtype)
        result = Tensor._wrap(x ** y)
        ctx.save_for_backward(base, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[None, Tensor]:
        base, result = ctx.saved_tensors
        return None, grad * result * _log_where_positive(base.to(result.dtype))


class Remainder(Function):
    """``a % b`` with the sign of ``b``, as Python and PyTorch define it."""

    backward_name = "RemainderBackward1"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        x, y = _integer_division_operands(a, b)
        if b._requires_grad:
            ctx.save_for_backward(a, b)
        return Tensor._wrap(np.mod(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None]:
        if not ctx.needs_input_grad[1]:
            return grad, None
        a, b = ctx.saved_tensors
        return grad, -grad * floor_divide(a, b)


class RemainderByNumber(Remainder):
    backward_name = "RemainderBackward0"
    non_differentiable_args = (1,)


class FloorDivide(Function):
    """``a // b``, rounded towards minus infinity; PyTorch has no derivative for it."""

    backward_name = "NotImplemented"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor, b: Tensor) -> Tensor:
        return Tensor._wrap(np.floor_divide(*_integer_division_operands(a, b)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


def _integer_division_operands(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    x, y = broadcast_pair(a, b)
    if y.dtype.kind in "iu" and not y.all():
        raise RuntimeError("ZeroDivisionError")
    return x, y


def remainder(input: Any, other: Any) -> Tensor:
    """Elementwise ``input % other`` (the result has the sign of ``other``)."""
    a, b = _operands(input, other)
    return (RemainderByNumber if b._wrapped_number else Remainder).apply(a, b)


def floor_divide(input: Any, other: Any) -> Tensor:
    """Elementwise ``input // other``."""
    return FloorDivide.apply(*_operands(input, other))


def _log_where_positive(base: Tensor) -> Tensor:
    """log(base), with 0 where base is 0 (the limit PyTorch uses for d(b**y)/dy at b = 0)."""
    from .unary import log

    return where(base == 0, 0.0, log(base))


def _operands(input: Any, other: Any) -> tuple[Tensor, Tensor]:
    """Both arguments as tensors; a plain number takes the dtype of the tensor beside it when that is exact."""
    if isinstance(input, Tensor):
        return input, (other if isinstance(other, Tensor) else as_operand(other, input))
    other = as_operand(other)
    return as_operand(input, other), other


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return Add.apply(*_operands(input, other), alpha)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    return Sub.apply(*_operands(input, other), alpha)


def rsub(input: Any, other: Any) -> Tensor:
    """``other - input``, for ``number - tensor``."""
    return ReverseSub.apply(*_operands(input, other))


def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product with broadcasting."""
    return Mul.apply(*_operands(input, other))


def div(input: Any, other: Any) -> Tensor:
    """Elementwise true division with broadcasting (integers give float32)."""
    return Div.apply(*_operands(input, other))


def true_divide_reverse(input: Tensor, number: Any) -> Tensor:
    """``number / tensor``, computed as PyTorch does: ``reciprocal(tensor) * number``."""
    from .unary import reciprocal

    return mul(reciprocal(input), number)


def neg(input: Tensor) -> Tensor:
    """Elementwise negation."""
    return Neg.apply(input)


def pow(input: Any, exponent: Any) -> Tensor:
    """Elementwise power; the base or the exponent may be a plain number."""
    if not isinstance(input, Tensor):
        return PowReverse.apply(as_operand(input), exponent)
    if isinstance(exponent, Tensor):
        return PowTensor.apply(input, exponent)
    exponent_tensor = as_operand(exponent)
    if input.dtype.is_floating_point is False and common_dtype(input, exponent_tensor).is_floating_point is False \
            and exponent_tensor.item() < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return PowScalar.apply(input, exponent_tensor)
