"""Node's public, read-only surface (docs/autograd-core.md, "Node's contract"), which the views build on."""
from __future__ import annotations

import gc
import inspect
import re
import weakref
from pathlib import Path

import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab.autograd.function import Function
from autograd_lab.viz.graph import build_graph
from support.tensors import leaf

PACKAGE = Path(torch.__file__).parent
CAT_RULE = "grad.narrow(dim, offset, tensors[i].shape[dim])"


def test_a_product_names_its_inputs_rules_and_saved_tensors_as_pytorch_does() -> None:
    x, w = leaf(), leaf(4.0, 5.0, 6.0)
    node = (x * w).grad_fn
    assert node.input_names == ("self", "other")
    assert node.local_rules == ("grad * other", "grad * self")
    assert node.input_metadata == (((3,), torch.float32), ((3,), torch.float32))
    assert node.output_metadata == (((3,), torch.float32),)
    assert node.saved_values == {"self": x, "other": w}
    assert node.saved_versions == {"self": 0, "other": 0}
    assert not node.saved_tensors_freed
    assert (x * 2).grad_fn.sequence_nr > node.sequence_nr  # recorded later


def test_a_constant_is_saved_under_its_argument_name_and_unneeded_tensors_are_none() -> None:
    x = leaf()
    node = (x * 2.5).grad_fn
    assert [edge is None for edge, _ in node.next_functions] == [False, True]
    assert node.input_names == ("self", "other")
    saved = node.saved_values
    assert saved["self"] is None and saved["other"].item() == 2.5  # self is not needed: 2.5 needs no gradient


def test_a_saved_output_is_called_result_and_comes_back_with_its_node() -> None:
    x = leaf()
    y = x.exp()
    node = y.grad_fn
    assert node.local_rules == ("grad * result",)
    (result,) = node.saved_values.values()
    assert list(node.saved_values) == ["result"] and result.tolist() == y.tolist()
    (unpacked,) = node.saved_tensors
    assert unpacked.grad_fn is node and unpacked.requires_grad


def test_several_outputs_are_result0_result1_and_a_list_argument_is_tensors_i() -> None:
    x = leaf()
    values, indices = x.reshape(3, 1).max(dim=1)
    node = values.grad_fn
    assert node.output_metadata == (((3,), torch.float32), ((3,), torch.int64))
    assert list(node.saved_values) == ["result1"]
    joined = torch.cat([x, x * 2], 0).grad_fn
    assert joined.input_names == ("tensors[0]", "tensors[1]")
    assert joined.local_rules[0] == joined.local_rules[1] == CAT_RULE


def test_non_differentiable_arguments_have_no_edge_but_keep_their_names() -> None:
    x = leaf()
    mask = x > 1.5
    node = torch.where(mask, x, 0.0).grad_fn
    assert node.input_names == ("self", "other")
    assert node.saved_values == {"condition": mask}
    node = x.masked_fill(mask, 0.0).grad_fn
    assert node.input_names == ("self",) and node.local_rules == ("where(mask, 0, grad)",)


def test_saved_tensors_are_gone_after_backward_and_versions_show_in_place_changes() -> None:
    x = leaf()
    h = x * 2
    y = h * h
    h.add_(1)
    assert y.grad_fn.saved_versions == {"self": 0, "other": 0} and h._version == 1
    z = (x * x).sum()
    node = z.grad_fn.next_functions[0][0]
    z.backward()
    assert node.saved_tensors_freed and node.saved_values == {} and node.saved_versions == {}


def test_retained_outputs_and_accumulate_grad_variable() -> None:
    x = leaf()
    h = x * 2
    h.retain_grad()
    assert h.grad_fn.retained_outputs == (h,)
    accumulate = h.grad_fn.next_functions[0][0]
    assert accumulate.variable is x and accumulate.input_names == () and accumulate.saved_values == {}


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, value, power):
        ctx.save_for_backward(value)
        return value ** power

    @staticmethod
    def backward(ctx, grad):
        (value,) = ctx.saved_tensors
        return grad * 3 * value ** 2, None


def test_a_students_function_without_derivatives_names_inputs_after_its_forward() -> None:
    x = leaf()
    node = Cube.apply(x, 3).grad_fn
    assert node.input_names == ("value",) and node.local_rules == (None,)
    assert node.saved_values == {"value": x}


def built_in_functions() -> list[type[Function]]:
    found, stack = [], list(Function.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls._built_in and cls.__module__.startswith("autograd_lab"):
            found.append(cls)
    return sorted(found, key=lambda cls: cls.__qualname__)


@pytest.mark.parametrize("function", built_in_functions(), ids=lambda cls: cls.__qualname__)
def test_every_built_in_op_states_its_rule_for_arguments_forward_has(function: type[Function]) -> None:
    names = set(function._argument_names) | {function._varargs_name}
    if function.backward_name == "NotImplemented":  # no derivative, as in PyTorch (floor_divide)
        return
    assert function.derivatives, "no derivatives"
    assert set(function.derivatives) <= names, f"rules for arguments forward does not have: {function.derivatives}"
    signature = inspect.signature(function.forward)
    assert list(signature.parameters)[0] == "ctx"


@pytest.mark.parametrize("make", [lambda x: x.exp(), lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x.relu(),
                                  lambda x: x.sqrt(), lambda x: x.softmax(0), lambda x: x ** x,
                                  lambda x: x.norm(), lambda x: x.max(), lambda x: F.mse_loss(x, x * 2)])
def test_graphs_are_freed_without_the_cycle_collector(make) -> None:
    """A node keeps its saved output without a grad_fn, as PyTorch does: no reference cycle."""
    gc.collect()
    gc.disable()
    try:
        x = leaf()
        y = make(x)
        y.retain_grad()
        y.sum().backward(retain_graph=True)
        output, node = weakref.ref(y), weakref.ref(y.grad_fn)
        del x, y
        assert output() is None and node() is None
    finally:
        gc.enable()


def test_views_read_nodes_only_through_the_public_surface() -> None:
    private = re.compile(r"\.(_saved\w*|_input_meta\w*|_output_meta\w*|_output_shapes|_retained|_sequence_nr|"
                         r"_function|_tensor_positions|_freed|_output_hooks)\b")
    for path in sorted((PACKAGE / "viz").glob("*.py")) + sorted((PACKAGE / "widgets").glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            assert not private.search(line), f"{path.name}:{number} reads a node's private field: {line.strip()}"


def test_accumulate_grad_is_named_as_pytorch_names_it_and_labelled_as_it_prints() -> None:
    x = torch.ones(2, requires_grad=True)
    node = (x * 2).grad_fn.next_functions[0][0]
    assert node.name() == "torch::autograd::AccumulateGrad"
    assert repr(node).startswith("<AccumulateGrad object at 0x")
    labels = [function.name for function in build_graph(x * 2).functions]
    assert labels == ["MulBackward0", "AccumulateGrad"]
