"""``Parameter``: a leaf tensor that a Module registers as trainable."""
from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, _init


class Parameter(Tensor):
    """A leaf tensor (sharing ``data``'s memory) that modules list in ``parameters()``."""

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            _init(self, np.empty((0,), dtype=np.float32), False)
        else:
            if requires_grad and data._data.dtype.kind != "f":
                raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
            _init(self, data._data, False)
            self._version_counter = data._version_counter
        self.requires_grad_(requires_grad)

    def __deepcopy__(self, memo: dict[int, Any]) -> "Parameter":
        """A new parameter with a copy of the data; as in PyTorch, ``grad`` is not copied."""
        copied = Parameter(self.data.clone(), self.requires_grad)
        memo[id(self)] = copied
        return copied

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
