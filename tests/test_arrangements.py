"""cartesian_prod, combinations, block_diag, vander, rot90, argwhere, histc, aminmax, atan2, copysign, heaviside."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import autograd_lab as torch


def _double(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64).requires_grad_()


def test_products_and_combinations_list_every_choice_in_order() -> None:
    a, b = torch.tensor([1, 2, 3]), torch.tensor([10, 20])
    assert torch.cartesian_prod(a, b).tolist() == [list(p) for p in itertools.product([1, 2, 3], [10, 20])]
    assert torch.cartesian_prod(a) is a
    assert torch.combinations(a).tolist() == [list(c) for c in itertools.combinations([1, 2, 3], 2)]
    assert torch.combinations(a, r=2, with_replacement=True).tolist() == [
        list(c) for c in itertools.combinations_with_replacement([1, 2, 3], 2)]
    assert torch.combinations(a, r=3).tolist() == [[1, 2, 3]]


def test_block_diag_places_blocks_and_promotes() -> None:
    out = torch.block_diag(torch.tensor(7), torch.tensor([1, 2]), torch.ones(2, 1))
    assert out.dtype == torch.float32 and out.shape == (4, 4)
    assert out.tolist() == [[7, 0, 0, 0], [0, 1, 2, 0], [0, 0, 0, 1], [0, 0, 0, 1]]
    with pytest.raises(RuntimeError, match="Input 1 has 3 dimensions"):
        torch.block_diag(torch.ones(1), torch.ones(1, 1, 1))


def test_vander_columns_are_decreasing_powers() -> None:
    x = torch.tensor([2, 3])
    assert torch.vander(x).tolist() == [[2, 1], [3, 1]] and torch.vander(x).dtype == torch.int64
    assert torch.vander(x, N=4, increasing=True).tolist() == [[2 ** k for k in range(4)], [3 ** k for k in range(4)]]


def test_rot90_matches_numpy_and_refuses_bad_dims() -> None:
    data = np.arange(24).reshape(2, 3, 4)
    for k in (-1, 0, 1, 2, 3, 5):
        assert torch.from_numpy(data).rot90(k, (1, 2)).tolist() == np.rot90(data, k, axes=(1, 2)).tolist()
    with pytest.raises(RuntimeError, match="^expected rotation dims to be different, but got dim0 = 0 and dim1 = 0$"):
        torch.ones(2, 2).rot90(1, (0, 0))


@pytest.mark.parametrize("name", ["cartesian_prod", "combinations", "block_diag", "vander", "rot90", "atan2",
                                  "copysign"])
def test_gradients_agree_with_finite_differences(name: str) -> None:
    torch.manual_seed(0)
    a, b = _double(3), _double(3)
    functions = {
        "cartesian_prod": (lambda x, y: torch.cartesian_prod(x, y), (a, b)),
        "combinations": (lambda x: torch.combinations(x, r=2, with_replacement=True), (a,)),
        "block_diag": (lambda x, y: torch.block_diag(x, y.reshape(3, 1)), (a, b)),
        "vander": (lambda x: torch.vander(x, N=4), (a,)),
        "rot90": (lambda x: x.reshape(1, 3).rot90(3), (a,)),
        "atan2": (lambda x, y: torch.atan2(x, y), (a, b)),
        "copysign": (lambda x: torch.copysign(x, torch.tensor([-1.0, 1.0, -1.0], dtype=torch.float64)), (a,)),
    }
    function, inputs = functions[name]
    assert torch.autograd.gradcheck(function, inputs)


def test_argwhere_histc_and_aminmax() -> None:
    assert torch.argwhere(torch.tensor([[0, 1], [2, 0]])).tolist() == [[0, 1], [1, 0]]
    assert torch.histc(torch.tensor([1.0, 2.0, 1.0, 4.0, 9.0]), bins=4, min=0, max=4).tolist() == [0, 2, 1, 1]
    assert torch.histc(torch.tensor([1.0, 2.0, 3.0]), bins=2).tolist() == [1.0, 2.0]  # the data's own range
    with pytest.raises(NotImplementedError, match="^\"histogram_cpu\" not implemented for 'Long'$"):
        torch.histc(torch.tensor([1, 2]))
    smallest, largest = torch.aminmax(torch.tensor([[1.0, 5.0], [3.0, 2.0]]), dim=0)
    assert smallest.tolist() == [1.0, 2.0] and largest.tolist() == [3.0, 5.0]
    assert repr(torch.aminmax(torch.tensor([3, 1]))) == ("torch.return_types.aminmax(\nmin=tensor(1),\n"
                                                         "max=tensor(3))")


def test_atan2_copysign_heaviside_values() -> None:
    y, x = torch.tensor([1.0, 1.0, -1.0]), torch.tensor([1.0, -1.0, -1.0])
    assert torch.atan2(y, x).tolist() == pytest.approx([math.atan2(1, 1), math.atan2(1, -1), math.atan2(-1, -1)])
    assert torch.copysign(torch.tensor([1, 2]), -1.0).tolist() == [-1.0, -2.0]
    assert torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor([0.5])).tolist() == [0.0, 0.5, 1.0]
