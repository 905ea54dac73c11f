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
from pathlib import Path

import pytest

from support import program_fixtures
from support.teaching import MATCH, UNCHECKED, CellVerdict

OPS_DIR = Path(__file__).parent / "fixtures" / "ops"
FIXTURES = program_fixtures.load(OPS_DIR)
CELLS = [(f["program_id"], i) for f in FIXTURES for i in range(len(f["cells"]))]


@functools.cache
def verdicts() -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict, from one run of every program."""
    return program_fixtures.verdicts(FIXTURES)


@pytest.mark.parametrize(("program_id", "index"), CELLS, ids=[f"{p}-cell_{i:02d}" for p, i in CELLS])
def test_cell_matches_torch(program_id: str, index: int) -> None:
    """The cell's stdout, displayed value, warnings and error are PyTorch's."""
    verdict = verdicts()[(program_id, index)]
    if verdict.status not in (MATCH, UNCHECKED):
        pytest.fail(program_fixtures.explain(verdict), pytrace=False)


def test_fixtures_hold_the_current_program_sources() -> None:
    """Every program was recorded as it reads now (re-run the recorder after an edit)."""
    assert program_fixtures.sources_changed(OPS_DIR, FIXTURES) == []
    assert sorted(p.stem for p in (OPS_DIR / "programs").glob("*.py")) == [f["program_id"] for f in FIXTURES]


def test_recorded_from_torch_2_and_compared() -> None:
    """The fixtures hold PyTorch 2.x output, and all but a few cells are compared."""
    for fixture in FIXTURES:
        assert fixture["torch_version"].startswith("2."), fixture["program_id"]
    unchecked = [f"{f['program_id']}-{i}" for f in FIXTURES for i, c in enumerate(f["cells"]) if c["nondeterministic"]]
    assert len(unchecked) <= 2, unchecked
    assert len(CELLS) >= 100
