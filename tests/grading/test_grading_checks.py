"""The in-notebook API (expect, check, check_all) and how check expressions are evaluated."""
from __future__ import annotations

import builtins
import os
import time

import numpy as np
import pytest

import autograd_lab as torch
import nbtools
from autograd_lab.grading import check, check_all, expect, probe, set_notebook
from autograd_lab.grading.release import release_notebook
from autograd_lab.grading.values import EvalError


def function_checks_source() -> dict:
    """One question whose check calls the student's function ``f``."""
    return nbtools.notebook([
        nbtools.code(nbtools.SETUP, "setup"),
        nbtools.answer("f_answer", "### BEGIN SOLUTION\ndef f():\n    return [0, 1, 4, 9]\n### END SOLUTION"),
        nbtools.tests("qf", 1, 'expect("f()", [0, 1, 4, 9])'),
    ])


@pytest.fixture()
def released(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOGRAD_LAB_GRADING", raising=False)
    nbtools.write(release_notebook(nbtools.numpy_source(), "practice"), tmp_path / "practice.ipynb")
    set_notebook(None)
    yield tmp_path


def test_check_reports_public_and_hidden_counts(released) -> None:
    ns = {"np": np, "squares": np.arange(4) ** 2}
    result = check("q1", namespace=ns)
    assert result.passed
    assert result.message == "1/1 public checks passed; 1 hidden check run at grading."
    assert "q1: 1/1 public checks passed" in repr(result)
    assert "<table>" in result._repr_html_()


def test_check_gives_misconception_hint_and_expected_vs_got(released) -> None:
    result = check("q3", namespace={"np": np, "grad": np.full(3, 3.0)})
    assert not result.passed
    test = result.tests[0]
    assert test.hint == "Forgot to reset (zero_) the gradient."
    assert test.expected and test.got and "3." in test.got
    assert "hint: Forgot to reset" in repr(result)


def test_check_never_raises(released) -> None:
    class Boom:
        def __getattr__(self, name):
            raise SystemExit("bye")

    assert not check("q1", namespace={"squares": Boom()}).passed
    assert not check("q1", namespace={}).passed
    unknown = check("nope", namespace={})
    assert not unknown.passed and "no question" in unknown.message


@pytest.fixture()
def function_notebook(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOGRAD_LAB_GRADING", raising=False)
    nbtools.write(release_notebook(function_checks_source(), "functions"), tmp_path / "functions.ipynb")
    set_notebook(None)
    yield tmp_path


def test_check_has_a_time_limit(function_notebook) -> None:
    def slow():
        time.sleep(5)
        return [0, 1, 4, 9]

    started = time.monotonic()
    result = check("qf", namespace={"f": slow}, timeout=0.5)
    assert time.monotonic() - started < 3
    assert not result.passed and "longer than" in result.message


def test_check_treats_warnings_as_warnings(function_notebook) -> None:
    import warnings

    def noisy():
        warnings.warn("careful", UserWarning)
        return [0, 1, 4, 9]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check("qf", namespace={"f": noisy})
    assert result.passed and any("careful" in w for w in result.warnings)


def test_check_all(released) -> None:
    ns = {"np": np, "squares": np.arange(4) ** 2, "total": 14.0, "grad": np.ones(3)}
    result = check_all(namespace=ns)
    assert result.message == "3/3 questions pass their public checks; 3 hidden checks run at grading."
    assert result["q2"].passed


def test_check_is_inert_inside_the_grader(released, monkeypatch) -> None:
    monkeypatch.setenv("AUTOGRAD_LAB_GRADING", "1")
    assert check("q1", namespace={}).message == "checks run by the grader."


def test_expect_asserts_like_a_test_cell(released) -> None:
    squares = np.arange(4) ** 2  # noqa: F841 - read by expect from this frame
    expect("squares", [0, 1, 4, 9])
    with pytest.raises(AssertionError, match="That doubles"):
        doubled = np.arange(4) * 2  # noqa: F841
        expect("doubled", [0, 1, 4, 9], mistakes=[([0, 2, 4, 6], "That doubles")])


def test_set_notebook_finds_renamed_copy(released) -> None:
    os.rename("practice.ipynb", "mine.txt")
    assert not check("q1", namespace={"squares": np.arange(4) ** 2}).passed
    os.rename("mine.txt", "renamed.ipynb")
    set_notebook("renamed.ipynb")
    assert check("q1", namespace={"squares": np.arange(4) ** 2}).passed


# -- how check expressions see values (the grader's trusted mode is switched on here by hand) --------


@pytest.fixture()
def grader_mode(monkeypatch):
    """What the grading child does before notebook code runs: the classes existing now are trusted."""
    import gc

    classes = {c for c in gc.get_objects() if isinstance(c, type)}
    monkeypatch.setattr(probe, "_trusted_classes", frozenset())
    probe.trust_current_world(classes)
    yield


def test_isinstance_asks_the_real_class(grader_mode) -> None:
    class Pretender:
        @property
        def __class__(self):  # type: ignore[override]
            return torch.optim.SGD

    ns = {"opt": Pretender(), "torch": torch}
    assert builtins.isinstance(Pretender(), torch.optim.SGD)  # Python's own isinstance is fooled
    values, _ = probe.evaluate(["isinstance(opt, torch.optim.SGD)"], ns, helpers={"torch": torch})
    assert values["isinstance(opt, torch.optim.SGD)"] is False


def test_comparisons_inside_checks_use_plain_values(grader_mode) -> None:
    class Yes(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    class Low(float):
        def __lt__(self, other):
            return True

    ns = {"why": Yes("c"), "history": [Low(5.0), Low(1.0)], "letters": [Yes("z")]}
    exprs = ["why == 'b'", "why in ('a', 'b')", "history[0] < history[-1]", "'b' in letters", "why.upper()"]
    values, _ = probe.evaluate(exprs, ns, helpers={})
    assert values == {"why == 'b'": False, "why in ('a', 'b')": False, "history[0] < history[-1]": False,
                      "'b' in letters": False, "why.upper()": "C"}


def test_name_resolution_order_in_the_grader(grader_mode) -> None:
    def instructor_helper():
        return "instructor"

    ns = {"isinstance": lambda *a: True, "helper": lambda: "student", "input": 3, "torch": "fake", "x": 1.5}
    helpers = {"helper": instructor_helper, "torch": torch}
    values, _ = probe.evaluate(["isinstance(x, str)", "helper()", "input", "torch.float32 is None"], ns,
                               helpers=helpers, answer_names=["input"])
    assert values == {"isinstance(x, str)": False, "helper()": "instructor", "input": 3,
                      "torch.float32 is None": False}


def test_notebook_mode_keeps_python_semantics() -> None:
    ns = {"isinstance": lambda *a: "mine", "x": 1}
    values, _ = probe.evaluate(["isinstance(x, str)"], ns)
    assert values == {"isinstance(x, str)": "mine"}


def test_errors_are_reported_without_running_the_exception_s_code(grader_mode) -> None:
    class Loud(Exception):
        def __str__(self):
            raise SystemExit("never")

    def fails():
        raise Loud("quiet")

    values, _ = probe.evaluate(["f()", "undefined_name"], {"f": fails}, helpers={})
    assert values["f()"] == EvalError("test_errors_are_reported_without_running_the_exception_s_code.<locals>.Loud: quiet")
    assert "NameError" in values["undefined_name"].message
