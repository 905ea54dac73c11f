"""The in-notebook API: expect() assertions and check()/check_all() feedback objects."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

import nbtools
from autograd_lab.grading import check, check_all, expect, set_notebook
from autograd_lab.grading.release import release_notebook


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


def test_check_has_a_time_limit(released) -> None:
    class Slow:
        def tolist(self):
            time.sleep(5)
            return [0, 1, 4, 9]

    started = time.monotonic()
    result = check("q1", namespace={"squares": Slow()}, timeout=0.5)
    assert time.monotonic() - started < 3
    assert not result.passed and "longer than" in result.message


def test_check_treats_warnings_as_warnings(released) -> None:
    import warnings

    class Noisy:
        def tolist(self):
            warnings.warn("careful", UserWarning)
            return [0, 1, 4, 9]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check("q1", namespace={"squares": Noisy()})
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
