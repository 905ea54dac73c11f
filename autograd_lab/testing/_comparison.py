"""``assert_close``: are two tensors (numbers, or nested lists/dicts of them) equal up to a tolerance?

As in PyTorch: the inputs are walked together (sequences item by item, mappings key
by key) and every leaf pair is compared by the first rule that accepts it (None,
bools, Python/NumPy numbers, tensor-likes). Tolerances default per dtype; the
first failing pair raises, with PyTorch's message.
"""
from __future__ import annotations

import cmath
import collections.abc
import math
import warnings
from typing import Any, Callable

import numpy as np

from .. import _dtypes
from .._creation import as_tensor, tensor
from .._tensor import Tensor
from ..ops.comparison import isclose

# dtype -> (rtol, atol); other dtypes compare exactly
DTYPE_TOLERANCES = {
    _dtypes.float16: (1e-3, 1e-5),
    _dtypes.float32: (1.3e-6, 1e-5),
    _dtypes.float64: (1e-7, 1e-7),
}
_COMPLEX_TOLERANCES = (1e-7, 1e-7)  # a Python complex is compared as PyTorch's complex128
_NUMBER_DTYPES = {bool: _dtypes.int64, int: _dtypes.int64, float: _dtypes.float64}


class _Failure(Exception):
    """A failed comparison: the exception type to raise, its message and where it happened."""

    def __init__(self, kind: type[Exception], message: str, path: tuple = ()) -> None:
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path

    def to_error(self, msg: str | Callable[[str], str] | None = None) -> Exception:
        if isinstance(msg, str):
            return self.kind(msg)
        message = self.message
        if self.path:
            message += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.path)}"
        return self.kind(msg(message) if callable(msg) else message)


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise ``AssertionError`` unless ``|actual - expected| <= atol + rtol * |expected|`` everywhere.

    Shapes and (with ``check_dtype``) dtypes must match; ``rtol``/``atol`` default to
    the loosest of the two dtypes' values (float32: 1.3e-6/1e-5, float64: 1e-7/1e-7,
    float16: 1e-3/1e-5, integers and bools: exact). ``msg`` replaces the message, or
    transforms it when callable. Devices and layouts are always the same here.
    """
    __tracebackhide__ = True
    options = {"allow_subclasses": allow_subclasses, "rtol": rtol, "atol": atol, "equal_nan": equal_nan,
               "check_dtype": check_dtype, "check_stride": check_stride}
    failure = None
    try:
        comparisons = _pair_up(actual, expected, (), options)
    except _Failure as error:
        failure, msg = error, None
    else:
        for compare in comparisons:
            try:
                compare()
            except _Failure as error:
                failure = error
                break
    if failure is not None:
        raise failure.to_error(msg)


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None, atol: float | None = None,
                    equal_nan: bool = True, msg: str = "") -> None:
    """Deprecated since PyTorch 1.12: ``assert_close`` with looser defaults and no dtype check."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future "
                  "release. Please use `torch.testing.assert_close()` instead. You can find detailed upgrade "
                  "instructions in https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        loose = {_dtypes.float16: (1e-3, 1e-3), _dtypes.float32: (1e-4, 1e-5), _dtypes.float64: (1e-5, 1e-8)}
        rtol, atol = _loosest(loose, actual.dtype, expected.dtype)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=False, msg=msg or None)


# -- walking the inputs ---------------------------------------------------------------------------


def _pair_up(actual: Any, expected: Any, path: tuple, options: dict) -> list[Callable[[], None]]:
    """One comparison per pair of leaves; structural differences fail at once."""
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Failure(AssertionError,
                           f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path)
        return [c for i in range(len(actual)) for c in _pair_up(actual[i], expected[i], (*path, i), options)]
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        actual_keys, expected_keys = set(actual), set(expected)
        if actual_keys != expected_keys:
            raise _Failure(AssertionError, "The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(expected_keys - actual_keys)}\n"
                           f"Additional keys in the actual mapping: {sorted(actual_keys - expected_keys)}", path)
        try:
            keys: Any = sorted(actual_keys)
        except TypeError:
            keys = actual_keys
        return [c for key in keys for c in _pair_up(actual[key], expected[key], (*path, key), options)]
    return [_leaf_comparison(actual, expected, path, options)]


def _is_sequence(value: Any) -> bool:
    return isinstance(value, collections.abc.Sequence) and not isinstance(value, str)


def _leaf_comparison(actual: Any, expected: Any, path: tuple, options: dict) -> Callable[[], None]:
    if actual is None or expected is None:
        return lambda: _compare_none(actual, expected, path)
    if all(isinstance(x, (bool, np.bool_)) for x in (actual, expected)):
        return lambda: _compare_bools(bool(actual), bool(expected), path)
    if all(isinstance(x, (int, float, complex, np.number)) for x in (actual, expected)):
        return _number_comparison(actual, expected, path, options)
    tensors = _as_tensors(actual, expected, options["allow_subclasses"])
    if tensors is None:
        raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {_type_repr(actual)} and "
                                  f"{_type_repr(expected)}.", path)
    rtol, atol = _tolerances([t.dtype for t in tensors], options, path)
    return lambda: _compare_tensors(*tensors, rtol, atol, path, options)


def _compare_none(actual: Any, expected: Any, path: tuple) -> None:
    if not (actual is None and expected is None):
        raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}", path)


def _compare_bools(actual: bool, expected: bool, path: tuple) -> None:
    if actual is not expected:
        raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}", path)


def _tolerances(dtypes: list[Any], options: dict, path: tuple) -> tuple[float, float]:
    rtol, atol = options["rtol"], options["atol"]
    if (rtol is None) != (atol is None):
        raise _Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                   f"{'rtol' if rtol is None else 'atol'}.", path)
    if rtol is not None:
        return rtol, atol
    return _loosest(DTYPE_TOLERANCES, *dtypes)


