"""One place per op: the namespace and the Tensor methods come from each ops module, and the layers import in a line."""
from __future__ import annotations

import ast
import importlib
import types
from pathlib import Path

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab._tensor import Tensor, tensor_method
from autograd_lab.autograd.function import Function, Node
from support.gradcheck import check_gradients

PACKAGE = Path(torch.__file__).parent
OP_MODULES = [importlib.import_module(f"autograd_lab.ops.{name}") for name in
              ("arithmetic", "comparison", "filling", "indexing", "linalg", "reduction", "selection", "shape", "softmax", "unary")]


OUT_FORM_CODE = importlib.import_module("autograd_lab.ops.outputs").writes_out(abs).__code__


def defined_op(function: object) -> object:
    """The op itself behind a namespace function that ops/outputs.py wrapped to take ``out=``."""
    return function.__wrapped__ if function.__code__ is OUT_FORM_CODE else function


@pytest.mark.parametrize("module", OP_MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_every_exported_function_is_in_the_namespace_as_itself(module: types.ModuleType) -> None:
    for name in module.__all__:
        assert defined_op(getattr(torch, name)) is getattr(module, name), name


def test_tensor_methods_are_the_ops_modules_functions() -> None:
    defined = {function: module for module in OP_MODULES for function in vars(module).values()
               if isinstance(function, types.FunctionType) and function.__module__ == module.__name__}
    methods = {name for name, value in vars(Tensor).items()
               if isinstance(value, types.FunctionType) and value in defined}
    assert {"exp", "mul", "add_", "__getitem__", "__setitem__", "sum", "to", "mm"} <= methods
    assert Tensor.exp is torch.exp and Tensor.matmul is defined_op(torch.matmul) and Tensor.clip is defined_op(torch.clamp)
    for operator, function in [("__mul__", torch.mul), ("__rmul__", torch.mul), ("__iadd__", Tensor.add_),
                               ("__matmul__", torch.matmul), ("__lt__", torch.lt)]:  # the op behind each operator
        assert getattr(Tensor, operator).__doc__ == function.__doc__, operator


class Sinh(Function):
    backward_name = "SinhBackward0"
    derivatives = {"self": "grad * cosh(self)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor) -> Tensor:
        ctx.save_for_backward(self)
        return Tensor._wrap(np.sinh(self._data))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> Tensor:
        (self,) = ctx.saved_tensors
        return grad * Tensor._wrap(np.cosh(self._data))


def test_a_new_op_is_a_function_and_a_method_from_its_own_module_alone() -> None:
    """The recipe of docs/autograd-core.md: a Function, and a function marked with @tensor_method."""
    def sinh(input: Tensor) -> Tensor:
        return Sinh.apply(input)

    try:
        tensor_method(sinh)
        x = torch.tensor([0.5, -1.0], requires_grad=True)
        y = x.sinh()
        assert y.grad_fn.name() == "SinhBackward0" and y.grad_fn.local_rules == ("grad * cosh(self)",)
        y.sum().backward()
        assert np.allclose(x.grad.numpy(), np.cosh([0.5, -1.0]))
        check_gradients(sinh, np.array([0.3, -1.2]), second_order=False)
    finally:
        del Tensor.sinh


LAYERS = {  # a module, and what it may not import at its top: what is built on it
    "autograd/grad_mode.py": ("_tensor", "function", "engine", "ops"),
    "_tensor.py": ("function", "engine", "ops"),
    "autograd/function.py": ("engine", "ops"),
    "autograd/engine.py": ("ops",),
}


def imports(statements: list[ast.stmt]) -> list[str]:
    """Module names imported by these statements, leaving out ``if TYPE_CHECKING:`` blocks."""
    names = []
    for statement in statements:
        if isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.ImportFrom):
                names += [f"{node.module or ''}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
    return names


@pytest.mark.parametrize("path", LAYERS)
def test_the_core_modules_import_in_one_direction(path: str) -> None:
    for name in imports(ast.parse((PACKAGE / path).read_text()).body):
        for forbidden in LAYERS[path]:
            assert forbidden not in name.split("."), f"{path} imports {name}"


@pytest.mark.parametrize("path", [*LAYERS, *(f"ops/{p.name}" for p in sorted((PACKAGE / "ops").glob("*.py")))])
def test_core_modules_import_at_the_top_only(path: str) -> None:
    tree = ast.parse((PACKAGE / path).read_text())
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for function in functions:
        assert not imports(function.body), f"{path}: {function.name} imports {imports(function.body)}"
