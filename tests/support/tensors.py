"""Small helpers the core tests share: leaf tensors, PyTorch's second-backward message."""
from __future__ import annotations

from typing import Callable

import autograd_lab as torch

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have already "
    "been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). "
    "Specify retain_graph=True if you need to backward through the graph a second time or if you need to access "
    "saved tensors after calling backward."
)
"""PyTorch's message when backward runs through freed saved tensors (recorded from PyTorch 2.13)."""


def leaf(*values: float) -> torch.Tensor:
    """A float32 leaf that requires grad, holding ``values`` (1, 2, 3 by default)."""
    return torch.tensor(list(values) or [1.0, 2.0, 3.0], requires_grad=True)


def backward_twice(make: Callable[[torch.Tensor], torch.Tensor], *values: float) -> None:
    """``make(leaf(*values)).sum()``, then backward() twice without retain_graph."""
    y = make(leaf(*values)).sum()
    y.backward()
    y.backward()
