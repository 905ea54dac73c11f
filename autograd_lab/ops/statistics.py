"""More reductions: var, std, prod, logsumexp, amax/amin, median, cumulative sums and products, count_nonzero."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ..autograd.function import Function, Node
from ._operands import REQUIRED, missing, numpy_keywords, quietly, warn_user
from .indexing import IndexAddInto
from .reduction import Dims, MinMaxResult, _dims, _expand_back
from .scatter import ScatterAdd
from .selection import where
from .shape import cat

__all__ = ["amax", "amin", "count_nonzero", "cumprod", "cumsum", "logsumexp", "median", "nanmean", "nansum", "prod",
           "std", "std_mean", "var", "var_mean"]

DOF_WARNING = ("{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
               "(input numel divided by output numel). (Triggered internally at "
               "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)")


# -- variance and standard deviation ---------------------------------------------------------------

def _variance(data: np.ndarray, dims: tuple[int, ...], correction: float, keepdim: bool) -> np.ndarray:
    count = int(np.prod([data.shape[d] for d in dims])) if data.ndim else 1
    mean = np.mean(data, axis=dims, keepdims=True, dtype=data.dtype) if data.ndim else data
    centred = data - mean
    summed = np.sum(centred * centred, axis=dims, keepdims=keepdim, dtype=data.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(summed / data.dtype.type(max(count - correction, 0)), dtype=data.dtype)


class Var(Function):
    backward_name = "VarBackward0"
    derivatives = {"self": "grad * 2 * (self - self.mean(dim, keepdim=True)) / (N - correction)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, correction: float, keepdim: bool) -> Tensor:
        ctx.dims, ctx.correction, ctx.keepdim = _dims(dim, self._data.ndim), correction, keepdim
        ctx.save_for_backward(self)
        return Tensor._wrap(_variance(self._data, ctx.dims, correction, keepdim))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        (self,) = ctx.saved_tensors
        return _variance_gradient(ctx, self, grad) * 2, None, None, None


def _variance_gradient(ctx: Node, self: Tensor, grad: Tensor) -> Tensor:
    """grad * (self - mean) / (N - correction), spread back over the reduced dimensions."""
    shape = tuple(self.shape)
    count = int(np.prod([shape[d] for d in ctx.dims])) if shape else 1
    centred = self - self.mean(ctx.dims, keepdim=True) if shape else self * 0
    return _expand_back(grad, shape, ctx.dims, ctx.keepdim) * centred / (count - ctx.correction)


class Std(Function):
    backward_name = "StdBackward0"
    derivatives = {"self": "grad * (self - self.mean(dim, keepdim=True)) / ((N - correction) * result)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, correction: float, keepdim: bool) -> Tensor:
        ctx.dims, ctx.correction, ctx.keepdim = _dims(dim, self._data.ndim), correction, keepdim
        result = Tensor._wrap(np.sqrt(_variance(self._data, ctx.dims, correction, keepdim)))
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        self, result = ctx.saved_tensors
        return _variance_gradient(ctx, self, grad / result), None, None, None


def _var_arguments(name: str, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, float, bool]:
    """(dim, correction, keepdim) from var's and std's overloads: ``(dim, unbiased=True, keepdim=False)``,
    ``(dim=None, *, correction=None, keepdim=False)`` and ``(unbiased=True)``."""
    if args and isinstance(args[0], bool):  # var(False): the unbiased flag, over all dimensions
        names: tuple[str, ...] = ("unbiased",)
    else:
        names = ("dim", "unbiased", "keepdim")
    given = dict(zip(names, args))
    unknown = [key for key in kwargs if key not in ("dim", "unbiased", "keepdim", "correction")]
    if len(args) > len(names) or unknown or any(key in given for key in kwargs) or (
            "correction" in kwargs and ("unbiased" in given or "unbiased" in kwargs)):
        raise TypeError(_invalid_overload(name, args, kwargs))
    given.update(kwargs)
    correction = given.get("correction")
    if correction is None:
        correction = 0 if given.get("unbiased") is False else 1
    return given.get("dim"), correction, bool(given.get("keepdim", False))


def _invalid_overload(name: str, args: tuple, kwargs: dict[str, Any]) -> str:
    """PyTorch's TypeError text for arguments that fit none of var's (or std's) overloads."""
    positional = [type(arg).__name__ for arg in args]
    keywords = [f"{key}={type(value).__name__}" for key, value in reversed(kwargs.items())]
    got = ", ".join(positional + keywords) + (", " if keywords and not positional else "")
    lines = [f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:",
             " * (tuple of ints dim, bool unbiased = True, bool keepdim = False)"]
    if args and not isinstance(args[0], bool) or "dim" in kwargs:
        wrong = ", ".join(key for key in reversed(kwargs) if key not in ("dim", "keepdim"))
        lines.append(f"      didn't match because some of the keywords were incorrect: {wrong}")
    lines += [" * (tuple of ints dim = None, *, Number correction = None, bool keepdim = False)",
              " * (bool unbiased = True)", ""]
    return "\n".join(lines)


def _floating_only(input: Tensor) -> None:
    if not input.is_floating_point():
        raise RuntimeError("std and var only support floating point and complex dtypes")


def _warn_if_no_freedom(name: str, input: Tensor, dim: Any, correction: float) -> None:
    dims = _dims(dim, input.ndim)
    count = int(np.prod([input.shape[d] for d in dims])) if input.ndim else 1
    if count - correction <= 0:
        warn_user(DOF_WARNING.format(name=name))


@tensor_method
@numpy_keywords
def var(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """The variance, along ``dim`` or of all elements: ``var(dim=None, unbiased=True, keepdim=False)`` or
    ``var(dim, correction=1, keepdim=False)`` (Bessel's correction unless ``unbiased=False`` or ``correction=0``)."""
    return Var.apply(input, *_checked("var", input, args, kwargs))


@tensor_method
@numpy_keywords
def std(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """The standard deviation, with var's arguments."""
    return Std.apply(input, *_checked("std", input, args, kwargs))


def _checked(name: str, input: Tensor, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, float, bool]:
    _floating_only(input)
    dim, correction, keepdim = _var_arguments(name, args, kwargs)
    _warn_if_no_freedom(name, input, dim, correction)
    return dim, correction, keepdim


class VarMean(Function):
    backward_name = "VarMeanBackward0"
    derivatives = {"self": "var's gradient + mean's gradient"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, correction: float, keepdim: bool) -> tuple[Tensor, Tensor]:
        variance, mean = _var_and_mean(ctx, self, dim, correction, keepdim)
        ctx.save_for_backward(self)
        return variance, mean

    @staticmethod
    def backward(ctx: Node, grad_var: Tensor | None, grad_mean: Tensor | None) -> tuple[Tensor | None, ...]:
        (self,) = ctx.saved_tensors
        return _var_mean_gradient(ctx, self, grad_var, grad_mean), None, None, None


class StdMean(Function):
    backward_name = "StdMeanBackward0"
    derivatives = {"self": "std's gradient + mean's gradient"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, correction: float, keepdim: bool) -> tuple[Tensor, Tensor]:
        variance, mean = _var_and_mean(ctx, self, dim, correction, keepdim)
        deviation = Tensor._wrap(np.sqrt(variance._data))
        ctx.save_for_backward(self, deviation)
        return deviation, mean

    @staticmethod
    def backward(ctx: Node, grad_std: Tensor | None, grad_mean: Tensor | None) -> tuple[Tensor | None, ...]:
        self, deviation = ctx.saved_tensors
        grad_var = None if grad_std is None else grad_std / (2 * deviation)
        return _var_mean_gradient(ctx, self, grad_var, grad_mean), None, None, None


def _var_and_mean(ctx: Node, self: Tensor, dim: Dims, correction: float, keepdim: bool) -> tuple[Tensor, Tensor]:
    ctx.dims, ctx.correction, ctx.keepdim = _dims(dim, self._data.ndim), correction, keepdim
    data = self._data
    mean = np.mean(data, axis=ctx.dims, keepdims=keepdim, dtype=data.dtype) if data.ndim else data.copy()
    return Tensor._wrap(_variance(data, ctx.dims, correction, keepdim)), Tensor._wrap(np.asarray(mean))


def _var_mean_gradient(ctx: Node, self: Tensor, grad_var: Tensor | None, grad_mean: Tensor | None) -> Tensor | None:
    total = None
    if grad_var is not None:
        total = _variance_gradient(ctx, self, grad_var) * 2
    if grad_mean is not None:
        shape = tuple(self.shape)
        count = int(np.prod([shape[d] for d in ctx.dims])) if shape else 1
        part = _expand_back(grad_mean, shape, ctx.dims, ctx.keepdim) / count
        total = part if total is None else total + part
    return total


def var_mean(input: Tensor, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` in one op, with var's arguments."""
    return VarMean.apply(input, *_checked("var_mean", input, args, kwargs))


def std_mean(input: Tensor, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` in one op, with var's arguments."""
    return StdMean.apply(input, *_checked("std_mean", input, args, kwargs))


# -- products ---------------------------------------------------------------------------------------

def _others_product(self: Tensor, dim: int) -> Tensor:
    """For each element, the product of the others along ``dim`` (no division, so zeros are fine)."""
    size = self.shape[dim]
    ones = self.narrow(dim, 0, 1) * 0 + 1
    if size == 1:
        return ones
    before = cat([ones, self.narrow(dim, 0, size - 1).cumprod(dim)], dim)
    after = cat([ones, self.flip(dim).narrow(dim, 0, size - 1).cumprod(dim)], dim).flip(dim)
    return before * after


class ProdAll(Function):
    backward_name = "ProdBackward0"
    derivatives = {"self": "grad * (product of the other elements)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dtype: _dtypes.dtype | None) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(np.prod(self._data, dtype=_product_dtype(self._data, dtype)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        (self,) = ctx.saved_tensors
        if not self.ndim:
            return grad, None
        return grad * _others_product(self.reshape(-1), 0).reshape(self.shape), None


class ProdDim(Function):
    backward_name = "ProdBackward1"
    derivatives = {"self": "grad.unsqueeze(dim) * (product of the other elements along dim)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, keepdim: bool, dtype: _dtypes.dtype | None) -> Tensor:
        ctx.dim, ctx.keepdim = normalize_dim(dim, self._data.ndim), keepdim
        ctx.save_for_backward(self)
        data = self._data if self._data.ndim else self._data.reshape(1)
        result = np.prod(data, axis=ctx.dim, keepdims=keepdim, dtype=_product_dtype(data, dtype))
        return Tensor._wrap(result.reshape(()) if not self._data.ndim else result)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        (self,) = ctx.saved_tensors
        if not self.ndim:
            return grad, None, None, None
        spread = _expand_back(grad, tuple(self.shape), (ctx.dim,), ctx.keepdim)
        return spread * _others_product(self, ctx.dim), None, None, None


def _product_dtype(data: np.ndarray, dtype: _dtypes.dtype | None) -> np.dtype:
    if dtype is not None:
        return dtype.numpy
    return np.dtype(np.int64) if data.dtype.kind in "biu" else data.dtype


@tensor_method
@numpy_keywords
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """The product of all elements, or along ``dim``."""
    if dim is None:
        return ProdAll.apply(input, dtype)
    if not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    return ProdDim.apply(input, dim, keepdim, dtype)


# -- cumulative sums and products ------------------------------------------------------------------

def _running(ctx: Node, accumulate: Any, self: Tensor, dim: int, dtype: _dtypes.dtype | None) -> Tensor:
    """``accumulate`` (np.cumsum, np.cumprod) along ``dim``, in the dtype a sum or product has."""
    data = self._data if self._data.ndim else self._data.reshape(1)
    ctx.dim = normalize_dim(dim, self._data.ndim)
    return Tensor._wrap(accumulate(data, axis=ctx.dim, dtype=_product_dtype(data, dtype)).reshape(self._data.shape))


class Cumsum(Function):
    backward_name = "CumsumBackward0"
    derivatives = {"self": "grad.flip(dim).cumsum(dim).flip(dim)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, dtype: _dtypes.dtype | None) -> Tensor:
        return _running(ctx, np.cumsum, self, dim, dtype)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        if not grad.ndim:
            return grad, None, None
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None, None


class Cumprod(Function):
    backward_name = "CumprodBackward0"
    derivatives = {"self": "sum over j >= i of grad[j] * (product of self[k] for k <= j, k != i)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, dtype: _dtypes.dtype | None) -> Tensor:
        result = _running(ctx, np.cumprod, self, dim, dtype)
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        self, result = ctx.saved_tensors
        if not self.ndim:
            return grad, None, None
        dim = ctx.dim
        if bool((self._data != 0).all()):
            return (grad * result).flip(dim).cumsum(dim).flip(dim) / self, None, None
        return _cumprod_gradient_with_zeros(self, grad, dim), None, None


def _cumprod_gradient_with_zeros(self: Tensor, grad: Tensor, dim: int) -> Tensor:
    """The exact gradient when some elements are zero, from recorded ops: for each position i, the sum over
    j >= i of grad[j] times the product of self[k] for k <= j, k != i."""
    size = self.shape[dim]
    pieces = []
    for i in range(size):
        mask_shape = [1] * self.ndim
        mask_shape[dim] = size
        is_i = Tensor._wrap((np.arange(size) == i).reshape(mask_shape))
        products = where(is_i, 1.0, self).cumprod(dim).narrow(dim, i, size - i)
        pieces.append((grad.narrow(dim, i, size - i) * products).sum(dim, keepdim=True))
    return cat(pieces, dim)


@tensor_method
@numpy_keywords
def cumsum(input: Tensor, dim: Any = REQUIRED, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """Running sums along ``dim`` (integers and bools sum in int64)."""
    _integer_dim("cumsum", dim)
    return Cumsum.apply(input, dim, dtype)


@tensor_method
@numpy_keywords
def cumprod(input: Tensor, dim: Any = REQUIRED, *, dtype: _dtypes.dtype | None = None) -> Tensor:
    """Running products along ``dim`` (integers and bools multiply in int64)."""
    _integer_dim("cumprod", dim)
    return Cumprod.apply(input, dim, dtype)


def _integer_dim(name: str, dim: Any) -> None:
    missing(name, "dim", dim)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")


# -- logsumexp, amax, amin --------------------------------------------------------------------------

class Logsumexp(Function):
    backward_name = "LogsumexpBackward0"
    derivatives = {"self": "grad * exp(self - result)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, keepdim: bool) -> Tensor:
        data = self._data if self._data.dtype.kind == "f" else self._data.astype(_dtypes.get_default_dtype().numpy)
        ctx.dims, ctx.keepdim = _dims(dim, data.ndim), keepdim
        if not data.ndim:
            result = Tensor._wrap(data.copy())
        else:
            peak = np.max(data, axis=ctx.dims, keepdims=True)
            peak = np.where(np.isfinite(peak), peak, 0)
            summed = np.sum(np.exp(data - peak), axis=ctx.dims, keepdims=True)
            value = np.log(summed) + peak
            result = Tensor._wrap(value if keepdim else np.squeeze(value, axis=ctx.dims))
        ctx.save_for_backward(self, result)
        return result

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        self, result = ctx.saved_tensors
        shape = tuple(self.shape)
        if not shape:
            return grad, None, None
        spread = _expand_back(grad, shape, ctx.dims, ctx.keepdim)
        return spread * (self - _expand_back(result, shape, ctx.dims, ctx.keepdim)).exp(), None, None


@tensor_method
@numpy_keywords
def logsumexp(input: Tensor, dim: Any = REQUIRED, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) along ``dim``, without overflow."""
    missing("logsumexp", "dim", dim)
    return Logsumexp.apply(input, dim, keepdim)


class Amax(Function):
    backward_name = "AmaxBackward0"
    derivatives = {"self": "grad * (self == result) / (self == result).sum(dim, keepdim=True)"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, keepdim: bool) -> Tensor:
        return _extreme(ctx, self, dim, keepdim, np.max)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        return _share_among_ties(ctx, grad), None, None


class Amin(Amax):
    backward_name = "AminBackward0"

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: Dims, keepdim: bool) -> Tensor:
        return _extreme(ctx, self, dim, keepdim, np.min)


def _extreme(ctx: Node, self: Tensor, dim: Dims, keepdim: bool, reduce: Any) -> Tensor:
    data = self._data
    ctx.dims, ctx.keepdim = _dims(dim, data.ndim), keepdim
    if data.size == 0 and any(data.shape[d] == 0 for d in ctx.dims):
        raise IndexError(f"a{reduce.__name__}(): Expected reduction dim {ctx.dims[0]} to have non-zero size.")
    result = Tensor._wrap(np.asarray(reduce(data, axis=ctx.dims, keepdims=keepdim)) if data.ndim else data.copy())
    ctx.save_for_backward(self, result)
    return result


def _share_among_ties(ctx: Node, grad: Tensor) -> Tensor:
    """The gradient goes to the elements equal to the extreme, shared equally between ties."""
    self, result = ctx.saved_tensors
    shape = tuple(self.shape)
    if not shape:
        return grad
    winners = (self == _expand_back(result, shape, ctx.dims, ctx.keepdim))
    count = winners.sum(ctx.dims, keepdim=True)
    return where(winners, _expand_back(grad, shape, ctx.dims, ctx.keepdim) / count, 0.0)


@tensor_method
@numpy_keywords
def amax(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """The largest element (along ``dim``); ties share the gradient."""
    return Amax.apply(input, dim, keepdim)


@tensor_method
@numpy_keywords
def amin(input: Tensor, dim: Dims = (), keepdim: bool = False) -> Tensor:
    """The smallest element (along ``dim``); ties share the gradient."""
    return Amin.apply(input, dim, keepdim)


# -- median, nansum, count_nonzero ----------------------------------------------------------------

class MedianAll(Function):
    backward_name = "MedianBackward0"
    derivatives = {"self": "grad at the position of the (lower) median"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor) -> Tensor:
        flat = self._data.reshape(-1)
        if not flat.size:
            return Tensor._wrap(np.array(np.nan, dtype=flat.dtype))
        order = np.argsort(flat, kind="stable")
        ctx.position, ctx.shape = int(order[(flat.size - 1) // 2]), self._data.shape
        return Tensor._wrap(flat[ctx.position].copy())

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        return IndexAddInto.apply(grad, ctx.shape, np.unravel_index(ctx.position, ctx.shape) if ctx.shape else ())


class MedianDim(Function):
    backward_name = "MedianBackward1"
    derivatives = {"self": "zeros_like(self).scatter(dim, indices, grad)"}
    materialize_grads = True

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
        data = self._data if self._data.ndim else self._data.reshape(1)
        ctx.dim, ctx.keepdim, ctx.shape = normalize_dim(dim, self._data.ndim), keepdim, self._data.shape
        order = np.argsort(data, axis=ctx.dim, kind="stable")
        middle = np.take(order, [(data.shape[ctx.dim] - 1) // 2], axis=ctx.dim)
        values = np.take_along_axis(data, middle, axis=ctx.dim)
        if not keepdim or not self._data.ndim:
            values, middle = np.squeeze(values, ctx.dim), np.squeeze(middle, ctx.dim)
        indices = Tensor._wrap(middle.astype(np.int64))
        ctx.mark_non_differentiable(indices)
        ctx.indices = indices
        return Tensor._wrap(values), indices

    @staticmethod
    def backward(ctx: Node, grad: Tensor, _: Tensor) -> tuple[Tensor, None, None]:
        if not ctx.shape:
            return grad, None, None
        indices = ctx.indices if ctx.keepdim else ctx.indices.unsqueeze(ctx.dim)
        grad = grad if ctx.keepdim else grad.unsqueeze(ctx.dim)
        zeros = Tensor._wrap(np.zeros(ctx.shape, dtype=grad._data.dtype))
        return ScatterAdd.apply(zeros, ctx.dim, indices, grad), None, None


class _MedianResult(MinMaxResult):
    def __repr__(self) -> str:
        return f"torch.return_types.median(\nvalues={self.values!r},\nindices={self.indices!r})"


@tensor_method
@numpy_keywords
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median (the lower of the two middle values for an even count); with ``dim``, (values, indices)."""
    if dim is None:
        return MedianAll.apply(input)
    values, indices = MedianDim.apply(input, dim, keepdim)
    return _MedianResult(values, indices)


class Nansum(Function):
    backward_name = "NansumBackward0"
    derivatives = {"self": "grad * self.isnan().logical_not()"}

    @staticmethod
    @quietly
    def forward(ctx: Node, self: Tensor, dims: Dims, keepdim: bool) -> Tensor:
        ctx.dims, ctx.keepdim = _dims(dims, self._data.ndim), keepdim
        ctx.save_for_backward(self)
        return Tensor._wrap(np.asarray(np.nansum(self._data, axis=ctx.dims, keepdims=keepdim),
                                       dtype=self._data.dtype))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        (self,) = ctx.saved_tensors
        spread = _expand_back(grad, tuple(self.shape), ctx.dims, ctx.keepdim)
        return where(Tensor._wrap(np.isnan(self._data)), 0.0, spread), None, None


@tensor_method
@numpy_keywords
def nansum(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """The sum, counting NaNs as zero."""
    return Nansum.apply(input, dim, keepdim)


@tensor_method
@numpy_keywords
def nanmean(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """The mean of the elements that are not NaN (as PyTorch computes it: nansum / their count)."""
    if not input.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{input.dtype.legacy_name.replace('Tensor', '')}")
    counted = Tensor._wrap(np.asarray(np.sum(~np.isnan(input._data), axis=None if dim is None else
                                             _dims(dim, input.ndim), keepdims=keepdim)))
    return nansum(input, dim, keepdim) / counted


@tensor_method
@numpy_keywords
def count_nonzero(input: Tensor, dim: Dims = None) -> Tensor:
    """How many elements (along ``dim``) are not zero (int64)."""
    axis = None if dim is None else _dims(dim, input.ndim)
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=axis), dtype=np.int64))
