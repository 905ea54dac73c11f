"""Course-style programs using torch.nn, torch.optim and torch.utils.data, compared cell by cell with PyTorch.

The programs (tests/fixtures/nn_optim_data/programs/) were written for this project in the
style of public course material; PyTorch 2.13's outputs were recorded by
tests/fixtures/nn_optim_data/record_programs.py. Each program runs in its own fresh
subprocess with `import torch` resolving to autograd_lab; this test never imports torch.
"""

from __future__ import annotations

import functools
import json
import os
import textwrap
from pathlib import Path

import pytest

from support.teaching import LAB_MODE, MATCH, CellVerdict, compare_program, parse_program, run_many

FIXTURES_DIR = Path(__file__).parent / "fixtures" / "nn_optim_data"
FIXTURES = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(FIXTURES_DIR.glob("[0-9]*.json"))]
CELLS = [(f["program_id"], i) for f in FIXTURES for i in range(len(f["cells"]))]


@functools.cache
def verdicts() -> dict[tuple[str, int], CellVerdict]:
    """Every cell's verdict, computed once: the programs run in parallel child processes."""
    jobs = [(f["program_id"], [cell["source"] for cell in f["cells"]]) for f in FIXTURES]
    runs = run_many(jobs, LAB_MODE, workers=os.cpu_count())
    found = {}
    for fixture, run in zip(FIXTURES, runs):
        assert run.crash is None, f"{fixture['program_id']}: {run.crash}"
        assert not run.real_torch_loaded
        for verdict in compare_program(fixture, run):
            found[(verdict.program_id, verdict.index)] = verdict
    return found


@pytest.mark.parametrize(("program_id", "index"), CELLS, ids=[f"{p}-cell_{i:02d}" for p, i in CELLS])
def test_cell_prints_what_pytorch_printed(program_id: str, index: int) -> None:
    """Stdout, displayed value, warnings and error of the cell equal PyTorch's."""
    verdict = verdicts()[(program_id, index)]
    if verdict.status != MATCH:
        cause = f" ({verdict.cause})" if verdict.cause else ""
        pytest.fail(f"{verdict.cell_id}: {verdict.status}{cause}\n\n{textwrap.indent(verdict.source, '    ')}\n\n"
                    f"{verdict.diff}", pytrace=False)


def test_fixtures_hold_the_current_program_sources() -> None:
    """Each recording was made from the program as it reads now (re-run the recorder after editing one)."""
    for fixture in FIXTURES:
        path = FIXTURES_DIR / "programs" / f"{fixture['program_id']}.py"
        program = parse_program(path.stem, path.read_text(encoding="utf-8"))
        assert [cell.source for cell in program.cells] == [cell["source"] for cell in fixture["cells"]]
        assert fixture["torch_version"].startswith("2.")
