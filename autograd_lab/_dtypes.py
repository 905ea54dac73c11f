"""PyTorch-style dtypes on top of NumPy dtypes, and PyTorch's type promotion."""
from __future__ import annotations

import numpy as np

from ._class_names import TorchNamed


class dtype(metaclass=TorchNamed):
    """A tensor element type, printed as PyTorch prints it (``torch.float32``)."""

    _torch_path = "torch.dtype"

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "legacy_name", "itemsize")

    def __init__(self, name: str, numpy_dtype: type, legacy_name: str) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = self.numpy.kind == "f"
        self.is_signed = self.numpy.kind in "fi"
        self.legacy_name = legacy_name
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


float16 = half = dtype("float16", np.float16, "HalfTensor")
float32 = float = dtype("float32", np.float32, "FloatTensor")
float64 = double = dtype("float64", np.float64, "DoubleTensor")
uint8 = dtype("uint8", np.uint8, "ByteTensor")
int8 = dtype("int8", np.int8, "CharTensor")
int16 = short = dtype("int16", np.int16, "ShortTensor")
int32 = int = dtype("int32", np.int32, "IntTensor")
int64 = long = dtype("int64", np.int64, "LongTensor")
bool = dtype("bool", np.bool_, "BoolTensor")

ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}


def from_numpy(numpy_dtype: np.dtype) -> dtype:
    """The dtype for a NumPy dtype; raises TypeError for unsupported ones."""
    try:
        return BY_NUMPY[np.dtype(numpy_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(numpy_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


_default = {"dtype": float32}


def from_legacy_name(name: str) -> dtype:
    """The dtype of a legacy type name (``'torch.DoubleTensor'``), as ``Tensor.type`` accepts it."""
    for candidate in ALL_DTYPES:
        if name in (f"torch.{candidate.legacy_name}", candidate.legacy_name):
            return candidate
    raise ValueError(f"invalid type: '{name}'")


def get_default_dtype() -> dtype:
    """The dtype of tensors built from Python floats, and of new floating-point tensors (float32 at first)."""
    return _default["dtype"]


def set_default_dtype(d: dtype) -> None:
    """Make ``d`` (float16, float32 or float64) the dtype of new floating-point tensors."""
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default["dtype"] = d


def _category(d: dtype) -> int:
    if d is bool:
        return 0
    return 2 if d.is_floating_point else 1


def can_cast(from_: dtype, to: dtype) -> bool:
    """``torch.can_cast``: whether type promotion may turn ``from_`` into ``to`` (never float to integer or
    integer to bool; any size within a kind)."""
    return _category(from_) <= _category(to)


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion of two dtypes (``torch.promote_types``)."""
    if a is b:
        return a
    category_a, category_b = _category(a), _category(b)
    if category_a != category_b:
        return a if category_a > category_b else b
    return from_numpy(np.promote_types(a.numpy, b.numpy))


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


_RESULT_CACHE: dict[tuple, dtype] = {}


def result_type(operands: tuple[tuple[dtype, int], ...]) -> dtype:
    """The dtype of an op's result, given (dtype, priority) of each operand.

    Priority is 2 for tensors with dimensions, 1 for 0-d tensors and 0 for Python
    numbers; a lower priority operand only raises the result's category
    (bool < integer < floating point), as in PyTorch.
    """
    cached = _RESULT_CACHE.get(operands)
    if cached is not None:
        return cached
    by_priority: list[dtype | None] = [None, None, None]
    for operand_dtype, priority in operands:
        current = by_priority[priority]
        by_priority[priority] = operand_dtype if current is None else promote_types(current, operand_dtype)
    result = _combine_categories(by_priority[2], _combine_categories(by_priority[1], by_priority[0]))
    assert result is not None
    _RESULT_CACHE[operands] = result
    return result


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def type_name(dtype: dtype) -> str:
    """PyTorch's name for a dtype in error messages (``Float``, ``Long``)."""
    return _SCALAR_NAMES[dtype.name]


def c_type_name(dtype: dtype) -> str:
    """The C++ name PyTorch's lower-level messages use (``float``, ``long int``)."""
    return _C_NAMES[dtype.name]
