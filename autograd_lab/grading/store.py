"""The gradebook: one SQLite database per ``--out`` folder, the one record every export is made from.

One row per (assignment, student) in ``submissions`` (status, total, notes and the full result as JSON)
and one per (assignment, student, question) in ``grades``, keyed by the student's exact id (its bytes).
Each submission is written in one transaction, so a run killed at any moment leaves every submission
either fully recorded or absent; concurrent runs (shards) write into the same file through SQLite's
locking (WAL journal, which needs the processes to share one host: see exercises/README.md).
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from .identity import display, from_key, key

FILENAME = "gradebook.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS assignments (
    name TEXT PRIMARY KEY,
    source_sha256 TEXT NOT NULL,
    questions TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    assignment TEXT NOT NULL,
    student_key BLOB NOT NULL,
    student TEXT NOT NULL,
    status TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    notes TEXT NOT NULL,
    seconds REAL NOT NULL,
    fingerprint TEXT NOT NULL,
    graded_at TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (assignment, student_key)
);
CREATE TABLE IF NOT EXISTS grades (
    assignment TEXT NOT NULL,
    student_key BLOB NOT NULL,
    question TEXT NOT NULL,
    position INTEGER NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    passed INTEGER NOT NULL,
    PRIMARY KEY (assignment, student_key, question)
);
"""


def clean(text: str) -> str:
    """Text SQLite can store: lone surrogates (from odd bytes) become ``\\udcNN`` escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AssignmentInfo:
    """What the exports need to know about an assignment: its questions and their points, in order."""

    name: str
    source_sha256: str
    questions: list[tuple[str, float]]
    updated_at: str

    @property
    def max_points(self) -> float:
        return sum(points for _, points in self.questions)


@dataclass(frozen=True)
class Row:
    """One stored submission: the result as saved (JSON) plus the fields it is looked up by."""

    assignment: str
    student: str
    status: str
    points: float
    max_points: float
    fingerprint: str
    graded_at: str
    result: dict[str, Any]


class Gradebook:
    """A connection to ``DIR/gradebook.sqlite`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path / FILENAME if path.suffix != ".sqlite" else path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=120, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout = 120000")
        if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        with self.transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self.db.execute(statement)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> "_Transaction":
        return _Transaction(self.db)

    # -- assignments ------------------------------------------------------------------------------
    def set_assignment(self, name: str, source_sha256: str, questions: list[tuple[str, float]]) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO assignments VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET source_sha256 = "
                "excluded.source_sha256, questions = excluded.questions, updated_at = excluded.updated_at",
                (name, source_sha256, json.dumps(questions), now()),
            )

    def assignments(self) -> list[AssignmentInfo]:
        rows = self.db.execute("SELECT name, source_sha256, questions, updated_at FROM assignments ORDER BY name")
        return [AssignmentInfo(n, s, [(q, float(p)) for q, p in json.loads(qs)], u) for n, s, qs, u in rows]

    # -- submissions ------------------------------------------------------------------------------
    def fingerprints(self, assignment: str) -> dict[bytes, str]:
        rows = self.db.execute("SELECT student_key, fingerprint FROM submissions WHERE assignment = ?", (assignment,))
        return {bytes(k): f for k, f in rows}

    def save(self, assignment: str, result: dict[str, Any], graded_at: str | None = None) -> None:
        """Record one graded submission (replacing an earlier one of the same student) in one transaction."""
        student = result["student"]
        student_key = key(student)
        text = json.dumps(result, ensure_ascii=True)
        with self.transaction():
            self._delete(assignment, student_key)
            self.db.execute(
                "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (assignment, student_key, clean(display(student)), clean(result["status"]), float(result["points"]),
                 float(result["max_points"]), clean("; ".join(result["notes"])), float(result["seconds"]),
                 result["fingerprint"], graded_at or now(), text),
            )
            self.db.executemany(
                "INSERT INTO grades VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(assignment, student_key, clean(q["qid"]), i, float(q["points"]), float(q["max_points"]),
                  int(q["points"] >= q["max_points"])) for i, q in enumerate(result["questions"])],
            )

    def _delete(self, assignment: str, student_key: bytes) -> None:
        for table in ("submissions", "grades"):
            self.db.execute(f"DELETE FROM {table} WHERE assignment = ? AND student_key = ?",  # noqa: S608
                            (assignment, student_key))

    def rows(self, assignment: str | None = None) -> Iterator[Row]:
        """Stored submissions (of one assignment, or all), ordered by assignment and exact id."""
        query = ("SELECT assignment, student_key, status, points, max_points, fingerprint, graded_at, result "
                 "FROM submissions" + (" WHERE assignment = ?" if assignment is not None else "")
                 + " ORDER BY assignment, student_key")
        for a, k, status, points, max_points, fp, graded_at, result in self.db.execute(
                query, (assignment,) if assignment is not None else ()):
            yield Row(a, from_key(bytes(k)), status, points, max_points, fp, graded_at, json.loads(result))

    def merge_from(self, other: "Gradebook") -> tuple[int, int]:
        """Copy rows of ``other`` that are newer than ours (or that we lack); return (copied, kept)."""
        ours = {(a, key(s)): g for a, s, g in ((r.assignment, r.student, r.graded_at) for r in self.rows())}
        mine = {a.name: a for a in self.assignments()}
        for info in other.assignments():
            if info.name not in mine or info.updated_at > mine[info.name].updated_at:
                with self.transaction():
                    self.db.execute("INSERT OR REPLACE INTO assignments VALUES (?, ?, ?, ?)",
                                    (info.name, info.source_sha256, json.dumps(info.questions), info.updated_at))
        copied = kept = 0
        for row in other.rows():
            if ours.get((row.assignment, key(row.student)), "") < row.graded_at:
                self.save(row.assignment, row.result, graded_at=row.graded_at)
                copied += 1
            else:
                kept += 1
        return copied, kept

    def check(self) -> list[str]:
        """Problems SQLite or the row counts reveal (empty when the gradebook is consistent)."""
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check") if r[0] != "ok"]
        orphans = self.db.execute(
            "SELECT COUNT(*) FROM grades g LEFT JOIN submissions s USING (assignment, student_key) "
            "WHERE s.student IS NULL").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} question rows without their submission")
        return problems


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
                return
            except BaseException:
                self._rollback()
                raise
        self._rollback()

    def _rollback(self) -> None:
        if self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
