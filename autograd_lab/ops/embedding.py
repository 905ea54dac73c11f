"""Looking up rows of a weight matrix by index (``F.embedding``), recorded as ``EmbeddingBackward0``."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, Node

__all__: list[str] = []  # reached through autograd_lab.nn.functional


class Embedding(Function):
    backward_name = "EmbeddingBackward0"
    derivatives = {"weight": "grad rows added into the looked-up rows (none into padding_idx)"}
    non_differentiable_args = (1,)

    @staticmethod
    def forward(ctx: Node, weight: Tensor, indices: Tensor, padding_idx: int, scale_grad_by_freq: bool) -> Tensor:
        flat = indices._data.reshape(-1).astype(np.int64, copy=False)
        rows = weight._data.shape[0]
        if flat.size and (flat.min() < -rows or flat.max() >= rows):
            raise IndexError("index out of range in self")
        ctx.flat, ctx.rows, ctx.padding_idx, ctx.scale = flat, rows, padding_idx, scale_grad_by_freq
        looked_up = weight._data[flat]
        return Tensor._wrap(looked_up.reshape(indices._data.shape + weight._data.shape[1:]))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None]:
        return EmbeddingGradient.apply(grad, ctx.flat, ctx.rows, ctx.padding_idx, ctx.scale), None, None, None


class EmbeddingGradient(Function):
    """Embedding's backward as an op: it is linear in the incoming gradient, so it has a gradient itself."""

    backward_name = "EmbeddingDenseBackwardBackward0"
    derivatives = {"grad_output": "grad[indices] (0 for padding_idx)"}

    @staticmethod
    def forward(ctx: Node, grad_output: Tensor, flat: np.ndarray, rows: int, padding_idx: int,
                scale_grad_by_freq: bool) -> Tensor:
        grads = grad_output._data.reshape(flat.size, -1)
        kept = flat != padding_idx
        scale = np.ones(flat.size)
        if scale_grad_by_freq:
            counts = np.bincount(flat % rows, minlength=rows)
            scale = 1.0 / counts[flat % rows]
        ctx.flat, ctx.kept, ctx.scale, ctx.shape = flat, kept, scale, grad_output.shape
        result = np.zeros((rows, grads.shape[1]), dtype=grads.dtype)
        contributions = grads if not scale_grad_by_freq else (grads * scale[:, None]).astype(grads.dtype)
        np.add.at(result, flat[kept], contributions[kept])
        return Tensor._wrap(result)

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None, None, None]:
        mask = Tensor._wrap((ctx.kept * ctx.scale)[:, None].astype(grad._data.dtype))
        return (grad[Tensor._wrap(ctx.flat)] * mask).reshape(ctx.shape), None, None, None, None
