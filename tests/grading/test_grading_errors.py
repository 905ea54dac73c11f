"""Tracebacks of a student's errors, written without running any of the student's code."""
from __future__ import annotations

import pytest

from autograd_lab.grading import errors


def _raised(fn) -> BaseException:  # type: ignore[no-untyped-def]
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001
        return exc
    raise AssertionError("nothing raised")


def _hang(*args: object) -> str:
    raise AssertionError("the student's code was run")


class Odd(Exception):
    __str__ = __repr__ = _hang


class Shown:
    __repr__ = __str__ = _hang


def test_python_made_messages_are_shown() -> None:
    assert errors.message(_raised(lambda: {}["k"])) == "KeyError: 'k'"
    assert errors.message(_raised(lambda: open("/nonexistent/x"))).startswith("FileNotFoundError: [Errno 2]")
    assert errors.message(_raised(lambda: 1 / 0)) == "ZeroDivisionError: division by zero"


def test_student_text_methods_are_never_called() -> None:
    def odd() -> None:
        raise Odd("its own words")

    def key() -> None:
        raise KeyError(Shown())

    assert errors.message(_raised(odd)) == "Odd: its own words"
    assert errors.message(_raised(key)) == "KeyError"
    assert "Odd: its own words" in errors.format_error(_raised(odd))


def test_cell_lines_come_from_the_remembered_source() -> None:
    source = "x = 1\ny = undefined_name + x\n"
    errors.remember_cell("<cell test_q1>", source)
    namespace: dict[str, object] = {}
    exc = _raised(lambda: exec(compile(source, "<cell test_q1>", "exec"), namespace))
    text = errors.format_error(exc)
    assert 'File "<cell test_q1>", line 2, in <module>\n    y = undefined_name + x\n' in text
    assert text.endswith("NameError: name 'undefined_name' is not defined\n")


def test_deep_recursion_is_cut_in_the_middle() -> None:
    def down(n: int) -> int:
        return down(n + 1)

    text = errors.format_error(_raised(lambda: down(0)), limit=100_000)
    assert text.count('  File "') == errors.MAX_FRAMES
    assert "more frames ..." in text and text.endswith("RecursionError: maximum recursion depth exceeded\n")


def test_long_messages_are_shortened_keeping_the_end() -> None:
    def shout() -> None:
        raise ValueError("y" * 100_000)

    text = errors.format_error(_raised(shout), limit=2000)
    assert len(text) <= 2003 and "more characters)" in text


@pytest.mark.parametrize("source", ["x = (1 +", "if True:\nx = 1"])
def test_syntax_errors_point_at_the_line(source: str) -> None:
    exc = _raised(lambda: compile(source, "<cell q1_answer>", "exec"))
    text = errors.format_error(exc)
    assert text.startswith('  File "<cell q1_answer>", line ')
    assert "Error: " in text.splitlines()[-1]
