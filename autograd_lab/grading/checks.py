"""In-notebook feedback: ``expect`` (the test-cell assertion), ``check`` and ``check_all``."""
from __future__ import annotations

import html
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .notebook import NotebookError, read_notebook
from .probe import TimeLimit, evaluate, with_time_limit
from .scoring import QuestionOutcome, TestOutcome, score_question, score_test
from .spec import MISSING, Assignment, Question, SpecError, Test, _validate, load_assignment

_state: dict[str, Any] = {"notebook": None, "cache": {}}


def set_notebook(path: str | os.PathLike[str] | None) -> None:
    """Tell ``check`` which notebook holds the tests: a file name, also found under another name by its metadata."""
    _state["notebook"] = None if path is None else Path(path)


def _grading() -> bool:
    return bool(os.environ.get("AUTOGRAD_LAB_GRADING"))


def _caller_namespace(depth: int = 2) -> dict[str, Any]:
    try:
        frame = sys._getframe(depth)
        if frame.f_locals is frame.f_globals:
            return frame.f_globals
        return {**frame.f_globals, **frame.f_locals}
    except ValueError:
        return vars(sys.modules["__main__"])


def expect(answer: str, expected: Any = MISSING, **options: Any) -> None:
    """Assert that the expression ``answer`` has the expected value (raises ``AssertionError``).

    This is what runs when a test cell is executed in a notebook (by a student or by nbgrader).
    The autograder does not execute it: it parses the call and compares in its own process.
    """
    if _grading():
        return
    if "mistakes" in options:
        options["mistakes"] = tuple((value, str(text)) for value, text in options["mistakes"])
    test = Test(answer=answer, expected=expected, **options)
    _validate(test, 0)
    values, _ = evaluate(test.needed(), _caller_namespace())
    outcome = score_test(Question("expect", 1.0, (test,)), test, values)
    if not outcome.passed:
        text = f"{test.label}: {outcome.message}"
        if outcome.hint:
            text += f"\nHint: {outcome.hint}"
        raise AssertionError(text)


@dataclass
class CheckResult:
    """Feedback on one question's public checks."""

    qid: str
    tests: list[TestOutcome] = field(default_factory=list)
    max_points: float = 0.0
    hidden: int = 0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    ok: bool = True

    @property
    def passed(self) -> bool:
        """True when every public check passed (hidden checks still run at grading)."""
        return self.ok and all(t.passed for t in self.tests)

    @property
    def n_passed(self) -> int:
        return sum(t.passed for t in self.tests)

    def lines(self) -> list[str]:
        out = [f"{self.qid}: {self.message}"]
        for test in self.tests:
            out.append(f"  {'PASS' if test.passed else 'FAIL'} {test.name}" + ("" if test.passed else f": {test.message}"))
            if not test.passed and test.expected is not None:
                out.append(f"       expected {test.expected}")
            if not test.passed and test.got is not None:
                out.append(f"       got      {test.got}")
            if not test.passed and test.hint:
                out.append(f"       hint: {test.hint}")
        out.extend(f"  warning: {w}" for w in self.warnings)
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        color = "#1a7f37" if self.passed else "#b42318"
        rows = []
        for test in self.tests:
            mark = "&#10003;" if test.passed else "&#10007;"
            detail = "" if test.passed else html.escape(test.message)
            if not test.passed and test.expected is not None:
                detail += f"<br>expected <code>{html.escape(test.expected)}</code>"
            if not test.passed and test.got is not None:
                detail += f"<br>got <code>{html.escape(test.got)}</code>"
            if not test.passed and test.hint:
                detail += f"<br><b>Hint:</b> {html.escape(test.hint)}"
            rows.append(f"<tr><td>{mark}</td><td><code>{html.escape(test.name)}</code></td><td>{detail}</td></tr>")
        warn = "".join(f"<div style='color:#9a6700'>warning: {html.escape(w)}</div>" for w in self.warnings)
        return (f"<div><b style='color:{color}'>{html.escape(self.qid)}: {html.escape(self.message)}</b>"
                f"<table>{''.join(rows)}</table>{warn}</div>")


@dataclass
class CheckAllResult:
    """Feedback on every question of the notebook."""

    results: list[CheckResult]
    message: str = ""

    def __repr__(self) -> str:
        return "\n".join([self.message] + [line for r in self.results for line in r.lines()])

    def _repr_html_(self) -> str:
        return f"<div><b>{html.escape(self.message)}</b>{''.join(r._repr_html_() for r in self.results)}</div>"

    def __getitem__(self, qid: str) -> CheckResult:
        return next(r for r in self.results if r.qid == qid)


