"""Grade the hostile corpus through the CLI and check every student's exact points and status."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import nbtools
from autograd_lab.grading import landlock
from autograd_lab.grading.cli import main
from autograd_lab.grading.identity import file_stem
from autograd_lab.grading.release import release_notebook
from corpus.cases import CASES as BASIC_CASES, write_case
from corpus.cases_round3 import CASES as ROUND3_CASES, FEEDBACK as ROUND3_FEEDBACK
from corpus.cases_trust import CASES as TRUST_CASES

CASES = BASIC_CASES + TRUST_CASES + ROUND3_CASES

HIDDEN_CODE = ["squares.shape", "grad.dtype", "float(grad.sum())", "3.5", "BEGIN HIDDEN"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("corpus")
    source = nbtools.write(nbtools.numpy_source(), root / "course" / "source" / "practice.ipynb")
    released = release_notebook(nbtools.numpy_source(), "practice")
    out = root / "course" / "graded"
    subs = root / "submitted"
    ctx = {"source": source, "out": out}
    for case in CASES:
        write_case(case, subs, released, ctx)
    argv = ["grade", str(subs), "--source", str(source), "--out", str(out), "--jobs", "2",
            "--cell-timeout", "2", "--timeout", "20", "--memory-mb", "1024", "--max-output", "200000", "--quiet"]
    assert main(argv) == 0
    with open(out / "gradebook.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    return {"rows": rows, "out": out, "argv": argv}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_grade(graded: dict, case) -> None:
    if case.name == "kill_grader" and landlock.abi_version() < 6:
        pytest.skip("signal scoping needs Landlock ABI 6")
    if case.name in ("read_hidden", "tamper_gradebook") and landlock.abi_version() < 1:
        pytest.skip("filesystem isolation needs Landlock")
    row = graded["rows"][case.name]
    assert (float(row["total"]), row["status"]) == (case.points, case.status), row
    assert case.note in row["notes"]


def test_one_row_per_student_and_columns(graded: dict) -> None:
    rows = graded["rows"]
    assert set(rows) == {c.name for c in CASES}
    first = next(iter(rows.values()))
    assert list(first)[:7] == ["student", "status", "total", "max", "q1", "q2", "q3"]
    assert rows["wrong_with_hint"]["q1"] == "1"


def test_feedback_never_shows_hidden_tests(graded: dict) -> None:
    out: Path = graded["out"]
    pages = list((out / "feedback").glob("*.html"))
    assert len(pages) == len(CASES)
    for page in pages:
        text = page.read_text()
        for secret in HIDDEN_CODE:
            assert secret not in text, (page.name, secret)
    wrong = (out / "feedback" / f"{file_stem('wrong_with_hint')}.html").read_text()
    assert "That doubles; use ** 2." in wrong and "hidden check 1" in wrong


@pytest.mark.parametrize("name", sorted(ROUND3_FEEDBACK))
def test_feedback_explains_the_error(graded: dict, name: str) -> None:
    page = (graded["out"] / "feedback" / f"{file_stem(name)}.html").read_text()
    for text in ROUND3_FEEDBACK[name]:
        assert text in page, (name, text)


def test_gradescope_results(graded: dict) -> None:
    data = json.loads((graded["out"] / "results" / f"{file_stem('segfault')}.json").read_text())
    assert data["score"] == 3
    assert [t["name"] for t in data["tests"]] == ["q1", "q1: hidden check 1", "q2", "q3", "q3: hidden check 1",
                                                  "q3: hidden check 2"]
    assert [t["max_score"] for t in data["tests"]] == pytest.approx([1, 1, 1, 2 / 3, 2 / 3, 2 / 3], abs=1e-4)
    assert all(secret not in json.dumps(data) for secret in HIDDEN_CODE)


def test_tampering_left_reports_intact(graded: dict) -> None:
    out: Path = graded["out"]
    assert "tampered" not in (out / "gradebook.csv").read_text()
    assert not (out / ".state" / "evil.json").exists()


def test_resume_skips_graded(graded: dict, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [a for a in graded["argv"]] + ["--resume"]
    assert main(argv) == 0
    assert "graded" in capsys.readouterr().out
    with open(graded["out"] / "gradebook.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert rows == graded["rows"]
