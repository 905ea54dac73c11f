"""What the engine reports to listeners while backward() runs."""
from __future__ import annotations

import re
import pytest

import autograd_lab as torch
from autograd_lab.autograd import events
from support.tensors import SECOND_BACKWARD, leaf


# -- events ----------------------------------------------------------------------------------------------

def record(action) -> list:
    log: list = []
    with torch.autograd.listening(log.append):
        action()
    return log


def test_events_of_a_backward_pass() -> None:
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = torch.tensor([10.0, 20.0], requires_grad=True)
    h = w * 2
    y = (h + b).sum()

    log = record(y.backward)
    kinds = [type(e).__name__ for e in log]
    assert kinds[0] == "BackwardStarted" and kinds[-1] == "BackwardFinished"
    assert log[0].roots == (y,) and log[0].gradients[0].tolist() == 1.0
    visited = [e.node.name() for e in log
               if isinstance(e, events.NodeVisited) and type(e.node).__name__ != "AccumulateGrad"]
    assert visited == ["SumBackward0", "AddBackward0", "MulBackward0"]  # topological order
    sent = [e for e in log if isinstance(e, events.GradientSent)]
    to_b = next(e for e in sent if e.target is b.grad_fn or getattr(e.target, "variable", None) is b)
    assert to_b.reduced_from == (2, 2) and to_b.gradient.tolist() == [2.0, 2.0]
    to_h = next(e for e in sent if e.target is h.grad_fn)
    assert to_h.reduced_from is None and to_h.gradient.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    accumulated = {id(e.tensor): e for e in log if isinstance(e, events.GradAccumulated)}
    assert accumulated[id(w)].before is None and accumulated[id(w)].after.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    freed = [e.node.name() for e in log if isinstance(e, events.SavedTensorsFreed)]
    assert "MulBackward0" in freed


def test_grad_accumulated_before_and_after_across_two_calls() -> None:
    x = leaf(1.0, 2.0)
    record(lambda: (x * 3).sum().backward())
    log = record(lambda: (x * 3).sum().backward())
    (event,) = [e for e in log if isinstance(e, events.GradAccumulated)]
    assert event.tensor is x and event.before.tolist() == [3.0, 3.0] and event.after.tolist() == [6.0, 6.0]
    x.grad.zero_()
    assert event.after.tolist() == [6.0, 6.0]  # events hold copies


def test_backward_failed_event() -> None:
    x = leaf()
    y = (x * x).sum()
    y.backward()
    log: list = []
    with torch.autograd.listening(log.append), pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
        y.backward()
    assert isinstance(log[-1], events.BackwardFailed) and SECOND_BACKWARD in str(log[-1].error)
    assert not any(isinstance(e, events.BackwardFinished) for e in log)


def test_no_listener_after_the_block() -> None:
    log: list = []
    with torch.autograd.listening(log.append):
        pass
    leaf().sum().backward()
    assert log == []
