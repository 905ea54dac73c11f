"""Tensor hooks and retain_grad() on leaves and non-leaves."""
from __future__ import annotations

import pytest

from support.tensors import leaf


# -- retain_grad and hooks ----------------------------------------------------------------------------

def test_retain_grad_on_non_leaf_accumulates() -> None:
    x = leaf()
    y = x * 2
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert y.grad.tolist() == [8.0, 16.0, 24.0]  # 2 * (2y) with y = 2x
    assert x.grad.tolist() == [16.0, 32.0, 48.0]


def test_non_leaf_grad_is_none_without_retain_grad() -> None:
    x = leaf()
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning):
        assert y.grad is None


def test_hook_on_leaf_changes_gradient_and_can_be_removed() -> None:
    x = leaf(1.0, 2.0)
    handle = x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]
    handle.remove()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [33.0, 33.0]


def test_hook_on_non_leaf_changes_what_flows_on() -> None:
    x = leaf(1.0, 2.0)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()  # dL/dy = 2y = [4, 8]; hook -> [5, 9]; dL/dx = 2 * that
    assert seen == [[4.0, 8.0]]
    assert x.grad.tolist() == [10.0, 18.0]
