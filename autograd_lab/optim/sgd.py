"""Stochastic gradient descent, with optional momentum."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from .._tensor import Tensor


class SGD:
    """``p -= lr * grad`` for every parameter (``v = momentum * v + grad`` first when momentum is set)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got torch.{params.dtype.legacy_name}")
        self.params = list(params)
        if any(not param.is_leaf for param in self.params):
            raise ValueError("can't optimize a non-leaf Tensor")
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self._velocity: dict[int, np.ndarray] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad`` before the next backward."""
        for param in self.params:
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.zero_()

    def step(self) -> None:
        """Move every parameter against its gradient (parameters without one are skipped)."""
        for param in self.params:
            if param.grad is None:
                continue
            step = param.grad._data
            if self.weight_decay:
                step = step + self.weight_decay * param._data
            if self.momentum:
                velocity = self._velocity.get(id(param))
                velocity = step.copy() if velocity is None else self.momentum * velocity + step
                self._velocity[id(param)] = velocity
                step = velocity
            param._data -= (self.lr * step).astype(param._data.dtype, copy=False)
            param._version_counter[0] += 1
