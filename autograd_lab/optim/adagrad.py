"""Adagrad: steps shrink with the sum of squared gradients seen so far."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from . import _kernels as k
from .optimizer import Optimizer, count_step, new_step


class Adagrad(Optimizer):
    """``p -= lr / (1 + (t - 1) * lr_decay) * g / (sqrt(sum of g**2) + eps)``, as PyTorch computes it."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state[param]
                state["step"] = new_step()
                state["sum"] = Tensor._wrap(np.full_like(param._data, initial_accumulator_value))

    def _update(self, group: dict[str, Any], param: Tensor, grad: np.ndarray) -> None:
        state = self.state[param]
        step = count_step(state)
        grad = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            grad = k.add_scaled(grad, param._data, group["weight_decay"])
        current_lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"]
        k.write(total, k.addcmul(total._data, grad, grad, 1))
        deviation = k.add_scalar(np.sqrt(total._data), group["eps"])
        k.write(param, k.addcdiv(param._data, grad, deviation, -current_lr))
