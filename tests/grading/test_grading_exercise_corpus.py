"""Grade the shipped exercises' corpus (corpus/cases_exercises.py) through the CLI: exact points per student."""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest

from autograd_lab.grading.cli import main
from autograd_lab.grading.notebook import read_notebook, source_text
from corpus.cases_exercises import CASES as SHIPPED_CASES, ExerciseCase
from corpus.cases_round3 import EXERCISE_CASES as ROUND3_CASES

pytest.importorskip("autograd_lab.nn")

CASES = SHIPPED_CASES + ROUND3_CASES
EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
NOTEBOOKS = sorted({case.notebook for case in CASES})


def solutions(name: str) -> dict[str, str]:
    """The instructor's answers of a source notebook, without the solution markers."""
    out = {}
    for cell in read_notebook(EXERCISES / "source" / f"{name}.ipynb")["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = "\n".join(line for line in source_text(cell).splitlines() if "### " not in line)
    return out


def write_submission(case: ExerciseCase, folder: Path) -> None:
    base = case.released_from or case.notebook
    nb = read_notebook(EXERCISES / "release" / f"{base}.ipynb")
    answers = {} if case.answers is None else {**solutions(base), **case.answers}
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid].splitlines(keepends=True)
    if case.edit is not None:
        case.edit(nb["cells"])
    target = folder / case.name / f"{case.notebook}.ipynb"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(nb))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, str]]]:
    root = tmp_path_factory.mktemp("exercise-corpus")
    rows: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for name in NOTEBOOKS:
        subs, out = root / name / "submitted", root / name / "graded"
        for case in CASES:
            if case.notebook == name:
                write_submission(case, subs)
        argv = ["grade", str(subs), "--source", str(EXERCISES / "source" / f"{name}.ipynb"), "--out", str(out),
                "--jobs", "2", "--quiet"]
        assert main(argv) == 0
        with open(out / "gradebook.csv", newline="") as fh:
            for row in csv.DictReader(fh):
                row["feedback_text"] = (out / row["feedback"]).read_text()
                rows[name][row["student"]] = row
    return rows


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_exercise_case_grade(graded: dict, case: ExerciseCase) -> None:
    row = graded[case.notebook][case.name]
    # the CSV shows points to two decimals
    assert (float(row["total"]), row["status"]) == (pytest.approx(case.points, abs=0.005), case.status), row
    for qid, points in case.questions.items():
        assert float(row[qid]) == pytest.approx(points, abs=0.005), (qid, row)
    assert case.hint in row["feedback_text"]
    assert case.note in row["notes"]
    if not case.note:
        assert not any(word in row["notes"] for word in ("inserted", "edited", "missing", "position")), row["notes"]
    assert (float(row["total"]) == float(row["max"])) == case.correct, "a wrong answer must lose points"

