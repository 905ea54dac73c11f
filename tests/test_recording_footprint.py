"""What a recorded op leaves behind for Python's cycle collector, which rescans it on every full collection.

Recording cost per op must not grow with the graph (benchmarks/run.py, "recording growth"); it grows
with the number of collector-tracked objects each recorded node keeps alive. These tests count them
(no timing): a node, its ``next_functions`` with one edge tuple per input, and its saved tensors.
"""
from __future__ import annotations

import gc
from typing import Callable

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab._tensor import Tensor

CHAIN = 300


def tracked_objects_per_op(step: Callable[[Tensor], Tensor]) -> float:
    """Collector-tracked objects alive per op after recording a chain of ``CHAIN`` ops."""
    x = torch.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = step(x)  # the first op makes the shared pieces (wrapped numbers, metadata)
    gc.collect()
    gc.collect()  # a second pass untracks tuples of tuples whose inner tuples the first pass untracked
    before = len(gc.get_objects())
    for _ in range(CHAIN):
        y = step(y)
    gc.collect()  # one pass, as the collector makes: what it leaves tracked, every later full collection rescans
    per_op = (len(gc.get_objects()) - before) / CHAIN
    del x, y
    return per_op


@pytest.mark.parametrize("step, most", [
    (lambda y: y + 1.0001, 3),  # the node, its next_functions, the one edge in it (Add saves nothing)
    (lambda y: y * 1.0001, 4),  # ... and the tuple of saved tensors (None, 1.0001)
    (lambda y: y.exp(), 6),  # ... and the saved result without its grad_fn (a tensor and its version counter)
    (lambda y: y * y, 7),  # the node, next_functions, two edges, the saved tuple, the input and its version counter
])
def test_a_recorded_op_leaves_few_objects_for_the_cycle_collector(step: Callable[[Tensor], Tensor],
                                                                  most: int) -> None:
    assert tracked_objects_per_op(step) <= most + 0.1  # (+0.1: objects the interpreter itself may make)


def test_nodes_share_their_shape_and_dtype_records() -> None:
    x = torch.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    first, second = (x * 2).grad_fn, (x * 3).grad_fn
    assert first._input_metadata[0] is second._input_metadata[0]
    assert first._output_metadata[0] is second._output_metadata[0]
    assert first.input_metadata == (((3,), torch.float32), ((), torch.float32))
