"""Values, types, warnings and dtype promotion students meet, as PyTorch 2.13 prints them."""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab import _tensor
from support.tensors import leaf


# -- creating tensors ------------------------------------------------------------------------------------

def test_float64_tensors_from_python_numbers_keep_double_precision() -> None:
    assert torch.tensor(0.1, dtype=torch.float64).item() == 0.1
    assert torch.tensor([0.1, 1 / 3], dtype=torch.float64).tolist() == [0.1, 1 / 3]
    assert torch.tensor(0.1).item() == float(np.float32(0.1))


def test_tensor_copies_arrays_and_tensors_it_is_given() -> None:
    array, source = np.ones(2, dtype=np.float32), torch.ones(2)
    from_array, same_dtype = torch.tensor(array), torch.tensor(array, dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_tensor = torch.tensor(source)
    array[0], source[0] = 5.0, 7.0
    assert from_array.tolist() == same_dtype.tolist() == from_tensor.tolist() == [1.0, 1.0]


# -- values and types students meet (printed by PyTorch 2.13) ---------------------------------------------

STUDENT_VALUES = {
    "Size slice": (lambda: torch.zeros(2, 3, 4).shape[1:], "torch.Size([3, 4])"),
    "Size plus tuple": (lambda: torch.zeros(2, 3).shape + (4,), "torch.Size([2, 3, 4])"),
    "tuple plus Size": (lambda: (4,) + torch.zeros(2, 3).shape, "torch.Size([4, 2, 3])"),
    "Size times 2": (lambda: torch.zeros(2, 3).shape * 2, "torch.Size([2, 3, 2, 3])"),
    "sum over dim 0 of a 0-d tensor": (lambda: torch.tensor(3.0, requires_grad=True).sum(0),
                                       "tensor(3., grad_fn=<SumBackward1>)"),
    "mean over dim -1 of a 0-d tensor": (lambda: torch.tensor(3.0).mean(dim=-1, keepdim=True), "tensor(3.)"),
    "integer tensor clamped to a float": (lambda: torch.tensor([-5, 3]).clamp(min=0.5), "tensor([0.5000, 3.0000])"),
    "integer tensor clamped to an int": (lambda: torch.tensor([-5, 3]).clamp(min=1), "tensor([1, 3])"),
    "float64 array operand": (lambda: torch.tensor([1.0, 2.0]) + np.array([1.0, 1.0]),
                              "tensor([2., 3.], dtype=torch.float64)"),
    "NumPy scalar times a tensor": (lambda: np.float64(2.0) * torch.tensor([1.0, 2.0]), "tensor([2., 4.])"),
    "tensor == None": (lambda: torch.tensor([1.0, 2.0]) == None, "False"),  # noqa: E711
    "tensor != None": (lambda: torch.tensor([1.0, 2.0]) != None, "True"),  # noqa: E711
    "argmax of all": (lambda: SCORES.argmax(), "tensor(3)"),
    "argmax along dim 1": (lambda: SCORES.argmax(dim=1), "tensor([1, 0])"),
    "argmax keepdim": (lambda: torch.argmax(SCORES, dim=0, keepdim=True), "tensor([[1, 0, 1]])"),
    "argmin of all": (lambda: torch.argmin(SCORES), "tensor(4)"),
    "argmin along the last dim": (lambda: SCORES.argmin(-1), "tensor([0, 1])"),
    "argmax of a 0-d tensor": (lambda: torch.tensor(3.0).argmax(0), "tensor(0)"),
    "accuracy": (lambda: (SCORES.argmax(dim=1) == torch.tensor([1, 0])).float().mean(), "tensor(1.)"),
    "not a mask": (lambda: ~MASK, "tensor([False,  True, False])"),
    "mask and mask": (lambda: MASK & torch.tensor([True, True, False]), "tensor([ True, False, False])"),
    "mask or mask": (lambda: MASK | torch.tensor([True, True, False]), "tensor([True, True, True])"),
    "mask xor mask": (lambda: MASK ^ torch.tensor([True, True, False]), "tensor([False,  True,  True])"),
    "True and a mask": (lambda: True & MASK, "tensor([ True, False,  True])"),
    "ints and ints": (lambda: torch.tensor([6, 3]) & torch.tensor([3, 1]), "tensor([2, 1])"),
    "not of ints": (lambda: ~torch.tensor([0, 5]), "tensor([-1, -6])"),
    "two comparisons": (lambda: (SCORES > 1) & (SCORES < 7),
                        "tensor([[False,  True,  True],\n        [False, False, False]])"),
    "logical_not of floats": (lambda: torch.logical_not(torch.tensor([0.0, 2.0])), "tensor([ True, False])"),
    "logical_or": (lambda: MASK.logical_or(torch.tensor([True, True, False])), "tensor([True, True, True])"),
}
SCORES = torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
MASK = torch.tensor([True, False, True])


@pytest.mark.parametrize("name", sorted(STUDENT_VALUES))
def test_values_students_meet_print_like_pytorch(name: str) -> None:
    make, expected = STUDENT_VALUES[name]
    assert repr(make()) == expected


def _warnings_of(action: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, [str(w.message).split(" (Triggered")[0] for w in caught]


def test_warnings_pytorch_gives_once_per_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_tensor, "_warned", set())
    vector, x = torch.ones(3), torch.tensor(2.0, requires_grad=True)
    transposed, first = _warnings_of(lambda: vector.T)
    assert repr(transposed) == "tensor([1., 1., 1.])"
    assert first == ["The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and "
                     "it will throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
                     "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor."]
    assert _warnings_of(lambda: torch.ones(2, 2, 2).T)[1] == []
    assert _warnings_of(lambda: torch.tensor(1.0).T)[1] == [
        "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."]
    values, converted = _warnings_of(lambda: torch.tensor([x, x * 2]))
    assert repr(values) == "tensor([2., 4.])"
    assert converted == ["Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                         "Consider using tensor.detach() first."]
    assert _warnings_of(lambda: torch.tensor([x]))[1] == []


def test_softmax_without_dim_warns_and_picks_pytorchs_dim() -> None:
    result, caught = _warnings_of(lambda: F.softmax(torch.tensor([1.0, 2.0])))
    assert repr(result) == "tensor([0.2689, 0.7311])"
    assert caught == ["Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X "
                      "as an argument."]
    result, caught = _warnings_of(lambda: F.log_softmax(torch.tensor([[1.0, 2.0], [1.0, 1.0]])))
    assert repr(result) == "tensor([[-1.3133, -0.3133],\n        [-0.6931, -0.6931]])"


def test_mean_of_nothing_and_softmax_of_minus_infinity_are_quiet_nans() -> None:
    assert _warnings_of(lambda: repr(torch.tensor([]).mean())) == ("tensor(nan)", [])
    assert _warnings_of(lambda: repr(torch.zeros(2, 0).mean(1))) == ("tensor([nan, nan])", [])
    minus_infinity = torch.tensor([float("-inf"), float("-inf")])
    assert _warnings_of(lambda: repr(torch.softmax(minus_infinity, dim=0))) == ("tensor([nan, nan])", [])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_of_one_sample_is_one_nll_loss_node(reduction: str) -> None:
    scores = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = F.cross_entropy(scores, torch.tensor(2), reduction=reduction)
    assert repr(loss) == "tensor(0.4076, grad_fn=<NllLossBackward0>)"
    (-loss).backward()
    assert repr(scores.grad) == "tensor([-0.0900, -0.2447,  0.3348])"


def test_gradient_through_sum_of_a_0d_tensor_over_dim_0() -> None:
    x = torch.tensor(3.0, requires_grad=True)
    (x.sum(0) * 2).backward()
    assert repr(x.grad) == "tensor(2.)"


# -- floating-point edge cases ----------------------------------------------------------------------------

def test_log_of_zero_division_by_zero_and_overflow_are_silent_like_pytorch() -> None:
    x = leaf(0.0, 1.0)
    with warnings.catch_warnings(record=True) as caught:  # the filters as importing the package left them
        results = [torch.log(x), x / 0, torch.exp(torch.tensor([100.0])), torch.sqrt(torch.tensor([-1.0])),
                   torch.tensor([0.0]) ** -1.0, torch.sigmoid(torch.tensor([-1000.0]))]
        torch.log(x).sum().backward()
    assert [str(r.detach()) for r in results] == ["tensor([-inf, 0.])", "tensor([nan, inf])", "tensor([inf])",
                                                  "tensor([nan])", "tensor([inf])", "tensor([0.])"]
    assert x.grad.tolist() == [np.inf, 1.0]
    assert caught == []


def test_numpy_warnings_outside_the_package_are_left_alone() -> None:
    with warnings.catch_warnings(record=True) as caught:
        torch.log(torch.zeros(1))
        np.log(np.zeros(1))
    assert [str(w.message) for w in caught] == ["divide by zero encountered in log"]


def test_a_filter_added_after_import_comes_first() -> None:
    """As documented: ``simplefilter("always")`` asks for every warning, NumPy's from the package included."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.log(torch.zeros(1))
    assert [str(w.message) for w in caught] == ["divide by zero encountered in log"]


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sin", "cos"])
def test_float32_transcendentals_are_the_float64_result_rounded_once(name: str) -> None:
    """As PyTorch's float32 kernels are: NumPy's own float32 loops are off by one ulp for a third of exp's inputs."""
    values = np.random.default_rng(0).uniform(0.01, 40.0, 1024).astype(np.float32)
    result = getattr(torch, name)(torch.from_numpy(values)).numpy()
    expected = getattr(np, name)(values.astype(np.float64)).astype(np.float32)
    assert result.dtype == np.float32
    assert np.array_equal(result, expected)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sin", "cos"])
def test_float32_transcendentals_of_large_tensors_use_numpys_float32_loops(name: str) -> None:
    """Above 1024 elements the float64 detour would cost 8 to 17 times the op; the results stay within an ulp."""
    values = np.random.default_rng(1).uniform(0.01, 40.0, 1025).astype(np.float32)
    result = getattr(torch, name)(torch.from_numpy(values)).numpy()
    assert np.array_equal(result, getattr(np, name)(values))
    assert np.allclose(result, getattr(np, name)(values.astype(np.float64)), rtol=2e-7, atol=0)


def test_exp_of_twelve_prints_as_pytorch_prints_it() -> None:
    assert str(torch.exp(torch.tensor([12.0, 10.0]))) == "tensor([162754.7969,  22026.4648])"


def test_finfo_and_iinfo_limits_and_reprs() -> None:
    single = torch.finfo(torch.float32)
    assert (single.bits, single.eps, single.max, single.resolution, single.dtype) == (
        32, float(np.finfo(np.float32).eps), float(np.finfo(np.float32).max), 1e-06, "float32")
    assert repr(torch.finfo(torch.float16)) == ("finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, "
                                                "smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)")
    assert torch.finfo() == torch.finfo(torch.get_default_dtype())
    assert torch.finfo(torch.float64).tiny == torch.finfo(torch.float64).smallest_normal == 2.2250738585072014e-308
    assert (torch.iinfo(torch.int64).max, torch.iinfo(torch.uint8).min) == (2**63 - 1, 0)
    assert repr(torch.iinfo(torch.int32)) == "iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)"


@pytest.mark.parametrize(("info", "dtype", "message"), [
    ("finfo", "int32", "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'"),
    ("iinfo", "float32", "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'"),
    ("iinfo", "bool", "torch.bool is not supported by torch.iinfo"),
])
def test_finfo_and_iinfo_refuse_the_other_kind(info: str, dtype: str, message: str) -> None:
    with pytest.raises(TypeError) as error:
        getattr(torch, info)(getattr(torch, dtype))
    assert str(error.value) == message


def _lane_order_sum(row: np.ndarray, lanes: int) -> np.float32:
    """PyTorch's AVX-512 reduce_all: lane-wise block sums, the tail into the first lanes, then halves."""
    if row.size < lanes:
        total = row[0]
        for value in row[1:]:
            total = np.float32(total + value)
        return total
    acc = [row[i] for i in range(lanes)]
    blocks = row.size // lanes
    for block in range(1, blocks):
        acc = [np.float32(acc[i] + row[block * lanes + i]) for i in range(lanes)]
    for i, value in enumerate(row[blocks * lanes:]):
        acc[i] = np.float32(acc[i] + value)
    while len(acc) > 1:
        half = len(acc) // 2
        acc = [np.float32(acc[i] + acc[i + half]) for i in range(half)]
    return acc[0]


@pytest.mark.parametrize("size", [3, 15, 16, 17, 27, 40])
def test_softmax_along_the_last_dim_scales_by_one_over_a_lane_order_sum(size: int) -> None:
    """As PyTorch's vectorised kernel: exp(x - max) * (1 / sum), the sum taken in vector-lane order."""
    x = (np.random.default_rng(size).standard_normal((3, size)) * 3).astype(np.float32)
    result = torch.softmax(torch.from_numpy(x), dim=-1).numpy()
    for row, out in zip(x, result):
        exp = np.exp((row - row.max()).astype(np.float64)).astype(np.float32)
        scale = np.float32(1) / _lane_order_sum(exp, 16)
        assert np.array_equal(out, exp * scale)
    log_result = torch.log_softmax(torch.from_numpy(x), dim=-1).numpy()
    for row, out in zip(x, log_result):
        shifted = row - row.max()
        total = _lane_order_sum(np.exp(shifted.astype(np.float64)).astype(np.float32), 16)
        assert np.array_equal(out, shifted - np.float32(np.log(np.float64(total))))


def test_softmax_along_another_dim_divides_by_the_sum() -> None:
    scores = torch.tensor([[0.1, 0.9, 0.3], [0.8, 0.2, 0.5], [0.4, 0.4, 0.2], [0.0, 0.1, 0.7]])
    x = scores.numpy()
    exp = np.exp((x - x.max(0)).astype(np.float64)).astype(np.float32)
    assert np.array_equal(torch.softmax(scores, dim=0).numpy(), exp / exp.sum(0, keepdims=True))
    assert str(torch.softmax(scores, dim=0).sum(0)) == "tensor([1.0000, 1.0000, 1.0000])"  # as PyTorch prints it


_BIG = [3e38, 3e38]
_OVERFLOWS: dict[str, Callable[[], Any]] = {
    "add": lambda: torch.tensor(_BIG) + torch.tensor(_BIG), "mul": lambda: torch.tensor([1e38]) * 10,
    "sub": lambda: torch.tensor([-3e38]) - torch.tensor([3e38]), "number": lambda: 1e39 - torch.tensor([1.0]),
    "sum": lambda: torch.tensor(_BIG).sum(), "sum_dim": lambda: torch.tensor([_BIG, _BIG]).sum(0),
    "mean": lambda: torch.tensor(_BIG).mean(), "var": lambda: torch.tensor(_BIG).var(),
    "matmul": lambda: torch.tensor(_BIG) @ torch.tensor(_BIG),
    "mm": lambda: torch.tensor([_BIG, _BIG]) @ torch.tensor([_BIG, _BIG]),
    "cumsum": lambda: torch.tensor(_BIG).cumsum(0), "prod": lambda: torch.tensor(_BIG).prod(),
    "norm": lambda: torch.tensor(_BIG).norm(), "mse": lambda: F.mse_loss(torch.tensor(_BIG), -torch.tensor(_BIG)),
    "half": lambda: torch.tensor([1e6]).half(), "to_float": lambda: torch.tensor([1e300], dtype=torch.float64).float(),
    "tensor": lambda: torch.tensor([1e300], dtype=torch.float32), "to_long": lambda: torch.tensor([float("nan")]).long(),
    "log0": lambda: torch.tensor([0.0]).log(), "sqrt_negative": lambda: torch.tensor([-1.0]).sqrt(),
    "accumulated_gradients": lambda: _backward_of(lambda x: x * 3e38 + x * 3e38),
    "frac_of_inf": lambda: torch.tensor([float("inf")]).frac(), "std": lambda: torch.tensor(_BIG).std(),
    "max": lambda: torch.tensor([float("nan"), 1.0]).max(), "nansum": lambda: torch.tensor(_BIG).nansum(),
    "softmax": lambda: torch.softmax(torch.tensor([float("inf"), 1.0]), 0),
}


def _backward_of(function: Callable[[Any], Any]) -> None:
    x = torch.tensor([3e38], requires_grad=True)
    function(x).sum().backward()


@pytest.mark.parametrize("name", sorted(_OVERFLOWS))
def test_overflow_and_invalid_values_are_silent_as_in_pytorch(name: str) -> None:
    """PyTorch gives inf and nan without a word; NumPy's RuntimeWarnings must not reach the notebook."""
    with warnings.catch_warnings(record=True) as caught:  # the filters as importing the package left them
        _OVERFLOWS[name]()
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(("expression", "expected"), [
    (lambda: torch.tensor([1, 2]) << torch.tensor([1, 2]), ([2, 8], torch.int64)),
    (lambda: 1 << torch.tensor([1, 2]), ([2, 4], torch.int64)),
    (lambda: 64 >> torch.tensor([1, 2]), ([32, 16], torch.int64)),
    (lambda: torch.tensor([True]) << 1, ([2], torch.int64)),
    (lambda: torch.tensor([-8]) >> 1, ([-4], torch.int64)),
    (lambda: torch.tensor([1], dtype=torch.uint8) << 9, ([0], torch.uint8)),
    (lambda: torch.tensor([1]) << 64, ([0], torch.int64)),
    (lambda: torch.tensor([1]) >> -1, ([0], torch.int64)),
    (lambda: torch.tensor([-5]) >> 70, ([-1], torch.int64)),
    (lambda: torch.tensor([200], dtype=torch.uint8) >> 9, ([0], torch.uint8)),
    (lambda: torch.bitwise_left_shift(torch.tensor([1]), 3), ([8], torch.int64)),
])
def test_bit_shifts_follow_pytorchs_rules_for_large_and_negative_amounts(expression, expected) -> None:
    result = expression()
    assert (result.tolist(), result.dtype) == expected


def test_bit_shifts_of_floats_name_the_promoted_dtype() -> None:
    for operand in (torch.tensor([1.5]), 2.0):
        with pytest.raises(NotImplementedError, match="^\"lshift_cpu\" not implemented for 'Float'$"):
            torch.tensor([1]) << operand if operand == 2.0 else operand << 1


def test_result_type_and_can_cast() -> None:
    assert torch.result_type(torch.tensor([1]), 1.0) is torch.float32
    assert torch.result_type(torch.tensor([1], dtype=torch.int8), 300) is torch.int8
    assert torch.result_type(2, 3.0) is torch.float32
    assert torch.result_type(torch.tensor(1.0, dtype=torch.float64), torch.tensor([1.0])) is torch.float32
    assert not torch.can_cast(torch.float32, torch.int32) and not torch.can_cast(torch.int64, torch.bool)
    assert torch.can_cast(torch.int32, torch.float32) and torch.can_cast(torch.float64, torch.float16)
    assert torch.can_cast(torch.uint8, torch.int8) and torch.can_cast(torch.bool, torch.int8)
