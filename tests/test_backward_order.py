"""Backward reaches the leaves in PyTorch's order, the same on every run.

Leaves' AccumulateGrad nodes share one sequence number, so when several are ready at once the ready
queue decides; tests/fixtures/backward_order/ records PyTorch's order for a few graphs. A tie-breaker
such as an object's address would make the order (and every hook, player caption and lesson output
that shows it) change from run to run.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import autograd_lab

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "backward_order"
sys.path.insert(0, str(FIXTURE))
from record_backward_order import order  # noqa: E402

PROGRAMS = json.loads((FIXTURE / "backward_order.json").read_text(encoding="utf-8"))["programs"]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_leaves_are_reached_in_pytorchs_order(name: str) -> None:
    program = PROGRAMS[name]
    for _ in range(5):  # addresses differ between the graphs built here; the order must not
        assert order(autograd_lab, program["source"]) == program["order"]
