"""More elementwise functions: other logarithms and exponentials, trigonometric and hyperbolic functions."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import floating, quietly, rounded_once as _rounded
from .selection import where
from .unary import sqrt

__all__ = ["acos", "arccos", "arcsin", "arctan", "asin", "atan", "cosh", "exp2", "expm1", "log10", "log1p", "log2",
           "nan_to_num", "rsqrt", "sinh", "tan"]


class Log10(Function):
    backward_name = "Log10Backward0"
    derivatives = {"self": "grad / (self * ln(10))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.log10, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad / (self * math.log(10.0))


class Log2(Function):
    backward_name = "Log2Backward0"
    derivatives = {"self": "grad / (self * ln(2))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.log2, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad / (self * math.log(2.0))


class Log1p(Function):
    backward_name = "Log1PBackward0"
    derivatives = {"self": "grad / (self + 1)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.log1p, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad / (self + 1)


class Expm1(Function):
    backward_name = "Expm1Backward0"
    derivatives = {"self": "grad * (result + 1)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(_rounded(np.expm1, floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * (result + 1)


class Exp2(Function):
    backward_name = "Exp2Backward0"
    derivatives = {"self": "grad * result * ln(2)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(_rounded(np.exp2, floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * (result * math.log(2.0))


class Rsqrt(Function):
    backward_name = "RsqrtBackward0"
    derivatives = {"self": "-0.5 * grad * result ** 3"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(_rounded(lambda x: 1 / np.sqrt(x), floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return -0.5 * grad * result ** 3


class Tan(Function):
    backward_name = "TanBackward0"
    derivatives = {"self": "grad * (1 + result * result)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(_rounded(np.tan, floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * (1 + result * result)


class Sinh(Function):
    backward_name = "SinhBackward0"
    derivatives = {"self": "grad * cosh(self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.sinh, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * cosh(self)


class Cosh(Function):
    backward_name = "CoshBackward0"
    derivatives = {"self": "grad * sinh(self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.cosh, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * sinh(self)


class Asin(Function):
    backward_name = "AsinBackward0"
    derivatives = {"self": "grad / sqrt(1 - self * self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.arcsin, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad / sqrt(1 - self * self)


class Acos(Function):
    backward_name = "AcosBackward0"
    derivatives = {"self": "-grad / sqrt(1 - self * self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.arccos, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return -grad / sqrt(1 - self * self)


class Atan(Function):
    backward_name = "AtanBackward0"
    derivatives = {"self": "grad / (1 + self * self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(np.arctan, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad / (1 + self * self)


@tensor_method
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm of each element."""
    return Log10.apply(input)


@tensor_method
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm of each element."""
    return Log2.apply(input)


@tensor_method
def log1p(input: Tensor) -> Tensor:
    """log(1 + x), accurate for small x."""
    return Log1p.apply(input)


@tensor_method
def expm1(input: Tensor) -> Tensor:
    """exp(x) - 1, accurate for small x."""
    return Expm1.apply(input)


@tensor_method
def exp2(input: Tensor) -> Tensor:
    """2 to the power of each element."""
    return Exp2.apply(input)


@tensor_method
def rsqrt(input: Tensor) -> Tensor:
    """1 / sqrt(x) for each element."""
    return Rsqrt.apply(input)


@tensor_method
def tan(input: Tensor) -> Tensor:
    """Tangent of each element."""
    return Tan.apply(input)


@tensor_method
def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine of each element."""
    return Sinh.apply(input)


@tensor_method
def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine of each element."""
    return Cosh.apply(input)


@tensor_method("asin", "arcsin")
def asin(input: Tensor) -> Tensor:
    """Inverse sine of each element."""
    return Asin.apply(input)


@tensor_method("acos", "arccos")
def acos(input: Tensor) -> Tensor:
    """Inverse cosine of each element."""
    return Acos.apply(input)


@tensor_method("atan", "arctan")
def atan(input: Tensor) -> Tensor:
    """Inverse tangent of each element."""
    return Atan.apply(input)


arcsin, arccos, arctan = asin, acos, atan


class NanToNum(Function):
    backward_name = "NanToNumBackward0"
    derivatives = {"self": "grad * isfinite(self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, nan: float, posinf: float | None, neginf: float | None) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(np.nan_to_num(self._data, nan=nan, posinf=posinf, neginf=neginf))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        (self,) = ctx.saved_tensors
        return where(Tensor._wrap(np.isfinite(self._data)), grad, 0.0), None, None, None


@tensor_method
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN replaced by ``nan``, infinities by ``posinf``/``neginf`` (default: the dtype's largest finite values)."""
    return NanToNum.apply(input, nan, posinf, neginf)
