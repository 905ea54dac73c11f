"""autograd.functional against finite differences, gradcheck against wrong derivatives, assert_close against its rule.

Shapes and values come from hypothesis; the recorded-PyTorch comparisons live in
test_autograd_checks.py.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import autograd_lab as torch
from autograd_lab.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp
from autograd_lab.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_lab.testing import assert_close
from support.gradcheck import numerical_gradient

SETTINGS = settings(max_examples=20, deadline=None)
SHAPES = array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)

# smooth functions of one tensor, as a course would write them
FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sin_times_square": lambda x: x.sin() * x ** 2,
    "softplus": lambda x: torch.log(1 + torch.exp(x)),
    "tanh_of_scaled_sum": lambda x: torch.tanh(x * 0.5 + x.sum()),
    "sigmoid_outer": lambda x: torch.sigmoid(x.reshape(-1, 1) * x.reshape(1, -1)),
    "exp_mean": lambda x: torch.exp(x).mean() * x,
}


def values(shape: tuple[int, ...]) -> Any:
    return arrays(np.float64, shape, elements=st.floats(-1.5, 1.5))


def numerical_jacobian(fn: Callable[[torch.Tensor], torch.Tensor], point: np.ndarray) -> np.ndarray:
    """d fn / d point by central differences, shaped output.shape + point.shape."""
    out_shape = tuple(fn(torch.tensor(point)).shape)
    rows = []
    for flat in range(int(np.prod(out_shape, dtype=int))):
        def component(array: np.ndarray, flat: int = flat) -> float:
            return float(fn(torch.from_numpy(array)).detach().numpy().reshape(-1)[flat])

        rows.append(numerical_gradient(component, [point.copy()])[0])
    return np.array(rows).reshape(out_shape + point.shape)


@pytest.mark.parametrize("name", FUNCTIONS)
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_jacobian_and_vector_products_match_finite_differences(name: str, data: st.DataObject,
                                                               shape: tuple[int, ...]) -> None:
    fn = FUNCTIONS[name]
    point = data.draw(values(shape))
    expected = numerical_jacobian(fn, point)
    x = torch.tensor(point)
    found = jacobian(fn, x)
    assert tuple(found.shape) == expected.shape and found.grad_fn is None
    np.testing.assert_allclose(found.numpy(), expected, rtol=1e-5, atol=1e-6)

    out_shape = expected.shape[:expected.ndim - point.ndim]
    u = data.draw(values(out_shape))
    w = data.draw(values(shape))
    flat = expected.reshape(int(np.prod(out_shape, dtype=int)), -1)
    _, left = vjp(fn, x, torch.tensor(u))
    _, right = jvp(fn, x, torch.tensor(w))
    np.testing.assert_allclose(left.numpy().reshape(-1), u.reshape(-1) @ flat, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(right.numpy().reshape(-1), flat @ w.reshape(-1), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FUNCTIONS)
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_hessian_and_its_products_match_finite_differences_of_the_gradient(name: str, data: st.DataObject,
                                                                         shape: tuple[int, ...]) -> None:
    def energy(x: torch.Tensor) -> torch.Tensor:
        return (FUNCTIONS[name](x) ** 2).sum()

    point = data.draw(values(shape))

    def gradient(x: torch.Tensor) -> torch.Tensor:
        x = x.detach().requires_grad_()
        return torch.autograd.grad(energy(x), x)[0]

    expected = numerical_jacobian(gradient, point)
    found = hessian(energy, torch.tensor(point))
    np.testing.assert_allclose(found.numpy(), expected, rtol=1e-4, atol=1e-6)
    v = data.draw(values(shape))
    flat = expected.reshape(point.size, point.size)
    for product in (vhp, hvp):
        _, result = product(energy, torch.tensor(point), torch.tensor(v))
        np.testing.assert_allclose(result.numpy().reshape(-1), flat @ v.reshape(-1), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", FUNCTIONS)
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_gradcheck_and_gradgradcheck_pass_correct_derivatives(name: str, data: st.DataObject,
                                                              shape: tuple[int, ...]) -> None:
    x = torch.tensor(data.draw(values(shape)), requires_grad=True)
    assert gradcheck(FUNCTIONS[name], (x,))
    assert gradcheck(FUNCTIONS[name], (x,), fast_mode=True)
    assert gradgradcheck(FUNCTIONS[name], (x,))


class ScaledWrong(torch.autograd.Function):
    """3 * x, with a backward off by ``error`` in one element."""

    error = 0.0

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        return x * 3

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        result = grad * 3
        offset = torch.zeros_like(result)
        offset.reshape(-1)[0] = ScaledWrong.error
        return result + offset * grad


@SETTINGS
@given(shape=SHAPES, error=st.floats(1e-2, 10.0) | st.floats(-10.0, -1e-2), fast=st.booleans())
def test_gradcheck_catches_a_wrong_derivative_in_any_element(shape: tuple[int, ...], error: float,
                                                             fast: bool) -> None:
    x = torch.ones(shape, dtype=torch.float64, requires_grad=True)
    ScaledWrong.error = error
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"):
        gradcheck(ScaledWrong.apply, (x,), fast_mode=fast)
    assert not gradcheck(ScaledWrong.apply, (x,), fast_mode=fast, raise_exception=False)
    ScaledWrong.error = 0.0
    assert gradcheck(ScaledWrong.apply, (x,), fast_mode=fast)


def test_gradcheck_puts_the_input_back_even_when_the_function_fails() -> None:
    x = torch.tensor([0.25, 0.5], dtype=torch.float64, requires_grad=True)
    calls = []

    def fails_on_a_perturbed_input(t: torch.Tensor) -> torch.Tensor:
        calls.append(t.tolist())
        if len(calls) > 1:
            raise ValueError("student bug")
        return t * 2

    with pytest.raises(ValueError, match="student bug"):
        gradcheck(fails_on_a_perturbed_input, (x,))
    assert x.tolist() == [0.25, 0.5] and x.grad is None and x._version == 0


def test_gradcheck_leaves_grads_and_the_random_numbers_alone() -> None:
    x = torch.tensor([0.3, -0.7], dtype=torch.float64, requires_grad=True)
    torch.manual_seed(5)
    state = torch.get_rng_state()
    assert gradcheck(torch.sin, (x,), fast_mode=True) and gradcheck(torch.sin, (x,))
    assert x.grad is None and torch.equal(torch.get_rng_state(), state)


@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4),
       dtype=st.sampled_from([torch.float32, torch.float64]))
def test_assert_close_follows_its_rule(data: st.DataObject, shape: tuple[int, ...], dtype: torch.dtype) -> None:
    """Passes exactly when |actual - expected| <= atol + rtol |expected| everywhere; else counts the mismatches."""
    expected = data.draw(arrays(dtype.numpy, shape, elements=st.floats(-10, 10, width=dtype.itemsize * 8)))
    noise = data.draw(arrays(dtype.numpy, shape, elements=st.sampled_from([0.0, 1e-8, 1e-6, 1e-4, -1e-3, 0.5])))
    actual = (expected + noise).astype(dtype.numpy)
    rtol, atol = {torch.float32: (1.3e-6, 1e-5), torch.float64: (1e-7, 1e-7)}[dtype]
    close = np.abs(actual - expected) <= atol + rtol * np.abs(expected)
    if close.all():
        assert_close(torch.from_numpy(actual), torch.from_numpy(expected))
        return
    with pytest.raises(AssertionError) as caught:
        assert_close(torch.from_numpy(actual), torch.from_numpy(expected))
    message = str(caught.value)
    if shape:
        assert f"Mismatched elements: {int((~close).sum())} / {close.size} " in message
    else:
        assert message.startswith("Scalars are not close!")
