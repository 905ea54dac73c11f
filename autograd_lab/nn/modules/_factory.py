"""Creating the empty parameters and buffers layers start from (``device=``/``dtype=`` as PyTorch takes them)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _dtypes
from ..._tensor import Tensor
from .module import check_device


def empty(shape: tuple[int, ...], device: Any = None, dtype: _dtypes.dtype | None = None) -> Tensor:
    """A new tensor of ``shape`` for a layer to fill (the default dtype unless ``dtype`` is given)."""
    if device is not None:
        check_device(device)
    chosen = dtype if dtype is not None else _dtypes.get_default_dtype()
    return Tensor._wrap(np.zeros(shape, dtype=chosen.numpy))
