"""autograd.grad(): gradients without touching .grad, allow_unused, grad_outputs, second derivatives."""
from __future__ import annotations

import numpy as np
import pytest

import autograd_lab as torch
from support.tensors import leaf


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
