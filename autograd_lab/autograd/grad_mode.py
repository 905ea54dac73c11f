"""Switches that decide whether operations are recorded for backward().

Grad mode belongs to the thread, as in PyTorch: ``no_grad()`` in one thread, or the
engine switching recording off while it runs a backward, leaves every other thread
recording. A new thread starts with recording on.
"""
from __future__ import annotations

import functools
import threading
from types import TracebackType
from typing import Any, Callable, TypeVar

from .._class_names import TorchNamed

F = TypeVar("F", bound=Callable[..., Any])


class _ThreadGradMode(threading.local):
    """``enabled``: this thread's grad mode. Read on every op, so it is one attribute of a thread-local.

    ``inference``: inside ``inference_mode()``; tensors made there are inference tensors.
    """

    enabled = True
    inference = False


state = _ThreadGradMode()
"""This thread's grad mode: ``state.enabled``."""


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph (in this thread)."""
    return state.enabled


class _GradModeContext(metaclass=TorchNamed):
    """Base for context managers (and decorators) that set grad mode for a block."""

    _mode: bool

    def __enter__(self) -> None:
        self._previous = state.enabled
        state.enabled = self._mode

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        state.enabled = self._previous

    def __call__(self, function: F) -> F:
        mode = self._mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous = state.enabled
            state.enabled = mode
            try:
                return function(*args, **kwargs)
            finally:
                state.enabled = previous

        return wrapper  # type: ignore[return-value]


class _BareDecorator(_GradModeContext):
    """A mode that may also decorate without parentheses (``@no_grad`` as well as ``@no_grad()``)."""

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        context = super().__new__(cls)
        return context if function is None else context(function)

    def __init__(self, function: Callable[..., Any] | None = None) -> None:
        pass


class no_grad(_BareDecorator):
    """Do not record operations in this block: results have no ``grad_fn``."""

    _mode = False


class enable_grad(_BareDecorator):
    """Record operations in this block, even inside ``no_grad``."""

    _mode = True


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (in this thread)."""
    return state.inference


class inference_mode(_GradModeContext):
    """Like ``no_grad``: nothing in the block is recorded, and the tensors it makes are inference tensors.

    An inference tensor (``t.is_inference()``) can never join a graph later: outside inference
    mode it cannot require grad or be changed in place.
    """

    def __new__(cls, mode: bool | Callable[..., Any] = True) -> Any:
        context = super().__new__(cls)
        if not callable(mode):
            return context
        context.__init__(True)  # ``@inference_mode`` without parentheses
        return context(mode)

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode
        self._inference = mode

    def __enter__(self) -> None:
        self._previous_inference = state.inference
        state.inference = self._inference
        super().__enter__()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        super().__exit__(exc_type, exc, traceback)
        state.inference = self._previous_inference

    def __call__(self, function: F) -> F:
        context = self

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(context._inference):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: takes effect at once, and is undone when used as a context manager.

    As a decorator (``@set_grad_enabled(False)``) it leaves the mode as it was outside the function.
    """

    def __init__(self, mode: bool) -> None:
        self._previous = state.enabled
        self._mode = mode
        state.enabled = mode

    def __enter__(self) -> None:
        state.enabled = self._mode

    def __call__(self, function: F) -> F:
        state.enabled = self._previous
        return super().__call__(function)
