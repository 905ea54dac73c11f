"""Course-style programs using torch.nn, torch.optim and torch.utils.data, compared cell by cell with PyTorch.

The programs (tests/fixtures/nn_optim_data/programs/) were written for this project in the
style of public course material; PyTorch 2.13's outputs were recorded by
tests/fixtures/nn_optim_data/record_programs.py. Each program runs in its own fresh
subprocess with `import torch` resolving to autograd_lab; this test never imports torch.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from support import program_fixtures
from support.teaching import MATCH, CellVerdict

FIXTURES_DIR = Path(__file__).parent / "fixtures" / "nn_optim_data"
FIXTURES = program_fixtures.load(FIXTURES_DIR, "[0-9]*.json")
CELLS = [(f["program_id"], i) for f in FIXTURES for i in range(len(f["cells"]))]


@functools.cache
def verdicts() -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict, computed once: the programs run in parallel child processes."""
    return program_fixtures.verdicts(FIXTURES)


@pytest.mark.parametrize(("program_id", "index"), CELLS, ids=[f"{p}-cell_{i:02d}" for p, i in CELLS])
def test_cell_prints_what_pytorch_printed(program_id: str, index: int) -> None:
    """Stdout, displayed value, warnings and error of the cell equal PyTorch's."""
    verdict = verdicts()[(program_id, index)]
    if verdict.status != MATCH:
        pytest.fail(program_fixtures.explain(verdict), pytrace=False)


def test_fixtures_hold_the_current_program_sources() -> None:
    """Each recording was made from the program as it reads now (re-run the recorder after editing one)."""
    assert program_fixtures.sources_changed(FIXTURES_DIR, FIXTURES) == []
    assert all(fixture["torch_version"].startswith("2.") for fixture in FIXTURES)
