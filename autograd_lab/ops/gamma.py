"""The log-gamma function, its derivative digamma, and the inverse error function.

NumPy has none of them as ufuncs; they are computed in float64 (log-gamma with Python's
``math.lgamma``, digamma and trigamma from their recurrence and asymptotic series, the
inverse error function by Newton's method on ``math.erf``) and rounded once.
"""
from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import floating, quietly

__all__ = ["digamma", "erfinv", "lgamma"]

_lgamma = np.frompyfunc(math.lgamma, 1, 1)
_erf = np.frompyfunc(math.erf, 1, 1)


def _shifted_up(x: np.ndarray, term: "np.ufunc | object") -> tuple[np.ndarray, np.ndarray]:
    """x moved to 6 or more by the recurrence, and what the recurrence added (``term(y)`` per step)."""
    y, correction = x.copy(), np.zeros_like(x)
    for _ in range(6):
        small = y < 6
        correction += np.where(small, term(y), 0.0)  # type: ignore[operator]
        y = np.where(small, y + 1, y)
    return y, correction


def _digamma64(x: np.ndarray) -> np.ndarray:
    reflect = x < 0.5
    y, correction = _shifted_up(np.where(reflect, 1 - x, x), lambda v: -1 / v)
    inv2 = 1 / (y * y)
    series = np.log(y) - 0.5 / y - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
    result = series + correction
    result = np.where(reflect, result - np.pi / np.tan(np.pi * x), result)
    result = np.where((x <= 0) & (x == np.floor(x)), np.nan, result)
    return np.where(x == 0, -np.inf, result)


def _trigamma64(x: np.ndarray) -> np.ndarray:
    reflect = x < 0.5
    y, correction = _shifted_up(np.where(reflect, 1 - x, x), lambda v: 1 / (v * v))
    inv = 1 / y
    inv2 = inv * inv
    series = inv + inv2 / 2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    result = series + correction
    return np.where(reflect, np.pi ** 2 / np.sin(np.pi * x) ** 2 - result, result)


def _erfinv64(x: np.ndarray) -> np.ndarray:
    w = -np.log((1 - x) * (1 + x))
    guess = np.sign(x) * np.sqrt(np.maximum(w, 0) * 0.5)
    y = np.where(np.abs(x) < 0.7, x * np.sqrt(np.pi) / 2, guess)
    for _ in range(8):
        error = np.asarray(_erf(y), dtype=np.float64) - x
        y = y - error / (2 / np.sqrt(np.pi) * np.exp(-y * y))
    y = np.where(x == 1, np.inf, np.where(x == -1, -np.inf, y))
    return np.where(np.abs(x) > 1, np.nan, y)


def _rounded(function: object, data: np.ndarray) -> np.ndarray:
    return np.asarray(function(data.astype(np.float64)), dtype=np.float64).astype(data.dtype)  # type: ignore


class Lgamma(Function):
    backward_name = "LgammaBackward0"
    derivatives = {"self": "grad * digamma(self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        x = floating(self)
        wide = x.astype(np.float64)
        values = np.where((wide <= 0) & (wide == np.floor(wide)), np.inf, 0.0)
        finite = values == 0
        values[finite] = np.asarray(_lgamma(wide[finite]), dtype=np.float64)
        return Tensor._wrap(values.astype(x.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * digamma(self)


class Digamma(Function):
    backward_name = "DigammaBackward0"
    derivatives = {"self": "grad * polygamma(1, self)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(_rounded(_digamma64, floating(self)))

    @staticmethod
    @quietly
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * Tensor._wrap(_rounded(_trigamma64, floating(self)))


class Erfinv(Function):
    backward_name = "ErfinvBackward0"
    derivatives = {"self": "grad * sqrt(pi) / 2 * exp(result ** 2)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        result = Tensor._wrap(_rounded(_erfinv64, floating(self)))
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (result,) = ctx.saved_tensors
        return grad * (math.sqrt(math.pi) / 2) * (result * result).exp()


@tensor_method
def lgamma(input: Tensor) -> Tensor:
    """log |Gamma(x)| of each element."""
    return Lgamma.apply(input)


@tensor_method
def digamma(input: Tensor) -> Tensor:
    """The derivative of lgamma: Gamma'(x) / Gamma(x)."""
    return Digamma.apply(input)


@tensor_method
def erfinv(input: Tensor) -> Tensor:
    """The inverse of erf on (-1, 1)."""
    return Erfinv.apply(input)
