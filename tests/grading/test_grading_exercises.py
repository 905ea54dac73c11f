"""The shipped exercises: release copies up to date, solutions score full marks, misconceptions get their hint."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from autograd_lab.grading import check, set_notebook
from autograd_lab.grading.grader import Submission, grade_submission
from autograd_lab.grading.notebook import dumps_notebook, read_notebook, source_text
from autograd_lab.grading.release import release_notebook
from autograd_lab.grading.sandbox import Limits
from autograd_lab.grading.spec import load_assignment

pytest.importorskip("autograd_lab.nn")

ROOT = Path(__file__).resolve().parents[2] / "exercises"
SOURCES = sorted((ROOT / "source").glob("*.ipynb"))
LIMITS = Limits(cell_timeout=20, total_timeout=30)  # every exercise runs in under 30 s


def _assignment(path: Path):
    return load_assignment(read_notebook(path), path.stem)


def _edit(path: Path, tmp: Path, answers: dict[str, str]) -> Path:
    nb = read_notebook(ROOT / "release" / path.name)
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid].splitlines(keepends=True)
    out = tmp / path.name
    out.write_text(json.dumps(nb))
    return out


def _solution(path: Path, gid: str) -> str:
    nb = read_notebook(path)
    text = next(source_text(c) for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)
    return "\n".join(line for line in text.splitlines() if "### " not in line)


def test_there_is_a_graded_set_per_seed() -> None:
    assert [p.stem[:2] for p in SOURCES] == ["01", "02", "03", "04", "05", "06"]
    for path in SOURCES:
        assignment = _assignment(path)
        assert len(assignment.questions) >= 2
        assert all(q.hidden_tests and q.public_tests for q in assignment.questions.values()), path.name


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_release_is_up_to_date(path: Path) -> None:
    expected = dumps_notebook(release_notebook(read_notebook(path), path.stem))
    released = ROOT / "release" / path.name
    assert released.read_text(encoding="utf-8") == expected, "run: autograd-lab release exercises/source exercises/release"
    for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN", "END HIDDEN"):
        assert secret not in expected


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_solutions_score_full_marks_and_stubs_zero(path: Path) -> None:
    assignment = _assignment(path)
    solved = grade_submission(assignment, Submission("teacher", path), LIMITS)
    assert (solved.status, solved.points) == ("ok", assignment.max_points), solved.questions
    blank = grade_submission(assignment, Submission("blank", ROOT / "release" / path.name), LIMITS)
    assert blank.points == 0 and blank.status == "error"


RECORD_GRADS = ("def record_grads(start, epochs, reset):\n    weights = torch.tensor(start, requires_grad=True)\n"
                "    grads = []\n    for e in range(epochs):\n{body}    return grads")
MISTAKES = [
    # reading y.grad (None: y is not a leaf) instead of x.grad
    ("01_first_gradients", "q1_answer",
     "x = torch.tensor(5.0, requires_grad=True)\ny = x**3 - 4 * x\ny.backward()\ngrad_x = y.grad",
     "q1", 12 / 7, "the gradient lands in the .grad of the leaf x"),
    ("02_tensors_and_graphs", "q2_answer",
     "t = torch.randn(3, 3, requires_grad=True)\ndoubled = t * 2\ns = doubled.sum()\ns.retain_grad()\n"
     "before = [t.grad, doubled.grad, s.grad]\ns.backward()",
     "q2", 2.5, "doubled is not a leaf"),
    ("02_tensors_and_graphs", "q5_answer",
     "def chain_names(t):\n    names, node = [], t.grad_fn\n    while node is not None and node.next_functions:\n"
     "        names.append(type(node).__name__)\n        node = node.next_functions[0][0]\n    return names",
     "q5", 1.0, "goes on to the leaf's AccumulateGrad node"),
    # forgetting to reset, and storing the live .grad instead of a copy
    ("03_vector_jacobian_products", "q4_answer",
     RECORD_GRADS.format(body="        (weights * weights).sum().backward()\n        grads.append(weights.grad.clone())\n"),
     "q4", 1.8, "The gradient accumulates"),
    ("03_vector_jacobian_products", "q4_answer",
     RECORD_GRADS.format(body="        (weights * weights).sum().backward()\n        grads.append(weights.grad)\n"
                              "        if reset:\n            weights.grad.zero_()\n"),
     "q4", 0.6, ".clone()"),
    # zero_() before the first backward(): .grad is still None
    ("03_vector_jacobian_products", "q4_answer",
     RECORD_GRADS.format(body="        if reset:\n            weights.grad.zero_()\n"
                              "        (weights * weights).sum().backward()\n        grads.append(weights.grad.clone())\n"),
     "q4", 1.8, ".grad is None until a backward pass has reached the tensor"),
    # .data and detach() taken for the same thing
    ("03_vector_jacobian_products", "q5_answer",
     "def grad_after_data_edit(values, factor):\n    x = torch.tensor(values, requires_grad=True)\n"
     "    y = (x * x).sum()\n    x.detach().mul_(factor)\n    y.backward()\n    return x.grad\n"
     "detach_error = None\nwhich = {'data': 'b', 'detach': 'b', 'no_grad': 'a'}",
     "q5", 0.4, "detach() shares the storage and autograd notices"),
    ("04_backward_in_depth", "q1_answer",
     "def y_and_x_grads(values):\n    x = torch.tensor(values, requires_grad=True)\n    y = x**2\n    y.retain_grad()\n"
     "    z = y**3\n    z.backward(x)\n    return y.grad, x.grad\nwhy_none = 'd'",
     "q1", 0.0, "You passed x as the gradient"),
    ("04_backward_in_depth", "q1_answer",
     "def y_and_x_grads(values):\n    x = torch.tensor(values, requires_grad=True)\n    y = x**2\n    z = y**3\n"
     "    z.backward(torch.ones_like(z))\n    return y.grad, x.grad\nwhy_none = 'a'",
     "q1", 2.0, "y is not a leaf"),
    ("05_capstone", "q2_answer",
     "model = torch.nn.Sequential(torch.nn.Linear(1, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))\n"
     "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\nloss_history = []\nfor step in range(300):\n"
     "    loss = torch.nn.MSELoss()(model(X), Y)\n    loss.backward()\n    optimizer.step()\n"
     "    loss_history.append(loss.item())\nfinal_loss = loss_history[-1]",
     "q2", None, "clear the gradients at every step"),
]


@pytest.mark.parametrize("name,gid,code,qid,points,hint", MISTAKES, ids=[f"{m[0][:2]}-{m[3]}-{m[5][:12]}" for m in MISTAKES])
def test_misconceptions_get_their_hint(tmp_path: Path, name: str, gid: str, code: str, qid: str,
                                       points: float, hint: str) -> None:
    path = ROOT / "source" / f"{name}.ipynb"
    assignment = _assignment(path)
    answers = {g: _solution(path, g) for g in assignment.answer_ids()}
    answers[gid] = code
    result = grade_submission(assignment, Submission("student", _edit(path, tmp_path, answers)), LIMITS)
    question = next(q for q in result.questions if q.qid == qid)
    assert question.points < question.max_points if points is None else question.points == pytest.approx(points), question
    assert any(hint in t.hint for t in question.tests if not t.passed), [t.hint for t in question.tests]
    assert result.points == pytest.approx(assignment.max_points - question.max_points + question.points, abs=1e-3)


def test_check_in_a_released_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOGRAD_LAB_GRADING", raising=False)
    path = ROOT / "source" / "01_first_gradients.ipynb"
    (tmp_path / path.name).write_text((ROOT / "release" / path.name).read_text())
    set_notebook(None)
    import autograd_lab as torch

    x = torch.tensor(5.0, requires_grad=True)
    y = x**3 - 4 * x
    y.backward()
    ns = {"torch": torch, "np": np, "x": x, "y": y, "grad_x": x.grad}
    result = check("q1", namespace=ns)
    assert result.message == "3/3 public checks passed; 4 hidden checks run at grading."
    ns["grad_x"] = None
    result = check("q1", namespace=ns)
    assert not result.passed and "once y.backward() has run" in repr(result)


def test_check_picks_the_right_notebook_among_several(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOGRAD_LAB_GRADING", raising=False)
    for name in ("01_first_gradients.ipynb", "02_tensors_and_graphs.ipynb"):
        (tmp_path / name).write_text((ROOT / "release" / name).read_text())
    (tmp_path / "02_tensors_and_graphs.ipynb").rename(tmp_path / "my copy.ipynb")
    import autograd_lab as torch

    a = torch.randn(5, 5, requires_grad=True)
    ns = {"torch": torch, "np": np, "a": a, "total": a.sum()}
    set_notebook("02_tensors_and_graphs.ipynb")
    try:
        assert check("q1", namespace=ns).message == "3/3 public checks passed; 2 hidden checks run at grading."
        set_notebook("05_capstone.ipynb")
        assert "no question 'q1' found" in check("q1", namespace=ns).message
    finally:
        set_notebook(None)
