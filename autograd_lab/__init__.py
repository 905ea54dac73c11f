"""autograd-lab: a small NumPy autograd engine that behaves like PyTorch's.

Use it as ``import autograd_lab as torch``: tensors, ``requires_grad``,
``backward()``, ``.grad``, ``no_grad``, ``autograd.grad`` and ``autograd.Function``
work and print as they do in PyTorch 2.x.
"""
from __future__ import annotations

from . import _memory, _tensor_methods
from ._dtypes import (bool, double, dtype, float, float16, float32, float64, get_default_dtype, half, int, int8,
                      int16, int32, int64, long, short, uint8, promote_types)
from ._printing import set_printoptions
from ._size import Size
from ._tensor import Tensor

_tensor_methods.install()
_memory.keep_freed_memory()

from . import _random  # noqa: E402

_random.install_tensor_methods()

from . import autograd, nn, optim  # noqa: E402
from ._creation import (DoubleTensor, FloatTensor, LongTensor, arange, as_tensor, empty, eye,  # noqa: E402
                        from_numpy, full, full_like, linspace, ones, ones_like, tensor, zeros, zeros_like)
from ._generator import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,  # noqa: E402
                         seed, set_rng_state)
from ._random import (bernoulli, multinomial, normal, rand, rand_like, randint, randint_like, randn,  # noqa: E402
                      randn_like, randperm)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: E402
from .ops import (abs, add, all, allclose, any, argmax, argmin, bitwise_and, bitwise_not, bitwise_or,  # noqa: E402
                  bitwise_xor, bmm, cat, clamp, clone, concatenate, cos, div, dot, eq, equal, exp, flatten,
                  floor_divide, ge, gt, isclose, le, log, log_softmax, logical_and, logical_not, logical_or,
                  lt, masked_fill, matmul, max, maximum, mean, min, minimum, mm, mul, mv, narrow, ne, neg,
                  norm, permute, pow, reciprocal, relu, remainder, reshape, select, sigmoid, sign, sin,
                  softmax, sqrt, square, squeeze, stack, sub, sum, t, tanh, transpose, unsqueeze, where)

clip = clamp

__version__ = "0.1.0"


def is_tensor(obj: object) -> bool:
    """True when ``obj`` is a tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True for float16/32/64 tensors."""
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()
