"""Order statistics and running extremes: mode, nanmedian, quantile, cummax/cummin, logcumsumexp.

The values are gathered from the input (so gradients flow to the elements chosen); the positions are
found with NumPy, with PyTorch's tie rules.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from .._size import normalize_dim
from .._tensor import Tensor, tensor_method
from ._operands import type_name
from .shape import stack

__all__ = ["cummax", "cummin", "logcumsumexp", "mode", "nanmedian", "quantile"]


def _named(kind: str) -> type:
    class Result(NamedTuple):
        values: Tensor
        indices: Tensor

        def __repr__(self) -> str:
            return f"torch.return_types.{kind}(\nvalues={self.values!r},\nindices={self.indices!r})"

    Result.__name__ = Result.__qualname__ = kind
    return Result


_Mode, _Nanmedian, _Cummax, _Cummin = (_named(kind) for kind in ("mode", "nanmedian", "cummax", "cummin"))


def _gathered(input: Tensor, positions: np.ndarray, dim: int, keepdim: bool) -> tuple[Tensor, Tensor]:
    """The elements at ``positions`` (kept dim of size 1) along ``dim``, and the positions, as PyTorch returns."""
    indices = Tensor._wrap(positions.astype(np.int64))
    values = input.gather(dim, indices) if input.ndim else input.clone()
    if not keepdim and input.ndim:
        return values.squeeze(dim), indices.squeeze(dim)
    return values, (indices if input.ndim else indices.reshape(()))


@tensor_method
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """The most frequent value along ``dim`` (the smallest among ties) and the last position it is at."""
    data = input._data.reshape(1) if not input.ndim else input._data
    dim = normalize_dim(dim, data.ndim)
    moved = np.moveaxis(data, dim, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    chosen = np.empty(flat.shape[0], dtype=np.int64)
    for row, values in enumerate(flat):
        uniques, counts = np.unique(values, return_counts=True)
        best = uniques[np.argmax(counts)]  # np.unique sorts, argmax takes the first: the smallest of the ties
        chosen[row] = np.flatnonzero(values == best)[-1]
    positions = np.expand_dims(chosen.reshape(moved.shape[:-1]), dim)
    return _Mode(*_gathered(input, positions, dim, keepdim))


@tensor_method
def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The median of the values that are not NaN (the lower middle one for an even count)."""
    if dim is None:
        flat = input.reshape(-1)
        return nanmedian(flat, 0).values
    data = input._data if input.ndim else input._data.reshape(1)
    dim = normalize_dim(dim, data.ndim)
    missing = np.isnan(data) if data.dtype.kind == "f" else np.zeros(data.shape, dtype=bool)
    order = np.argsort(np.where(missing, np.inf, data) if data.dtype.kind == "f" else data, axis=dim, kind="stable")
    middle = np.maximum(((~missing).sum(axis=dim, keepdims=True) - 1) // 2, 0)
    positions = np.take_along_axis(order, middle, axis=dim)
    return _Nanmedian(*_gathered(input, positions, dim, keepdim))


@tensor_method
def quantile(input: Tensor, q: Any, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles (a number or a 1-D tensor of them in [0, 1]) of all elements, or along ``dim``."""
    if not input.is_floating_point():
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    values = input.reshape(-1) if dim is None else input
    axis = 0 if dim is None else normalize_dim(dim, input.ndim)
    ordered = values.sort(axis).values
    size = ordered.shape[axis]
    qs = q._data.astype(np.float64) if isinstance(q, Tensor) else np.asarray(float(q))
    if np.any((qs < 0) | (qs > 1)):
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    results = []
    for fraction in np.atleast_1d(qs):
        position = fraction * (size - 1)
        low, high = int(np.floor(position)), int(np.ceil(position))
        lower, upper = ordered.narrow(axis, low, 1), ordered.narrow(axis, high, 1)
        picked = {"lower": lower, "higher": upper, "nearest": ordered.narrow(axis, int(np.round(position)), 1),
                  "midpoint": (lower + upper) / 2}.get(interpolation)
        if picked is None:
            picked = lower.lerp(upper, float(position - low))
        results.append(picked if keepdim and dim is not None else picked.squeeze(axis))
    if dim is None and keepdim:
        results = [r.reshape((1,) * input.ndim) for r in results]
    if isinstance(q, Tensor) and q.ndim:
        return stack(results)
    return results[0]


def _running(input: Tensor, dim: int, better: Any, kind: type) -> Any:
    data = input._data
    dim = normalize_dim(dim, max(data.ndim, 1))
    if not data.ndim:
        return kind(input.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    moved = np.moveaxis(data, dim, 0)
    positions = np.zeros(moved.shape, dtype=np.int64)
    best = moved[0].copy()
    for i in range(1, moved.shape[0]):
        take = better(moved[i], best) | np.isnan(moved[i]) if data.dtype.kind == "f" else better(moved[i], best)
        best = np.where(take, moved[i], best)
        positions[i] = np.where(take, i, positions[i - 1])
    indices = Tensor._wrap(np.ascontiguousarray(np.moveaxis(positions, 0, dim)))
    return kind(input.gather(dim, indices), indices)


@tensor_method
def cummax(input: Tensor, dim: int) -> Any:
    """The largest value so far along ``dim`` and where it is (the latest position among ties)."""
    return _running(input, dim, np.greater_equal, _Cummax)


@tensor_method
def cummin(input: Tensor, dim: int) -> Any:
    """The smallest value so far along ``dim`` and where it is (the latest position among ties)."""
    return _running(input, dim, np.less_equal, _Cummin)


@tensor_method
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, shifted by the maximum so nothing overflows."""
    if not input.is_floating_point():
        raise RuntimeError(f"logcumsumexp(): expected a floating point tensor, got {type_name(input.dtype)}")
    peak = input.detach().amax(dim, keepdim=True) if input.numel() else input.detach()
    peak = peak.masked_fill(~peak.isfinite(), 0.0)
    return (input - peak).exp().cumsum(dim).log() + peak
