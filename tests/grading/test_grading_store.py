"""The SQLite gradebook: --resume, concurrent shards, kill -9 at any moment, failed writes and a full disk,
merging shard databases and the course gradebook over several assignments."""
from __future__ import annotations

import csv
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import nbtools
from autograd_lab.grading import grader
from autograd_lab.grading.cli import main
from autograd_lab.grading.identity import shard_of
from autograd_lab.grading.release import release_notebook
from autograd_lab.grading.store import Gradebook
from corpus.cases import solved

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["--jobs", "2", "--cell-timeout", "10", "--timeout", "30", "--quiet"]
STUDENTS = ["ann", "bo", "chen", "dee", "eli", "fay", "gus", "hal", "王伟", "Zoë"]


def _write_class(folder: Path, source_name: str = "practice", slow: float = 0.0) -> None:
    released = release_notebook(nbtools.numpy_source(), source_name)
    for i, student in enumerate(STUDENTS):
        q1 = nbtools.Q1_SOLUTION if i % 3 else "squares = np.arange(4) * 2"
        q3 = f"import time\ntime.sleep({slow})\n{nbtools.Q3_SOLUTION}" if slow else nbtools.Q3_SOLUTION
        nbtools.write(solved(released, q1_answer=q1, q3_answer=q3), folder / student / f"{source_name}.ipynb")


def _expected_total(student: str) -> float:
    return 4.0 if STUDENTS.index(student) % 3 == 0 else 5.0


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    nbtools.write(nbtools.numpy_source(), tmp_path / "practice.ipynb")
    _write_class(tmp_path / "subs")
    return tmp_path


def _argv(course: Path, out: Path, *extra: str) -> list[str]:
    return ["grade", str(course / "subs"), "--source", str(course / "practice.ipynb"), "--out", str(out), *QUICK,
            *extra]


def _rows(out: Path) -> dict[str, tuple[float, str, str]]:
    with Gradebook(out) as book:
        assert book.check() == []
        rows = list(book.rows("practice"))
        per_question = book.db.execute("SELECT COUNT(*) FROM grades").fetchone()[0]
    assert per_question == 3 * len(rows), "each submission has exactly one row per question"
    students = [r.student for r in rows]
    assert len(students) == len(set(students))
    return {r.student: (r.points, r.status, r.graded_at) for r in rows}


def _cli(*args: str, **kw: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "autograd_lab.grading.cli", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]


def test_one_row_per_question_keyed_by_exact_id(course: Path) -> None:
    out = course / "out"
    assert main(_argv(course, out)) == 0
    rows = _rows(out)
    assert {s: p for s, (p, _, _) in rows.items()} == {s: _expected_total(s) for s in STUDENTS}
    with Gradebook(out) as book:
        grades = book.db.execute("SELECT student_key, question, points FROM grades WHERE student_key = ?",
                                 ("王伟".encode(),)).fetchall()
    assert [(bytes(k).decode(), q, p) for k, q, p in grades] == [("王伟", "q1", 2.0), ("王伟", "q2", 1.0),
                                                                  ("王伟", "q3", 2.0)]


