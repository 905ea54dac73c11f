"""Every value a lesson prints is what PyTorch prints.

tests/fixtures/lessons/<lesson>.json holds, for each PyTorch cell of a lesson (a code cell after the
alias cell that does not draw or play; tests/support/lesson_outputs.py), what PyTorch 2.x printed
when the lesson's PyTorch cells ran in order (tests/fixtures/lessons/record_lesson_outputs.py).
Here the outputs stored in the lesson must be those, with only object addresses (and version strings
in cells that print `__version__`) masked. View cells print nothing of their own: they only show a
drawing or a player, so leaving them out of the recording changes no value a PyTorch cell prints
(if one did change a later value, that cell's comparison would fail).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from support.cell_runner import normalise
from support.lesson_outputs import (alias_cell, code_cells, names, pytorch_cells, read_notebook,
                                    recorded_outputs, source_of, stored_outputs, text_of, view_cells)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lessons"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
RAISES = "raises-exception"
RERECORD = "re-record with PyTorch: python tests/fixtures/lessons/record_lesson_outputs.py NOTEBOOK"


def recording(lesson: Path) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{lesson.stem}.json").read_text(encoding="utf-8"))


def cases() -> list[tuple[Path, int]]:
    recorded = [lesson for lesson in LESSONS if (FIXTURES / f"{lesson.stem}.json").is_file()]
    return [(lesson, index) for lesson in recorded for index in range(len(recording(lesson)["cells"]))]


def test_every_lesson_is_recorded() -> None:
    assert LESSONS
    assert sorted(path.stem for path in FIXTURES.glob("*.json")) == [lesson.stem for lesson in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_recording_is_of_the_current_cells(lesson: Path) -> None:
    """The recording holds exactly the lesson's PyTorch cells, in order, with their current code."""
    nb = read_notebook(lesson)
    assert alias_cell(nb) is not None, "the lesson installs the torch alias in a code cell"
    current = [(cell["id"], source_of(cell)) for cell in pytorch_cells(nb)]
    recorded = [(cell["id"], cell["source"]) for cell in recording(lesson)["cells"]]
    assert current == recorded, RERECORD


CASES = cases()


@pytest.mark.parametrize(("lesson", "index"), CASES, ids=[f"{lesson.stem[:2]}-cell_{i:02d}" for lesson, i in CASES])
def test_stored_output_is_what_pytorch_printed(lesson: Path, index: int) -> None:
    recorded = recording(lesson)["cells"][index]
    cell = next(cell for cell in code_cells(read_notebook(lesson)) if cell["id"] == recorded["id"])
    version = recorded["version"]
    expected = normalise(recorded_outputs(recorded["torch"]), version=version)
    assert normalise(stored_outputs(cell), version=version) == expected, f"cell {cell['id']}:\n{recorded['source']}"
    tagged = RAISES in cell.get("metadata", {}).get("tags", [])
    assert tagged == (recorded["torch"]["error"] is not None), f"cell {cell['id']}: tag {RAISES} iff PyTorch raises"


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.stem for lesson in LESSONS])
def test_view_cells_only_show_a_drawing_or_a_player(lesson: Path) -> None:
    nb = read_notebook(lesson)
    first = alias_cell(nb)
    assert first is not None and not code_cells(nb)[first].get("outputs"), "the alias cell prints nothing"
    for cell in view_cells(nb):
        _, assigned, _ = names(source_of(cell))
        assert not assigned, (f"cell {cell['id']} assigns {sorted(assigned)}: a view cell defines functions only, "
                              "so no PyTorch cell reads a value it made (or is taken for a view cell)")
        kinds = [output["output_type"] for output in cell.get("outputs", [])]
        assert kinds and set(kinds) <= {"display_data", "execute_result"}, f"cell {cell['id']} prints {kinds}"
        html = [text_of(output["data"].get("text/html", "")) for output in cell["outputs"]]
        assert all("<img" in text or "<svg" in text for text in html), f"cell {cell['id']} shows no picture"
