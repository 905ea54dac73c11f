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

import builtins as _builtins_module

__builtins__ = dict(vars(_builtins_module))  # own builtins: :func:`unchanged` runs among notebook code

import ctypes  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from operator import attrgetter, is_not, ne  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

_HEAPTYPE, _IMMUTABLETYPE = 1 << 9, 1 << 8
_SET_CLASS = object.__dict__["__class__"].__set__
_TYPE_SETATTR, _TYPE_DELATTR = type.__setattr__, type.__delattr__
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
_dict_get = dict.get
_MODULES = sys.modules  # the interpreter's own table, even if the notebook rebinds ``sys.modules``
_recursion_limit, _set_recursion_limit = sys.getrecursionlimit, sys.setrecursionlimit
_CODE, _DEFAULTS, _KWDEFAULTS = attrgetter("__code__"), attrgetter("__defaults__"), attrgetter("__kwdefaults__")
_CONTENTS = attrgetter("cell_contents")


def _differs(before: tuple[Any, ...], now: Any) -> bool:
    """True unless every item of ``now`` is the very object at the same place in ``before``."""
    return any(map(is_not, before, now))


_PLAIN = frozenset({int, float, complex, str, bytes, bool, type(None)})


@dataclass(frozen=True)
class Table:
    """Entries of a mapping (a module's globals, a class's or a builtin type's attributes) as parallel
    tuples: comparing them with the mapping is a C-level scan."""

    mapping: Any
    keys: tuple[Any, ...]
    values: tuple[Any, ...]
    owner: type | None = None  # set for class attributes
    exact: bool = False  # no key may be added

    @classmethod
    def of(cls, mapping: Any, owner: type | None = None, exact: bool = False, state: bool = True) -> "Table":
        """``state=False`` leaves out plain numbers and strings not named as constants (counters,
        timers, flags a library keeps at module level)."""
        items = [(k, v) for k, v in mapping.items() if state or type(v) not in _PLAIN or _constant_name(k)]
        return cls(mapping, tuple(k for k, _ in items), tuple(v for _, v in items), owner, exact)

    def same(self) -> bool:
        mapping = self.mapping
        if self.exact and len(mapping) != len(self.keys) and not set(mapping).difference(self.keys) <= _CACHE_KEYS:
            return False
        return not _differs(self.values, map(mapping.get, self.keys))

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
    flat: "_Flat"


@dataclass(frozen=True)
class _Flat:
    """Every table's entries side by side, so that one C-level pass compares them all."""

    mappings: tuple[dict[Any, Any], ...]
    keys: tuple[Any, ...]
    values: tuple[Any, ...]
    exact: tuple[dict[Any, Any], ...]
    sizes: tuple[int, ...]

    @classmethod
    def of(cls, tables: list[Table]) -> "_Flat":
        mappings, keys, values = [], [], []
        for table in tables:
            mappings.extend([table.mapping] * len(table.keys))
            keys.extend(table.keys)
            values.extend(table.values)
        exact = [t for t in tables if t.exact]
        return cls(tuple(mappings), tuple(keys), tuple(values), tuple(t.mapping for t in exact),
                   tuple(len(t.keys) for t in exact))

    def same(self) -> bool:
        return not (any(map(ne, self.sizes, map(len, self.exact)))
                    or _differs(self.values, map(_dict_get, self.mappings, self.keys)))


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
    tables = [Table.of(vars(m), state=False) for m in modules] + constants
    tables += [Table.of(_real_dict(c), owner=c, exact=True) for c in classes]
    functions = tuple(functions_found)
    cells = tuple(cell for cell in all_cells if _filled(cell))
    type_tables = tuple((t, Table.of(_real_dict(t), exact=True)) for t in _CORE_TYPES)
    return World(
        module_names=tuple(names), modules=tuple(modules), module_classes=tuple(map(type, modules)),
        tables=tuple(tables), type_tables=type_tables,
        instances=tuple(instances), instance_classes=tuple(map(type, instances)),
        functions=functions, codes=tuple(map(_CODE, functions)), defaults=tuple(map(_DEFAULTS, functions)),
        kwdefaults=tuple(map(_KWDEFAULTS, functions)), cells=cells, contents=tuple(map(_CONTENTS, cells)),
        lists=tuple((lst, tuple(lst)) for lst in (sys.meta_path, sys.path_hooks, sys.path, warnings.filters)),
        recursion_limit=sys.getrecursionlimit(), classes_before=classes_before,
        flat=_Flat.of(tables + [table for _, table in type_tables]),
    )


Fix = Callable[[list[Any]], None]


def changes(world: World) -> list[Fix]:
    """What differs from the picture, as the fixes that put it back (none: nothing changed).

    Each fix appends the objects it replaces to the list it is given, so that no finalizer of theirs
    runs while the world is being put back.
    """
    fixes: list[Fix] = []
    tables_same = world.flat.same()
    for cls, table in () if tables_same else world.type_tables:
        if not table.same():
            fixes.append(lambda keep, cls=cls, table=table: (table.put_back(keep), _type_modified(cls)))
    if any(len(lst) != len(items) or _differs(items, lst) for lst, items in world.lists):
        fixes.append(lambda keep: _put_back_lists(world, keep))
    if (_differs(world.modules, map(_MODULES.get, world.module_names))
            or _differs(world.module_classes, map(type, world.modules))
            or _differs(world.instance_classes, map(type, world.instances))):
        fixes.append(lambda keep: _put_back_modules(world, keep))
    if not tables_same:
        fixes.extend(table.put_back for table in world.tables if not table.same())
    try:
        functions_differ = (_differs(world.codes, map(_CODE, world.functions))
                            or _differs(world.defaults, map(_DEFAULTS, world.functions))
                            or _differs(world.kwdefaults, map(_KWDEFAULTS, world.functions))
                            or _differs(world.contents, map(_CONTENTS, world.cells)))
    except ValueError:  # a closure cell was emptied
        functions_differ = True
    if functions_differ:
        fixes.append(lambda keep: _put_back_functions(world, keep))
    if _recursion_limit() != world.recursion_limit:
        fixes.append(lambda keep: _set_recursion_limit(world.recursion_limit))
    return fixes


def unchanged(world: World) -> bool:
    """True when everything pictured in ``world`` is as it was (identity, not equality)."""
    return not changes(world)


_type_modified = ctypes.pythonapi.PyType_Modified
_type_modified.argtypes = [ctypes.py_object]
_type_modified.restype = None


def restore(world: World, keep: list[Any]) -> None:
    """Put back everything of ``world`` that changed."""
    for fix in changes(world):
        fix(keep)
    if hasattr(warnings, "_filters_mutated"):
        warnings._filters_mutated()


def _put_back_lists(world: World, keep: list[Any]) -> None:
    for lst, items in world.lists:
        keep.append(lst[:])
        lst[:] = items


def _put_back_modules(world: World, keep: list[Any]) -> None:
    for name, module, cls in zip(world.module_names, world.modules, world.module_classes):
        if _MODULES.get(name) is not module:
            keep.append(_MODULES.get(name))
            _MODULES[name] = module
        if type(module) is not cls:
            _SET_CLASS(module, cls)
    for obj, cls in zip(world.instances, world.instance_classes):
        if type(obj) is not cls:
            _SET_CLASS(obj, cls)


def _put_back_functions(world: World, keep: list[Any]) -> None:
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
