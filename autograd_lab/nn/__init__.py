"""A tiny ``torch.nn``: enough to build and train small networks in exercises."""
from . import functional, init
from .modules import CrossEntropyLoss, Linear, Module, MSELoss, ReLU, Sequential, Sigmoid, Tanh
from .parameter import Parameter

__all__ = ["CrossEntropyLoss", "Linear", "MSELoss", "Module", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
           "functional", "init"]
