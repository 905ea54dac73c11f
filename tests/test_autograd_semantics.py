"""How autograd behaves, beyond single-op gradients: compared with values worked out by hand
and with what PyTorch 2.13 does (names, structure, dtypes and messages recorded from it)."""
from __future__ import annotations

import gc
import re
import warnings
import weakref
from typing import Any, Callable

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab import _tensor
import autograd_lab.nn.functional as F
from autograd_lab import nn
from autograd_lab.autograd import events

SECOND_BACKWARD = "Trying to backward through the graph a second time"


def leaf(*values: float) -> torch.Tensor:
    return torch.tensor(list(values) or [1.0, 2.0, 3.0], requires_grad=True)


# -- accumulation, fan-out ------------------------------------------------------------------------------

def test_gradients_accumulate_across_backward_calls_until_zeroed() -> None:
    x = leaf()
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]
    x.grad.zero_()
    (3 * x).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    x.grad.data.zero_()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_fan_out_sums_every_use() -> None:
    x = torch.tensor(3.0, requires_grad=True)
    y = x * x + 2 * x + x.exp() + x  # 2x + 2 + e^x + 1
    y.backward()
    assert x.grad.item() == pytest.approx(6 + 2 + np.exp(3.0) + 1, rel=1e-6)
    z = torch.tensor([1.0, 2.0], requires_grad=True)
    shared = z * 2
    (shared * shared + shared).sum().backward()  # d/dz (4z^2 + 2z) = 8z + 2
    assert z.grad.tolist() == [10.0, 18.0]


# -- retain_graph ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda x: x * x, lambda x: x * 2, lambda x: x / 2, torch.exp,
                                  lambda x: x ** 2, torch.relu, torch.sigmoid, torch.tanh])
def test_second_backward_fails_when_saved_tensors_were_freed(make) -> None:
    x = leaf()
    y = make(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        y.backward()


@pytest.mark.parametrize("make", [lambda x: x + 2, lambda x: x.mean(), lambda x: x.view(3, 1), lambda x: x[1:],
                                  lambda x: -x, lambda x: x - x])
def test_second_backward_works_without_saved_tensors(make) -> None:
    """PyTorch only fails when a node that saved tensors is run again."""
    x = leaf()
    y = make(x).sum()
    y.backward()
    first = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy())


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf()
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]


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


# -- autograd.grad ------------------------------------------------------------------------------------

def test_grad_returns_without_touching_dot_grad() -> None:
    x = leaf()
    (g,) = torch.autograd.grad((x * x).sum(), x)
    assert g.tolist() == [2.0, 4.0, 6.0]
    assert x.grad is None


def test_grad_allow_unused_and_non_leaf_inputs() -> None:
    x, unused = leaf(), leaf(5.0)
    y = x * 3
    z = (y * y).sum()
    gx, gu, gy = torch.autograd.grad(z, [x, unused, y], allow_unused=True)
    assert gu is None
    assert gy.tolist() == [6.0, 12.0, 18.0]
    assert gx.tolist() == [18.0, 36.0, 54.0]


def test_grad_outputs_weight_the_result() -> None:
    x = leaf()
    (g,) = torch.autograd.grad(x * x, x, grad_outputs=torch.tensor([1.0, 0.0, -1.0]))
    assert g.tolist() == [2.0, 0.0, -6.0]


