"""Every differentiable op's backward against central finite differences (float64).

Shapes come from hypothesis and broadcast where the op broadcasts; values are kept
away from the points where an op is not differentiable (kinks, ties, poles).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab import nn
from support.gradcheck import check_gradients, numerical_gradient

SETTINGS = settings(max_examples=25, deadline=None)


def values(low: float = -2.0, high: float = 2.0, avoid: tuple[float, ...] = (), margin: float = 0.1) -> Any:
    """Floats in [low, high] at least ``margin`` away from every point in ``avoid``."""
    floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if avoid:
        floats = floats.filter(lambda v: all(abs(v - point) > margin for point in avoid))
    return floats


def away_from_zero(low: float = 0.5, high: float = 2.0) -> Any:
    """Floats with magnitude in [low, high], either sign."""
    return st.one_of(st.floats(low, high), st.floats(-high, -low))


def array(shape: tuple[int, ...], elements: Any = None) -> Any:
    return arrays(np.float64, shape, elements=elements if elements is not None else values())


def distinct(shape: tuple[int, ...]) -> Any:
    """Arrays whose elements differ pairwise by at least 0.1 (no ties for max/min)."""
    return arrays(np.float64, shape, elements=st.integers(-60, 60).map(lambda k: k / 10), unique=True)


SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_DIMS = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


# -- arithmetic, with broadcasting ---------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, values(), values()),
    "sub": (lambda a, b: a - b, values(), values()),
    "mul": (lambda a, b: a * b, values(), values()),
    "div": (lambda a, b: a / b, values(), away_from_zero()),
    # exponent 0 is left out: there PyTorch (and so autograd_lab) makes d/dbase 0 with a where(), whose own
    # derivative with respect to the exponent is then 0 too, unlike the finite differences
    "pow_tensor_tensor": (lambda a, b: a ** b, values(0.5, 2.0), values(avoid=(0.0,))),
    "torch.pow": (lambda a, b: torch.pow(a, b), values(0.5, 2.0), values(avoid=(0.0,))),
    "add_alpha": (lambda a, b: torch.add(a, b, alpha=2.5), values(), values()),
    "sub_alpha": (lambda a, b: torch.sub(a, b, alpha=-0.5), values(), values()),
    "maximum": (torch.maximum, values(), values()),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data(), shapes=PAIRS)
def test_binary_ops_broadcast(name: str, data: st.DataObject, shapes: Any) -> None:
    fn, left, right = BINARY[name]
    a = data.draw(array(shapes.input_shapes[0], left))
    b = data.draw(array(shapes.input_shapes[1], right))
    if name == "maximum":
        b = a + np.where(np.abs(b - a) < 0.1, 0.5, b - a)  # no ties
    check_gradients(fn, a, b)


UNARY_WITH_NUMBER = {
    "pow_scalar_2": (lambda x: x ** 2, values()),
    "pow_scalar_3": (lambda x: x ** 3, values()),
    "pow_scalar_half": (lambda x: x ** 0.5, values(0.3, 2.0)),
    "pow_scalar_negative": (lambda x: x ** -1.5, values(0.3, 2.0)),
    "pow_scalar_zero": (lambda x: x ** 0, values()),
    "torch.pow_scalar": (lambda x: torch.pow(x, 2.5), values(0.3, 2.0)),
    "scalar_pow_tensor": (lambda x: 2 ** x, values()),
    "torch.pow_number_base": (lambda x: torch.pow(1.5, x), values()),
    "rsub": (lambda x: 2 - x, values()),
    "rdiv": (lambda x: 2 / x, away_from_zero()),
    "radd": (lambda x: 2 + x, values()),
    "rmul": (lambda x: 2.5 * x, values()),
    "sub_number": (lambda x: x - 0.5, values()),
    "div_number": (lambda x: x / 4, values()),
    "neg": (lambda x: -x, values()),
    "torch.neg": (torch.neg, values()),
    "square": (torch.square, values()),
}

UNARY = {
    "exp": (torch.exp, values()),
    "log": (torch.log, values(0.2, 3.0)),
    "sqrt": (torch.sqrt, values(0.2, 3.0)),
    "sin": (torch.sin, values(-4, 4)),
    "cos": (torch.cos, values(-4, 4)),
    "tanh": (torch.tanh, values()),
    "sigmoid": (torch.sigmoid, values(-4, 4)),
    "relu": (torch.relu, values(avoid=(0.0,))),
    "F.relu": (F.relu, values(avoid=(0.0,))),
    "abs": (torch.abs, values(avoid=(0.0,))),
    "reciprocal": (torch.reciprocal, away_from_zero()),
    "clamp": (lambda x: torch.clamp(x, -1.0, 0.5), values(avoid=(-1.0, 0.5))),
    "clamp_min": (lambda x: x.clamp(min=0.3), values(avoid=(0.3,))),
    "clamp_max": (lambda x: x.clamp(max=-0.2), values(avoid=(-0.2,))),
    "clamp_tensor_bounds": (lambda x: torch.clamp(x, torch.tensor(-1.0, dtype=torch.float64), None),
                            values(avoid=(-1.0,))),
    "method_exp": (lambda x: x.exp(), values()),
    "method_tanh": (lambda x: x.tanh(), values()),
    "method_sigmoid": (lambda x: x.sigmoid(), values()),
}


@pytest.mark.parametrize("name", {**UNARY_WITH_NUMBER, **UNARY})
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_elementwise_ops(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    fn, elements = {**UNARY_WITH_NUMBER, **UNARY}[name]
    check_gradients(fn, data.draw(array(shape, elements)))


def test_unary_derivatives_by_hand() -> None:
    """A few closed forms, independent of finite differences."""
    x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    raw = np.array([0.5, 1.0, 2.0])
    cases = [
        (torch.exp, np.exp(raw)), (torch.log, 1 / raw), (torch.sqrt, 0.5 / np.sqrt(raw)),
        (torch.sin, np.cos(raw)), (torch.cos, -np.sin(raw)), (torch.tanh, 1 - np.tanh(raw) ** 2),
        (torch.sigmoid, np.exp(-raw) / (1 + np.exp(-raw)) ** 2), (lambda t: t ** 3, 3 * raw ** 2),
        (lambda t: 2 ** t, np.log(2) * 2 ** raw), (lambda t: 2 / t, -2 / raw ** 2),
    ]
    for fn, derivative in cases:
        x.grad = None
        fn(x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), derivative, rtol=1e-12)


# -- matrix products ------------------------------------------------------------------------------

SIDE = st.integers(1, 4)


@SETTINGS
@given(data=st.data(), n=SIDE, k=SIDE, m=SIDE, batch=st.integers(1, 3),
       case=st.sampled_from(["1d@1d", "2d@1d", "1d@2d", "2d@2d", "mm", "3d@3d", "3d@2d", "2d@3d",
                             "3d@1d", "1d@3d", "1x3d@3d", "4d@3d", "bmm", "mv", "dot"]))
def test_matmul(data: st.DataObject, n: int, k: int, m: int, batch: int, case: str) -> None:
    shapes = {
        "1d@1d": ((k,), (k,)), "dot": ((k,), (k,)), "2d@1d": ((n, k), (k,)), "mv": ((n, k), (k,)),
        "1d@2d": ((k,), (k, m)), "2d@2d": ((n, k), (k, m)), "mm": ((n, k), (k, m)),
        "3d@3d": ((batch, n, k), (batch, k, m)), "bmm": ((batch, n, k), (batch, k, m)),
        "3d@2d": ((batch, n, k), (k, m)), "2d@3d": ((n, k), (batch, k, m)), "3d@1d": ((batch, n, k), (k,)),
        "1d@3d": ((k,), (batch, k, m)), "1x3d@3d": ((1, n, k), (batch, k, m)),
        "4d@3d": ((2, 1, n, k), (batch, k, m)),
    }[case]
    fn: Callable[..., torch.Tensor] = {"mm": torch.mm, "bmm": torch.bmm, "mv": torch.mv, "dot": torch.dot}.get(
        case, lambda a, b: a @ b)
    check_gradients(fn, data.draw(array(shapes[0])), data.draw(array(shapes[1])))


def test_matmul_forward_matches_numpy() -> None:
    rng = np.random.default_rng(1)
    for left, right in [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                        ((2, 1, 2, 3), (4, 3, 2))]:
        a, b = rng.normal(size=left), rng.normal(size=right)
        result = torch.from_numpy(a) @ torch.from_numpy(b)
        assert tuple(result.shape) == np.matmul(a, b).shape
        np.testing.assert_allclose(result.numpy(), np.matmul(a, b), rtol=1e-12)


# -- reductions -------------------------------------------------------------------------------------

def _dims(data: st.DataObject, ndim: int) -> Any:
    """A dim argument: an int (maybe negative) or a tuple of distinct dims."""
    if data.draw(st.booleans()):
        return data.draw(st.integers(-ndim, ndim - 1))
    chosen = data.draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(d - ndim if data.draw(st.booleans()) else d for d in chosen)


@pytest.mark.parametrize("name", ["sum", "mean", "norm"])
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_reduce_all(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    elements = away_from_zero(0.2, 2.0) if name == "norm" else values()
    check_gradients(lambda x: getattr(x, name)(), data.draw(array(shape, elements)))
    check_gradients(getattr(torch, name), data.draw(array(shape, elements)))


@pytest.mark.parametrize("name", ["sum", "mean", "norm"])
@SETTINGS
@given(data=st.data(), shape=NONEMPTY_DIMS, keepdim=st.booleans())
def test_reduce_along_dims(name: str, data: st.DataObject, shape: tuple[int, ...], keepdim: bool) -> None:
    dim = _dims(data, len(shape))
    elements = away_from_zero(0.2, 2.0) if name == "norm" else values()
    if name == "norm":
        check_gradients(lambda x: x.norm(dim=dim, keepdim=keepdim), data.draw(array(shape, elements)))
    else:
        check_gradients(lambda x: getattr(x, name)(dim, keepdim=keepdim), data.draw(array(shape, elements)))
        check_gradients(lambda x: getattr(torch, name)(x, dim=dim, keepdim=keepdim), data.draw(array(shape)))


def test_reduction_values_by_hand() -> None:
    x = torch.tensor([[3.0, -4.0], [1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    x.norm().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.array([[3.0, -4.0], [1.0, 2.0]]) / np.sqrt(30))
    x.grad = None
    x.mean(dim=(0, 1)).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 0.25))
    x.grad = None
    x.sum(-1, keepdim=True).mul(torch.tensor([[1.0], [10.0]], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 1.0], [10.0, 10.0]])


@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_extremum_all(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    check_gradients(lambda x: getattr(x, name)(), data.draw(distinct(shape)))
    check_gradients(getattr(torch, name), data.draw(distinct(shape)))


@pytest.mark.parametrize("name", ["max", "min"])
@SETTINGS
@given(data=st.data(), shape=NONEMPTY_DIMS, keepdim=st.booleans())
def test_extremum_along_dim(name: str, data: st.DataObject, shape: tuple[int, ...], keepdim: bool) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check_gradients(lambda x: getattr(x, name)(dim, keepdim=keepdim).values, data.draw(distinct(shape)))
    check_gradients(lambda x: getattr(torch, name)(x, dim)[0], data.draw(distinct(shape)))


def test_extremum_indices_and_ties() -> None:
    x = torch.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]], requires_grad=True)
    values_, indices = x.max(dim=1)
    assert indices.tolist() == [1, 0] and values_.tolist() == [5.0, 7.0]
    assert not indices.requires_grad
    x.max().backward()  # a single winner takes the whole gradient
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    y = torch.tensor([2.0, 2.0, 1.0], requires_grad=True)
    y.max().backward()  # PyTorch splits the gradient evenly between tied maxima
    assert y.grad.tolist() == [0.5, 0.5, 0.0]


# -- shapes and views ---------------------------------------------------------------------------------

@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_reshape_view_flatten(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(array(shape))
    size = x.size
    check_gradients(lambda t: t.reshape(-1), x)
    check_gradients(lambda t: t.view(size, 1), x)
    check_gradients(lambda t: torch.reshape(t, (1, -1, 1)), x)
    check_gradients(lambda t: t.flatten(), x)
    if len(shape) >= 2:
        check_gradients(lambda t: t.flatten(1), x)
        check_gradients(lambda t: torch.flatten(t, 0, -2), x)


@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=2))
def test_squeeze_unsqueeze(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(array(shape))
    check_gradients(lambda t: t.squeeze(), x)
    check_gradients(lambda t: t.unsqueeze(0), x)
    check_gradients(lambda t: torch.unsqueeze(t, -1), x)
    if shape:
        dim = data.draw(st.integers(-len(shape), len(shape) - 1))
        check_gradients(lambda t: t.squeeze(dim), x)
        check_gradients(lambda t: torch.squeeze(t.unsqueeze(dim), dim), x)


@pytest.mark.filterwarnings("ignore:The use of `x.T`:UserWarning")
@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
def test_transpose_permute(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(array(shape))
    ndim = len(shape)
    dim0, dim1 = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
    order = data.draw(st.permutations(range(ndim)))
    check_gradients(lambda t: t.transpose(dim0, dim1), x)
    check_gradients(lambda t: t.permute(*order), x)
    check_gradients(lambda t: torch.permute(t, tuple(order)), x)
    if ndim <= 2:
        check_gradients(lambda t: t.T, x)
        check_gradients(lambda t: t.t(), x)


def test_views_keep_values_in_place() -> None:
    x = torch.arange(6.0).reshape(2, 3)
    assert x.T.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert x.permute(1, 0).tolist() == x.t().tolist()
    assert x.unsqueeze(1).shape == torch.Size([2, 1, 3])


# -- indexing ---------------------------------------------------------------------------------------------

@SETTINGS
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
def test_indexing(data: st.DataObject, shape: tuple[int, ...]) -> None:
    x = data.draw(array(shape))
    first = shape[0]
    i = data.draw(st.integers(-first, first - 1))
    start = data.draw(st.integers(0, first))
    step = data.draw(st.integers(1, 2))
    repeats = np.array(data.draw(st.lists(st.integers(-first, first - 1), min_size=1, max_size=6)))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=first, max_size=first)))
    check_gradients(lambda t: t[i], x)
    check_gradients(lambda t: t[start::step], x)
    check_gradients(lambda t: t[..., :1], x)
    check_gradients(lambda t: t[torch.tensor(repeats)], x)  # repeated indices add up
    check_gradients(lambda t: t[repeats.tolist()], x)
    check_gradients(lambda t: t[torch.tensor(mask)], x)
    check_gradients(lambda t: t[torch.from_numpy(x) > 0], x)
    if len(shape) >= 2:
        j = data.draw(st.integers(0, shape[1] - 1))
        check_gradients(lambda t: t[:, j], x)
        check_gradients(lambda t: t[i, j], x)
        check_gradients(lambda t: t[torch.tensor(repeats), j], x)
        check_gradients(lambda t: t[1:, None, ::2], x)


def test_repeated_index_gradient_by_hand() -> None:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[torch.tensor([0, 2, 0, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


# -- joining, selection, softmax -------------------------------------------------------------------------

@SETTINGS
@given(data=st.data(), shape=NONEMPTY_DIMS, count=st.integers(1, 3))
def test_cat_stack(data: st.DataObject, shape: tuple[int, ...], count: int) -> None:
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    pieces = []
    for _ in range(count):
        piece_shape = list(shape)
        piece_shape[dim] = data.draw(st.integers(1, 3))
        pieces.append(data.draw(array(tuple(piece_shape))))
    check_gradients(lambda *ts: torch.cat(ts, dim), *pieces)
    same = [data.draw(array(shape)) for _ in range(count)]
    stack_dim = data.draw(st.integers(-ndim - 1, ndim))
    check_gradients(lambda *ts: torch.stack(list(ts), dim=stack_dim), *same)


@SETTINGS
@given(data=st.data(), shapes=mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3))
def test_where(data: st.DataObject, shapes: Any) -> None:
    condition_shape, a_shape, b_shape = shapes.input_shapes
    condition = torch.from_numpy(data.draw(arrays(np.bool_, condition_shape)))
    check_gradients(lambda a, b: torch.where(condition, a, b), data.draw(array(a_shape)), data.draw(array(b_shape)))
    check_gradients(lambda a: torch.where(condition, a, 0.5), data.draw(array(a_shape)))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(data=st.data(), shape=NONEMPTY_DIMS)
def test_softmax(name: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(array(shape, values(-3, 3)))
    check_gradients(lambda t: getattr(torch, name)(t, dim), x)
    check_gradients(lambda t: getattr(t, name)(dim=dim), x)
    check_gradients(lambda t: getattr(F, name)(t, dim=dim), x)


def test_softmax_values() -> None:
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]])
    expected = np.exp(x - x.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(torch.softmax(torch.from_numpy(x), 1).numpy(), expected)
    np.testing.assert_allclose(torch.log_softmax(torch.from_numpy(x), 1).numpy()[0], np.log(expected[0]))


# -- losses and layers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_mse_loss(reduction: str, data: st.DataObject, shape: tuple[int, ...]) -> None:
    check_gradients(lambda a, b: F.mse_loss(a, b, reduction=reduction), data.draw(array(shape)),
                    data.draw(array(shape)))
    if reduction == "mean":
        check_gradients(lambda a, b: nn.MSELoss()(a, b), data.draw(array(shape)), data.draw(array(shape)))


def test_mse_loss_by_hand() -> None:
    prediction = torch.tensor([1.0, 2.0, 4.0], requires_grad=True)
    loss = F.mse_loss(prediction, torch.tensor([1.0, 0.0, 1.0]))
    assert loss.item() == pytest.approx((0 + 4 + 9) / 3)
    loss.backward()
    np.testing.assert_allclose(prediction.grad.numpy(), [0.0, 4 / 3, 2.0], rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@SETTINGS
@given(data=st.data(), batch=st.integers(1, 4), classes=st.integers(1, 4))
def test_cross_entropy(reduction: str, data: st.DataObject, batch: int, classes: int) -> None:
    target = torch.tensor(data.draw(st.lists(st.integers(0, classes - 1), min_size=batch, max_size=batch)))
    check_gradients(lambda x: F.cross_entropy(x, target, reduction=reduction), data.draw(array((batch, classes))))
    single = target[0]
    check_gradients(lambda x: F.cross_entropy(x, single, reduction=reduction), data.draw(array((classes,))))


def test_cross_entropy_by_hand() -> None:
    scores = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    target = np.array([1, 0])
    probabilities = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
    x = torch.tensor(scores, requires_grad=True)
    loss = nn.CrossEntropyLoss()(x, torch.tensor(target))
    assert loss.item() == pytest.approx(-np.log(probabilities[[0, 1], target]).mean())
    loss.backward()
    expected = probabilities.copy()
    expected[[0, 1], target] -= 1
    np.testing.assert_allclose(x.grad.numpy(), expected / 2)


@SETTINGS
@given(data=st.data(), batch=st.integers(1, 4), inputs=st.integers(1, 4), outputs=st.integers(1, 4),
       leading=st.sampled_from([(), (2,)]), bias=st.booleans())
def test_linear(data: st.DataObject, batch: int, inputs: int, outputs: int, leading: tuple[int, ...],
                bias: bool) -> None:
    layer = nn.Linear(inputs, outputs, bias=bias)
    layer.weight.data = layer.weight.data.double()
    if bias:
        layer.bias.data = layer.bias.data.double()
    x = data.draw(array(leading + (batch, inputs)))
    layer(torch.from_numpy(x)).mul(torch.ones(outputs, dtype=torch.float64) * 0.7).sum().backward()
    parameters = [layer.weight] + ([layer.bias] if bias else [])
    arrays_ = [p.detach().numpy() for p in parameters]  # shared memory: nudging them changes the layer

    def loss(*_: np.ndarray) -> float:
        with torch.no_grad():
            return float((layer(torch.from_numpy(x)) * 0.7).sum().item())

    for parameter, numerical in zip(parameters, numerical_gradient(loss, arrays_)):
        np.testing.assert_allclose(parameter.grad.numpy(), numerical, rtol=1e-5, atol=1e-6)
    check_gradients(lambda t: layer(t), x)
    check_gradients(lambda t, w: F.linear(t, w), x, layer.weight.detach().numpy().copy())
