"""Grade the parent-side corpus (links, special files, huge and malformed notebooks, odd names) in one run
and check that every student is in the gradebook exactly once with the exact points, status and note."""
from __future__ import annotations

import csv
import html
import os
from pathlib import Path
from typing import Any, Iterator

import pytest

import nbtools
from autograd_lab.grading import discovery
from autograd_lab.grading.cli import main
from autograd_lab.grading.identity import display, file_stem, key
from autograd_lab.grading.release import release_notebook
from autograd_lab.grading.store import Gradebook
from corpus.cases import solved
from corpus.cases_parent import AWKWARD, PARENT_CASES as SHIPPED_CASES, ParentCase, can_make, remove_deep, write_parent_cases
from corpus.cases_round3 import PARENT_CASES as ROUND3_CASES

PARENT_CASES = SHIPPED_CASES + ROUND3_CASES


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("parent")
    source = nbtools.write(nbtools.numpy_source(), root / "course" / "practice.ipynb")
    released = release_notebook(nbtools.numpy_source(), "practice")
    subs, out = root / "submitted", root / "graded"
    subs.mkdir()
    made = write_parent_cases(subs, released, {"source": source, "out": out}, PARENT_CASES)
    argv = ["grade", str(subs), "--source", str(source), "--out", str(out), "--jobs", "2",
            "--cell-timeout", "5", "--timeout", "30", "--quiet"]
    code = main(argv)
    with Gradebook(out) as book:
        rows = list(book.rows("practice"))
        problems = book.check()
    yield {"code": code, "rows": rows, "out": out, "made": made, "problems": problems}
    remove_deep(subs / "p_deep_only")


def _expected(made: list[ParentCase]) -> dict[str, tuple[float, str, str]]:
    return {student: want for case in made for student, want in case.expect.items()}


@pytest.mark.parametrize("case", PARENT_CASES, ids=[c.name for c in PARENT_CASES])
def test_case_grade(graded: dict[str, Any], case: ParentCase) -> None:
    if not can_make(case):
        pytest.skip("making this kind of file needs root")
    by_student = {row.student: row for row in graded["rows"]}
    for student, (points, status, note) in case.expect.items():
        row = by_student[student]
        assert (row.points, row.status) == (points, status), (display(student), row.result["notes"])
        assert note in "; ".join(row.result["notes"]), (display(student), row.result["notes"])


def test_every_submission_exactly_once(graded: dict[str, Any]) -> None:
    assert graded["code"] == 0
    assert graded["problems"] == []
    students = [row.student for row in graded["rows"]]
    assert len(students) == len(set(students))
    assert set(students) == set(_expected(graded["made"]))


def test_ids_are_exact_bytes(graded: dict[str, Any]) -> None:
    keys = {key(row.student) for row in graded["rows"]}
    assert {b"J\xf6rg", b"\xe9t\xe9", "王伟".encode(), "Zoë".encode(), "Zoe\u0308".encode(), b"anna maria",
            b"anna_maria", b"Bob", b"bob"} <= keys


def test_feedback_files_are_one_per_student_and_name_them(graded: dict[str, Any]) -> None:
    out: Path = graded["out"]
    pages = sorted(os.listdir(out / "feedback"))
    assert len(pages) == len(graded["rows"])
    assert len({p.lower() for p in pages}) == len(pages), "names must differ on case-insensitive file systems too"
    for row in graded["rows"]:
        page = (out / "feedback" / f"{file_stem(row.student)}.html").read_text(encoding="utf-8")
        assert f"Student: <b>{html.escape(display(row.student))}</b>" in page
        assert len(file_stem(row.student).encode()) < 200
    assert "<b>&amp; co" not in (out / "feedback" / f"{file_stem(AWKWARD)}.html").read_text()


def test_csv_has_every_student_once_with_feedback_link(graded: dict[str, Any]) -> None:
    out: Path = graded["out"]
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(r["student"] for r in rows) == sorted(display(row.student) for row in graded["rows"])
    by_name = {r["student"]: r for r in rows}
    assert by_name["J\\xf6rg"]["total"] == "5"
    assert by_name[AWKWARD]["total"] == "5"
    assert all((out / r["feedback"]).is_file() for r in rows)


@pytest.fixture()
def small_class(tmp_path: Path) -> dict[str, Path]:
    source = nbtools.write(nbtools.numpy_source(), tmp_path / "practice.ipynb")
    released = release_notebook(nbtools.numpy_source(), "practice")
    for student in ("amy", "ben", "cal"):
        nbtools.write(solved(released), tmp_path / "subs" / student / "practice.ipynb")
    return {"source": source, "subs": tmp_path / "subs", "out": tmp_path / "out"}


def _grade(small_class: dict[str, Path]) -> int:
    return main(["grade", str(small_class["subs"]), "--source", str(small_class["source"]),
                 "--out", str(small_class["out"]), "--jobs", "2", "--quiet"])


def test_a_failure_while_finding_one_notebook_is_that_students_row(small_class: dict[str, Path],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = discovery.from_folder

    def broken(student: str, *args: Any) -> Any:
        if student == "ben":
            raise RuntimeError("the disk hiccuped")
        return real(student, *args)

    monkeypatch.setattr(discovery, "from_folder", broken)
    assert _grade(small_class) == 0
    with Gradebook(small_class["out"]) as book:
        rows = {r.student: r for r in book.rows("practice")}
    assert {s: (r.points, r.status) for s, r in rows.items()} == {
        "amy": (5, "ok"), "ben": (0, "grader-error"), "cal": (5, "ok")}
    assert rows["ben"].result["notes"] == ["finding the notebook failed: RuntimeError: the disk hiccuped"]


def test_a_feedback_file_that_cannot_be_written_costs_only_that_file(small_class: dict[str, Path],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    blocked = small_class["out"] / "feedback" / f"{file_stem('ben')}.html"
    (blocked / "in-the-way").mkdir(parents=True)
    assert _grade(small_class) == 1
    assert "export failed: ben:" in capsys.readouterr().err
    for student in ("amy", "cal"):
        assert (small_class["out"] / "feedback" / f"{file_stem(student)}.html").is_file()
        assert (small_class["out"] / "results" / f"{file_stem(student)}.json").is_file()
    with Gradebook(small_class["out"]) as book:
        assert sorted(r.student for r in book.rows("practice")) == ["amy", "ben", "cal"]
