"""Turn answers into plain data (None, bool, int, float, complex, str, lists, tuples, dicts, NumPy arrays)
and encode them for the trip from the grading child to the grader.

Conversion never calls code that a notebook can define: values of subclasses are read through the
base type's own C-level accessors (``float.__float__`` of a float subclass gives the stored double,
whatever the subclass's ``__eq__``, ``__float__`` or ``__repr__`` say), containers are walked through
the base type's iterators, tensors through the library's methods, arrays through NumPy buffers.
Anything else becomes :class:`Opaque` with only its class name. Sizes are bounded, so a huge or
unencodable answer fails its own check quickly. Decoding never runs code or unpickles.
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._dtypes import dtype as _LabDtype
from .._tensor import Tensor

MAX_ARRAY_ELEMENTS = 1_000_000
MAX_ITEMS = 200_000
MAX_STR_CHARS = 100_000
MAX_DEPTH = 32
MAX_INT_BITS = 1024
MAX_MESSAGE_BYTES = 64 * 1024**2
_ARRAY_KINDS = "biufc"

# Base-type accessors taken once, at import: they read the stored value of any instance of the type.
_INT_VALUE = int.__int__
_FLOAT_VALUE = float.__float__
_STR_VALUE = str.__str__
_COMPLEX_REAL = complex.__dict__["real"].__get__
_COMPLEX_IMAG = complex.__dict__["imag"].__get__
_LIST_ITER, _LIST_LEN = list.__iter__, list.__len__
_TUPLE_ITER, _TUPLE_LEN = tuple.__iter__, tuple.__len__
_DICT_ITEMS, _DICT_LEN = dict.items, dict.__len__
_SET_ITER, _SET_LEN = set.__iter__, set.__len__
_FROZENSET_ITER, _FROZENSET_LEN = frozenset.__iter__, frozenset.__len__
_QUALNAME = type.__dict__["__qualname__"].__get__
_MRO = type.__dict__["__mro__"].__get__
_SET_CLASS = object.__dict__["__class__"].__set__
_LAB_DTYPE_REPR = _LabDtype.__repr__
_NP_DTYPE_STR = np.dtype.__str__
_TENSOR_DETACH, _TENSOR_NUMPY = Tensor.detach, Tensor.numpy
_VIEW_TYPES = (type({}.keys()), type({}.values()), type({}.items()), range)


@dataclass(frozen=True)
class Opaque:
    """A value that has no plain form; only its type name and a short note are kept."""

    type_name: str
    text: str = ""

    def __repr__(self) -> str:
        return f"<{self.type_name}{': ' + self.text if self.text else ''}>"


@dataclass(frozen=True)
class EvalError:
    """An answer expression that raised instead of giving a value."""

    message: str

    def __repr__(self) -> str:
        return f"<error: {self.message}>"


def type_name(obj: Any) -> str:
    """The qualified class name of ``obj``, read without running any of its code."""
    try:
        return str(_QUALNAME(type(obj)))
    except Exception:  # noqa: BLE001
        return "object"


def _subclass_of(cls: type, base: type) -> bool:
    return base in _MRO(cls)


class _Reader:
    """One conversion, with its element budget."""

    def __init__(self) -> None:
        self.items_left = MAX_ITEMS

    def take(self, n: int) -> bool:
        self.items_left -= n
        return self.items_left >= 0

    def plain(self, obj: Any, depth: int = 0) -> Any:
        cls = type(obj)
        if obj is None or cls is bool or cls is Opaque or cls is EvalError:
            return obj
        if depth > MAX_DEPTH:
            return Opaque(type_name(obj), "nested too deeply")
        if cls is int or cls is float or cls is complex or cls is str:
            return self._scalar(obj, cls)
        mro = _MRO(cls)
        if np.ndarray in mro or np.generic in mro:
            return self._array(obj, depth)
        if Tensor in mro:
            return self._tensor(obj, depth)
        if _LabDtype in mro:
            return str(_LAB_DTYPE_REPR(obj))
        if np.dtype in mro:
            return str(_NP_DTYPE_STR(obj))
        for base, value in ((int, _INT_VALUE), (float, _FLOAT_VALUE), (str, _STR_VALUE)):
            if base in mro:
                return self._scalar(value(obj), base)
        if complex in mro:
            return complex(_COMPLEX_REAL(obj), _COMPLEX_IMAG(obj))
        if list in mro:
            return self._sequence(obj, _LIST_LEN, _LIST_ITER, depth)
        if tuple in mro:
            return tuple(self._sequence(obj, _TUPLE_LEN, _TUPLE_ITER, depth))
        if dict in mro:
            return self._dict(obj, depth)
        if set in mro or frozenset in mro:
            length, items = (_SET_LEN, _SET_ITER) if set in mro else (_FROZENSET_LEN, _FROZENSET_ITER)
            values = self._sequence(obj, length, items, depth)
            return values if isinstance(values, Opaque) else sorted(values, key=repr)
        if cls in _VIEW_TYPES:
            size = len(obj)
            if not self.take(size):
                return Opaque(type_name(obj), f"too large ({size} items)")
            return [self.plain(v, depth + 1) for v in obj]
        return Opaque(type_name(obj))

    def _scalar(self, value: Any, cls: type) -> Any:
        if cls is str and len(value) > MAX_STR_CHARS:
            return Opaque("str", f"too long ({len(value)} characters)")
        if cls is int and value.bit_length() > MAX_INT_BITS:
            return Opaque("int", f"too large ({value.bit_length()} bits)")
        return value

    def _sequence(self, obj: Any, length: Any, items: Any, depth: int) -> Any:
        size = length(obj)
        if not self.take(size):
            return Opaque(type_name(obj), f"too large ({size} items)")
        out = []
        for value in items(obj):
            sub = type(value)
            if (sub is list or sub is tuple) and not self._room_for(value, sub):
                return Opaque(type_name(obj), "too large")
            out.append(self.plain(value, depth + 1))
            if self.items_left < 0:
                return Opaque(type_name(obj), "too large")
        return out

    def _room_for(self, first: Any, cls: type) -> bool:
        """A cheap estimate for rectangular nested lists: refuse early instead of walking millions."""
        length = _LIST_LEN(first) if cls is list else _TUPLE_LEN(first)
        return length <= self.items_left

    def _dict(self, obj: Any, depth: int) -> Any:
        size = _DICT_LEN(obj)
        if not self.take(size):
            return Opaque(type_name(obj), f"too large ({size} items)")
        out: dict[str, Any] = {}
        for key, value in _DICT_ITEMS(obj):
            plain_key = self.plain(key, depth + 1)
            out[plain_key if type(plain_key) is str else repr(plain_key)] = self.plain(value, depth + 1)
        return out

    def _array(self, obj: Any, depth: int) -> Any:
        arr = np.asarray(obj)
        if arr.dtype.kind == "U" and arr.ndim == 0:
            return self._scalar(str(arr.item()), str)
        if arr.size > MAX_ARRAY_ELEMENTS:
            return Opaque("ndarray", f"too large ({arr.size} elements)")
        if arr.dtype.kind in _ARRAY_KINDS:
            return np.array(arr, copy=True, order="C")
        if arr.dtype.kind == "O":
            if not self.take(arr.size):
                return Opaque("ndarray", f"object array too large ({arr.size} elements)")
            items = [self.plain(v, depth + 1) for v in arr.reshape(-1)]
            return _nest(items, arr.shape) if arr.ndim else items[0]
        return Opaque("ndarray", f"unsupported dtype {arr.dtype}")

    def _tensor(self, obj: Any, depth: int) -> Any:
        return self._array(_TENSOR_NUMPY(_TENSOR_DETACH(as_library_tensor(obj))), depth)


_trusted_tensor_classes: frozenset[type] = frozenset()


def _tensor_classes_now() -> frozenset[type]:
    found, todo = {Tensor}, [Tensor]
    while todo:
        for sub in type.__subclasses__(todo.pop()):
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return frozenset(found)


def trust_current_tensor_classes() -> None:
    """Treat the Tensor classes that exist now as the library's; later subclasses are read as these.

    The grading child calls this before any notebook code runs. In a notebook it is never called,
    and tensors are read as they are.
    """
    global _trusted_tensor_classes
    _trusted_tensor_classes = _tensor_classes_now()


def as_library_tensor(obj: Any) -> Any:
    """``obj`` itself, or, for an instance of a Tensor subclass defined after
    :func:`trust_current_tensor_classes`, the same object switched to the nearest library class, so
    that no property or method the subclass overrides (``is_leaf``, ``grad``, ``numpy``...) is used.
    Raises TypeError when the object's layout does not allow the switch.
    """
    trusted = _trusted_tensor_classes
    cls = type(obj)
    if not trusted or cls in trusted:
        return obj
    base = next(c for c in _MRO(cls) if c in trusted)
    _SET_CLASS(obj, base)
    return obj


def _nest(flat: list[Any], shape: tuple[int, ...]) -> list[Any]:
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def to_plain(obj: Any) -> Any:
    """Convert an arbitrary object to plain data; never raises."""
    try:
        return _Reader().plain(obj)
    except Exception as exc:  # noqa: BLE001 - a library accessor may still fail on a strange object
        return Opaque(type_name(obj), f"conversion failed: {type(exc).__name__}")
    except RecursionError:
        return Opaque(type_name(obj), "nested too deeply")


# -- encoding ---------------------------------------------------------------------------------------


def _encode_float(value: float) -> Any:
    return value if math.isfinite(value) else {"__float__": repr(value)}


def _encode(obj: Any) -> Any:
    cls = type(obj)
    if obj is None or cls is bool or cls is int or cls is str:
        return obj
    if cls is float:
        return _encode_float(obj)
    if cls is complex:
        return {"__complex__": [_encode_float(obj.real), _encode_float(obj.imag)]}
    if cls is np.ndarray:
        return {
            "__nd__": base64.b64encode(np.ascontiguousarray(obj).tobytes()).decode("ascii"),
            "dtype": obj.dtype.str,
            "shape": list(obj.shape),
        }
    if cls is tuple:
        return {"__tuple__": [_encode(v) for v in obj]}
    if cls is list:
        return [_encode(v) for v in obj]
    if cls is dict:
        return {"__dict__": [[k, _encode(v)] for k, v in obj.items()]}
    if cls is Opaque:
        return {"__opaque__": [obj.type_name, obj.text]}
    if cls is EvalError:
        return {"__error__": obj.message}
    return {"__opaque__": [type_name(obj), "not plain data"]}


def encode(obj: Any) -> str:
    """Encode plain data as one line of JSON; an answer that cannot be encoded becomes an error."""
    try:
        text = json.dumps(_encode(obj), allow_nan=False)
    except (ValueError, TypeError, RecursionError) as exc:
        text = json.dumps(_encode(EvalError(f"the answer cannot be sent: {type(exc).__name__}")))
    if len(text) > MAX_MESSAGE_BYTES:
        text = json.dumps(_encode(EvalError(f"the answer is too large to send ({len(text)} bytes)")))
    return text


def _decode(obj: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH + 4:
        raise ValueError("nested too deeply")
    if isinstance(obj, list):
        return [_decode(v, depth + 1) for v in obj]
    if not isinstance(obj, dict):
        if isinstance(obj, float) and not math.isfinite(obj):
            raise ValueError("bare non-finite float")
        return obj
    if "__nd__" in obj:
        dtype = np.dtype(str(obj["dtype"]))
        if dtype.kind not in _ARRAY_KINDS or dtype.hasobject:
            raise ValueError(f"refusing dtype {dtype}")
        shape = tuple(int(n) for n in obj["shape"])
        if any(n < 0 for n in shape) or len(shape) > 32:
            raise ValueError("bad shape")
        raw = base64.b64decode(obj["__nd__"], validate=True)
        if len(raw) != math.prod(shape) * dtype.itemsize:
            raise ValueError("array size does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "__float__" in obj:
        text = str(obj["__float__"])
        if text not in ("nan", "inf", "-inf"):
            raise ValueError("bad float")
        return float(text)
    if "__complex__" in obj:
        re_, im = (_decode(v, depth + 1) for v in obj["__complex__"])
        return complex(float(re_), float(im))
    if "__tuple__" in obj:
        return tuple(_decode(v, depth + 1) for v in obj["__tuple__"])
    if "__dict__" in obj:
        return {str(k): _decode(v, depth + 1) for k, v in obj["__dict__"]}
    if "__opaque__" in obj:
        name, text = obj["__opaque__"]
        return Opaque(str(name)[:200], str(text)[:300])
    if "__error__" in obj:
        return EvalError(str(obj["__error__"])[:2000])
    raise ValueError("unknown encoded object")


def decode_value(data: Any) -> Any:
    """Decode a value already parsed from JSON (as made by :func:`encode`); only data, never code."""
    return _decode(data)


def decode(text: str) -> Any:
    """Decode a JSON string made by :func:`encode`."""
    return _decode(json.loads(text))
