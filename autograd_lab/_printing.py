"""Tensor formatting that reproduces PyTorch's ``repr(tensor)`` character for character.

The rules follow PyTorch 2.x (``torch/_tensor_str.py``):

* One formatter is shared by every element of a tensor. It picks a notation
  (integer-valued, fixed-point or scientific) and a common width, looking only
  at the elements that will actually be shown.
* Floats switch to scientific notation when the nonzero finite magnitudes span
  more than a factor of 1000, exceed 1e8, or go below 1e-4.
* Tensors with more than ``threshold`` elements are summarised with ``...``,
  keeping ``edgeitems`` entries at both ends of every dimension.
* Rows wrap at ``linewidth`` and nested brackets are indented to line up under
  the opening bracket after ``tensor(``.

This module depends on NumPy only, so it can be used (and tested) on its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._dtypes import get_default_dtype

__all__ = [
    "PRINT_OPTS",
    "PrintOptions",
    "format_tensor",
    "get_printoptions",
    "printoptions",
    "set_printoptions",
]

_PREFIX = "tensor("
# dtypes whose name is left out of a non-empty tensor's repr
_IMPLICIT_DTYPES = frozenset({"int64", "bool"})  # and the default float dtype
_FLOAT_DTYPES = frozenset({"float16", "float32", "float64"})
_OTHER_DTYPES = frozenset({"int64", "int32", "int16", "int8", "uint8", "bool"})
_SUPPORTED_DTYPES = _FLOAT_DTYPES | _OTHER_DTYPES


@dataclasses.dataclass
class PrintOptions:
    """Global print settings, the same fields and defaults as ``torch``'s."""

    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = PrintOptions()

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Change the global print options, exactly like ``torch.set_printoptions``.

    A ``profile`` ("default", "short" or "full") is applied first and the other
    arguments override it. As in PyTorch, ``sci_mode`` is always assigned, so
    a call that omits it switches back to automatic notation.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as keyword arguments for ``set_printoptions``."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change the print options inside a ``with`` block."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _ElementFormatter:
    """Turns single elements into equal-width strings in one shared notation."""

    def __init__(self, shown: np.ndarray, is_float: bool) -> None:
        """Choose the notation and width from ``shown``, the elements on display."""
        self.is_float = is_float
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if is_float:
            self._fit_floats(shown)
        else:
            self.width = max([1] + [len(str(value)) for value in shown.tolist()])

    def _fit_floats(self, shown: np.ndarray) -> None:
        """Pick int/sci mode and width from the nonzero finite floats only."""
        candidates = shown[np.isfinite(shown) & (shown != 0)]
        if candidates.size == 0:
            return
        magnitudes = np.abs(candidates).astype(np.float64)
        largest, smallest = float(magnitudes.max()), float(magnitudes.min())
        self.int_mode = bool(np.all(candidates == np.ceil(candidates)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        values = candidates.tolist()
        if self.sci_mode:
            texts = [f"{v:.{PRINT_OPTS.precision}e}" for v in values]
        elif self.int_mode:
            # one extra column for the trailing "." that marks a float
            texts = [f"{v:.0f}." for v in values]
        else:
            texts = [f"{v:.{PRINT_OPTS.precision}f}" for v in values]
        self.width = max(len(text) for text in texts)

    def format(self, value: float | int | bool) -> str:
        """Format one Python scalar, right-aligned to the shared width."""
        if not self.is_float:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.width)


def _edge_positions(length: int, summarize: bool) -> list[int | None]:
    """Indices shown along one dimension; ``None`` marks the ``...`` gap."""
    edge = PRINT_OPTS.edgeitems
    if summarize and length > 2 * edge:
        return list(range(edge)) + [None] + list(range(length - edge, length))
    return list(range(length))


def _shown_elements(values: np.ndarray, summarize: bool) -> np.ndarray:
    """The elements that will be printed, which alone decide the formatting."""
    if not summarize:
        return values.reshape(-1)
    axes = [
        [i for i in _edge_positions(length, summarize) if i is not None]
        for length in values.shape
    ]
    return values[np.ix_(*axes)].reshape(-1)


def _vector_str(
    values: np.ndarray, indent: int, summarize: bool, formatter: _ElementFormatter
) -> str:
    """Render a 1-d array, wrapping so each line fits in ``linewidth``."""
    per_line = max(1, (PRINT_OPTS.linewidth - indent) // (formatter.width + 2))
    # PyTorch pads this gap marker with a space unless every element is hidden
    gap = " ..." if PRINT_OPTS.edgeitems else "..."
    elements = [
        gap if i is None else formatter.format(values[i].item())
        for i in _edge_positions(len(values), summarize)
    ]
    lines = [", ".join(elements[i : i + per_line]) for i in range(0, len(elements), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(
    values: np.ndarray, indent: int, summarize: bool, formatter: _ElementFormatter
) -> str:
    """Render an array of any rank; each extra level is indented one more column."""
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, formatter)
    parts = [
        "..." if i is None else _nested_str(values[i], indent + 1, summarize, formatter)
        for i in _edge_positions(values.shape[0], summarize)
    ]
    # blank lines between blocks grow with rank: one for 3-d, two for 4-d, ...
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(parts) + "]"


def _body_str(values: np.ndarray, dtype_name: str, indent: int) -> str:
    """Render the bracketed contents that follow ``tensor(``."""
    if values.size == 0:
        return "[]"
    summarize = values.size > PRINT_OPTS.threshold
    formatter = _ElementFormatter(
        _shown_elements(values, summarize), is_float=dtype_name in _FLOAT_DTYPES
    )
    return _nested_str(values, indent, summarize, formatter)


def _suffixes(
    values: np.ndarray, dtype_name: str, requires_grad: bool, grad_fn_name: str | None
) -> list[str]:
    """The ``key=value`` annotations printed after the contents, in order."""
    suffixes = []
    size = f"size={tuple(values.shape)}"
    dtype = f"dtype=torch.{dtype_name}"
    if values.size == 0:
        # an empty tensor has no elements to hint at an int dtype, so only
        # the default float dtype goes unnamed
        if values.ndim != 1:
            suffixes.append(size)
        if dtype_name != get_default_dtype().name:
            suffixes.append(dtype)
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(size)
        if dtype_name not in _IMPLICIT_DTYPES and dtype_name != get_default_dtype().name:
            suffixes.append(dtype)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return suffixes


def _append_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Join suffixes after ``text``, moving one to a new line when it would overflow."""
    # PyTorch's line-length estimate counts two more characters than the last line holds
    line_length = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(pieces) + ")"


def format_tensor(
    values: np.ndarray,
    dtype_name: str,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
) -> str:
    """Return the string PyTorch's ``repr`` gives for a tensor with these contents.

    ``values`` holds the data with a matching NumPy dtype, ``dtype_name`` is the
    torch dtype without the ``torch.`` prefix (e.g. ``"float32"``), and
    ``grad_fn_name`` (e.g. ``"MulBackward0"``) wins over ``requires_grad``.
    """
    if dtype_name not in _SUPPORTED_DTYPES:
        raise ValueError(f"cannot format a tensor of dtype {dtype_name!r}")
    values = np.asarray(values, dtype=np.dtype(dtype_name))
    indent = len(_PREFIX)
    body = _body_str(values, dtype_name, indent)
    suffixes = _suffixes(values, dtype_name, requires_grad, grad_fn_name)
    return _append_suffixes(_PREFIX + body, suffixes, indent)
