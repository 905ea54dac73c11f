"""nn and optim: a small network learns, SGD updates."""
from __future__ import annotations

import autograd_lab as torch
from autograd_lab import nn


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
