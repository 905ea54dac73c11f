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
