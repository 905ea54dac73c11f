"""In-notebook feedback: ``expect`` (the test-cell assertion), ``check`` and ``check_all``.

The public checks are found in the notebook's own checks cell (written by ``autograd-lab release``,
see :func:`register_checks`), else in the notebook file. In IPython, the cells that fail are watched:
a question whose values come from a failed cell is reported as stale, not graded.
"""
from __future__ import annotations

import ast
import html
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import bound_names, to_python
from .misconceptions import known_error_hint
from .notebook import NotebookError, read_notebook
from .probe import TimeLimit, error_text, evaluate, with_time_limit
from .scoring import QuestionOutcome, TestOutcome, score_question, score_test
from .spec import MISSING, Assignment, Question, SpecError, Test, _validate, load_assignment
from .values import EvalError

_state: dict[str, Any] = {"notebook": None, "cache": {}, "registered": {}, "failed": [], "watching": False}


def set_notebook(path: str | os.PathLike[str] | None) -> None:
    """Tell ``check`` which notebook holds the tests: a file name, also found under another name by its metadata."""
    _state["notebook"] = None if path is None else Path(path)
    watch_cells()


def register_checks(name: str, payload: str) -> None:
    """Make the public checks of notebook ``name`` known to :func:`check` (the released notebook's checks cell
    calls this, so checks work wherever the notebook was opened from). ``payload``: JSON of its test cells."""
    _state["registered"].pop(name, None)
    _state["registered"][name] = load_assignment({"cells": json.loads(payload)}, name)
    watch_cells()


def watch_cells() -> None:
    """In IPython, remember which cells fail so that :func:`check` can say when values are stale."""
    if _state["watching"] or "IPython" not in sys.modules:   # a kernel has IPython loaded; elsewhere no shell
        return
    shell = sys.modules["IPython"].get_ipython()
    if shell is not None and hasattr(shell, "events"):
        shell.events.register("post_run_cell", _after_cell)
        _state["watching"] = True


@dataclass(frozen=True)
class FailedCell:
    """A cell that raised: the names it binds (and no later cell rebound) hold values from before the failure."""

    names: frozenset[str]
    error: str


def _after_cell(result: Any) -> None:
    info = getattr(result, "info", None)
    names = frozenset(bound_names(to_python(getattr(info, "raw_cell", "") or "")))
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    # a name is fresh again once a cell that binds it has run without error
    failed = [FailedCell(f.names - names, f.error) for f in _state["failed"] if f.names - names]
    if error is not None and names:
        failed.append(FailedCell(names, error_text(error)))
    _state["failed"] = failed
    hint = known_error_hint(error_text(error)) if error is not None else ""
    if hint:
        print(f"Hint: {hint}")


def _names_in(exprs: list[str]) -> set[str]:
    return {node.id for expr in exprs for node in ast.walk(ast.parse(expr, mode="eval")) if isinstance(node, ast.Name)}


def stale_message(exprs: list[str]) -> tuple[str, str] | None:
    """When a check of ``exprs`` would read a value a failed cell left stale: what to say, and a hint."""
    needed = _names_in(exprs)
    failed = next((f for f in reversed(_state["failed"]) if f.names & needed), None)
    if failed is None:
        return None
    names = ", ".join(sorted(failed.names & needed))
    return (f"not checked: the cell that sets {names} failed ({failed.error}), so its values are stale. "
            "Fix that cell and run it again, then check."), known_error_hint(failed.error)


def _not_answered(outcome: TestOutcome, got: Any) -> None:
    """Say "not answered yet" for a check whose answer does not exist yet, instead of a NameError."""
    if not isinstance(got, EvalError):
        return
    if got.message.startswith("NameError"):
        name = got.message.split("'")[1] if got.message.count("'") >= 2 else "an answer"
        outcome.message = f"not answered yet ({name} is not defined: write your answer and run its cell)"
    elif got.message.startswith("NotImplementedError"):
        outcome.message = "not answered yet (replace raise NotImplementedError() by your code and run the cell)"
    else:
        return
    outcome.expected = outcome.got = None
    outcome.hint = ""


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
    stale = stale_message(test.needed())
    if stale is not None:
        raise AssertionError(f"{test.label}: {stale[0]}" + (f"\nHint: {stale[1]}" if stale[1] else ""))
    values, _ = evaluate(test.needed(), _caller_namespace())
    outcome = score_test(Question("expect", 1.0, (test,)), test, values)
    _not_answered(outcome, values.get(test.answer))
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
    hint: str = ""

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
        if self.hint:
            out.append(f"  hint: {self.hint}")
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
        if self.hint:
            warn += f"<div><b>Hint:</b> {html.escape(self.hint)}</div>"
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


def _registered(qid: str | None) -> Assignment | None:
    """The checks registered by the notebook's checks cell: the one ``set_notebook`` named, else the latest."""
    registered: dict[str, Assignment] = _state["registered"]
    named = _state["notebook"]
    if named is not None:
        wanted = registered.get(Path(named).stem)
        return wanted if wanted is not None and (qid is None or qid in wanted.questions) else None
    return next((a for a in reversed(registered.values()) if qid is None or qid in a.questions), None)


def _assignment_for(qid: str | None, namespace: dict[str, Any]) -> Assignment | None:
    registered = _registered(qid)
    if registered is not None:
        return registered
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
    stale = stale_message(exprs)
    if stale is not None:
        result.ok = False
        result.message, result.hint = stale
        return result
    try:
        values, caught = with_time_limit(timeout, lambda: evaluate(list(dict.fromkeys(exprs)), namespace))
    except TimeLimit:
        result.ok, result.message = False, f"evaluating your answers took longer than {timeout:g} s."
        return result
    outcome = score_question(question, values, public_only=True)
    for test, test_outcome in zip(question.public_tests, outcome.tests):
        _not_answered(test_outcome, values.get(test.answer))
    result.tests, result.warnings = outcome.tests, caught
    result.message = _summary(outcome)
    if outcome.tests and all(o.message.startswith("not answered yet") for o in outcome.tests):
        result.message = "not answered yet."
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
