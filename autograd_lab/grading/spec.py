"""The model of an assignment: questions and tests, parsed from nbgrader-style notebooks.

A test cell holds only ``expect(...)`` calls with literal arguments (see exercises/README.md).
The grader parses them with :mod:`ast`; it never executes test cells.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Literal

from .cells import parse
from .notebook import Cell, Notebook, grade_id, lab_meta, nbgrader_meta, source_text


class SpecError(ValueError):
    """An instructor notebook that does not follow the format."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"

_OPTIONS = {
    "from_answers", "rtol", "atol", "dtype", "below", "above", "hint", "mistakes", "name", "weight", "reveal",
}


@dataclass(frozen=True)
class Test:
    """One check: an answer expression evaluated in the student's namespace and what it must be."""

    answer: str
    expected: Any = MISSING
    from_answers: str | None = None
    rtol: float = 1e-5
    atol: float = 1e-8
    dtype: str | None = None
    below: float | None = None
    above: float | None = None
    hint: str = ""
    mistakes: tuple[tuple[Any, str], ...] = ()
    name: str = ""
    weight: float = 1.0
    reveal: bool = True
    hidden: bool = False

    def needed(self) -> list[str]:
        """Expressions the student's process must evaluate for this test."""
        names = [self.answer]
        if self.from_answers:
            tree = parse(self.from_answers, mode="eval")
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id != "np" and node.id not in names:
                    names.append(node.id)
        return names

    @property
    def label(self) -> str:
        return self.name or self.answer


@dataclass(frozen=True)
class Question:
    """A graded test cell: its id, points and tests (hidden ones only in source notebooks)."""

    qid: str
    points: float
    tests: tuple[Test, ...]
    declared_hidden: int = 0

    @property
    def public_tests(self) -> tuple[Test, ...]:
        return tuple(t for t in self.tests if not t.hidden)

    @property
    def hidden_tests(self) -> tuple[Test, ...]:
        return tuple(t for t in self.tests if t.hidden)

    @property
    def n_hidden(self) -> int:
        """Hidden tests, counted in the source or declared in a released copy's metadata."""
        return max(len(self.hidden_tests), self.declared_hidden)

    def test_points(self, test: Test) -> float:
        total = sum(t.weight for t in self.tests) + sum(
            1.0 for _ in range(self.declared_hidden - len(self.hidden_tests))
        )
        return self.points * test.weight / total if total else 0.0

    def needed(self) -> list[str]:
        out: list[str] = []
        for test in self.tests:
            out.extend(e for e in test.needed() if e not in out)
        return out


CellKind = Literal["answer", "test", "locked", "text"]


@dataclass(frozen=True)
class CellSpec:
    """A cell of the source notebook and the role it plays in grading."""

    index: int
    kind: CellKind
    cell_type: str
    grade_id: str | None
    source: str


@dataclass
class Assignment:
    """A parsed source (or released) notebook."""

    name: str
    cells: list[CellSpec]
    questions: dict[str, Question] = field(default_factory=dict)

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions.values())

    def answer_ids(self) -> list[str]:
        return [c.grade_id for c in self.cells if c.kind == "answer" and c.grade_id]


def cell_kind(cell: Cell) -> CellKind:
    """Classify a cell by its nbgrader metadata."""
    meta = nbgrader_meta(cell)
    if cell.get("cell_type") != "code":
        return "text"
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "locked"


def _literal(node: ast.AST, what: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError) as exc:
        raise SpecError(f"{what} must be a literal value (line {getattr(node, 'lineno', '?')})") from exc


def _hidden_lines(source: str) -> set[int]:
    hidden: set[int] = set()
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith(BEGIN_HIDDEN):
            inside = True
        elif stripped.startswith(END_HIDDEN):
            inside = False
        elif inside:
            hidden.add(number)
    return hidden


def _is_expect(call: ast.AST) -> bool:
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "expect") or (
        isinstance(func, ast.Attribute) and func.attr == "expect"
    )


