"""Anomaly detection: ``set_detect_anomaly``, ``detect_anomaly`` and the check backward runs with them.

With anomaly mode on, every node remembers the Python stack of the forward call
that recorded it; when a node's backward fails, or returns NaN (unless
``check_nan=False``), backward warns with that stack before raising, as PyTorch
does. Nothing of this costs anything while the mode is off: ``Function.apply``
is wrapped only while the mode is on (see ``apply_wrappers``), and the engine
picks its checking step when a backward starts.
"""
from __future__ import annotations

import os
import traceback
import warnings
from types import TracebackType
from typing import Any, Callable

import numpy as np

from .apply_wrappers import ApplyWrapper

ENABLED_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                   "enabled for debugging.")
_TRIGGERED = " (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/python_anomaly_mode.cpp:122.)"


class _State:
    enabled = False
    check_nan = True


state = _State()
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly detection also checks backward's results for NaN."""
    return state.check_nan


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Switch anomaly detection on or off (``torch.set_anomaly_enabled``)."""
    state.enabled, state.check_nan = bool(enabled), bool(check_nan)
    _record_forward_stacks(state.enabled)


class set_detect_anomaly:  # noqa: N801 - PyTorch's name: a class used as a function or a context manager
    """Turn anomaly detection on or off; as a context manager, the previous setting comes back at exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev, self.prev_check_nan = state.enabled, state.check_nan
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Context manager: anomaly detection on inside the ``with`` block (PyTorch warns that it is slow)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.prev, self.prev_check_nan = state.enabled, state.check_nan
        self.check_nan = check_nan
        warnings.warn(ENABLED_WARNING, UserWarning, stacklevel=2)

    def __enter__(self) -> None:
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        set_anomaly_enabled(self.prev, self.prev_check_nan)


def checked_call(call: Callable[[Any, list], tuple], node: Any, grad_outputs: list) -> tuple:
    """Run one node's backward as anomaly mode does: warn with its forward stack on failure or NaN."""
    try:
        grad_inputs = call(node, grad_outputs)
    except Exception:
        _warn_forward_stack(node)
        raise
    if state.check_nan:
        for index, grad in enumerate(grad_inputs):
            if grad is not None and np.isnan(grad._data).any():
                _warn_forward_stack(node)
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {index}th output.")
    return grad_inputs


def _warn_forward_stack(node: Any) -> None:
    stack = getattr(node, "_forward_stack", None)
    if stack is None:
        return  # recorded before anomaly mode was switched on: PyTorch has no stack to show either
    message = f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
    warnings.warn(message + "".join(stack) + _TRIGGERED, UserWarning, stacklevel=1)  # from the engine, as PyTorch's


def _record_forward_stacks(on: bool) -> None:
    """Wrap ``Function.apply`` so that it stores the forward stack on each new node (or unwrap it)."""
    from .function import Function  # not at the top: function.py imports this module (through saved_errors)

    if on:
        _stack_recorder.install(Function)
    else:
        _stack_recorder.uninstall(Function)


def _store_forward_stack(cls: Any, outputs: Any) -> None:
    if not state.enabled:
        return
    stack = None
    for output in outputs if type(outputs) is tuple else (outputs,):
        node = getattr(output, "_grad_fn", None)
        if node is not None and type(node)._function is cls and not hasattr(node, "_forward_stack"):
            stack = stack or _user_stack()
            node._forward_stack = stack


_stack_recorder = ApplyWrapper(_store_forward_stack)


def _user_stack() -> list[str]:
    """The formatted stack of the forward call, without autograd_lab's own frames."""
    frames = [frame for frame in traceback.extract_stack()[:-2] if not _in_package(frame.filename)]
    return traceback.format_list(frames)


def _in_package(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR)
