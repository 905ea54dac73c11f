"""Write grades: a CSV gradebook, per-student feedback HTML and Gradescope ``results.json``."""
from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from .grader import StudentResult, safe_name
from .notebook import write_text_atomic
from .spec import Assignment


def _fmt(points: float) -> str:
    return f"{points:.2f}".rstrip("0").rstrip(".")


def gradebook_csv(assignment: Assignment, results: list[StudentResult]) -> str:
    """One row per student: status, total, max, one column per question, notes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    qids = list(assignment.questions)
    writer.writerow(["student", "status", "total", "max", *qids, "seconds", "notes"])
    for res in sorted(results, key=lambda r: r.student):
        by_q = {q.qid: q.points for q in res.questions}
        writer.writerow([
            res.student, res.status, _fmt(res.points), _fmt(res.max_points),
            *(_fmt(by_q.get(q, 0.0)) for q in qids), f"{res.seconds:.2f}", "; ".join(res.notes),
        ])
    return buf.getvalue()


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;
text-align:left;vertical-align:top}.pass{color:#1a7f37}.fail{color:#b42318}pre{background:#f6f8fa;padding:.5rem;
overflow-x:auto;white-space:pre-wrap}.note{color:#9a6700}
"""


def feedback_html(assignment: Assignment, res: StudentResult) -> str:
    """Feedback for one student. Hidden tests appear only as pass/fail, never with code or values."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(assignment.name)}: {e(res.student)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(assignment.name)}</h1><p>Student: <b>{e(res.student)}</b> &middot; "
        f"Score: <b>{_fmt(res.points)} / {_fmt(res.max_points)}</b> &middot; Status: <b>{e(res.status)}</b></p>",
    ]
    if res.notes:
        parts.append("<ul>" + "".join(f"<li class='note'>{e(n)}</li>" for n in res.notes) + "</ul>")
    for q in res.questions:
        parts.append(f"<h2>{e(q.qid)}: {_fmt(q.points)} / {_fmt(q.max_points)}</h2>")
        if q.note:
            parts.append(f"<p class='note'>{e(q.note)}</p>")
        rows = ["<tr><th>check</th><th>result</th><th>points</th><th>details</th></tr>"]
        hidden_no = 0
        for t in q.tests:
            if t.hidden:
                hidden_no += 1
                name = f"hidden check {hidden_no}"
            else:
                name = t.name
            mark = "<span class='pass'>passed</span>" if t.passed else "<span class='fail'>failed</span>"
            detail = "" if t.passed else e(t.message)
            if not t.passed and not t.hidden and t.expected is not None:
                detail += f"<br>expected <code>{e(t.expected)}</code>"
            if not t.passed and not t.hidden and t.got is not None:
                detail += f"<br>got <code>{e(t.got)}</code>"
            if not t.passed and t.hint:
                detail += f"<br><b>Hint:</b> {e(t.hint)}"
            label = e(name) if t.hidden else f"<code>{e(name)}</code>"
            rows.append(f"<tr><td>{label}</td><td>{mark}</td><td>{_fmt(t.points)} / {_fmt(t.max_points)}</td>"
                        f"<td>{detail}</td></tr>")
        parts.append("<table>" + "".join(rows) + "</table>")
        parts.extend(f"<p class='note'>warning: {e(w)}</p>" for w in q.warnings)
    if res.cell_errors:
        parts.append("<h2>Errors in your answer cells</h2>")
        for gid, err in res.cell_errors.items():
            parts.append(f"<h3>{e(gid)}</h3><pre>{e(err)}</pre>")
    for name, text in (("Output", res.stdout), ("Error output", res.stderr)):
        if text.strip():
            parts.append(f"<details><summary>{name} (first {len(text)} characters)</summary><pre>{e(text)}</pre></details>")
    parts.append("</body></html>\n")
    return "".join(parts)


def gradescope_json(assignment: Assignment, res: StudentResult) -> str:
    """The Gradescope autograder ``results.json`` for one student."""
    tests = []
    for q in res.questions:
        lines = []
        for t in q.tests:
            label = "hidden check" if t.hidden else t.name
            line = f"{'PASS' if t.passed else 'FAIL'} {label}" + ("" if t.passed else f": {t.message}")
            if not t.passed and t.hint:
                line += f" (hint: {t.hint})"
            lines.append(line)
        if q.note:
            lines.append(q.note)
        tests.append({"name": q.qid, "score": q.points, "max_score": q.max_points,
                      "output": "\n".join(lines), "visibility": "visible"})
    data = {
        "score": res.points,
        "execution_time": round(res.seconds, 3),
        "output": f"status: {res.status}" + ("".join(f"\n- {n}" for n in res.notes)),
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(data, indent=2) + "\n"


def write_reports(assignment: Assignment, results: list[StudentResult], out: Path) -> None:
    """Write gradebook.csv, feedback/<student>.html and results/<student>.json under ``out``."""
    write_text_atomic(out / "gradebook.csv", gradebook_csv(assignment, results))
    for res in results:
        name = safe_name(res.student)
        write_text_atomic(out / "feedback" / f"{name}.html", feedback_html(assignment, res))
        write_text_atomic(out / "results" / f"{name}.json", gradescope_json(assignment, res))
    if len(results) == 1:
        write_text_atomic(out / "results.json", gradescope_json(assignment, results[0]))
