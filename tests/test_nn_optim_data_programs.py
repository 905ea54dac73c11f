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

# Cells whose PyTorch output autograd_lab is not meant to reproduce, with the reason (strict xfail:
# an entry whose cell starts matching fails the run; remove it then).
KNOWN_DIFFERENCES: dict[str, str] = {
    "09_training_loops-cell_06": "float32 rounding: a loss after 20 Adam steps through tanh prints 1.0081, PyTorch "
                                 "1.0080 (tanh is rounded once from float64, which agrees with PyTorch's vectorised "
                                 "tanh on 99% of inputs; NumPy's float32 tanh on 70%)",
}


@functools.cache
def verdicts() -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict, computed once: the programs run in parallel child processes."""
    return program_fixtures.verdicts(FIXTURES)


@pytest.mark.parametrize(("program_id", "index"), CELLS, ids=[f"{p}-cell_{i:02d}" for p, i in CELLS])
def test_cell_prints_what_pytorch_printed(program_id: str, index: int, request: pytest.FixtureRequest) -> None:
    """Stdout, displayed value, warnings and error of the cell equal PyTorch's."""
    reason = KNOWN_DIFFERENCES.get(f"{program_id}-cell_{index:02d}")
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    verdict = verdicts()[(program_id, index)]
    if verdict.status != MATCH:
        pytest.fail(program_fixtures.explain(verdict), pytrace=False)


def test_known_differences_name_real_cells() -> None:
    assert set(KNOWN_DIFFERENCES) <= {f"{p}-cell_{i:02d}" for p, i in CELLS}


def test_fixtures_hold_the_current_program_sources() -> None:
    """Each recording was made from the program as it reads now (re-run the recorder after editing one)."""
    assert program_fixtures.sources_changed(FIXTURES_DIR, FIXTURES) == []
    assert all(fixture["torch_version"].startswith("2.") for fixture in FIXTURES)
