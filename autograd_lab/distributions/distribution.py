"""The base of every distribution: shapes, sampling without gradients, argument checks, repr."""
from __future__ import annotations

import functools
from typing import Any, Callable

from .. import _dtypes
from .._creation import tensor
from .._size import Size
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops.rearrange import broadcast_tensors
from .constraints import Constraint

__all__ = ["Distribution"]

_validate_default = True


class lazy_property:  # noqa: N801 - PyTorch's name
    """Computed on first read, then kept in the instance (so it shows in ``repr`` from then on, as in PyTorch)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute = compute
        functools.update_wrapper(self, compute)  # type: ignore[arg-type]

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = self.compute(instance)
        setattr(instance, self.compute.__name__, value)
        return value


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """Numbers and tensors as tensors of one broadcast shape (numbers take the tensors' dtype, else the default)."""
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), _dtypes.get_default_dtype())
    tensors = [v if isinstance(v, Tensor) else tensor(float(v), dtype=dtype) for v in values]
    return broadcast_tensors(*tensors)


class Distribution:
    """A probability distribution with ``batch_shape`` independent copies of an ``event_shape`` event."""

    arg_constraints: dict[str, Constraint] = {}
    support: Constraint | None = None
    has_rsample = False

    def __init__(self, batch_shape: tuple[int, ...] = Size(), event_shape: tuple[int, ...] = Size(),
                 validate_args: bool | None = None) -> None:
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        self._validate_args = _validate_default if validate_args is None else validate_args
        if self._validate_args:
            for param, constraint in self.arg_constraints.items():
                if param not in self.__dict__ and isinstance(getattr(type(self), param, None), lazy_property):
                    continue  # not given: computed from the other parameter, so valid by construction
                value = getattr(self, param)
                if not bool(constraint.check(value).all()):
                    raise ValueError(
                        f"Expected parameter {param} ({type(value).__name__} of shape {tuple(value.shape)}) of "
                        f"distribution {self!r} to satisfy the constraint {constraint!r}, but found invalid "
                        f"values:\n{value}")

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Check arguments and sample values by default (True, as in PyTorch) or not."""
        global _validate_default
        _validate_default = bool(value)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape: tuple[int, ...] = Size()) -> Size:
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape: tuple[int, ...] = Size()) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not support rsample")

    def sample(self, sample_shape: tuple[int, ...] = Size()) -> Tensor:
        """A draw (of shape ``sample_shape + batch_shape + event_shape``) that carries no gradient."""
        with no_grad():
            return self.rsample(sample_shape)

    def sample_n(self, n: int) -> Tensor:
        return self.sample(Size((n,)))

    def _validate_sample(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        support = self.support
        if support is not None and not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to be within the "
                f"support ({support!r}) of the distribution {self!r}, but found invalid values:\n{value}")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def __repr__(self) -> str:
        shown = [name for name in self.arg_constraints if name in self.__dict__]
        parts = []
        for name in shown:
            value = self.__dict__[name]
            parts.append(f"{name}: {value if value.numel() == 1 else value.size()}")
        return f"{type(self).__name__}({', '.join(parts)})"


