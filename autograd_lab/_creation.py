"""Functions that make new leaf tensors: from data, filled, ranges, and ``x.new_*`` from another tensor.

Each takes PyTorch's keywords: ``dtype``, ``device`` (only the CPU is usable; see
``_device``), ``requires_grad``, and ``size=`` where PyTorch takes a size.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _dtypes
from ._device import placed
from ._tensor import Tensor, _to_array, tensor_from_data, tensor_method


def tensor(data: Any, *, dtype: _dtypes.dtype | None = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (numbers, nested lists, arrays or tensors)."""
    placed(device)
    return tensor_from_data(data, dtype, requires_grad)


_GENERATOR_OVERLOADS = (
    " * (tuple of ints size, *, torch.Generator generator, Tensor out = None, torch.dtype dtype = None, "
    "torch.layout layout = None, torch.device device = None, bool pin_memory = False, bool requires_grad = False)\n"
    " * (tuple of ints size, *, Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, "
    "torch.device device = None, bool pin_memory = False, bool requires_grad = False)\n")


def size_argument(args: tuple[Any, ...], keyword: Any, function: str) -> tuple[int, ...]:
    """A shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(torch.Size(...))`` or ``f(size=(2, 3))``.

    Checked as PyTorch checks it, with its messages (``rand`` and ``randn``, which have a
    ``generator`` overload, word some of them differently).
    """
    random = function in ("rand", "randn")
    if keyword is not None and args or keyword is None and not args:
        if random:
            got = ", ".join([type(arg).__name__ for arg in args] +
                            ([f"size={type(keyword).__name__}"] if keyword is not None else []))
            raise TypeError(f"{function}() received an invalid combination of arguments - got ({got}), but expected "
                            f"one of:\n{_GENERATOR_OVERLOADS}")
        if args:
            raise TypeError(f"{function}() got multiple values for argument 'size'")
        raise TypeError(f'{function}() missing 1 required positional arguments: "size"')
    sequence = len(args) == 1 and isinstance(args[0], (tuple, list))
    if keyword is not None:
        if not isinstance(keyword, (tuple, list)):
            raise TypeError(f"{function}(): argument 'size' must be tuple of ints, not {type(keyword).__name__}")
        items: Any = keyword
    else:
        items = args[0] if sequence else args
    shape = []
    for position, item in enumerate(items, start=1):
        if isinstance(item, Tensor) and item.ndim == 0 and item.dtype.name.startswith(("int", "uint")):
            item = item.item()
        if not isinstance(item, (int, np.integer)) or isinstance(item, bool):
            kind = "Tensor" if isinstance(item, Tensor) else type(item).__name__
            if keyword is not None:
                raise TypeError(f"{function}(): argument 'size' must be tuple of ints, not {type(keyword).__name__}")
            if len(args) == 1 and not sequence:
                raise TypeError(f"{function}(): argument 'size' (position 1) must be tuple of ints, not {kind}")
            raise TypeError(f"{function}(): argument 'size' failed to unpack the object at pos {position} with "
                            f"error \"type must be tuple of ints,but got {kind}\"")
        shape.append(int(item))
    for extent in shape:
        if extent < 0:
            if function == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {extent}: {shape}")
    return tuple(shape)


def _new(data: np.ndarray, dtype: _dtypes.dtype | None, requires_grad: bool) -> Tensor:
    if dtype is not None:
        data = data.astype(dtype.numpy, copy=False)
    if requires_grad and data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._wrap(data, requires_grad)


def _or_default(dtype: _dtypes.dtype | None) -> np.dtype:
    """The NumPy dtype of a new tensor: ``dtype``, else the default (floating-point) dtype."""
    return (dtype or _dtypes.get_default_dtype()).numpy


def zeros(*size: Any, out: None = None, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, **keywords: Any) -> Tensor:
    """A tensor of zeros (the default dtype, float32, unless ``dtype`` says otherwise)."""
    return _made("zeros", np.zeros, size, keywords, dtype, device, requires_grad)


