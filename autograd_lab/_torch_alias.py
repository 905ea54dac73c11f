"""``install_as_torch()``: ``import torch`` (and every ``import torch.X``) imports autograd_lab.

A finder at the front of ``sys.meta_path`` answers every ``torch`` / ``torch.X``
import with the module ``autograd_lab`` / ``autograd_lab.X`` itself, never a copy:
after ``import torch.nn.functional as F``, ``F is autograd_lab.nn.functional`` and
``sys.modules["torch.nn"] is autograd_lab.nn``. The modules keep their own names
(``torch.__name__ == "autograd_lab"``, ``repr(torch)`` names autograd_lab's file), so
a student can always see which library runs, and what they pickle loads without
the alias. Nothing happens at ``import autograd_lab``: only code that calls
``install_as_torch()`` (or ``%load_ext autograd_lab``) is affected.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import types
from typing import Any

LIBRARY = "autograd_lab"
ALIAS = "torch"
_INSTALL_HINT = "call autograd_lab.install_as_torch() (or %load_ext autograd_lab) before the first `import torch`"
_lock = threading.RLock()
_registered: dict[str, types.ModuleType] = {}  # torch name -> module, for what the alias put in sys.modules


def library_name(alias_name: str) -> str:
    """``torch.nn.functional`` -> ``autograd_lab.nn.functional``."""
    return LIBRARY + alias_name[len(ALIAS):]


def alias_name(name: str) -> str:
    """``autograd_lab.nn.functional`` -> ``torch.nn.functional``."""
    return ALIAS + name[len(LIBRARY):]


def _in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _is_private(name: str) -> bool:
    return any(part.startswith("_") for part in name.split(".")[1:])


def _no_module(alias: str, why: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(f"No module named '{alias}' ({LIBRARY}, installed as torch, {why})", name=alias)


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system the autograd_lab module itself instead of creating one."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _library_module(spec.name)
        spec.loader_state = module.__spec__  # the import system overwrites __spec__; exec_module puts it back
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        spec = module.__spec__
        module.__spec__ = spec.loader_state
        _registered[spec.name] = module
        _alias_loaded_modules()


def _library_module(alias: str) -> types.ModuleType:
    """The autograd_lab module that ``alias`` stands for (a submodule, or a module held as an attribute)."""
    target = library_name(alias)
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as error:
        if error.name != target:
            raise
    held = _held_by_parent(target)
    if isinstance(held, types.ModuleType):
        return held
    raise _no_module(alias, f"has no counterpart of {alias}")


def _exists(alias: str) -> bool:
    target = library_name(alias)
    if target in sys.modules:
        return True
    try:
        if importlib.util.find_spec(target) is not None:
            return True
    except ModuleNotFoundError:
        return False
    return isinstance(_held_by_parent(target), types.ModuleType)


def _held_by_parent(target: str) -> Any:
    parent, _, child = target.rpartition(".")
    return getattr(sys.modules.get(parent), child, None)


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Finds ``torch`` and ``torch.X`` as autograd_lab's modules; refuses what autograd_lab lacks."""

    aliases_torch_to = LIBRARY  # how install/uninstall recognise the finder, even one from a reloaded module

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if not _in_package(fullname, ALIAS):
            return None
        if _is_private(fullname):
            raise _no_module(fullname, f"does not provide PyTorch's private modules such as {fullname}")
        if not _exists(fullname):
            if _held_by_parent(library_name(fullname)) is not None:  # a class or function, in PyTorch too
                raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
            raise _no_module(fullname, f"has no counterpart of {fullname}")
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader())


def _alias_loaded_modules() -> None:
    """Register every loaded public autograd_lab module under its torch name.

    Done at install and whenever the finder answers, so ``torch.X`` is in
    ``sys.modules`` before Python would look for it: then importing it never
    rebinds an attribute of its parent package (``torch.autograd.gradcheck``
    stays the function, as in PyTorch).
    """
    for name, module in list(sys.modules.items()):
        if _in_package(name, LIBRARY) and module is not None and not _is_private(name):
            alias = alias_name(name)
            if sys.modules.setdefault(alias, module) is module:
                _registered[alias] = module


def _is_ours(name: str, module: Any) -> bool:
    return _registered.get(name) is module or sys.modules.get(library_name(name)) is module


def _foreign_torch_modules() -> list[str]:
    return sorted(name for name, module in list(sys.modules.items())
                  if _in_package(name, ALIAS) and not _is_ours(name, module))


def _installed_finders() -> list[Any]:
    return [finder for finder in sys.meta_path if getattr(finder, "aliases_torch_to", None) == LIBRARY]


def is_installed() -> bool:
    """True while ``import torch`` imports autograd_lab."""
    return bool(_installed_finders())


def install_as_torch() -> None:
    """Make ``import torch`` and every ``import torch.X`` / ``from torch.X import Y`` import autograd_lab.

    Call it once, before the first ``import torch`` (a second call does nothing).
    Raises ``RuntimeError`` if PyTorch itself (or any ``torch.*`` module) is already
    imported in this process. ``uninstall_as_torch()`` undoes it. Child processes
    started with "spawn" or "forkserver" (DataLoader workers on macOS/Windows)
    do not inherit it: they must call it too.
    """
    with _lock:
        foreign = _foreign_torch_modules()
        if foreign:
            module = sys.modules[foreign[0]]
            where = getattr(module, "__file__", None) or repr(module)
            raise RuntimeError(
                f"PyTorch is already imported in this process ({foreign[0]} from {where}), so `import torch` can no "
                f"longer be redirected to {LIBRARY}. Restart the kernel (or Python) and {_INSTALL_HINT}.")
        if not is_installed():
            sys.meta_path.insert(0, TorchAliasFinder())
        _alias_loaded_modules()


def uninstall_as_torch() -> None:
    """Undo ``install_as_torch()``: ``import torch`` looks for PyTorch again.

    Modules and tensors already bound to names (``torch``, ``nn``, ``F``) stay
    autograd_lab's and keep working; only new imports change. Does nothing when
    the alias is not installed.
    """
    with _lock:
        for finder in _installed_finders():
            sys.meta_path.remove(finder)
        for name, module in list(sys.modules.items()):
            if _in_package(name, ALIAS) and _is_ours(name, module):
                del sys.modules[name]
        _registered.clear()


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext autograd_lab``: ``install_as_torch()`` in this kernel."""
    install_as_torch()


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext autograd_lab``: ``uninstall_as_torch()``."""
    uninstall_as_torch()
