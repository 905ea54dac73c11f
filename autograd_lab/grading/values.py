"""Turn student objects into plain data (numbers, strings, lists, NumPy arrays) and back.

Plain data is the only thing that crosses from the grading child to the grader: it is
encoded as JSON with arrays as base64 bytes, and decoding never runs code or unpickles.
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_ELEMENTS = 1_000_000
MAX_DEPTH = 8
_ARRAY_KINDS = "biufc"


@dataclass(frozen=True)
class Opaque:
    """A value that has no plain form; only its type name and a short repr are kept."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


@dataclass(frozen=True)
class EvalError:
    """An answer expression that raised instead of giving a value."""

    message: str

    def __repr__(self) -> str:
        return f"<error: {self.message}>"


def _short_repr(obj: Any, limit: int = 120) -> str:
    try:
        text = repr(obj)
    except Exception as exc:  # noqa: BLE001 - a student's __repr__ may do anything
        text = f"<repr failed: {type(exc).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_tensor_like(obj: Any) -> bool:
    return hasattr(obj, "detach") and hasattr(obj, "numpy") and hasattr(obj, "shape")


def _array(obj: Any) -> Any:
    arr = np.array(obj, copy=True)
    if arr.dtype.kind == "U" and arr.ndim == 0:
        return str(arr.item())
    if arr.dtype.kind in _ARRAY_KINDS:
        if arr.size > MAX_ELEMENTS:
            return Opaque("ndarray", f"too large ({arr.size} elements)")
        return arr
    if arr.dtype.kind == "O":
        if arr.size > 10_000:
            return Opaque("ndarray", f"object array too large ({arr.size} elements)")
        return [to_plain(v) for v in arr.tolist()] if arr.ndim else to_plain(arr.item())
    return Opaque("ndarray", f"unsupported dtype {arr.dtype}")


def to_plain(obj: Any, _depth: int = 0) -> Any:
    """Convert an arbitrary object to plain data; never raises."""
    try:
        return _to_plain(obj, _depth)
    except Exception as exc:  # noqa: BLE001
        return Opaque(type(obj).__name__, f"conversion failed: {type(exc).__name__}: {exc}"[:200])


def _to_plain(obj: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return Opaque(type(obj).__name__, "nested too deeply")
    if obj is None or type(obj) in (bool, int, float, str, complex, Opaque, EvalError):
        return obj
    if isinstance(obj, (np.generic, np.ndarray)):
        return _array(obj)
    for kind in (int, float, complex, str):
        if isinstance(obj, kind):
            return kind(obj)
    if isinstance(obj, np.dtype):
        return str(obj)
    if _is_tensor_like(obj):
        return _array(obj.detach().numpy())
    if isinstance(obj, tuple):
        return tuple(_to_plain(v, depth + 1) for v in obj[:10_000])
    if isinstance(obj, list):
        return [_to_plain(v, depth + 1) for v in obj[:10_000]]
    if isinstance(obj, dict):
        return {str(k): _to_plain(v, depth + 1) for k, v in list(obj.items())[:1000]}
    if isinstance(obj, (set, frozenset)):
        return sorted((_to_plain(v, depth + 1) for v in obj), key=repr)
    if type(obj).__name__ == "dtype" or type(obj).__module__.endswith("_dtypes"):
        return str(obj)
    if hasattr(obj, "tolist"):
        return _to_plain(obj.tolist(), depth + 1)
    return Opaque(type(obj).__name__, _short_repr(obj))


def _encode(obj: Any) -> Any:
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"__float__": repr(obj)}
    if isinstance(obj, complex):
        return {"__complex__": [obj.real, obj.imag]}
    if isinstance(obj, np.ndarray):
        return {
            "__nd__": base64.b64encode(obj.tobytes(order="C")).decode("ascii"),
            "dtype": obj.dtype.str,
            "shape": list(obj.shape),
        }
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v) for v in obj]
    if isinstance(obj, dict):
        return {"__dict__": [[k, _encode(v)] for k, v in obj.items()]}
    if isinstance(obj, Opaque):
        return {"__opaque__": [obj.type_name, obj.text]}
    if isinstance(obj, EvalError):
        return {"__error__": obj.message}
    return {"__opaque__": [type(obj).__name__, _short_repr(obj)]}


def encode(obj: Any) -> str:
    """Encode plain data as a JSON string."""
    return json.dumps(_encode(obj), allow_nan=False)


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__nd__" in obj:
        dtype = np.dtype(str(obj["dtype"]))
        if dtype.kind not in _ARRAY_KINDS:
            raise ValueError(f"refusing dtype {dtype}")
        shape = tuple(int(n) for n in obj["shape"])
        raw = base64.b64decode(obj["__nd__"])
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__complex__" in obj:
        re_, im = obj["__complex__"]
        return complex(float(re_), float(im))
    if "__tuple__" in obj:
        return tuple(_decode(v) for v in obj["__tuple__"])
    if "__dict__" in obj:
        return {str(k): _decode(v) for k, v in obj["__dict__"]}
    if "__opaque__" in obj:
        name, text = obj["__opaque__"]
        return Opaque(str(name), str(text))
    if "__error__" in obj:
        return EvalError(str(obj["__error__"]))
    raise ValueError("unknown encoded object")


def decode(text: str) -> Any:
    """Decode a JSON string made by :func:`encode`; only data, never code."""
    return _decode(json.loads(text))
