"""The graph ops record, node by node, compared with what PyTorch 2.13 records (names, edges, blocked gradients)."""
from __future__ import annotations

import gc
import warnings
import weakref

import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab import nn
from support.tensors import leaf


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
B = torch.ones(2, 3, 2, requires_grad=True)
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
                ("UnsafeViewBackward0", [(("MmBackward0", [("UnsafeViewBackward0", 0), ("TBackward0", 0)]), 0)])),
    "w.reshape(-1)": (lambda: W.reshape(-1), ("ViewBackward0", [(ACC, 0)])),
    "w.t().reshape(-1)": (lambda: W.t().reshape(-1),
                          ("UnsafeViewBackward0", [(("CloneBackward0", [("TBackward0", 0)]), 0)])),
    "w[:, ::2].reshape(-1)": (lambda: W[:, ::2].reshape(-1),
                              ("UnsafeViewBackward0", [(("CloneBackward0", [("SliceBackward0", 0)]), 0)])),
    "w[:, :2].reshape(2, 1, 2)": (lambda: W[:, :2].reshape(2, 1, 2), ("ReshapeAliasBackward0", [(("SliceBackward0", [
        ("AccumulateGrad", 0)]), 0)])),
    "3d @ 3d": (lambda: W.expand(4, 2, 3) @ B[0].expand(4, 3, 2),
                ("UnsafeViewBackward0", [(("BmmBackward0", [("ReshapeAliasBackward0", 0),
                                                             ("ReshapeAliasBackward0", 0)]), 0)])),
    "b.mT @ b": (lambda: B.mT @ B, ("UnsafeViewBackward0", [(("BmmBackward0", [("ReshapeAliasBackward0", 0),
                                                                                ("ViewBackward0", 0)]), 0)])),
    "x @ 3d": (lambda: X @ B, ("UnsafeViewBackward0", [(("MvBackward0", [("UnsafeViewBackward0", 0),
                                                                          ("AccumulateGrad", 0)]), 0)])),
    "w @ 3d": (lambda: W @ B, ("CloneBackward0", [(("TransposeBackward0", [("UnsafeViewBackward0", 0)]), 0)])),
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
    with warnings.catch_warnings(record=True) as caught:
        (base ** exponent).sum().backward()
    assert caught == []  # no NumPy warning reaches the notebook
    assert repr(base.grad) == "tensor([ 0.,  0., 12.])"  # d(b**0)/db is 0 at b = 0, not nan
    assert repr(exponent.grad) == "tensor([0.0000, 0.0000, 5.5452])"


def test_copying_reshape_gives_a_tensor_of_its_own_whose_gradient_flows_back() -> None:
    w = torch.arange(6.0).reshape(2, 3).requires_grad_()
    flat = w.t().reshape(-1)
    assert flat.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0] and flat.is_contiguous()
    (flat * torch.arange(6.0)).sum().backward()
    assert w.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    detached = w.detach().t().reshape(-1)
    detached[0] = 100.0  # a copy: the original is untouched
    assert w[0, 0].item() == 0.0


def test_batched_matmul_values_and_gradients_match_per_batch_products() -> None:
    torch.manual_seed(0)
    a = torch.randn(3, 1, 2, 4, requires_grad=True)
    b = torch.randn(5, 4, 2, requires_grad=True)
    out = a @ b
    assert out.shape == (3, 5, 2, 2)
    expected = torch.stack([torch.stack([a[i, 0].detach() @ b[j].detach() for j in range(5)]) for i in range(3)])
    assert torch.allclose(out, expected, atol=1e-6)
    out.sum().backward()
    assert torch.allclose(a.grad, (torch.ones(5, 2, 2) @ b.detach().mT).sum(0).expand(3, 1, 2, 4), atol=1e-5)
    vector = torch.randn(4, requires_grad=True)
    assert torch.allclose(vector @ b, torch.stack([vector.detach() @ b[j].detach() for j in range(5)]), atol=1e-6)
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(2\) must match the size of tensor b \(3\) at "
                                           r"non-singleton dimension 0$"):
        torch.ones(2, 3, 4) @ torch.ones(3, 4, 6)


def test_addmm_scales_both_terms_and_records_one_node() -> None:
    torch.manual_seed(0)
    bias, mat1, mat2 = (torch.randn(*shape, dtype=torch.float64, requires_grad=True) for shape in [(3,), (2, 4), (4, 3)])
    out = torch.addmm(bias, mat1, mat2, beta=0.5, alpha=2.0)
    assert out.grad_fn.name() == "AddmmBackward0"
    assert torch.allclose(out, 0.5 * bias + 2.0 * (mat1 @ mat2))
    assert torch.autograd.gradcheck(lambda b, x, w: torch.addmm(b, x, w, beta=0.5, alpha=2.0), (bias, mat1, mat2))
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 shapes cannot be multiplied \(2x4 and 2x4\)$"):
        torch.addmm(bias, mat1, mat1)
    with pytest.raises(RuntimeError, match="^mat2 must be a matrix, got 1-D tensor$"):
        torch.addmm(bias, mat1, torch.ones(4, dtype=torch.float64))
