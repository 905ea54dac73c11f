"""Constraints on a distribution's parameters and values: a check and PyTorch's name for each."""
from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Constraint", "boolean", "greater_than", "integer_interval", "interval", "positive", "real", "simplex"]


class Constraint:
    """A region values must lie in; ``check(value)`` is True where they do."""

    def check(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class _Real(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return value == value  # False for nan

    def __repr__(self) -> str:
        return "Real()"


class _Boolean(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return (value == 0) | (value == 1)

    def __repr__(self) -> str:
        return "Boolean()"


class _Simplex(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return (value >= 0).all(dim=-1) & ((value.sum(-1) - 1).abs() < 1e-6)

    def __repr__(self) -> str:
        return "Simplex()"


class greater_than(Constraint):  # noqa: N801 - PyTorch's name
    def __init__(self, lower_bound: float) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return self.lower_bound < value

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class interval(Constraint):  # noqa: N801 - PyTorch's name
    def __init__(self, lower_bound: float, upper_bound: float) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Tensor) -> Tensor:
        return (self.lower_bound <= value) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"Interval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class integer_interval(interval):  # noqa: N801 - PyTorch's name
    def check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & super().check(value)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


real = _Real()
boolean = _Boolean()
simplex = _Simplex()
positive = greater_than(0.0)
unit_interval = interval(0.0, 1.0)
