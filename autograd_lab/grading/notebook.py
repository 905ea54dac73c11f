"""Read and write .ipynb files as JSON, and small helpers for cells and nbgrader metadata."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

Notebook = dict[str, Any]
Cell = dict[str, Any]


class NotebookError(ValueError):
    """A file that is not a usable notebook."""


def read_notebook(path: str | os.PathLike[str], max_bytes: int = 50_000_000) -> Notebook:
    """Load a notebook; raise :class:`NotebookError` if it is not valid notebook JSON."""
    path = Path(path)
    try:
        if path.stat().st_size > max_bytes:
            raise NotebookError(f"{path.name} is larger than {max_bytes} bytes")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, RecursionError, json.JSONDecodeError) as exc:
        raise NotebookError(f"cannot read {path.name}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{path.name} has no list of cells")
    data["cells"] = [c for c in data["cells"] if isinstance(c, dict)]
    return data


def dumps_notebook(nb: Notebook) -> str:
    """Serialize like Jupyter does (indent 1, sorted keys, trailing newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_notebook(nb: Notebook, path: str | os.PathLike[str]) -> None:
    """Write a notebook atomically."""
    write_text_atomic(Path(path), dumps_notebook(nb))


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def source_text(cell: Cell) -> str:
    """The cell source as one string."""
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(str(s) for s in src)
    return src if isinstance(src, str) else ""


def set_source(cell: Cell, text: str) -> None:
    """Store source as a list of lines, as Jupyter writes it."""
    cell["source"] = text.splitlines(keepends=True)


def nbgrader_meta(cell: Cell) -> dict[str, Any]:
    """The cell's ``nbgrader`` metadata, or an empty dict."""
    meta = cell.get("metadata")
    if not isinstance(meta, dict):
        return {}
    nbg = meta.get("nbgrader")
    return nbg if isinstance(nbg, dict) else {}


def grade_id(cell: Cell) -> str | None:
    """The nbgrader ``grade_id`` of a cell, if any."""
    gid = nbgrader_meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def lab_meta(cell: Cell) -> dict[str, Any]:
    """The cell's ``autograd_lab`` metadata, or an empty dict."""
    meta = cell.get("metadata")
    lab = meta.get("autograd_lab") if isinstance(meta, dict) else None
    return lab if isinstance(lab, dict) else {}
