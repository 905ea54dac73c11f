"""The grade command: shards merge into one gradebook, a single student gets results.json, bad input exits 2."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import nbtools
from autograd_lab.grading.cli import Progress, main
from autograd_lab.grading.grader import StudentResult, shard
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
    assert main([*base, "--shard", "1/2"]) == 0
    assert set(_rows(out)) == {"s0", "s2"}
    assert main([*base, "--shard", "2/2"]) == 0
    rows = _rows(out)
    assert set(rows) == {"s0", "s1", "s2", "s3"}
    assert [rows[s]["total"] for s in ("s0", "s1", "s2", "s3")] == ["5", "4", "2", "2"]
    assert rows["s3"]["status"] == "error"


def test_single_student_gets_top_level_results_json(course: Path) -> None:
    subs = course / "one"
    subs.mkdir()
    (subs / "alice").mkdir()
    (subs / "alice" / "practice.ipynb").write_text((course / "subs" / "s0.ipynb").read_text())
    out = course / "gs"
    assert main(["grade", str(subs), "--source", str(course / "practice.ipynb"), "--out", str(out), *QUICK]) == 0
    data = json.loads((out / "results.json").read_text())
    assert data["score"] == 5 and len(data["tests"]) == 3


def test_bad_arguments_exit_2(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["grade", str(course / "subs"), "--out", str(course / "o"), *QUICK]
    assert main([*base, "--source", str(course / "nope.ipynb")]) == 2
    assert main([*base, "--source", str(course / "practice.ipynb"), "--shard", "3/2"]) == 2
    assert main(["grade", str(course / "none"), "--source", str(course / "practice.ipynb"), "--out", "x"]) == 2
    assert "autograd-lab:" in capsys.readouterr().err


def test_shard_is_a_partition() -> None:
    items = list(range(10))
    parts = [shard(items, f"{i}/3") for i in (1, 2, 3)]  # type: ignore[arg-type]
    assert sorted(x for p in parts for x in p) == items
    assert shard(items, None) == items  # type: ignore[arg-type]


def test_progress_line_has_eta() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream=stream)
    res = StudentResult("bob", "ok", 1.0, 2.0)
    progress(1, 2, res)
    progress(2, 2, res)
    text = stream.getvalue()
    assert "2/2" in text and "ETA" in text and "bob: ok 1/2" in text
