"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, applied to ``.grad`` in place."""
from __future__ import annotations

import types
import warnings
from typing import Iterable

import numpy as np

from ..._tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _vector_norm(values: np.ndarray, norm_type: float) -> np.ndarray:
    """The ``norm_type``-norm of all of ``values`` (accumulated in float64), in their dtype."""
    wide = np.abs(values.astype(np.float64).ravel())
    if norm_type == float("inf"):
        result = wide.max() if wide.size else 0.0
    elif norm_type == 0:
        result = np.count_nonzero(wide)
    else:
        result = np.sum(wide ** norm_type) ** (1.0 / norm_type)
    return np.asarray(result, dtype=values.dtype)


def _gradients(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients down together so their joint norm is at most ``max_norm``; returns the norm before."""
    if not isinstance(parameters, Tensor):
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    grads = _gradients(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._wrap(np.array(0.0, dtype=np.float32))
    norms = np.stack([_vector_norm(g._data, norm_type) for g in grads])
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    dtype = total.dtype.type
    coefficient = np.minimum(dtype(float(max_norm)) / (total + dtype(1e-6)), dtype(1.0))
    for grad in grads:
        grad._data *= coefficient.astype(grad._data.dtype)
        grad._version_counter[0] += 1
    return Tensor._wrap(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``."""
    clip_value = float(clip_value)
    for grad in _gradients(parameters):
        np.clip(grad._data, -clip_value, clip_value, out=grad._data)
        grad._version_counter[0] += 1
