"""Rounding: floor, ceil, round, trunc (their gradient is zero) and frac (its gradient passes through)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import type_name

__all__ = ["ceil", "fix", "floor", "frac", "round", "trunc"]


def _flat_function(name: str, backward_name: str, rule: Callable[[np.ndarray], np.ndarray]) -> type[Function]:
    """A step function's op: its derivative is zero wherever it exists."""
    def forward(ctx: Node, self: Tensor) -> Tensor:
        return Tensor._wrap(rule(self._data))

    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return Tensor._wrap(np.zeros_like(grad._data))

    return type(name, (Function,), {"backward_name": backward_name, "derivatives": {"self": "zeros_like(grad)"},
                                    "forward": staticmethod(forward), "backward": staticmethod(backward),
                                    "__module__": __name__})


Floor = _flat_function("Floor", "FloorBackward0", np.floor)
Ceil = _flat_function("Ceil", "CeilBackward0", np.ceil)
Trunc = _flat_function("Trunc", "TruncBackward0", np.trunc)
Round = _flat_function("Round", "RoundBackward0", np.rint)  # halves go to the even neighbour, as in PyTorch


class RoundDecimals(Function):
    backward_name = "RoundBackward1"
    derivatives = {"self": "zeros_like(grad)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, decimals: int) -> Tensor:
        data = self._data
        scale = data.dtype.type(10.0 ** abs(decimals))
        if decimals >= 0:  # computed in the tensor's dtype, in PyTorch's order of operations
            return Tensor._wrap(np.rint(data * scale) / scale)
        return Tensor._wrap(np.rint(data / scale) * scale)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return Tensor._wrap(np.zeros_like(grad._data)), None


class Frac(Function):
    backward_name = "FracBackward0"
    derivatives = {"self": "grad"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        data = self._data
        return Tensor._wrap(data - np.trunc(data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return grad


def _check_kind(name: str, input: Tensor, allowed: str) -> None:
    if input._data.dtype.kind not in allowed:
        raise NotImplementedError(f'"{name}" not implemented for \'{type_name(input.dtype)}\'')


def _integer_unchanged(function: type[Function], kernel: str, input: Tensor) -> Tensor:
    """Integers are already whole: PyTorch returns a copy; bools are refused."""
    _check_kind(kernel, input, "fiu")
    if input._data.dtype.kind != "f":
        return Tensor._wrap(input._data.copy())
    return function.apply(input)


@tensor_method
def floor(input: Tensor) -> Tensor:
    """The largest whole number not above each element."""
    return _integer_unchanged(Floor, "floor_vml_cpu", input)


@tensor_method
def ceil(input: Tensor) -> Tensor:
    """The smallest whole number not below each element."""
    return _integer_unchanged(Ceil, "ceil_vml_cpu", input)


@tensor_method("trunc", "fix")
def trunc(input: Tensor) -> Tensor:
    """Each element rounded towards zero."""
    return _integer_unchanged(Trunc, "trunc_vml_cpu", input)


fix = trunc


@tensor_method
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Each element rounded to the nearest whole number (halves to even), or to ``decimals`` decimal places."""
    if decimals == 0:
        return _integer_unchanged(Round, "round_cpu", input)
    _check_kind("round_cpu", input, "f")
    return RoundDecimals.apply(input, int(decimals))


@tensor_method
def frac(input: Tensor) -> Tensor:
    """The fractional part of each element (``x - trunc(x)``), with the sign of ``x``."""
    _check_kind("frac_cpu", input, "f")
    return Frac.apply(input)
