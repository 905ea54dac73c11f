"""RMSprop, with momentum and the centered variant."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from . import _kernels as k
from .optimizer import Optimizer, count_step, new_step, zeros_like


class RMSprop(Optimizer):
    """Steps by the gradient over the root of a running mean of its square (``alpha``: that mean's decay).
    Follows PyTorch's single-tensor implementation step by step."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _update(self, group: dict[str, Any], param: Tensor, grad: np.ndarray) -> None:
        state = self.state[param]
        if not state:
            state["step"] = new_step()
            state["square_avg"] = zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        grad = -grad if group["maximize"] else grad
        count_step(state)
        if group["weight_decay"] != 0:
            grad = k.add_scaled(grad, param._data, group["weight_decay"])
        alpha, square_avg = group["alpha"], state["square_avg"]
        k.write(square_avg, k.addcmul(k.scale(square_avg._data, alpha), grad, grad, 1 - alpha))
        if group["centered"]:
            grad_avg = state["grad_avg"]
            k.write(grad_avg, k.lerp(grad_avg._data, grad, 1 - alpha))
            average = np.sqrt(k.addcmul(square_avg._data, grad_avg._data, grad_avg._data, -1))
        else:
            average = np.sqrt(square_avg._data)
        average = k.add_scalar(average, group["eps"])
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            k.write(buffer, k.addcdiv(k.scale(buffer._data, group["momentum"]), grad, average, 1))
            k.write(param, k.add_scaled(param._data, buffer._data, -group["lr"]))
        else:
            k.write(param, k.addcdiv(param._data, grad, average, -group["lr"]))
