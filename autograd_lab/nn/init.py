"""``torch.nn.init``: fill a tensor in place with the values layers start from.

Each function draws from the same generator, in the same order, with the same bounds
as PyTorch's, so after ``manual_seed(n)`` the weights match PyTorch's bit for bit
(``orthogonal_`` excepted: its QR factorisation comes from NumPy's LAPACK, so its
values agree with PyTorch's only to rounding).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _random, _sampling
from .._generator import Generator, resolve
from .._tensor import Tensor
from ..autograd import no_grad

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_"]

_LINEAR_FUNCTIONS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                     "conv_transpose3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale of a layer's weights before ``nonlinearity`` (1 for linear, sqrt(2) for relu, ...)."""
    if nonlinearity in _LINEAR_FUNCTIONS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with uniform numbers in [a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Fill with normal numbers of mean ``mean`` and standard deviation ``std``."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    with no_grad():
        return tensor.zero_()


def eye_(tensor: Tensor) -> Tensor:
    """Fill a matrix with the identity (ones on the diagonal, zeros elsewhere)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with no_grad():
        tensor.copy_(Tensor._wrap(np.eye(*tensor.shape, dtype=tensor._data.dtype)))
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Inputs and outputs per unit: ``size(1)`` and ``size(0)``, each times the product of the other sizes."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for extent in tensor.shape[2:]:
        receptive_field_size *= extent
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot's uniform initialisation: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Generator | None = None) -> Tensor:
    """Glorot's normal initialisation: N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    return calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Generator | None = None) -> Tensor:
    """He's uniform initialisation: U(-bound, bound) with bound = gain * sqrt(3 / fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Generator | None = None) -> Tensor:
    """He's normal initialisation: N(0, std²) with std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Generator | None = None) -> Tensor:
    """Normal numbers of mean ``mean`` and deviation ``std`` restricted to [a, b], by rejection.

    When [a, b] holds more than 30% of the mass, out-of-range values are redrawn from
    the normal (a whole fresh tensor per round, as PyTorch does); otherwise uniform
    proposals in [a, b] are accepted with the normal density's ratio to its peak.
    """
    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values "
                      "may be incorrect.", stacklevel=2)
    source = resolve(generator)
    with no_grad():
        if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
            tensor.normal_(mean, std, generator=source)
            redrawn = _redrawn_normal(source, tensor._data, mean, std, a, b)
        else:
            tensor.uniform_(a, b, generator=source)
            redrawn = _accepted_uniform(source, tensor._data, mean, std, a, b)
        if redrawn is not None:
            tensor.copy_(Tensor._wrap(redrawn))
    return tensor


def _redrawn_normal(source: Generator, values: np.ndarray, mean: float, std: float, a: float,
                    b: float) -> np.ndarray | None:
    """Values outside [a, b] replaced from fresh normal tensors until none is left; None if none was."""
    low, high = values.dtype.type(a), values.dtype.type(b)
    outside = (values < low) | (values > high)
    if not outside.any():
        return None
    while outside.any():
        fresh = _random.placed_like(values, _random.normal_like(source, values, mean, std))
        values = np.where(outside, fresh, values)
        outside = (values < low) | (values > high)
    return values


def _accepted_uniform(source: Generator, proposed: np.ndarray, mean: float, std: float, a: float,
                      b: float) -> np.ndarray | None:
    """Uniform proposals kept with probability density / peak density, the rest proposed again;
    None if the first proposals were all kept."""
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
    number = proposed.dtype.type

    def draws(low: float, high: float) -> np.ndarray:
        return _random.placed_like(proposed, _sampling.uniform(source, proposed.size, proposed.dtype, low, high))

    def rejected(candidates: np.ndarray) -> np.ndarray:
        log_density = ((candidates - number(mean)) / number(std)) ** 2 * number(-0.5) - number(log_peak)
        return np.log(draws(0.0, 1.0)) > log_density

    pending = rejected(proposed)
    if not pending.any():
        return None
    result = proposed
    while pending.any():
        candidates = draws(a, b)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, rejected(candidates), pending)
    return result


def orthogonal_(tensor: Tensor, gain: float = 1, generator: Generator | None = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR factorisation of a normal matrix, times ``gain``.

    The normal draws match PyTorch's; the factorisation is NumPy's, so the values agree
    with PyTorch's to rounding, not bit for bit.
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.size(0)
    cols = tensor.numel() // rows
    flattened = _sampling.normal(resolve(generator), rows * cols, tensor._data.dtype, 0.0, 1.0, True)
    flattened = flattened.reshape(rows, cols)
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.copy_(Tensor._wrap(np.ascontiguousarray(q, dtype=tensor._data.dtype).reshape(tensor.shape)))
        tensor.mul_(gain)
    return tensor
