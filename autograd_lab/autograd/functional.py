"""``autograd.functional``: Jacobians, Hessians and their products with vectors, built on ``autograd.grad``.

Each function calls ``func`` once on fresh copies of the inputs that require grad,
then asks ``autograd.grad`` for what it needs, exactly as PyTorch does (one
backward per output element for ``jacobian``; the "double backward trick" for
``jvp`` and ``hvp``, which only needs reverse mode). Results come back shaped as
the inputs and outputs were given: a tensor for a tensor, a tuple for a tuple.
Without ``create_graph=True`` they are detached; with it, they can be
differentiated again.
"""
from __future__ import annotations

from typing import Any, Callable

from .._creation import zeros_like
from .._tensor import Tensor
from ..ops.shape import stack
from . import grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

Tensors = Tensor | tuple[Tensor, ...]


# -- the public functions ------------------------------------------------------------------------


def vjp(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensors, Tensors]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one backward pass."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        if v is not None:
            v = _vectors(v, "vjp", create_graph, outputs, outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor "
                               "with a single element.")
    product = _product(outputs, inputs, v, inputs, strict, create_graph, "back")
    return (_unpack(_finish(outputs, create_graph), outputs_tuple),
            _unpack(_finish(product, create_graph), inputs_tuple))


def jvp(func: Callable[..., Tensors], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensors, Tensors]:
    """``(func(inputs), J v)``: the Jacobian-vector product, by differentiating a vjp with respect to its vector."""
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _vectors(v, "jvp", create_graph, inputs, inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                               "Tensor with a single element.")
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # u^T J is linear in u, so the value of u never matters, only that it is finite
        dummies = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        vjps = _grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad(vjps, "grad_inputs", strict)
    product = _product(vjps, dummies, v, outputs, strict, create_graph, "back_trick")
    return (_unpack(_finish(outputs, create_graph), outputs_tuple),
            _unpack(_finish(product, create_graph), outputs_tuple))


def jacobian(func: Callable[..., Tensors], inputs: Tensors, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: one backward pass per output element.

    Each block has shape ``output.shape + input.shape``; it is a tensor for a
    single input and output, a tuple over inputs, a tuple over outputs, or a tuple
    of tuples. ``vectorize=True`` gives the same values (there is no vmap here).
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                             'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                             'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        _refuse_forward_mode(create_graph, strict, vectorize)
    with enable_grad():
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
                               "supported together. Please either set `strict=False` or `vectorize=False`.")
        blocks = tuple(_jacobian_of_output(i, out, inputs, create_graph, strict) for i, out in enumerate(outputs))
        blocks = tuple(_finish(per_input, create_graph) for per_input in blocks)
    return _unpack(blocks, outputs_tuple, inputs_tuple)


