"""``torch.nn.functional``: activations, losses and layers as functions, with PyTorch's checks and messages.

Ops with their own backward node live in ``autograd_lab.ops`` (``losses``, ``activations``,
``normalization``, ``embedding``); what PyTorch builds from other ops (``l1_loss``,
``cross_entropy`` with label smoothing or probability targets, ``softsign``) is built here
from the same ops, so the recorded graph has PyTorch's nodes.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from .. import _dtypes, _random, ops
from .._creation import ones
from .._tensor import Tensor
from ..autograd.function import Function, Node
from ..ops import activations, embedding as _embedding, losses, normalization
from ..ops._operands import type_name
from ..ops.linalg import Addmm
from ..ops.matrices import norm_along, vector_norm

__all__ = ["batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "celu", "cosine_similarity",
           "cross_entropy", "dropout", "elu", "embedding", "gelu", "hardsigmoid", "hardswish", "hardtanh",
           "huber_loss", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid",
           "mish", "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance", "prelu", "relu",
           "relu6", "scaled_dot_product_attention", "selu", "sigmoid", "silu", "smooth_l1_loss", "softmax",
           "softmin", "softplus", "softsign", "tanh", "threshold"]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- reduction arguments ------------------------------------------------------------------------

def _legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
    """The ``reduction`` the deprecated ``size_average``/``reduce`` pair means, with PyTorch's warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=2)
    return reduction


