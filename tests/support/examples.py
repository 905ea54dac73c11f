"""Graphs that several test folders (and benchmarks/viz_bench.py) build."""
from __future__ import annotations

import autograd_lab as torch


def involved_example() -> dict[str, torch.Tensor]:
    """The seed's "more involved example" (before backward), by variable name."""
    x = torch.tensor(5., requires_grad=True)
    z = torch.tensor(3., requires_grad=True)
    r1 = x * x + z + torch.log(z)
    r2 = r1 + torch.sqrt(x)
    r3 = 100 * r1 + torch.log(r2)
    y = r1 + r2 + r3
    return {"x": x, "z": z, "r1": r1, "r2": r2, "r3": r3, "y": y}


def recurrent(steps: int, size: int = 4) -> torch.Tensor:
    """An unrolled RNN: the shared weights feed every step (long edges, dot's slow case)."""
    torch.manual_seed(0)
    w = torch.randn(size, size, requires_grad=True)
    u = torch.randn(size, size, requires_grad=True)
    b = torch.randn(size, requires_grad=True)
    h = torch.zeros(size)
    for _ in range(steps):
        h = torch.tanh(torch.mv(w, h) + torch.mv(u, torch.randn(size)) + b)
    return h.sum()


def mlp_loss() -> torch.Tensor:
    """A 2-4-1 tanh network's mean squared error on 8 random samples."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    inputs, targets = torch.randn(8, 2), torch.randn(8, 1)
    return torch.nn.MSELoss()(model(inputs), targets)


def broadcasting_example() -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """A (2, 3) tensor times a (3,) one, summed: backward sums b's gradient over the broadcast rows."""
    a = torch.ones(2, 3, requires_grad=True)
    b = torch.tensor([1., 2., 3.], requires_grad=True)
    s = (a * b).sum()
    return {"a": a, "b": b, "s": s}, s


def tanh_loop(steps: int = 150) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """h = tanh(w * h + b), ``steps`` times, with shared scalar w and b: an unrolled loop."""
    w = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    h = torch.tensor(1.0)
    for _ in range(steps):
        h = torch.tanh(w * h + b)
    return {"w": w, "b": b, "h": h}, h
