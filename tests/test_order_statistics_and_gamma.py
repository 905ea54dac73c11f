"""mode, nanmedian, quantile, cummax/cummin, logcumsumexp; lgamma, digamma, erfinv, torch.special; index_copy, put."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lab as torch


def test_mode_takes_the_smallest_most_frequent_value_at_its_last_position() -> None:
    values, indices = torch.tensor([1, 2, 2, 3, 3, 1, 1]).mode()
    assert (values.item(), indices.item()) == (1, 6)
    values, indices = torch.tensor([[1.0, 2, 2], [3, 3, 1]]).mode(1)
    assert values.tolist() == [2.0, 3.0] and indices.tolist() == [2, 1]
    assert repr(torch.tensor([5]).mode()).startswith("torch.return_types.mode(\nvalues=tensor(5),")


def test_nanmedian_skips_nans_and_takes_the_lower_middle() -> None:
    assert torch.tensor([float("nan"), 1.0, 3.0, 2.0]).nanmedian().item() == 2.0
    values, indices = torch.tensor([[float("nan"), 1.0], [2.0, 3.0]]).nanmedian(1)
    assert values.tolist() == [1.0, 2.0] and indices.tolist() == [1, 0]


def test_quantile_interpolates_like_numpy() -> None:
    data = np.array([[1.0, 9.0, 3.0, 4.0], [4.0, 5.0, 6.0, 0.5]], dtype=np.float32)
    for q in (0.0, 0.25, 0.4, 1.0):
        for method in ("linear", "lower", "higher", "midpoint", "nearest"):
            got = torch.from_numpy(data).quantile(q, dim=1, interpolation=method).numpy()
            assert np.allclose(got, np.quantile(data, q, axis=1, method=method)), (q, method)
    both = torch.from_numpy(data).quantile(torch.tensor([0.25, 0.5]))
    assert np.allclose(both.numpy(), np.quantile(data, [0.25, 0.5]))
    with pytest.raises(RuntimeError, match=r"q values must be in the range \[0, 1\]"):
        torch.ones(3).quantile(1.5)


def test_running_extremes_and_their_gradients() -> None:
    x = torch.tensor([1.0, 3.0, 3.0, 2.0, 5.0], requires_grad=True)
    values, indices = x.cummax(0)
    assert values.tolist() == [1.0, 3.0, 3.0, 3.0, 5.0] and indices.tolist() == [0, 1, 2, 2, 4]
    values.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 2.0, 0.0, 1.0]
    assert torch.tensor([[3.0, 1.0], [1.0, 2.0]]).cummin(0).values.tolist() == [[3.0, 1.0], [1.0, 1.0]]


def test_logcumsumexp_is_stable_and_differentiable() -> None:
    x = torch.tensor([[1000.0, 1.0], [1000.0, 2.0]], dtype=torch.float64, requires_grad=True)
    out = torch.logcumsumexp(x, 0)
    assert out[1, 0].item() == pytest.approx(1000 + math.log(2))
    assert torch.autograd.gradcheck(lambda t: torch.logcumsumexp(t, 1), (torch.randn(3, 4, dtype=torch.float64,
                                                                                     requires_grad=True),))


@pytest.mark.parametrize("value", [0.1, 0.5, 1.0, 2.5, 7.0, 30.0, -0.5, -2.5])
def test_lgamma_and_digamma_values(value: float) -> None:
    x = torch.tensor([value], dtype=torch.float64)
    assert torch.lgamma(x).item() == pytest.approx(math.lgamma(value), rel=1e-12)
    h = 1e-6
    numeric = (math.lgamma(value + h) - math.lgamma(value - h)) / (2 * h)
    assert torch.digamma(x).item() == pytest.approx(numeric, rel=1e-6)


def test_special_functions_gradients_and_poles() -> None:
    x = torch.tensor([0.3, 2.0, 4.5], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(torch.lgamma, (x,)) and torch.autograd.gradcheck(torch.digamma, (x,))
    e = torch.tensor([-0.9, 0.1, 0.6], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(torch.erfinv, (e,))
    assert torch.allclose(torch.erf(torch.erfinv(e)), e)
    assert torch.lgamma(torch.tensor([0.0, -1.0])).tolist() == [math.inf, math.inf]
    assert torch.digamma(torch.tensor([0.0])).item() == -math.inf and torch.digamma(torch.tensor([-1.0])).isnan()
    assert torch.erfinv(torch.tensor([1.0, -1.0, 2.0])).tolist()[:2] == [math.inf, -math.inf]
    assert torch.special.expit(torch.tensor(0.0)).item() == 0.5 and torch.special.gammaln is torch.lgamma


def test_index_copy_and_put_write_in_place_and_route_gradients() -> None:
    assert torch.zeros(2, 3).index_copy_(1, torch.tensor([2, 0]), torch.tensor([[1.0, 2.0], [3.0, 4.0]])).tolist() \
        == [[2.0, 0.0, 1.0], [4.0, 0.0, 3.0]]
    assert torch.ones(4).put_(torch.tensor([1, 1, -1]), torch.tensor([1.0, 2.0, 3.0]), accumulate=True).tolist() == [
        1.0, 4.0, 1.0, 4.0]
    x = torch.zeros(3, 2, requires_grad=True)
    source = torch.ones(2, 2, requires_grad=True)
    out = x.index_copy(0, torch.tensor([2, 0]), source * 3)
    assert out.grad_fn.name() == "IndexCopyBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]] and source.grad.tolist() == [[3.0, 3.0]] * 2
    with pytest.raises(RuntimeError, match=r"index_copy_\(\): self and source expected to have the same dtype"):
        torch.zeros(2).index_copy_(0, torch.tensor([0]), torch.tensor([1]))
