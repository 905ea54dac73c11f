"""``autograd.graph``: the types of the recorded graph, and hooks on the tensors it saves.

``Node`` is the class of every ``grad_fn`` (``isinstance(y.grad_fn, Node)``), as
``torch.autograd.graph.Node`` is in PyTorch; ``saved_tensors_hooks`` and
``save_on_cpu`` set how the tensors saved for backward are stored.
"""
from .function import Node
from .saved_tensors import save_on_cpu, saved_tensors_hooks

__all__ = ["Node", "save_on_cpu", "saved_tensors_hooks"]
