"""+, -, *, /, ** and negation: each op's forward next to its local derivative."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand, broadcast_pair, common_dtype, promoted, quietly
from .selection import where
from .unary import log, reciprocal

__all__ = ["add", "div", "floor_divide", "mul", "neg", "pow", "remainder", "square", "sub"]


class Add(Function):
    backward_name = "AddBackward0"
    derivatives = {"self": "grad", "other": "grad * alpha"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor, alpha: Any = 1) -> Tensor:
        ctx.alpha = alpha
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(x + y if alpha == 1 else x + alpha * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Function):
    backward_name = "SubBackward0"
    derivatives = {"self": "grad", "other": "-grad * alpha"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor, alpha: Any = 1) -> Tensor:
        ctx.alpha = alpha
        _check_no_bool(self, other)
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(x - y if alpha == 1 else x - alpha * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None]:
        if not ctx.needs_input_grad[1]:
            return grad, None
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha)


class ReverseSub(Function):
    """``number - tensor``."""

    backward_name = "RsubBackward1"
    derivatives = {"self": "-grad"}
    non_differentiable_args = (1,)

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        _check_no_bool(self, other)
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(y - x)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return -grad, None


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
    derivatives = {"self": "grad * other", "other": "grad * self"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self if other._requires_grad else None, other if self._requires_grad else None)
        x, y = broadcast_pair(self, other)
        return Tensor._wrap(x * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        self, other = ctx.saved_tensors
        return (grad * other if other is not None else None), (grad * self if self is not None else None)


class Div(Function):
    backward_name = "DivBackward0"
    derivatives = {"self": "grad / other", "other": "-grad * self / (other * other)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self if other._requires_grad else None, other)
        x, y = broadcast_pair(self, other)
        if x.dtype.kind != "f":
            x, y = x.astype(np.float32), y.astype(np.float32)
        return Tensor._wrap(x / y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        self, other = ctx.saved_tensors
        grad_self = grad / other if ctx.needs_input_grad[0] else None
        grad_other = -grad * self / (other * other) if self is not None else None
        return grad_self, grad_other


class Neg(Function):
    backward_name = "NegBackward0"
    derivatives = {"self": "-grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        if self._data.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        return Tensor._wrap(-self._data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return -grad


class PowScalar(Function):
    """``tensor ** number``."""

    backward_name = "PowBackward0"
    derivatives = {"self": "grad * exponent * self ** (exponent - 1)"}
    non_differentiable_args = (1,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, exponent: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        ctx.exponent = exponent.item()
        x, y = promoted(self, exponent)
        return Tensor._wrap(x ** y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (self,) = ctx.saved_tensors
        exponent = ctx.exponent
        if exponent == 0:  # +0 everywhere, as PyTorch gives (self ** -1 would be inf at 0)
            return Tensor._wrap(np.zeros_like(self._data)), None
        return grad * (exponent * self ** (exponent - 1)), None


class PowTensor(Function):
    """``tensor ** tensor``."""

    backward_name = "PowBackward1"
    derivatives = {"self": "grad * exponent * self ** (exponent - 1)", "exponent": "grad * result * log(self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, exponent: Tensor) -> Tensor:
        x, y = broadcast_pair(self, exponent)
        result = Tensor._wrap(x ** y)
        ctx.save_for_backward(self, exponent, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        self, exponent, result = ctx.saved_tensors
        grad_self = None
        if ctx.needs_input_grad[0]:  # d(b**y)/db is 0 where y is 0, even at b = 0 (where b**(y-1) is inf)
            constant = exponent == 0
            grad_self = where(constant, 0.0, grad * exponent * self ** where(constant, 1.0, exponent - 1))
        grad_exponent = grad * result * _log_where_positive(self) if ctx.needs_input_grad[1] else None
        return grad_self, grad_exponent


class PowReverse(Function):
    """``number ** tensor``."""

    backward_name = "PowBackward2"
    derivatives = {"exponent": "grad * result * log(self)"}
    non_differentiable_args = (0,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, exponent: Tensor) -> Tensor:
        x, y = promoted(self, exponent)
        if y.dtype.kind != "f" and x.dtype.kind == "f":
            y = y.astype(x.dtype)
        result = Tensor._wrap(x ** y)
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[None, Tensor]:
        self, result = ctx.saved_tensors
        return None, grad * result * _log_where_positive(self.to(result.dtype))


def _log_where_positive(base: Tensor) -> Tensor:
    """log(base), with 0 where base is 0 (the limit PyTorch uses for d(b**y)/dy at b = 0)."""
    return where(base == 0, 0.0, log(base))


class Remainder(Function):
    """``a % b`` with the sign of ``b``, as Python and PyTorch define it."""

    backward_name = "RemainderBackward1"
    derivatives = {"self": "grad", "other": "-grad * floor_divide(self, other)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        x, y = _integer_division_operands(self, other)
        if other._requires_grad:
            ctx.save_for_backward(self, other)
        return Tensor._wrap(np.mod(x, y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None]:
        if not ctx.needs_input_grad[1]:
            return grad, None
        self, other = ctx.saved_tensors
        return grad, -grad * floor_divide(self, other)


class RemainderByNumber(Remainder):
    backward_name = "RemainderBackward0"
    derivatives = {"self": "grad"}
    non_differentiable_args = (1,)


class FloorDivide(Function):
    """``a // b``, rounded towards minus infinity; PyTorch has no derivative for it."""

    backward_name = "NotImplemented"

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        return Tensor._wrap(np.floor_divide(*_integer_division_operands(self, other)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


def _integer_division_operands(a: Tensor, b: Tensor) -> tuple[np.ndarray, np.ndarray]:
    x, y = broadcast_pair(a, b)
    if y.dtype.kind in "iu" and not y.all():
        raise RuntimeError("ZeroDivisionError")
    return x, y


def _operands(input: Any, other: Any) -> tuple[Tensor, Tensor]:
    """Both arguments as tensors; a plain number takes the dtype of the tensor beside it when that is exact."""
    if isinstance(input, Tensor):
        return input, (other if isinstance(other, Tensor) else as_operand(other, input))
    other = as_operand(other)
    return as_operand(input, other), other


@tensor_method("add", "__add__", "__radd__")
def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return Add.apply(*_operands(input, other), alpha)


@tensor_method("sub", "__sub__")
def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    return Sub.apply(*_operands(input, other), alpha)


@tensor_method("__rsub__")
def rsub(input: Any, other: Any) -> Tensor:
    """``other - input``, for ``number - tensor``."""
    return ReverseSub.apply(*_operands(input, other))


@tensor_method("mul", "__mul__", "__rmul__")
def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product with broadcasting."""
    return Mul.apply(*_operands(input, other))


@tensor_method("div", "__truediv__")
def div(input: Any, other: Any) -> Tensor:
    """Elementwise true division with broadcasting (integers give float32)."""
    return Div.apply(*_operands(input, other))


@tensor_method("__rtruediv__")
def true_divide_reverse(input: Tensor, number: Any) -> Tensor:
    """``number / tensor``, computed as PyTorch does: ``reciprocal(tensor) * number``."""
    return mul(reciprocal(input), number)


@tensor_method("neg", "__neg__")
def neg(input: Tensor) -> Tensor:
    """Elementwise negation."""
    return Neg.apply(input)


@tensor_method("__pos__")
def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself."""
    return input


@tensor_method("pow", "__pow__")
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


@tensor_method("__rpow__")
def _reverse_pow(input: Tensor, base: Any) -> Tensor:
    """``number ** tensor``."""
    return pow(base, input)


@tensor_method
def square(input: Tensor) -> Tensor:
    """Each element squared (recorded as ``input ** 2``, as in PyTorch)."""
    return pow(input, 2)


@tensor_method("remainder", "__mod__")
def remainder(input: Any, other: Any) -> Tensor:
    """Elementwise ``input % other`` (the result has the sign of ``other``)."""
    a, b = _operands(input, other)
    return (RemainderByNumber if b._wrapped_number else Remainder).apply(a, b)


@tensor_method("__rmod__")
def _reverse_remainder(input: Tensor, other: Any) -> Tensor:
    return remainder(other, input)


@tensor_method("floor_divide", "__floordiv__")
def floor_divide(input: Any, other: Any) -> Tensor:
    """Elementwise ``input // other``."""
    return FloorDivide.apply(*_operands(input, other))


@tensor_method("__rfloordiv__")
def _reverse_floor_divide(input: Tensor, other: Any) -> Tensor:
    return floor_divide(other, input)


# -- in place: ``x.add_(y)`` and ``x += y`` (recorded as the op, see Tensor._inplace) -------------------

@tensor_method("add_", "__iadd__")
def add_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``self += alpha * other``."""
    return self._inplace(lambda old: add(old, other, alpha=alpha))


@tensor_method("sub_", "__isub__")
def sub_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``self -= alpha * other``."""
    return self._inplace(lambda old: sub(old, other, alpha=alpha))


@tensor_method("mul_", "__imul__")
def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other``."""
    return self._inplace(lambda old: mul(old, other))


@tensor_method("div_", "__itruediv__")
def div_(self: Tensor, other: Any) -> Tensor:
    """``self /= other``."""
    return self._inplace(lambda old: div(old, other))


@tensor_method("pow_", "__ipow__")
def pow_(self: Tensor, exponent: Any) -> Tensor:
    """``self **= exponent``."""
    return self._inplace(lambda old: pow(old, exponent))