def hessian(func: Callable[..., Tensor], inputs: Tensors, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a function with one single-element output: the Jacobian of its gradient.

    A tensor of shape ``input.shape + input.shape`` for a single input; a tuple of
    tuples (one block per pair of inputs) for a tuple of inputs.
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*arguments: Tensor) -> Tensor:
        out = func(*arguments)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, "outputs", strict)
        if out_tuple or not isinstance(out, Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should contain a single element")
        return out.squeeze()

    def gradient(*arguments: Tensor) -> Tensors:
        first = jacobian(single_output, arguments, create_graph=True)
        _check_requires_grad(first, "jacobian", strict)
        return first

    blocks = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return _unpack(blocks, inputs_tuple, inputs_tuple)


def vhp(func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Tensors]:
    """``(func(inputs), v^T H)``: the gradient's vjp with ``v``."""
    with enable_grad():
        inputs_tuple, inputs, v, outputs, first = _gradient_of_scalar_function(func, inputs, v, "vhp",
                                                                               create_graph, strict)
    product = _product(first, inputs, v, inputs, strict, create_graph, "double_back")
    return _unpack(_finish(outputs, create_graph), False), _unpack(_finish(product, create_graph), inputs_tuple)


def hvp(func: Callable[..., Tensor], inputs: Tensors, v: Tensors | None = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Tensors]:
    """``(func(inputs), H v)``: like ``vhp`` (H is symmetric), computed with the double backward trick."""
    with enable_grad():
        inputs_tuple, inputs, v, outputs, first = _gradient_of_scalar_function(func, inputs, v, "hvp",
                                                                               create_graph, strict)
        dummies = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        second = _grad(first, inputs, dummies, create_graph=True)
        _check_requires_grad(first, "hessian", strict)
    product = _product(second, dummies, v, inputs, strict, create_graph, "double_back_trick")
    return _unpack(_finish(outputs, create_graph), False), _unpack(_finish(product, create_graph), inputs_tuple)


# -- the steps they share ------------------------------------------------------------------------


def _jacobian_of_output(i: int, out: Tensor, inputs: tuple[Tensor, ...], create_graph: bool,
                        strict: bool) -> tuple[Tensor, ...]:
    """The blocks d out / d input for every input: one ``autograd.grad`` per element of ``out``."""
    rows: tuple[list[Tensor], ...] = tuple([] for _ in inputs)
    for j in range(out.nelement()):
        found = _grad((out.reshape(-1)[j],), inputs, retain_graph=True, create_graph=create_graph)
        for k, (row_list, row, inp) in enumerate(zip(rows, found, inputs)):
            if row is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of input {k}. "
                                       "This is not allowed in strict mode.")
                row = zeros_like(inp)
            elif strict and create_graph and not row.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent of input {i}. "
                                   "This is not allowed in strict mode when create_graph=True.")
            row_list.append(row)
    return tuple(stack(row_list, dim=0).view(out.size() + inp.size()) for row_list, inp in zip(rows, inputs))


