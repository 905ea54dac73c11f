"""Activation functions of ``torch.nn.functional`` that have their own backward node in PyTorch.

``LeakyReluBackward0``, ``EluBackward0`` (elu, selu, celu), ``GeluBackward0``,
``SiluBackward0``, ``SoftplusBackward0``, ``MishBackward0``, ``LogSigmoidBackward0``
and ``HardtanhBackward0`` (hardtanh, relu6). Transcendental parts are evaluated in
float64 and rounded once, so results agree with PyTorch's to the last bit or one unit
in the last place. Backward uses tensor operations, so second derivatives work.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node
from ._operands import floating, quietly
from .selection import where

__all__: list[str] = []  # reached through autograd_lab.nn.functional

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _rounded(values: np.ndarray, like: np.ndarray) -> np.ndarray:
    return values.astype(like.dtype, copy=False)


class LeakyRelu(Function):
    backward_name = "LeakyReluBackward0"
    derivatives = {"self": "grad if self > 0 else grad * negative_slope"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, negative_slope: float) -> Tensor:
        ctx.save_for_backward(self)
        ctx.negative_slope = negative_slope
        x = floating(self)
        return Tensor._wrap(np.where(x > 0, x, x * x.dtype.type(negative_slope)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (self,) = ctx.saved_tensors
        return where(self > 0, grad, grad * ctx.negative_slope), None


class Elu(Function):
    """``scale * x`` for x > 0, else ``alpha * scale * (exp(input_scale * x) - 1)`` (elu, selu, celu)."""

    backward_name = "EluBackward0"
    derivatives = {"self": "grad * scale if self > 0 else grad * input_scale * alpha * scale * "
                           "exp(self * input_scale)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
        ctx.save_for_backward(self)
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        x = floating(self)
        t = x.dtype.type
        negative = np.expm1((x * t(input_scale)).astype(np.float64)).astype(x.dtype) * t(alpha * scale)
        return Tensor._wrap(np.where(x > 0, x * t(scale), negative))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        (self,) = ctx.saved_tensors
        negative = grad * (ctx.input_scale * ctx.alpha * ctx.scale) * (self * ctx.input_scale).exp()
        return where(self > 0, grad * ctx.scale, negative), None, None, None


def _gelu_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _erf(x * _SQRT_HALF))


class Gelu(Function):
    backward_name = "GeluBackward0"
    derivatives = {"self": "grad * (Phi(self) + self * phi(self)) (approximate='none'; the tanh form's "
                           "derivative for 'tanh')"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, approximate: str) -> Tensor:
        ctx.save_for_backward(self)
        ctx.approximate = approximate
        x = floating(self)
        t = x.dtype.type
        if approximate == "tanh":
            inner = t(_SQRT_2_OVER_PI) * (x + t(_GELU_CUBIC) * (x * x * x))
            return Tensor._wrap(t(0.5) * x * (t(1) + _rounded(np.tanh(inner.astype(np.float64)), x)))
        # erf rounded to the input's dtype first, then PyTorch's arithmetic in that dtype: far in the
        # negative tail 1 + erf loses its digits exactly as PyTorch's does
        scaled_erf = _rounded(_erf((x * t(_SQRT_HALF)).astype(np.float64)), x)
        return Tensor._wrap((x * t(0.5)) * (t(1) + scaled_erf))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (self,) = ctx.saved_tensors
        return GeluGradient.apply(grad, self, ctx.approximate), None


class GeluGradient(Function):
    """GELU's backward as an op (PyTorch records it as ``GeluBackwardBackward0`` under create_graph)."""

    backward_name = "GeluBackwardBackward0"
    derivatives = {"grad_output": "grad * gelu'(self)", "self": "grad * grad_output * gelu''(self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, grad_output: Tensor, self: Tensor, approximate: str) -> Tensor:
        ctx.save_for_backward(grad_output, self)
        ctx.approximate = approximate
        first, _ = _gelu_slopes(self._data.astype(np.float64), approximate)
        return Tensor._wrap(_rounded(grad_output._data * first, grad_output._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor, None]:
        grad_output, self = ctx.saved_tensors
        first, second = _gelu_slopes(self._data.astype(np.float64), ctx.approximate)
        dtype = self._data.dtype
        return (grad * Tensor._wrap(first.astype(dtype)),
                grad * grad_output * Tensor._wrap(second.astype(dtype)), None)


def _gelu_slopes(x: np.ndarray, approximate: str) -> tuple[np.ndarray, np.ndarray]:
    """GELU's first and second derivatives at ``x`` (float64)."""
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * x ** 3)
        inner_slope = _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_CUBIC * x ** 2)
        t = np.tanh(inner)
        sech2 = 1.0 - t * t
        first = 0.5 * (1.0 + t) + 0.5 * x * sech2 * inner_slope
        second = sech2 * inner_slope - x * sech2 * t * inner_slope ** 2 + \
            0.5 * x * sech2 * _SQRT_2_OVER_PI * 6.0 * _GELU_CUBIC * x
        return first, second
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return _gelu_cdf(x) + x * pdf, pdf * (2.0 - x * x)


