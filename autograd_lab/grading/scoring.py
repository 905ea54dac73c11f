"""Score questions from plain answers. Runs in the grader (or the student's kernel for self-checks)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compare import Verdict, compare, describe, within
from .misconceptions import known_error_hint
from .spec import MISSING, Question, Test
from .values import EvalError


@dataclass
class TestOutcome:
    """The result of one test. For a hidden test only ``hidden check N``, pass/fail, points and the
    instructor's hint are filled: never its expression, expected value or the student's value."""

    name: str
    hidden: bool
    passed: bool
    points: float
    max_points: float
    message: str = ""
    expected: str | None = None
    got: str | None = None
    hint: str = ""


@dataclass
class QuestionOutcome:
    """The result of one question."""

    qid: str
    points: float
    max_points: float
    tests: list[TestOutcome] = field(default_factory=list)
    hidden_pending: int = 0
    note: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.tests) and not self.hidden_pending


def expected_from(test: Test, answers: dict[str, Any]) -> Any:
    """Compute a test's expected value from other plain answers (NumPy only, no builtins)."""
    assert test.from_answers is not None
    env: dict[str, Any] = {}
    for name in test.needed()[1:]:
        value = answers.get(name, EvalError(f"{name} was not evaluated"))
        if isinstance(value, EvalError):
            raise ValueError(f"{name}: {value.message}")
        env[name] = value
    return eval(test.from_answers, {"__builtins__": {}, "np": np}, env)  # noqa: S307 - instructor code


def _verdict(test: Test, got: Any, answers: dict[str, Any]) -> tuple[Verdict, Any]:
    if test.below is not None or test.above is not None:
        return within(got, below=test.below, above=test.above), MISSING
    expected = test.expected
    if test.from_answers is not None:
        if isinstance(got, EvalError):
            return Verdict(False, f"raised {got.message}"), MISSING
        try:
            expected = expected_from(test, answers)
        except Exception as exc:  # noqa: BLE001
            return Verdict(False, f"could not compute the expected value ({type(exc).__name__}: {exc})"), MISSING
    return compare(got, expected, rtol=test.rtol, atol=test.atol, dtype=test.dtype), expected


def _hint(test: Test, got: Any) -> str:
    for value, text in test.mistakes:
        if compare(got, value, rtol=test.rtol, atol=test.atol).ok:
            return text
    if isinstance(got, EvalError):
        return known_error_hint(got.message) or test.hint
    return test.hint


def _expected_text(test: Test, expected: Any) -> str:
    if test.below is not None or test.above is not None:
        parts = [f"> {test.above:g}" if test.above is not None else "", f"< {test.below:g}" if test.below is not None else ""]
        return "a number " + " and ".join(p for p in parts if p)
    return describe(expected) if expected is not MISSING else "(computed from your answers)"


def test_name(question: Question, test: Test) -> str:
    """How a test is shown: its label, or ``hidden check N`` (never the hidden expression)."""
    if not test.hidden:
        return test.label
    number = next(i for i, t in enumerate(question.hidden_tests, start=1) if t is test)
    return f"hidden check {number}"


def score_test(question: Question, test: Test, answers: dict[str, Any]) -> TestOutcome:
    """Score one test against plain answers."""
    got = answers.get(test.answer, EvalError("not evaluated"))
    verdict, expected = _verdict(test, got, answers)
    max_points = question.test_points(test)
    outcome = TestOutcome(
        name=test_name(question, test), hidden=test.hidden, passed=verdict.ok,
        points=max_points if verdict.ok else 0.0, max_points=max_points,
    )
    if verdict.ok:
        return outcome
    outcome.hint = _hint(test, got)
    if test.hidden:
        outcome.message = "a hidden check failed"
    elif not test.reveal:
        outcome.message = "not the expected answer"
        outcome.got = describe(got)
    else:
        outcome.message = verdict.message
        outcome.expected = _expected_text(test, expected)
        outcome.got = describe(got)
    return outcome


def score_question(
    question: Question, answers: dict[str, Any] | None, *, reason: str = "", public_only: bool = False
) -> QuestionOutcome:
    """Score a question; ``answers`` is None when the notebook never reached it."""
    tests = question.public_tests if public_only else question.tests
    pending = question.n_hidden if public_only else max(0, question.declared_hidden - len(question.hidden_tests))
    outcome = QuestionOutcome(question.qid, 0.0, question.points, hidden_pending=pending)
    for test in tests:
        if answers is None:
            points = question.test_points(test)
            outcome.tests.append(TestOutcome(
                test_name(question, test), test.hidden, False, 0.0, points,
                message=f"not graded: {reason or 'not reached'}",
            ))
        else:
            outcome.tests.append(score_test(question, test, answers))
    outcome.points = round(sum(t.points for t in outcome.tests), 6)
    if answers is None:
        outcome.note = reason
    return outcome
