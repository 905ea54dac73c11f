"""``out=``: the torch functions tutorials call with an output tensor (``torch.matmul(a, b, out=c)``).

The result is written into ``out`` (resized, with PyTorch's warning, when its shape
differs), which is returned. As in PyTorch, this is not recorded: an argument that
requires grad is an error while grad mode is on.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from ..autograd.grad_mode import state as grad_mode
from . import arithmetic, linalg, reduction, selection, shape, unary
from ._operands import type_name, warn_user

__all__ = ["abs", "add", "bmm", "cat", "clamp", "concatenate", "div", "dot", "matmul", "maximum", "mean", "minimum",
           "mm", "mul", "mv", "neg", "pow", "stack", "sub", "sum"]

RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not match the required "
    "output shape {new}. This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
    "unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
    "elements with t.resize_(0). (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")


def write_into(out: Tensor, result: Tensor, name: str) -> Tensor:
    """Store ``result`` in ``out`` as PyTorch's ``out=`` does, and return ``out``."""
    if grad_mode.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, but "
                           "one of the arguments requires grad.")
    if result.dtype is not out.dtype and _dtypes.promote_types(result.dtype, out.dtype) is not out.dtype:
        raise RuntimeError(f"result type {type_name(result.dtype)} can't be cast to the desired output type "
                           f"{type_name(out.dtype)}")
    if out._data.shape != result._data.shape:
        if out._data.size:
            warn_user(RESIZE_WARNING.format(old=list(out.shape), new=list(result.shape)))
        out._data = result._data.astype(out._data.dtype)
    else:
        np.copyto(out._data, result._data, casting="unsafe")
    out._version_counter[0] += 1
    return out


def writes_out(function: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``function`` also taking ``out=``."""
    name = function.__name__

    @functools.wraps(function)
    def call(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
        result = function(*args, **kwargs)
        return result if out is None else write_into(out, result, name)

    return call


abs = writes_out(unary.abs)
add = writes_out(arithmetic.add)
sub = writes_out(arithmetic.sub)
mul = writes_out(arithmetic.mul)
div = writes_out(arithmetic.div)
pow = writes_out(arithmetic.pow)
neg = writes_out(arithmetic.neg)
clamp = writes_out(unary.clamp)
maximum = writes_out(selection.maximum)
minimum = writes_out(selection.minimum)
matmul = writes_out(linalg.matmul)
mm = writes_out(linalg.mm)
bmm = writes_out(linalg.bmm)
mv = writes_out(linalg.mv)
dot = writes_out(linalg.dot)
cat = concatenate = writes_out(shape.cat)
stack = writes_out(shape.stack)
sum = writes_out(reduction.sum)
mean = writes_out(reduction.mean)
