"""Every lesson reproduces its seed tutorial: each seed code cell, in order, with PyTorch's output.

The seed cells and PyTorch 2.x's outputs are recorded in tests/fixtures/seeds/ (see
test_seed_cells.py). A lesson installs the torch alias in a code cell (`%load_ext autograd_lab` or
`autograd_lab.install_as_torch()`) and holds every seed cell after it byte for byte, `import torch`
included. The outputs stored in the lesson must be what PyTorch printed, with the masks
test_seed_cells.py uses (object addresses, version strings).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from support.cell_runner import normalise
from support.lesson_outputs import alias_cell, fixture_warnings, stored_outputs

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
# lessons of the course's own, after the seed lessons: no seed, every cell recorded under PyTorch
# (tests/test_lessons_match_pytorch.py)
OWN_LESSONS = ["06_your_own_ops.ipynb", "07_when_gradients_go_wrong.ipynb"]
COURSE = [*LESSONS, *OWN_LESSONS]
INDEX = "index.ipynb"
# exercises a lesson already names but the exercises' authors have yet to write (remove a name once
# its notebook exists)
EXERCISES_TO_COME: set[str] = set()
# lessons that say in their "Your turn" section that they have no graded exercise yet
WITHOUT_EXERCISE = {"07_when_gradients_go_wrong.ipynb"}


def seed(seed_id: str) -> dict[str, Any]:
    return json.loads((SEEDS / f"{seed_id}.json").read_text(encoding="utf-8"))


def lesson(name: str) -> nbformat.NotebookNode:
    return nbformat.read(str(NOTEBOOKS / name), as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def seed_positions(seed_id: str, nb: nbformat.NotebookNode) -> list[int | None]:
    """For each seed cell, the index among nb's code cells where it appears byte for byte after the
    cell that installs the torch alias, in order (None: missing, or no alias cell before it)."""
    cells = code_cells(nb)
    installed = alias_cell(nb)
    positions: list[int | None] = []
    start = len(cells) if installed is None else installed + 1
    for cell in seed(seed_id)["cells"]:
        found = next((i for i in range(start, len(cells)) if cells[i].source == cell["source"]), None)
        positions.append(found)
        if found is not None:
            start = found + 1
    return positions


CASES = [(name, seed_id, i) for name, seed_id in LESSONS.items() for i in range(len(seed(seed_id)["cells"]))]


def test_every_notebook_is_a_known_lesson() -> None:
    """notebooks/ holds exactly the index, one lesson per seed and the course's own lessons."""
    found = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted([INDEX, *COURSE])
    assert COURSE == sorted(COURSE), "lessons are numbered in course order"
    assert sorted(LESSONS.values()) == sorted(path.stem for path in SEEDS.glob("seed_*.json"))


@pytest.mark.parametrize("name", list(LESSONS))
def test_lesson_reproduces_every_seed_cell_in_order(name: str) -> None:
    assert alias_cell(lesson(name)) is not None, f"{name} has no cell installing the torch alias"
    positions = seed_positions(LESSONS[name], lesson(name))
    missing = [i for i, position in enumerate(positions) if position is None]
    assert not missing, f"{name}: seed cells {missing} are missing (or out of order) byte for byte after the alias cell"


def synthetic(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


SEED_SOURCES = [cell["source"] for cell in seed("seed_000")["cells"]]
TORCH_IMPORTING = [i for i, source in enumerate(SEED_SOURCES) if re.search(r"^\s*import torch\b", source, re.M)]


def test_seed_with_torch_imports_exists_for_the_checks() -> None:
    assert TORCH_IMPORTING, "seed_000 has no cell importing torch"


@pytest.mark.parametrize("alias", ["import autograd_lab\nautograd_lab.install_as_torch()", "%load_ext autograd_lab",
                                   "from autograd_lab import install_as_torch\ninstall_as_torch()  # torch = us"])
def test_after_the_alias_seed_cells_count_only_byte_for_byte(alias: str) -> None:
    assert None not in seed_positions("seed_000", synthetic("x = 1", alias, *SEED_SOURCES))
    rewritten = [source.replace("import torch", "import autograd_lab as torch") for source in SEED_SOURCES]
    positions = seed_positions("seed_000", synthetic(alias, *rewritten))
    assert [i for i, p in enumerate(positions) if p is None] == TORCH_IMPORTING
    edited = [source + " " if i == len(SEED_SOURCES) - 1 else source for i, source in enumerate(SEED_SOURCES)]
    assert seed_positions("seed_000", synthetic(alias, *edited))[-1] is None


def test_seed_cells_count_only_after_the_alias() -> None:
    assert seed_positions("seed_000", synthetic(*SEED_SOURCES, "%load_ext autograd_lab")) == [None] * len(SEED_SOURCES)
    assert seed_positions("seed_000", synthetic(*SEED_SOURCES)) == [None] * len(SEED_SOURCES)
    commented = synthetic("# autograd_lab.install_as_torch() comes later", *SEED_SOURCES)
    assert alias_cell(commented) is None


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


@pytest.mark.parametrize("name", COURSE)
def test_lesson_says_what_it_teaches_and_points_to_its_exercise(name: str) -> None:
    nb = lesson(name)
    assert nb.cells[0].cell_type == "markdown" and "What you'll learn" in nb.cells[0].source
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    exercises = re.findall(r"exercises/release/(\w+\.ipynb)", text)
    if name in WITHOUT_EXERCISE:
        assert not exercises and "no graded exercise for this lesson yet" in text
        return
    assert exercises, f"{name} points to no exercise"
    for exercise in exercises:
        assert (EXERCISES / exercise).is_file() or exercise in EXERCISES_TO_COME, exercise


def test_exercises_to_come_are_not_written_yet() -> None:
    for exercise in EXERCISES_TO_COME:
        assert not (EXERCISES / exercise).is_file(), f"{exercise} exists now: remove it from EXERCISES_TO_COME"


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
    assert ordered == COURSE
