"""The engine-level autograd APIs against finite differences, and what they must leave untouched.

backward(inputs=), node hooks, saved-tensor hooks and the custom-Function extras
(setup_context, mark_dirty, once_differentiable) must give the gradients the chain
rule gives; anomaly mode and saved-tensor hooks must put ``Function.apply`` and
``Node.save_for_backward`` back as they were, whatever happens inside the block.
The printed outputs and error messages are compared with PyTorch in
test_autograd_engine_apis.py.
"""
from __future__ import annotations

import gc
import threading
import weakref
from typing import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd_lab as torch
from autograd_lab.autograd import Function
from autograd_lab.autograd.function import Node, once_differentiable
from autograd_lab.autograd.gradcheck import gradcheck
from autograd_lab.autograd.graph import saved_tensors_hooks
from support.gradcheck import check_gradients, numerical_gradient

SETTINGS = settings(max_examples=15, deadline=None)
VECTORS = arrays(np.float64, st.integers(1, 4), elements=st.floats(-1.5, 1.5))


def model(w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """A small loss of two parameters, as a course's training step computes it."""
    return ((w.tanh() * 2 + b) ** 2).sum() + (w * b).exp().mean()


def finite_differences(fn: Callable[..., torch.Tensor], *values: np.ndarray) -> list[np.ndarray]:
    def scalar(*arrays_: np.ndarray) -> float:
        with torch.no_grad():
            return float(fn(*[torch.from_numpy(a) for a in arrays_]).item())

    return numerical_gradient(scalar, [v.copy() for v in values])


# -- backward(inputs=...) -----------------------------------------------------------------------------

@SETTINGS
@given(VECTORS, st.floats(-1.0, 1.0))
def test_backward_inputs_fills_only_the_inputs_with_the_true_gradient(w_value: np.ndarray, b_value: float) -> None:
    b_array = np.full(w_value.shape, b_value)
    w, b = torch.tensor(w_value, requires_grad=True), torch.tensor(b_array, requires_grad=True)
    model(w, b).backward(inputs=[w])
    expected_w, _ = finite_differences(model, w_value, b_array)
    np.testing.assert_allclose(w.grad.numpy(), expected_w, rtol=1e-5, atol=1e-7)
    assert b.grad is None
    model(w, b).backward(inputs=b)  # a second backward accumulates into the one input asked for
    np.testing.assert_allclose(w.grad.numpy(), expected_w, rtol=1e-5, atol=1e-7)
    assert b.grad is not None


def test_backward_inputs_on_an_intermediate_gives_what_autograd_grad_gives() -> None:
    w = torch.tensor([0.3, -0.7, 1.1], dtype=torch.float64, requires_grad=True)
    hidden = w.sin() * 3
    (expected,) = torch.autograd.grad((hidden.exp() * w).sum(), hidden, retain_graph=True)
    (hidden.exp() * w).sum().backward(inputs=[hidden])
    np.testing.assert_allclose(hidden.grad.numpy(), expected.numpy())
    assert w.grad is None and hidden.retains_grad


def test_backward_inputs_does_not_run_the_nodes_below_the_inputs() -> None:
    """Nodes that only lead to other leaves are not run: their saved tensors stay and they are not called."""
    calls = []
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    under_b = b.exp()
    under_b.grad_fn.register_prehook(lambda grads: calls.append("exp") and None)
    (a * under_b).sum().backward(inputs=[a])
    assert calls == [] and b.grad is None
    np.testing.assert_allclose(a.grad.numpy(), np.exp([3.0, 4.0]), rtol=1e-6)


# -- node hooks -----------------------------------------------------------------------------------------

@SETTINGS
@given(VECTORS, st.floats(0.1, 3.0))
def test_a_prehook_scaling_the_gradient_scales_every_gradient_below_it(value: np.ndarray, factor: float) -> None:
    x = torch.tensor(value, requires_grad=True)
    y = x.sin() * x
    y.grad_fn.register_prehook(lambda grads: (grads[0] * factor,))
    y.sum().backward()
    (expected,) = finite_differences(lambda t: (t.sin() * t).sum(), value)
    np.testing.assert_allclose(x.grad.numpy(), factor * expected, rtol=1e-5, atol=1e-7)


def test_a_posthook_sees_what_backward_computed_and_its_result_is_what_is_sent_on() -> None:
    x = torch.tensor([0.5, -2.0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    y = x * w
    seen = []

    def keep_only_first(grad_inputs: tuple, grad_outputs: tuple) -> tuple:
        seen.append((grad_inputs[0].numpy().copy(), grad_inputs[1].numpy().copy()))
        return grad_inputs[0], None

    handle = y.grad_fn.register_hook(keep_only_first)
    y.sum().backward(retain_graph=True)
    np.testing.assert_allclose(seen[0][0], [3.0, 4.0])
    np.testing.assert_allclose(seen[0][1], [0.5, -2.0])
    assert w.grad is None and np.allclose(x.grad.numpy(), [3.0, 4.0])
    handle.remove()
    y.sum().backward()
    assert np.allclose(w.grad.numpy(), [0.5, -2.0]) and len(seen) == 1


def test_a_node_with_hooks_keeps_its_name_and_is_freed_without_the_cycle_collector() -> None:
    gc.collect()
    gc.disable()
    try:
        x = torch.tensor([1.0], requires_grad=True)
        y = x.exp()
        y.grad_fn.register_hook(lambda gi, go: None)
        assert y.grad_fn.name() == "ExpBackward0" and type(y.grad_fn).__name__ == "ExpBackward0"
        assert repr(y.grad_fn).startswith("<ExpBackward0 object at 0x")
        node = weakref.ref(y.grad_fn)
        del y
        assert node() is None
    finally:
        gc.enable()


def test_listeners_see_the_gradients_hooks_produced() -> None:
    x = torch.tensor([2.0], requires_grad=True)
    y = x * 5
    y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, None))
    events = []
    with torch.autograd.listening(events.append):
        y.backward()
    accumulated = [e for e in events if type(e).__name__ == "GradAccumulated"]
    assert accumulated and np.allclose(accumulated[0].after, [50.0]) and np.allclose(x.grad.numpy(), [50.0])


# -- saved-tensor hooks -----------------------------------------------------------------------------------

@SETTINGS
@given(VECTORS)
def test_gradients_through_packed_copies_equal_plain_gradients(value: np.ndarray) -> None:
    def loss(t: torch.Tensor) -> torch.Tensor:
        return (t.tanh() * t.exp() / (1 + t * t)).sum()

    store: list[torch.Tensor] = []

    def pack(tensor: torch.Tensor) -> int:
        store.append(tensor.detach().clone())
        return len(store) - 1

    x = torch.tensor(value, requires_grad=True)
    with saved_tensors_hooks(pack, lambda key: store[key]):
        out = loss(x)
    assert store, "no tensor was packed"
    out.backward()
    (expected,) = finite_differences(loss, value)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_backward_uses_what_unpack_returns() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with saved_tensors_hooks(lambda t: t, lambda t: t * 0 + 5):
        y = x.sin()  # SinBackward0 saves self; backward computes grad * cos(self)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos([5.0, 5.0]).astype(np.float32), rtol=1e-6)


def test_saved_tensor_hooks_apply_to_their_own_thread_only() -> None:
    """As in PyTorch: a block open in one thread does not pack what another thread saves."""
    inside, outside = threading.Event(), threading.Event()
    packed_in: list[str] = []

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        packed_in.append(threading.current_thread().name)
        return tensor

    def other_thread() -> None:
        inside.wait()
        x = torch.tensor([1.0], requires_grad=True)
        (x * x).sum().backward()
        outside.set()

    worker = threading.Thread(target=other_thread, name="other")
    worker.start()
    with saved_tensors_hooks(pack, lambda t: t):
        inside.set()
        outside.wait()
        y = torch.tensor([2.0], requires_grad=True)
        z = y * y
    worker.join()
    z.backward()
    assert packed_in == [threading.current_thread().name] * 2
    assert np.allclose(y.grad.numpy(), [4.0])


def test_hooks_and_anomaly_mode_leave_apply_and_save_for_backward_as_they_were() -> None:
    plain_apply, plain_save = Function.__dict__["apply"], Node.__dict__["save_for_backward"]
    with pytest.raises(ValueError):
        with saved_tensors_hooks(lambda t: t, lambda t: t):
            with torch.autograd.set_detect_anomaly(True):
                raise ValueError("a student's error inside the block")
    assert Function.__dict__["apply"] is plain_apply and Node.__dict__["save_for_backward"] is plain_save
    # switched off in the other order than on: still back to plain once both are off
    torch.autograd.set_detect_anomaly(True)
    with saved_tensors_hooks(lambda t: t, lambda t: t):
        torch.autograd.set_detect_anomaly(False)
        x = torch.tensor([1.0], requires_grad=True)
        y = x.exp()
    assert not hasattr(y.grad_fn, "_forward_stack") and y.grad_fn._packed
    torch.autograd.set_detect_anomaly(True)
    torch.autograd.set_detect_anomaly(False)
    assert Function.__dict__["apply"] is plain_apply and Node.__dict__["save_for_backward"] is plain_save
    assert not torch.is_anomaly_enabled()


def test_a_node_recorded_in_anomaly_mode_names_its_forward_line() -> None:
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"), torch.autograd.detect_anomaly():
        x = torch.tensor([0.0], requires_grad=True)
        y = x.sqrt()
    assert any("y = x.sqrt()" in line for line in y.grad_fn._forward_stack)
    assert not any("autograd_lab" in line.split('"')[1] for line in y.grad_fn._forward_stack if '"' in line)


# -- custom Functions ----------------------------------------------------------------------------------------

class SoftClip(Function):
    """tanh(x) * k, written the newer way: forward without ctx, setup_context saves what backward needs."""

    @staticmethod
    def forward(x: torch.Tensor, k: float) -> torch.Tensor:
        return x.tanh() * k

    @staticmethod
    def setup_context(ctx: Node, inputs: tuple, output: torch.Tensor) -> None:
        x, k = inputs
        ctx.save_for_backward(output)
        ctx.k = k

    @staticmethod
    def backward(ctx: Node, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (output,) = ctx.saved_tensors
        return grad * (ctx.k - output * output / ctx.k), None


def test_a_setup_context_function_matches_finite_differences_to_second_order() -> None:
    check_gradients(lambda x: SoftClip.apply(x, 2.5), np.array([[-1.2, 0.3], [0.8, 1.5]]))
    x = torch.tensor([0.2, -0.4], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda t: SoftClip.apply(t, 0.5), (x,))


class ScaleInPlace(Function):
    @staticmethod
    def forward(ctx: Node, x: torch.Tensor, k: float) -> torch.Tensor:
        ctx.k = k
        x.mul_(k)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx: Node, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad * ctx.k, None


@SETTINGS
@given(VECTORS, st.floats(-2.0, 2.0))
def test_an_in_place_function_marked_dirty_gives_the_chain_rule_gradient(value: np.ndarray, k: float) -> None:
    def loss(t: torch.Tensor) -> torch.Tensor:
        hidden = t.sin() + 0
        return (ScaleInPlace.apply(hidden, k) ** 2).sum()

    x = torch.tensor(value, requires_grad=True)
    loss(x).backward()
    (expected,) = finite_differences(lambda t: ((t.sin() * k) ** 2).sum(), value)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-6)


def test_mark_dirty_on_a_leaf_that_requires_grad_is_refused() -> None:
    leaf = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place"):
        ScaleInPlace.apply(leaf, 2.0)


class CubeOnce(Function):
    @staticmethod
    def forward(ctx: Node, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @once_differentiable
    def backward(ctx: Node, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2


def test_once_differentiable_gives_first_derivatives_and_refuses_second_ones() -> None:
    check_gradients(CubeOnce.apply, np.array([0.5, -1.5, 2.0]), second_order=False)
    x = torch.tensor([2.0], requires_grad=True)
    y = CubeOnce.apply(x * 1)  # the gradient reaching backward requires grad under create_graph
    weight = torch.tensor([1.0], requires_grad=True)
    (first,) = torch.autograd.grad(y, x, grad_outputs=weight, create_graph=True)
    assert np.allclose(first.detach().numpy(), [12.0]) and first.requires_grad
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        first.backward()
