"""Compare a student's plain value with an expected one: shape, dtype, and error within tolerances."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .values import EvalError, Opaque, to_plain

_NUMERIC_KINDS = "biufc"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison with a one-line explanation."""

    ok: bool
    message: str = ""


def describe(value: Any, limit: int = 160) -> str:
    """A short human description of a plain value (for feedback, never for comparing)."""
    if isinstance(value, np.generic):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            text = np.array2string(value, precision=6)
            return text if value.dtype.kind != "b" else str(bool(value))
        body = np.array2string(value, precision=4, threshold=24, edgeitems=3, separator=", ")
        text = f"array{body if len(body) < limit else body[:limit] + '...'} (shape {value.shape}, {value.dtype})"
        return " ".join(text.split())
    if isinstance(value, (list, tuple)) and len(value) > 8:
        inner = ", ".join(describe(v, 40) for v in value[:8])
        return f"[{inner}, ...] ({len(value)} items)"
    if isinstance(value, list):
        return "[" + ", ".join(describe(v, 60) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v, 60) for v in value) + ("," if len(value) == 1 else "") + ")"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_CHOICE_WRAPPING = " \t\n()[]{}.,:;'\"*"


def choice_letter(text: str) -> str:
    """A multiple-choice answer as its letter: ``(b)``, ``b)``, ``b.`` and ``**b**`` are ``b``."""
    return text.strip(_CHOICE_WRAPPING)


def _kind_name(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.ndim else "a number"
    if isinstance(value, Opaque):
        return f"a {value.type_name}"
    return f"a {type(value).__name__}"


def _numeric(value: Any) -> np.ndarray | None:
    if isinstance(value, (str, dict, Opaque, EvalError)) or value is None:
        return None
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):
        return None
    return arr if arr.dtype.kind in _NUMERIC_KINDS else None


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "b" and value.size == 1
    )


def compare(
    got: Any,
    expected: Any,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    dtype: str | None = None,
    casefold: bool = True,
) -> Verdict:
    """Compare plain ``got`` with ``expected`` (both plain data, or tensors/arrays that convert)."""
    got, expected = to_plain(got), to_plain(expected)
    if isinstance(got, EvalError):
        return Verdict(False, f"raised {got.message}")
    if expected is None:
        return Verdict(got is None, "" if got is None else f"expected None, got {_kind_name(got)}")
    if got is None:
        return Verdict(False, "the answer is None")
    if isinstance(expected, bool):
        if not _is_bool(got):
            return Verdict(False, f"expected a bool ({expected}), got {_kind_name(got)}")
        value = bool(np.asarray(got).reshape(()))
        return Verdict(value == expected, "" if value == expected else f"expected {expected}, got {value}")
    if isinstance(expected, str):
        if not isinstance(got, str):
            return Verdict(False, f"expected a string, got {_kind_name(got)}")
        a, b = got.strip(), expected.strip()
        if casefold:
            a, b = a.casefold(), b.casefold()
        if len(b) == 1 and b.isalpha():
            a = choice_letter(a)
        return Verdict(a == b, "" if a == b else f"expected {expected!r}, got {got!r}")
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return Verdict(False, f"expected a dict, got {_kind_name(got)}")
        if set(got) != set(expected):
            return Verdict(False, f"expected keys {sorted(expected)}, got {sorted(got)}")
        for key in expected:
            verdict = compare(got[key], expected[key], rtol=rtol, atol=atol, dtype=dtype, casefold=casefold)
            if not verdict.ok:
                return Verdict(False, f"[{key!r}]: {verdict.message}")
        return Verdict(True)
    exp_arr = _numeric(expected)
    if exp_arr is None:
        return _compare_items(got, expected, rtol=rtol, atol=atol, dtype=dtype, casefold=casefold)
    got_arr = _numeric(got)
    if got_arr is None:
        return Verdict(False, f"expected a number or array, got {_kind_name(got)}")
    return _compare_arrays(got_arr, exp_arr, rtol=rtol, atol=atol, dtype=dtype)


def _compare_items(got: Any, expected: Any, **kw: Any) -> Verdict:
    if not isinstance(expected, (list, tuple)):
        return Verdict(False, f"cannot compare with expected {describe(expected)}")
    if not isinstance(got, (list, tuple)):
        return Verdict(False, f"expected a sequence of {len(expected)} items, got {_kind_name(got)}")
    if len(got) != len(expected):
        return Verdict(False, f"expected {len(expected)} items, got {len(got)}")
    for i, (g, e) in enumerate(zip(got, expected)):
        verdict = compare(g, e, **kw)
        if not verdict.ok:
            return Verdict(False, f"item {i}: {verdict.message}")
    return Verdict(True)


def _compare_arrays(got: np.ndarray, exp: np.ndarray, *, rtol: float, atol: float, dtype: str | None) -> Verdict:
    if got.shape != exp.shape:
        return Verdict(False, f"expected shape {exp.shape}, got shape {got.shape}")
    if dtype is not None and got.dtype != np.dtype(dtype):
        return Verdict(False, f"expected dtype {np.dtype(dtype)}, got {got.dtype}")
    g = got.astype(np.complex128 if "c" in (got.dtype.kind + exp.dtype.kind) else np.float64)
    e = exp.astype(g.dtype)
    nan_g, nan_e = np.isnan(g), np.isnan(e)
    if np.any(nan_g != nan_e):
        return Verdict(False, "NaN where a number was expected" if np.any(nan_g & ~nan_e) else "expected NaN")
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.where(nan_e | (g == e), 0.0, np.abs(g - e))
        bad = diff > atol + rtol * np.abs(e)
    if not np.any(bad):
        return Verdict(True)
    worst = np.unravel_index(int(np.argmax(np.where(bad, diff, -1.0))), exp.shape) if exp.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if exp.ndim else ""
    return Verdict(
        False,
        f"max abs error {float(np.max(diff)):.4g}{where} "
        f"(got {describe(g[worst].real if g.dtype.kind != 'c' else g[worst])}, "
        f"expected {describe(e[worst].real if e.dtype.kind != 'c' else e[worst])}; "
        f"{int(np.sum(bad))}/{bad.size} outside tolerance)",
    )


def within(got: Any, *, below: float | None = None, above: float | None = None) -> Verdict:
    """Check that a scalar lies strictly below ``below`` and strictly above ``above``."""
    got = to_plain(got)
    if isinstance(got, EvalError):
        return Verdict(False, f"raised {got.message}")
    arr = _numeric(got)
    if arr is None or arr.size != 1 or arr.dtype.kind == "c":
        return Verdict(False, f"expected a real number, got {_kind_name(got)}")
    value = float(arr.reshape(()))
    if np.isnan(value):
        return Verdict(False, "got NaN")
    if below is not None and not value < below:
        return Verdict(False, f"got {value:.6g}, which is not below {below:g}")
    if above is not None and not value > above:
        return Verdict(False, f"got {value:.6g}, which is not above {above:g}")
    return Verdict(True)
