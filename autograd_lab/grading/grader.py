"""Grade submissions: find each student's notebook, run it in the sandbox, score in this process."""
from __future__ import annotations

import hashlib
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .assemble import assemble
from .notebook import NotebookError, grade_id, read_notebook, write_text_atomic
from .sandbox import Limits, RunResult, run_job
from .scoring import QuestionOutcome, TestOutcome, score_question
from .spec import Assignment

STATE_DIR = ".state"
_RUN_FAILURES = ("timeout", "output-limit", "crashed", "exited", "killed", "protocol-error")
_CELL_FAILURES = ("memory", "timeout", "syntax-error", "error")


@dataclass
class Submission:
    """Where one student's notebook is (``path`` is None when it is missing)."""

    student: str
    path: Path | None
    renamed: bool = False


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
        questions = [
            QuestionOutcome(**{**q, "tests": [TestOutcome(**t) for t in q["tests"]]}) for q in data.pop("questions")
        ]
        return cls(questions=questions, **data)


def safe_name(name: str) -> str:
    """A file-name-safe version of a student id."""
    cleaned = re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("._") or "student"
    return cleaned[:100]


def _is_candidate(path: Path) -> bool:
    return path.suffix == ".ipynb" and not any(part.startswith(".") for part in path.parts)


def _looks_like(path: Path, assignment: Assignment) -> int:
    try:
        nb = read_notebook(path)
    except NotebookError:
        return 0
    if nb.get("metadata", {}).get("autograd_lab", {}).get("assignment") == assignment.name:
        return 1000
    ids = {c.grade_id for c in assignment.cells if c.grade_id}
    return sum(1 for cell in nb["cells"] if grade_id(cell) in ids)


def find_submissions(root: Path, filename: str, assignment: Assignment) -> list[Submission]:
    """One :class:`Submission` per student folder (or per top-level notebook file) of ``root``."""
    subs: list[Submission] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            subs.append(Submission(entry.stem, entry))
        elif entry.is_dir():
            found = sorted((p for p in entry.rglob("*.ipynb") if _is_candidate(p.relative_to(entry))),
                           key=lambda p: (len(p.parts), str(p)))
            exact = [p for p in found if p.name == filename]
            if exact:
                subs.append(Submission(entry.name, exact[0]))
                continue
            scored = sorted(((_looks_like(p, assignment), p) for p in found), key=lambda t: -t[0])
            if scored and scored[0][0] > 0:
                subs.append(Submission(entry.name, scored[0][1], renamed=True))
            else:
                subs.append(Submission(entry.name, None))
    return subs


def fingerprint(source_bytes: bytes, sub: Submission, limits: Limits) -> str:
    """A hash of what determines a grade, for ``--resume``."""
    h = hashlib.sha256(source_bytes)
    h.update(json.dumps(asdict(limits), sort_keys=True).encode())
    h.update(sub.student.encode() + b"\0")
    if sub.path is not None:
        try:
            h.update(sub.path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


def _status(run: RunResult | None, cell_status: list[str], renamed: bool) -> str:
    if run is not None and run.status in _RUN_FAILURES:
        return run.status
    for status in _CELL_FAILURES:
        if status in cell_status:
            return status
    return "renamed" if renamed else "ok"


def grade_submission(assignment: Assignment, sub: Submission, limits: Limits,
                     protected: list[Path] | None = None) -> StudentResult:
    """Grade one submission; never raises for anything the submission does."""
    result = StudentResult(sub.student, "ok", 0.0, assignment.max_points)
    if sub.path is None:
        result.status = "missing"
        result.notes.append("no notebook was found for this assignment")
        result.questions = [score_question(q, None, reason="notebook missing") for q in assignment.questions.values()]
        return result
    if sub.renamed:
        result.notes.append(f"the notebook was renamed to {sub.path.name!r}; graded anyway")
    try:
        nb = read_notebook(sub.path)
    except NotebookError as exc:
        result.status = "invalid-notebook"
        result.notes.append(str(exc))
        result.questions = [score_question(q, None, reason="unreadable notebook") for q in assignment.questions.values()]
        return result
    plan = assemble(assignment, nb)
    result.notes.extend(plan.notes)
    run = run_job(plan.steps, limits, protected)
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
            result.cell_errors[gid] = step.error or step.status
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


def shard(items: list[Submission], spec: str | None) -> list[Submission]:
    """Keep the ``i``-th of ``n`` interleaved shards (``spec`` is ``"i/n"``, 1-based)."""
    if not spec:
        return items
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise ValueError(f"--shard must look like i/n with 1 <= i <= n, not {spec!r}")
    i, n = int(match.group(1)), int(match.group(2))
    return [s for k, s in enumerate(items) if k % n == i - 1]


def state_path(out: Path, student: str) -> Path:
    return out / STATE_DIR / f"{safe_name(student)}.json"


def load_state(out: Path, student: str, fp: str) -> StudentResult | None:
    """A saved result for this student and fingerprint, if any."""
    path = state_path(out, student)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("source", None)
        return StudentResult.from_json(data) if data.get("fingerprint") == fp else None
    except (OSError, ValueError, TypeError, KeyError):
        return None


def all_states(out: Path, source_digest: str) -> list[StudentResult]:
    """Every saved result in ``out`` made from this source (all shards)."""
    results = []
    for path in sorted((out / STATE_DIR).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.pop("source", None) == source_digest:
                results.append(StudentResult.from_json(data))
        except (OSError, ValueError, TypeError, KeyError):
            continue
    return results


def grade_all(
    assignment: Assignment,
    subs: list[Submission],
    out: Path,
    *,
    source_bytes: bytes,
    limits: Limits,
    jobs: int = 2,
    resume: bool = False,
    protected: Iterable[Path] = (),
    progress: Callable[[int, int, StudentResult], None] | None = None,
) -> list[StudentResult]:
    """Grade ``subs`` in parallel, saving each result as it finishes; return this run's results."""
    digest = hashlib.sha256(source_bytes).hexdigest()
    protected = [out, *protected]
    results: list[StudentResult] = []
    todo: list[tuple[Submission, str]] = []
    for sub in subs:
        fp = fingerprint(source_bytes, sub, limits)
        saved = load_state(out, sub.student, fp) if resume else None
        if saved is not None:
            results.append(saved)
        else:
            todo.append((sub, fp))
    done = len(results)
    total = len(subs)

    def work(sub: Submission, fp: str) -> StudentResult:
        started = time.monotonic()
        try:
            res = grade_submission(assignment, sub, limits, protected)
        except Exception as exc:  # noqa: BLE001 - one failure must not stop the batch
            res = StudentResult(sub.student, "grader-error", 0.0, assignment.max_points,
                                notes=[f"{type(exc).__name__}: {exc}"])
        res.seconds = res.seconds or time.monotonic() - started
        res.fingerprint = fp
        data = res.to_json()
        data["source"] = digest
        write_text_atomic(state_path(out, sub.student), json.dumps(data))
        return res

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(work, sub, fp) for sub, fp in todo]
        for future in as_completed(futures):
            res = future.result()
            results.append(res)
            done += 1
            if progress:
                progress(done, total, res)
    return results