def _gradient_of_scalar_function(func: Callable, inputs: Tensors, v: Any, name: str, create_graph: bool,
                                 strict: bool) -> tuple[bool, tuple[Tensor, ...], Any, tuple[Tensor], tuple]:
    """What vhp and hvp start from: the inputs, the vectors, the single output and its gradient (with a graph)."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _fresh(inputs, create_graph, need_graph=True)
    if v is None and (len(inputs) != 1 or inputs[0].nelement() != 1):
        raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single "
                           "Tensor with a single element.")
    if v is not None:
        v = _vectors(v, name, create_graph, inputs, inputs_tuple)
    outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", name)
    _check_requires_grad(outputs, "outputs", strict)
    if outputs_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
    first = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(first, "jacobian", strict)
    return inputs_tuple, inputs, v, outputs, first


def _product(outputs: tuple, wrt: tuple, v: tuple | None, like: tuple[Tensor, ...], strict: bool,
             create_graph: bool, stage: str) -> tuple[Tensor, ...]:
    """The last backward pass of a vector product, with zeros (or strict mode's error) where nothing arrived."""
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        found = _grad(outputs, wrt, v, create_graph=create_graph)
        return _fill_in_zeros(found, like, strict, create_graph, stage)


def _grad(outputs: tuple, inputs: tuple, grad_outputs: tuple | None = None, create_graph: bool = False,
          retain_graph: bool | None = None) -> tuple[Tensor | None, ...]:
    """``autograd.grad`` over the outputs that require grad (None for every input when there are none)."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    kept = [(out, g) for out, g in zip(outputs, grad_outputs) if out is not None and out.requires_grad]
    if not kept:
        return (None,) * len(inputs)
    return grad([out for out, _ in kept], inputs, [g for _, g in kept], retain_graph=retain_graph,
                create_graph=create_graph, allow_unused=True)


def _refuse_forward_mode(create_graph: bool, strict: bool, vectorize: bool) -> None:
    if create_graph:
        raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` and "
                                  '`strategy="forward-mode"` are not supported together (yet). Please either set '
                                  '`create_graph=False` or `strategy="reverse-mode"`.')
    if strict:
        raise RuntimeError('torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` are not '
                           'supported together (yet). Please either set `strict=False` or `strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
                                  "only implemented for `vectorize=True`.")
    raise NotImplementedError('autograd_lab has no forward-mode AD, so strategy="forward-mode" is not supported; '
                              'use the default strategy="reverse-mode"')


# -- inputs in, results out ----------------------------------------------------------------------


def _as_tuple(value: Any, argument: str, function: str) -> tuple[bool, tuple]:
    """``(was it a tuple, the tensors as a tuple)``, with PyTorch's TypeError for anything but tensors."""
    was_tuple = isinstance(value, tuple)
    values = value if was_tuple else (value,)
    for index, item in enumerate(values):
        if not isinstance(item, Tensor):
            where = f"value at index {index}" if was_tuple else f"given {argument}"
            raise TypeError(f"The {argument} given to {function} must be either a Tensor or a tuple of Tensors but "
                            f"the {where} has type {type(item)}.")
    return was_tuple, values


def _fresh(tensors: tuple[Tensor, ...], create_graph: bool, need_graph: bool) -> tuple[Tensor, ...]:
    """New tensor objects, so ``func`` cannot reach them through a captured name (a view keeps the graph)."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
                 for t in tensors)


def _vectors(v: Any, name: str, create_graph: bool, like: tuple[Tensor, ...], like_tuple: bool) -> tuple:
    """``v`` as fresh tensors, checked to have one entry per tensor of ``like`` with its shape."""
    _, v = _as_tuple(v, "v", name)
    v = _fresh(v, create_graph, need_graph=False)
    if len(like) != len(v):
        if like_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for index, (vector, other) in enumerate(zip(v, like)):
        if vector.size() != other.size():
            prefix = f"Entry {index} in " if like_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {other.size()} but got {vector.size()}.")
    return v


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    """In strict mode, PyTorch's error for a result that does not depend on the inputs."""
    if not strict:
        return
    for i, tensor in enumerate(tensors):
        if tensor is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode.")
        if tensor.requires_grad:
            continue
        if kind == "hessian":
            raise RuntimeError(f"The hessian of the user-provided function with respect to input {i} is independent "
                               "of the input. This is not allowed in strict mode. You should ensure that your "
                               "function is thrice differentiable and that the hessian depends on the inputs.")
        if kind == "jacobian":
            raise RuntimeError("While computing the hessian, found that the jacobian of the user-provided function "
                               f"with respect to input {i} is independent of the input. This is not allowed in "
                               "strict mode. You should ensure that your function is twice differentiable and that "
                               "the jacobian depends on the inputs (this would be violated by a linear function for "
                               "example).")
        if kind == "grad_inputs":
            raise RuntimeError(f"The gradient with respect to input {i} is independent of the inputs of the "
                               "user-provided function. This is not allowed in strict mode.")
        raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs must "
                           "be computed in a differentiable manner from the input when running in strict mode.")


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed in strict "
            "mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the grad_outputs when using "
                  "the double backward trick to compute forward mode gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is not allowed in "
                   "strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in the grad_jacobian. "
                         "This is not allowed in strict mode as it prevents from using the double backward trick to "
                         "replace forward mode AD.",
}


def _fill_in_zeros(found: tuple, like: tuple[Tensor, ...], strict: bool, create_graph: bool,
                   stage: str) -> tuple[Tensor, ...]:
    """Zeros where no gradient arrived; in strict mode, PyTorch's error instead."""
    filled = []
    for i, result in enumerate(found):
        if result is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            result = zeros_like(like[i])
        elif strict and create_graph and not result.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input {i}. This is not "
                               "allowed in strict mode when create_graph=True.")
        filled.append(result)
    return tuple(filled)


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    """Results without their history unless ``create_graph`` (nested tuples too)."""
    if create_graph:
        return tensors
    return tuple(t.detach() if isinstance(t, Tensor) else _finish(t, create_graph) for t in tensors)


def _unpack(results: tuple, outer_tuple: bool, inner_tuple: bool | None = None) -> Any:
    """Undo ``_as_tuple``: a lone tensor where the caller gave one (twice for nested results)."""
    if inner_tuple is not None and not inner_tuple:
        results = tuple(per_outer[0] for per_outer in results)
    return results if outer_tuple else results[0]
