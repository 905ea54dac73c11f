"""More elementwise functions: erf, logit, angle conversions, and ops of two or three tensors
(hypot, logaddexp, xlogy, lerp, addcmul, addcdiv)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand, broadcast_pair, floating, promoted, quietly, rounded_once
from .selection import where

__all__ = ["addcdiv", "addcmul", "arctan2", "atan2", "copysign", "deg2rad", "erf", "erfc", "heaviside", "hypot", "lerp",
           "logaddexp", "logit", "rad2deg", "xlogy"]

_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _via_float64(function: Any, data: np.ndarray) -> np.ndarray:
    """``function`` (a Python-level ufunc) of each element, computed in float64 and rounded to data's dtype."""
    return np.asarray(function(data.astype(np.float64)), dtype=np.float64).astype(data.dtype)


class Erf(Function):
    backward_name = "ErfBackward0"
    derivatives = {"self": "grad * 2 / sqrt(pi) * exp(-self * self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_via_float64(_erf, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * ((-self * self).exp() * (2 / math.sqrt(math.pi)))


class Erfc(Erf):
    backward_name = "ErfcBackward0"
    derivatives = {"self": "-grad * 2 / sqrt(pi) * exp(-self * self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_via_float64(_erfc, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return -Erf.backward(ctx, grad)


class Logit(Function):
    backward_name = "LogitBackward0"
    derivatives = {"self": "grad / (self * (1 - self)) (0 outside [eps, 1 - eps])"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, eps: float | None) -> Tensor:
        ctx.save_for_backward(self)
        ctx.eps = eps
        x = floating(self)
        if eps is not None:
            x = np.clip(x, eps, 1 - eps)
        return Tensor._wrap(np.log(x / (1 - x)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (self,) = ctx.saved_tensors
        slope = grad / (self * (1 - self))
        if ctx.eps is None:
            return slope, None
        inside = Tensor._wrap((self._data >= ctx.eps) & (self._data <= 1 - ctx.eps))
        return where(inside, slope, 0.0), None


class Scale(Function):
    """Multiplication by a constant under an op's own name (deg2rad, rad2deg)."""

    derivatives = {"self": "grad * factor"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, factor: float) -> Tensor:
        ctx.factor = factor
        data = floating(self)
        return Tensor._wrap(data * data.dtype.type(factor))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return grad * ctx.factor, None


class Deg2Rad(Scale):
    backward_name = "Deg2RadBackward0"


class Rad2Deg(Scale):
    backward_name = "Rad2DegBackward0"


class Hypot(Function):
    backward_name = "HypotBackward0"
    derivatives = {"self": "grad * self / result", "other": "grad * other / result"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        result = Tensor._wrap(np.hypot(*broadcast_pair(self, other)))
        ctx.save_for_backward(self, other, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other, result = ctx.saved_tensors
        return grad * self / result, grad * other / result


class Logaddexp(Function):
    backward_name = "LogaddexpBackward0"
    derivatives = {"self": "grad / (1 + exp(other - self))", "other": "grad / (1 + exp(self - other))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self, other)
        return Tensor._wrap(np.logaddexp(*broadcast_pair(self, other)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other = ctx.saved_tensors
        return grad / (1 + (other - self).exp()), grad / (1 + (self - other).exp())


class Xlogy(Function):
    backward_name = "XlogyBackward0"
    derivatives = {"self": "grad * log(other) (0 where self is 0 and other is not NaN)", "other": "grad * self / other"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self, other)
        x, y = broadcast_pair(self, other)
        if x.dtype.kind != "f":
            x, y = floating(Tensor._wrap(x)), floating(Tensor._wrap(y))
        return Tensor._wrap(np.where((x == 0) & ~np.isnan(y), x.dtype.type(0), x * np.log(y)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other = ctx.saved_tensors
        zero = Tensor._wrap((self._data == 0) & ~np.isnan(other._data))
        return where(zero, 0.0, grad * other.log()), grad * self / other


class Lerp(Function):
    """``self + weight * (end - self)`` with a number weight."""

    backward_name = "LerpBackward0"
    derivatives = {"self": "grad * (1 - weight)", "end": "grad * weight"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, end: Tensor, weight: float) -> Tensor:
        ctx.weight = weight
        x, y = broadcast_pair(self, end)
        w = x.dtype.type(weight)
        return Tensor._wrap(x + w * (y - x) if abs(weight) < 0.5 else y - (y - x) * (1 - w))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None]:
        return grad * (1 - ctx.weight), grad * ctx.weight, None


class LerpByTensor(Function):
    """``self + weight * (end - self)`` with a tensor weight."""

    backward_name = "LerpBackward1"
    derivatives = {"self": "grad * (1 - weight)", "end": "grad * weight", "weight": "grad * (end - self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, end: Tensor, weight: Tensor) -> Tensor:
        ctx.save_for_backward(self, end, weight)
        x, y, w = promoted(self, end, weight)
        return Tensor._wrap(np.where(np.abs(w) < 0.5, x + w * (y - x), y - (y - x) * (1 - w)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        self, end, weight = ctx.saved_tensors
        return grad * (1 - weight), grad * weight, grad * (end - self)


class Addcmul(Function):
    backward_name = "AddcmulBackward0"
    derivatives = {"self": "grad", "tensor1": "grad * value * tensor2", "tensor2": "grad * value * tensor1"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any) -> Tensor:
        ctx.save_for_backward(tensor1, tensor2)
        ctx.value = value
        x, a, b = promoted(self, tensor1, tensor2)
        return Tensor._wrap(x + x.dtype.type(value) * a * b if value != 1 else x + a * b)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, Tensor, None]:
        tensor1, tensor2 = ctx.saved_tensors
        return grad, grad * ctx.value * tensor2, grad * ctx.value * tensor1, None


class Addcdiv(Function):
    backward_name = "AddcdivBackward0"
    derivatives = {"self": "grad", "tensor1": "grad * value / tensor2",
                   "tensor2": "-grad * value * tensor1 / (tensor2 * tensor2)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any) -> Tensor:
        ctx.save_for_backward(tensor1, tensor2)
        ctx.value = value
        x, a, b = promoted(self, tensor1, tensor2)
        return Tensor._wrap(x + x.dtype.type(value) * a / b if value != 1 else x + a / b)  # PyTorch's order

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, Tensor, None]:
        tensor1, tensor2 = ctx.saved_tensors
        return grad, grad * ctx.value / tensor2, -grad * ctx.value * tensor1 / (tensor2 * tensor2), None


@tensor_method
def erf(input: Tensor) -> Tensor:
    """The error function of each element."""
    return Erf.apply(input)


@tensor_method
def erfc(input: Tensor) -> Tensor:
    """1 - erf(x), accurate where erf is close to 1."""
    return Erfc.apply(input)


@tensor_method
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), the inverse of sigmoid; with ``eps``, p is first clamped to [eps, 1 - eps]."""
    return Logit.apply(input, eps)


@tensor_method
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians."""
    return Deg2Rad.apply(input, math.pi / 180)


@tensor_method
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees."""
    return Rad2Deg.apply(input, 180 / math.pi)


@tensor_method
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input ** 2 + other ** 2), without overflow."""
    return Hypot.apply(input, other)


@tensor_method
def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)), without overflow."""
    return Logaddexp.apply(input, other)


@tensor_method
def xlogy(input: Any, other: Any) -> Tensor:
    """input * log(other), and 0 where input is 0 (unless other is NaN)."""
    return Xlogy.apply(as_operand(input), as_operand(other))


@tensor_method
def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """input + weight * (end - input): linear interpolation (weight a number or a tensor)."""
    if isinstance(weight, Tensor):
        return LerpByTensor.apply(input, end, weight)
    return Lerp.apply(input, end, float(weight))


@tensor_method
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    return Addcmul.apply(input, tensor1, tensor2, value)


@tensor_method
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2 (the update step of Adam written by hand)."""
    return Addcdiv.apply(input, tensor1, tensor2, value)


@tensor_method
def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``lerp`` in place (an exponential moving average: ``avg.lerp_(x, 0.1)``)."""
    return self._inplace(lambda old: lerp(old, end, weight))


@tensor_method
def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``addcmul`` in place."""
    return self._inplace(lambda old: addcmul(old, tensor1, tensor2, value=value))


@tensor_method
def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``addcdiv`` in place."""
    return self._inplace(lambda old: addcdiv(old, tensor1, tensor2, value=value))


class Atan2(Function):
    backward_name = "Atan2Backward0"
    derivatives = {"self": "grad * other / (self^2 + other^2)", "other": "grad * -self / (self^2 + other^2)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        ctx.save_for_backward(self, other)
        y, x = broadcast_pair(self, other)
        if y.dtype.kind != "f":
            y, x = y.astype(np.float32), x.astype(np.float32)
        return Tensor._wrap(rounded_once(lambda wide: np.arctan2(wide, x.astype(wide.dtype)), y))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, other = ctx.saved_tensors
        denominator = self * self + other * other
        return grad * other / denominator, grad * -self / denominator


class Copysign(Function):
    backward_name = "CopysignBackward0"
    derivatives = {"self": "grad * result / self (0 where self is 0)"}
    non_differentiable_args = (1,)

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, other: Tensor) -> Tensor:
        x, y = broadcast_pair(self, other)
        if x.dtype.kind != "f":
            x = x.astype(np.float32 if y.dtype.kind != "f" else y.dtype)
        result = Tensor._wrap(np.copysign(x, y.astype(x.dtype)))
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        self, result = ctx.saved_tensors
        return grad * where(self == 0, 0.0, result / self), None


@tensor_method("atan2", "arctan2")
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input): arctan(input / other) in the right quadrant."""
    return Atan2.apply(input, other)


arctan2 = atan2


@tensor_method
def copysign(input: Tensor, other: Any) -> Tensor:
    """|input| with the sign of ``other`` (a tensor or a number), as floats."""
    return Copysign.apply(input, as_operand(other))


@tensor_method
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The step function: 0 where input < 0, 1 where input > 0, ``values`` where input is 0."""
    x, v = broadcast_pair(input, values)
    return Tensor._wrap(np.where(x == 0, v, (x > 0).astype(v.dtype)))
