"""``gradcheck`` and ``gradgradcheck``: backward() against finite differences, with PyTorch's messages.

The check works on Jacobians laid out as PyTorch lays them out: one matrix per
(output, input) pair, a row per input element and a column per output element.
The numerical one comes from central differences (each input element nudged by
``±eps`` in place, like PyTorch's ``x.data`` trick); the analytical one from
``autograd.grad`` with one-hot output gradients, computed twice to catch a
backward that is not deterministic. ``fast_mode=True`` compares ``v^T J u`` for
random unit vectors ``u``, ``v`` drawn from a fresh ``Generator()`` (PyTorch's
vectors) instead of whole Jacobians.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .. import _dtypes
from .._generator import Generator
from .._random import rand
from .._tensor import Tensor
from ..ops.comparison import allclose
from ..testing import make_tensor
from . import grad
from .function import Function, Node

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

_NONDETERMINISM_NOTE = """\n
NOTE: If your op relies on non-deterministic operations i.e., it is listed here:
https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html
this failure might be expected.

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `nondet_tol=<tol>` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_nondet_tol=<tol>`.
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_nondet_tol=<tol>`
"""
_FAST_FAILED_SLOW_PASSES = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!

If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:

If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test
  to have `gradcheck_fast_mode=False`
- is a Module test (e.g., in common_nn.py), then modify the corresponding
  module_test entry to have `gradcheck_fast_mode=False`
""".strip()
_UNDEFINED_GRAD_WARNING = (
    "Backwards compatibility: New undefined gradient support checking feature is enabled by default, but it may "
    "break existing callers of this function. If this is true for you, you can call this function with "
    '"check_undefined_grad=False" to disable the feature')
