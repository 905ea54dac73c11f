"""``autograd.graph``: the types of the recorded graph.

``Node`` is the class of every ``grad_fn`` (``isinstance(y.grad_fn, Node)``), as
``torch.autograd.graph.Node`` is in PyTorch.
"""
from .function import Node

__all__ = ["Node"]
