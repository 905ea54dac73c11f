"""The tensor-API ops' gradients and second derivatives against central finite differences (float64).

Every op here is checked twice: backward() against finite differences of the op,
and (where PyTorch has one) the second derivative: backward through the first
derivative (``create_graph=True``) against finite differences of that first
derivative. Values stay away from the points where an op is not differentiable.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import autograd_lab as torch
from support.gradcheck import check_gradients, numerical_gradient

SETTINGS = settings(max_examples=15, deadline=None)
SMALL = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
MATRIX_SIDE = st.integers(1, 3)


def floats(low: float = -2.0, high: float = 2.0, avoid: tuple[float, ...] = (), margin: float = 0.1) -> Any:
    """Numbers in [low, high] on a grid of 0.01 (no subnormals, where finite differences lose all precision),
    at least ``margin`` away from every point in ``avoid``."""
    elements = st.integers(int(np.ceil(low * 100)), int(np.floor(high * 100))).map(lambda k: k / 100)
    if avoid:
        elements = elements.filter(lambda v: all(abs(v - point) > margin for point in avoid))
    return elements


def distinct(shape: tuple[int, ...]) -> Any:
    """Arrays whose elements (and their magnitudes) differ pairwise by at least 0.1: no ties for sorting and
    extremes."""
    return arrays(np.float64, shape, elements=st.integers(-60, 60).map(lambda k: k / 10), unique=True).filter(
        lambda a: len(set(np.abs(a).ravel().tolist())) == a.size)


def check_second_derivatives(fn: Callable[..., torch.Tensor], *arrays: np.ndarray, rtol: float = 1e-4,
                             atol: float = 1e-5) -> None:
    """Backward through the first derivative (create_graph=True) matches finite differences of it.

    The first derivative is that of ``sum(fn(x) * w)`` for a fixed random ``w``; the
    second is taken of ``sum(first_derivative * v)`` for another fixed ``v``.
    """
    arrays = tuple(np.array(a, dtype=np.float64) for a in arrays)
    rng = np.random.default_rng(7)
    probe = fn(*[torch.tensor(a) for a in arrays])
    weight = torch.from_numpy(rng.uniform(-1.5, 1.5, size=tuple(probe.shape)))
    directions = [torch.from_numpy(rng.uniform(-1.5, 1.5, size=a.shape)) for a in arrays]

    def first_derivatives(values: tuple[np.ndarray, ...], create_graph: bool) -> tuple[list, Any]:
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
        grads = torch.autograd.grad((fn(*leaves) * weight).sum(), leaves, create_graph=create_graph,
                                    allow_unused=True)
        return leaves, grads

    leaves, grads = first_derivatives(arrays, True)
    total = sum((g * d).sum() for g, d in zip(grads, directions) if g is not None and g.requires_grad)
    if not isinstance(total, torch.Tensor):  # every first derivative is constant: the second is zero
        return
    total.backward()

    def scalar(*values: np.ndarray) -> float:
        _, plain = first_derivatives(values, False)
        return float(sum(float((g * d).sum()) for g, d in zip(plain, directions) if g is not None))

    expected = numerical_gradient(scalar, [a.copy() for a in arrays], eps=1e-5)
    for position, (leaf, numerical) in enumerate(zip(leaves, expected)):
        got = np.zeros_like(numerical) if leaf.grad is None else leaf.grad.numpy()
        np.testing.assert_allclose(got, numerical, rtol=rtol, atol=atol, err_msg=f"second derivative, input {position}")


def check_both(fn: Callable[..., torch.Tensor], *arrays: np.ndarray) -> None:
    check_gradients(fn, *arrays)
    check_second_derivatives(fn, *arrays)


# -- elementwise functions ------------------------------------------------------------------------------

ELEMENTWISE = {
    "log10": (torch.log10, floats(0.3, 3.0)),
    "log2": (torch.log2, floats(0.3, 3.0)),
    "log1p": (torch.log1p, floats(-0.5, 3.0)),
    "expm1": (torch.expm1, floats()),
    "exp2": (torch.exp2, floats()),
    "rsqrt": (torch.rsqrt, floats(0.3, 3.0)),
    "tan": (torch.tan, floats(-1.2, 1.2)),
    "sinh": (torch.sinh, floats()),
    "cosh": (torch.cosh, floats()),
    "asin": (torch.asin, floats(-0.8, 0.8)),
    "acos": (torch.acos, floats(-0.8, 0.8)),
    "atan": (torch.atan, floats()),
    "frac": (torch.frac, floats(avoid=(-2.0, -1.0, 0.0, 1.0, 2.0))),
    "floor": (torch.floor, floats(avoid=(-2.0, -1.0, 0.0, 1.0, 2.0))),
    "round_decimals": (lambda t: torch.round(t, decimals=1), floats().map(lambda v: v + 0.003)),
    "clamp_min": (lambda t: t.clamp_min(0.3), floats(avoid=(0.3,))),
    "clamp_max": (lambda t: torch.clamp_max(t, -0.2), floats(avoid=(-0.2,))),
    "nan_to_num": (torch.nan_to_num, floats()),
    "fmod_number": (lambda t: torch.fmod(t, 0.7), floats(avoid=(-1.4, -0.7, 0.0, 0.7, 1.4))),
    "erf": (torch.erf, floats()),
    "erfc": (torch.erfc, floats()),
    "logit": (torch.logit, floats(0.1, 0.9)),
    "logit_eps": (lambda t: torch.logit(t, eps=0.3), floats(0.1, 0.9, avoid=(0.3, 0.7))),
    "deg2rad": (torch.deg2rad, floats()),
    "lerp_number": (lambda t: torch.lerp(t, t * t, 0.3), floats()),
    "diff": (lambda t: torch.diff(t, n=2, prepend=t[..., :1] * 3), floats()),
    "unfold": (lambda t: t.unfold(-1, 1, 1) * t.unsqueeze(-1), floats()),
}

BINARY = {
    "hypot": (torch.hypot, floats(avoid=(0.0,)), floats(avoid=(0.0,))),
    "logaddexp": (torch.logaddexp, floats(), floats()),
    "xlogy": (torch.xlogy, floats(avoid=(0.0,)), floats(0.2, 2.0)),  # PyTorch takes the slope 0 at 0
    "lerp_tensor": (lambda a, b: torch.lerp(a, b, a.sigmoid()), floats(), floats()),
    "addcmul": (lambda a, b: torch.addcmul(a, a, b, value=0.5), floats(), floats()),
    "addcdiv": (lambda a, b: torch.addcdiv(a, a, b, value=2), floats(), floats(0.3, 2.0)),
    "dist": (torch.dist, floats(), floats()),
    "dist_1": (lambda a, b: torch.dist(a, b, 1), floats(), floats()),
    "inner": (torch.inner, floats(), floats()),
    "kron": (torch.kron, floats(), floats()),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data(), shape=SMALL)
def test_binary(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    fn, first, second = BINARY[name]
    a = data.draw(arrays(np.float64, shape, elements=first))
    b = data.draw(arrays(np.float64, shape, elements=second))
    if name.startswith("dist") and (np.abs(a - b) < 0.05).any():
        return  # a norm of a - b has a kink where they meet
    check_both(fn, a, b)


@SETTINGS
@given(data=st.data(), rows=st.integers(1, 3), columns=st.integers(1, 3), features=st.integers(1, 3),
       p=st.sampled_from([1.0, 2.0, 3.0]))
def test_distances_and_products(data: st.DataObject, rows: int, columns: int, features: int, p: float) -> None:
    x1 = data.draw(arrays(np.float64, (rows, features), elements=floats()))
    x2 = data.draw(arrays(np.float64, (columns, features), elements=floats()))
    if (np.abs(x1[:, None, :] - x2[None, :, :]) > 0.05).all():  # no zero distances (the norm's kink)
        check_both(lambda a, b: torch.cdist(a, b, p=p), x1, x2)
    check_both(lambda a, b: torch.tensordot(a, b, dims=([1], [1])), x1, x2)
    u = data.draw(arrays(np.float64, (2, 3), elements=floats()))
    w = data.draw(arrays(np.float64, (2, 3), elements=floats()))
    check_both(torch.linalg.cross, u, w)


@pytest.mark.parametrize("name", ELEMENTWISE)
@SETTINGS
@given(data=st.data(), shape=SMALL)
def test_elementwise(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    fn, elements = ELEMENTWISE[name]
    check_both(fn, data.draw(arrays(np.float64, shape, elements=elements)))


@SETTINGS
@given(data=st.data(), shape=SMALL)
def test_clamp_with_tensor_bounds(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(np.float64, shape, elements=floats()))
    low = data.draw(arrays(np.float64, shape[-1:], elements=floats()))
    high = np.array(0.3)
    gaps = np.abs(np.stack(np.broadcast_arrays(x - low, x - high, low - high)))
    if (gaps > 0.05).all():  # away from the kinks
        check_both(lambda t, lo, hi: torch.clamp(t, lo, hi), x, low, high)
        check_both(lambda t, lo: torch.clamp(t, min=lo), x, low)


@SETTINGS
@given(data=st.data(), shape=SMALL)
def test_division_with_rounding_and_fmod(data: st.DataObject, shape: tuple[int, ...]) -> None:
    a = data.draw(arrays(np.float64, shape, elements=floats(0.1, 3.0)))
    b = data.draw(arrays(np.float64, shape, elements=floats(0.6, 2.0)))
    b = np.where(np.abs(np.round(a / b) - a / b) < 0.05, b + 0.1, b)  # away from the quotient's jumps
    check_both(lambda x, y: torch.fmod(x, y), a, b)
    check_both(lambda x, y: torch.div(x, y, rounding_mode=None), a, b)
    check_gradients(lambda x, y: torch.div(x, y, rounding_mode="floor") + x, a, b)


# -- in-place ops and writes into views (CopySlices) -------------------------------------------------------

INPLACE = {
    "sin_": lambda t: (t * 1).sin_(),
    "exp_": lambda t: (t * 1).exp_(),
    "tanh_": lambda t: (t * 2).tanh_(),
    "sigmoid_": lambda t: torch.sigmoid_(t * 1),
    "pow_": lambda t: (t * 1).pow_(3),
    "mul_self_view": lambda t: _write_into_view(t, lambda view: view.mul_(3)),
    "exp_view": lambda t: _write_into_view(t, lambda view: view.exp_()),
    "add_tensor_view": lambda t: _write_into_view(t, lambda view: view.add_(t[..., :1] ** 2)),
    "setitem_slice": lambda t: _assign(t, (Ellipsis, 0), lambda base: base[..., -1] * 2),
    "setitem_index": lambda t: _assign(t, (torch.tensor([0]),), lambda base: base[-1:] * 2),
    "setitem_mask": lambda t: _assign(t, (t > 0,), lambda base: base[base > 0] ** 2),
    "augmented_slice": lambda t: _augmented(t),
    "index_put_accumulate": lambda t: (t * 1).index_put_((torch.tensor([0, 0, -1]),), t[:1].expand(3, *t.shape[1:])
                                                        * 2, accumulate=True),
}


def _write_into_view(t: torch.Tensor, change: Callable[[torch.Tensor], Any]) -> torch.Tensor:
    base = t * 1.5
    change(base[..., :1])
    return base


def _assign(t: torch.Tensor, key: Any, value: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    base = t * 1
    base[key] = value(base)
    return base


def _augmented(t: torch.Tensor) -> torch.Tensor:
    base = t * 2
    base[0] += t[-1] * 3
    base[-1] *= t[0]
    return base


@pytest.mark.parametrize("name", INPLACE)
@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
def test_inplace_and_views(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    check_both(INPLACE[name], data.draw(arrays(np.float64, shape, elements=floats(-1.5, 1.5, avoid=(0.0,)))))


def test_copyslices_gradient_by_hand() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    y = x * 2
    y[0] = x[1] * 10  # y = [10 x1, 2 x1, 2 x2]
    y[1:].mul_(x[2])  # y = [10 x1, 2 x1 x2, 2 x2^2]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 10.0 + 2 * 3.0, 2 * 2.0 + 4 * 3.0]


def test_views_of_a_changed_base_follow_its_new_history() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    h = x * 2
    early = h[:2]
    h.mul_(x)  # the view now holds 2 x^2
    early.sum().backward()
    assert x.grad.tolist() == [4.0, 8.0, 0.0]
    assert early.grad_fn.name() == "AsStridedBackward0"


# -- reductions and cumulative ops ----------------------------------------------------------------------------

def _dim(data: st.DataObject, ndim: int) -> int:
    return data.draw(st.integers(-ndim, ndim - 1))


@SETTINGS
@given(data=st.data(), shape=SMALL, keepdim=st.booleans(), correction=st.sampled_from([0, 1]))
def test_var_std(data: st.DataObject, shape: tuple[int, ...], keepdim: bool, correction: int) -> None:
    dim = _dim(data, len(shape))
    x = data.draw(distinct(shape))
    if shape[dim] > 1:
        check_both(lambda t: t.var(dim, keepdim=keepdim, correction=correction), x)
        check_both(lambda t: torch.std(t, dim, keepdim=keepdim, correction=correction), x)
        check_both(lambda t: torch.var_mean(t, dim, correction=correction)[0] * 2 + torch.var_mean(t, dim)[1], x)
        check_both(lambda t: torch.std_mean(t, dim, correction=correction)[0] + torch.std_mean(t, dim)[1], x)
    if x.size > 1:
        check_both(lambda t: t.var(), x)
        check_both(lambda t: t.std(unbiased=False), x)


@SETTINGS
@given(data=st.data(), shape=SMALL, keepdim=st.booleans())
def test_products_and_cumulative_ops(data: st.DataObject, shape: tuple[int, ...], keepdim: bool) -> None:
    dim = _dim(data, len(shape))
    x = data.draw(arrays(np.float64, shape, elements=floats(-1.5, 1.5)))
    check_both(lambda t: t.prod(), x)
    check_both(lambda t: t.prod(dim, keepdim=keepdim), x)
    check_both(lambda t: t.cumsum(dim), x)
    check_both(lambda t: torch.cumprod(t, dim), x)
    check_both(lambda t: t.logsumexp(dim, keepdim=keepdim), x)
    check_both(lambda t: t.nansum(dim), x)


def test_products_with_zeros_are_exact() -> None:
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5, 2.0], [1.0, 2.0, 0.0, -1.0]])
    check_both(lambda t: t.prod(1), x)
    check_both(lambda t: t.prod(), x[:1])
    check_both(lambda t: t.cumprod(1), x)
    check_both(lambda t: t.cumprod(0), x)


@SETTINGS
@given(data=st.data(), shape=SMALL, keepdim=st.booleans())
def test_extremes_median_and_sorting(data: st.DataObject, shape: tuple[int, ...], keepdim: bool) -> None:
    dim = _dim(data, len(shape))
    x = data.draw(distinct(shape))
    size = shape[dim]
    k = data.draw(st.integers(1, size))
    check_both(lambda t: t.amax(dim, keepdim=keepdim), x)
    check_both(lambda t: torch.amin(t), x)
    check_both(lambda t: t.median(), x)
    check_both(lambda t: t.median(dim, keepdim=keepdim).values, x)
    check_both(lambda t: t.sort(dim, descending=True).values, x)
    check_both(lambda t: t.topk(k, dim).values, x)
    check_both(lambda t: t.topk(k, dim, largest=False).values, x)
    check_both(lambda t: t.kthvalue(k, dim, keepdim=keepdim).values, x)


def test_ties_share_the_gradient_of_amax() -> None:
    x = torch.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=torch.float64, requires_grad=True)
    x.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-15)


# -- rearranging, indexing, gathering ---------------------------------------------------------------------------

@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
def test_rearranging(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(np.float64, shape, elements=floats()))
    ndim = len(shape)
    dim = _dim(data, ndim)
    repeats = data.draw(st.lists(st.integers(1, 2), min_size=ndim, max_size=ndim + 1))
    check_both(lambda t: t.repeat(*repeats), x)
    check_both(lambda t: t.flip(dim), x)
    check_both(lambda t: t.roll(1, dim), x)
    check_both(lambda t: torch.cat(t.split(2, dim)[::-1], dim), x)
    check_both(lambda t: torch.stack(t.unbind(dim)[::-1]), x)
    check_both(lambda t: t.chunk(2, dim)[0], x)
    check_both(lambda t: t.tril() + t.triu(1) * 3, x)
    check_both(lambda t: t.diagonal(0, -2, -1), x)
    check_both(lambda t: t.mT, x)
    check_both(lambda t: t.movedim(0, -1), x)
    check_both(lambda t: t.repeat_interleave(2, dim), x)
    check_both(lambda t: torch.hstack([t, t * 2]), x)
    check_both(lambda t: torch.vstack([t, t]), x)


@SETTINGS
@given(data=st.data(), n=MATRIX_SIDE)
def test_diagonal_matrices(data: st.DataObject, n: int) -> None:
    v = data.draw(arrays(np.float64, (n,), elements=floats()))
    m = data.draw(arrays(np.float64, (n, n), elements=floats()))
    check_both(lambda t: torch.diag(t, 1), v)
    check_both(lambda t: torch.diag_embed(t), v)
    check_both(lambda t: torch.diag(t), m)
    check_both(lambda t: torch.trace(t), m)


@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
def test_gather_scatter_index_ops(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(arrays(np.float64, shape, elements=floats(avoid=(0.0,))))
    ndim = len(shape)
    dim = data.draw(st.integers(0, ndim - 1))
    index_shape = tuple(data.draw(st.integers(1, size)) for size in shape)
    index = torch.from_numpy(np.array(data.draw(arrays(np.int64, index_shape,
                                                        elements=st.integers(0, shape[dim] - 1)))))
    positions = torch.tensor(data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=5)))
    check_both(lambda t: t.gather(dim, index), x)
    check_both(lambda t: torch.zeros(shape, dtype=torch.float64).scatter_add(dim, index, t[tuple(slice(0, s) for s in
                                                                                              index_shape)]), x)
    check_both(lambda t: t.scatter(dim, index, 0.5), x)
    check_both(lambda t: t.index_select(0, positions), x)
    check_both(lambda t: torch.zeros(shape, dtype=torch.float64).index_add(0, positions, t[positions] * 2), x)
    check_both(lambda t: t.take(positions), x)
    check_both(lambda t: t.masked_select(t > 0), x)
    check_both(lambda t: t[positions.tolist()], x)


def test_scatter_of_a_tensor_source() -> None:
    base = np.arange(6.0).reshape(2, 3)
    source = np.array([[1.5, -2.0], [0.5, 3.0]])
    index = torch.tensor([[2, 0], [1, 2]])
    check_both(lambda b, s: b.scatter(1, index, s), base, source)


# -- einsum and linear algebra ------------------------------------------------------------------------------------

EINSUM = {
    "ij,jk->ik": ((2, 3), (3, 4)), "i,j->ij": ((3,), (2,)), "i,i->": ((3,), (3,)), "ii->": ((3, 3),),
    "ii->i": ((3, 3),), "ij->ji": ((2, 3),), "ij->j": ((2, 3),), "bij,bjk->bik": ((2, 2, 3), (2, 3, 2)),
    "ij,ij->i": ((2, 3), (2, 3)), "...ij,...jk->...ik": ((2, 2, 3), (2, 3, 1)), "ij,jk,kl->il": ((2, 3), (3, 2), (2, 2)),
    "bi,bi->b": ((2, 3), (1, 3)), "iij->j": ((2, 2, 3),),
}


@pytest.mark.parametrize("equation", EINSUM)
def test_einsum(equation: str) -> None:
    rng = np.random.default_rng(3)
    operands = [rng.uniform(-1.5, 1.5, size=shape) for shape in EINSUM[equation]]
    check_both(lambda *ts: torch.einsum(equation, *ts), *operands)
    expected = np.einsum(equation, *operands)
    np.testing.assert_allclose(torch.einsum(equation, *[torch.from_numpy(a) for a in operands]).numpy(), expected)


def test_outer() -> None:
    check_both(torch.outer, np.array([1.0, -2.0, 0.5]), np.array([3.0, 0.25]))


def _well_conditioned(data: st.DataObject, n: int, batch: tuple[int, ...] = ()) -> np.ndarray:
    noise = data.draw(arrays(np.float64, batch + (n, n), elements=floats(-0.4, 0.4)))
    return noise + np.eye(n) * 2


@SETTINGS
@given(data=st.data(), n=MATRIX_SIDE, batched=st.booleans())
def test_square_matrices(data: st.DataObject, n: int, batched: bool) -> None:
    a = _well_conditioned(data, n, (2,) if batched else ())
    b = data.draw(arrays(np.float64, a.shape[:-1], elements=floats()))
    check_both(torch.linalg.det, a)
    check_both(torch.linalg.inv, a)
    check_both(lambda t: torch.linalg.slogdet(t).logabsdet, a)
    check_both(torch.linalg.solve, a, b)
    check_both(lambda m, rhs: torch.linalg.solve(m, rhs.unsqueeze(-1)), a, b)
    check_both(lambda t: torch.linalg.matrix_power(t, 3), a)
    check_both(lambda t: torch.linalg.matrix_power(t, -2), a)


@SETTINGS
@given(data=st.data(), shape=SMALL, ord=st.sampled_from([1, 2, 3, 0.5, float("inf"), -float("inf")]))
def test_vector_norms(data: st.DataObject, shape: tuple[int, ...], ord: float) -> None:
    x = data.draw(distinct(shape).filter(lambda a: (np.abs(a) > 0.05).all()))
    dim = _dim(data, len(shape))
    check_both(lambda t: torch.linalg.vector_norm(t, ord), x)
    check_both(lambda t: torch.norm(t, ord, dim=dim), x)


def test_matrix_norms() -> None:
    m = np.array([[2.0, -1.0, 0.5], [0.3, 3.0, -2.0]])
    for order in ("fro", 1, -1, float("inf"), -float("inf")):
        check_both(lambda t: torch.linalg.matrix_norm(t, order), m)
