"""Random tensors drawn exactly as PyTorch draws them on the CPU.

Every function here takes its numbers from a ``Generator`` (the global one unless
``generator=`` is given) through the kernels in ``_sampling``, so after
``manual_seed(n)`` the values, and the generator's state afterwards, match PyTorch's.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from . import _dtypes, _sampling
from ._creation import _new
from ._creation import size_argument as _size
from ._device import placed
from ._generator import Generator, resolve
from ._tensor import Tensor, tensor_method
from .autograd.function import Function, Node
from .ops._operands import check_broadcast, type_name

_FLOATS = (_dtypes.float16, _dtypes.float32, _dtypes.float64)
# How PyTorch's bound checks name each dtype (C++ type names).
_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "uint8": "unsigned char",
              "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool"}


def _cpp(number: float) -> str:
    """A number as C++'s ``operator<<`` prints a double (six significant digits)."""
    return f"{number:g}"


# -- where the values go -----------------------------------------------------------------


def _fill_axes(data: np.ndarray) -> list[int]:
    """The axes of ``data`` from outermost to innermost in the order PyTorch's kernels fill it.

    PyTorch's iterator walks the dimension with the smallest stride innermost, so a
    transposed or sliced tensor is filled in the order it is laid out in memory.
    """
    if data.flags.c_contiguous:
        return list(range(data.ndim))
    return sorted(range(data.ndim), key=lambda axis: -abs(data.strides[axis]))


def placed_like(like: np.ndarray, values: np.ndarray) -> np.ndarray:
    """An array shaped like ``like`` holding the flat ``values`` in ``like``'s fill order."""
    if like.flags.c_contiguous:
        return values.reshape(like.shape)
    out = np.empty(like.shape, dtype=values.dtype)
    view = out.transpose(_fill_axes(like))
    view[...] = values.reshape(view.shape)
    return out


# -- the graph node of a random fill ---------------------------------------------------------


def _resample_node(name: str) -> type[Function]:
    """A node for values drawn afresh: no gradient reaches the old values or the parameters."""

    def forward(ctx: Node, *args: Any) -> Tensor:
        ctx.input_meta = [(arg._data.shape, arg._data.dtype) for arg in args[:-1]]
        return Tensor._wrap(args[-1])

    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor | None, ...]:
        zeros = tuple(Tensor._wrap(np.zeros(shape, dtype=dtype)) for shape, dtype in ctx.input_meta)
        return zeros + (None,)

    return type(name, (Function,), {"backward_name": name, "forward": staticmethod(forward),
                                    "backward": staticmethod(backward), "derivatives": {"args": "zeros_like(grad)"}})


def _not_differentiable(ctx: Node, grad: Tensor) -> None:
    raise RuntimeError("derivative for aten::bernoulli is not implemented")


_NODES = {name: _resample_node(name) for name in (
    "UniformBackward0", "NormalBackward0", "NormalBackward1", "NormalBackward2", "NormalBackward3",
    "BernoulliBackward0", "BernoulliBackward1", "BernoulliBackward2", "RandomBackward0", "RandomBackward1",
    "RandomBackward2", "ExponentialBackward0", "NotImplemented")}
_NODES["NotImplemented"].backward = staticmethod(_not_differentiable)  # PyTorch's node for bernoulli(input, p)


def _refill(self: Tensor, node: str, draw: Callable[[np.ndarray], np.ndarray], *parameters: Tensor) -> Tensor:
    """Overwrite ``self`` in place with ``draw(self's data)``, recorded as PyTorch records it."""
    def compute(old: Tensor) -> Tensor:
        return _NODES[node].apply(old, *parameters, draw(self._data))

    return self._inplace(compute)


# -- in-place methods --------------------------------------------------------------------------


def _check_floating(self: Tensor, kernel: str) -> None:
    if self.dtype not in _FLOATS:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_name(self.dtype)}\'')


def _check_uniform_bounds(dtype: _dtypes.dtype, low: float, high: float) -> None:
    limit = float(np.finfo(dtype.numpy).max)
    for name, value in (("from", low), ("to", high)):
        if not -limit <= value <= limit:
            raise RuntimeError(f"{name} is out of bounds for {_CPP_NAMES[dtype.name]}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_cpp(low)} > "
                           f"to={_cpp(high)}")
    if high - low > limit:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{type_name(dtype)}>::max(), but found "
                           f"to={_cpp(high)} and from={_cpp(low)} which result in to-from to exceed the limit")


