"""check() and check_all() in a real kernel, with the notebook opened from elsewhere (as on Colab, VS Code or
JupyterHub): the public checks come from the released notebook's checks cell, unanswered questions and stale
values are named, and the errors students meet most get their hint."""
from __future__ import annotations

from pathlib import Path

import pytest

from autograd_lab.grading.notebook import read_notebook, source_text
from autograd_lab.grading.release import is_checks_cell

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

RELEASE = Path(__file__).resolve().parents[2] / "exercises" / "release"

Q1 = "x = torch.tensor(5.0, requires_grad=True)\ny = x**3 - 4 * x\ny.backward()\ngrad_x = x.grad"
STEPS = [
    ('print(check("q1"))', "not answered yet"),
    ("x = torch.tensor(5, requires_grad=True)\ny = x**3 - 4 * x", "Hint: An integer tensor cannot require gradients"),
    ('print(check("q1"))', "not checked: the cell that sets x failed (RuntimeError: Only Tensors of floating point"),
    (Q1, ""),
    ('print(check("q1"))', "q1: 3/3 public checks passed; 4 hidden checks run at grading."),
    ("w = torch.ones(2, requires_grad=True)\nw.grad.zero_()", "Hint: .grad is None until a backward pass"),
    ('print(check("q1"))', "q1: 3/3 public checks passed"),
    ("grad_x = y.grad", ""),
    ('print(check("q1"))', "the gradient lands in the .grad of the leaf x"),
    ("print(check_all())", "questions pass their public checks"),
    ("grad_x = 1 / 0", ""),
    ('print(check("q1"))', "the cell that sets grad_x failed (ZeroDivisionError"),
    ('expect("grad_x", 71.0)', "grad_x: not checked: the cell that sets grad_x failed"),
    ("grad_x = x.grad", ""),
    ('print(check("q1"))', "q1: 3/3 public checks passed"),
]


def _outputs(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", "") if out.get("output_type") == "stream" else "")
        parts.append(str(out.get("data", {}).get("text/plain", "")))
        parts.append(" ".join(out.get("traceback", [])) + out.get("evalue", ""))
    return "\n".join(parts)


def test_checks_travel_in_the_released_notebook(tmp_path: Path) -> None:
    released = read_notebook(RELEASE / "01_first_gradients.ipynb")
    first = [c for c in released["cells"][:3] if c["cell_type"] == "code"]
    assert is_checks_cell(first[1]) and "set_notebook" in source_text(first[0])
    cells = [nbformat.v4.new_code_cell(source_text(c)) for c in first]
    cells += [nbformat.v4.new_code_cell(code) for code, _ in STEPS]
    nb = nbformat.v4.new_notebook(cells=cells)
    elsewhere = tmp_path / "working-directory"
    elsewhere.mkdir()   # no notebook in the working directory: only the checks cell can tell check() the checks
    nbclient.NotebookClient(nb, timeout=60, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(elsewhere)}}).execute()
    for cell, (code, wanted) in zip(nb.cells[len(first):], STEPS):
        assert wanted in _outputs(cell), (code, _outputs(cell))
    assert "NameError" not in _outputs(nb.cells[len(first)])


SOURCES = sorted((RELEASE.parent / "source").glob("*.ipynb"))


@pytest.mark.parametrize("name", [p.name for p in SOURCES])
def test_solved_release_runs_clean_in_a_kernel(tmp_path: Path, name: str) -> None:
    """A released notebook with the solutions written in, run top to bottom as a student runs it, from another
    folder: no cell fails (test cells assert their public checks), and the summary passes every question."""
    solutions = {c["metadata"]["nbgrader"]["grade_id"]: source_text(c) for c in read_notebook(RELEASE.parent / "source" / name)["cells"]
                 if c.get("metadata", {}).get("nbgrader", {}).get("solution")}
    released = read_notebook(RELEASE / name)
    cells = []
    for cell in released["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code":
            cells.append(nbformat.v4.new_code_cell(solutions.get(gid, source_text(cell))))
        else:
            cells.append(nbformat.v4.new_markdown_cell(source_text(cell)))
    nb = nbformat.v4.new_notebook(cells=cells)
    nbclient.NotebookClient(nb, timeout=30, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    summary = _outputs(nb.cells[-1])
    questions = len([c for c in released["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")])
    assert f"{questions}/{questions} questions pass their public checks" in summary, summary
