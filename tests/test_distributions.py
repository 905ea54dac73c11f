"""torch.distributions: samples come from the same random calls as PyTorch's, log_prob from the textbook formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab.distributions import Bernoulli, Categorical, Multinomial, Normal, Uniform
from autograd_lab.distributions.multinomial import Multinomial as MultinomialFromModule


def _seeded(draw):
    torch.manual_seed(7)
    return draw()


def test_categorical_samples_are_multinomial_draws_with_replacement() -> None:
    probs = torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    samples = _seeded(lambda: Categorical(probs).sample((5,)))
    expected = _seeded(lambda: torch.multinomial(probs, 5, True).T)
    assert samples.shape == (5, 2) and samples.dtype == torch.int64
    assert torch.equal(samples, expected)


def test_categorical_normalises_probs_and_scores_with_log_probs() -> None:
    c = Categorical(torch.tensor([1.0, 3.0]))
    assert c.probs.tolist() == [0.25, 0.75]
    assert c.log_prob(torch.tensor([0, 1])).tolist() == pytest.approx([math.log(0.25), math.log(0.75)])
    assert c.entropy().item() == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    assert c.batch_shape == torch.Size([]) and c.param_shape == torch.Size([2])


def test_categorical_from_logits_keeps_the_graph() -> None:
    logits = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    c = Categorical(logits=logits)
    score = c.log_prob(torch.tensor([2]))
    assert score.grad_fn.name() == "SqueezeBackward1"
    score.sum().backward()
    expected = -F.softmax(logits.detach(), -1)
    expected[0, 2] += 1
    assert np.allclose(logits.grad.numpy(), expected.numpy(), atol=1e-6)


def test_repr_shows_given_and_computed_parameters() -> None:
    c = Categorical(torch.tensor([0.2, 0.8]))
    assert repr(c) == "Categorical(probs: torch.Size([2]))"
    c.logits  # computed on first read, then shown, as in PyTorch
    assert repr(c) == "Categorical(probs: torch.Size([2]), logits: torch.Size([2]))"
    assert repr(Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(Normal(torch.zeros(3), 1.0)) == "Normal(loc: torch.Size([3]), scale: torch.Size([3]))"


def test_normal_sample_is_torch_normal_and_rsample_is_differentiable() -> None:
    loc = torch.tensor([0.0, 1.0], requires_grad=True)
    scale = torch.tensor([1.0, 2.0], requires_grad=True)
    n = Normal(loc, scale)
    sample = _seeded(lambda: n.sample((3,)))
    assert sample.shape == (3, 2) and sample.grad_fn is None
    assert torch.equal(sample, _seeded(lambda: torch.normal(loc.detach().expand(3, 2), scale.detach().expand(3, 2))))
    drawn = _seeded(lambda: n.rsample())
    eps = _seeded(lambda: torch.empty(2).normal_())
    assert torch.allclose(drawn, loc + eps * scale)
    drawn.sum().backward()
    assert loc.grad.tolist() == [1.0, 1.0] and torch.allclose(scale.grad, eps)


def test_normal_log_prob_cdf_entropy() -> None:
    n = Normal(torch.tensor(1.0), torch.tensor(2.0))
    x = 0.5
    expected = -((x - 1) ** 2) / 8 - math.log(2) - 0.5 * math.log(2 * math.pi)
    assert n.log_prob(torch.tensor(x)).item() == pytest.approx(expected, rel=1e-6)
    assert n.cdf(torch.tensor(1.0)).item() == pytest.approx(0.5)
    assert n.entropy().item() == pytest.approx(0.5 + 0.5 * math.log(2 * math.pi) + math.log(2), rel=1e-6)
    assert (n.mean.item(), n.stddev.item(), n.variance.item()) == (1.0, 2.0, 4.0)


def test_bernoulli_samples_like_torch_bernoulli_and_scores_with_bce() -> None:
    probs = torch.tensor([0.3, 0.9])
    b = Bernoulli(probs)
    assert torch.equal(_seeded(lambda: b.sample((4,))), _seeded(lambda: torch.bernoulli(probs.expand(4, 2))))
    assert b.log_prob(torch.tensor([1.0, 0.0])).tolist() == pytest.approx([math.log(0.3), math.log(0.1)], rel=1e-5)
    assert Bernoulli(logits=torch.tensor(0.0)).probs.item() == 0.5


def test_bernoulli_of_an_expanded_or_transposed_tensor_draws_in_row_major_order() -> None:
    """PyTorch writes torch.bernoulli's draws into a fresh contiguous tensor, whatever the layout of p."""
    p = torch.tensor([[0.3, 0.9, 0.5, 0.1]])
    assert torch.equal(_seeded(lambda: torch.bernoulli(p.expand(3, 4))),
                       _seeded(lambda: torch.bernoulli(p.expand(3, 4).contiguous())))
    q = torch.rand(4, 3)
    drawn = _seeded(lambda: torch.bernoulli(q.t()))
    assert drawn.is_contiguous()
    assert torch.equal(drawn, _seeded(lambda: torch.bernoulli(q.t().contiguous())))


