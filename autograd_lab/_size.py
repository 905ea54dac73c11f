"""``torch.Size``: a tuple of dimensions that prints like PyTorch's."""
from __future__ import annotations


class Size(tuple):
    """The shape of a tensor, e.g. ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        count = 1
        for size in self:
            count *= size
        return count