def _loosest(table: dict, *dtypes: Any) -> tuple[float, float]:
    pairs = [_COMPLEX_TOLERANCES if dtype is complex else table.get(dtype, (0.0, 0.0)) for dtype in dtypes]
    return max(rtol for rtol, _ in pairs), max(atol for _, atol in pairs)


# -- numbers --------------------------------------------------------------------------------------


def _number_comparison(actual: Any, expected: Any, path: tuple, options: dict) -> Callable[[], None]:
    actual, expected = (x.item() if isinstance(x, np.number) else x for x in (actual, expected))
    rtol, atol = _tolerances([_NUMBER_DTYPES.get(type(x), complex) for x in (actual, expected)], options, path)

    def compare() -> None:
        if options["check_dtype"] and type(actual) is not type(expected):
            raise _Failure(AssertionError,
                           f"The (d)types do not match: {type(actual)} != {type(expected)}.", path)
        if actual == expected:
            return
        if options["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
            return
        difference = abs(actual - expected)
        if cmath.isfinite(difference) and difference <= atol + rtol * abs(expected):
            return
        raise _Failure(AssertionError, _scalar_message(actual, expected, rtol, atol), path)

    return compare


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    difference = abs(actual - expected)
    relative = math.inf if expected == 0 else difference / abs(expected)
    return _message("Scalars", f"Expected {expected} but got {actual}.", rtol, atol,
                    ("Absolute difference", difference), ("Relative difference", relative))


def _message(what: str, extra: str, rtol: float, atol: float, absolute: tuple, relative: tuple) -> str:
    exact = rtol == 0 and atol == 0
    lines = [f"{what} are not {'equal' if exact else 'close'}!", "", extra]
    for (label, value), tolerance in ((absolute, atol), (relative, rtol)):
        lines.append(f"{label}: {value}" + ("" if exact else f" (up to {tolerance} allowed)"))
    return "\n".join(lines)


# -- tensors --------------------------------------------------------------------------------------


def _as_tensors(actual: Any, expected: Any, allow_subclasses: bool) -> tuple[Tensor, Tensor] | None:
    """Both inputs as tensors, if their types are directly related (or equal, without ``allow_subclasses``)."""
    if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
        return None
    if not allow_subclasses and type(actual) is not type(expected):
        return None
    try:
        return as_tensor(actual), as_tensor(expected)
    except Exception:  # noqa: BLE001 - anything that is no tensor-like: no rule for it
        return None


def _compare_tensors(actual: Tensor, expected: Tensor, rtol: float, atol: float, path: tuple, options: dict) -> None:
    def mismatch(attribute: str, first: Any, second: Any) -> _Failure:
        return _Failure(AssertionError,
                        f"The values for attribute '{attribute}' do not match: {first} != {second}.", path)

    if actual.shape != expected.shape:
        raise mismatch("shape", actual.shape, expected.shape)
    if options["check_stride"] and _strides(actual) != _strides(expected):
        raise mismatch("stride()", _strides(actual), _strides(expected))
    if options["check_dtype"] and actual.dtype is not expected.dtype:
        raise mismatch("dtype", actual.dtype, expected.dtype)
    if actual.dtype is not expected.dtype:
        common = _dtypes.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)
    matches = isclose(actual.detach(), expected.detach(), rtol=rtol, atol=atol, equal_nan=options["equal_nan"])._data
    if matches.all():
        return
    if actual.dim() == 0:
        raise _Failure(AssertionError, _scalar_message(actual.item(), expected.item(), rtol, atol), path)
    raise _Failure(AssertionError, _tensor_message(actual._data, expected._data, matches, rtol, atol), path)


def _tensor_message(actual: np.ndarray, expected: np.ndarray, matches: np.ndarray, rtol: float, atol: float) -> str:
    """How many elements differ, and the largest absolute and relative differences among them, with where."""
    total, mismatched = matches.size, int(matches.size - matches.sum())
    if actual.dtype.kind not in "fc":  # integers and bools: differences as int64, ratios as float32
        actual, expected = actual.astype(np.int64), expected.astype(np.int64)
    flat_matches = matches.reshape(-1)
    absolute = np.abs(actual.reshape(-1) - expected.reshape(-1))
    absolute[flat_matches] = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if absolute.dtype.kind == "i":
            relative = absolute.astype(np.float32) / np.abs(expected.reshape(-1)).astype(np.float32)
        else:
            relative = absolute / np.abs(expected.reshape(-1))
    relative[flat_matches] = 0
    largest_absolute, largest_relative = int(np.argmax(absolute)), int(np.argmax(relative))

    def index(flat: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(flat, matches.shape))

    return _message("Tensor-likes", f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})",
                    rtol, atol,
                    ("Greatest absolute difference", f"{absolute[largest_absolute].item()} at index "
                                                     f"{index(largest_absolute)}"),
                    ("Greatest relative difference", f"{relative[largest_relative].item()} at index "
                                                     f"{index(largest_relative)}"))


def _strides(value: Tensor) -> tuple[int, ...]:
    data = value._data
    return tuple(stride // data.itemsize for stride in data.strides)


def _type_repr(value: Any) -> str:
    """A type as PyTorch names it: autograd_lab's classes under their torch names."""
    cls = type(value)
    if cls is Tensor:
        return "<class 'torch.Tensor'>"
    if cls.__module__.split(".")[0] == "autograd_lab":
        return f"<class 'torch{cls.__module__[len('autograd_lab'):]}.{cls.__qualname__}'>"
    return repr(cls)
