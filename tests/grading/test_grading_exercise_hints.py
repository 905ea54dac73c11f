"""The shipped exercises' hints point at the idea, never at the answer, and their released copies carry the
public checks only."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from autograd_lab.grading.notebook import read_notebook, source_text
from autograd_lab.grading.release import is_checks_cell
from autograd_lab.grading.spec import Test as Check, load_assignment

ROOT = Path(__file__).resolve().parents[2] / "exercises"
SOURCES = sorted((ROOT / "source").glob("*.ipynb"))
_PLAIN = (ast.Name, ast.Attribute, ast.Constant)
_COMPOUND = (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.If, ast.With, ast.Try)


def _normal(text: str) -> str:
    return re.sub(r"[\s`]", "", text).replace("'", '"')


def solution_fragments(path: Path) -> set[str]:
    """Each simple statement of the solutions, and each computed value they assign or return, unless the
    questions' own text states it (``run y.backward()``)."""
    fragments: set[str] = set()
    cells = read_notebook(path)["cells"]
    stated = _normal("".join(source_text(c) for c in cells if c.get("cell_type") == "markdown"))
    for cell in cells:
        if not cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            continue
        code = "\n".join(line for line in source_text(cell).splitlines() if "### " not in line)
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.stmt) and not isinstance(node, _COMPOUND):
                fragments.add(_normal(ast.unparse(node)))
            value = getattr(node, "value", None) if isinstance(node, (ast.Assign, ast.Return, ast.AugAssign)) else None
            if value is not None and not isinstance(value, _PLAIN):
                fragments.add(_normal(ast.unparse(value)))
    return {f for f in fragments if len(f) >= 6 and f not in stated}


def _numbers(value: object) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _numbers(item)]
    if isinstance(value, dict):
        return _numbers(list(value.values()))
    return [float(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


def _hints(test: Check) -> list[str]:
    return [test.hint] + [text for _, text in test.mistakes]


def answer_giveaways(test: Check, hint: str) -> list[str]:
    """The test's own expected value in the hint: a number other than a small integer, or a quoted letter."""
    found = []
    for number in _numbers(test.expected):
        if not (number.is_integer() and abs(number) < 5):
            token = f"{number:g}"
            if re.search(rf"(?<![\d.]){re.escape(token)}(?![\d])", hint):
                found.append(token)
    if isinstance(test.expected, str) and re.search(rf"""['"]{re.escape(test.expected)}['"]""", hint):
        found.append(test.expected)
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_no_hint_contains_the_solution(path: Path) -> None:
    fragments = solution_fragments(path)
    assignment = load_assignment(read_notebook(path), path.stem)
    assert fragments and assignment.questions
    for question in assignment.questions.values():
        for test in question.tests:
            for hint in _hints(test):
                leaked = [f for f in fragments if f in _normal(hint)]
                assert not leaked, (question.qid, test.answer, hint, leaked)
                assert not answer_giveaways(test, hint), (question.qid, test.answer, hint)


def test_the_hint_check_sees_a_hint_that_gives_the_answer_away() -> None:
    giving = Check("grad_x", 71.0, hint="It is 71: dy/dx at 5.")
    assert answer_giveaways(giving, giving.hint) == ["71"]
    assert answer_giveaways(Check("why", "b"), "Answer 'b'.") == ["b"]
    capstone = solution_fragments(ROOT / "source" / "05_capstone.ipynb")
    assert [f for f in capstone if f in _normal("backward must return grad_output * torch.sigmoid(x)")]


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_released_copy_carries_public_checks_only(path: Path) -> None:
    source = load_assignment(read_notebook(path), path.stem)
    released_nb = read_notebook(ROOT / "release" / path.name)
    carried = [c for c in released_nb["cells"] if is_checks_cell(c)]
    assert len(carried) == 1
    payload = ast.literal_eval(ast.parse(source_text(carried[0])).body[-1].value.args[1])
    checks_text = "".join(source_text(c) for c in released_nb["cells"] if "expect(" in source_text(c))
    checks_text += "".join(cell["source"] for cell in json.loads(payload))
    public = {t.answer for q in source.questions.values() for t in q.public_tests}
    for question in source.questions.values():
        for test in question.hidden_tests:
            if test.answer not in public:
                assert f'expect({json.dumps(test.answer)}' not in checks_text, (question.qid, test.answer)
    registered = load_assignment({"cells": json.loads(payload)}, path.stem)
    assert {q: (len(r.public_tests), len(r.hidden_tests), r.n_hidden) for q, r in registered.questions.items()} == {
        q: (len(s.public_tests), 0, s.n_hidden) for q, s in source.questions.items()}
