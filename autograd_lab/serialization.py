"""``torch.save`` and ``torch.load``: checkpoints as pickles, with PyTorch's ``weights_only`` guard.

A tensor is written as its data (the whole array it views, so tensors that share
memory still share it after loading), its offset, shape and strides, and whether it
requires grad; ``.grad`` and ``grad_fn`` are not saved, as in PyTorch. The file is a
plain pickle, not PyTorch's zip format: files written by one library do not load
in the other.

``load`` refuses by default (``weights_only=True``, PyTorch's default since 2.6)
any global beyond tensors, parameters, containers and numbers, with PyTorch's
message; whole pickled models need ``weights_only=False``.
"""
from __future__ import annotations

import os
import pickle
from typing import IO, Any, Union


from ._device import device_from_string
from ._size import Size
from ._tensor import Tensor, _rebuild_tensor
from ._torch_alias import LIBRARY, alias_name
from .nn.parameter import Parameter

__all__ = ["add_safe_globals", "get_safe_globals", "load", "save"]

FileLike = Union[str, os.PathLike, IO[bytes]]

_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
_SAFE_BUILTINS = {"set", "frozenset", "slice", "complex", "bytearray", "range"}
_SAFE_NUMPY = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
               ("numpy._core.multiarray", "_reconstruct"), ("_codecs", "encode")}
_SAFE_LIBRARY = {(Size.__module__, Size.__qualname__), (device_from_string.__module__, device_from_string.__name__),
                 (Tensor.__module__, Tensor.__qualname__), (_rebuild_tensor.__module__, _rebuild_tensor.__name__),
                 (Parameter.__module__, Parameter.__qualname__)}
_user_safe_globals: list[Any] = []


def save(obj: Any, f: FileLike, pickle_module: Any = pickle, pickle_protocol: int = 2) -> None:
    """Write ``obj`` (a state_dict, a checkpoint dict, a tensor, a whole model) to a path or binary file."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as file:
            pickle_module.dump(obj, file, protocol=pickle_protocol)
    else:
        pickle_module.dump(obj, f, protocol=pickle_protocol)


def _unsupported_global(module: str, name: str) -> pickle.UnpicklingError:
    if module == LIBRARY or module.startswith(LIBRARY + "."):
        module = alias_name(module)
    full = f"{module}.{name}"
    return pickle.UnpicklingError(
        f"Weights only load failed. This file can still be loaded, to do so you have two options, {_BOLD}do those "
        f"steps only if you trust the source of the checkpoint{_RESET}. \n\t(1) In PyTorch 2.6, we changed the "
        "default value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running "
        "`torch.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary code "
        "execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
        "`weights_only=True` please check the recommended steps in the following error message.\n\t"
        f"WeightsUnpickler error: Unsupported global: GLOBAL {full} was not an allowed global by default. Please "
        f"use `torch.serialization.add_safe_globals([{full}])` or the `torch.serialization.safe_globals([{full}])` "
        "context manager to allowlist this global if you trust this class/function.\n\nCheck the documentation of "
        "torch.load to learn more about types accepted by default with weights_only "
        "https://pytorch.org/docs/stable/generated/torch.load.html.")


class _WeightsUnpickler(pickle.Unpickler):
    """Loads tensors, parameters, containers and numbers; refuses every other global."""

    def find_class(self, module: str, name: str) -> Any:
        if module in ("builtins", "__builtin__") and name in _SAFE_BUILTINS:
            return super().find_class(module, name)
        if (module, name) in _SAFE_NUMPY or (module, name) == ("collections", "OrderedDict"):
            return super().find_class(module, name)
        if module == "autograd_lab._dtypes" or (module, name) in _SAFE_LIBRARY:
            return super().find_class(module, name)
        for allowed in _user_safe_globals:
            if getattr(allowed, "__module__", None) == module and getattr(allowed, "__qualname__", None) == name:
                return allowed
        raise _unsupported_global(module, name)


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes or functions in ``load(..., weights_only=True)``."""
    _user_safe_globals.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The globals ``add_safe_globals`` allowed."""
    return list(_user_safe_globals)


def load(f: FileLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read what ``save`` wrote. Everything lives on the CPU, so ``map_location`` changes nothing."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return load(file, map_location, pickle_module, weights_only=weights_only, **pickle_load_args)
    if weights_only is None or weights_only:
        return _WeightsUnpickler(f, **pickle_load_args).load()
    return pickle.Unpickler(f, **pickle_load_args).load()


