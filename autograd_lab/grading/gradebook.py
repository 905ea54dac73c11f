"""Exports made from the SQLite gradebook: CSV, per-student feedback HTML, Gradescope ``results.json``,
and the course gradebook over several assignments.

Hidden checks appear only as "hidden check N: passed/failed", never with their code, values or hints.
"""
from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .grader import StudentResult
from .identity import display, file_stems, key, lookalikes
from .misconceptions import known_error_hint
from .notebook import write_text_atomic
from .store import AssignmentInfo, Gradebook, Row

VISIBILITIES = ("visible", "after_published", "after_due_date", "hidden")


def fmt(points: float) -> str:
    return f"{points:.2f}".rstrip("0").rstrip(".")


def gradebook_csv(info: AssignmentInfo, results: list[StudentResult], stems: dict[str, str]) -> str:
    """One row per student: status, total, max, one column per question, seconds, notes, feedback file."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    qids = [qid for qid, _ in info.questions]
    writer.writerow(["student", "status", "total", "max", *qids, "seconds", "notes", "feedback"])
    for res in sorted(results, key=lambda r: key(r.student)):
        by_q = {q.qid: q.points for q in res.questions}
        writer.writerow([
            display(res.student), res.status, fmt(res.points), fmt(res.max_points),
            *(fmt(by_q.get(q, 0.0)) for q in qids), f"{res.seconds:.2f}", "; ".join(res.notes),
            f"feedback/{stems[res.student]}.html",
        ])
    return buf.getvalue()


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;table-layout:fixed}td,th{border:1px solid #d0d7de;
padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}th:nth-child(1){width:28%}
th:nth-child(2){width:10%}th:nth-child(3){width:12%}.pass{color:#1a7f37}.fail{color:#b42318}pre{background:#f6f8fa;padding:.5rem;
overflow-x:auto;white-space:pre-wrap}.note{color:#9a6700}
"""


def _check_rows(q: Any) -> list[str]:
    e = html.escape
    rows = ["<tr><th>check</th><th>result</th><th>points</th><th>details</th></tr>"]
    hidden_no = 0
    for t in q.tests:
        mark = "<span class='pass'>passed</span>" if t.passed else "<span class='fail'>failed</span>"
        points = f"{fmt(t.points)} / {fmt(t.max_points)}"
        if t.hidden:
            hidden_no += 1
            rows.append(f"<tr><td>hidden check {hidden_no}</td><td>{mark}</td><td>{points}</td><td></td></tr>")
            continue
        detail = "" if t.passed else e(t.message)
        if not t.passed and t.expected is not None:
            detail += f"<br>expected <code>{e(t.expected)}</code>"
        if not t.passed and t.got is not None:
            detail += f"<br>got <code>{e(t.got)}</code>"
        if not t.passed and t.hint:
            detail += f"<br><b>Hint:</b> {e(t.hint)}"
        rows.append(f"<tr><td><code>{e(t.name)}</code></td><td>{mark}</td><td>{points}</td><td>{detail}</td></tr>")
    return rows


def feedback_html(assignment: str, res: StudentResult) -> str:
    """Feedback for one student."""
    e = html.escape
    who = e(display(res.student))
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(assignment)}: {who}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(assignment)}</h1><p>Student: <b>{who}</b> &middot; "
        f"Score: <b>{fmt(res.points)} / {fmt(res.max_points)}</b> &middot; Status: <b>{e(res.status)}</b></p>",
    ]
    if res.notes:
        parts.append("<ul>" + "".join(f"<li class='note'>{e(n)}</li>" for n in res.notes) + "</ul>")
    for q in res.questions:
        parts.append(f"<h2>{e(q.qid)}: {fmt(q.points)} / {fmt(q.max_points)}</h2>")
        if q.note:
            parts.append(f"<p class='note'>{e(q.note)}</p>")
        parts.append("<table>" + "".join(_check_rows(q)) + "</table>")
        parts.extend(f"<p class='note'>warning: {e(w)}</p>" for w in q.warnings)
    if res.cell_errors:
        parts.append("<h2>Errors in your answer cells</h2>")
        for gid, err in res.cell_errors.items():
            parts.append(f"<h3>{e(gid)}</h3><pre>{e(err)}</pre>")
            if known_error_hint(err):
                parts.append(f"<p><b>Hint:</b> {e(known_error_hint(err))}</p>")
    for name, text in (("Output", res.stdout), ("Error output", res.stderr)):
        if text.strip():
            parts.append(f"<details><summary>{name} (first {len(text)} characters)</summary>"
                         f"<pre>{e(text)}</pre></details>")
    parts.append("</body></html>\n")
    return "".join(parts)


def _public_output(q: Any) -> str:
    lines = []
    for t in q.tests:
        if t.hidden:
            continue
        line = f"{'PASS' if t.passed else 'FAIL'} {t.name}"
        if not t.passed:
            line += f": {t.message}"
            if t.expected is not None:
                line += f"\n     expected {t.expected}"
            if t.got is not None:
                line += f"\n     got      {t.got}"
            if t.hint:
                line += f"\n     hint: {t.hint}"
        lines.append(line)
    if q.note:
        lines.append(q.note)
    return "\n".join(lines)


