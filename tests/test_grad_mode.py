"""Grad modes (no_grad, enable_grad, set_grad_enabled, inference_mode), per thread as in PyTorch; detach() and .data."""
from __future__ import annotations

import sys
import threading
from typing import Callable

import numpy as np
import pytest

import autograd_lab as torch
from support.tensors import leaf


# -- grad modes, detach, data ---------------------------------------------------------------------------

def test_no_grad_enable_grad_set_grad_enabled() -> None:
    x = leaf()
    with torch.no_grad():
        y = x * 2
        with torch.enable_grad():
            assert (x * 2).requires_grad
        assert not torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert torch.is_grad_enabled()

    @torch.no_grad()
    def double(t: torch.Tensor) -> torch.Tensor:
        return t * 2

    assert not double(x).requires_grad
    with torch.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_detach_and_data_share_memory_without_history() -> None:
    x = leaf()
    y = x * 2
    detached = y.detach()
    assert not detached.requires_grad and detached.is_leaf and detached.grad_fn is None
    detached[0] = 100.0
    assert y[0].item() == 100.0
    data = x.data
    assert not data.requires_grad
    data[1] = 7.0
    assert x.tolist() == [1.0, 7.0, 3.0]
    z = (x * x).sum()  # changing x through .data is not tracked: no version error
    x.data.add_(1)
    z.backward()
    assert x.grad.tolist() == [4.0, 16.0, 8.0]


def test_requires_grad_() -> None:
    x = torch.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad and x.is_leaf
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    x.requires_grad_(False)
    assert not (x * 2).requires_grad


# -- grad mode belongs to the thread ------------------------------------------------------------------

def run_in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    """``work(i)`` in ``count`` threads started together, switching between them as often as Python allows.

    Returns what each returned, or the exception it raised.
    """
    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def target(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - the test reports it
            results[index] = error

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    return results


def train(seed: int, steps: int = 30) -> list[float]:
    """A tiny regression trained by hand with backward() and an SGD update under no_grad()."""
    rng = np.random.default_rng(seed)
    inputs = torch.tensor(rng.standard_normal((16, 3)), dtype=torch.float64)
    targets = inputs @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)
    weight = torch.zeros(3, 1, dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((torch.tanh(inputs @ weight) - targets) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            weight -= 0.1 * weight.grad
        weight.grad = None
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("repeat", range(3))
def test_ten_threads_training_at_once_each_get_their_own_result(repeat: int) -> None:
    expected = [train(seed) for seed in range(10)]
    results = run_in_threads(10, train)
    for seed, result in enumerate(results):
        assert not isinstance(result, BaseException), f"thread {seed}: {result!r}"
        assert result == expected[seed]


def test_no_grad_in_one_thread_leaves_others_recording() -> None:
    x = leaf()
    inside, done = threading.Event(), threading.Event()

    def holds_no_grad(_: int) -> bool:
        with torch.no_grad():
            inside.set()
            done.wait(5)
            return torch.is_grad_enabled()

    def records(_: int) -> tuple[bool, bool]:
        inside.wait(5)
        y = x * 2
        done.set()
        return torch.is_grad_enabled(), y.requires_grad

    holder = threading.Thread(target=holds_no_grad, args=(0,))
    holder.start()
    assert records(0) == (True, True)
    holder.join()


@pytest.mark.parametrize("switch", [torch.no_grad, lambda: torch.set_grad_enabled(False),
                                    lambda: torch.inference_mode()])
def test_a_new_thread_starts_recording_whatever_the_thread_that_made_it_does(switch: Callable) -> None:
    x = leaf()
    with switch():
        (in_thread,) = run_in_threads(1, lambda _: ((x * 2).requires_grad, torch.is_grad_enabled()))
        assert not (x * 2).requires_grad
    assert in_thread == (True, True)


def test_backward_switches_recording_off_only_in_its_own_thread() -> None:
    """Backward runs its formulas without recording; a thread recording meanwhile is not affected."""
    x = leaf()
    inside_backward, recorded = threading.Event(), threading.Event()
    seen: list[bool] = []

    def hook(grad: torch.Tensor) -> None:
        seen.append(torch.is_grad_enabled())
        inside_backward.set()
        recorded.wait(5)

    def records() -> None:
        inside_backward.wait(5)
        seen.append((x * 3).requires_grad)
        recorded.set()

    thread = threading.Thread(target=records)
    thread.start()
    y = x * 2
    y.register_hook(hook)
    y.sum().backward()
    thread.join()
    assert seen == [False, True]


# -- inference mode ----------------------------------------------------------------------------------

def test_tensors_made_in_inference_mode_are_inference_tensors_views_follow_their_base() -> None:
    x = torch.ones(2)
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        made, product, view, detached = torch.ones(3), x * 2, x[0:1], x.detach()
    assert made.is_inference() and product.is_inference()
    assert not view.is_inference() and not detached.is_inference() and not x.is_inference()
    assert not (made * 2).is_inference() and not made.clone().is_inference()
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()


def test_inference_mode_false_and_no_grad_inside_it() -> None:
    with torch.inference_mode():
        with torch.inference_mode(False):
            assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
            assert not torch.ones(1).is_inference()
        with torch.no_grad():
            assert torch.is_inference_mode_enabled() and torch.ones(1).is_inference()
        assert torch.is_inference_mode_enabled()


def test_inference_mode_decorates_with_and_without_parentheses() -> None:
    @torch.inference_mode
    def bare() -> bool:
        return torch.ones(1).is_inference()

    @torch.inference_mode()
    def called() -> bool:
        return torch.ones(1).is_inference() and not torch.is_grad_enabled()

    assert bare() and called() and not torch.is_inference_mode_enabled()


def test_inference_tensors_refuse_requires_grad_and_in_place_changes_outside() -> None:
    with torch.inference_mode():
        t = torch.ones(3)
        t.add_(1)
        t[0] = 5.0  # allowed inside
    inplace = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get "
               "a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
               "details.")
    for change in (lambda: t.add_(1), lambda: t.zero_(), lambda: t.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError) as error:
            change()
        assert str(error.value) == inplace
    with torch.no_grad(), pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
        t.mul_(2)
    with pytest.raises(RuntimeError, match="^Setting requires_grad=True on inference tensor outside InferenceMode "
                                           "is not allowed.$"):
        t.requires_grad_()
    assert t.requires_grad_(False).tolist() == [5.0, 2.0, 2.0]
    assert t.clone().requires_grad_().requires_grad


INFERENCE_SAVED = ("Inference tensors cannot be saved for backward. Please do not use Tensors created in inference "
                   "mode in computation tracked by autograd. To work around this, you can make a clone to get a normal "
                   "tensor and use it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")


def test_an_inference_tensor_saved_for_backward_raises_pytorchs_error() -> None:
    with torch.inference_mode():
        made_inside = torch.ones(2)
    w = torch.ones(2, requires_grad=True)
    for uses in (lambda: w * made_inside, lambda: torch.exp(made_inside * w), lambda: (w * 2) * made_inside):
        with pytest.raises(RuntimeError) as error:
            uses()
        assert str(error.value) == INFERENCE_SAVED
    added = w + made_inside  # an op that saves nothing records as in PyTorch
    added.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]
    cloned = made_inside.clone() * w  # the way out the message gives
    assert not cloned.is_inference() and cloned.requires_grad
