"""Every differentiable op: each a ``Function`` with forward and backward side by side."""
from __future__ import annotations

from typing import Any

from .._tensor import Tensor
from .arithmetic import add, div, floor_divide, mul, neg, pow, remainder, rsub, sub, true_divide_reverse
from .comparison import (allclose, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge, gt, isclose, le,
                         logical_and, logical_not, logical_or, lt, ne)
from .filling import copied, filled
from .linalg import bmm, dot, matmul, mm, mv
from .reduction import SumToSize, all, any, argmax, argmin, max, mean, min, norm, sum
from .selection import masked_fill, maximum, minimum, where
from .shape import (cat, clone, concatenate, expand, flatten, index, index_makes_view, index_put, narrow, permute,
                    reshape, select, squeeze, stack, t, to_dtype, transpose, unsqueeze, view)
from .softmax import log_softmax, softmax
from .unary import abs, clamp, cos, exp, log, reciprocal, relu, sigmoid, sign, sin, sqrt, square, tanh


def sum_to_size(input: Tensor, shape: Any) -> Tensor:
    """Sum ``input`` down to ``shape``, the shape it was broadcast from."""
    shape = tuple(shape)
    if input.shape == shape:
        return input
    return SumToSize.apply(input, shape)


__all__ = [
    "abs", "add", "all", "allclose", "any", "argmax", "argmin", "bitwise_and", "bitwise_not", "bitwise_or",
    "bitwise_xor", "bmm", "cat", "clamp", "clone", "concatenate", "copied", "cos", "div", "dot", "eq", "equal", "exp",
    "expand", "filled", "flatten", "floor_divide", "ge", "gt", "index", "index_makes_view", "index_put", "isclose",
    "le", "log", "log_softmax", "logical_and", "logical_not", "logical_or", "lt", "masked_fill", "matmul", "max",
    "maximum", "mean", "min", "minimum", "mm", "mul", "mv", "narrow", "ne", "neg", "norm", "permute", "pow",
    "reciprocal", "relu", "remainder", "reshape", "rsub", "select", "sigmoid", "sign", "sin", "softmax", "sqrt",
    "square", "squeeze", "stack", "sub", "sum", "sum_to_size", "t", "tanh", "to_dtype", "transpose",
    "true_divide_reverse", "unsqueeze", "view", "where",
]
