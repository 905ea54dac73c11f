"""Recording and replaying folders of course-style programs (the teaching corpus's `# %%` format).

A folder holds `programs/<name>.py` and, next to it, `<name>.json`: what PyTorch printed
for each cell. `record` writes those files (run it with the PyTorch oracle interpreter);
`verdicts` replays every program against autograd_lab, each in a fresh subprocess, and
compares it cell by cell (see `support.teaching.compare_program`).
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

from support.teaching import (BLOCKED, LAB_MODE, TORCH_MODE, CellVerdict, comparable, compare_program,
                              parse_program, run_many)

HASH_SEEDS = ("1", "2")


def record(folder: Path, names: list[str], torch_version: str) -> None:
    """Run the chosen programs of ``folder`` (all by default) twice under PyTorch and write their fixtures.

    A cell whose outputs differ between the two runs (different PYTHONHASHSEEDs) is marked
    nondeterministic, as is one the program marks so; such cells are never compared.
    """
    paths = [p for p in sorted((folder / "programs").glob("*.py")) if not names or any(n in p.stem for n in names)]
    programs = [parse_program(path.stem, path.read_text(encoding="utf-8")) for path in paths]
    jobs = [(p.program_id, [c.source for c in p.cells]) for p in programs]
    firsts = run_many(jobs, TORCH_MODE, hash_seed=HASH_SEEDS[0])
    seconds = run_many(jobs, TORCH_MODE, hash_seed=HASH_SEEDS[1])
    for program, first, second in zip(programs, firsts, seconds):
        if first.crash or second.crash:
            raise RuntimeError(f"{program.program_id}: the child process failed: {first.crash or second.crash}")
        cells = []
        for cell, outputs, again in zip(program.cells, first.cells, second.cells):
            version = "__version__" in cell.source
            unstable = comparable(outputs, version) != comparable(again, version)
            reason = cell.nondeterministic or ("outputs differ between two PyTorch runs" if unstable else None)
            cells.append({"source": cell.source, "torch": outputs, "version": version, "nondeterministic": reason})
        fixture = {"program_id": program.program_id, "title": program.title, "style": program.style,
                   "torch_version": torch_version, "cells": cells}
        (folder / f"{program.program_id}.json").write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n",
                                                           encoding="utf-8")
        errors = sum(c["torch"]["error"] is not None for c in cells)
        print(f"{program.program_id}: {len(cells)} cells, {errors} raise")


def load(folder: Path, pattern: str = "*.json") -> list[dict[str, Any]]:
    """The recorded programs of ``folder``, in file order."""
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob(pattern))]


def verdicts(fixtures: list[dict[str, Any]]) -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict: the programs run against autograd_lab in parallel child processes."""
    jobs = [(f["program_id"], [cell["source"] for cell in f["cells"]]) for f in fixtures]
    runs = run_many(jobs, LAB_MODE, workers=os.cpu_count())
    found = {}
    for fixture, run in zip(fixtures, runs):
        assert run.crash is None, f"{fixture['program_id']}: {run.crash}"
        assert not run.real_torch_loaded
        for verdict in compare_program(fixture, run):
            found[(verdict.program_id, verdict.index)] = verdict
    return found


def explain(verdict: CellVerdict) -> str:
    """Why a cell did not match: its status and cause, its source, and the differences."""
    head = f"{verdict.cell_id}: {verdict.status}"
    if verdict.status == BLOCKED:
        head += f" by cell {verdict.root}"
    cause = f" ({verdict.cause})" if verdict.cause else ""
    return f"{head}{cause}\n\ncell source:\n{textwrap.indent(verdict.source, '    ')}\n\n{verdict.diff}"


def sources_changed(folder: Path, fixtures: list[dict[str, Any]]) -> list[str]:
    """The programs whose recording was made from other sources than they have now (re-record those)."""
    changed = []
    for fixture in fixtures:
        path = folder / "programs" / f"{fixture['program_id']}.py"
        program = parse_program(path.stem, path.read_text(encoding="utf-8"))
        if [cell.source for cell in program.cells] != [cell["source"] for cell in fixture["cells"]]:
            changed.append(path.name)
    return changed
