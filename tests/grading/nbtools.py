"""Build small nbgrader-style notebooks for the grading tests."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _meta(gid: str | None, *, solution: bool = False, grade: bool = False, points: float = 0) -> dict[str, Any]:
    if gid is None:
        return {}
    meta: dict[str, Any] = {"grade": grade, "grade_id": gid, "locked": not solution, "schema_version": 3,
                            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def code(source: str, gid: str | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": _meta(gid), "outputs": [],
            "source": source.splitlines(keepends=True)}


def answer(gid: str, source: str) -> dict[str, Any]:
    cell = code(source)
    cell["metadata"] = _meta(gid, solution=True)
    return cell


def tests(gid: str, points: float, source: str) -> dict[str, Any]:
    cell = code(source)
    cell["metadata"] = _meta(gid, grade=True, points=points)
    return cell


def md(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(keepends=True)}


def notebook(cells: list[dict[str, Any]]) -> dict[str, Any]:
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
            "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}


def write(nb: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


SETUP = "import numpy as np\nfrom autograd_lab.grading import expect, check, check_all"

Q1_SOLUTION = "squares = np.arange(4) ** 2"
Q2_SOLUTION = "total = float(np.sum(squares))"
Q3_SOLUTION = "grad = np.ones(3)\nfor _ in range(3):\n    grad = np.ones(3)"


def numpy_source() -> dict[str, Any]:
    """A three-question NumPy assignment: 2 + 1 + 2 points, with hidden tests in q1 and q3."""
    return notebook([
        md("# Practice\nSquares, a sum and a loop."),
        code(SETUP, "setup"),
        md("**q1** Make `squares`, the squares of 0..3."),
        answer("q1_answer", f"### BEGIN SOLUTION\n{Q1_SOLUTION}\n### END SOLUTION"),
        tests("q1", 2, (
            'expect("squares", [0, 1, 4, 9], hint="Square each of 0, 1, 2, 3.",\n'
            '       mistakes=[([0, 2, 4, 6], "That doubles; use ** 2.")])\n'
            "### BEGIN HIDDEN TESTS\n"
            'expect("squares.shape", (4,))\n'
            "### END HIDDEN TESTS"
        )),
        md("**q2** Put the sum of `squares` in `total` as a float."),
        answer("q2_answer", f"### BEGIN SOLUTION\n{Q2_SOLUTION}\n### END SOLUTION"),
        tests("q2", 1, 'expect("total", from_answers="np.sum(squares)")\nexpect("isinstance(total, float)", True)'),
        md("**q3** Reset `grad` each time round the loop."),
        answer("q3_answer", f"### BEGIN SOLUTION\n{Q3_SOLUTION}\n### END SOLUTION"),
        tests("q3", 2, (
            'expect("grad", [1.0, 1.0, 1.0], mistakes=[([3.0, 3.0, 3.0], "Forgot to reset (zero_) the gradient.")])\n'
            "### BEGIN HIDDEN TESTS\n"
            'expect("grad.dtype", "float64")\n'
            'expect("float(grad.sum())", below=3.5)\n'
            "### END HIDDEN TESTS"
        )),
    ])


def with_answers(nb: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """A copy of ``nb`` whose answer cells hold ``answers`` (by grade_id)."""
    out = json.loads(json.dumps(nb))
    for cell in out["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid].splitlines(keepends=True)
    return out
