"""backward(): accumulation, fan-out, retain_graph, deep graphs, and gradients in the leaf's shape and dtype."""
from __future__ import annotations

import re
import numpy as np
import pytest

import autograd_lab as torch
from support.tensors import SECOND_BACKWARD, leaf


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
    with pytest.raises(RuntimeError, match=re.escape(SECOND_BACKWARD)):
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


# -- deep graphs ------------------------------------------------------------------------------------------

def test_100000_node_chain() -> None:
    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001 ** 100_000, rel=1e-9)
    assert y.item() == pytest.approx(1.00001 ** 100_000, rel=1e-9)


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