class Silu(Function):
    backward_name = "SiluBackward0"
    derivatives = {"self": "grad * sigmoid(self) * (1 + self * (1 - sigmoid(self)))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        x = floating(self)
        return Tensor._wrap(_rounded(x / (1.0 + np.exp(-x.astype(np.float64))), x))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        s = self.sigmoid()
        return grad * s * (1 + self * (1 - s))


class Softplus(Function):
    backward_name = "SoftplusBackward0"
    derivatives = {"self": "grad * sigmoid(beta * self) (grad where beta * self > threshold)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, beta: float, threshold: float) -> Tensor:
        ctx.save_for_backward(self)
        ctx.beta, ctx.threshold = beta, threshold
        x = floating(self)
        scaled = x * x.dtype.type(beta)
        soft = _rounded(np.log1p(np.exp(scaled.astype(np.float64))) / beta, x)
        return Tensor._wrap(np.where(scaled > threshold, x, soft))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (self,) = ctx.saved_tensors
        scaled = self * ctx.beta
        return where(scaled > ctx.threshold, grad, grad * scaled.sigmoid()), None, None


class Mish(Function):
    backward_name = "MishBackward0"
    derivatives = {"self": "grad * (tanh(softplus(self)) + self * sigmoid(self) * (1 - tanh(softplus(self))^2))"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        x = floating(self)
        wide = x.astype(np.float64)
        return Tensor._wrap(_rounded(wide * np.tanh(np.logaddexp(0.0, wide)), x))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        t = (self.exp() + 1).log().tanh()
        return grad * (t + self * self.sigmoid() * (1 - t * t))


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log(sigmoid(x)) without overflow: min(x, 0) - log1p(exp(-|x|)), rounded to ``x``'s dtype."""
    wide = x.astype(np.float64)
    return _rounded(np.minimum(wide, 0.0) - np.log1p(np.exp(-np.abs(wide))), x)


class LogSigmoid(Function):
    backward_name = "LogSigmoidBackward0"
    derivatives = {"self": "grad * sigmoid(-self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(log_sigmoid(floating(self)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * (-self).sigmoid()


class Hardtanh(Function):
    backward_name = "HardtanhBackward0"
    derivatives = {"self": "grad where min_val < self < max_val, else 0"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, min_val: float, max_val: float) -> Tensor:
        ctx.save_for_backward(self)
        ctx.min_val, ctx.max_val = min_val, max_val
        x = self._data
        t = x.dtype.type
        return Tensor._wrap(np.minimum(np.maximum(x, t(min_val)), t(max_val)).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (self,) = ctx.saved_tensors
        inside = (self > ctx.min_val) & (self < ctx.max_val)
        return where(inside, grad, 0.0), None, None


def _relu6_of_x_plus_3(x: np.ndarray) -> np.ndarray:
    """min(max(x + 3, 0), 6) in x's dtype: the ramp of hardswish and hardsigmoid."""
    t = x.dtype.type
    return np.minimum(np.maximum(x + t(3), t(0)), t(6))


class Hardswish(Function):
    backward_name = "HardswishBackward0"
    derivatives = {"self": "grad * (0 if x <= -3, 1 if x >= 3, else (2x + 3) / 6)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        x = floating(self)
        return Tensor._wrap((x * _relu6_of_x_plus_3(x) / x.dtype.type(6)).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        slope = where(self <= -3, 0.0, where(self < 3, self / 3 + 0.5, 1.0))
        return grad * slope


class Hardsigmoid(Function):
    backward_name = "HardsigmoidBackward0"
    derivatives = {"self": "grad / 6 where -3 < x < 3, else 0"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        x = floating(self)
        return Tensor._wrap((_relu6_of_x_plus_3(x) / x.dtype.type(6)).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return where((self > -3) & (self < 3), grad / 6, 0.0)


class Threshold(Function):
    backward_name = "ThresholdBackward0"
    derivatives = {"self": "grad where self > threshold, else 0"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, threshold: float, value: float) -> Tensor:
        ctx.save_for_backward(self)
        ctx.threshold = threshold
        x = self._data
        return Tensor._wrap(np.where(x > threshold, x, x.dtype.type(value)).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (self,) = ctx.saved_tensors
        return where(self > ctx.threshold, grad, 0.0), None, None


class Prelu(Function):
    """x for x > 0, else ``weight * x``, one weight per channel (dimension 1) or one for all."""

    backward_name = "PreluKernelBackward0"
    derivatives = {"self": "grad if self > 0 else weight * grad", "weight": "sum of self * grad where self <= 0"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, weight: Tensor) -> Tensor:
        ctx.save_for_backward(self, weight)
        x = floating(self)
        w = _channel_weight(weight._data, x.ndim)
        return Tensor._wrap(np.where(x > 0, x, w * x).astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, Tensor]:
        self, weight = ctx.saved_tensors
        shaped = Tensor._wrap(_channel_weight(weight._data, self.ndim))
        grad_input = where(self > 0, grad, grad * shaped)
        per_element = where(self > 0, 0.0, self * grad)
        if weight.numel() == 1:
            return grad_input, per_element.sum().reshape(weight.shape)
        dims = [d for d in range(self.ndim) if d != 1]
        return grad_input, per_element.sum(dims) if dims else per_element


def _channel_weight(weight: np.ndarray, ndim: int) -> np.ndarray:
    """The PReLU weight shaped to broadcast along dimension 1 (the channels) of an ``ndim``-D input."""
    if weight.size == 1 or ndim < 2:
        return weight.reshape(()) if weight.size == 1 else weight
    return weight.reshape((1, -1) + (1,) * (ndim - 2))
