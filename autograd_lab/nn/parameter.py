"""``Parameter``: a leaf tensor that a Module registers as trainable."""
from __future__ import annotations

from .._tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor (sharing ``data``'s memory) that modules list in ``parameters()``."""

    __slots__ = ()

    def __init__(self, data: Tensor, requires_grad: bool = True) -> None:
        _init(self, data._data, False)
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
