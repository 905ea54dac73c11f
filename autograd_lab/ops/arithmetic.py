"""+, -, *, /, ** and negation: each op's forward next to its local derivative."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand, binary_operator, broadcast_pair, common_dtype, promoted
from .selection import where
from .unary import log, reciprocal

__all__ = ["add", "div", "divide", "floor_divide", "fmod", "mul", "multiply", "neg", "negative", "pow", "remainder",
           "result_type", "square", "sub", "subtract", "true_divide"]


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
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self if other._requires_grad else None, other)
        x, y = broadcast_pair(self, other)
        if x.dtype.kind != "f":
            default = _dtypes.get_default_dtype().numpy
            x, y = x.astype(default), y.astype(default)
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

    @staticmethod
    def forward(ctx: Node, self: Tensor, exponent: int | float, dtype: np.dtype) -> Tensor:
        ctx.save_for_backward(self)
        ctx.exponent = exponent
        data = self._data if self._data.dtype == dtype else self._data.astype(dtype)
        return Tensor._wrap(np.power(data, exponent, dtype=dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (self,) = ctx.saved_tensors
        exponent = ctx.exponent
        if exponent == 0:  # +0 everywhere, as PyTorch gives (self ** -1 would be inf at 0)
            return Tensor._wrap(np.zeros_like(self._data)), None, None
        power = self if exponent == 2 else self ** (exponent - 1)  # x ** 1 is x: an op less for squares
        return grad * (exponent * power), None, None


class PowTensor(Function):
    """``tensor ** tensor``."""

    backward_name = "PowBackward1"
    derivatives = {"self": "grad * exponent * self ** (exponent - 1)", "exponent": "grad * result * log(self)"}

    @staticmethod
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


@binary_operator("__add__", "__radd__")
@tensor_method
def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting."""
    return Add.apply(*_operands(input, other), alpha)


@binary_operator("__sub__")
@tensor_method
def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting."""
    return Sub.apply(*_operands(input, other), alpha)


@binary_operator("__rsub__")
def rsub(input: Any, other: Any) -> Tensor:
    """``other - input``, for ``number - tensor``."""
    return ReverseSub.apply(*_operands(input, other))


@binary_operator("__mul__", "__rmul__")
@tensor_method
def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product with broadcasting."""
    return Mul.apply(*_operands(input, other))


_TRUE_DIVISION = object()  # no rounding_mode given (PyTorch records DivBackward0; an explicit mode, DivBackward2)


@binary_operator("__truediv__")
@tensor_method("div", "divide")
def div(input: Any, other: Any, *, rounding_mode: Any = _TRUE_DIVISION) -> Tensor:
    """Elementwise division with broadcasting (integers give the default dtype, float32); ``rounding_mode``
    'trunc' or 'floor' rounds the quotient (keeping integer dtypes), and then has a zero gradient."""
    if rounding_mode is _TRUE_DIVISION:
        return Div.apply(*_operands(input, other))
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    return DivRounded.apply(*_operands(input, other), rounding_mode)


divide = div


@tensor_method
def true_divide(input: Any, other: Any) -> Tensor:
    """``input / other`` (integers give the default dtype, float32)."""
    return Div.apply(*_operands(input, other))


