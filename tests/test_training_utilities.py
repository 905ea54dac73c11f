"""OneCycleLR, parameters_to_vector / vector_to_parameters, and Mv's recorded backward."""
from __future__ import annotations

import math

import pytest

import autograd_lab as torch
from autograd_lab import nn, optim


def _cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)


def test_one_cycle_climbs_then_anneals_and_moves_momentum_the_other_way() -> None:
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    seen = []
    for _ in range(10):
        seen.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
        opt.step()
        scheduler.step()
    warmup_end = 0.3 * 10 - 1
    for step, (lr, momentum) in enumerate(seen):
        if step <= warmup_end:
            pct = step / warmup_end
            assert lr == pytest.approx(_cos(0.04, 1.0, pct)) and momentum == pytest.approx(_cos(0.95, 0.85, pct))
        else:
            pct = (step - warmup_end) / (9 - warmup_end)
            assert lr == pytest.approx(_cos(1.0, 0.04 / 1e4, pct)) and momentum == pytest.approx(_cos(0.85, 0.95, pct))
    with pytest.raises(ValueError, match="^Tried to step 11 times. The specified number of total steps is 10$"):
        scheduler.step()


def test_one_cycle_cycles_adams_beta1_and_checks_its_arguments() -> None:
    model = nn.Linear(2, 1)
    adam = optim.Adam(model.parameters())
    optim.lr_scheduler.OneCycleLR(adam, max_lr=0.5, epochs=2, steps_per_epoch=3)
    assert adam.param_groups[0]["betas"] == (0.95, 0.999) and adam.param_groups[0]["lr"] == pytest.approx(0.02)
    with pytest.raises(ValueError, match=r"^You must define either total_steps OR \(epochs AND steps_per_epoch\)$"):
        optim.lr_scheduler.OneCycleLR(adam, max_lr=1.0)
    with pytest.raises(ValueError, match="^max_lr must have the same length as optimizer.param_groups"):
        optim.lr_scheduler.OneCycleLR(adam, max_lr=[1.0, 2.0], total_steps=4)


def test_parameters_to_vector_and_back() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vector = nn.utils.parameters_to_vector(net.parameters())
    assert vector.shape == (11,) and vector.grad_fn.name() == "CatBackward0"
    assert torch.equal(vector[:6], net[0].weight.detach().reshape(-1))
    nn.utils.vector_to_parameters(torch.arange(11.0), net.parameters())
    assert net[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and net[1].bias.tolist() == [10.0]
    assert isinstance(net[0].weight, nn.Parameter)
    with pytest.raises(TypeError, match="^expected torch.Tensor, but got: list$"):
        nn.utils.vector_to_parameters([1.0], net.parameters())


def test_matrix_vector_backward_records_an_outer_product() -> None:
    w = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = torch.tensor([1.0, -1.0])
    (grad,) = torch.autograd.grad((w @ v).pow(2).sum(), w, create_graph=True)
    assert grad.grad_fn.name() == "MulBackward0" and grad.tolist() == [[-2.0, 2.0], [-2.0, 2.0]]
