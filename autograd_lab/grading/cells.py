"""Notebook cells as the grader runs them: IPython's input transformer, the names cells bind, and the
helper program that checks re-create from locked cells."""
from __future__ import annotations

import ast
import importlib.util
import re
import threading
from functools import lru_cache
from typing import Iterable

_local = threading.local()
_parse_lock = threading.Lock()


def parse(source: str, mode: str = "exec") -> ast.AST:
    """``ast.parse``, one thread at a time: CPython 3.11's AST builder keeps its recursion depth in state shared
    by threads, and two grading threads parsing at once can fail with ``SystemError`` (``AST constructor
    recursion depth mismatch``)."""
    with _parse_lock:
        return ast.parse(source, mode=mode)


def _manager():  # type: ignore[no-untyped-def]
    """This thread's IPython transformer (one each: a slow cell in one grading thread holds up no other)."""
    manager = getattr(_local, "manager", None)
    if manager is None:
        try:
            from IPython.core.inputtransformer2 import TransformerManager
        except ImportError as exc:  # pragma: no cover - IPython is a dependency
            raise RuntimeError("grading reads cells with IPython: pip install 'autograd-lab[grading]'") from exc
        manager = _local.manager = TransformerManager()
    return manager


# What IPython's transformer acts on: magics, shell and help escapes, pasted prompts, and whitespace it cleans up
# (leading blank lines or indentation, blank lines made of spaces). A cell with none of these is returned as it
# is (plus the final newline IPython adds), which spares tokenizing a cell of pure Python.
_IPYTHON_SYNTAX = re.compile(r"[%!?]|>>>|In \[|\.\.\.:|^[ \t]+\r?$", re.MULTILINE)


@lru_cache(maxsize=4096)
def to_python(source: str) -> str:
    """A cell's source as Python, exactly as IPython would run it (magics, ``!`` lines, ``?`` help).

    A source that IPython cannot transform is returned as it is (compiling it then reports the error).
    """
    if not source.strip():
        return source
    if not source[0].isspace() and not _IPYTHON_SYNTAX.search(source):
        return source if source.endswith("\n") else source + "\n"
    try:
        return str(_manager().transform_cell(source))
    except Exception:  # noqa: BLE001 - IPython's own parser failing on odd input
        return source


def _targets(node: ast.AST) -> Iterable[str]:
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, (ast.Tuple, ast.List)):
        for item in node.elts:
            yield from _targets(item)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _bound_by(node: ast.AST) -> Iterable[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                yield alias.asname or alias.name.split(".")[0]
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _targets(target)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor, ast.NamedExpr)):
        yield from _targets(node.target)
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for item in node.items:
            if item.optional_vars is not None:
                yield from _targets(item.optional_vars)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name


def bound_names(code: str) -> set[str]:
    """Names a cell binds at module level (assignments, loops, imports, defs, ``global`` in functions)."""
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names: set[str] = set()
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            names.update(n for inner in ast.walk(node) if isinstance(inner, ast.Global) for n in inner.names)
            continue
        if isinstance(node, _SCOPES):
            continue
        names.update(_bound_by(node))
        todo.extend(ast.iter_child_nodes(node))
    return names


_HELPER_STATEMENTS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef)


def helper_statements(code: str) -> str:
    """The imports and function definitions of a locked cell, as source."""
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ""
    kept = [stmt for stmt in tree.body if isinstance(stmt, _HELPER_STATEMENTS)]
    return ast.unparse(ast.Module(body=kept, type_ignores=[])) if kept else ""


_IMPORTS_TORCH = re.compile(r"^[ \t]*(?:import[ \t]+torch\b|from[ \t]+torch\b)", re.MULTILINE)


@lru_cache(maxsize=1)
def torch_is_aliased() -> bool:
    """Whether notebooks are graded with ``import torch`` importing autograd_lab: when PyTorch itself is not
    installed where the grader runs (as :func:`autograd_lab.install_as_torch` does in a kernel)."""
    return importlib.util.find_spec("torch") is None


_CALLS_DEBUGGER = re.compile(r"\b(?:breakpoint|set_trace)\s*\(")


def calls_debugger(code: str) -> bool:
    """Whether a cell's Python calls ``breakpoint()`` or a ``set_trace()``."""
    return bool(_CALLS_DEBUGGER.search(code))


def imports_torch(code: str) -> bool:
    """Whether a cell's Python has an ``import torch`` or ``from torch... import`` line."""
    return bool(_IMPORTS_TORCH.search(code))
