"""The grade command: shards write into one gradebook, progress and bad input; the SQLite side is in test_grading_store."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import nbtools
from autograd_lab.grading.cli import Progress, main
from autograd_lab.grading.discovery import Submission
from autograd_lab.grading.grader import StudentResult, shard
from autograd_lab.grading.identity import shard_of
from autograd_lab.grading.release import release_notebook

QUICK = ["--jobs", "2", "--cell-timeout", "5", "--timeout", "20", "--quiet"]


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    nbtools.write(nbtools.numpy_source(), tmp_path / "practice.ipynb")
    released = release_notebook(nbtools.numpy_source(), "practice")
    for i, answer in enumerate(["squares = np.arange(4) ** 2", "squares = np.arange(4)", "squares = None", "1/0"]):
        nb = nbtools.with_answers(released, {"q1_answer": answer, "q2_answer": nbtools.Q2_SOLUTION,
                                             "q3_answer": nbtools.Q3_SOLUTION})
        nbtools.write(nb, tmp_path / "subs" / f"s{i}.ipynb")
    return tmp_path


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def test_shards_merge_into_one_gradebook(course: Path) -> None:
    out = course / "out"
    base = ["grade", str(course / "subs"), "--source", str(course / "practice.ipynb"), "--out", str(out), *QUICK]
    first = {f"s{i}" for i in range(4) if shard_of(f"s{i}", 2) == 0}
    assert 0 < len(first) < 4, "the example needs students in both shards"
    assert main([*base, "--shard", "1/2"]) == 0
    assert set(_rows(out)) == first
    assert main([*base, "--shard", "2/2"]) == 0
    rows = _rows(out)
    assert set(rows) == {"s0", "s1", "s2", "s3"}
    assert [rows[s]["total"] for s in ("s0", "s1", "s2", "s3")] == ["5", "4", "2", "2"]
    assert rows["s3"]["status"] == "error"


def test_bad_arguments_exit_2(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["grade", str(course / "subs"), "--out", str(course / "o"), *QUICK]
    assert main([*base, "--source", str(course / "nope.ipynb")]) == 2
    assert main([*base, "--source", str(course / "practice.ipynb"), "--shard", "3/2"]) == 2
    assert main(["grade", str(course / "none"), "--source", str(course / "practice.ipynb"), "--out", "x"]) == 2
    assert "autograd-lab:" in capsys.readouterr().err


def test_shard_is_a_partition_that_does_not_depend_on_who_else_submitted() -> None:
    subs = [Submission(name, None) for name in ["ann", "bob", "王伟", "Ольга", "zoë", "x" * 300, *map(str, range(40))]]
    parts = [shard(subs, f"{i}/3") for i in (1, 2, 3)]
    assert sorted(s.student for p in parts for s in p) == sorted(s.student for s in subs)
    assert all(parts)
    fewer = shard(subs[3:], "2/3")
    assert [s.student for s in fewer] == [s.student for s in parts[1] if s in subs[3:]]
    assert shard(subs, None) == subs


def test_progress_line_has_eta() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream=stream)
    res = StudentResult("bob", "ok", 1.0, 2.0)
    progress(1, 2, res)
    progress(2, 2, res)
    text = stream.getvalue()
    assert "2/2" in text and "ETA" in text and "bob: ok 1/2" in text


def test_output_and_source_inside_the_submissions_folder_are_not_students(course: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    subs = course / "subs"
    (subs / "roster.csv").write_text("name\n")
    source = nbtools.write(nbtools.numpy_source(), subs / "practice.ipynb")
    for _ in range(2):
        assert main(["grade", str(subs), "--source", str(source), "--out", str(subs / "graded"), *QUICK]) == 0
        assert set(_rows(subs / "graded")) == {"s0", "s1", "s2", "s3"}
    err = capsys.readouterr().err
    assert all(f"ignored '{name}'" in err for name in ("graded", "practice.ipynb", "roster.csv"))
