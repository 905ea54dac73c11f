"""``Multinomial(total_count, probs)``: how many of ``total_count`` categorical draws fall in each class."""
from __future__ import annotations

import math

import numpy as np

from .._creation import ones_like, zeros
from .._size import Size
from .._tensor import Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution, broadcast_all

__all__ = ["Multinomial"]

_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def _log_factorial(counts: Tensor) -> Tensor:
    """log(n!) of counts, as a constant (the counts are data, never differentiated)."""
    data = counts.detach()._data
    return Tensor._wrap(_lgamma(data.astype(np.float64) + 1).astype(data.dtype))


class Multinomial(Distribution):
    """Counts per class of ``total_count`` independent draws from ``Categorical(probs)``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real}

    def __init__(self, total_count: int = 1, probs: Tensor | None = None, logits: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        batch_shape = self._categorical.batch_shape
        super().__init__(batch_shape, self._categorical.param_shape[-1:], validate_args=validate_args)

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: tuple[int, ...] = Size()) -> Tensor:
        sample_shape = Size(sample_shape)
        samples = self._categorical.sample(Size((self.total_count,)) + sample_shape)
        order = list(range(1, samples.dim())) + [0]  # the draws' dimension goes last
        samples = samples.permute(*order)
        counts = zeros(self._extended_shape(sample_shape), dtype=samples.dtype)
        counts.scatter_add_(-1, samples, ones_like(samples))
        return counts.type_as(self.probs)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        logits = logits.clone()
        logits[(value == 0) & (logits == -math.inf)] = 0
        log_powers = (logits * value).sum(-1)
        return _log_factorial(value.sum(-1)) - _log_factorial(value).sum(-1) + log_powers
