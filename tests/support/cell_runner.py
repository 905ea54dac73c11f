"""Run notebook code cells the way Jupyter's "Run All" does, using only the stdlib.

Cells share one namespace.  Each cell's stdout, warnings, the repr of its last
expression and the exception that stopped it (if any) are recorded.
`run_as_torch` runs PyTorch code unchanged, `import torch` resolving to
autograd_lab (`autograd_lab.install_as_torch()`).  The
`mask_*`/`normalise` helpers are the only normalisation allowed when comparing
recorded outputs; numbers are compared exactly, random ones included (the generator
is PyTorch's).
"""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import re
import sys
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")
_VERSION = re.compile(r"\b\d+(?:\.\d+)+\S*")


@dataclass
class CellResult:
    """What one cell produced, in the fixtures' "torch" format."""

    stdout: str = ""
    stderr_warnings: list[str] = field(default_factory=list)
    display: str | None = None
    error: dict[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form stored in the fixtures."""
        return asdict(self)


def cell_filename(index: int) -> str:
    """The pseudo file name under which cell `index` is compiled."""
    return f"<cell-{index}>"


def _register_source(filename: str, source: str) -> None:
    """Let tracebacks and warnings show the cell's lines, as IPython does."""
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)


def _reset_filters() -> None:
    """Python's default warning filters, as a notebook kernel has them."""
    warnings.resetwarnings()
    warnings.simplefilter("default")
    warnings.filterwarnings("ignore", category=ResourceWarning)
    warnings.filterwarnings("ignore", category=ImportWarning)
    warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    library = sys.modules.get("autograd_lab._numpy_warnings")
    if library is not None:  # the filter `import autograd_lab` adds in a kernel (the import here ran earlier)
        library.ignore_numpy_warnings_from_the_package()


def format_warning(w: warnings.WarningMessage) -> str:
    """A warning as `warnings.showwarning` writes it to stderr."""
    return warnings.formatwarning(w.message, w.category, w.filename, w.lineno, w.line)


def _execute(source: str, filename: str, namespace: dict[str, Any]) -> str | None:
    """Run all statements; return the repr of a final expression unless None."""
    tree = ast.parse(source, filename)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
    return None if value is None else repr(value)


def run_cell(
    source: str,
    namespace: dict[str, Any],
    index: int = 0,
    on_error: Callable[[Exception], None] | None = None,
) -> CellResult:
    """Run one cell in `namespace` and record what it produced.

    `on_error`, if given, also receives the exception that stopped the cell.
    """
    filename = cell_filename(index)
    _register_source(filename, source)
    result = CellResult()
    stdout = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(stdout):
        _reset_filters()
        try:
            result.display = _execute(source, filename, namespace)
        except Exception as exc:  # noqa: BLE001 - a cell's error is data
            result.error = {"type": type(exc).__name__, "message": str(exc)}
            if on_error is not None:
                on_error(exc)
    result.stdout = stdout.getvalue()
    result.stderr_warnings = [format_warning(w) for w in caught]
    return result


def new_namespace() -> dict[str, Any]:
    """A fresh namespace like a kernel's user namespace."""
    return {"__name__": "__main__", "__builtins__": __builtins__}


def run_cells(sources: list[str], namespace: dict[str, Any] | None = None) -> list[CellResult]:
    """Run cells in order in one namespace, continuing past errors."""
    namespace = new_namespace() if namespace is None else namespace
    return [run_cell(source, namespace, i) for i, source in enumerate(sources)]


def run_as_torch(sources: list[str], namespace: dict[str, Any] | None = None) -> list[CellResult]:
    """`run_cells` with `import torch` giving autograd_lab; the alias is removed afterwards unless it was there."""
    import autograd_lab
    from autograd_lab import _torch_alias

    installed_before = _torch_alias.is_installed()
    autograd_lab.install_as_torch()
    try:
        return run_cells(sources, namespace)
    finally:
        if not installed_before:
            autograd_lab.uninstall_as_torch()


def mask_addresses(text: str) -> str:
    """Hide object addresses such as `0x7f3a...`."""
    return _ADDRESS.sub("0x?", text)


def mask_version(text: str) -> str:
    """Hide version strings such as `2.13.0+cpu`."""
    return _VERSION.sub("<version>", text)


def _mask(text: str | None, version: bool) -> str | None:
    """Apply the masks a cell's flags allow to one recorded text (numbers are never masked)."""
    if text is None:
        return None
    text = mask_addresses(text)
    return mask_version(text) if version else text


def normalise(outputs: dict[str, Any], version: bool = False) -> dict[str, Any]:
    """A cell's outputs (the "torch" format) with the allowed masks applied."""
    error = outputs["error"]
    return {
        "stdout": _mask(outputs["stdout"], version),
        "stderr_warnings": [_mask(w, version) for w in outputs["stderr_warnings"]],
        "display": _mask(outputs["display"], version),
        "error": None
        if error is None
        else {"type": error["type"], "message": _mask(error["message"], version)},
    }
