"""The elementwise updates optimizers apply, rounded exactly as PyTorch's CPU kernels round them.

Each helper is one ATen in-place op on NumPy arrays (float32 or float64), with the
scalar converted to the array's dtype first and the multiply-adds that PyTorch's
kernels compile to fused multiply-add instructions rounded once (x86 CPUs with AVX2,
which is what PyTorch runs on almost everywhere).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..ops._fused import fused_multiply_add


def _scalar(array: np.ndarray, value: float) -> np.generic:
    return array.dtype.type(value)


def add_scaled(self: np.ndarray, other: np.ndarray, alpha: float) -> np.ndarray:
    """``self.add(other, alpha=alpha)``: ``other * alpha + self`` rounded once."""
    if alpha == 1:
        return self + other
    return fused_multiply_add(other, _scalar(self, alpha), self)


def scale(self: np.ndarray, value: float) -> np.ndarray:
    """``self.mul(value)``."""
    return self * _scalar(self, value)


def addcmul(self: np.ndarray, tensor1: np.ndarray, tensor2: np.ndarray, value: float) -> np.ndarray:
    """``self.addcmul(tensor1, tensor2, value=value)``: ``(value * tensor1) * tensor2 + self``, the last two fused."""
    return fused_multiply_add(_scalar(self, value) * tensor1, tensor2, self)


def addcdiv(self: np.ndarray, tensor1: np.ndarray, tensor2: np.ndarray, value: float) -> np.ndarray:
    """``self.addcdiv(tensor1, tensor2, value=value)``: ``(value * tensor1) / tensor2 + self``."""
    return self + (_scalar(self, value) * tensor1) / tensor2


def lerp(self: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """``self.lerp(end, weight)``: from whichever end is nearer, as PyTorch's kernel computes it."""
    w = _scalar(self, weight)
    if abs(w) < 0.5:
        return fused_multiply_add(w, end - self, self)
    return fused_multiply_add(w - _scalar(self, 1), end - self, end)


def add_scalar(self: np.ndarray, value: float) -> np.ndarray:
    """``self + value``."""
    return self + _scalar(self, value)


def div_scalar(self: np.ndarray, value: float) -> np.ndarray:
    """``self / value``."""
    return self / _scalar(self, value)


def add_scaled_in_place(targets: list[Tensor], others: list[np.ndarray], alpha: float) -> None:
    """``target.add_(other, alpha=alpha)`` for every pair, computed in one pass over all of them.

    The update is elementwise, so joining the tensors end to end gives every element the
    same rounding it gets alone, with far fewer NumPy calls for a model's many small tensors.
    """
    if not targets:
        return
    if len({t._data.dtype for t in targets}) > 1:
        for target, other in zip(targets, others):
            write(target, add_scaled(target._data, other, alpha))
        return
    joined = add_scaled(np.concatenate([t._data.ravel() for t in targets]),
                        np.concatenate([np.ravel(o) for o in others]), alpha)
    offset = 0
    for target in targets:
        size = target._data.size
        write(target, joined[offset:offset + size].reshape(target._data.shape))
        offset += size


def write(tensor: Tensor, values: np.ndarray) -> None:
    """Put ``values`` into ``tensor`` in place (the object stays the same; its version goes up)."""
    np.copyto(tensor._data, values, casting="unsafe")
    tensor._version_counter[0] += 1