@pytest.mark.parametrize("fn, second", [
    (lambda x: x ** 3, lambda v: 6 * v),
    (torch.sin, lambda v: -np.sin(v)),
    (torch.tanh, lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
    (torch.exp, np.exp),
    (lambda x: x.sigmoid(), lambda v: (s := 1 / (1 + np.exp(-v))) * (1 - s) * (1 - 2 * s)),
])
def test_second_derivatives_with_create_graph(fn, second) -> None:
    values = np.array([-1.3, 0.4, 2.0])
    x = torch.tensor(values, requires_grad=True)
    (first,) = torch.autograd.grad(fn(x).sum(), x, create_graph=True)
    assert first.requires_grad and first.grad_fn is not None
    (result,) = torch.autograd.grad(first.sum(), x)
    np.testing.assert_allclose(result.numpy(), second(values), rtol=1e-10)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_second_derivative_through_backward_and_dot_grad() -> None:
    x = torch.tensor(2.0, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    assert x.grad.item() == 12.0 and x.grad.requires_grad
    first = x.grad
    x.grad = None
    first.backward()
    assert x.grad.item() == 12.0  # 6x


def test_hessian_vector_product() -> None:
    a = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]])
    x = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64, requires_grad=True)
    matrix = torch.from_numpy(a)
    f = 0.5 * (x @ (matrix @ x)) + (x ** 3).sum()  # Hessian: A + diag(6x)
    (g,) = torch.autograd.grad(f, x, create_graph=True)
    v = torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
    (hv,) = torch.autograd.grad(g, x, grad_outputs=v)
    hessian = a + np.diag(6 * np.array([1.0, -1.0, 0.5]))
    np.testing.assert_allclose(hv.numpy(), hessian @ v.numpy())


# -- creating tensors ------------------------------------------------------------------------------------

def test_float64_tensors_from_python_numbers_keep_double_precision() -> None:
    assert torch.tensor(0.1, dtype=torch.float64).item() == 0.1
    assert torch.tensor([0.1, 1 / 3], dtype=torch.float64).tolist() == [0.1, 1 / 3]
    assert torch.tensor(0.1).item() == float(np.float32(0.1))


def test_tensor_copies_arrays_and_tensors_it_is_given() -> None:
    array, source = np.ones(2, dtype=np.float32), torch.ones(2)
    from_array, same_dtype = torch.tensor(array), torch.tensor(array, dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_tensor = torch.tensor(source)
    array[0], source[0] = 5.0, 7.0
    assert from_array.tolist() == same_dtype.tolist() == from_tensor.tolist() == [1.0, 1.0]


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


# -- deep graphs ------------------------------------------------------------------------------------------

def test_100000_node_chain() -> None:
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001 ** 100_000, rel=1e-9)
    assert y.item() == pytest.approx(1.00001 ** 100_000, rel=1e-9)


# -- graph structure, as PyTorch records it ----------------------------------------------------------------

def structure(node, depth: int = 2):
    """(name, [children]) of a grad_fn, with AccumulateGrad named as PyTorch's repr shows it."""
    if node is None:
        return None
    name = type(node).__name__
    if depth == 0:
        return name
    return name, [(structure(child, depth - 1), nr) for child, nr in node.next_functions]