def parse_tests(source: str) -> list[Test]:
    """Parse the ``expect(...)`` calls of a test cell; raise :class:`SpecError` on anything else."""
    try:
        tree = parse(source)
    except SyntaxError as exc:
        raise SpecError(f"test cell does not parse: {exc}") from exc
    hidden = _hidden_lines(source)
    tests: list[Test] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Pass)):
            continue
        if not (isinstance(stmt, ast.Expr) and _is_expect(stmt.value)):
            raise SpecError(f"test cells may only contain expect(...) calls (line {stmt.lineno})")
        call = stmt.value
        assert isinstance(call, ast.Call)
        if not 1 <= len(call.args) <= 2:
            raise SpecError(f"expect() takes an answer and an optional expected value (line {stmt.lineno})")
        answer = _literal(call.args[0], "the answer expression")
        if not isinstance(answer, str):
            raise SpecError(f"the answer must be a string expression (line {stmt.lineno})")
        kwargs: dict[str, Any] = {}
        if len(call.args) == 2:
            kwargs["expected"] = _literal(call.args[1], "the expected value")
        for kw in call.keywords:
            if kw.arg not in _OPTIONS:
                raise SpecError(f"unknown expect() option {kw.arg!r} (line {stmt.lineno})")
            kwargs[kw.arg] = _literal(kw.value, kw.arg)
        if "mistakes" in kwargs:
            kwargs["mistakes"] = tuple((value, str(text)) for value, text in kwargs["mistakes"])
        test = Test(answer=answer, hidden=stmt.lineno in hidden, **kwargs)
        _validate(test, stmt.lineno)
        tests.append(test)
    return tests


def _validate(test: Test, line: int) -> None:
    try:
        parse(test.answer, mode="eval")
        if test.from_answers:
            parse(test.from_answers, mode="eval")
    except SyntaxError as exc:
        raise SpecError(f"expression does not parse (line {line}): {exc.msg}") from exc
    ways = [test.expected is not MISSING, test.from_answers is not None,
            test.below is not None or test.above is not None]
    if sum(ways) != 1:
        raise SpecError(f"give exactly one of: an expected value, from_answers=, below=/above= (line {line})")


def count_hidden_markers(source: str) -> int:
    """How many ``BEGIN HIDDEN TESTS`` regions a cell has."""
    return sum(1 for line in source.splitlines() if line.strip().startswith(BEGIN_HIDDEN))


def _points(meta: dict[str, Any], gid: str) -> float:
    try:
        return float(meta.get("points", 0))
    except (TypeError, ValueError) as exc:
        raise SpecError(f"points of {gid!r} is not a number") from exc


def load_assignment(nb: Notebook, name: str) -> Assignment:
    """Parse a source or released notebook into an :class:`Assignment`."""
    cells: list[CellSpec] = []
    questions: dict[str, Question] = {}
    seen: set[str] = set()
    for index, cell in enumerate(nb.get("cells", [])):
        kind = cell_kind(cell)
        gid = grade_id(cell)
        if kind in ("answer", "test") and not gid:
            raise SpecError(f"cell {index} is graded but has no grade_id")
        if gid:
            if gid in seen:
                raise SpecError(f"grade_id {gid!r} is used twice")
            seen.add(gid)
        source = source_text(cell)
        cells.append(CellSpec(index, kind, str(cell.get("cell_type", "")), gid, source))
        if kind == "test":
            assert gid is not None
            if nbgrader_meta(cell).get("solution"):
                raise SpecError(f"{gid!r}: a cell cannot be both an answer and a test")
            tests = parse_tests(source)
            declared = int(lab_meta(cell).get("hidden_tests", 0) or 0)
            questions[gid] = Question(gid, _points(nbgrader_meta(cell), gid), tuple(tests), declared)
    return Assignment(name=name, cells=cells, questions=questions)
