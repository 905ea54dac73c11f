"""The tensor-API programs (tests/fixtures/ops/programs) print, warn and raise what PyTorch 2.13 did.

The programs are written as course notebooks use the APIs: the device boilerplate,
in-place ops and their autograd errors, writing into slices of tensors in a graph,
indexing with lists and tensors, reductions, shape ops, sorting, einsum and linear
algebra. PyTorch's outputs were recorded by tests/fixtures/ops/record_ops_outputs.py;
each program runs here in a fresh subprocess with `import torch` resolving to
autograd_lab, and every cell is compared (this test never imports torch).
"""

from __future__ import annotations

import functools
import json
import os
import textwrap
from pathlib import Path

import pytest

from support.teaching import BLOCKED, LAB_MODE, MATCH, UNCHECKED, CellVerdict, compare_program, parse_program, run_many

OPS_DIR = Path(__file__).parent / "fixtures" / "ops"
FIXTURES = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(OPS_DIR.glob("*.json"))]
CELLS = [(f["program_id"], i) for f in FIXTURES for i in range(len(f["cells"]))]


@functools.cache
def verdicts() -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict, from one run of every program."""
    jobs = [(f["program_id"], [c["source"] for c in f["cells"]]) for f in FIXTURES]
    runs = run_many(jobs, LAB_MODE, workers=os.cpu_count())
    found = {}
    for fixture, run in zip(FIXTURES, runs):
        assert run.crash is None, run.crash
        for verdict in compare_program(fixture, run):
            found[(verdict.program_id, verdict.index)] = verdict
    return found


@pytest.mark.parametrize(("program_id", "index"), CELLS, ids=[f"{p}-cell_{i:02d}" for p, i in CELLS])
def test_cell_matches_torch(program_id: str, index: int) -> None:
    """The cell's stdout, displayed value, warnings and error are PyTorch's."""
    verdict = verdicts()[(program_id, index)]
    if verdict.status not in (MATCH, UNCHECKED):
        head = f"{verdict.cell_id}: {verdict.status}"
        if verdict.status == BLOCKED:
            head += f" by cell {verdict.root}"
        pytest.fail(f"{head} ({verdict.cause})\n\ncell source:\n{textwrap.indent(verdict.source, '    ')}\n\n"
                    f"{verdict.diff}", pytrace=False)


def test_fixtures_hold_the_current_program_sources() -> None:
    """Every program was recorded as it reads now (re-run the recorder after an edit)."""
    for fixture in FIXTURES:
        path = OPS_DIR / "programs" / f"{fixture['program_id']}.py"
        program = parse_program(path.stem, path.read_text(encoding="utf-8"))
        assert [c.source for c in program.cells] == [c["source"] for c in fixture["cells"]], path.name
    assert sorted(p.stem for p in (OPS_DIR / "programs").glob("*.py")) == [f["program_id"] for f in FIXTURES]


def test_recorded_from_torch_2_and_compared() -> None:
    """The fixtures hold PyTorch 2.x output, and all but a few cells are compared."""
    for fixture in FIXTURES:
        assert fixture["torch_version"].startswith("2."), fixture["program_id"]
    unchecked = [f"{f['program_id']}-{i}" for f in FIXTURES for i, c in enumerate(f["cells"]) if c["nondeterministic"]]
    assert len(unchecked) <= 2, unchecked
    assert len(CELLS) >= 100