def test_uniform_is_low_plus_rand_times_width() -> None:
    u = Uniform(1.0, 3.0)
    assert torch.equal(_seeded(lambda: u.sample((4,))), _seeded(lambda: 1.0 + torch.rand(4) * 2.0))
    assert u.log_prob(torch.tensor(2.0)).item() == pytest.approx(-math.log(2))
    assert u.log_prob(torch.tensor(5.0)).item() == -math.inf
    with pytest.raises(ValueError, match="^Uniform is not defined when low>= high$"):
        Uniform(2.0, 1.0)


def test_multinomial_counts_sum_to_total_and_match_categorical_draws() -> None:
    probs = torch.ones(6) / 6
    counts = _seeded(lambda: Multinomial(10, probs).sample((3,)))
    assert counts.shape == (3, 6) and counts.dtype == torch.float32 and counts.sum(1).tolist() == [10.0] * 3
    draws = _seeded(lambda: Categorical(probs).sample((10, 3)))
    for row in range(3):
        assert counts[row].tolist() == np.bincount(draws[:, row].numpy(), minlength=6).astype(float).tolist()
    assert MultinomialFromModule is Multinomial


def test_multinomial_log_prob_is_the_multinomial_formula() -> None:
    value = torch.tensor([2.0, 2, 2, 2, 1, 1])
    expected = math.log(math.factorial(10) / (2 ** 4)) + 10 * math.log(1 / 6)
    assert Multinomial(10, torch.ones(6) / 6).log_prob(value).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Normal(0.0, -1.0), "Expected parameter scale (Tensor of shape ()) of distribution Normal(loc: 0.0, "
                                "scale: -1.0) to satisfy the constraint GreaterThan(lower_bound=0.0), but found "
                                "invalid values:\n-1.0"),
    (lambda: Categorical(torch.tensor([-0.1, 1.0])),
     "Expected parameter probs (Tensor of shape (2,)) of distribution Categorical(probs: torch.Size([2])) to satisfy "
     "the constraint Simplex(), but found invalid values:\ntensor([-0.1111,  1.1111])"),
    (lambda: Bernoulli(torch.tensor(1.5)), "Expected parameter probs (Tensor of shape ()) of distribution "
                                           "Bernoulli(probs: 1.5) to satisfy the constraint Interval(lower_bound=0.0, "
                                           "upper_bound=1.0), but found invalid values:\n1.5"),
    (lambda: Categorical(torch.tensor([0.5, 0.5])).log_prob(torch.tensor(3)),
     "Expected value argument (Tensor of shape ()) to be within the support (IntegerInterval(lower_bound=0, "
     "upper_bound=1)) of the distribution Categorical(probs: torch.Size([2])), but found invalid values:\n3"),
    (lambda: Categorical(probs=torch.ones(2), logits=torch.ones(2)),
     "Either `probs` or `logits` must be specified, but not both."),
])
def test_invalid_parameters_and_values_raise_pytorchs_message(make, message) -> None:
    with pytest.raises(ValueError) as error:
        make()
    assert str(error.value) == message


def test_validation_can_be_switched_off() -> None:
    assert Normal(0.0, 1.0, validate_args=False).log_prob(torch.tensor([math.nan])).isnan().all()