@tensor_method
def uniform_(self: Tensor, *args: float, generator: Generator | None = None, **bounds: float) -> Tensor:
    """Fill with uniform numbers in ``[from, to)`` (default [0, 1)), in place."""
    low, high = _bounds(args, bounds, ("from", "to"), (0.0, 1.0))
    _check_floating(self, "check_uniform_bounds")
    _check_uniform_bounds(self.dtype, low, high)
    source = resolve(generator)
    return _refill(self, "UniformBackward0",
                   lambda data: placed_like(data, _sampling.uniform(source, data.size, data.dtype, low, high)))


def _bounds(args: tuple, keywords: dict, names: tuple[str, str], defaults: tuple[float, float]) -> tuple[float, ...]:
    values = dict(zip(names, defaults))
    values.update(zip(names, args))
    values.update(keywords)
    return tuple(float(values[name]) for name in names)


def _check_std(std: float) -> None:
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_cpp(std)}")


@tensor_method
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with normal numbers of mean ``mean`` and standard deviation ``std``, in place."""
    _check_std(float(std))
    _check_floating(self, "normal_kernel_cpu")
    source = resolve(generator)
    return _refill(self, "NormalBackward0", lambda data: placed_like(data, normal_like(source, data, mean, std)))


def normal_like(source: Generator, data: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Normal numbers for ``data``'s size and dtype, by the path its layout takes (flat, in fill order)."""
    return _sampling.normal(source, data.size, data.dtype, float(mean), float(std), data.flags.c_contiguous)


