"""In-place operations: how they are recorded, and the version checks that catch unsafe ones."""
from __future__ import annotations

import pytest

import autograd_lab as torch
from support.tensors import leaf


# -- in-place rules -------------------------------------------------------------------------------------

def test_in_place_on_non_leaf_rebases_grad_fn() -> None:
    x = leaf(1.0, 2.0)
    y = x * 2
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_setitem_on_non_leaf_is_copy_slices() -> None:
    x = leaf()
    y = x * 1
    y[0] = 5.0
    assert type(y.grad_fn).__name__ == "CopySlices"
    assert y.tolist() == [5.0, 2.0, 3.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]


def test_sgd_update_under_no_grad() -> None:
    w = leaf(1.0, -2.0)
    (w * w).sum().backward()
    with torch.no_grad():
        w -= 0.25 * w.grad
    assert w.tolist() == [0.5, -1.0] and w.is_leaf and w.requires_grad
    w.grad.zero_()
    (w * w).sum().backward()
    assert w.grad.tolist() == [1.0, -2.0]


def test_saved_tensor_modified_in_place_is_detected() -> None:
    x = leaf()
    y = x * 2
    z = (y * y).sum()
    y.mul_(3)
    with pytest.raises(RuntimeError, match=r"which is output 0 of Mul, is at version 1; expected version 0"):
        z.backward()