def _candidates(namespace: dict[str, Any]) -> list[Path]:
    explicit = _state["notebook"] or os.environ.get("AUTOGRAD_LAB_NOTEBOOK")
    local = sorted(Path.cwd().glob("*.ipynb"), key=lambda p: p.stat().st_mtime, reverse=True)
    if explicit:
        target = Path(explicit)
        found = [target] if target.is_file() else []
        for path in local:
            assignment = _load(path)
            if path not in found and assignment is not None and assignment.name == target.stem:
                found.append(path)
        return found
    found = []
    for name in (namespace.get("__session__"), namespace.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        if isinstance(name, (str, Path)) and str(name).endswith(".ipynb") and Path(name).is_file():
            found.append(Path(name))
    return found + [p for p in local if p not in found]


def _load(path: Path) -> Assignment | None:
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except OSError:
        return None
    cache = _state["cache"]
    if key not in cache:
        try:
            nb = read_notebook(path)
            meta = nb.get("metadata", {}).get("autograd_lab", {})
            name = meta.get("assignment") if isinstance(meta, dict) else None
            cache[key] = load_assignment(nb, name if isinstance(name, str) else path.stem)
        except (NotebookError, SpecError, OSError, AttributeError):
            cache[key] = None
    return cache[key]


def _assignment_for(qid: str | None, namespace: dict[str, Any]) -> Assignment | None:
    for path in _candidates(namespace):
        assignment = _load(path)
        if assignment and assignment.questions and (qid is None or qid in assignment.questions):
            return assignment
    return None


def _summary(outcome: QuestionOutcome) -> str:
    total = len(outcome.tests)
    passed = sum(t.passed for t in outcome.tests)
    head = f"{passed}/{total} public checks passed"
    if outcome.hidden_pending:
        s = "s" if outcome.hidden_pending != 1 else ""
        head += f"; {outcome.hidden_pending} hidden check{s} run at grading"
    return head + "."


def _check_question(question: Question, namespace: dict[str, Any], timeout: float) -> CheckResult:
    result = CheckResult(question.qid, max_points=question.points, hidden=question.n_hidden)
    exprs = [e for t in question.public_tests for e in t.needed()]
    try:
        values, caught = with_time_limit(timeout, lambda: evaluate(list(dict.fromkeys(exprs)), namespace))
    except TimeLimit:
        result.ok, result.message = False, f"evaluating your answers took longer than {timeout:g} s."
        return result
    outcome = score_question(question, values, public_only=True)
    result.tests, result.warnings = outcome.tests, caught
    result.message = _summary(outcome)
    return result


def check(qid: str, *, namespace: dict[str, Any] | None = None, timeout: float = 10.0) -> CheckResult:
    """Run the public checks of question ``qid`` on your current answers. Never raises."""
    try:
        if _grading():
            return CheckResult(qid, message="checks run by the grader.")
        ns = namespace if namespace is not None else _caller_namespace()
        assignment = _assignment_for(qid, ns)
        if assignment is None:
            where = _state["notebook"] or Path.cwd()
            return CheckResult(qid, ok=False, message=(
                f"no question {qid!r} found (looked in {where}); call set_notebook('your file.ipynb') first."))
        return _check_question(assignment.questions[qid], ns, timeout)
    except BaseException as exc:  # noqa: BLE001 - feedback must never break the notebook
        return CheckResult(qid, ok=False, message=f"the check itself failed ({type(exc).__name__}: {exc}).")


def check_all(*, namespace: dict[str, Any] | None = None, timeout: float = 30.0) -> CheckAllResult:
    """Run the public checks of every question in this notebook. Never raises."""
    try:
        if _grading():
            return CheckAllResult([], "checks run by the grader.")
        ns = namespace if namespace is not None else _caller_namespace()
        assignment = _assignment_for(None, ns)
        if assignment is None:
            return CheckAllResult([], f"no notebook with questions found in {Path.cwd()}.")
        per = timeout / max(1, len(assignment.questions))
        results = [_check_question(q, ns, per) for q in assignment.questions.values()]
        hidden = sum(r.hidden for r in results)
        passing = sum(r.passed for r in results)
        msg = f"{passing}/{len(results)} questions pass their public checks"
        msg += f"; {hidden} hidden checks run at grading." if hidden else "."
        return CheckAllResult(results, msg)
    except BaseException as exc:  # noqa: BLE001
        return CheckAllResult([], f"the check itself failed ({type(exc).__name__}: {exc}).")
