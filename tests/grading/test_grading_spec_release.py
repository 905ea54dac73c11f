"""Parsing test cells, nbgrader metadata, and releasing student copies."""
from __future__ import annotations

import json

import pytest

import nbtools
from autograd_lab.grading.cli import main
from autograd_lab.grading.notebook import read_notebook, source_text
from autograd_lab.grading.release import release_notebook, strip_solution
from autograd_lab.grading.spec import SpecError, load_assignment, parse_tests


def test_parse_public_and_hidden() -> None:
    tests = parse_tests(
        'from autograd_lab.grading import expect\n'
        'expect("x.grad", [2.0, 4.0], rtol=1e-4, hint="h", mistakes=[([2.0, 8.0], "used x")])\n'
        '### BEGIN HIDDEN TESTS\n'
        'expect("s", from_answers="np.sum(a)")\n'
        'expect("loss", below=0.1)\n'
        '### END HIDDEN TESTS\n'
    )
    assert [t.hidden for t in tests] == [False, True, True]
    assert tests[0].mistakes == (([2.0, 8.0], "used x"),)
    assert tests[1].needed() == ["s", "a"]
    assert tests[2].below == 0.1


@pytest.mark.parametrize("source", [
    "x = 1",
    'expect(answer_name, 1)',
    'expect("x", some_variable)',
    'expect("x", 1, tolerance=3)',
    'expect("x")',
    'expect("x", 1, below=2)',
    'expect("x +", 1)',
    "import os\nos.system('true')",
])
def test_bad_test_cells_are_rejected(source: str) -> None:
    with pytest.raises(SpecError):
        parse_tests(source)


def test_assignment_points_and_hidden_counts() -> None:
    assignment = load_assignment(nbtools.numpy_source(), "practice")
    assert assignment.max_points == 5
    assert {q: a.n_hidden for q, a in assignment.questions.items()} == {"q1": 1, "q2": 0, "q3": 2}
    q3 = assignment.questions["q3"]
    assert sum(q3.test_points(t) for t in q3.tests) == pytest.approx(2)


def test_duplicate_or_missing_grade_ids_are_errors() -> None:
    nb = nbtools.numpy_source()
    nb["cells"].append(nbtools.answer("q1_answer", "pass"))
    with pytest.raises(SpecError, match="twice"):
        load_assignment(nb, "x")
    nb = nbtools.numpy_source()
    del nb["cells"][3]["metadata"]["nbgrader"]["grade_id"]
    with pytest.raises(SpecError, match="no grade_id"):
        load_assignment(nb, "x")


def test_release_strips_solutions_and_hidden_tests() -> None:
    released = release_notebook(nbtools.numpy_source(), "practice")
    text = json.dumps(released)
    for secret in ("np.arange(4) ** 2", "BEGIN SOLUTION", "BEGIN HIDDEN", "squares.shape", "grad.dtype"):
        assert secret not in text
    assert "raise NotImplementedError()" in text
    q3 = next(c for c in released["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q3")
    assert q3["metadata"]["autograd_lab"]["hidden_tests"] == 2
    assert q3["metadata"]["nbgrader"] == {"grade": True, "grade_id": "q3", "locked": True, "points": 2,
                                          "schema_version": 3, "solution": False, "task": False}
    public = load_assignment(released, "practice")
    assert public.questions["q3"].n_hidden == 2 and len(public.questions["q3"].tests) == 1


def test_released_cells_all_have_ids_that_nbformat_accepts(recwarn: pytest.WarningsRecorder) -> None:
    import nbformat

    source = nbtools.numpy_source()
    for cell in source["cells"]:
        cell.pop("id", None)
    source["cells"][0]["id"] = "q1"  # taken: the grade_id "q1" must not be given a second time
    released = release_notebook(source, "practice")
    ids = [cell["id"] for cell in released["cells"]]
    assert len(set(ids)) == len(ids) and ids[0] == "q1"
    assert "q3" in ids  # an answer or test cell is named after its grade_id
    nbformat.validate(nbformat.from_dict(released))
    assert not [w for w in recwarn if "id" in str(w.message)]


def test_strip_solution_keeps_surrounding_code_and_indent() -> None:
    src = "def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\nprint(f)"
    assert strip_solution(src) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint(f)"
    assert strip_solution("y = 2") == "# YOUR CODE HERE\nraise NotImplementedError()"
    with pytest.raises(SpecError):
        strip_solution("### BEGIN SOLUTION\nx = 1")


def test_release_cli_on_folder(tmp_path) -> None:
    nbtools.write(nbtools.numpy_source(), tmp_path / "src" / "practice.ipynb")
    assert main(["release", str(tmp_path / "src"), str(tmp_path / "rel")]) == 0
    nb = read_notebook(tmp_path / "rel" / "practice.ipynb")
    assert nb["metadata"]["autograd_lab"] == {"assignment": "practice"}
    assert all(c.get("outputs", []) == [] for c in nb["cells"])
    first = (tmp_path / "rel" / "practice.ipynb").read_bytes()
    assert main(["release", str(tmp_path / "src"), str(tmp_path / "rel")]) == 0
    assert (tmp_path / "rel" / "practice.ipynb").read_bytes() == first
    assert "register_checks('practice'" in source_text(nb["cells"][2])  # after the setup cell
    assert "YOUR CODE HERE" in source_text(nb["cells"][4])


def test_cli_reports_spec_errors(tmp_path, capsys) -> None:
    nb = nbtools.numpy_source()
    nb["cells"][4]["source"] = ["import os\n", "os.remove('x')\n"]
    nbtools.write(nb, tmp_path / "bad.ipynb")
    assert main(["release", str(tmp_path / "bad.ipynb"), str(tmp_path / "out")]) == 2
    assert "only contain expect" in capsys.readouterr().err
