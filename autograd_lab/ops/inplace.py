"""In-place operations: ``x.sin_()``, ``torch.exp_(x)``, ``x += y``, and how autograd records them.

Every in-place op is its out-of-place op applied to the old values, written back
into the tensor's memory (``Tensor._inplace``). While recording, PyTorch's rules
hold: a leaf that requires grad (or a view of one) cannot be changed; the version
counter goes up, so backward notices when something it saved was overwritten;
the op's node becomes the tensor's ``grad_fn``; and when the tensor is a view, its
base gets a ``CopySlices`` node and every view of the base is read again from it
(``views.py``).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _dtypes
from .._tensor import INFERENCE_INPLACE_MESSAGE, LEAF_INPLACE_MESSAGE, LEAF_VIEW_INPLACE_MESSAGE, Tensor, tensor_method
from ..autograd.function import Edge, Node
from ..autograd.grad_mode import state as grad_mode
from . import arithmetic, elementary, rounding, selection, unary
from ._operands import type_name
from .views import copy_slices, reread_views, writes_overlap

__all__ = ["abs_", "acos_", "asin_", "atan_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
           "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_", "nan_to_num_",
           "neg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_",
           "tanh_", "trunc_"]

NO_GRAD_VIEW_MESSAGE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that this use "
    "case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the "
    "inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if "
    "you want the inplace to be tracked).")
OVERLAP_MESSAGE = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
                   "location. Please clone() the tensor before performing the operation.")


@tensor_method("_inplace")
def apply_inplace(self: Tensor, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Replace ``self``'s values by ``compute(old values)``, recording it as PyTorch records in-place ops.

    ``compute`` is the out-of-place op; it receives a tensor standing for the old
    values (with ``self``'s history), so its node links where ``self`` did.
    """
    if self._inference and not grad_mode.inference:
        raise RuntimeError(INFERENCE_INPLACE_MESSAGE)
    recording = grad_mode.enabled
    if recording:
        _check_allowed(self)
    if writes_overlap(self._data):
        raise RuntimeError(OVERLAP_MESSAGE)
    previous = self
    if recording:
        previous = self._alias()
        previous._version_counter = [0]
    result = compute(previous)
    _check_fits(self, result)
    node = result._grad_fn if recording else None
    if node is not None:
        previous._data = previous._data.copy()  # what the node saved must keep the old values
    np.copyto(self._data, result._data, casting="unsafe")
    self._version_counter[0] += 1
    if node is None:
        return self
    _rebind_saved_result(node, result, self)
    base = self._base
    if base is None:
        _adopt(self, node, result._output_nr)
        reread_views(self)
        return self
    previous_edge: Edge = (previous._grad_fn, previous._output_nr) if previous._grad_fn is not None else (None, 0)
    _adopt(base, copy_slices(base, self, previous_edge, result), 0)
    reread_views(base, self)
    return self


def _check_allowed(tensor: Tensor) -> None:
    """PyTorch's checks before an in-place op is recorded (leaves, views of leaves, views made in no_grad,
    the pieces of split and unbind)."""
    base = tensor._base
    node = tensor._grad_fn
    if node is not None and getattr(node._function, "returns_several_views", False):
        raise RuntimeError(f"Output {tensor._output_nr} of {node.name().split('Backward')[0]} is a view and is being "
                           "modified inplace. This view is the output of a function that returns multiple views. Such "
                           "functions do not allow the output views to be modified inplace. You should replace the "
                           "inplace operation by an out-of-place one.")
    if base is not None and base._requires_grad and not tensor._requires_grad:
        raise RuntimeError(NO_GRAD_VIEW_MESSAGE)
    if tensor._requires_grad:
        if tensor._grad_fn is None:
            raise RuntimeError(LEAF_INPLACE_MESSAGE)
        if base is not None and base._grad_fn is None:
            raise RuntimeError(LEAF_VIEW_INPLACE_MESSAGE)


def _check_fits(tensor: Tensor, result: Tensor) -> None:
    """The new values must have the tensor's shape, in a dtype that casts to the tensor's."""
    if result._data.shape != tensor._data.shape:
        raise RuntimeError(f"output with shape {list(tensor._data.shape)} doesn't match the broadcast shape "
                           f"{list(result._data.shape)}")
    if result.dtype is not tensor.dtype and _dtypes.promote_types(result.dtype, tensor.dtype) is not tensor.dtype:
        raise RuntimeError(f"result type {type_name(result.dtype)} can't be cast to the desired output type "
                           f"{type_name(tensor.dtype)}")


def _adopt(tensor: Tensor, node: Node, output_nr: int) -> None:
    """Make ``node`` the tensor's ``grad_fn``; ``retain_grad()`` carries over to the new value, as in PyTorch."""
    retained = tensor._retains_grad
    if retained:
        tensor._grad_fn._retained.pop(tensor._output_nr, None)
        tensor._retains_grad = False
    tensor._grad_fn, tensor._output_nr, tensor._requires_grad = node, output_nr, True
    if retained:
        tensor.retain_grad()


def _rebind_saved_result(node: Node, result: Tensor, tensor: Tensor) -> None:
    """An op that saved its result (``exp_`` saves it) saved ``tensor`` itself, at its new version.

    So overwriting ``tensor`` again before backward is caught, as in PyTorch.
    """
    if not node._saved:
        return
    versions = list(node._saved_versions)
    for index, saved in enumerate(node._saved):
        if saved is not None and saved._data is result._data:
            saved._data, saved._version_counter = tensor._data, tensor._version_counter
            versions[index] = tensor._version_counter[0]
    node._saved_versions = tuple(versions)


# -- the trailing-underscore ops: each is its out-of-place op written back in place ------------------

def _inplace_version(name: str, function: Callable[..., Tensor]) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not isinstance(self, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(self).__name__}")
        return self._inplace(lambda old: function(old, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{function.__name__}`` computed in place (returns the tensor itself)."
    return method


_OUT_OF_PLACE: dict[str, Callable[..., Tensor]] = {
    "abs_": unary.abs, "clamp_": unary.clamp, "clamp_max_": unary.clamp_max, "clamp_min_": unary.clamp_min,
    "clip_": unary.clamp, "cos_": unary.cos, "exp_": unary.exp, "log_": unary.log, "reciprocal_": unary.reciprocal,
    "relu_": unary.relu, "sigmoid_": unary.sigmoid, "sign_": unary.sign, "sin_": unary.sin, "sqrt_": unary.sqrt,
    "tanh_": unary.tanh,
    "acos_": elementary.acos, "asin_": elementary.asin, "atan_": elementary.atan, "cosh_": elementary.cosh,
    "exp2_": elementary.exp2, "expm1_": elementary.expm1, "log10_": elementary.log10, "log1p_": elementary.log1p,
    "log2_": elementary.log2, "nan_to_num_": elementary.nan_to_num, "rsqrt_": elementary.rsqrt,
    "sinh_": elementary.sinh, "tan_": elementary.tan,
    "ceil_": rounding.ceil, "fix_": rounding.trunc, "floor_": rounding.floor, "frac_": rounding.frac,
    "round_": rounding.round, "trunc_": rounding.trunc,
    "neg_": arithmetic.neg, "square_": arithmetic.square,
    "masked_fill_": selection.masked_fill,
}

for _name, _function in _OUT_OF_PLACE.items():
    globals()[_name] = tensor_method(_name)(_inplace_version(_name, _function))