def _reduction(reduction: str, size_average: bool | None = None, reduce: bool | None = None) -> str:
    """``reduction`` checked as PyTorch's ``_Reduction.get_enum`` checks it (legacy arguments first)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      UserWarning, stacklevel=2)
        return "mean"
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _elementwise_arguments(input: Tensor, target: Tensor, size_average: bool | None, reduce: bool | None,
                           reduction: str) -> tuple[Tensor, Tensor, str]:
    """What PyTorch's elementwise losses do first: warn about differing sizes (at the caller's line),
    read the legacy arguments, broadcast ``input`` and ``target``."""
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      "This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      "same size.", UserWarning, stacklevel=3)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    input, target = _broadcast(input, target)
    return input, target, reduction


def _broadcast(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """``torch.broadcast_tensors(input, target)``."""
    if input.shape == target.shape:
        return input, target
    try:
        shape = np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        ops._operands.check_broadcast(input._data, target._data)
        raise
    return input.expand(*shape), target.expand(*shape)


# -- layers --------------------------------------------------------------------------------------

def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, recorded as PyTorch records it (one addmm when there is a bias)."""
    if bias is None:
        return ops.matmul(input, weight.t())
    if input.ndim == 2:
        return Addmm.apply(bias, input, weight.t())
    if input.ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and "
                           f"{weight.ndim}D")
    folded = Addmm.apply(bias, input.reshape(-1, input.shape[-1]), weight.t())
    return folded.view(*input.shape[:-1], weight.shape[0])


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only).

    As PyTorch on the CPU: the mask is ``bernoulli_(1 - p)`` on a new tensor laid out like ``input``,
    divided by ``1 - p``, and multiplied in (``MulBackward0``); with ``p == 0``, outside
    training or for an empty tensor, ``input`` itself is returned.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        noise = Tensor._wrap(np.zeros((), dtype=input._data.dtype))
    else:
        keep = _random.bernoulli_like(input._data, 1 - p)
        if not input.is_floating_point():
            raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(input.dtype)}")
        noise = Tensor._wrap(keep / input._data.dtype.type(1 - p))
    return input.mul_(noise) if inplace else ops.mul(input, noise)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` at the indices in ``input`` (shape ``input.shape + (embedding_dim,)``)."""
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= weight.shape[0] or padding_idx < -weight.shape[0]:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx
    else:
        padding_idx = -1
    if input.dtype not in (_dtypes.int64, _dtypes.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.type()} instead (while checking arguments for embedding)")
    if max_norm is not None:
        _renormalize_rows(weight, input, max_norm, norm_type)
    return _embedding.Embedding.apply(weight, input, padding_idx, scale_grad_by_freq)


def _renormalize_rows(weight: Tensor, input: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale the looked-up rows whose norm exceeds ``max_norm`` down to it, in place (not recorded)."""
    rows = np.unique(input._data.reshape(-1))
    data = weight._data
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=1)
    too_long = norms > max_norm
    scale = (max_norm / (norms[too_long] + 1e-7)).astype(data.dtype)
    data[rows[too_long]] *= scale[:, None]
    weight._version_counter[0] += 1


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) by the batch's statistics (training) or the running ones (evaluation)."""
    if training:
        size = list(input.shape)
        if math.prod(size[:1] + size[2:]) == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{input.shape}")
        if eps <= 0.0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    channels = input.shape[1] if input.ndim > 1 else 0
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                         ("bias", bias)):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()}")
    return normalization.NativeBatchNorm.apply(input, weight, bias, running_mean, running_var, training,
                                               momentum, eps)


def layer_norm(input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dimensions of each sample."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    return normalization.NativeLayerNorm.apply(input, shape, weight, bias, eps)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape ``tensor.shape + (num_classes,)`` with a 1 at each class index."""
    if tensor.dtype is not _dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    indices = tensor._data
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        if indices.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        num_classes = int(indices.max()) + 1
    elif indices.size:
        if indices.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if indices.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes < 0:
        raise RuntimeError("Class values must be smaller than num_classes.")
    result = np.zeros(indices.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(result, indices[..., None], 1, axis=-1)
    return Tensor._wrap(result)


# -- activations -------------------------------------------------------------------------------

def _in_place(input: Tensor, compute: Any) -> Tensor:
    """``input`` overwritten by ``compute(input)``, recorded as PyTorch records an in-place op."""
    return input._inplace(compute)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return _in_place(input, ops.relu) if inplace else ops.relu(input)


class _LeakyReluInPlace(activations.LeakyRelu):
    backward_name = "LeakyReluBackward1"


class _EluInPlace(activations.Elu):
    backward_name = "EluBackward1"


class _Celu(activations.Elu):
    backward_name = "CeluBackward0"


class _CeluInPlace(activations.Elu):
    backward_name = "CeluBackward1"


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, else ``negative_slope * x``."""
    if inplace:
        return _in_place(input, lambda old: _LeakyReluInPlace.apply(old, negative_slope))
    return activations.LeakyRelu.apply(input, negative_slope)


def _elu(input: Tensor, alpha: float, scale: float, input_scale: float, inplace: bool,
         kinds: tuple[type[Function], type[Function]]) -> Tensor:
    out_of_place, in_place = kinds
    if inplace:
        return _in_place(input, lambda old: in_place.apply(old, alpha, scale, input_scale))
    return out_of_place.apply(input, alpha, scale, input_scale)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else ``alpha * (exp(x) - 1)``."""
    return _elu(input, alpha, 1.0, 1.0, inplace, (activations.Elu, _EluInPlace))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace, (activations.Elu, _EluInPlace))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, else ``alpha * (exp(x / alpha) - 1)``."""
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace, (_Celu, _CeluInPlace))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (``approximate='tanh'``: the tanh formula)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return activations.Gelu.apply(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    if inplace:
        return _in_place(input, activations.Silu.apply)
    return activations.Silu.apply(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    if inplace:
        return _in_place(input, activations.Mish.apply)
    return activations.Mish.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta (x itself where beta * x > threshold)."""
    return activations.Softplus.apply(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _in_place(input, lambda old: activations.Hardtanh.apply(old, min_val, max_val))
    return activations.Hardtanh.apply(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), computed without overflow."""
    return activations.LogSigmoid.apply(input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(input)


def _softmax_dim(name: str, input: Tensor, dim: int | None, stacklevel: int) -> int:
    """``dim``, or PyTorch's deprecated implicit choice (with its warning at the caller's line)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as "
                  "an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if input.ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: _dtypes.dtype | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (computed in ``dtype`` when given)."""
    dim = _softmax_dim("softmax", input, dim, _stacklevel)
    return ops.softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: _dtypes.dtype | None = None) -> Tensor:
    """log(softmax(x)) along ``dim``, without overflow."""
    dim = _softmax_dim("log_softmax", input, dim, _stacklevel)
    return ops.log_softmax(input if dtype is None else input.to(dtype), dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: _dtypes.dtype | None = None) -> Tensor:
    """softmax(-x) along ``dim``."""
    dim = _softmax_dim("softmin", input, dim, _stacklevel)
    return ops.softmax(-(input if dtype is None else input.to(dtype)), dim)


# -- losses --------------------------------------------------------------------------------------

def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean (or summed) squared difference between ``input`` and ``target``."""
    input, target, reduction = _elementwise_arguments(input, target, size_average, reduce, reduction)
    if weight is not None:
        return _weighted(ops.pow(input - target, 2), weight, input, reduction)
    return losses.MseLoss.apply(input, target, _reduction(reduction))


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean (or summed) absolute difference; PyTorch builds it from ``abs`` and ``mean``/``sum``."""
    input, target, reduction = _elementwise_arguments(input, target, size_average, reduce, reduction)
    if weight is not None:
        return _weighted(ops.abs(input - target), weight, input, reduction)
    return _reduced(ops.abs(input - target), _reduction(reduction))


def _reduced(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _weighted(loss: Tensor, weight: Tensor, input: Tensor, reduction: str) -> Tensor:
    """A loss times per-element weights; the mean divides by the weights' sum (``mse_loss(weight=)``)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Squared difference / (2 beta) below ``beta``, absolute difference - beta / 2 above."""
    input, target, reduction = _elementwise_arguments(input, target, size_average, reduce, reduction)
    reduction = _reduction(reduction)
    if beta == 0.0:
        return _reduced(ops.abs(input - target), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return losses.SmoothL1Loss.apply(input, target, reduction, beta)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Squared difference / 2 below ``delta``, ``delta * (|difference| - delta / 2)`` above."""
    input, target, reduction = _elementwise_arguments(input, target, None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is None:
        return losses.HuberLoss.apply(input, target, _reduction(reduction), delta)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = losses.HuberLoss.apply(input, target, "none", delta) * weight
    if reduction in ("none", "sum", "mean"):
        return _reduced(weighted, reduction)
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def _check_same_dtype(input: Tensor, target: Tensor) -> None:
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {type_name(target.dtype)} but expected {type_name(input.dtype)}")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-(target * log(input) + (1 - target) * log(1 - input)), logs clamped at -100; input in [0, 1]."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(*np.broadcast_shapes(target.shape, weight.shape))
    _check_same_dtype(input, target)
    if np.any(~((target._data >= 0) & (target._data <= 1))):
        if np.all((input._data >= 0) & (input._data <= 1)):
            raise RuntimeError("all elements of target should be between 0 and 1")
    return losses.BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average: bool | None = None, reduce: bool | None = None,
                                     reduction: str = "mean", pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of ``sigmoid(input)``, computed stably from the logits."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if not target.is_floating_point():
        raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(target.dtype)}")
    return losses.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
             ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: minus the log-probability of each target class (dim 1 holds the classes)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return _nll_loss_nd(input, target, weight, _reduction(reduction), ignore_index)


def _nll_loss_nd(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str, ignore_index: int) -> Tensor:
    """PyTorch's ``nll_loss_nd``: 1-D/2-D inputs directly, 4-D as images, others reshaped to 4-D."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and target.ndim and input.shape[0] != target.shape[0]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({target.shape[0]}).")
    _check_nll_arguments(input, target, weight)
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        return losses.NllLoss.apply(input, target, weight, reduction, ignore_index)
    if input.ndim == 4:
        _check_image_target(input, target)
        return losses.NllLoss2d.apply(input, target, weight, reduction, ignore_index)
    n, c = input.shape[:2]
    out_size = (n,) + tuple(input.shape[2:])
    if tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {list(out_size)}, got {list(target.shape)}")
    folded_input = input.reshape(n, c, 1, -1) if input.numel() else input.reshape(n, c, 0, 0)
    folded_target = target.reshape(n, 1, -1) if target.numel() else target.reshape(n, 0, 0)
    result = losses.NllLoss2d.apply(folded_input, folded_target, weight, reduction, ignore_index)
    return result.view(*out_size) if reduction == "none" else result


def _check_nll_arguments(input: Tensor, target: Tensor, weight: Tensor | None) -> None:
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes but got "
                           f"weight tensor of shape: {list(weight.shape)}")
    if target.dtype not in (_dtypes.int64, _dtypes.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target.dtype)}")
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(weight.dtype)}")


def _check_image_target(input: Tensor, target: Tensor) -> None:
    if target.ndim != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got targets of dimension: "
                           f"{target.ndim}")
    if (input.shape[0], input.shape[2], input.shape[3]) != tuple(target.shape):
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average: bool | None = None,
                  ignore_index: int = -100, reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of scores against class indices or class probabilities (dim 1 holds the classes)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if input.shape == target.shape:
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class probabilities, got "
                               f"{type_name(target.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_with_probabilities(input, target, weight, reduction, label_smoothing, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing, class_dim)
    return _nll_loss_nd(ops.log_softmax(input, class_dim), target, weight, reduction, ignore_index)


def _check_label_smoothing(label_smoothing: float) -> None:
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing:g}")


class _ScalarOp(Function):
    """``tensor <op> number`` as PyTorch's C++ composite losses write it (``MulBackward1``, ``DivBackward1``)."""

    @staticmethod
    def forward(ctx: Node, self: Tensor, other: float) -> Tensor:
        ctx.other = other
        return Tensor._wrap(ctx._function.compute(self._data, self._data.dtype.type(other)))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None]:
        return ctx._function.compute(grad, ctx.other), None


class _ScalarMul(_ScalarOp):
    backward_name = "MulBackward1"
    derivatives = {"self": "grad * other"}
    compute = staticmethod(lambda a, b: a * b)


class _ScalarDiv(_ScalarOp):
    backward_name = "DivBackward1"
    derivatives = {"self": "grad / other"}
    compute = staticmethod(lambda a, b: a / b)


def _class_weight(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    """``weight`` shaped to broadcast along the class dimension of an ``ndim``-dimensional input."""
    if ndim <= 1:
        return weight
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.view(*shape)


def _cross_entropy_with_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                                      label_smoothing: float, class_dim: int) -> Tensor:
    classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    log_probabilities = ops.log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    products = log_probabilities * target
    if weight is not None:
        products = products * _class_weight(weight, input.ndim, class_dim)
    if reduction == "mean":
        if input.numel() == 0:
            return -(products.sum() * float("nan"))
        return _ScalarDiv.apply(-products.sum(), input.numel() // classes)
    if reduction == "sum":
        return -products.sum()
    return -products.sum(class_dim)


def _cross_entropy_smoothed(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str, ignore_index: int,
                            label_smoothing: float, class_dim: int) -> Tensor:
    log_probabilities = ops.log_softmax(input, class_dim)
    nll = _nll_loss_nd(log_probabilities, target, weight, reduction, ignore_index)
    classes = log_probabilities.shape[class_dim]
    if weight is not None:
        smooth = -(log_probabilities * _class_weight(weight, input.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -log_probabilities.sum(class_dim)
    ignored = target == ignore_index
    smooth = ops.masked_fill(smooth, ignored, 0.0)
    if reduction == "mean":
        kept = ops.logical_not(ignored)
        if weight is not None:
            kept_weights = Tensor._wrap(weight._data[target._data[kept._data].reshape(-1)])
            smooth = smooth.sum() / kept_weights.sum()
        else:
            smooth = smooth.sum() / kept.sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return _ScalarMul.apply(nll, 1 - label_smoothing) + _ScalarMul.apply(smooth, label_smoothing / classes)


# -- more activations -------------------------------------------------------------------------------

def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    if inplace:
        return _in_place(input, activations.Hardswish.apply)
    return activations.Hardswish.apply(input)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    if inplace:
        return _in_place(input, activations.Hardsigmoid.apply)
    return activations.Hardsigmoid.apply(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else ``value``."""
    if inplace:
        return _in_place(input, lambda old: activations.Threshold.apply(old, threshold, value))
    return activations.Threshold.apply(input, threshold, value)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, else ``weight * x`` (one weight, or one per channel: dimension 1)."""
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {channels}.")
    return activations.Prelu.apply(input, weight)


# -- distances and normalisation --------------------------------------------------------------------

def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """``input`` divided by its ``p``-norm along ``dim`` (at least ``eps``)."""
    denominator = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denominator


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (broadcast first)."""
    x1, x2 = ops.broadcast_tensors(x1, x2)
    norm1 = vector_norm(x1, 2, dim=dim, keepdim=True).clamp_min(eps)
    norm2 = vector_norm(x2, 2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last dimension."""
    last = max(x1.ndim, x2.ndim) - 1
    return norm_along(x1 - x2 + eps, p, last, keepdim)


# -- padding ----------------------------------------------------------------------------------------

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad (or, with negative sizes, crop) the last ``len(pad) // 2`` dimensions: ``(left, right, top, bottom,
    ...)`` from the last dimension backwards. ``mode``: a constant, or the reflected, replicated or wrapped
    border."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    sides = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]  # last dimension first
    if mode == "constant":
        return _ConstantPad.apply(input, tuple(sides), 0.0 if value is None else value)
    result = input
    for offset, (before, after) in enumerate(sides):
        dim = input.ndim - 1 - offset
        result = result.index_select(dim, Tensor._wrap(_border_indices(mode, result.shape[dim], before, after,
                                                                       dim, input.shape)))
    return result


def _border_indices(mode: str, size: int, before: int, after: int, dim: int, shape: tuple[int, ...]) -> np.ndarray:
    """Which input positions each output position along one dimension copies."""
    if mode == "reflect" and (before >= size or after >= size):
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                           f"got: padding ({before}, {after}) at dimension {dim} of input "
                           f"[{', '.join(map(str, shape))}]")
    positions = np.arange(-before, size + after)
    if mode == "replicate":
        return np.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    period = 2 * (size - 1)
    folded = np.abs(positions) % period if period else np.zeros_like(positions)
    return np.where(folded < size, folded, period - folded)


class _ConstantPad(Function):
    backward_name = "ConstantPadNdBackward0"
    derivatives = {"self": "grad cropped back (padded where the pad was negative)"}

    @staticmethod
    def forward(ctx: Node, self: Tensor, sides: tuple[tuple[int, int], ...], value: float) -> Tensor:
        x = self._data
        ctx.sides, ctx.shape = sides, x.shape
        widths = [(0, 0)] * x.ndim
        for offset, (before, after) in enumerate(sides):
            widths[x.ndim - 1 - offset] = (before, after)
        grown = [(max(b, 0), max(a, 0)) for b, a in widths]
        padded = np.pad(x, grown, constant_values=np.array(value).astype(x.dtype))
        crop = tuple(slice(-min(b, 0), padded.shape[i] + min(a, 0)) for i, (b, a) in enumerate(widths))
        return Tensor._wrap(np.ascontiguousarray(padded[crop]))

    @staticmethod
    def backward(ctx: Node, grad: Tensor) -> tuple[Tensor, None, None]:
        undo = tuple((-before, -after) for before, after in ctx.sides)
        return _ConstantPad.apply(grad, undo, 0.0), None, None


# -- KL divergence and attention -------------------------------------------------------------------

_KL_MEAN_WARNING = ("reduction: 'mean' divides the total loss by both the batch size and the support size."
                    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None, reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) summed pointwise: ``input`` holds log-probabilities."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == "mean":
        warnings.warn(_KL_MEAN_WARNING, UserWarning, stacklevel=2)
    if log_target:
        pointwise = ops.exp(target) * (target - input)
    else:
        pointwise = ops.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return pointwise.sum() / input.shape[0] if input.ndim else pointwise.sum()
    return _reduced(pointwise, _reduction(reduction))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, the reference computation of attention."""
    length, source_length = query.shape[-2], key.shape[-2]
    scale_factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale_factor
    if is_causal:
        causal = ones(length, source_length, dtype=_dtypes.bool).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype is _dtypes.bool \
            else scores + attn_mask
    weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value