def ones(*size: Any, out: None = None, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
         requires_grad: bool = False, **keywords: Any) -> Tensor:
    """A tensor of ones (the default dtype, float32, unless ``dtype`` says otherwise)."""
    return _made("ones", np.ones, size, keywords, dtype, device, requires_grad)


def empty(*size: Any, out: None = None, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False, **keywords: Any) -> Tensor:
    """A tensor whose values are not to be relied on (zeros here)."""
    return _made("empty", np.zeros, size, keywords, dtype, device, requires_grad)


def _made(function: str, fill: Any, size: tuple[Any, ...], keywords: dict[str, Any], dtype: _dtypes.dtype | None,
          device: Any, requires_grad: bool) -> Tensor:
    """A new tensor of ``size`` (or ``size=``) filled by ``fill`` (np.zeros, np.ones)."""
    placed(device)
    shape = size_argument(size, keywords.pop("size", None), function)
    _no_more(keywords, function)
    return _new(fill(shape, dtype=_or_default(dtype)), None, requires_grad)


def _no_more(keywords: dict[str, Any], function: str) -> None:
    for name in keywords:
        if name not in ("pin_memory", "memory_format"):
            raise TypeError(f"{function}() got an unexpected keyword argument '{name}'")


def full(size: Any, fill_value: Any, *, out: None = None, dtype: _dtypes.dtype | None = None, layout: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (bool, int64 or the default float)."""
    placed(device)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    shape = size_argument((size,), None, "full")
    value = _to_array(fill_value, None)
    if dtype is None:
        dtype = _dtypes.get_default_dtype() if value.dtype.kind == "f" else _dtypes.from_numpy(value.dtype)
    return _new(np.full(shape, value, dtype=dtype.numpy), None, requires_grad)


def _like(input: Tensor, dtype: _dtypes.dtype | None, device: Any) -> np.dtype:
    placed(device)
    return (dtype or input.dtype).numpy


def zeros_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _new(np.zeros(input.shape, dtype=_like(input, dtype, device)), None, requires_grad)


def ones_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
              requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _new(np.ones(input.shape, dtype=_like(input, dtype, device)), None, requires_grad)


def empty_like(input: Tensor, *, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
               requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """A tensor shaped like ``input`` whose values are not to be relied on (zeros here)."""
    return _new(np.zeros(input.shape, dtype=_like(input, dtype, device)), None, requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: _dtypes.dtype | None = None, layout: Any = None,
              device: Any = None, requires_grad: bool = False, memory_format: Any = None) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype."""
    return _new(np.full(input.shape, fill_value, dtype=_like(input, dtype, device)), None, requires_grad)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, out: None = None, dtype: _dtypes.dtype | None = None,
           layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` up to (not including) ``end``; int64 for whole-number arguments."""
    placed(device)
    if end is None:
        start, end = 0, start
    bounds = [value.item() if isinstance(value, Tensor) else value for value in (start, end, step)]
    if bounds[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (bounds[1] - bounds[0]) * bounds[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    all_integers = all(isinstance(v, (int, np.integer)) for v in bounds)
    if dtype is None:
        dtype = _dtypes.int64 if all_integers else _dtypes.get_default_dtype()
    count = max(math.ceil((bounds[1] - bounds[0]) / bounds[2]), 0)
    data = bounds[0] + np.arange(count, dtype=np.float64 if not all_integers else np.int64) * bounds[2]
    return _new(data.astype(dtype.numpy), None, requires_grad)


def linspace(start: Any, end: Any, steps: int, *, out: None = None, dtype: _dtypes.dtype | None = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    placed(device)
    values = np.linspace(_number(start), _number(end), _steps(steps, "linspace"))
    return _new(_cast(values, dtype), None, requires_grad)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, out: None = None,
             dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` values ``base ** x`` for x evenly spaced from ``start`` to ``end`` inclusive."""
    placed(device)
    exponents = np.linspace(_number(start), _number(end), _steps(steps, "logspace"))
    return _new(_cast(np.power(float(base), exponents), dtype), None, requires_grad)


def _number(value: Any) -> float:
    return value.item() if isinstance(value, Tensor) else value


def _steps(steps: Any, function: str) -> int:
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"{function}(): argument 'steps' (position 3) must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _cast(values: np.ndarray, dtype: _dtypes.dtype | None) -> np.ndarray:
    """Computed values in ``dtype`` (integers truncate, as PyTorch's casts do), else in the default dtype."""
    target = _or_default(dtype)
    if target.kind in "iu":
        return np.trunc(values).astype(target)
    return values.astype(target)


def eye(n: int, m: int | None = None, *, out: None = None, dtype: _dtypes.dtype | None = None, layout: Any = None,
        device: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (ones on the diagonal), ``n`` by ``m`` (default ``n``)."""
    placed(device)
    return _new(np.eye(n, m, dtype=_or_default(dtype)), None, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory."""
    if not isinstance(array, np.ndarray):
        kind = type(array)
        name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        raise TypeError(f"expected np.ndarray (got {name})")
    _dtypes.from_numpy(array.dtype)
    return Tensor._wrap(array)


def as_tensor(data: Any, dtype: _dtypes.dtype | None = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, without copying when it already is one of that dtype."""
    placed(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype is dtype):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtype.numpy):
        return from_numpy(data)
    return tensor_from_data(data, dtype)


def scalar_tensor(value: Any, *, dtype: _dtypes.dtype | None = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding ``value`` (the default dtype unless ``dtype`` says otherwise)."""
    placed(device)
    return _new(np.array(value, dtype=_or_default(dtype)), None, requires_grad)


def FloatTensor(*args: Any) -> Tensor:
    """Legacy constructor of float32 tensors: ``FloatTensor([1., 2.])`` or ``FloatTensor(2, 3)``."""
    return Tensor(*args).float()


def DoubleTensor(*args: Any) -> Tensor:
    """Legacy constructor of float64 tensors."""
    return Tensor(*args).double()


def LongTensor(*args: Any) -> Tensor:
    """Legacy constructor of int64 tensors."""
    if args and not all(isinstance(a, int) for a in args):
        return tensor_from_data(args[0], dtype=_dtypes.int64)
    return Tensor(*args).long()


# -- x.new_zeros(...) and friends: the dtype (and device) of x unless given --------------------------

@tensor_method
def new_tensor(self: Tensor, data: Any, *, dtype: _dtypes.dtype | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding ``data``, in ``self``'s dtype unless ``dtype`` says otherwise."""
    placed(device)
    return tensor_from_data(data, dtype or self.dtype, requires_grad)


@tensor_method
def new_zeros(self: Tensor, *size: Any, dtype: _dtypes.dtype | None = None, device: Any = None,
              requires_grad: bool = False, **keywords: Any) -> Tensor:
    """Zeros of ``size``, in ``self``'s dtype unless ``dtype`` says otherwise."""
    shape = size_argument(size, keywords.pop("size", None), "new_zeros")
    return _new(np.zeros(shape, dtype=_like(self, dtype, device)), None, requires_grad)


@tensor_method
def new_ones(self: Tensor, *size: Any, dtype: _dtypes.dtype | None = None, device: Any = None,
             requires_grad: bool = False, **keywords: Any) -> Tensor:
    """Ones of ``size``, in ``self``'s dtype unless ``dtype`` says otherwise."""
    shape = size_argument(size, keywords.pop("size", None), "new_ones")
    return _new(np.ones(shape, dtype=_like(self, dtype, device)), None, requires_grad)


@tensor_method
def new_empty(self: Tensor, *size: Any, dtype: _dtypes.dtype | None = None, device: Any = None,
              requires_grad: bool = False, **keywords: Any) -> Tensor:
    """A tensor of ``size`` whose values are not to be relied on (zeros here), in ``self``'s dtype."""
    shape = size_argument(size, keywords.pop("size", None), "new_empty")
    return _new(np.zeros(shape, dtype=_like(self, dtype, device)), None, requires_grad)


@tensor_method
def new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: _dtypes.dtype | None = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere in a tensor of ``size``, in ``self``'s dtype unless ``dtype`` says otherwise."""
    shape = size_argument((size,), None, "new_full")
    return _new(np.full(shape, fill_value, dtype=_like(self, dtype, device)), None, requires_grad)
