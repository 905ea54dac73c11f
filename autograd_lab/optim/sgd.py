"""Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .._tensor import Tensor
from . import _kernels as k
from .optimizer import Optimizer, write


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

    def _update(self, group: dict[str, Any], param: Tensor, grad: np.ndarray) -> None:
        grad = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            grad = k.add_scaled(grad, param._data, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            state = self.state[param]
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = Tensor._wrap(grad.copy())
            else:
                write(buffer, k.add_scaled(k.scale(buffer._data, momentum), grad, 1 - group["dampening"]))
            grad = k.add_scaled(grad, buffer._data, momentum) if group["nesterov"] else buffer._data
        write(param, k.add_scaled(param._data, grad, -group["lr"]))