ACC = ("AccumulateGrad", [])
X = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
W = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
GRAPHS = {  # recorded from PyTorch 2.13
    "x + 2": (lambda: X + 2, ("AddBackward0", [(ACC, 0), (None, 0)])),
    "2 - x": (lambda: 2 - X, ("RsubBackward1", [(ACC, 0)])),
    "x * 2": (lambda: X * 2, ("MulBackward0", [(ACC, 0), (None, 0)])),
    "2 / x": (lambda: 2 / X, ("MulBackward0", [(("ReciprocalBackward0", [("AccumulateGrad", 0)]), 0), (None, 0)])),
    "x ** 2": (lambda: X ** 2, ("PowBackward0", [(ACC, 0)])),
    "2 ** x": (lambda: 2 ** X, ("PowBackward2", [(ACC, 0)])),
    "x ** x": (lambda: X ** X, ("PowBackward1", [(ACC, 0), (ACC, 0)])),
    "x * x": (lambda: X * X, ("MulBackward0", [(ACC, 0), (ACC, 0)])),
    "-x": (lambda: -X, ("NegBackward0", [(ACC, 0)])),
    "x.sum()": (lambda: X.sum(), ("SumBackward0", [(ACC, 0)])),
    "x.sum(0)": (lambda: X.sum(0), ("SumBackward1", [(ACC, 0)])),
    "x.sum(dtype)": (lambda: X.sum(dtype=torch.float64), ("SumBackward0", [(ACC, 0)])),
    "x.mean()": (lambda: X.mean(), ("MeanBackward0", [(ACC, 0)])),
    "x.max()": (lambda: X.max(), ("MaxBackward1", [(ACC, 0)])),
    "x.max(0)": (lambda: X.max(0)[0], ("MaxBackward0", [(ACC, 0)])),
    "x.norm()": (lambda: X.norm(), ("LinalgVectorNormBackward0", [(ACC, 0)])),
    "clamp": (lambda: X.clamp(0, 1), ("ClampBackward1", [(ACC, 0)])),
    "w @ x": (lambda: W @ X, ("MvBackward0", [(ACC, 0), (ACC, 0)])),
    "x @ x": (lambda: X @ X, ("DotBackward0", [(ACC, 0), (ACC, 0)])),
    "x @ w.t()": (lambda: X @ W.t(), ("SqueezeBackward4", [(("MmBackward0", [("UnsqueezeBackward0", 0),
                                                                              ("TBackward0", 0)]), 0)])),
    "w.mm(w.t())": (lambda: W.mm(W.t()), ("MmBackward0", [(ACC, 0), (("TBackward0", [("AccumulateGrad", 0)]), 0)])),
    "3d @ 2d": (lambda: W.expand(4, 2, 3) @ W.t(),
                ("UnsafeViewBackward0", [(("MmBackward0", [("ViewBackward0", 0), ("TBackward0", 0)]), 0)])),
    "w.reshape(-1)": (lambda: W.reshape(-1), ("ViewBackward0", [(ACC, 0)])),
    "w.flatten()": (lambda: W.flatten(), ("ViewBackward0", [(ACC, 0)])),
    "w.T": (lambda: W.T, ("PermuteBackward0", [(ACC, 0)])),
    "w.t()": (lambda: W.t(), ("TBackward0", [(ACC, 0)])),
    "w.unsqueeze(0).squeeze()": (lambda: W.unsqueeze(0).squeeze(),
                                 ("SqueezeBackward0", [(("UnsqueezeBackward0", [("AccumulateGrad", 0)]), 0)])),
    "w[0]": (lambda: W[0], ("SelectBackward0", [(ACC, 0)])),
    "w[:, 1]": (lambda: W[:, 1], ("SelectBackward0", [(ACC, 0)])),
    "w[0:1]": (lambda: W[0:1], ("SliceBackward0", [(ACC, 0)])),
    "w[0, 1]": (lambda: W[0, 1], ("SelectBackward0", [(("SelectBackward0", [("AccumulateGrad", 0)]), 0)])),
    "w[0, 1:]": (lambda: W[0, 1:], ("SliceBackward0", [(("SelectBackward0", [("AccumulateGrad", 0)]), 0)])),
    "w[1:, 0]": (lambda: W[1:, 0], ("SelectBackward0", [(("SliceBackward0", [("AccumulateGrad", 0)]), 0)])),
    "w[None]": (lambda: W[None], ("UnsqueezeBackward0", [(ACC, 0)])),
    "w[:, :]": (lambda: W[:, :], ("AliasBackward0", [(ACC, 0)])),
    "w[[0, 1], 1]": (lambda: W[[0, 1], 1], ("IndexBackward0", [(("SelectBackward0", [("AccumulateGrad", 0)]), 0)])),
    "x[x > 1]": (lambda: X[X > 1], ("IndexBackward0", [(ACC, 0)])),
    "cat": (lambda: torch.cat([X, X]), ("CatBackward0", [(ACC, 0), (ACC, 0)])),
    "stack": (lambda: torch.stack([X, X]), ("StackBackward0", [(ACC, 0), (ACC, 0)])),
    "where": (lambda: torch.where(X > 1, X, 0.0), ("WhereBackward0", [(ACC, 0), (None, 0)])),
    "masked_fill": (lambda: X.masked_fill(X > 1, 0.0), ("MaskedFillBackward0", [(ACC, 0)])),
    "softmax": (lambda: X.softmax(0), ("SoftmaxBackward0", [(ACC, 0)])),
    "mse_loss": (lambda: F.mse_loss(X, torch.zeros(3)), ("MseLossBackward0", [(ACC, 0), (None, 0)])),
    "cross_entropy": (lambda: F.cross_entropy(W, torch.tensor([0, 1])),
                      ("NllLossBackward0", [(("LogSoftmaxBackward0", [("AccumulateGrad", 0)]), 0)])),
    "x.double()": (lambda: X.double(), ("ToCopyBackward0", [(ACC, 0)])),
    "x.clone()": (lambda: X.clone(), ("CloneBackward0", [(ACC, 0)])),
    "maximum": (lambda: torch.maximum(X, X * 2),
                ("MaximumBackward0", [(ACC, 0), (("MulBackward0", [("AccumulateGrad", 0), (None, 0)]), 0)])),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_graph_structure_matches_pytorch(name: str) -> None:
    make, expected = GRAPHS[name]
    assert structure(make().grad_fn) == expected


def test_linear_records_addmm_like_pytorch() -> None:
    layer = nn.Linear(3, 2)
    tbackward = ("TBackward0", [("AccumulateGrad", 0)])
    assert structure(layer(torch.ones(4, 3)).grad_fn) == ("AddmmBackward0", [(ACC, 0), (None, 0), (tbackward, 0)])
    for shape in [(3,), (5, 4, 3)]:
        assert structure(layer(torch.ones(shape)).grad_fn) == (
            "ViewBackward0", [(("AddmmBackward0", [("AccumulateGrad", 0), (None, 0), ("TBackward0", 0)]), 0)])
    assert layer(torch.ones(5, 4, 3)).shape == torch.Size([5, 4, 2])


def test_accumulate_grad_points_at_its_leaf() -> None:
    x = leaf()
    node = (x * 2).grad_fn.next_functions[0][0]
    assert type(node).__name__ == "AccumulateGrad" and node.variable is x
    assert repr(node).startswith("<AccumulateGrad object at 0x")
    assert x.is_leaf and not (x * 2).is_leaf


def test_leaf_shares_one_accumulate_grad_while_a_graph_holds_it_and_is_freed_without_the_collector() -> None:
    x = leaf()
    first = (x * 2).grad_fn.next_functions[0][0]
    assert (x * 3).grad_fn.next_functions[0][0] is first
    gc.disable()
    try:
        y = leaf()
        gone = weakref.ref(y)
        z = y * 2
        z.sum().backward()
        del y
        assert gone() is not None  # z's graph still holds the leaf, as in PyTorch
        assert z.grad_fn.next_functions[0][0].variable is gone()
        del z
        assert gone() is None
    finally:
        gc.enable()


# Gradients an op blocks are +0, not -0, even when the incoming gradient is negative (printed by PyTorch 2.13).
BLOCKED_GRADIENTS = {
    "relu": (lambda x: -torch.relu(x), "tensor([ 0., -1., -1.])"),
    "clamp": (lambda x: -x.clamp(0, 1), "tensor([ 0., -1.,  0.])"),
    "max": (lambda x: -x.max(), "tensor([ 0.,  0., -1.])"),
    "maximum": (lambda x: -torch.maximum(x, torch.tensor([0.5, 0.5, 0.5])), "tensor([ 0.0000, -0.5000, -1.0000])"),
    "minimum": (lambda x: -torch.minimum(x, torch.tensor([0.5, 0.5, 0.5])), "tensor([-1.0000, -0.5000,  0.0000])"),
    "pow 0": (lambda x: -(x ** 0), "tensor([0., 0., 0.])"),
    "setitem": (lambda x: -_with_second_replaced(x), "tensor([-1.,  0., -1.])"),
}


def _with_second_replaced(y: torch.Tensor) -> torch.Tensor:
    y = y.clone()
    y[1] = 5.0
    return y


@pytest.mark.parametrize("name", sorted(BLOCKED_GRADIENTS))
def test_blocked_gradients_are_positive_zeros_like_pytorch(name: str) -> None:
    function, expected = BLOCKED_GRADIENTS[name]
    x = leaf(-1.0, 0.5, 2.0)
    function(x).sum().backward()
    assert repr(x.grad) == expected


def test_norm_and_tensor_power_at_zero_match_pytorch() -> None:
    x = leaf(0.0, 0.0)
    (-x.norm()).backward()
    assert repr(x.grad) == "tensor([-0., -0.])"
    base, exponent = leaf(0.0, 0.0, 2.0), leaf(2.0, 0.0, 3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (base ** exponent).sum().backward()
    assert repr(base.grad) == "tensor([ 0.,  0., 12.])"  # d(b**0)/db is 0 at b = 0, not nan
    assert repr(exponent.grad) == "tensor([0.0000, 0.0000, 5.5452])"


# -- values and types students meet (printed by PyTorch 2.13) ---------------------------------------------

STUDENT_VALUES = {
    "Size slice": (lambda: torch.zeros(2, 3, 4).shape[1:], "torch.Size([3, 4])"),
    "Size plus tuple": (lambda: torch.zeros(2, 3).shape + (4,), "torch.Size([2, 3, 4])"),
    "tuple plus Size": (lambda: (4,) + torch.zeros(2, 3).shape, "torch.Size([4, 2, 3])"),
    "Size times 2": (lambda: torch.zeros(2, 3).shape * 2, "torch.Size([2, 3, 2, 3])"),
    "sum over dim 0 of a 0-d tensor": (lambda: torch.tensor(3.0, requires_grad=True).sum(0),
                                       "tensor(3., grad_fn=<SumBackward1>)"),
    "mean over dim -1 of a 0-d tensor": (lambda: torch.tensor(3.0).mean(dim=-1, keepdim=True), "tensor(3.)"),
    "integer tensor clamped to a float": (lambda: torch.tensor([-5, 3]).clamp(min=0.5), "tensor([0.5000, 3.0000])"),
    "integer tensor clamped to an int": (lambda: torch.tensor([-5, 3]).clamp(min=1), "tensor([1, 3])"),
    "float64 array operand": (lambda: torch.tensor([1.0, 2.0]) + np.array([1.0, 1.0]),
                              "tensor([2., 3.], dtype=torch.float64)"),
    "NumPy scalar times a tensor": (lambda: np.float64(2.0) * torch.tensor([1.0, 2.0]), "tensor([2., 4.])"),
    "tensor == None": (lambda: torch.tensor([1.0, 2.0]) == None, "False"),  # noqa: E711
    "tensor != None": (lambda: torch.tensor([1.0, 2.0]) != None, "True"),  # noqa: E711
    "argmax of all": (lambda: SCORES.argmax(), "tensor(3)"),
    "argmax along dim 1": (lambda: SCORES.argmax(dim=1), "tensor([1, 0])"),
    "argmax keepdim": (lambda: torch.argmax(SCORES, dim=0, keepdim=True), "tensor([[1, 0, 1]])"),
    "argmin of all": (lambda: torch.argmin(SCORES), "tensor(4)"),
    "argmin along the last dim": (lambda: SCORES.argmin(-1), "tensor([0, 1])"),
    "argmax of a 0-d tensor": (lambda: torch.tensor(3.0).argmax(0), "tensor(0)"),
    "accuracy": (lambda: (SCORES.argmax(dim=1) == torch.tensor([1, 0])).float().mean(), "tensor(1.)"),
    "not a mask": (lambda: ~MASK, "tensor([False,  True, False])"),
    "mask and mask": (lambda: MASK & torch.tensor([True, True, False]), "tensor([ True, False, False])"),
    "mask or mask": (lambda: MASK | torch.tensor([True, True, False]), "tensor([True, True, True])"),
    "mask xor mask": (lambda: MASK ^ torch.tensor([True, True, False]), "tensor([False,  True,  True])"),
    "True and a mask": (lambda: True & MASK, "tensor([ True, False,  True])"),
    "ints and ints": (lambda: torch.tensor([6, 3]) & torch.tensor([3, 1]), "tensor([2, 1])"),
    "not of ints": (lambda: ~torch.tensor([0, 5]), "tensor([-1, -6])"),
    "two comparisons": (lambda: (SCORES > 1) & (SCORES < 7),
                        "tensor([[False,  True,  True],\n        [False, False, False]])"),
    "logical_not of floats": (lambda: torch.logical_not(torch.tensor([0.0, 2.0])), "tensor([ True, False])"),
    "logical_or": (lambda: MASK.logical_or(torch.tensor([True, True, False])), "tensor([True, True, True])"),
}
SCORES = torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
MASK = torch.tensor([True, False, True])


@pytest.mark.parametrize("name", sorted(STUDENT_VALUES))
def test_values_students_meet_print_like_pytorch(name: str) -> None:
    make, expected = STUDENT_VALUES[name]
    assert repr(make()) == expected


def _warnings_of(action: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, [str(w.message).split(" (Triggered")[0] for w in caught]


def test_warnings_pytorch_gives_once_per_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tensor, "_warned", set())
    vector, x = torch.ones(3), torch.tensor(2.0, requires_grad=True)
    transposed, first = _warnings_of(lambda: vector.T)
    assert repr(transposed) == "tensor([1., 1., 1.])"
    assert first == ["The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
                     "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                     "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor."]
    assert _warnings_of(lambda: torch.ones(2, 2, 2).T)[1] == []
    assert _warnings_of(lambda: torch.tensor(1.0).T)[1] == [
        "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."]
    values, converted = _warnings_of(lambda: torch.tensor([x, x * 2]))
    assert repr(values) == "tensor([2., 4.])"
    assert converted == ["Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                         "Consider using tensor.detach() first."]
    assert _warnings_of(lambda: torch.tensor([x]))[1] == []


def test_softmax_without_dim_warns_and_picks_pytorchs_dim() -> None:
    result, caught = _warnings_of(lambda: F.softmax(torch.tensor([1.0, 2.0])))
    assert repr(result) == "tensor([0.2689, 0.7311])"
    assert caught == ["Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X "
                      "as an argument."]
    result, caught = _warnings_of(lambda: F.log_softmax(torch.tensor([[1.0, 2.0], [1.0, 1.0]])))
    assert repr(result) == "tensor([[-1.3133, -0.3133],\n        [-0.6931, -0.6931]])"


def test_mean_of_nothing_and_softmax_of_minus_infinity_are_quiet_nans() -> None:
    assert _warnings_of(lambda: repr(torch.tensor([]).mean())) == ("tensor(nan)", [])
    assert _warnings_of(lambda: repr(torch.zeros(2, 0).mean(1))) == ("tensor([nan, nan])", [])
    minus_infinity = torch.tensor([float("-inf"), float("-inf")])
    assert _warnings_of(lambda: repr(torch.softmax(minus_infinity, dim=0))) == ("tensor([nan, nan])", [])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_one_sample_is_one_nll_loss_node(reduction: str) -> None:
    scores = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = F.cross_entropy(scores, torch.tensor(2), reduction=reduction)
    assert repr(loss) == "tensor(0.4076, grad_fn=<NllLossBackward0>)"
    (-loss).backward()
    assert repr(scores.grad) == "tensor([-0.0900, -0.2447,  0.3348])"


def test_gradient_through_sum_of_a_0d_tensor_over_dim_0() -> None:
    x = torch.tensor(3.0, requires_grad=True)
    (x.sum(0) * 2).backward()
    assert repr(x.grad) == "tensor(2.)"


# -- dtype promotion (results recorded from PyTorch) -------------------------------------------------------

T = torch.tensor
PROMOTION = {
    "int + 0.5": (lambda: T([1, 2]) + 0.5, torch.float32),
    "float32 + float64 0-d": (lambda: T([1.0]) + T(1.0, dtype=torch.float64), torch.float32),
    "float32 + float64 1-d": (lambda: T([1.0]) + T([1.0], dtype=torch.float64), torch.float64),
    "int + float64 0-d": (lambda: T([1, 2]) + T(1.0, dtype=torch.float64), torch.float64),
    "int32 + int64 0-d": (lambda: T([1], dtype=torch.int32) + T(1), torch.int32),
    "bool + 1": (lambda: T([True]) + 1, torch.int64),
    "int / int": (lambda: T([1]) / T([2]), torch.float32),
    "float16 + 1.5": (lambda: T([1.0], dtype=torch.float16) + 1.5, torch.float16),
    "uint8 + int8": (lambda: T([1], dtype=torch.uint8) + T([1], dtype=torch.int8), torch.int16),
    "0-d int64 + 0-d float32": (lambda: T(1) + T(1.0), torch.float32),
    "int * True": (lambda: T([2]) * True, torch.int64),
    "0-d float64 * 0-d float32": (lambda: T(1.0, dtype=torch.float64) * T(1.0), torch.float64),
    "int ** 0.5": (lambda: T([4]) ** 0.5, torch.float32),
    "int sum": (lambda: T([1, 2]).sum(), torch.int64),
    "bool sum": (lambda: T([True, True]).sum(), torch.int64),
    "int32 + 5": (lambda: T([1], dtype=torch.int32) + 5, torch.int32),
}


@pytest.mark.parametrize("name", PROMOTION)
def test_dtype_promotion(name: str) -> None:
    make, expected = PROMOTION[name]
    assert make().dtype is expected


def test_gradient_has_the_dtype_of_its_leaf() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype is torch.float32 and y.grad.dtype is torch.float64
    assert x.grad.tolist() == [3.0, 4.0] and y.grad.tolist() == [1.0, 2.0]


def test_broadcast_gradient_is_summed_to_the_leaf_shape() -> None:
    b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = torch.ones(4, 3, requires_grad=True)
    (m * b).sum().backward()
    assert b.grad.tolist() == [4.0, 4.0, 4.0] and m.grad.tolist() == [[1.0, 2.0, 3.0]] * 4


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
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
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


# -- nn and optim ---------------------------------------------------------------------------------------

def test_two_layer_tanh_network_learns() -> None:
    torch.manual_seed(0)
    inputs = torch.linspace(-2, 2, 32).reshape(32, 1)
    targets = torch.sin(inputs)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(300):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert len(list(model.parameters())) == 4
    assert losses[-1] < 0.1 * losses[0] and losses[-1] < 0.02


def test_sgd_step_is_lr_times_grad() -> None:
    w = nn.Parameter(torch.tensor([1.0, 2.0]))
    optimizer = torch.optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    optimizer.step()
    assert w.tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert w.grad is None


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
    visited = [e.node.name() for e in log if isinstance(e, events.NodeVisited) and e.node.name() != "AccumulateGrad"]
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
    with torch.autograd.listening(log.append), pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        y.backward()
    assert isinstance(log[-1], events.BackwardFailed) and SECOND_BACKWARD in str(log[-1].error)
    assert not any(isinstance(e, events.BackwardFinished) for e in log)


def test_no_listener_after_the_block() -> None:
    log: list = []
    with torch.autograd.listening(log.append):
        pass
    leaf().sum().backward()
    assert log == []


# -- floating-point edge cases ----------------------------------------------------------------------------

def test_log_of_zero_division_by_zero_and_overflow_are_silent_like_pytorch() -> None:
    x = leaf(0.0, 1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [torch.log(x), x / 0, torch.exp(torch.tensor([100.0])), torch.sqrt(torch.tensor([-1.0])),
                   torch.tensor([0.0]) ** -1.0, torch.sigmoid(torch.tensor([-1000.0]))]
        torch.log(x).sum().backward()
    assert [str(r.detach()) for r in results] == ["tensor([-inf, 0.])", "tensor([nan, inf])", "tensor([inf])",
                                                  "tensor([nan])", "tensor([inf])", "tensor([0.])"]
    assert x.grad.tolist() == [np.inf, 1.0]
    assert caught == []


def test_numpy_warnings_outside_the_package_are_left_alone() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.log(torch.zeros(1))
        np.log(np.zeros(1))
    assert [str(w.message) for w in caught] == ["divide by zero encountered in log"]
