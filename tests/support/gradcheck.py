"""Central finite differences, to check the gradients backward() computes."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

import autograd_lab as torch


def numerical_gradient(f: Callable[..., float], inputs: Sequence[np.ndarray], eps: float = 1e-6) -> list[np.ndarray]:
    """d f(*inputs) / d inputs[i] for every input, by central differences.

    Each element of each (float64) input array is nudged in place by ±eps and
    put back; ``f`` must read the arrays it is given (or views of them).
    """
    gradients = []
    for array in inputs:
        gradient = np.zeros_like(array, dtype=np.float64)
        for position in np.ndindex(array.shape):
            original = array[position]
            array[position] = original + eps
            above = f(*inputs)
            array[position] = original - eps
            below = f(*inputs)
            array[position] = original
            gradient[position] = (above - below) / (2 * eps)
        gradients.append(gradient)
    return gradients


def check_gradients(fn: Callable[..., torch.Tensor], *arrays: np.ndarray, rtol: float = 1e-5,
                    atol: float = 1e-6, seed: int = 0) -> None:
    """Assert that backward() through ``fn`` matches finite differences, for every input.

    ``fn`` takes float64 tensors built from ``arrays`` and returns a tensor of any
    shape; the scalar that is differentiated is ``sum(fn(...) * weight)`` for a fixed
    random ``weight``, so every entry of the vector-Jacobian product is checked.
    """
    arrays = tuple(np.array(a, dtype=np.float64) for a in arrays)
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    output = fn(*leaves)
    weight = np.random.default_rng(seed).uniform(-1.5, 1.5, size=tuple(output.shape))
    (output * torch.from_numpy(weight)).sum().backward()

    def scalar(*values: np.ndarray) -> float:
        with torch.no_grad():
            result = fn(*[torch.from_numpy(v) for v in values])
        return float(np.sum(result.detach().numpy() * weight))

    expected = numerical_gradient(scalar, [a.copy() for a in arrays])
    for position, (leaf, numerical) in enumerate(zip(leaves, expected)):
        assert leaf.grad is not None, f"input {position} got no gradient"
        assert leaf.grad.dtype is torch.float64, f"input {position}: gradient dtype {leaf.grad.dtype}"
        assert tuple(leaf.grad.shape) == numerical.shape, f"input {position}: gradient shape {leaf.grad.shape}"
        np.testing.assert_allclose(leaf.grad.numpy(), numerical, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {position}")
