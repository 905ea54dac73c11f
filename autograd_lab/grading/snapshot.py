"""A picture of the interpreter taken before any notebook code runs, put back in the forks that evaluate checks.

What is pictured: every loaded module (its ``sys.modules`` entry, its class and its global names),
every class and function reachable from them (class attributes; function code, defaults and
closure cells), the entries of the library's module-level tables named as constants (``BY_NUMPY``,
the dtype table; not state such as the random generator or grad mode), the method tables of the
builtin and NumPy types, and the import and warning lists. Putting it back undoes rebinding
(``torch.float32 = torch.float64``), monkeypatching (``np.allclose = ...``, ``Tensor.is_leaf = ...``,
``fn.__code__ = ...``, ``obj.__class__ = ...``) and installed import hooks or warning filters,
whatever names they used. Modules imported later (by the notebook) are not covered, and counters
kept in class attributes start again from their value before the notebook ran.

Checking that nothing changed is a handful of C-level scans (:func:`unchanged`), so the runner does
it at every test cell and the forks put the picture back only when something did change.
"""
from __future__ import annotations

import ctypes
import gc
import sys
import types
import warnings
from dataclasses import dataclass
from operator import attrgetter, is_not
from typing import Any, Callable

import numpy as np

_HEAPTYPE, _IMMUTABLETYPE = 1 << 9, 1 << 8
_SET_CLASS = object.__dict__["__class__"].__set__
_TYPE_SETATTR, _TYPE_DELATTR = type.__setattr__, type.__delattr__
_OWN_DICT = type.__dict__["__dict__"].__get__
_CACHE_KEYS = frozenset({"__slotnames__", "__abstractmethods__"})
_CORE_TYPES: tuple[type, ...] = (
    object, type, int, float, complex, bool, str, bytes, bytearray, list, tuple, dict, set, frozenset, range,
    slice, property, staticmethod, classmethod, types.FunctionType, types.MethodType, types.ModuleType,
    BaseException, Exception, np.ndarray, np.generic, np.number, np.integer, np.floating, np.complexfloating,
    np.bool_, np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8, np.uint8,
    np.dtype, np.ufunc,
)
_LIBRARY = ("autograd_lab",)
_MISSING = object()
_CODE, _DEFAULTS, _KWDEFAULTS = attrgetter("__code__"), attrgetter("__defaults__"), attrgetter("__kwdefaults__")
_CONTENTS = attrgetter("cell_contents")


def _differs(before: tuple[Any, ...], now: Any) -> bool:
    """True unless every item of ``now`` is the very object at the same place in ``before``."""
    return any(map(is_not, before, now))


@dataclass(frozen=True)
class Table:
    """A mapping (a module's globals, a class's or builtin type's attributes) as parallel tuples."""

    mapping: Any
    keys: tuple[Any, ...]
    values: tuple[Any, ...]
    owner: type | None = None  # set for class attributes
    exact: bool = False  # no key may be added

    @classmethod
    def of(cls, mapping: Any, owner: type | None = None, exact: bool = False) -> "Table":
        return cls(mapping, tuple(mapping.keys()), tuple(mapping.values()), owner, exact)

    def same(self) -> bool:
        size = len(self.mapping)
        if size < len(self.keys):
            return False
        if self.exact and size != len(self.keys) and not set(self.mapping).difference(self.keys) <= _CACHE_KEYS:
            return False
        # Keys keep their place when only values change, and additions go to the end, so comparing the
        # values in order (with the size) also catches a key removed or replaced.
        return not _differs(self.values, self.mapping.values())

    def put_back(self, keep: list[Any]) -> None:
        mapping, owner = self.mapping, self.owner
        for key, value in zip(self.keys, self.values):
            current = mapping.get(key, _MISSING)
            if current is not value:
                keep.append(current)
                if owner is not None:
                    _TYPE_SETATTR(owner, key, value)
                else:
                    mapping[key] = value
        if self.exact and len(mapping) != len(self.keys):
            wanted = set(self.keys)
            for key in [k for k in mapping if k not in wanted and k not in _CACHE_KEYS]:
                keep.append(mapping[key])
                if owner is not None:
                    _TYPE_DELATTR(owner, key)
                else:
                    del mapping[key]


@dataclass(frozen=True)
class World:
    """The captured state; see the module docstring."""

    module_names: tuple[str, ...]
    modules: tuple[types.ModuleType, ...]
    module_classes: tuple[type, ...]
    tables: tuple[Table, ...]
    type_tables: tuple[tuple[type, Table], ...]
    instances: tuple[Any, ...]
    instance_classes: tuple[type, ...]
    functions: tuple[types.FunctionType, ...]
    codes: tuple[types.CodeType, ...]
    defaults: tuple[Any, ...]
    kwdefaults: tuple[Any, ...]
    cells: tuple[Any, ...]
    contents: tuple[Any, ...]
    lists: tuple[tuple[list[Any], tuple[Any, ...]], ...]
    recursion_limit: int
    classes_before: frozenset[type]


def _constant_name(name: Any) -> bool:
    """A module-level table named as a constant (``BY_NUMPY``), as opposed to state (``_state``)."""
    core = name.strip("_") if isinstance(name, str) else ""
    return bool(core) and core.isupper()


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _real_dict(cls: type) -> dict[str, Any]:
    (real,) = gc.get_referents(cls.__dict__)
    return real


