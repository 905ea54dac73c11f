"""Grade submissions: read each student's notebook safely, run it in the sandbox, score in this process.

Everything done with one submission (reading, running, scoring, saving) is isolated: whatever goes
wrong ends as that student's status and note, never as the end of the run.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .. import __version__
from .assemble import assemble, defined_later
from .discovery import Submission
from .identity import display, key, shard_of
from .notebook import NotebookError
from .reading import LoadedNotebook, SubmissionError, load_submission
from .sandbox import Limits, RunResult, run_job
from .scoring import QuestionOutcome, TestOutcome, score_question
from .spec import Assignment
from .store import Gradebook
from .workfiles import signature

_RUN_FAILURES = ("timeout", "output-limit", "crashed", "exited", "killed", "protocol-error")
_CELL_FAILURES = ("memory", "timeout", "syntax-error", "error")
SAVE_ATTEMPTS = 4
RETRY_DELAY = 1.0

__all__ = ["StudentResult", "Submission", "grade_all", "grade_submission", "shard"]


@dataclass
class StudentResult:
    """One gradebook row plus everything the feedback needs."""

    student: str
    status: str
    points: float
    max_points: float
    questions: list[QuestionOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cell_errors: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    fingerprint: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StudentResult":
        data = dict(data)
        questions = [
            QuestionOutcome(**{**q, "tests": [TestOutcome(**t) for t in q["tests"]]}) for q in data.pop("questions")
        ]
        return cls(questions=questions, **data)


@dataclass
class Read:
    """What reading a submission gave: the notebook, or the status and note it ends with."""

    loaded: LoadedNotebook | None = None
    status: str = ""
    note: str = ""

    @property
    def content_id(self) -> str:
        return self.loaded.sha256 if self.loaded else f"{self.status}: {self.note}"


def read_submission(sub: Submission) -> Read:
    """Read the submission's notebook within bounds; never raises for anything in the file."""
    if sub.status:
        return Read(status=sub.status, note="; ".join(sub.notes))
    if sub.path is None:
        return Read(status="missing", note="; ".join(sub.notes) or "no notebook was found for this assignment")
    try:
        return Read(load_submission(sub.path))
    except SubmissionError as exc:
        return Read(status="invalid-submission", note=str(exc))
    except NotebookError as exc:
        return Read(status="invalid-notebook", note=str(exc))


def fingerprint(source_sha256: str, limits: Limits, sub: Submission, read: Read) -> str:
    """A hash of everything that determines a grade, for ``--resume``."""
    h = hashlib.sha256(f"{__version__}\0{source_sha256}\0".encode())
    h.update(json.dumps(asdict(limits), sort_keys=True).encode())
    h.update(key(sub.student) + b"\0")
    h.update(read.content_id.encode("utf-8", "backslashreplace"))
    if sub.files is not None and read.loaded is not None:
        h.update(signature(sub.files, sub.path).encode())
    return h.hexdigest()


def _status(run: RunResult | None, cell_status: list[str], renamed: bool) -> str:
    if run is not None and run.status in _RUN_FAILURES:
        return run.status
    for status in _CELL_FAILURES:
        if status in cell_status:
            return status
    return "renamed" if renamed else "ok"


def grade_submission(assignment: Assignment, sub: Submission, limits: Limits,
                     protected: list[Path] | None = None, read: Read | None = None) -> StudentResult:
    """Grade one submission; never raises for anything the submission does."""
    read = read or read_submission(sub)
    result = StudentResult(sub.student, "ok", 0.0, assignment.max_points)
    if read.loaded is None:
        result.status = read.status
        result.notes.append(read.note)
        if sub.path is not None:
            result.notes.extend(sub.notes)
        reason = {"missing": "notebook missing"}.get(read.status, read.status.replace("-", " "))
        result.questions = [score_question(q, None, reason=reason) for q in assignment.questions.values()]
        return result
    result.notes.extend(sub.notes)
    result.notes.extend(read.loaded.notes)
    plan = assemble(assignment, read.loaded.notebook)
    if plan.foreign:
        result.status = "wrong-notebook"
        result.notes.append(f"not graded: {plan.foreign}; submit this assignment's notebook")
        result.questions = [score_question(q, None, reason="wrong notebook") for q in assignment.questions.values()]
        return result
    result.notes.extend(plan.notes)
    run = run_job(plan.steps, limits, protected, files=sub.files, notebook=sub.path)
    result.seconds = run.seconds
    result.stdout, result.stderr = run.stdout, run.stderr
    if run.detail:
        result.notes.append(run.detail)
    result.notes.extend(run.notes)
    cell_status: list[str] = []
    for gid, index in plan.answer_step.items():
        step = run.steps[index]
        if step.status not in ("ok", "not-run"):
            cell_status.append(step.status)
            error = step.error or step.status
            hint = defined_later(plan, gid, error)
            result.cell_errors[gid] = f"{error}\n{hint}" if hint else error
    for qid, question in assignment.questions.items():
        step = run.steps[plan.probe_step[qid]]
        if step.values is None:
            reason = f"the notebook stopped before this question ({run.status}: {run.detail})" if run.status != "ok" else step.status
            result.questions.append(score_question(question, None, reason=reason))
        else:
            outcome = score_question(question, step.values)
            outcome.warnings = step.warnings
            result.questions.append(outcome)
    result.points = round(sum(q.points for q in result.questions), 4)
    result.status = _status(run, cell_status, sub.renamed)
    return result


