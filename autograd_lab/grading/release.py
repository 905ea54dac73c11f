"""Make student copies: strip solutions and hidden tests, clear outputs."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from .notebook import Cell, Notebook, dumps_notebook, lab_meta, read_notebook, set_source, source_text, write_text_atomic
from .spec import (
    BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, SpecError, cell_kind, load_assignment, parse_tests,
)

CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = "YOUR ANSWER HERE"
CHECKS_ROLE = "public-checks"
CHECKS_HEADER = "# @title The public checks of this notebook: run this cell, do not edit it"


def _strip_region(source: str, begin: str, end: str, stub: tuple[str, ...]) -> tuple[str, int]:
    out: list[str] = []
    inside = False
    regions = 0
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(begin):
            if inside:
                raise SpecError(f"nested {begin!r}")
            inside = True
            regions += 1
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + s for s in stub)
        elif stripped.startswith(end):
            if not inside:
                raise SpecError(f"{end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SpecError(f"{begin!r} is never closed")
    return "\n".join(out), regions


def strip_solution(source: str, code: bool = True) -> str:
    """Replace each solution region (or the whole cell if it has none) by a stub."""
    stub = CODE_STUB if code else (TEXT_STUB,)
    text, regions = _strip_region(source, BEGIN_SOLUTION, END_SOLUTION, stub)
    return text if regions else "\n".join(stub)


def strip_hidden(source: str) -> tuple[str, int]:
    """Remove hidden test regions; return the public source and the number of hidden tests removed."""
    hidden = sum(t.hidden for t in parse_tests(source))
    text, _ = _strip_region(source, BEGIN_HIDDEN, END_HIDDEN, ())
    return text.rstrip("\n"), hidden


def is_checks_cell(cell: Cell) -> bool:
    """The cell that carries a released notebook's public checks (the grader never runs it), also when a
    notebook tool dropped its metadata."""
    return lab_meta(cell).get("role") == CHECKS_ROLE or (
        cell.get("cell_type") == "code" and source_text(cell).startswith(CHECKS_HEADER + "\n"))


def checks_cell(released: Notebook, name: str) -> Cell:
    """A code cell that registers the released test cells (public checks only) with ``check``."""
    tests: list[dict[str, Any]] = []
    for cell in released["cells"]:
        if cell_kind(cell) == "test":
            meta = cell["metadata"]
            tests.append({"cell_type": "code", "source": source_text(cell),
                          "metadata": {"nbgrader": meta["nbgrader"], "autograd_lab": meta["autograd_lab"]}})
    payload = json.dumps(tests, sort_keys=True, ensure_ascii=False)
    source = (
        f"{CHECKS_HEADER}\n"
        "# Written by `autograd-lab release` so that check() and check_all() work wherever the notebook is\n"
        "# opened. The grader does not run this cell.\n"
        "from autograd_lab.grading.checks import register_checks\n"
        f"register_checks({name!r}, {payload!r})"
    )
    cell = {"cell_type": "code", "execution_count": None, "outputs": [], "source": [],
            "metadata": {"autograd_lab": {"role": CHECKS_ROLE}, "cellView": "form", "editable": False,
                         "deletable": False, "jupyter": {"source_hidden": True}, "tags": [CHECKS_ROLE]}}
    set_source(cell, source)
    return cell


def _checks_position(cells: list[Cell]) -> int:
    """Right after the first code cell that imports the grading helpers (the setup cell), else first."""
    for index, cell in enumerate(cells):
        if cell.get("cell_type") == "code" and "autograd_lab.grading" in source_text(cell):
            return index + 1
    return 0


def release_notebook(nb: Notebook, name: str) -> Notebook:
    """Return the student copy of a source notebook."""
    load_assignment(nb, name)
    out = copy.deepcopy(nb)
    out["cells"] = [cell for cell in out["cells"] if not is_checks_cell(cell)]
    for cell in out["cells"]:
        kind = cell_kind(cell)
        source = source_text(cell)
        if kind == "answer":
            set_source(cell, strip_solution(source, code=cell.get("cell_type") == "code"))
        elif BEGIN_SOLUTION in source and cell.get("cell_type") == "code":
            raise SpecError("solution markers outside an answer cell")
        if kind == "test":
            public, hidden = strip_hidden(source)
            set_source(cell, public)
            cell.setdefault("metadata", {}).setdefault("autograd_lab", {})["hidden_tests"] = hidden
        elif BEGIN_HIDDEN in source or END_HIDDEN in source:
            raise SpecError("hidden test markers outside a test cell")
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    out["cells"].insert(_checks_position(out["cells"]), checks_cell(out, name))
    out.setdefault("metadata", {})["autograd_lab"] = {"assignment": name}
    give_cell_ids(out["cells"])
    return out


def give_cell_ids(cells: list[Cell]) -> None:
    """An ``id`` for every cell that has none, as nbformat 4.5 requires: the nbgrader ``grade_id`` when it
    is a valid id and unused, else ``cell-<position>``."""
    used = {cell["id"] for cell in cells if isinstance(cell.get("id"), str)}
    for position, cell in enumerate(cells):
        if isinstance(cell.get("id"), str):
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        candidate = grade_id if isinstance(grade_id, str) and re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", grade_id) else ""
        if not candidate or candidate in used:
            candidate = f"cell-{position}"
        while candidate in used:
            candidate += "-"
        cell["id"] = candidate
        used.add(candidate)


def source_notebooks(source: Path) -> list[Path]:
    """The notebooks of a source file or folder."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.glob("*.ipynb") if not p.name.startswith("."))


def release(source: str | Path, out: str | Path) -> list[Path]:
    """Write student copies of a notebook or of every notebook in a folder; return the paths written."""
    source, out = Path(source), Path(out)
    written: list[Path] = []
    paths = source_notebooks(source)
    if not paths:
        raise SpecError(f"no notebooks in {source}")
    for path in paths:
        target = out / path.name if (source.is_dir() or out.suffix != ".ipynb") else out
        text = dumps_notebook(release_notebook(read_notebook(path), path.stem))
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_text_atomic(target, text)
        written.append(target)
    return written