def summary_text(res: StudentResult) -> str:
    """The part of the feedback about the whole submission: score, status, notes, errors of answer cells."""
    lines = [f"Score: {fmt(res.points)} / {fmt(res.max_points)}", f"Status: {res.status}"]
    lines.extend(f"- {note}" for note in res.notes)
    for gid, err in res.cell_errors.items():
        lines.append(f"\nError in your answer cell {gid}:\n{err}")
        if known_error_hint(err):
            lines.append(f"Hint: {known_error_hint(err)}")
    return "\n".join(lines)


def gradescope_results(res: StudentResult, hidden_visibility: str = "after_published") -> dict[str, Any]:
    """Gradescope's ``results.json`` for one student: public checks one test per question, each hidden
    check a test of its own with ``hidden_visibility``."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden visibility must be one of {', '.join(VISIBILITIES)}, not {hidden_visibility!r}")
    tests: list[dict[str, Any]] = []
    for q in res.questions:
        public = [t for t in q.tests if not t.hidden]
        hidden = [t for t in q.tests if t.hidden]
        if public or not hidden:
            score = sum(t.points for t in public) if public else q.points
            max_score = sum(t.max_points for t in public) if public else q.max_points
            tests.append({"name": q.qid, "score": round(score, 4), "max_score": round(max_score, 4),
                          "status": "passed" if all(t.passed for t in public) and public else "failed",
                          "output": _public_output(q), "output_format": "text", "visibility": "visible"})
        for n, t in enumerate(hidden, start=1):
            tests.append({"name": f"{q.qid}: hidden check {n}", "score": round(t.points, 4),
                          "max_score": round(t.max_points, 4), "status": "passed" if t.passed else "failed",
                          "output": "passed" if t.passed else "failed", "output_format": "text",
                          "visibility": hidden_visibility})
    return {
        "score": round(res.points, 4),
        "execution_time": int(round(res.seconds)),
        "output": summary_text(res),
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "stdout_visibility": "hidden",
        "extra_data": {"status": res.status, "grader": f"autograd-lab {__version__}"},
        "tests": tests,
    }


def gradescope_json(res: StudentResult, hidden_visibility: str = "after_published") -> str:
    return json.dumps(gradescope_results(res, hidden_visibility), indent=2, ensure_ascii=False) + "\n"


def export(book: Gradebook, info: AssignmentInfo, folder: Path,
           hidden_visibility: str = "after_published") -> list[str]:
    """Write ``gradebook.csv``, ``feedback/<name>.html`` and ``results/<name>.json`` for one assignment.

    Each student's files are written on their own: a failure is returned as a message, never raised.
    """
    results = [StudentResult.from_json(row.result) for row in book.rows(info.name)]
    stems = file_stems([r.student for r in results])
    errors: list[str] = []
    try:
        write_text_atomic(folder / "gradebook.csv", gradebook_csv(info, results, stems))
    except OSError as exc:
        errors.append(f"gradebook.csv: {exc}")
    for res in results:
        stem = stems[res.student]
        try:
            write_text_atomic(folder / "feedback" / f"{stem}.html", feedback_html(info.name, res))
            write_text_atomic(folder / "results" / f"{stem}.json", gradescope_json(res, hidden_visibility))
        except (OSError, ValueError) as exc:
            errors.append(f"{display(res.student)}: {exc}")
    return errors


@dataclass
class Course:
    """Several gradebooks read as one: the newest row of each (assignment, student)."""

    assignments: dict[str, AssignmentInfo] = field(default_factory=dict)
    rows: dict[tuple[str, bytes], Row] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)

    def add(self, book: Gradebook) -> None:
        for info in book.assignments():
            known = self.assignments.get(info.name)
            if known and known.source_sha256 != info.source_sha256:
                self.conflicts.append(f"{info.name} was graded from different source notebooks; "
                                      "the newest one's questions are used")
            if not known or info.updated_at > known.updated_at:
                self.assignments[info.name] = info
        for row in book.rows():
            ident = (row.assignment, key(row.student))
            if ident not in self.rows or row.graded_at > self.rows[ident].graded_at:
                self.rows[ident] = row

    def csv(self) -> str:
        """One row per student, a column per assignment (empty: no submission), total and max."""
        names = sorted(self.assignments)
        students = sorted({k for _, k in self.rows})
        similar = lookalikes([display(s.decode("utf-8", "surrogateescape")) for s in students])
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["student", *names, "total", "max", "notes"])
        course_max = sum(self.assignments[n].max_points for n in names)
        for student in students:
            cells, notes, total = [], [], 0.0
            for name in names:
                row = self.rows.get((name, student))
                cells.append("" if row is None else fmt(row.points))
                total += row.points if row else 0.0
                if row is None:
                    notes.append(f"{name}: no submission")
                elif row.status not in ("ok", "renamed"):
                    notes.append(f"{name}: {row.status}")
            shown = student.decode("utf-8", "backslashreplace")
            notes.extend(f"same name as {other!r} in another Unicode form" for other in similar.get(shown, []))
            writer.writerow([shown, *cells, fmt(total), fmt(course_max), "; ".join(notes)])
        return buf.getvalue()
