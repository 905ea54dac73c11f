"""Small programs whose outcome (value printed, or exception raised) was recorded from PyTorch 2.13.

Each case is one thing a student does: an in-place op on a non-leaf, a hook that
changes too much, a decorator, a gradient given as a list. The expected text is
what PyTorch printed for the same code.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

import autograd_lab as torch
from autograd_lab import _tensor, nn
from support.tensors import SECOND_BACKWARD, backward_twice, leaf


def outcome(action: Callable[[], Any]) -> str:
    try:
        return repr(action())
    except Exception as error:  # noqa: BLE001 - the exception is the outcome being compared
        return f"{type(error).__name__}: {error}"


def zeroed() -> Any:
    x = leaf(1.0, 2.0)
    h = x * 3
    h.zero_()
    h.sum().backward()
    return h, x.grad


def filled() -> Any:
    x = leaf(1.0, 2.0)
    h = x * 3
    h.fill_(3)
    h.sum().backward()
    return h, x.grad


def copied_into_a_non_leaf() -> Any:
    w, x = leaf(1.0, 2.0), leaf(5.0, 5.0)
    h = x * 1
    h.copy_(w * 2)
    h.sum().backward()
    return h, w.grad, x.grad


def copied_into_a_plain_tensor() -> Any:
    w, b = leaf(1.0, 2.0), torch.zeros(2)
    b.copy_(w * 2)
    b.sum().backward()
    return b, w.grad, [None if node is None else node.name() for node, _ in b.grad_fn.next_functions]


def zeroed_after_being_saved() -> None:
    h = leaf(1.0, 2.0).exp()
    product = h * h
    h.zero_()
    product.sum().backward()


def retained_then_changed_in_place() -> Any:
    x = leaf(1.0, 2.0)
    y = x * 2
    y.retain_grad()
    y.mul_(3)
    (y * y).sum().backward()
    return y.grad, x.grad


def relu_second_derivative() -> Any:
    x = torch.tensor(0.7, requires_grad=True)
    (first,) = torch.autograd.grad(torch.relu(x) * 3 + x, x, create_graph=True)
    return first, torch.autograd.grad(first, x, allow_unused=True)


def hooked(hook: Callable[[torch.Tensor], Any]) -> None:
    x = leaf(1.0, 2.0)
    x.register_hook(hook)
    (x * 2).sum().backward()


def retained_during_autograd_grad() -> Any:
    x = leaf(1.0, 2.0)
    h = x * 2
    h.retain_grad()
    torch.autograd.grad((h * h).sum(), x)
    return h.grad


def assign_data(value: Any) -> None:
    leaf(1.0, 2.0).data = value


def set_requires_grad_of_a_non_leaf() -> None:
    (leaf(1.0, 2.0) * 2).requires_grad = True


class ScaleByNumber(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return grad * 3.0, grad


class NumberGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return 2.0


def remainder_and_its_gradients() -> Any:
    x, w = leaf(5.5, -3.2), leaf(3.0, 4.0)
    by_number = x % 2
    by_number.sum().backward()
    by_tensor = x % w
    by_tensor.sum().backward()
    return by_number, by_tensor, x.grad, w.grad


def floor_divided_then_differentiated() -> None:
    quotient = leaf(5.5, -3.2) // 2
    assert repr(quotient) == "tensor([ 2., -2.], grad_fn=<NotImplemented>)"
    quotient.sum().backward()


def version_counters() -> tuple[int, ...]:
    layer, x = nn.Linear(2, 1), leaf(1.0)
    y = x * 2
    y.add_(1)
    return layer.weight._version, layer.bias._version, x._version, y._version, y.detach()._version


@torch.no_grad
def doubled_without_recording(x: torch.Tensor) -> torch.Tensor:
    return x * 2


@torch.enable_grad
def doubled_with_recording(x: torch.Tensor) -> torch.Tensor:
    return x * 2


CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "zero_ on a non-leaf": (zeroed, "(tensor([0., 0.], grad_fn=<ZeroBackward0>), tensor([0., 0.]))"),
    "fill_ on a non-leaf": (filled, "(tensor([3., 3.], grad_fn=<FillBackward2>), tensor([0., 0.]))"),
    "copy_ into a non-leaf": (copied_into_a_non_leaf,
                              "(tensor([2., 4.], grad_fn=<CopyBackwards>), tensor([2., 2.]), tensor([0., 0.]))"),
    "copy_ into a plain tensor": (copied_into_a_plain_tensor,
                                  "(tensor([2., 4.], grad_fn=<CopyBackwards>), tensor([2., 2.]), "
                                  "[None, 'MulBackward0'])"),
    "zero_ of a saved tensor": (zeroed_after_being_saved,
                                "RuntimeError: one of the variables needed for gradient computation has been modified "
                                "by an inplace operation: [torch.FloatTensor [2]], which is output 0 of Zero, is at "
                                "version 1; expected version 0 instead. Hint: enable anomaly detection to find the "
                                "operation that failed to compute its gradient, with "
                                "torch.autograd.set_detect_anomaly(True, check_nan=False)."),
    "retain_grad then an in-place op": (retained_then_changed_in_place,
                                        "(tensor([12., 24.]), tensor([ 72., 144.]))"),
    "second derivative through relu": (relu_second_derivative, "(tensor(4., grad_fn=<AddBackward0>), (tensor(0.),))"),
    "Linear on float64 input": (lambda: nn.Linear(2, 1)(torch.tensor([[1.0, 2.0]], dtype=torch.float64)),
                                "RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float"),
    "Linear on integer input": (lambda: nn.Linear(2, 1)(torch.tensor([[1, 2]])),
                                "RuntimeError: mat1 and mat2 must have the same dtype, but got Long and Float"),
    "requires_grad = True on a non-leaf": (set_requires_grad_of_a_non_leaf,
                                           "RuntimeError: you can only change requires_grad flags of leaf variables."),
    "hook changing the size": (lambda: hooked(lambda g: torch.ones(3)),
                               "RuntimeError: hook '<lambda>' has changed the size of value"),
    "hook changing the dtype": (lambda: hooked(lambda g: g.double()),
                                "RuntimeError: hook '<lambda>' has changed the type of value (was torch.FloatTensor "
                                "got torch.DoubleTensor)"),
    "hook returning a number": (lambda: hooked(lambda g: 5.0),
                                "TypeError: expected Variable, but hook returned 'float'"),
    "retained grad during autograd.grad": (retained_during_autograd_grad, "tensor([4., 8.])"),
    "where run twice": (lambda: backward_twice(lambda x: torch.where(x > 1, x, torch.zeros(2)), 1.0, 2.0),
                        "RuntimeError: " + SECOND_BACKWARD),
    "masked_fill run twice": (lambda: backward_twice(lambda x: x.masked_fill(x > 1, 0.0), 1.0, 2.0),
                              "RuntimeError: " + SECOND_BACKWARD),
    "gradient given as a list of numbers": (lambda: (leaf(1.0, 2.0) * 2).backward([1.0, 1.0]),
                                            "TypeError: gradients can be either Tensors or None, but got float"),
    "gradient given as a number": (lambda: (leaf(1.0, 2.0) * 2).sum().backward(1.0),
                                   "TypeError: 'float' object is not iterable"),
    "gradient given as a tuple of one tensor": (lambda: (leaf(1.0, 2.0) * 2).sum().backward((torch.tensor(1.0),)),
                                                "None"),
    "integer data for a tensor that requires grad": (lambda: assign_data(torch.tensor([1, 2])),
                                                     "RuntimeError: data set to a tensor that requires gradients must "
                                                     "be floating point or complex dtype"),
    "a list as data": (lambda: assign_data([1.0]), "TypeError: Variable data has to be a tensor, but got list"),
    "custom gradient for a number argument": (lambda: ScaleByNumber.apply(leaf(1.0), 3.0).sum().backward(),
                                              "RuntimeError: function ScaleByNumberBackward returned a gradient "
                                              "different than None at position 2, but the corresponding forward "
                                              "input was not a Variable"),
    "custom gradient that is a number": (lambda: NumberGradient.apply(leaf(1.0)).sum().backward(),
                                         "RuntimeError: expected Variable or None (got float)"),
    "SGD of a non-leaf": (lambda: torch.optim.SGD([leaf(1.0, 2.0) * 2], lr=0.1),
                          "ValueError: can't optimize a non-leaf Tensor"),
    "SGD of one tensor": (lambda: torch.optim.SGD(torch.tensor(1.0, requires_grad=True), lr=0.1),
                          "TypeError: params argument given to the optimizer should be an iterable of Tensors or "
                          "dicts, but got torch.FloatTensor"),
    "@no_grad without parentheses": (lambda: doubled_without_recording(leaf(1.0)), "tensor([2.])"),
    "@enable_grad without parentheses": (lambda: doubled_with_recording(leaf(1.0)),
                                         "tensor([2.], grad_fn=<MulBackward0>)"),
    "remainder": (remainder_and_its_gradients,
                  "(tensor([1.5000, 0.8000], grad_fn=<RemainderBackward0>), tensor([2.5000, 0.8000], "
                  "grad_fn=<RemainderBackward1>), tensor([2., 2.]), tensor([-1.,  1.]))"),
    "integer % and //": (lambda: (torch.tensor([7, -7]) % 3, torch.tensor([7, -7]) // 3, 7 % torch.tensor([3, -3]),
                                  7 // torch.tensor([2, 4])),
                         "(tensor([1, 2]), tensor([ 2, -3]), tensor([ 1, -2]), tensor([3, 1]))"),
    "floats % and // by zero": (lambda: (torch.tensor([5.5]) // torch.tensor([0.0]), torch.tensor([1.0, 0.0]) % 0),
                                "(tensor([inf]), tensor([nan, nan]))"),
    "integer % by zero": (lambda: torch.tensor([1, 0]) % 0, "RuntimeError: ZeroDivisionError"),
    "backward through //": (floor_divided_then_differentiated,
                            "RuntimeError: derivative for aten::floor_divide is not implemented"),
    "even numbers": (lambda: torch.arange(2000) % 2 == 0, "tensor([ True, False,  True,  ..., False,  True, False])"),
    "any and all": (lambda: (torch.tensor([True, False]).any(), torch.tensor([True, False]).all(),
                             torch.tensor([[1, 0], [1, 1]]).all(dim=1), torch.tensor([0.0, 2.0]).any(),
                             torch.tensor([[1, 0], [1, 1]]).any(dim=0, keepdim=True), torch.tensor([]).all()),
                    "(tensor(True), tensor(False), tensor([False,  True]), tensor(True), tensor([[True, True]]), "
                    "tensor(True))"),
    "version counters": (version_counters, "(1, 1, 0, 1, 1)"),
    "printed Parameter": (lambda: str(nn.Parameter(torch.tensor([1.0, 2.0]))),
                          "'Parameter containing:\\ntensor([1., 2.], requires_grad=True)'"),
}


@pytest.mark.parametrize("name", CASES)
def test_outcome_matches_pytorch(name: str) -> None:
    action, expected = CASES[name]
    assert outcome(action) == expected


def test_set_grad_enabled_as_a_decorator_leaves_the_mode_alone_outside() -> None:
    @torch.set_grad_enabled(False)
    def inside() -> bool:
        return torch.is_grad_enabled()

    assert torch.is_grad_enabled()
    assert inside() is False
    assert torch.is_grad_enabled()


def test_scalar_conversion_and_backward_create_graph_warn_once(monkeypatch: pytest.MonkeyPatch,
                                                               recwarn: pytest.WarningsRecorder) -> None:
    monkeypatch.setattr(_tensor, "_warned", set())
    x = leaf(1.0)
    assert int(x[0]) == 1  # only float() warns in PyTorch
    assert float(x[0]) == 1.0
    (x * x).sum().backward(create_graph=True)
    (x * x).sum().backward(create_graph=True)
    messages = [str(w.message).split(" (Triggered")[0] for w in recwarn]
    assert messages == [
        "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
        "Consider using tensor.detach() first.",
        "Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient "
        "which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you "
        "have to use this function, make sure to reset the .grad fields of your parameters to None after use to break "
        "the cycle and avoid the leak."]