@tensor_method
def bernoulli_(self: Tensor, p: float | Tensor = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Set each element to 1 with probability ``p`` (a number or a tensor broadcast to this shape), else 0."""
    source = resolve(generator)
    if isinstance(p, Tensor):
        _check_probability_dtype(p)
        return _refill(self, "BernoulliBackward1", lambda data: placed_like(data, _bernoulli_from_tensor(
            source, np.broadcast_to(p._data, data.shape), data)), p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_cpp(p)}")
    return _refill(self, "BernoulliBackward2", lambda data: bernoulli_like(data, p, source))


def bernoulli_like(data: np.ndarray, p: float, generator: Generator | None = None) -> np.ndarray:
    """0/1 values of ``data``'s dtype, each 1 with probability ``p``, drawn in ``data``'s fill order."""
    return placed_like(data, _sampling.bernoulli_scalar(resolve(generator), data.size, float(p)).astype(data.dtype))


def _check_probability_dtype(p: Tensor) -> None:
    if p.dtype not in _FLOATS:
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for \'{type_name(p.dtype)}\'')


def _bernoulli_from_tensor(source: Generator, p: np.ndarray, out: np.ndarray) -> np.ndarray:
    """One draw per probability in ``out``'s fill order; like PyTorch, an out-of-range probability
    stops the kernel after the draws for the elements before it."""
    in_fill_order = p.transpose(_fill_axes(out)).reshape(-1)
    invalid = np.flatnonzero(~((in_fill_order >= 0) & (in_fill_order <= 1)))
    if invalid.size:
        _sampling.bernoulli_tensor(source, in_fill_order[:invalid[0]])
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                           "be improved?  If so, please report an enhancement request to PyTorch.)")
    return _sampling.bernoulli_tensor(source, in_fill_order).astype(out.dtype)


@tensor_method
def random_(self: Tensor, *args: int | None, generator: Generator | None = None, **bounds: int | None) -> Tensor:
    """Fill with random integers: ``random_()`` in [0, 2**mantissa] for floats or [0, max] for integers,
    ``random_(to)`` in [0, to), ``random_(from, to)`` in [from, to) (``to=None``: up to the maximum)."""
    if len(args) == 1 and not bounds:
        bounds = {"to": args[0]}
    else:
        bounds.update(zip(("from", "to"), args))
    source = resolve(generator)
    if not bounds:
        return _refill(self, "RandomBackward2", lambda data: placed_like(
            data, _sampling.random_default(source, data.size, self.dtype)))
    high = bounds.get("to")
    draw = _integer_draw(source, self.dtype, int(bounds.get("from", 0)), None if high is None else int(high))
    return _refill(self, "RandomBackward1" if set(bounds) == {"to"} else "RandomBackward0",
                   lambda data: placed_like(data, draw(data.size).astype(data.dtype)))


def _integer_draw(source: Generator, dtype: _dtypes.dtype, low: int, high: int | None) -> Callable[[int], np.ndarray]:
    """Check ``[low, high)`` for ``dtype`` as PyTorch does; return the drawing function."""
    if high is not None:
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
        if dtype.is_floating_point:
            low, high = _float_from(low, dtype), _float_to(high, dtype)
            if low >= high:
                raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but "
                                   f"got from={low} >= to={high}")
        _check_in_range(low, high - 1, dtype)
        return lambda count: _sampling.random_from_to(source, count, high - low, low)
    if low == -2 ** 63:
        return lambda count: _sampling.random_full_range(source, count)
    if dtype.is_floating_point:
        top = 1 << _sampling.MANTISSA_BITS[dtype.numpy]
        low = _float_from(low, dtype)
        if low >= top:
            raise RuntimeError("random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted "
                               f"to dtype, but got from={low} > to_inc={top}")
    else:
        top = 1 if dtype is _dtypes.bool else int(np.iinfo(dtype.numpy).max)
    _check_in_range(low, top, dtype)
    return lambda count: _sampling.random_from_to(source, count, top - low + 1, low)


def _check_in_range(low: int, last: int, dtype: _dtypes.dtype) -> None:
    if dtype.is_floating_point:
        limits = float(np.finfo(dtype.numpy).min), float(np.finfo(dtype.numpy).max)
    else:
        limits = (0, 1) if dtype is _dtypes.bool else (int(np.iinfo(dtype.numpy).min), int(np.iinfo(dtype.numpy).max))
    for name, value in (("from", low), ("to - 1", last)):
        if not limits[0] <= value <= limits[1]:
            raise RuntimeError(f"{name} is out of bounds for {_CPP_NAMES[dtype.name]}")
    if dtype.is_floating_point:
        digits = _sampling.MANTISSA_BITS[dtype.numpy]
        for name, value, line in (("from", low, 110), ("to - 1", last, 111)):
            if not -(1 << digits) <= value <= 1 << digits:
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                              f"{_CPP_NAMES[dtype.name]} can support discrete uniform distribution only within this "
                              "range. This warning will become an error in version 1.7 release, please fix the code in "
                              "advance (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                              f"DistributionTemplates.h:{line}.)", UserWarning, stacklevel=4)


def _float_from(low: int, dtype: _dtypes.dtype) -> int:
    """PyTorch's ``update_from``: raise ``low`` to the next integer the float type holds above ``low``."""
    rounded = int(np.asarray(low + 1).astype(dtype.numpy))
    if rounded < low:
        magnitude = abs(low + 1).bit_length() - 1
        low = rounded + (1 << (magnitude - _sampling.MANTISSA_BITS[dtype.numpy] + 1))
    return low


def _float_to(high: int, dtype: _dtypes.dtype) -> int:
    """PyTorch's ``update_to``: lower ``high`` so that ``high - 1`` is held by the float type."""
    rounded = int(np.asarray(high - 1).astype(dtype.numpy))
    if rounded >= high:
        magnitude = abs(high - 1).bit_length() - 1
        high = rounded - (1 << (magnitude - _sampling.MANTISSA_BITS[dtype.numpy] + 1))
    return high


@tensor_method
def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with exponentially distributed numbers of rate ``lambd``, in place."""
    if self.dtype not in _FLOATS:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {type_name(self.dtype)}")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_cpp(lambd)}")
    source = resolve(generator)
    return _refill(self, "ExponentialBackward0", lambda data: placed_like(
        data, _sampling.exponential(source, data.size, float(lambd)).astype(data.dtype)))


# -- new tensors -------------------------------------------------------------------------------


def _empty(shape: tuple[int, ...], dtype: _dtypes.dtype | None, default: _dtypes.dtype | None = None,
           device: Any = None) -> Tensor:
    """Where the numbers go: ``dtype``, else ``default``, else the default dtype; on ``device`` (only the CPU)."""
    placed(device)
    return Tensor._wrap(np.empty(shape, dtype=(dtype or default or _dtypes.get_default_dtype()).numpy))


def _finish(tensor: Tensor, requires_grad: bool) -> Tensor:
    return _new(tensor._data, None, requires_grad)


def rand(*args: Any, size: Any = None, generator: Generator | None = None, dtype: _dtypes.dtype | None = None,
         requires_grad: bool = False, device: Any = None) -> Tensor:
    """Uniform random numbers in [0, 1) (float32 unless ``dtype`` says otherwise)."""
    out = _empty(_size(args, size, "rand"), dtype, device=device)
    _check_floating(out, "check_uniform_bounds")
    values = _sampling.uniform(resolve(generator), out.numel(), out._data.dtype, 0.0, 1.0)
    return _new(values.reshape(out.shape), None, requires_grad)


def randn(*args: Any, size: Any = None, generator: Generator | None = None, dtype: _dtypes.dtype | None = None,
          requires_grad: bool = False, device: Any = None) -> Tensor:
    """Standard normal random numbers (mean 0, standard deviation 1)."""
    out = _empty(_size(args, size, "randn"), dtype, device=device)
    _check_floating(out, "normal_kernel_cpu")
    return _new(normal_like(resolve(generator), out._data, 0.0, 1.0).reshape(out.shape), None, requires_grad)


def randint(*args: Any, size: Any = None, low: int | None = None, high: int | None = None,
            generator: Generator | None = None, dtype: _dtypes.dtype | None = None, requires_grad: bool = False,
            device: Any = None) -> Tensor:
    """Random integers in [low, high) (int64 unless ``dtype`` says otherwise).

    Called as ``randint(high, size)`` or ``randint(low, high, size)``, by position or keyword.
    """
    positional = list(args)
    if size is None and positional and isinstance(positional[-1], (tuple, list)):
        size = positional.pop()
    names = ("low", "high") if len(positional) == 2 or (len(positional) == 1 and high is not None) else ("high",)
    for position, (name, value) in enumerate(zip(names, positional), start=1):
        _check_integer(name, value, position)
    for name, value in (("low", low), ("high", high)):
        _check_integer(name, value, None)
    given = dict(zip(names, positional))
    low, high = given.get("low", low), given.get("high", high)
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments: expected (int high, tuple of ints "
                        "size) or (int low, int high, tuple of ints size)")
    out = _empty(_size((size,), None, "randint"), dtype, _dtypes.int64, device)
    return _finish(random_(out, int(low or 0), int(high), generator=generator), requires_grad)


def _check_integer(name: str, value: Any, position: int | None) -> None:
    if value is None or isinstance(value, (int, np.integer)):
        return
    where = f" (position {position})" if position else ""
    raise TypeError(f"randint(): argument '{name}'{where} must be int, not {type(value).__name__}")


def randperm(n: int, *, generator: Generator | None = None, dtype: _dtypes.dtype | None = None,
             requires_grad: bool = False, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype`` says otherwise)."""
    n = int(n)
    _size((n,), None, "randperm")
    placed(device)
    dtype = dtype or _dtypes.int64
    if dtype is _dtypes.float16 and n > 2049:
        raise RuntimeError("n cannot be greater than 2049 for Half type.")
    return _new(_sampling.randperm(resolve(generator), n).astype(dtype.numpy), None, requires_grad)


def _like(input: Tensor, dtype: _dtypes.dtype | None, device: Any = None) -> Tensor:
    placed(device)
    return Tensor._wrap(np.empty(input.shape, dtype=(dtype or input.dtype).numpy))


def rand_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, requires_grad: bool = False,
              generator: Generator | None = None, device: Any = None) -> Tensor:
    """Uniform random numbers in [0, 1) shaped like ``input`` (its dtype unless given)."""
    return _finish(uniform_(_like(input, dtype, device), generator=generator), requires_grad)


