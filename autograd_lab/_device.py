"""``torch.device`` on a machine with only a CPU: device objects, the default device, and tensors' device API.

Every tensor lives on the CPU. Code written for GPUs still runs: ``torch.device``
parses and prints like PyTorch's, ``.to(device)`` and ``.cpu()`` return the tensor
itself, and asking for a GPU raises the error a CPU-only PyTorch raises
("Torch not compiled with CUDA enabled").
"""
from __future__ import annotations

import re
from typing import Any

from ._tensor import Tensor, tensor_method

DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
                "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_DEVICE_STRING = re.compile(r"([a-zA-Z_]+)(?::([1-9]\d*|0))?")
_BACKEND_NAMES = {"mps": "MPS", "hip": "HIP", "xla": "XLA", "lazy": "Lazy", "ipu": "IPU", "vulkan": "Vulkan",
                  "ve": "VE", "fpga": "FPGA", "maia": "MAIA", "hpu": "HPU", "mtia": "MTIA",
                  "privateuseone": "PrivateUse1", "mkldnn": "MkldnnCPU", "opengl": "OpenGL", "opencl": "OpenCL",
                  "ideep": "IDEEP"}
NO_ACCELERATOR_MESSAGE = "Cannot access accelerator device when none is available."
NO_CUDA_MESSAGE = "Torch not compiled with CUDA enabled"
_DEVICE_SIGNATURES = " * (torch.device device)\n * (str type, int index = -1)\n"


class device:
    """Where a tensor lives: ``device(type='cpu')``; ``torch.device('cuda:1')`` has ``type`` and ``index``.

    Used as a context manager (``with torch.device('cpu'):``), it is the default
    device of the tensors made inside.
    """

    __slots__ = ("type", "index", "_previous")

    def __init__(self, type: Any = ..., index: Any = None) -> None:  # noqa: A002 - PyTorch's parameter name
        if isinstance(type, device) and index is None:
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool) and index is None:
            raise RuntimeError(NO_ACCELERATOR_MESSAGE)  # an int means "the accelerator with that index"
        elif not isinstance(type, str):
            raise TypeError(_invalid_arguments(type))
        else:
            type, index = _parse(type, index)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        if name != "_previous":
            raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # By a function of this module: the class itself names the module "torch", which a pickle cannot import.
        return device_from_string, (str(self),)

    def __enter__(self) -> "device":
        object.__setattr__(self, "_previous", _default["device"])
        _default["device"] = self
        return self

    def __exit__(self, *exc: Any) -> None:
        _default["device"] = self._previous


device.__module__ = "torch"


def device_from_string(text: str) -> device:
    """``device('cuda:1')``: how a pickled device is rebuilt."""
    return device(text)


def _parse(text: str, index: Any) -> tuple[str, int | None]:
    """``'cuda:1'`` -> ('cuda', 1), with PyTorch's messages for what is not a device."""
    match = _DEVICE_STRING.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    kind, written_index = match.group(1), match.group(2)
    if kind not in DEVICE_TYPES:
        raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: {text}")
    if index is not None:
        if written_index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {text}")
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not {_type_name(index)}")
        if index < 0:
            raise RuntimeError("Device index must not be negative")
        return kind, index
    return kind, None if written_index is None else int(written_index)


def _invalid_arguments(given: Any) -> str:
    """PyTorch's TypeError text for ``torch.device()`` called with nothing (``...``), or with what is no device."""
    head = "device() received an invalid combination of arguments - got "
    if given is ...:
        return f"{head}(), but expected one of:\n{_DEVICE_SIGNATURES}"
    name = _type_name(given)
    return (f"{head}({name}), but expected one of:\n * (torch.device device)\n      didn't match because some of "
            f"the arguments have invalid types: (!{name}!)\n * (str type, int index = -1)\n")


def _type_name(value: Any) -> str:
    return "torch.device" if isinstance(value, device) else type(value).__name__


CPU = device("cpu")
_default: dict[str, device] = {"device": CPU}


def as_device(value: Any) -> device:
    """A ``device`` for a device argument: a device, a string (``'cuda:0'``) or an int (an accelerator index)."""
    if isinstance(value, device):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise RuntimeError("Device index must not be negative")
        raise RuntimeError(NO_ACCELERATOR_MESSAGE)
    return device(value)


def placed(value: Any = None) -> device:
    """Where a new tensor is made: ``value`` (default: the default device), checked to be usable here.

    Only the CPU is: other devices raise what a CPU-only PyTorch raises when it is asked
    to allocate memory there.
    """
    where = _default["device"] if value is None else as_device(value)
    if where.type != "cpu":
        _refuse(where, "aten::empty.memory_format")
    return where


def moved(value: Any) -> device:
    """The device of ``tensor.to(value)``, checked to be usable here (only the CPU is)."""
    where = as_device(value)
    if where.type != "cpu":
        _refuse(where, None)
    return where


