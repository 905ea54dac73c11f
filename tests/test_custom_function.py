"""Students' own autograd.Function subclasses: gradients, their count, missing gradients and hooks."""
from __future__ import annotations

import re

import pytest

import autograd_lab as torch
from support.tensors import SECOND_BACKWARD, leaf


# -- custom Function -------------------------------------------------------------------------------------

class MyOp(torch.autograd.Function):
    needs: list = []

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x * x * k

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        MyOp.needs.append(ctx.needs_input_grad)
        return grad * 2 * x * ctx.k, None


def test_custom_function() -> None:
    x = leaf()
    y = MyOp.apply(x, 3.0)
    assert y.grad_fn.name() == "MyOpBackward" and type(y.grad_fn).__name__ == "MyOpBackward"
    assert repr(y.grad_fn).startswith("<torch.autograd.function.MyOpBackward object at 0x")
    assert y.tolist() == [3.0, 12.0, 27.0]
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0, 18.0]
    assert MyOp.needs[-1] == (True, False)
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
        y.sum().backward()
    with torch.no_grad():
        assert MyOp.apply(x, 3.0).grad_fn is None


class ScaleBy(torch.autograd.Function):
    """``x * k``; its backward returns as many gradients as the test asks for."""

    returned: tuple = ()

    @staticmethod
    def forward(ctx, x, k):
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return ScaleBy.returned


@pytest.mark.parametrize("count", [1, 3])
def test_custom_backward_must_return_one_gradient_per_argument(count: int) -> None:
    x = leaf()
    ScaleBy.returned = (x.detach(),) * count
    with pytest.raises(RuntimeError, match=re.escape(
            f"function ScaleByBackward returned an incorrect number of gradients (expected 2, got {count})")):
        ScaleBy.apply(x, 3.0).sum().backward()
    assert x.grad is None


def test_custom_backward_may_add_trailing_nones() -> None:
    x = leaf()
    ScaleBy.returned = (torch.ones(3), None, None)
    ScaleBy.apply(x, 3.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


class FirstOnly(torch.autograd.Function):
    """``x * y`` whose backward returns no gradient for ``y``."""

    @staticmethod
    def forward(ctx, x, y):
        return x * y

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Double(torch.autograd.Function):
    received: list = []

    @staticmethod
    def forward(ctx, w):
        return w * 2

    @staticmethod
    def backward(ctx, grad):
        Double.received.append(grad.tolist())
        return grad * 2


def test_nodes_that_receive_no_gradient_send_none_on_or_zeros_to_custom_functions() -> None:
    x, w = leaf(2.0), leaf(3.0)
    FirstOnly.apply(x, w.exp()).sum().backward()
    assert x.grad.tolist() == [1.0] and w.grad is None
    leaf_w = leaf(3.0)
    FirstOnly.apply(x, leaf_w).sum().backward()
    assert leaf_w.grad is None
    custom_w = leaf(3.0)
    FirstOnly.apply(x, Double.apply(custom_w)).sum().backward()
    assert Double.received == [[0.0]] and custom_w.grad.tolist() == [0.0]


class TwoOutputs(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, grad_first, grad_second):
        return grad_first * 2 + grad_second * 3


def test_hooks_on_tensors_that_receive_no_gradient_are_called_with_none() -> None:
    seen = []
    x = leaf(2.0)
    y = x * 3
    y.register_hook(lambda g: seen.append(("y", g)))
    x.register_hook(lambda g: seen.append(("x", g)))
    FirstOnly.apply(leaf(1.0), y).sum().backward()
    first, second = TwoOutputs.apply(x)
    second.register_hook(lambda g: seen.append(("second", g)))
    first.sum().backward()
    assert [(name, None if g is None else g.tolist()) for name, g in seen] == [
        ("y", None), ("x", None), ("second", None), ("x", [2.0])]


def test_a_hook_cannot_replace_a_missing_gradient() -> None:
    x = leaf(2.0)
    y = x * 3
    y.register_hook(lambda g: torch.ones(1))
    with pytest.raises(RuntimeError, match="^can't replace a None gradient with a non-None value$"):
        FirstOnly.apply(leaf(1.0), y).sum().backward()
    assert x.grad is None


class Halves(torch.autograd.Function):
    """Two outputs; records what backward received."""

    received: list = []

    @staticmethod
    def forward(ctx, x, materialize):
        ctx.set_materialize_grads(materialize)
        return x * 0.5, x * 2

    @staticmethod
    def backward(ctx, grad_half, grad_double):
        Halves.received.append((None if grad_half is None else grad_half.tolist(),
                                None if grad_double is None else grad_double.tolist()))
        half = grad_half if grad_half is not None else 0
        double = grad_double if grad_double is not None else 0
        return half * 0.5 + double * 2, None


@pytest.mark.parametrize("materialize, used, expected, grad", [  # recorded from PyTorch 2.13
    (True, 1, ([0.0, 0.0], [1.0, 1.0]), [2.0, 2.0]), (False, 1, (None, [1.0, 1.0]), [2.0, 2.0]),
    (True, 0, ([1.0, 1.0], [0.0, 0.0]), [0.5, 0.5]), (False, 0, ([1.0, 1.0], None), [0.5, 0.5])])
def test_set_materialize_grads_chooses_zeros_or_none_for_an_unused_output(materialize: bool, used: int,
                                                                          expected: tuple, grad: list) -> None:
    Halves.received = []
    x = leaf(1.0, 2.0)
    Halves.apply(x, materialize)[used].sum().backward()
    assert Halves.received == [expected] and x.grad.tolist() == grad