def randn_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, requires_grad: bool = False,
               generator: Generator | None = None, device: Any = None) -> Tensor:
    """Standard normal random numbers shaped like ``input`` (its dtype unless given)."""
    return _finish(normal_(_like(input, dtype, device), generator=generator), requires_grad)


def randint_like(input: Tensor, *args: int, low: int | None = None, high: int | None = None,
                 dtype: _dtypes.dtype | None = None, requires_grad: bool = False,
                 generator: Generator | None = None, device: Any = None) -> Tensor:
    """Random integers in [low, high) shaped like ``input``: ``randint_like(x, high)`` or ``(x, low, high)``."""
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        high = args[0]
    return _finish(random_(_like(input, dtype, device), int(low or 0), int(high), generator=generator), requires_grad)


def normal(mean: Tensor | float, std: Tensor | float = 1.0, size: Any = None, *,
           generator: Generator | None = None, dtype: _dtypes.dtype | None = None,
           requires_grad: bool = False, device: Any = None) -> Tensor:
    """Normal random numbers: ``normal(mean, std)`` elementwise for tensors (broadcast together), or
    ``normal(mean, std, size)`` for numbers."""
    source = resolve(generator)
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a number mean and std, "
                            "give the size")
        out = _empty(_size((size,), None, "normal"), dtype, device=device)
        return _finish(normal_(out, float(mean), float(std), generator=source), requires_grad)
    if std_is_tensor and std.numel() and not (std._data >= 0).all():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not std_is_tensor:
        _check_std(float(std))
    template = mean if mean_is_tensor else std
    _check_floating(template, "normal_kernel_cpu")
    if mean_is_tensor and std_is_tensor:
        check_broadcast(mean._data, std._data)
    shape = np.broadcast_shapes(mean.shape, std.shape) if mean_is_tensor and std_is_tensor else template.shape
    values = normal_like(source, np.empty(shape, dtype=template._data.dtype), 0.0,
                            1.0 if std_is_tensor else float(std))
    values = values.reshape(shape)
    if std_is_tensor:
        values = _kept(values * std._data, values)
    values = _kept(values + (mean._data if mean_is_tensor else values.dtype.type(mean)), values)
    node = "NormalBackward3" if mean_is_tensor and std_is_tensor else (
        "NormalBackward1" if mean_is_tensor else "NormalBackward2")
    parameters = [t for t in (mean, std) if isinstance(t, Tensor)]
    return _NODES[node].apply(*parameters, values)


