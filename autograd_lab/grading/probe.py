"""Evaluate answer expressions in a namespace and turn the results into plain data."""
from __future__ import annotations

import signal
import threading
import warnings
from typing import Any, Callable, TypeVar

from .values import EvalError, to_plain

T = TypeVar("T")


class TimeLimit(BaseException):
    """Raised inside code that ran past its time limit (a BaseException so ``except Exception`` misses it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimeLimit()


def with_time_limit(seconds: float, fn: Callable[[], T]) -> T:
    """Run ``fn`` and raise :class:`TimeLimit` after ``seconds`` (only in the main thread on Unix)."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return fn()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def evaluate(exprs: list[str], ns: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Evaluate each expression in ``ns``; return plain values (or :class:`EvalError`) and warning texts."""
    values: dict[str, Any] = {}
    caught: list[str] = []
    for expr in exprs:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                values[expr] = to_plain(eval(compile(expr, "<answer>", "eval"), ns))  # noqa: S307
            except TimeLimit:
                raise
            except BaseException as exc:  # noqa: BLE001 - a student's value may raise anything
                values[expr] = EvalError(f"{type(exc).__name__}: {exc}"[:300])
        caught.extend(f"{w.category.__name__}: {w.message}"[:300] for w in seen)
    return values, caught
