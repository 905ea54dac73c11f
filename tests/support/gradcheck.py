"""Central finite differences, to check the first and second derivatives backward() computes."""
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
                    atol: float = 1e-6, seed: int = 0, second_order: bool = True) -> None:
    """Assert that backward() through ``fn`` matches finite differences, for every input.

    ``fn`` takes float64 tensors built from ``arrays`` and returns a tensor of any
    shape; the scalar that is differentiated is ``sum(fn(...) * weight)`` for a fixed
    random ``weight``, so every entry of the vector-Jacobian product is checked.
    Also checked: neither the op nor its backward changes its inputs or the gradient
    it is given, and (``second_order``) the gradient computed with ``create_graph``
    differentiates again to the finite differences of the first gradient.
    """
    arrays = tuple(np.array(a, dtype=np.float64) for a in arrays)
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    output = fn(*leaves)
    weight = np.random.default_rng(seed).uniform(-1.5, 1.5, size=tuple(output.shape))
    weight_tensor = torch.tensor(weight)
    output.backward(weight_tensor)  # the vector-Jacobian product; backward gets weight's memory as its gradient
    for position, (leaf, original) in enumerate(zip(leaves, arrays)):
        np.testing.assert_array_equal(leaf.detach().numpy(), original, err_msg=f"input {position} was changed")
    np.testing.assert_array_equal(weight_tensor.numpy(), weight, err_msg="backward changed the gradient it was given")

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
    if second_order:
        check_second_derivatives(fn, arrays, weight, rtol=rtol, atol=atol, seed=seed + 1)


def check_second_derivatives(fn: Callable[..., torch.Tensor], arrays: Sequence[np.ndarray], weight: np.ndarray,
                             rtol: float = 1e-5, atol: float = 1e-6, seed: int = 1) -> None:
    """Hessian-vector products from ``create_graph=True`` against finite differences of the first gradient.

    With g(x) = d sum(fn(x) * weight) / dx and a random v, backward of sum(g(x) * v)
    must give d(g · v)/dx; a first gradient that does not require grad is constant.
    """
    rng = np.random.default_rng(seed)
    directions = [rng.uniform(-1.5, 1.5, size=a.shape) for a in arrays]

    def first_gradients(values: Sequence[np.ndarray], create_graph: bool) -> tuple[list, list[torch.Tensor]]:
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
        output = (fn(*leaves) * torch.from_numpy(weight)).sum()
        return list(torch.autograd.grad(output, leaves, create_graph=create_graph, allow_unused=True)), leaves

    def directional(*values: np.ndarray) -> float:
        grads, _ = first_gradients(values, create_graph=False)
        return float(sum(np.sum(g.numpy() * v) for g, v in zip(grads, directions) if g is not None))

    grads, leaves = first_gradients(arrays, create_graph=True)
    terms = [(g * torch.from_numpy(v)).sum() for g, v in zip(grads, directions) if g is not None and g.requires_grad]
    analytic: list[np.ndarray] = [np.zeros_like(a) for a in arrays]
    if terms:
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        for position, second in enumerate(torch.autograd.grad(total, leaves, allow_unused=True)):
            if second is not None:
                analytic[position] = second.detach().numpy()
    expected = numerical_gradient(directional, [a.copy() for a in arrays])
    for position, (computed, numerical) in enumerate(zip(analytic, expected)):
        np.testing.assert_allclose(computed, numerical, rtol=rtol, atol=max(atol, 1e-5),
                                   err_msg=f"second derivative (Hessian-vector product) of input {position}")
