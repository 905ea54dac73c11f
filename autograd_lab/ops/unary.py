"""Elementwise functions of one tensor: each forward next to its local derivative."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import as_operand, common_dtype, floating, rounded_once
from .selection import maximum, minimum, where

__all__ = ["abs", "clamp", "clamp_max", "clamp_min", "clip", "cos", "exp", "log", "reciprocal", "relu", "sigmoid",
           "sign", "sin", "sqrt", "tanh"]


class Exp(Function):
    backward_name = "ExpBackward0"
    derivatives = {"self": "grad * result"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(rounded_once(np.exp, floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * result


class Log(Function):
    backward_name = "LogBackward0"
    derivatives = {"self": "grad / self"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(rounded_once(np.log, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad / self


class Sqrt(Function):
    backward_name = "SqrtBackward0"
    derivatives = {"self": "grad / (2 * result)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(np.sqrt(floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad / (2 * result)


class Reciprocal(Function):
    backward_name = "ReciprocalBackward0"
    derivatives = {"self": "-grad * result * result"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(np.reciprocal(floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return -grad * result * result


class Sin(Function):
    backward_name = "SinBackward0"
    derivatives = {"self": "grad * cos(self)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(rounded_once(np.sin, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * cos(self)


class Cos(Function):
    backward_name = "CosBackward0"
    derivatives = {"self": "-grad * sin(self)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(rounded_once(np.cos, floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * -sin(self)


class Tanh(Function):
    backward_name = "TanhBackward0"
    derivatives = {"self": "grad * (1 - result * result)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(rounded_once(np.tanh, floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return TanhGradient.apply(grad, result)


class TanhGradient(Function):
    """tanh's backward as one op, as PyTorch records it (``tanh_backward``): one NumPy step instead of three."""

    backward_name = "TanhBackwardBackward0"
    derivatives = {"grad_output": "grad * (1 - output * output)", "output": "-2 * grad * grad_output * output"}

    @staticmethod
    def forward(ctx: Node, grad_output: Tensor, output: Tensor) -> Tensor:
        ctx.save_for_backward(grad_output, output)
        return Tensor._wrap(grad_output._data * _one_minus_square(output._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_output, output = ctx.saved_tensors
        grad_grad_output = TanhGradient.apply(grad, output) if ctx.needs_input_grad[0] else None
        grad_result = -2 * grad * grad_output * output if ctx.needs_input_grad[1] else None
        return grad_grad_output, grad_result


def _one_minus_square(y: np.ndarray) -> np.ndarray:
    """1 - y * y, rounded once for float32 as PyTorch's fused multiply-add rounds it.

    With it tanh's gradient has PyTorch's bits (without it, 3 in 10 elements differ in the last bit,
    enough to change a printed training loss); it costs about 1 us per backward of a 100 x 16 tanh.
    """
    if y.dtype == np.float32:
        wide = y.astype(np.float64)
        return (1 - wide * wide).astype(np.float32)
    return 1 - y * y


class Sigmoid(Function):
    backward_name = "SigmoidBackward0"
    derivatives = {"self": "grad * (1 - result) * result"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        x = floating(self)
        result = Tensor._wrap((1 / (1 + np.exp(-x))).astype(x.dtype, copy=False))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return SigmoidGradient.apply(grad, result)


class SigmoidGradient(Function):
    """sigmoid's backward as one op, as PyTorch records it (``sigmoid_backward``)."""

    backward_name = "SigmoidBackwardBackward0"
    derivatives = {"grad_output": "grad * (1 - output) * output", "output": "grad * grad_output * (1 - 2 * output)"}

    @staticmethod
    def forward(ctx: Node, grad_output: Tensor, output: Tensor) -> Tensor:
        ctx.save_for_backward(grad_output, output)
        y = output._data
        return Tensor._wrap(grad_output._data * (1 - y) * y)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:
        grad_output, output = ctx.saved_tensors
        grad_grad_output = SigmoidGradient.apply(grad, output) if ctx.needs_input_grad[0] else None
        grad_result = grad * grad_output * (1 - 2 * output) if ctx.needs_input_grad[1] else None
        return grad_grad_output, grad_result


class Relu(Function):
    backward_name = "ReluBackward0"
    derivatives = {"self": "grad * (result > 0)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(np.maximum(self._data, 0).astype(self._data.dtype, copy=False))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return ReluGradient.apply(grad, result)


class ReluGradient(Function):
    """ReLU's backward as an op, as PyTorch records it: its own derivative with respect to the result is zero."""

    backward_name = "ThresholdBackwardBackward0"
    derivatives = {"grad_output": "grad * (self > 0)", "self": "0"}

    @staticmethod
    def forward(ctx: Node, grad_output: Tensor, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(np.where(self._data > 0, grad_output._data, grad_output._data.dtype.type(0)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        (self,) = ctx.saved_tensors
        return where(self > 0, grad, 0.0), Tensor._wrap(np.zeros_like(self._data))


class Abs(Function):
    backward_name = "AbsBackward0"
    derivatives = {"self": "grad * sign(self)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(np.abs(self._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * sign(self)


class Sign(Function):
    backward_name = "SignBackward0"
    derivatives = {"self": "0"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return Tensor._wrap(np.sign(self._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return grad * 0


class Clamp(Function):
    backward_name = "ClampBackward1"
    derivatives = {"self": "grad * ((self >= min) * (self <= max))"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, min: Any, max: Any) -> Tensor:
        ctx.save_for_backward(self)
        ctx.min, ctx.max = min, max
        data = self._data
        if min is not None:
            data = np.maximum(data, np.asarray(min, dtype=data.dtype))
        if max is not None:
            data = np.minimum(data, np.asarray(max, dtype=data.dtype))
        return Tensor._wrap(data if data is not self._data else data.copy())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (self,) = ctx.saved_tensors
        inside = np.ones(self.shape, dtype=bool)
        if ctx.min is not None:
            inside &= self._data >= ctx.min
        if ctx.max is not None:
            inside &= self._data <= ctx.max
        return where(Tensor._wrap(inside), grad, 0.0), None, None


class ClampTensors(Function):
    """clamp with tensor bounds (broadcast together); where min > max the result is max, as in PyTorch."""

    backward_name = "ClampBackward0"
    derivatives = {"self": "where((self >= min) & (self <= max), grad, 0)",
                   "min": "where((self < min) & (min < max), grad, 0)",
                   "max": "where((self > max) | (max < min), grad, 0)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, min: Tensor | None, max: Tensor | None) -> Tensor:
        ctx.save_for_backward(self, min, max)
        data = self._data
        if min is not None:
            data = np.maximum(data, min._data)
        if max is not None:
            data = np.minimum(data, max._data)
        return Tensor._wrap(data)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, Tensor | None, Tensor | None]:
        self, low, high = ctx.saved_tensors
        x = self._data
        inside = np.ones(np.broadcast_shapes(grad._data.shape, x.shape), dtype=bool)
        grad_low = grad_high = None
        if low is not None:
            inside = inside & (x >= low._data)
            below = (x < low._data) & ((low._data < high._data) if high is not None else True)
            grad_low = where(Tensor._wrap(np.asarray(below)), grad, 0.0)
        if high is not None:
            inside = inside & (x <= high._data)
            above = (x > high._data) | ((high._data < low._data) if low is not None else False)
            grad_high = where(Tensor._wrap(np.asarray(above)), grad, 0.0)
        return where(Tensor._wrap(inside), grad, 0.0), grad_low, grad_high


@tensor_method
def exp(input: Tensor) -> Tensor:
    """e to the power of each element."""
    return Exp.apply(input)


@tensor_method
def log(input: Tensor) -> Tensor:
    """Natural logarithm of each element."""
    return Log.apply(input)


@tensor_method
def sqrt(input: Tensor) -> Tensor:
    """Square root of each element."""
    return Sqrt.apply(input)


@tensor_method
def reciprocal(input: Tensor) -> Tensor:
    """1 / each element."""
    return Reciprocal.apply(input)


@tensor_method
def sin(input: Tensor) -> Tensor:
    """Sine of each element."""
    return Sin.apply(input)


@tensor_method
def cos(input: Tensor) -> Tensor:
    """Cosine of each element."""
    return Cos.apply(input)


@tensor_method
def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent of each element."""
    return Tanh.apply(input)


@tensor_method
def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) for each element."""
    return Sigmoid.apply(input)


@tensor_method
def relu(input: Tensor) -> Tensor:
    """max(x, 0) for each element."""
    return Relu.apply(input)


@tensor_method("abs", "__abs__")
def abs(input: Tensor) -> Tensor:
    """Absolute value of each element."""
    return Abs.apply(input)


@tensor_method
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 for each element."""
    return Sign.apply(input)


@tensor_method("clamp", "clip")
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit each element to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if min is not None and not isinstance(min, Tensor) or max is not None and not isinstance(max, Tensor):
            raise TypeError(_mixed_bounds_message(input, min, max))
        bounds = [bound for bound in (min, max) if bound is not None]
        dtype = common_dtype(input, *bounds)
        low, high = (None if bound is None else bound.to(dtype) for bound in (min, max))
        return ClampTensors.apply(input.to(dtype), low, high)
    return Clamp.apply(_clamp_operand(input, *(bound for bound in (min, max) if bound is not None)), min, max)


def _mixed_bounds_message(*arguments: Any) -> str:
    """PyTorch's TypeError for a tensor bound next to a number bound."""
    names = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in arguments)
    return (f"clamp() received an invalid combination of arguments - got ({names}), but expected one of:\n"
            " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
            " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")


def _clamp_operand(input: Tensor, *bounds: Any) -> Tensor:
    """``input`` in the dtype the clamp computes in (an integer tensor clamped to a float bound becomes float)."""
    dtype = common_dtype(input, *(as_operand(bound) for bound in bounds))
    return input if dtype is input.dtype else input.to(dtype)


clip = clamp


class ClampMin(Clamp):
    backward_name = "ClampMinBackward0"
    derivatives = {"self": "grad * (self >= min)"}


class ClampMax(Clamp):
    backward_name = "ClampMaxBackward0"
    derivatives = {"self": "grad * (self <= max)"}


@tensor_method
def clamp_min(input: Tensor, min: Any) -> Tensor:
    """Each element, but at least ``min``."""
    if isinstance(min, Tensor):
        return maximum(input, min)
    return ClampMin.apply(_clamp_operand(input, min), min, None)


@tensor_method
def clamp_max(input: Tensor, max: Any) -> Tensor:
    """Each element, but at most ``max``."""
    if isinstance(max, Tensor):
        return minimum(input, max)
    return ClampMax.apply(_clamp_operand(input, max), None, max)
