"""Every lesson reproduces its seed tutorial: each seed code cell, in order, with PyTorch's output.

The seed cells and PyTorch 2.x's outputs are recorded in tests/fixtures/seeds/ (see
test_seed_cells.py); the only change allowed to a cell is `swap_imports`. The outputs stored in the
lesson must be what PyTorch printed, with the masks test_seed_cells.py uses (object addresses,
version strings, and numbers in cells that draw random values).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from support.cell_runner import normalise, swap_imports

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"
EXERCISES = ROOT / "exercises" / "release"

# lesson notebook -> the seed tutorial it reproduces
LESSONS = {
    "01_first_gradients.ipynb": "seed_000",
    "02_tensors_and_graphs.ipynb": "seed_001",
    "03_vector_jacobian_products.ipynb": "seed_004",
    "04_stopping_and_accumulating.ipynb": "seed_002",
    "05_backward_in_depth.ipynb": "seed_003",
}
INDEX = "index.ipynb"
# a warning as the kernel prints it: "<file>:<line>: <Category>: <message>\n  <source line>\n"
_WARNING_HEAD = re.compile(r"^.*?:(\d+): (\w+): ", re.MULTILINE)


def seed(seed_id: str) -> dict[str, Any]:
    return json.loads((SEEDS / f"{seed_id}.json").read_text(encoding="utf-8"))


def lesson(name: str) -> nbformat.NotebookNode:
    return nbformat.read(str(NOTEBOOKS / name), as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def seed_positions(seed_id: str, nb: nbformat.NotebookNode) -> list[int | None]:
    """For each seed cell, the index among nb's code cells where it appears, in order (None: missing)."""
    cells = code_cells(nb)
    positions: list[int | None] = []
    start = 0
    for cell in seed(seed_id)["cells"]:
        wanted = swap_imports(cell["source"])
        found = next((i for i in range(start, len(cells)) if cells[i].source == wanted), None)
        positions.append(found)
        if found is not None:
            start = found + 1
    return positions


def stored_outputs(cell: nbformat.NotebookNode) -> dict[str, Any]:
    """A notebook cell's stored outputs in the seed fixtures' format."""
    stdout, stderr, display, error = "", "", None, None
    for output in cell.outputs:
        if output.output_type == "stream":
            if output.name == "stdout":
                stdout += output.text
            else:
                stderr += output.text
        elif output.output_type == "execute_result":
            display = output.data.get("text/plain")
        elif output.output_type == "error":
            error = {"type": output.ename, "message": output.evalue}
    return {"stdout": stdout, "stderr_warnings": split_warnings(stderr), "display": display, "error": error}


def split_warnings(stderr: str) -> list[str]:
    """Warnings printed to stderr, each without the file name it was attributed to."""
    heads = list(_WARNING_HEAD.finditer(stderr))
    if not heads:
        return [stderr] if stderr else []
    return [stderr[m.start(1):(heads[i + 1].start() if i + 1 < len(heads) else len(stderr))]
            for i, m in enumerate(heads)]


def fixture_warnings(warnings: list[str]) -> list[str]:
    """The fixture's warnings ("<cell-7>:1: UserWarning: ...") without the file name."""
    return [w[w.index(":") + 1:] for w in warnings]


CASES = [(name, seed_id, i) for name, seed_id in LESSONS.items() for i in range(len(seed(seed_id)["cells"]))]


def test_every_notebook_is_a_known_lesson() -> None:
    """notebooks/ holds exactly the index and the five lessons, one per seed."""
    found = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted([INDEX, *LESSONS])
    assert sorted(LESSONS.values()) == sorted(path.stem for path in SEEDS.glob("seed_*.json"))


@pytest.mark.parametrize("name", list(LESSONS))
def test_lesson_reproduces_every_seed_cell_in_order(name: str) -> None:
    positions = seed_positions(LESSONS[name], lesson(name))
    missing = [i for i, position in enumerate(positions) if position is None]
    assert not missing, f"{name}: seed cells {missing} are missing (or out of order) after the import swap"


@pytest.mark.parametrize(("name", "seed_id", "index"), CASES, ids=[f"{n[:2]}-{s}-cell_{i:02d}" for n, s, i in CASES])
def test_stored_output_is_what_pytorch_printed(name: str, seed_id: str, index: int) -> None:
    nb = lesson(name)
    position = seed_positions(seed_id, nb)[index]
    assert position is not None
    cell = code_cells(nb)[position]
    recorded = seed(seed_id)["cells"][index]
    version = recorded.get("version", False)
    expected = dict(recorded["torch"], stderr_warnings=fixture_warnings(recorded["torch"]["stderr_warnings"]))
    assert normalise(stored_outputs(cell), version=version) == normalise(expected, version=version)
    if recorded["torch"]["error"] is not None:
        assert "raises-exception" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("name", list(LESSONS))
def test_lesson_says_what_it_teaches_and_points_to_its_exercise(name: str) -> None:
    nb = lesson(name)
    assert nb.cells[0].cell_type == "markdown" and "What you'll learn" in nb.cells[0].source
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    exercises = re.findall(r"exercises/release/(\w+\.ipynb)", text)
    assert exercises, f"{name} points to no exercise"
    for exercise in exercises:
        assert (EXERCISES / exercise).is_file(), exercise


@pytest.mark.parametrize("name", list(LESSONS))
def test_lesson_seeds_random_numbers_before_drawing_any(name: str) -> None:
    """Where the seed draws random numbers, torch.manual_seed runs before the first draw."""
    nb = lesson(name)
    positions = seed_positions(LESSONS[name], nb)
    random_cells = [p for p, cell in zip(positions, seed(LESSONS[name])["cells"]) if cell["random"]]
    if not random_cells:
        return
    cells = code_cells(nb)
    seeded = [i for i, cell in enumerate(cells) if "torch.manual_seed(" in cell.source]
    assert seeded and seeded[0] < min(random_cells)


def test_index_links_every_lesson_in_order() -> None:
    text = "\n".join(cell.source for cell in lesson(INDEX).cells if cell.cell_type == "markdown")
    links = re.findall(r"\]\((\d\d_\w+\.ipynb)\)", text)
    ordered = list(dict.fromkeys(links))
    assert ordered == list(LESSONS)
