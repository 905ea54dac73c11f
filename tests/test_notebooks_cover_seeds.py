"""Every lesson reproduces its seed tutorial: each seed code cell, in order, with PyTorch's output.

The seed cells and PyTorch 2.x's outputs are recorded in tests/fixtures/seeds/ (see
test_seed_cells.py). A lesson that installs the torch alias in a code cell (`%load_ext
autograd_lab` or `autograd_lab.install_as_torch()`) must hold every seed cell after it byte for
byte, `import torch` included; a lesson without the alias holds them with their imports rewritten by
`swap_imports` (the style lessons had before the alias existed). The outputs stored in the lesson
must be what PyTorch printed, with the masks test_seed_cells.py uses (object addresses, version
strings).
"""

from __future__ import annotations

import ast
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
# a code cell that makes `import torch` import autograd_lab from then on
_INSTALLS_ALIAS = re.compile(r"^[ \t]*(?:%load_ext[ \t]+autograd_lab[ \t]*$|(?:[\w.]+\.)?install_as_torch\(\))",
                             re.MULTILINE)


def seed(seed_id: str) -> dict[str, Any]:
    return json.loads((SEEDS / f"{seed_id}.json").read_text(encoding="utf-8"))


def lesson(name: str) -> nbformat.NotebookNode:
    return nbformat.read(str(NOTEBOOKS / name), as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def alias_cell(nb: nbformat.NotebookNode) -> int | None:
    """The index among nb's code cells of the first one that installs the torch alias (None: no such cell)."""
    return next((i for i, cell in enumerate(code_cells(nb)) if _INSTALLS_ALIAS.search(cell.source)), None)


def seed_positions(seed_id: str, nb: nbformat.NotebookNode) -> list[int | None]:
    """For each seed cell, the index among nb's code cells where it appears, in order (None: missing).

    After a cell that installs the alias, a seed cell must appear byte for byte; in a lesson
    without one, with its imports swapped.
    """
    cells = code_cells(nb)
    installed = alias_cell(nb)
    positions: list[int | None] = []
    start = 0 if installed is None else installed + 1
    for cell in seed(seed_id)["cells"]:
        wanted = cell["source"] if installed is not None else swap_imports(cell["source"])
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
    style = "after the import swap" if alias_cell(lesson(name)) is None else "byte for byte after the alias cell"
    assert not missing, f"{name}: seed cells {missing} are missing (or out of order) {style}"


def synthetic(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


SEED_SOURCES = [cell["source"] for cell in seed("seed_000")["cells"]]
TORCH_IMPORTING = [i for i, source in enumerate(SEED_SOURCES) if swap_imports(source) != source]


def test_seed_with_torch_imports_exists_for_the_style_checks() -> None:
    assert TORCH_IMPORTING, "seed_000 has no cell importing torch"


@pytest.mark.parametrize("alias", ["import autograd_lab\nautograd_lab.install_as_torch()", "%load_ext autograd_lab",
                                   "from autograd_lab import install_as_torch\ninstall_as_torch()  # torch = us"])
def test_after_the_alias_seed_cells_count_only_byte_for_byte(alias: str) -> None:
    assert None not in seed_positions("seed_000", synthetic("x = 1", alias, *SEED_SOURCES))
    swapped = seed_positions("seed_000", synthetic(alias, *[swap_imports(s) for s in SEED_SOURCES]))
    assert [i for i, p in enumerate(swapped) if p is None] == TORCH_IMPORTING


def test_seed_cells_before_the_alias_do_not_count() -> None:
    positions = seed_positions("seed_000", synthetic(*SEED_SOURCES, "%load_ext autograd_lab"))
    assert positions == [None] * len(SEED_SOURCES)


def test_without_the_alias_seed_cells_count_only_with_swapped_imports() -> None:
    assert None not in seed_positions("seed_000", synthetic(*[swap_imports(s) for s in SEED_SOURCES]))
    unchanged = seed_positions("seed_000", synthetic(*SEED_SOURCES))
    assert [i for i, p in enumerate(unchanged) if p is None] == TORCH_IMPORTING
    commented = synthetic("# autograd_lab.install_as_torch() comes later", *SEED_SOURCES)
    assert alias_cell(commented) is None


@pytest.mark.parametrize("seed_id", sorted(path.stem for path in SEEDS.glob("seed_*.json")))
def test_import_swap_keeps_every_seed_cell_valid_python(seed_id: str) -> None:
    """The swap (lessons without the alias) compiles, imports no torch and keeps line numbers."""
    for index, cell in enumerate(seed(seed_id)["cells"]):
        swapped = swap_imports(cell["source"])
        tree = ast.parse(swapped, f"{seed_id}-cell_{index:02d}")
        assert not any(isinstance(node, ast.Import) and any(a.name.split(".")[0] == "torch" for a in node.names)
                       or isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "torch"
                       for node in ast.walk(tree))
        assert swapped.count("\n") == cell["source"].count("\n")


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
