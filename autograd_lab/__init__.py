"""autograd-lab: a small NumPy autograd engine that behaves like PyTorch's.

Use it as ``import autograd_lab as torch``: tensors, ``requires_grad``,
``backward()``, ``.grad``, ``no_grad``, ``autograd.grad`` and ``autograd.Function``
work and print as they do in PyTorch 2.x.
"""
from __future__ import annotations

from ._numpy_warnings import ignore_numpy_warnings_from_the_package  # isort: skip

ignore_numpy_warnings_from_the_package()  # before any op runs: NumPy's warnings from the package are PyTorch's silence

from . import autograd  # first: grad mode, then Tensor, Function and the engine built on it  # isort: skip
from . import accelerator, backends, cuda, distributions, linalg, nn, ops, optim, serialization, testing, utils
from ._creation import (DoubleTensor, FloatTensor, LongTensor, arange, as_tensor, empty, empty_like, eye, from_numpy,
                        full, full_like, linspace, logspace, ones, ones_like, scalar_tensor, tensor, zeros, zeros_like)
from ._device import device, get_default_device, set_default_device
from ._dtypes import (bool, can_cast, double, dtype, float, float16, float32, float64, get_default_dtype, half, int,
                      int8, int16, int32, int64, long, short, uint8, promote_types, set_default_dtype)
from ._generator import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                         set_rng_state)
from ._memory import keep_freed_memory
from ._printing import set_printoptions
from ._random import (bernoulli, multinomial, normal, rand, rand_like, randint, randint_like, randn, randn_like,
                      randperm)
from ._size import Size
from ._tensor import Tensor
from ._typeinfo import finfo, iinfo
from ._torch_alias import install_as_torch, load_ipython_extension, uninstall_as_torch, unload_ipython_extension
from ._version import __version__
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                       set_grad_enabled)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled
from .serialization import load, save
from . import special  # noqa: E402  (after ops and nn, which it names)
from .ops import *  # noqa: F401,F403  (every op module's __all__: torch.exp, torch.cat, ...)


def is_tensor(obj: object) -> bool:
    """True when ``obj`` is a tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True for float16/32/64 tensors."""
    return input.is_floating_point()


def numel(input: Tensor) -> int:
    """The number of elements of ``input``."""
    return input.numel()
