"""Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from . import _kernels as k
from .optimizer import Optimizer


class SGD(Optimizer):
    """``p -= lr * g``, where ``g`` is the gradient (plus ``weight_decay * p``), or a momentum buffer of it.

    Follows PyTorch's single-tensor implementation step by step, so parameters match its values.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach, "differentiable": differentiable,
                    "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _step_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        directions = [self._direction(group, param, param.grad._data) for param in params]
        k.add_scaled_in_place(params, directions, -group["lr"])  # one fused pass over the whole group

    def _direction(self, group: dict[str, Any], param: Tensor, grad: np.ndarray) -> np.ndarray:
        """What the parameter moves along (times -lr): the gradient, with weight decay, through momentum."""
        grad = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            grad = k.add_scaled(grad, param._data, group["weight_decay"])
        momentum = group["momentum"]
        if momentum == 0:
            return grad
        state = self.state[param]
        buffer = state.get("momentum_buffer")
        if buffer is None:
            buffer = state["momentum_buffer"] = Tensor._wrap(grad.copy())
        else:
            k.write(buffer, k.add_scaled(k.scale(buffer._data, momentum), grad, 1 - group["dampening"]))
        return k.add_scaled(grad, buffer._data, momentum) if group["nesterov"] else buffer._data
