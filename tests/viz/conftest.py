from __future__ import annotations

import pytest

import autograd_lab as torch
from support.examples import involved_example


@pytest.fixture
def involved():
    """The seed's "more involved example", before backward."""
    return involved_example()


def recurrent(steps: int, size: int = 4) -> torch.Tensor:
    """An unrolled RNN: shared weights feed every step (dot's slow case)."""
    torch.manual_seed(0)
    w = torch.randn(size, size, requires_grad=True)
    u = torch.randn(size, size, requires_grad=True)
    b = torch.randn(size, requires_grad=True)
    h = torch.zeros(size)
    for _ in range(steps):
        h = torch.tanh(torch.mv(w, h) + torch.mv(u, torch.randn(size)) + b)
    return h.sum()