def capture(trust: Callable[[frozenset[type]], None] | None = None) -> World:
    """Picture the interpreter as it is now (call before any notebook code runs).

    ``trust`` is called with every class found, before module globals are pictured, so what it
    records is part of the picture.
    """
    names: list[str] = []
    modules: list[types.ModuleType] = []
    constants: list[Table] = []
    instances: list[Any] = []
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType) or name == "__main__":
            continue
        names.append(name)
        modules.append(module)
        namespace = vars(module)
        instances.extend(v for v in namespace.values()
                         if type(type(v)) is type and type(v).__flags__ & _HEAPTYPE and not isinstance(v, type))
        if name.split(".")[0] in _LIBRARY:
            constants.extend(Table.of(v) for k, v in namespace.items() if type(v) is dict and _constant_name(k))
    # Nothing of the notebook exists yet: every function, class and closure cell alive now is the library's.
    everything = gc.get_objects()
    function, cell_type = types.FunctionType, types.CellType
    functions_found = [o for o in everything if type(o) is function]
    all_cells = [o for o in everything if type(o) is cell_type]
    found = [o for o in everything if isinstance(o, type)]
    del everything
    classes = [c for c in found if c.__flags__ & _HEAPTYPE and not c.__flags__ & _IMMUTABLETYPE]
    classes_before = frozenset(found) | frozenset(_CORE_TYPES)
    if trust is not None:
        trust(classes_before)
    tables = [Table.of(vars(m)) for m in modules] + constants
    tables += [Table.of(_OWN_DICT(c), owner=c, exact=True) for c in classes]
    functions = tuple(functions_found)
    cells = tuple(cell for cell in all_cells if _filled(cell))
    return World(
        module_names=tuple(names), modules=tuple(modules), module_classes=tuple(map(type, modules)),
        tables=tuple(tables),
        type_tables=tuple((t, Table.of(_real_dict(t), exact=True)) for t in _CORE_TYPES),
        instances=tuple(instances), instance_classes=tuple(map(type, instances)),
        functions=functions, codes=tuple(map(_CODE, functions)), defaults=tuple(map(_DEFAULTS, functions)),
        kwdefaults=tuple(map(_KWDEFAULTS, functions)), cells=cells, contents=tuple(map(_CONTENTS, cells)),
        lists=tuple((lst, tuple(lst)) for lst in (sys.meta_path, sys.path_hooks, sys.path, warnings.filters)),
        recursion_limit=sys.getrecursionlimit(), classes_before=classes_before,
    )


def unchanged(world: World) -> bool:
    """True when everything pictured in ``world`` is as it was (identity, not equality)."""
    try:
        return not (
            _differs(world.modules, map(sys.modules.get, world.module_names))
            or _differs(world.module_classes, map(type, world.modules))
            or _differs(world.instance_classes, map(type, world.instances))
            or _differs(world.codes, map(_CODE, world.functions))
            or _differs(world.defaults, map(_DEFAULTS, world.functions))
            or _differs(world.kwdefaults, map(_KWDEFAULTS, world.functions))
            or _differs(world.contents, map(_CONTENTS, world.cells))
            or any(len(lst) != len(items) or _differs(items, lst) for lst, items in world.lists)
            or not all(table.same() for table in world.tables)
            or not all(table.same() for _, table in world.type_tables)
            or sys.getrecursionlimit() != world.recursion_limit
        )
    except ValueError:  # a closure cell was emptied
        return False


_type_modified = ctypes.pythonapi.PyType_Modified
_type_modified.argtypes = [ctypes.py_object]
_type_modified.restype = None


def restore(world: World, keep: list[Any]) -> None:
    """Put ``world`` back. Replaced objects are appended to ``keep``, so no finalizer of theirs runs now."""
    for cls, table in world.type_tables:
        if not table.same():
            table.put_back(keep)
            _type_modified(cls)
    for lst, items in world.lists:
        keep.append(lst[:])
        lst[:] = items
    for name, module, cls in zip(world.module_names, world.modules, world.module_classes):
        if sys.modules.get(name) is not module:
            keep.append(sys.modules.get(name))
            sys.modules[name] = module
        if type(module) is not cls:
            _SET_CLASS(module, cls)
    for table in world.tables:
        if not table.same():
            table.put_back(keep)
    for obj, cls in zip(world.instances, world.instance_classes):
        if type(obj) is not cls:
            _SET_CLASS(obj, cls)
    for fn, code, defaults, kwdefaults in zip(world.functions, world.codes, world.defaults, world.kwdefaults):
        if fn.__code__ is not code:
            keep.append(fn.__code__)
            fn.__code__ = code
        if fn.__defaults__ is not defaults or fn.__kwdefaults__ is not kwdefaults:
            keep.append((fn.__defaults__, fn.__kwdefaults__))
            fn.__defaults__, fn.__kwdefaults__ = defaults, kwdefaults
    for cell, content in zip(world.cells, world.contents):
        if not _filled(cell) or cell.cell_contents is not content:
            keep.append(cell.cell_contents if _filled(cell) else None)
            cell.cell_contents = content
    if hasattr(warnings, "_filters_mutated"):
        warnings._filters_mutated()
    sys.setrecursionlimit(world.recursion_limit)