def parse_shard(spec: str) -> tuple[int, int]:
    """``"i/n"`` (1-based) as ``(i, n)``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard must look like i/n with 1 <= i <= n, not {spec!r}")
    return int(match.group(1)), int(match.group(2))


def shard(items: list[Submission], spec: str | None) -> list[Submission]:
    """Keep the submissions of shard ``i`` of ``n``: chosen by a hash of the exact id, so the shards
    partition the class whatever order the folders are listed in and whoever else submitted."""
    if not spec:
        return items
    i, n = parse_shard(spec)
    return [s for s in items if shard_of(s.student, n) == i - 1]


@dataclass
class RunReport:
    """What one ``grade`` run did: results graded now, submissions skipped as unchanged, rows not saved."""

    results: list[StudentResult] = field(default_factory=list)
    skipped: int = 0
    unsaved: list[str] = field(default_factory=list)


def _save(book: Gradebook, assignment: str, res: StudentResult) -> str | None:
    try:
        book.save(assignment, res.to_json())
        return None
    except (sqlite3.Error, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def grade_all(
    assignment: Assignment,
    subs: list[Submission],
    book: Gradebook,
    *,
    source_sha256: str,
    limits: Limits,
    jobs: int = 2,
    resume: bool = False,
    protected: Iterable[Path] = (),
    progress: Callable[[int, int, StudentResult | None], None] | None = None,
) -> RunReport:
    """Grade ``subs`` in parallel and record each in ``book`` as it finishes.

    A submission whose row cannot be written (disk full, database locked for minutes) is retried at the
    end of the run; those still unsaved are listed in the report, and ``--resume`` grades them again.
    """
    protected = [book.path.parent, *protected]
    stored = book.fingerprints(assignment.name) if resume else {}
    report = RunReport()
    failed: list[StudentResult] = []

    def work(sub: Submission) -> StudentResult | None:
        started = time.monotonic()
        try:
            read = read_submission(sub)
            fp = fingerprint(source_sha256, limits, sub, read)
            if resume and stored.get(key(sub.student)) == fp:
                return None
            res = grade_submission(assignment, sub, limits, protected, read)
        except Exception as exc:  # noqa: BLE001 - one failure must not stop the batch
            fp = ""
            res = StudentResult(sub.student, "grader-error", 0.0, assignment.max_points,
                                notes=[f"{type(exc).__name__}: {exc}"])
        res.seconds = res.seconds or time.monotonic() - started
        res.fingerprint = fp
        return res

    done = 0
    pool = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        for future in as_completed([pool.submit(work, sub) for sub in subs]):
            res = future.result()
            done += 1
            if res is None:
                report.skipped += 1
            else:
                report.results.append(res)
                if _save(book, assignment.name, res) is not None:
                    failed.append(res)
            if progress:
                try:
                    progress(done, len(subs), res)
                except (OSError, ValueError):  # a closed terminal must not stop the grading
                    progress = None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for attempt in range(SAVE_ATTEMPTS):
        if not failed:
            break
        time.sleep(RETRY_DELAY * 2**attempt)
        errors = [(res, _save(book, assignment.name, res)) for res in failed]
        failed = [res for res, error in errors if error is not None]
        if attempt == SAVE_ATTEMPTS - 1:
            report.unsaved = [f"{display(res.student)}: {error}" for res, error in errors if error is not None]
    return report
