"""Gradients of the nn.functional ops against central finite differences, and their second derivatives.

Every loss, activation and layer op with its own backward node is checked in float64:
first derivatives through ``backward()``, second derivatives through ``autograd.grad``
with ``create_graph=True`` (PyTorch has double backward for all of these).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from support.gradcheck import check_gradients, numerical_gradient

RNG = np.random.default_rng(20240611)


def rand(*shape: int, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return RNG.uniform(low, high, shape)


def away_from(values: np.ndarray, kinks: tuple[float, ...], margin: float = 0.05) -> np.ndarray:
    """``values`` nudged so none sits within ``margin`` of a point where the function has a kink."""
    values = values.copy()
    for kink in kinks:
        close = np.abs(values - kink) < margin
        values[close] = kink + np.where(values[close] >= kink, margin, -margin) * 2
    return values


def const(values: object) -> torch.Tensor:
    """A float64 constant (the inputs under test are float64; losses want matching dtypes)."""
    return torch.tensor(values, dtype=torch.float64)


def check_second_derivatives(fn: Callable[..., torch.Tensor], *arrays: np.ndarray, rtol: float = 1e-4,
                             atol: float = 1e-6) -> None:
    """The gradient of ``sum(fn(x) * w)`` (taken with create_graph) differentiated again, against differences."""
    arrays = tuple(np.array(a, dtype=np.float64) for a in arrays)
    out_shape = tuple(fn(*[torch.tensor(a) for a in arrays]).shape)
    weight = torch.tensor(RNG.uniform(-1.5, 1.5, size=out_shape))
    probe = torch.tensor(RNG.uniform(-1.5, 1.5, size=arrays[0].shape))

    def first_gradient(*values: np.ndarray) -> torch.Tensor:
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
        (grad,) = torch.autograd.grad((fn(*leaves) * weight).sum(), leaves[0], create_graph=True)
        return grad, leaves

    grad, leaves = first_gradient(*arrays)
    assert grad.requires_grad, "the gradient was not recorded (no double backward)"
    analytic = torch.autograd.grad((grad * probe).sum(), leaves, allow_unused=True)

    def scalar(*values: np.ndarray) -> float:
        g, _ = first_gradient(*values)
        return float(np.sum(g.detach().numpy() * probe.numpy()))

    numeric = numerical_gradient(scalar, [a.copy() for a in arrays], eps=1e-5)
    for position, (got, want) in enumerate(zip(analytic, numeric)):
        got = np.zeros_like(want) if got is None else got.numpy()
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"second derivative, input {position}")


LOGITS = rand(4, 5)
TARGETS = np.array([1, 0, 4, 2])
PROBABILITIES = RNG.dirichlet(np.ones(5), size=4)
CLASS_WEIGHT = torch.tensor(RNG.uniform(0.5, 2.0, 5))

LOSSES: dict[str, tuple[Callable[..., torch.Tensor], tuple[np.ndarray, ...]]] = {
    "mse mean": (lambda x, y: F.mse_loss(x, y), (rand(3, 4), rand(3, 4))),
    "mse sum": (lambda x, y: F.mse_loss(x, y, reduction="sum"), (rand(5), rand(5))),
    "mse none": (lambda x, y: F.mse_loss(x, y, reduction="none"), (rand(2, 3), rand(2, 3))),
    "l1": (lambda x: F.l1_loss(x, torch.zeros(6, dtype=torch.float64)), (away_from(rand(6), (0.0,)),)),
    "smooth l1": (lambda x: F.smooth_l1_loss(x, torch.zeros(8, dtype=torch.float64), beta=0.5),
                  (away_from(rand(8), (-0.5, 0.5)),)),
    "smooth l1 target": (lambda y: F.smooth_l1_loss(torch.zeros(8, dtype=torch.float64), y, reduction="sum"),
                         (away_from(rand(8), (-1.0, 1.0)),)),
    "huber": (lambda x: F.huber_loss(x, torch.zeros(8, dtype=torch.float64), delta=0.7, reduction="none"),
              (away_from(rand(8), (-0.7, 0.7)),)),
    "bce": (lambda p: F.binary_cross_entropy(p, const([1.0, 0.0, 1.0, 0.3, 0.9])),
            (rand(5, low=0.05, high=0.95),)),
    "bce weighted sum": (lambda p: F.binary_cross_entropy(p, const([1.0, 0.0, 0.5]), reduction="sum",
                                                          weight=const([2.0, 1.0, 0.5])),
                         (rand(3, low=0.05, high=0.95),)),
    "bce with logits": (lambda z: F.binary_cross_entropy_with_logits(z, const([1.0, 0.0, 0.2, 1.0])),
                        (rand(4, low=-4, high=4),)),
    "bce with logits pos_weight": (
        lambda z: F.binary_cross_entropy_with_logits(z, const([[1.0, 0.0], [0.3, 1.0]]),
                                                     pos_weight=const([3.0, 0.5]),
                                                     weight=const([1.0, 2.0]), reduction="none"),
        (rand(2, 2, low=-4, high=4),)),
    "bce with logits target": (lambda t: F.binary_cross_entropy_with_logits(
        const([0.5, -1.0, 2.0]), t, pos_weight=const(2.0)), (rand(3, low=0, high=1),)),
    "nll": (lambda x: F.nll_loss(x, torch.tensor(TARGETS)), (LOGITS,)),
    "nll weight ignore": (lambda x: F.nll_loss(x, torch.tensor([1, -100, 4, 2]), weight=CLASS_WEIGHT), (LOGITS,)),
    "nll 1-d": (lambda x: F.nll_loss(x, torch.tensor(3)), (rand(5),)),
    "nll images": (lambda x: F.nll_loss(x, torch.tensor([[[0, 2], [1, 1]], [[2, 0], [1, -100]]])),
                   (rand(2, 3, 2, 2),)),
    "nll sequences none": (lambda x: F.nll_loss(x, torch.tensor([[0, 2, 1], [1, 1, 0]]), reduction="none"),
                           (rand(2, 3, 3),)),
    "cross entropy": (lambda x: F.cross_entropy(x, torch.tensor(TARGETS)), (LOGITS,)),
    "cross entropy smoothing": (lambda x: F.cross_entropy(x, torch.tensor([1, 0, -100, 2]), label_smoothing=0.2),
                                (LOGITS,)),
    "cross entropy smoothing weight": (
        lambda x: F.cross_entropy(x, torch.tensor(TARGETS), weight=CLASS_WEIGHT, label_smoothing=0.1), (LOGITS,)),
    "cross entropy probabilities": (lambda x: F.cross_entropy(x, torch.tensor(PROBABILITIES)), (LOGITS,)),
    "cross entropy probability target": (lambda p: F.cross_entropy(torch.tensor(LOGITS), p, reduction="sum"),
                                         (PROBABILITIES,)),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradient_matches_finite_differences(name: str) -> None:
    fn, arrays = LOSSES[name]
    check_gradients(fn, *arrays)


SECOND_ORDER_LOSSES = ["mse mean", "smooth l1", "huber", "bce", "bce with logits", "bce with logits pos_weight",
                       "nll", "cross entropy", "cross entropy smoothing", "cross entropy probabilities"]


@pytest.mark.parametrize("name", SECOND_ORDER_LOSSES)
def test_loss_second_derivative_matches_finite_differences(name: str) -> None:
    fn, arrays = LOSSES[name]
    check_second_derivatives(fn, *arrays)


POINTS = away_from(rand(12, low=-3, high=3), (-1.0, 0.0, 1.0, 6.0))
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "elu": lambda x: F.elu(x, alpha=0.7),
    "selu": F.selu,
    "celu": lambda x: F.celu(x, alpha=1.5),
    "gelu": F.gelu,
    "gelu tanh": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "softplus": lambda x: F.softplus(x, beta=2.0, threshold=4.0),
    "mish": F.mish,
    "logsigmoid": F.logsigmoid,
    "hardtanh": F.hardtanh,
    "relu6": lambda x: F.relu6(x * 3),
    "softsign": F.softsign,
    "softmin": lambda x: F.softmin(x.reshape(3, 4), dim=1),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradient_matches_finite_differences(name: str) -> None:
    check_gradients(ACTIVATIONS[name], POINTS)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n not in ("hardtanh", "relu6", "leaky_relu")])
def test_activation_second_derivative_matches_finite_differences(name: str) -> None:
    check_second_derivatives(ACTIVATIONS[name], POINTS)


def test_in_place_activations_record_their_gradient() -> None:
    for inplace in (F.relu, lambda x, inplace: F.leaky_relu(x, 0.2, inplace), F.elu, F.hardtanh, F.silu):
        check_gradients(lambda x, fn=inplace: fn(x * 1.0, inplace=True), POINTS)


def test_linear_gradients() -> None:
    check_gradients(lambda x, w, b: F.linear(x, w, b), rand(4, 3), rand(2, 3), rand(2))
    check_gradients(lambda x, w: F.linear(x, w), rand(2, 5, 3), rand(2, 3))
    check_gradients(lambda x, w, b: F.linear(x, w, b), rand(3), rand(2, 3), rand(2))


def test_embedding_gradient_adds_up_repeated_rows_and_skips_padding() -> None:
    indices = torch.tensor([[0, 2, 2], [3, 0, 2]])
    check_gradients(lambda w: F.embedding(indices, w), rand(4, 3))
    upstream = torch.tensor(rand(2, 3, 3))

    def weight_gradient(**options: object) -> np.ndarray:
        weight = torch.tensor(rand(4, 3), requires_grad=True)
        (F.embedding(indices, weight, **options) * upstream).sum().backward()
        return weight.grad.numpy()

    plain = weight_gradient()
    padded = weight_gradient(padding_idx=2)  # PyTorch's rule: the padding row is used but gets no gradient
    np.testing.assert_array_equal(padded[[0, 1, 3]], plain[[0, 1, 3]])
    assert not padded[2].any() and plain[2].any()
    counts = np.bincount(indices.numpy().ravel(), minlength=4)[:, None]
    np.testing.assert_allclose(weight_gradient(scale_grad_by_freq=True), plain / np.maximum(counts, 1))


def test_batch_norm_gradients_in_training_and_evaluation() -> None:
    def training(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, None, None, w, b, training=True)

    def evaluation(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, const([0.5, -0.2, 0.1]), const([1.5, 0.7, 2.0]), w, b)

    for shape in ((6, 3), (4, 3, 5)):
        check_gradients(training, rand(*shape), rand(3), rand(3))
        check_gradients(evaluation, rand(*shape), rand(3), rand(3))
    check_second_derivatives(lambda x: F.batch_norm(x, None, None, const([1.5, 0.5, 1.0]), None,
                                                    training=True), rand(5, 3))


def test_layer_norm_gradients() -> None:
    check_gradients(lambda x, w, b: F.layer_norm(x, (4,), w, b), rand(3, 4), rand(4), rand(4))
    check_gradients(lambda x: F.layer_norm(x, (2, 3)), rand(2, 2, 3))
    check_second_derivatives(lambda x: F.layer_norm(x, (4,), const([1.0, 2.0, 0.5, -1.0])), rand(3, 4))


def test_dropout_gradient_is_the_mask_scaled() -> None:
    torch.manual_seed(0)
    x = torch.ones(200, requires_grad=True)
    out = F.dropout(x, p=0.25)
    out.sum().backward()
    kept = out.detach().numpy() != 0
    assert 0.6 < kept.mean() < 0.9
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.75, 0.0), rtol=1e-6)


def test_nll_loss_grad_is_zero_where_ignored() -> None:
    x = torch.tensor(LOGITS, requires_grad=True)
    F.cross_entropy(x, torch.tensor([1, -100, 4, -100])).backward()
    assert np.all(x.grad.numpy()[[1, 3]] == 0)