_NO_FORWARD_AD = "autograd_lab has no forward-mode AD, so {} is not supported"
_NO_VMAP = "autograd_lab has no vmap, so {} is not supported"


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` and :func:`gradgradcheck` when a check fails."""


# -- the public checks ---------------------------------------------------------------------------


def gradcheck(func: Callable[..., Tensor | Sequence[Tensor]], inputs: Tensor | Sequence[Any], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Check the gradients backward() computes for ``func(*inputs)`` against finite differences.

    Every floating input with ``requires_grad=True`` is checked (use float64: a
    warning says so otherwise). Returns True, or raises :class:`GradcheckError`
    (returns False with ``raise_exception=False``). ``check_grad_dtypes`` and
    ``masked`` are accepted for PyTorch's signature: the engine always returns
    gradients in the input's dtype, and there are no sparse tensors.
    """
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    if check_batched_grad and not check_backward_ad:
        raise AssertionError("Setting check_batched_grad=True requires check_backward_ad to be True")
    if check_batched_forward_grad and not check_forward_ad:
        raise AssertionError("Setting check_batched_forward_grad=True requires check_forward_ad to be True")
    _refuse_unsupported(check_forward_ad=check_forward_ad, check_batched_grad=check_batched_grad,
                        check_batched_forward_grad=check_batched_forward_grad)
    try:
        _check(func, _as_tuple(inputs), eps, atol, rtol, nondet_tol, check_undefined_grad, fast_mode)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func: Callable[..., Tensor | Sequence[Tensor]], inputs: Tensor | Sequence[Any],
                  grad_outputs: Tensor | Sequence[Tensor | None] | None = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:
    """Check second derivatives: ``gradcheck`` of the function ``(inputs, v) -> v^T J``.

    Without ``grad_outputs``, ``v`` is random in [-1, 1) (drawn like PyTorch, from
    the global generator) and is itself checked as an input.
    """
    if not (check_fwd_over_rev or check_rev_over_rev):
        raise AssertionError("Expected at least one of check_fwd_over_rev or check_rev_over_rev to be True")
    if check_undefined_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_undefined_grad=True requires check_rev_over_rev to be True")
    if check_batched_grad and not check_rev_over_rev:
        raise AssertionError("Setting check_batched_grad=True requires check_rev_over_rev to be True")
    _refuse_unsupported(check_fwd_over_rev=check_fwd_over_rev, check_batched_grad=check_batched_grad)
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        tupled_grads = tuple(
            make_tensor(out.shape, dtype=out.dtype if out.is_floating_point() else _dtypes.float64, device="cpu",
                        low=-1, high=1, requires_grad=True, noncontiguous=gen_non_contig_grad_outputs)
            for out in _differentiable(func(*tupled_inputs)))
    else:
        tupled_grads = _as_tuple(grad_outputs)
    count = len(tupled_grads)
    differentiable_inputs = {i for i, x in enumerate(tupled_inputs) if isinstance(x, Tensor) and x.requires_grad}

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        arguments, vectors = args[:-count], args[-count:]
        outputs = _differentiable(func(*arguments))
        wrt = tuple(x for i, x in enumerate(arguments) if i in differentiable_inputs)
        grads = grad(outputs, wrt, vectors, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tupled_inputs + tupled_grads, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_undefined_grad=check_undefined_grad,
                     fast_mode=fast_mode)


def _refuse_unsupported(**options: bool) -> None:
    for name, value in options.items():
        if value:
            template = _NO_VMAP if "batched" in name else _NO_FORWARD_AD
            raise NotImplementedError(template.format(f"{name}=True"))


# -- the steps of a check ------------------------------------------------------------------------


def _check(func: Callable, inputs: tuple, eps: float, atol: float, rtol: float, nondet_tol: float,
           check_undefined_grad: bool, fast_mode: bool) -> None:
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable(func_out)
    if fast_mode:
        _fast_check(func, inputs, func_out, outputs, eps, atol, rtol, nondet_tol)
    else:
        _slow_check(func, inputs, func_out, outputs, eps, atol, rtol, nondet_tol)
    _check_backward_multiplies_by_grad_output(outputs, inputs)
    if check_undefined_grad:
        _check_undefined_output_grads(func, inputs)


def _check_inputs(inputs: tuple) -> None:
    """PyTorch's precision warning, its stride-0 refusal and at least one input requiring grad."""
    found = False
    for index, inp in enumerate(inputs):
        if not (isinstance(inp, Tensor) and inp.requires_grad):
            continue
        if inp.dtype is not _dtypes.float64:
            warnings.warn(f"Input #{index} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double precision "
                          "floating point or complex. ", stacklevel=2)
        data = inp._data
        if any(stride == 0 and size > 1 for stride, size in zip(data.strides, data.shape)):
            raise RuntimeError(f"The {index}th input has a dimension with stride 0. gradcheck only supports inputs "
                               "that are non-overlapping to be able to compute the numerical gradients correctly. "
                               "You should call .contiguous on the input before passing it to gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")


def _slow_check(func: Callable, inputs: tuple, func_out: tuple, outputs: tuple, eps: float, atol: float,
                rtol: float, nondet_tol: float) -> None:
    numerical = numerical_jacobians(func, inputs, func_out, eps)
    if not outputs:
        if any(np.any(jacobian != 0) for per_input in numerical for jacobian in per_input if jacobian is not None):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    positions = [position for position, out in enumerate(func_out) if out.requires_grad]
    for i, out in enumerate(outputs):
        for j, analytical in enumerate(analytical_jacobians(inputs, out, nondet_tol)):
            expected = numerical[j][positions[i]]
            if not _close(analytical, expected, rtol, atol):
                raise GradcheckError(_mismatch(analytical, expected, i, j))


def _fast_check(func: Callable, inputs: tuple, func_out: tuple, outputs: tuple, eps: float, atol: float,
                rtol: float, nondet_tol: float) -> None:
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    generator = Generator()  # a fresh one, as PyTorch: the user's random numbers are left alone
    all_u = [_unit_vector(inputs[i], generator) for i in differentiable]
    all_v = [_unit_vector(out, generator) for out in outputs]
    # [input][output of func_out]: J u by finite differences along u (None for a non-floating output)
    directional = [_central_difference(func, inputs, index, ..., (eps * u).reshape(inputs[index]._data.shape), eps)
                   for index, u in zip(differentiable, all_u)]
    if not outputs:
        if any(d is not None and np.abs(d).max(initial=0) > nondet_tol for per_input in directional for d in per_input):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    positions = [position for position, out in enumerate(func_out) if out.requires_grad]
    for j, (out, v) in enumerate(zip(outputs, all_v)):
        analytical = analytical_jacobians(inputs, out, nondet_tol, v.reshape(out._data.shape))
        for i, (vjp, u) in enumerate(zip(analytical, all_u)):
            a, n = _dot(vjp[:, 0], u), _dot(v, directional[i][positions[j]])
            if not _close(a, n, rtol, atol * float(u.sum()) * float(v.sum())):
                report = _slow_mode_report(func, inputs, func_out, positions[j], i, eps, atol, rtol)
                raise GradcheckError(_mismatch(a, n, j, i) + report)


def _slow_mode_report(func: Callable, inputs: tuple, func_out: tuple, position: int, i: int, eps: float,
                      atol: float, rtol: float) -> str:
    """PyTorch's second half of a fast-mode failure: the full Jacobians of the failing pair."""
    numerical = numerical_jacobians(func, inputs, func_out, eps)[i][position]
    analytical = analytical_jacobians(inputs, func_out[position], float("inf"))[i]
    largest = Tensor._wrap(np.abs(numerical - analytical).max())
    report = ("\nThe above quantities relating the numerical and analytical jacobians are computed \n"
              "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
              "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
              f"Numerical:\n {Tensor._wrap(numerical)}\nAnalytical:\n{Tensor._wrap(analytical)}\n\n"
              f"The max per-element difference (slow mode) is: {largest}.\n")
    if _close(analytical, numerical, rtol, atol):
        report += _FAST_FAILED_SLOW_PASSES
    return report


def _check_backward_multiplies_by_grad_output(outputs: tuple, inputs: tuple) -> None:
    """Zero output gradients must give zero input gradients."""
    zeros = [Tensor._wrap(np.zeros_like(out._data)) for out in outputs]
    for found in grad(outputs, _wrt(inputs), zeros, allow_unused=True):
        if found is not None and np.any(found._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")


class _UndefinedGrad(Function):
    """Passes its input through; its backward sends nothing on (PyTorch's undefined gradient)."""

    @staticmethod
    def forward(ctx: Node, value: Tensor) -> Tensor:
        return value

    @staticmethod
    def backward(ctx: Node, grad_output: Tensor) -> None:
        return None


def _check_undefined_output_grads(func: Callable, inputs: tuple) -> None:
    """Backward must cope with outputs that send no gradient: all of them, then each one in turn."""
    outputs = _differentiable(func(*inputs))
    cases = [[_UndefinedGrad.apply(out) for out in outputs]]
    if len(outputs) > 1:
        for undefined in range(len(outputs)):
            fresh = _differentiable(func(*inputs))
            cases.append([_UndefinedGrad.apply(out) if k == undefined else out for k, out in enumerate(fresh)])
    for case in cases:
        zeros = [Tensor._wrap(np.zeros_like(out._data)) for out in case]
        try:
            grads = grad(case, _wrt(inputs), zeros, allow_unused=True)
        except RuntimeError as error:
            warnings.warn(_UNDEFINED_GRAD_WARNING, stacklevel=2)
            raise GradcheckError('Expected backward function to handle undefined output grads. Please look at '
                                 '"Notes about undefined output gradients" in "tools/autograd/derivatives.yaml"') \
                from error
        if any(g is not None and np.any(g._data != 0) for g in grads):
            warnings.warn(_UNDEFINED_GRAD_WARNING, stacklevel=2)
            raise GradcheckError("Expected all input grads to be undefined or zero when all output grads are "
                                 'undefined or zero. Please look at "Notes about undefined output gradients" in '
                                 '"tools/autograd/derivatives.yaml"')


# -- Jacobians -----------------------------------------------------------------------------------


def numerical_jacobians(func: Callable, inputs: tuple, outputs: Sequence[Tensor],
                        eps: float) -> list[list[np.ndarray | None]]:
    """``[input][output]``: (input.numel(), output.numel()) central-difference Jacobians, in the output's dtype.

    One list per input requiring grad, one entry per output of ``func`` (``outputs``
    are its results at ``inputs``; None for an output that is not floating point).
    """
    jacobians = []
    for index, inp in enumerate(inputs):
        if not (isinstance(inp, Tensor) and inp.requires_grad):
            continue
        columns = [np.zeros((inp.numel(), out.numel()), dtype=out._data.dtype) if _is_floating(out) else None
                   for out in outputs]
        for row, position in enumerate(np.ndindex(inp._data.shape)):
            differences = _central_difference(func, inputs, index, position, eps, eps)
            for jacobian, difference in zip(columns, differences):
                if jacobian is not None:
                    jacobian[row] = difference
        jacobians.append(columns)
    return jacobians


def _central_difference(func: Callable, inputs: tuple, index: int, where: Any, step: Any,
                        eps: float) -> list[np.ndarray | None]:
    """``(f(x + step) - f(x - step)) / (2 eps)`` per output, flat; ``x[where]`` is nudged in place and put back."""
    data = inputs[index]._data
    original = np.array(data[where])
    try:
        data[where] = original - step
        below = _evaluate(func, inputs)
        data[where] = original + step
        above = _evaluate(func, inputs)
    finally:  # the student's tensor is never left nudged, even when their function raises
        data[where] = original
    differences: list[np.ndarray | None] = []
    for low, high in zip(below, above):
        if low.shape != high.shape or low.dtype != high.dtype:
            kind, first, second = (("shape", _shape(low), _shape(high)) if low.shape != high.shape
                                   else ("dtype", _dtype(low), _dtype(high)))
            on_index = "" if where is Ellipsis else f"on index {where} "
            raise AssertionError(f"Expected `func` to return outputs with the same {kind} when inputs are "
                                 f"perturbed {on_index}by {eps}, but got: {kind}s {first} and {second}.")
        floating = low.dtype.kind == "f"
        differences.append(((high - low) / low.dtype.type(2 * eps)).reshape(-1) if floating else None)
    return differences


def _evaluate(func: Callable, inputs: tuple) -> list[np.ndarray]:
    return [out._data.copy() for out in _as_tuple(func(*inputs))]


def analytical_jacobians(inputs: tuple, output: Tensor, nondet_tol: float,
                         vector: np.ndarray | None = None) -> list[np.ndarray]:
    """Per input requiring grad: its (input.numel(), output.numel()) Jacobian from ``autograd.grad``.

    Computed twice: a backward that gives other values the second time fails
    (PyTorch's reentrancy check). With ``vector``, the one column ``vector^T J``.
    """
    first = _vjp_columns(inputs, output, vector)
    second = _vjp_columns(inputs, output, vector)
    for a, b in zip(first, second):
        if a.size and np.abs(a - b).max() > nondet_tol:
            raise GradcheckError(
                "Backward is not reentrant, i.e., running backward with same input and grad_output multiple times "
                "gives different values, although analytical gradient matches numerical gradient."
                f"The tolerance for nondeterminism was {nondet_tol}." + _NONDETERMINISM_NOTE)
    return first


def _vjp_columns(inputs: tuple, output: Tensor, vector: np.ndarray | None) -> list[np.ndarray]:
    wrt = _wrt(inputs)
    if vector is not None:
        grad_outputs = [vector]
    else:
        grad_outputs = []
        for column in range(output.numel()):
            one_hot = np.zeros(output.numel(), dtype=output._data.dtype)
            one_hot[column] = 1
            grad_outputs.append(one_hot.reshape(output._data.shape))
    jacobians = [np.zeros((x.numel(), len(grad_outputs)), dtype=x._data.dtype) for x in wrt]
    for column, grad_output in enumerate(grad_outputs):
        grads = grad(output, wrt, Tensor._wrap(grad_output), retain_graph=True, allow_unused=True)
        for jacobian, found in zip(jacobians, grads):
            if found is not None:
                jacobian[:, column] = found._data.reshape(-1)
    return jacobians


# -- small helpers -------------------------------------------------------------------------------


def _as_tuple(value: Any) -> tuple:
    if isinstance(value, tuple):
        return value
    return tuple(value) if isinstance(value, list) else (value,)


def _differentiable(outputs: Any) -> tuple[Tensor, ...]:
    return tuple(out for out in _as_tuple(outputs) if out.requires_grad)


def _wrt(inputs: tuple) -> tuple[Tensor, ...]:
    return tuple(x for x in inputs if isinstance(x, Tensor) and x.requires_grad)


def _is_floating(value: Any) -> bool:
    return isinstance(value, Tensor) and value.is_floating_point()


def _unit_vector(like: Tensor, generator: Generator) -> np.ndarray:
    """PyTorch's random direction: ``rand(numel)`` in float32, cast to ``like``'s dtype, divided by its norm."""
    vector = rand(like.numel(), generator=generator)._data.astype(like._data.dtype)
    return vector / Tensor._wrap(vector).norm()._data


def _dot(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    dtype = np.result_type(first, second)
    return np.asarray((first.astype(dtype) * second.astype(dtype)).sum())


def _close(analytical: np.ndarray, numerical: np.ndarray, rtol: float, atol: float) -> bool:
    dtype = np.result_type(analytical, numerical)
    return allclose(Tensor._wrap(np.asarray(analytical, dtype=dtype)), Tensor._wrap(np.asarray(numerical, dtype=dtype)),
                    rtol, atol)


def _mismatch(analytical: np.ndarray, numerical: np.ndarray, output_index: int, input_index: int) -> str:
    return (f"Jacobian mismatch for output {output_index:d} with respect to input {input_index:d},\n"
            f"numerical:{Tensor._wrap(np.asarray(numerical))}\nanalytical:{Tensor._wrap(np.asarray(analytical))}\n")


def _shape(array: np.ndarray) -> str:
    return repr(Tensor._wrap(array).shape)


def _dtype(array: np.ndarray) -> str:
    return repr(_dtypes.from_numpy(array.dtype))
