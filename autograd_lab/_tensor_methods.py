"""Tensor methods and operators: each one is the module-level op of the same name."""
from __future__ import annotations

from typing import Any

from . import _dtypes, ops
from ._tensor import LEAF_VIEW_INPLACE_MESSAGE, Tensor, warn_once
from .autograd import grad_mode


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``to(dtype)``; device arguments (``'cpu'``) are accepted and ignored."""
    dtype = kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, _dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
    return self if dtype is None else ops.to_dtype(self, dtype)


def _converter(dtype: _dtypes.dtype) -> Any:
    def convert(self: Tensor) -> Tensor:
        return ops.to_dtype(self, dtype)

    convert.__doc__ = f"A copy as {dtype!r} (the tensor itself when it already is)."
    return convert


def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """Broadcast to ``other``'s shape."""
    return ops.expand(self, *other.shape)


def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """View with ``other``'s shape."""
    return ops.view(self, *other.shape)


def _where(self: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``self`` where ``condition`` holds, else ``other``."""
    return ops.where(condition, self, other)


METHODS = {
    "abs": ops.abs, "add": ops.add, "all": ops.all, "any": ops.any, "remainder": ops.remainder,
    "floor_divide": ops.floor_divide, "argmax": ops.argmax, "argmin": ops.argmin, "logical_not": ops.logical_not,
    "logical_and": ops.logical_and, "logical_or": ops.logical_or, "bitwise_not": ops.bitwise_not, "clamp": ops.clamp,
    "clip": ops.clamp, "clone": ops.clone, "cos": ops.cos,
    "div": ops.div, "dot": ops.dot, "eq": ops.eq, "exp": ops.exp, "expand": ops.expand, "flatten": ops.flatten,
    "ge": ops.ge, "gt": ops.gt, "le": ops.le, "log": ops.log, "log_softmax": ops.log_softmax, "lt": ops.lt,
    "masked_fill": ops.masked_fill, "matmul": ops.matmul, "max": ops.max, "maximum": ops.maximum, "mean": ops.mean,
    "min": ops.min, "minimum": ops.minimum, "mm": ops.mm, "mul": ops.mul, "mv": ops.mv, "narrow": ops.narrow,
    "ne": ops.ne, "neg": ops.neg, "norm": ops.norm, "permute": ops.permute, "pow": ops.pow,
    "reciprocal": ops.reciprocal, "relu": ops.relu, "reshape": ops.reshape, "select": ops.select,
    "sigmoid": ops.sigmoid, "sign": ops.sign, "sin": ops.sin, "softmax": ops.softmax, "sqrt": ops.sqrt,
    "square": ops.square, "squeeze": ops.squeeze, "sub": ops.sub, "sum": ops.sum, "sum_to_size": ops.sum_to_size,
    "t": ops.t, "tanh": ops.tanh, "transpose": ops.transpose, "unsqueeze": ops.unsqueeze, "view": ops.view,
    "bmm": ops.bmm, "to": _to, "expand_as": _expand_as, "view_as": _view_as, "where": _where,
    "float": _converter(_dtypes.float32), "double": _converter(_dtypes.float64),
    "half": _converter(_dtypes.float16), "long": _converter(_dtypes.int64), "int": _converter(_dtypes.int32),
    "bool": _converter(_dtypes.bool),
}

OPERATORS = {
    "__add__": ops.add, "__radd__": ops.add, "__sub__": ops.sub, "__rsub__": ops.rsub,
    "__mul__": ops.mul, "__rmul__": ops.mul, "__truediv__": ops.div, "__rtruediv__": ops.true_divide_reverse,
    "__pow__": ops.pow, "__rpow__": lambda self, other: ops.pow(other, self), "__neg__": ops.neg,
    "__pos__": lambda self: self, "__abs__": ops.abs, "__matmul__": ops.matmul,
    "__rmatmul__": lambda self, other: ops.matmul(other, self), "__getitem__": ops.index,
    "__mod__": ops.remainder, "__rmod__": lambda self, other: ops.remainder(other, self),
    "__floordiv__": ops.floor_divide, "__rfloordiv__": lambda self, other: ops.floor_divide(other, self),
    "__invert__": ops.bitwise_not, "__and__": ops.bitwise_and, "__rand__": ops.bitwise_and,
    "__or__": ops.bitwise_or, "__ror__": ops.bitwise_or, "__xor__": ops.bitwise_xor, "__rxor__": ops.bitwise_xor,
    "__eq__": lambda self, other: NotImplemented if other is None or isinstance(other, str) else ops.eq(self, other),
    "__ne__": lambda self, other: NotImplemented if other is None or isinstance(other, str) else ops.ne(self, other),
    "__lt__": ops.lt, "__le__": ops.le, "__gt__": ops.gt, "__ge__": ops.ge,
}


def fill_(self: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place."""
    return self._inplace(lambda old: ops.filled(old, value))


def zero_(self: Tensor) -> Tensor:
    """Set every element to zero, in place."""
    return fill_(self, 0)


def copy_(self: Tensor, source: Tensor) -> Tensor:
    """Copy ``source``'s values (broadcast) into this tensor, in place."""
    return self._inplace(lambda old: ops.copied(old, source))


def add_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``self += alpha * other``."""
    return self._inplace(lambda old: ops.add(old, other, alpha=alpha))


def sub_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """``self -= alpha * other``."""
    return self._inplace(lambda old: ops.sub(old, other, alpha=alpha))


def mul_(self: Tensor, other: Any) -> Tensor:
    """``self *= other``."""
    return self._inplace(lambda old: ops.mul(old, other))


def div_(self: Tensor, other: Any) -> Tensor:
    """``self /= other``."""
    return self._inplace(lambda old: ops.div(old, other))


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """``self **= exponent``."""
    return self._inplace(lambda old: ops.pow(old, exponent))


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Clamp every element into ``[min, max]``, in place."""
    return self._inplace(lambda old: ops.clamp(old, min, max))


def setitem(self: Tensor, key: Any, value: Any) -> None:
    """``self[key] = value``: recorded as an in-place op (a leaf that requires grad needs ``no_grad``)."""
    if grad_mode._state["enabled"] and self._requires_grad and self._grad_fn is None \
            and ops.index_makes_view(key, self._data.shape):
        raise RuntimeError(LEAF_VIEW_INPLACE_MESSAGE)
    self._inplace(lambda old: ops.index_put(old, key, value))


IN_PLACE = {"fill_": fill_, "zero_": zero_, "copy_": copy_, "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_,
            "pow_": pow_, "clamp_": clamp_, "__setitem__": setitem}


T_OF_0D_WARNING = ("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. (Triggered "
                   "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4321.)")
T_NOT_2D_WARNING = (
    "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will throw an "
    "error in a future release. Consider `x.mT` to transpose batches of matrices or "
    "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)")


def _transposed(self: Tensor) -> Tensor:
    """All dimensions reversed (``x.T``); PyTorch warns (once) when the tensor is not a matrix."""
    if self.ndim != 2:
        warn_once(T_OF_0D_WARNING if self.ndim == 0 else T_NOT_2D_WARNING)
    return ops.permute(self, *reversed(range(self.ndim)))


def install() -> None:
    """Attach the methods, operators and the ``T`` property to ``Tensor``."""
    for name, function in {**METHODS, **OPERATORS, **IN_PLACE}.items():
        setattr(Tensor, name, function)
    Tensor.T = property(_transposed)  # type: ignore[attr-defined]
    Tensor.__hash__ = object.__hash__  # type: ignore[method-assign]