def _refuse(where: device, operator: str | None) -> None:
    """PyTorch's error for a device a CPU-only build has no support for."""
    if where.type == "cuda":
        raise AssertionError(NO_CUDA_MESSAGE)
    if where.type == "xpu":
        raise AssertionError("Torch not compiled with XPU enabled")
    if where.type == "meta":
        raise NotImplementedError("autograd_lab has no 'meta' tensors: every tensor lives on the CPU")
    if where.type in ("hpu", "privateuseone"):
        raise ModuleNotFoundError(f"No module named 'torch.{where.type}'")
    if operator is None:
        raise RuntimeError(f"PyTorch is not linked with support for {where.type} devices")
    raise NotImplementedError(
        f"Could not run '{operator}' with arguments from the '{_BACKEND_NAMES[where.type]}' backend. This could be "
        "because the operator doesn't exist for this backend, or was omitted during the selective/custom build "
        "process (if using custom build). If you are a Facebook employee using PyTorch on mobile, please visit "
        "https://fburl.com/ptmfixes for possible resolutions.")


def set_default_device(device: Any) -> None:
    """The device tensors are made on when no ``device=`` is given (None: the CPU).

    As in PyTorch, a GPU can be chosen here; making a tensor then raises.
    """
    _default["device"] = CPU if device is None else as_device(device)


def get_default_device() -> device:
    """The device tensors are made on when no ``device=`` is given."""
    return _default["device"]


# -- what tensors say about their device ------------------------------------------------------------

@tensor_method("device")
@property
def tensor_device(self: Tensor) -> device:
    """The tensor's device: always the CPU."""
    return CPU


@tensor_method("is_cuda")
@property
def is_cuda(self: Tensor) -> bool:
    """False: no tensor lives on a GPU."""
    return False


@tensor_method("is_cpu")
@property
def is_cpu(self: Tensor) -> bool:
    """True: every tensor lives on the CPU."""
    return True


@tensor_method("is_mps")
@property
def is_mps(self: Tensor) -> bool:
    """False: no tensor lives on Apple's GPU."""
    return False


@tensor_method("is_meta")
@property
def is_meta(self: Tensor) -> bool:
    """False: every tensor holds data."""
    return False


@tensor_method
def get_device(self: Tensor) -> int:
    """-1, PyTorch's answer for a tensor on the CPU."""
    return -1


@tensor_method
def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor itself: it already is on the CPU."""
    return self


@tensor_method
def cuda(self: Tensor, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
    """Raises as a CPU-only PyTorch does: there is no GPU here."""
    if device is not None:
        as_device(device)
    raise AssertionError(NO_CUDA_MESSAGE)


# -- the arguments of Tensor.to and Module.to -------------------------------------------------------

_TO_SIGNATURES = (
    " * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n"
    " * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n"
    " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, torch.memory_format memory_format = None)\n")
_TO_KEYWORDS = ("device", "dtype", "non_blocking", "copy", "memory_format", "tensor")


def parse_to(args: tuple, kwargs: dict[str, Any]) -> tuple[device | None, Any, bool]:
    """(device, dtype, copy) from ``to``'s arguments, read by PyTorch's three signatures.

    ``to(device=None, dtype=None, non_blocking=False, copy=False)``, ``to(dtype, non_blocking=False,
    copy=False)`` and ``to(tensor, non_blocking=False, copy=False)``; anything else raises
    PyTorch's TypeError listing them. The device is checked to be usable (the CPU).
    """
    from ._dtypes import dtype as dtype_class

    def fail() -> TypeError:
        given = [_argument_name(a) for a in args] + [f"{k}={_argument_name(v)}" for k, v in kwargs.items()]
        got = ", ".join(given[:len(args)]) + (", " if args and kwargs else "") + "".join(
            f"{text}, " for text in given[len(args):])
        return TypeError(f"to() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                         f"{_TO_SIGNATURES}")

    if any(key not in _TO_KEYWORDS for key in kwargs):
        raise fail()
    first = args[0] if args else None
    if isinstance(first, dtype_class):
        names = ("dtype", "non_blocking", "copy")
    elif isinstance(first, Tensor) or "tensor" in kwargs:
        names = ("tensor", "non_blocking", "copy")
    else:
        names = ("device", "dtype", "non_blocking", "copy")
    if len(args) > len(names) or any(name in kwargs for name in names[:len(args)]):
        raise fail()
    values = dict(zip(names, args), **kwargs)
    where, dtype, tensor = values.get("device"), values.get("dtype"), values.get("tensor")
    if where is not None and not isinstance(where, (device, str, int)) or isinstance(where, bool):
        raise fail()
    if dtype is not None and not isinstance(dtype, dtype_class) or tensor is not None and not isinstance(tensor,
                                                                                                        Tensor):
        raise fail()
    if any(not isinstance(values.get(flag, False), bool) for flag in ("non_blocking", "copy")):
        raise fail()
    if tensor is not None:
        dtype = tensor.dtype
    return (None if where is None else moved(where)), dtype, values.get("copy", False)


def _argument_name(value: Any) -> str:
    from ._dtypes import dtype as dtype_class

    if isinstance(value, dtype_class):
        return "torch.dtype"
    if isinstance(value, device):
        return "torch.device"
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__
