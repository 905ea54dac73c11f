"""The engine-level autograd programs (tests/fixtures/autograd_engine_apis/programs) print, warn and raise what
PyTorch 2.13 did.

The programs use backward(inputs=), anomaly mode, grad_fn._saved_* and _raw_saved_*,
saved-tensor hooks, node hooks and the custom-Function extras (setup_context,
once_differentiable, mark_dirty, Variable) as autograd notes and course notebooks
do. PyTorch's outputs were recorded by record_engine_api_outputs.py next to them;
each program runs here in a fresh subprocess with `import torch` resolving to
autograd_lab, and every cell is compared (this test never imports torch).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from support import program_fixtures
from support.teaching import MATCH, UNCHECKED, CellVerdict

FIXTURES_DIR = Path(__file__).parent / "fixtures" / "autograd_engine_apis"
FIXTURES = program_fixtures.load(FIXTURES_DIR)
CELLS = [(f["program_id"], i) for f in FIXTURES for i in range(len(f["cells"]))]
CELL_IDS = [f"{p}-cell_{i:02d}" for p, i in CELLS]

# Cells that differ for a reason outside these APIs, with the reason. Strict: an entry whose cell starts matching fails.
KNOWN_DIFFERENCES: dict[str, str] = {
    "03_saved_tensors-cell_09": "x * 2 keeps the number 2 as a float tensor; PyTorch wraps a Python int as an int64 "
                                "tensor",
    "04_saved_tensor_hooks-cell_04": "MulBackward0 saves self before other; PyTorch saves other first, so pack hooks "
                                     "see them in the other order",
}


@functools.cache
def verdicts() -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict, from one run of every program."""
    return program_fixtures.verdicts(FIXTURES)


@pytest.mark.parametrize(("program_id", "index"), CELLS, ids=CELL_IDS)
def test_cell_matches_torch(program_id: str, index: int, request: pytest.FixtureRequest) -> None:
    """The cell's stdout, displayed value, warnings and error are PyTorch's."""
    verdict = verdicts()[(program_id, index)]
    reason = KNOWN_DIFFERENCES.get(verdict.cell_id)
    if reason is not None:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    if verdict.status not in (MATCH, UNCHECKED):
        pytest.fail(program_fixtures.explain(verdict), pytrace=False)


def test_known_differences_name_real_cells() -> None:
    assert set(KNOWN_DIFFERENCES) <= set(CELL_IDS)


def test_fixtures_hold_the_current_program_sources() -> None:
    """Every program was recorded as it reads now (re-run the recorder after an edit)."""
    assert program_fixtures.sources_changed(FIXTURES_DIR, FIXTURES) == []
    assert sorted(p.stem for p in (FIXTURES_DIR / "programs").glob("*.py")) == [f["program_id"] for f in FIXTURES]


def test_recorded_from_torch_2_and_all_compared() -> None:
    for fixture in FIXTURES:
        assert fixture["torch_version"].startswith("2."), fixture["program_id"]
    assert not [c for f in FIXTURES for c in f["cells"] if c["nondeterministic"]]
    assert len(CELLS) >= 80