class DivRounded(Function):
    """Division with an explicit ``rounding_mode``: true division for None, else rounded (with no gradient)."""

    backward_name = "DivBackward2"
    derivatives = {"self": "grad / other if rounding_mode is None else 0",
                   "other": "-grad * self / (other * other) if rounding_mode is None else 0"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor, rounding_mode: str | None) -> Tensor:
        ctx.rounding_mode = rounding_mode
        if rounding_mode is None:
            ctx.save_for_backward(self if other._requires_grad else None, other)
            return Div.forward(ctx, self, other)
        x, y = _integer_division_operands(self, other)
        if x.dtype.kind == "f":
            quotient = x / y
            return Tensor._wrap(np.floor(quotient) if rounding_mode == "floor" else np.trunc(quotient))
        if rounding_mode == "floor":
            return Tensor._wrap(np.floor_divide(x, y))
        return Tensor._wrap((np.sign(x) * np.sign(y) * (np.abs(x) // np.abs(y))).astype(x.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        if ctx.rounding_mode is None:
            return Div.backward(ctx, grad) + (None,)
        zeros = Tensor._wrap(np.zeros_like(grad._data))
        return (zeros if ctx.needs_input_grad[0] else None), (zeros if ctx.needs_input_grad[1] else None), None


class Fmod(Function):
    """The remainder of truncated division: it has the sign of ``self`` (C's fmod)."""

    backward_name = "FmodBackward1"
    derivatives = {"self": "grad", "other": "-grad * div(self, other, rounding_mode='trunc')"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        if other._requires_grad:
            ctx.save_for_backward(self, other)
        return Tensor._wrap(np.fmod(*_integer_division_operands(self, other)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor | None]:
        if not ctx.needs_input_grad[1]:
            return grad, None
        self, other = ctx.saved_tensors
        return grad, -grad * div(self, other, rounding_mode="trunc")


class FmodByNumber(Fmod):
    backward_name = "FmodBackward0"
    derivatives = {"self": "grad"}
    non_differentiable_args = (1,)


@tensor_method
def fmod(input: Any, other: Any) -> Tensor:
    """Elementwise remainder of ``input / other`` rounded towards zero (the sign of ``input``)."""
    a, b = _operands(input, other)
    return (FmodByNumber if b._wrapped_number else Fmod).apply(a, b)


@tensor_method("multiply")
def multiply(input: Any, other: Any) -> Tensor:
    """``mul`` under NumPy's name."""
    return mul(input, other)


@tensor_method("subtract")
def subtract(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``sub`` under NumPy's name."""
    return sub(input, other, alpha=alpha)


@tensor_method("negative")
def negative(input: Tensor) -> Tensor:
    """``neg`` under NumPy's name."""
    return neg(input)


@binary_operator("__rtruediv__")
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


@binary_operator("__pow__")
@tensor_method
def pow(input: Any, exponent: Any) -> Tensor:
    """Elementwise power; the base or the exponent may be a plain number."""
    if not isinstance(input, Tensor):
        return PowReverse.apply(as_operand(input), exponent)
    if isinstance(exponent, Tensor):
        return PowTensor.apply(input, exponent)
    if input._data.dtype.kind == "f" and type(exponent) in (int, float):
        return PowScalar.apply(input, exponent, input._data.dtype)
    exponent_tensor = as_operand(exponent)
    dtype = common_dtype(input, exponent_tensor)
    if not dtype.is_floating_point and exponent_tensor.item() < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return PowScalar.apply(input, exponent_tensor.item(), dtype.numpy)


@binary_operator("__rpow__")
def _reverse_pow(input: Tensor, base: Any) -> Tensor:
    """``number ** tensor``."""
    return pow(base, input)


@tensor_method
def square(input: Tensor) -> Tensor:
    """Each element squared (recorded as ``input ** 2``, as in PyTorch)."""
    return pow(input, 2)


@binary_operator("__mod__")
@tensor_method
def remainder(input: Any, other: Any) -> Tensor:
    """Elementwise ``input % other`` (the result has the sign of ``other``)."""
    a, b = _operands(input, other)
    return (RemainderByNumber if b._wrapped_number else Remainder).apply(a, b)


@binary_operator("__rmod__")
def _reverse_remainder(input: Tensor, other: Any) -> Tensor:
    return remainder(other, input)


@binary_operator("__floordiv__")
@tensor_method
def floor_divide(input: Any, other: Any) -> Tensor:
    """Elementwise ``input // other``."""
    return FloorDivide.apply(*_operands(input, other))


@binary_operator("__rfloordiv__")
def _reverse_floor_divide(input: Tensor, other: Any) -> Tensor:
    return floor_divide(other, input)


# -- in place: ``x.add_(y)`` and ``x += y`` (recorded as the op, see Tensor._inplace) -------------------

@binary_operator("__iadd__")
@tensor_method
def add_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``self += alpha * other``."""
    return self._inplace(lambda old: add(old, other, alpha=alpha))


@binary_operator("__isub__")
@tensor_method
def sub_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``self -= alpha * other``."""
    return self._inplace(lambda old: sub(old, other, alpha=alpha))


@binary_operator("__imul__")
@tensor_method
def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other``."""
    return self._inplace(lambda old: mul(old, other))


@binary_operator("__itruediv__")
@tensor_method
def div_(self: Tensor, other: Any, *, rounding_mode: Any = _TRUE_DIVISION) -> Tensor:
    """``self /= other``."""
    return self._inplace(lambda old: div(old, other, rounding_mode=rounding_mode))


@binary_operator("__ipow__")
@tensor_method
def pow_(self: Tensor, exponent: Any) -> Tensor:
    """``self **= exponent``."""
    return self._inplace(lambda old: pow(old, exponent))


def result_type(tensor1: Any, tensor2: Any) -> _dtypes.dtype:
    """The dtype an arithmetic op of these two operands (tensors or numbers) gives."""
    operands = [value if isinstance(value, Tensor) else as_operand(value) for value in (tensor1, tensor2)]
    return common_dtype(*operands)