def _kept(result: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``result`` cast back to ``target``'s dtype, as an in-place ``mul_``/``add_`` on ``target`` stores it."""
    return result.astype(target.dtype)


@tensor_method
def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """0/1 draws shaped like ``input``: 1 with probability ``input`` (elementwise), or ``p`` if given."""
    source = resolve(generator)
    if p is not None:
        values = bernoulli_(_like(input, None), p, generator=source)._data
        return _NODES["NotImplemented"].apply(input, values)
    _check_probability_dtype(input)
    out = np.empty(input.shape, dtype=input._data.dtype)  # contiguous whatever input's layout: drawn in C order
    values = placed_like(out, _bernoulli_from_tensor(source, input._data, out))
    return _NODES["BernoulliBackward0"].apply(input, values)


@tensor_method
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn from each row of ``input`` (non-negative weights), with or without replacement.

    Without replacement (or for one sample) PyTorch perturbs the weights: each is divided
    by an exponential draw and the largest ``num_samples`` are taken, largest first. With
    replacement each sample is the first index whose cumulative weight (float32 sums,
    divided by the row total) reaches a float64 uniform.
    """
    source = resolve(generator)
    data = input._data
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype not in _FLOATS:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {type_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = data.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if categories > 2 ** 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    rows = data.reshape(-1, categories)
    if not replacement or num_samples == 1:
        indices = _multinomial_perturbed(source, rows, num_samples)
    else:
        indices = _multinomial_cumulative(source, rows, num_samples)
    return Tensor._wrap(indices.reshape(data.shape[:-1] + (num_samples,)))


def _multinomial_perturbed(source: Generator, rows: np.ndarray, count: int) -> np.ndarray:
    if rows.size and not (np.max(rows) < np.inf and np.min(rows) >= 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1, dtype=rows.dtype) == 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    noise = _sampling.exponential(source, rows.size, 1.0).astype(rows.dtype).reshape(rows.shape)
    keys = rows / noise
    if count == 1:
        return np.argmax(keys, axis=1)[:, None]
    return np.argsort(-keys, axis=1, kind="stable")[:, :count]


def _multinomial_cumulative(source: Generator, rows: np.ndarray, count: int) -> np.ndarray:
    precision = np.float64 if rows.dtype == np.float64 else np.float32
    picked = np.empty((rows.shape[0], count), dtype=np.int64)
    for row_index, row in enumerate(rows.astype(precision)):
        invalid = np.flatnonzero(~((row >= 0) & np.isfinite(row)))  # checked element by element, as PyTorch does
        if invalid.size:
            reason = "< 0" if not row[invalid[0]] >= 0 else "= infinity or NaN"
            raise RuntimeError(f"invalid multinomial distribution (encountering probability entry {reason})")
        cumulative = np.cumsum(row, dtype=precision)
        total = cumulative[-1]
        if not total > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cumulative = cumulative / total
        cumulative[-1] = 1
        uniforms = _sampling.uniform(source, count, np.dtype(np.float64), 0.0, 1.0)
        picked[row_index] = np.searchsorted(cumulative.astype(np.float64), uniforms, side="left")
    return picked
