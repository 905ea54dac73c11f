"""``autograd``: backward(), grad(), custom ``Function``s and the grad-mode switches.

The modules build on each other in this order: ``grad_mode`` (no Tensor needed),
then ``autograd_lab._tensor`` (Tensor reads grad mode), ``function`` (Node and
Function, on Tensor) and ``engine`` (backward, on both); so this package imports
``grad_mode`` first.
"""
from __future__ import annotations

from typing import Any, Sequence

from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,  # isort: skip
                        set_grad_enabled)
from .function import AccumulateGrad, Function, Node  # isort: skip
from . import anomaly_mode, engine, events
from .._tensor import Tensor
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .events import listening
from .variable import Variable


def _as_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (only into ``inputs``, if given)."""
    roots = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_variables is None else grad_variables) or (None,) * len(roots)
    engine.backward(roots, grads, retain_graph, create_graph, inputs)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor], grad_outputs: Any = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool | None = None) -> tuple[Tensor | None, ...]:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (``.grad`` is left alone).

    With ``create_graph=True`` the results are themselves part of a graph, so they
    can be differentiated again (second derivatives).
    """
    roots = _as_tuple(outputs)
    targets = _as_tuple(inputs)
    if not targets:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = _as_tuple(grad_outputs) or (None,) * len(roots)
    for target in targets:
        if not target.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    return engine.grad(roots, targets, grads, retain_graph, create_graph, bool(allow_unused))


# built on grad() above; the function gradcheck hides its module, as torch.autograd.gradcheck does
from . import functional, graph, variable  # noqa: E402
from .gradcheck import gradcheck, gradgradcheck  # noqa: E402

__all__ = ["AccumulateGrad", "Function", "Node", "Variable", "anomaly_mode", "backward", "detect_anomaly",
           "enable_grad", "engine", "events",
           "functional", "grad", "gradcheck", "gradgradcheck", "graph", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled",
           "listening", "no_grad", "set_detect_anomaly", "set_grad_enabled", "variable"]
