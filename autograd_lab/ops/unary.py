"""Elementwise functions of one tensor: each forward next to its local derivative."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import as_operand, common_dtype, floating, quietly
from .selection import where


class Exp(Function):
    backward_name = "ExpBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor) -> Tensor:
        result = Tensor._wrap(np.exp(floating(a)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * result


class Log(Function):
    backward_name = "LogBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor) -> Tensor:
        ctx.save_for_backward(a)
        return Tensor._wrap(np.log(floating(a)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad / a


class Sqrt(Function):
    backward_name = "SqrtBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor) -> Tensor:
        result = Tensor._wrap(np.sqrt(floating(a)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad / (2 * result)


class Reciprocal(Function):
    backward_name = "ReciprocalBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor) -> Tensor:
        result = Tensor._wrap(np.reciprocal(floating(a)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return -grad * result * result


class Sin(Function):
    backward_name = "SinBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        ctx.save_for_backward(a)
        return Tensor._wrap(np.sin(floating(a)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad * a.cos()


class Cos(Function):
    backward_name = "CosBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        ctx.save_for_backward(a)
        return Tensor._wrap(np.cos(floating(a)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad * -a.sin()


class Tanh(Function):
    backward_name = "TanhBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        result = Tensor._wrap(np.tanh(floating(a)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * (1 - result * result)


class Sigmoid(Function):
    backward_name = "SigmoidBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, a: Tensor) -> Tensor:
        x = floating(a)
        result = Tensor._wrap((1 / (1 + np.exp(-x))).astype(x.dtype, copy=False))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * result * (1 - result)


class Relu(Function):
    backward_name = "ReluBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        result = Tensor._wrap(np.maximum(a._data, 0).astype(a._data.dtype, copy=False))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return ReluGradient.apply(grad, result)


class ReluGradient(Function):
    """ReLU's backward as an op, as PyTorch records it: its own derivative with respect to the result is zero."""

    backward_name = "ThresholdBackwardBackward0"

    @staticmethod
    def forward(ctx: Node, grad: Tensor, result: Tensor) -> Tensor:
        ctx.save_for_backward(result)
        return Tensor._wrap(np.where(result._data > 0, grad._data, grad._data.dtype.type(0)))

    @staticmethod
    def backward(ctx: Node, grad_of_grad: Tensor) -> tuple[Tensor, Tensor]:
        (result,) = ctx.saved_tensors
        return where(result > 0, grad_of_grad, 0.0), Tensor._wrap(np.zeros_like(result._data))


class Abs(Function):
    backward_name = "AbsBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        ctx.save_for_backward(a)
        return Tensor._wrap(np.abs(a._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return grad * a.sign()


class Sign(Function):
    backward_name = "SignBackward0"

    @staticmethod
    def forward(ctx: Node, a: Tensor) -> Tensor:
        return Tensor._wrap(np.sign(a._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return grad * 0


class Clamp(Function):
    backward_name = "ClampBackward1"

    @staticmethod
    def forward(ctx: Node, a: Tensor, low: Any, high: Any) -> Tensor:
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        data = a._data
        if low is not None:
            data = np.maximum(data, np.asarray(low, dtype=data.dtype))
        if high is not None:
            data = np.minimum(data, np.asarray(high, dtype=data.dtype))
        return Tensor._wrap(data if data is not a._data else data.copy())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (a,) = ctx.saved_tensors
        inside = np.ones(a.shape, dtype=bool)
        if ctx.low is not None:
            inside &= a._data >= ctx.low
        if ctx.high is not None:
            inside &= a._data <= ctx.high
        return where(Tensor._wrap(inside), grad, 0.0), None, None


def exp(input: Tensor) -> Tensor:
    """e to the power of each element."""
    return Exp.apply(input)


def log(input: Tensor) -> Tensor:
    """Natural logarithm of each element."""
    return Log.apply(input)


def sqrt(input: Tensor) -> Tensor:
    """Square root of each element."""
    return Sqrt.apply(input)


def reciprocal(input: Tensor) -> Tensor:
    """1 / each element."""
    return Reciprocal.apply(input)


def sin(input: Tensor) -> Tensor:
    """Sine of each element."""
    return Sin.apply(input)


def cos(input: Tensor) -> Tensor:
    """Cosine of each element."""
    return Cos.apply(input)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent of each element."""
    return Tanh.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) for each element."""
    return Sigmoid.apply(input)


def relu(input: Tensor) -> Tensor:
    """max(x, 0) for each element."""
    return Relu.apply(input)


def abs(input: Tensor) -> Tensor:
    """Absolute value of each element."""
    return Abs.apply(input)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 for each element."""
    return Sign.apply(input)


def square(input: Tensor) -> Tensor:
    """Each element squared."""
    from .arithmetic import pow

    return pow(input, 2)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit each element to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .selection import maximum, minimum

        result = input
        if min is not None:
            result = maximum(result, as_operand(min))
        if max is not None:
            result = minimum(result, as_operand(max))
        return result
    dtype = common_dtype(input, *(as_operand(bound) for bound in (min, max) if bound is not None))
    if dtype is not input.dtype:  # an integer tensor clamped to a float bound becomes float, as in PyTorch
        input = input.to(dtype)
    return Clamp.apply(input, min, max)