def test_resume_grades_only_what_changed(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = course / "out"
    assert main(_argv(course, out)) == 0
    before = _rows(out)
    released = release_notebook(nbtools.numpy_source(), "practice")
    nbtools.write(solved(released), course / "subs" / "ann" / "practice.ipynb")
    capsys.readouterr()
    assert main(_argv(course, out, "--resume")) == 0
    assert "graded 1 submission(s)" in capsys.readouterr().out
    after = _rows(out)
    assert after["ann"][0] == 5.0 and after["ann"][2] > before["ann"][2]
    assert {s: v for s, v in after.items() if s != "ann"} == {s: v for s, v in before.items() if s != "ann"}


def test_concurrent_shards_into_one_gradebook(course: Path) -> None:
    out = course / "out"
    procs = [_cli(*_argv(course, out, "--shard", f"{i}/3")) for i in (1, 2, 3)]
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    rows = _rows(out)
    assert {s: p for s, (p, _, _) in rows.items()} == {s: _expected_total(s) for s in STUDENTS}
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        assert sorted(r["student"] for r in csv.DictReader(fh)) == sorted(STUDENTS)


def _stored(out: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{out / 'gradebook.sqlite'}?mode=ro", uri=True, timeout=10)
        try:
            return int(db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("kill_after_rows", [0, 1, 5])
def test_kill_9_then_resume_loses_and_doubles_nothing(tmp_path: Path, kill_after_rows: int) -> None:
    nbtools.write(nbtools.numpy_source(), tmp_path / "practice.ipynb")
    _write_class(tmp_path / "subs", slow=0.3)
    out = tmp_path / "out"
    proc = _cli(*_argv(tmp_path, out))
    deadline = time.monotonic() + 120
    while _stored(out) < kill_after_rows and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if kill_after_rows == 0:
        time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    survived = _rows(out) if (out / "gradebook.sqlite").exists() else {}
    assert len(survived) >= min(kill_after_rows, len(STUDENTS))
    for student, (points, status, _) in survived.items():
        assert (points, status) == (_expected_total(student), "ok")
    resumed = _cli(*_argv(tmp_path, out, "--resume"))
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert f"{len(survived)} unchanged" in stdout or not survived
    rows = _rows(out)
    assert {s: p for s, (p, _, _) in rows.items()} == {s: _expected_total(s) for s in STUDENTS}
    assert all(rows[s][2] == survived[s][2] for s in survived), "rows that survived the kill were not regraded"


def test_a_failing_write_costs_only_that_submission(course: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    real_save = Gradebook.save
    attempts: dict[str, int] = {}

    def flaky_save(self: Gradebook, assignment: str, result: dict, graded_at: str | None = None) -> None:
        student = result["student"]
        attempts[student] = attempts.get(student, 0) + 1
        if student == "bo" or (student == "chen" and attempts[student] < 3):
            raise sqlite3.OperationalError("database or disk is full")
        real_save(self, assignment, result, graded_at)

    monkeypatch.setattr(Gradebook, "save", flaky_save)
    monkeypatch.setattr(grader, "SAVE_ATTEMPTS", 3)
    monkeypatch.setattr(grader, "RETRY_DELAY", 0.01)
    out = course / "out"
    args = ["grade", str(course / "subs"), "--source", str(course / "practice.ipynb"), "--out", str(out), *QUICK]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "NOT SAVED (grade again with --resume): bo: OperationalError: database or disk is full" in err
    assert set(_rows(out)) == set(STUDENTS) - {"bo"}
    assert attempts["chen"] == 3
    monkeypatch.setattr(Gradebook, "save", real_save)
    assert main([*args, "--resume"]) == 0
    assert "graded 1 submission(s)" in capsys.readouterr().out
    assert set(_rows(out)) == set(STUDENTS)


FILLER = """import errno, time
disk_full = False
with open('fill', 'wb') as fh:
    try:
        while True:
            fh.write(b'x' * 65536)
            fh.flush()
    except OSError as exc:
        disk_full = exc.errno == errno.ENOSPC
time.sleep(3)
total = float(np.sum(squares)) if disk_full else -1.0
"""


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=1m tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs user namespaces to mount a small tmpfs")
def test_a_child_filling_the_disk_does_not_end_the_run(course: Path) -> None:
    disk = course / "disk"
    disk.mkdir()
    released = release_notebook(nbtools.numpy_source(), "practice")
    nbtools.write(solved(released, q2_answer=FILLER), course / "subs" / "filler" / "practice.ipynb")
    out = disk / "out"
    script = (f"mount -t tmpfs -o size=6m tmpfs {disk} && mkdir {disk}/tmp && "
              f"TMPDIR={disk}/tmp {sys.executable} -m autograd_lab.grading.cli "
              + " ".join(f"'{a}'" for a in _argv(course, out)))
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                           script + f" && {sys.executable} -c \"import sqlite3; db = sqlite3.connect('{out}/gradebook.sqlite'); "
                           "print('ROWS', sorted(db.execute('SELECT student, points FROM submissions')))\""],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = sorted([(s, _expected_total(s)) for s in STUDENTS] + [("filler", 5.0)])
    assert f"ROWS {expected}" in proc.stdout, proc.stdout[-3000:]


def test_merge_shard_databases_and_course_gradebook(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shard_outs = [course / f"shard-{i}" for i in (1, 2)]
    for i, out in enumerate(shard_outs, start=1):
        assert main(_argv(course, out, "--shard", f"{i}/2")) == 0
        assert set(_rows(out)) == {s for s in STUDENTS if shard_of(s, 2) == i - 1}
    merged = course / "merged"
    assert main(["gradebook", *map(str, shard_outs), "--into", str(merged)]) == 0
    assert set(_rows(merged)) == set(STUDENTS)
    assert main(["gradebook", *map(str, shard_outs), "--into", str(merged)]) == 0
    assert "0 row(s) copied" in capsys.readouterr().out
    assert set(_rows(merged)) == set(STUDENTS)
    assert len(list((merged / "feedback").iterdir())) == len(STUDENTS)

    nbtools.write(nbtools.numpy_source(), course / "week2.ipynb")
    _write_class(course / "subs2", "week2")
    shutil.rmtree(course / "subs2" / "ann")
    week2 = course / "week2-out"
    assert main(["grade", str(course / "subs2"), "--source", str(course / "week2.ipynb"), "--out", str(week2),
                 *QUICK]) == 0
    table = course / "course.csv"
    assert main(["gradebook", str(merged), str(week2), "--csv", str(table)]) == 0
    with open(table, newline="", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert list(next(iter(rows.values()))) == ["student", "practice", "week2", "total", "max", "notes"]
    assert set(rows) == set(STUDENTS)
    assert rows["bo"]["practice"] == "5" and rows["bo"]["week2"] == "5" and rows["bo"]["total"] == "10"
    assert rows["ann"]["week2"] == "" and rows["ann"]["total"] == "4" and rows["ann"]["notes"] == "week2: no submission"
    assert rows["王伟"]["max"] == "10"


def test_gradebook_command_needs_a_gradebook_and_a_target(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gradebook", str(course), "--csv", str(course / "x.csv")]) == 2
    assert "holds no gradebook" in capsys.readouterr().err
    assert main(["gradebook", str(course)]) == 2
    assert not (course / "gradebook.sqlite").exists()
