"""``torch.backends.cudnn``: cuDNN's switches, kept so that reproducibility boilerplate runs unchanged.

Setting ``deterministic`` or ``benchmark`` changes nothing here: every op is already
deterministic on the CPU.
"""
from __future__ import annotations

enabled = True
deterministic = False
benchmark = False
allow_tf32 = True


def is_available() -> bool:
    """False: there is no cuDNN here."""
    return False


def version() -> None:
    """None: there is no cuDNN here."""
    return None
