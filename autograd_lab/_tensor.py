"""``Tensor``: a NumPy array plus what autograd needs to know about it."""
from __future__ import annotations

import copy
import sys
import warnings
import weakref
from typing import TYPE_CHECKING, Any, Callable, Iterator

import numpy as np

from . import _dtypes
from ._class_names import TorchNamed
from ._printing import format_tensor
from ._size import Size, normalize_dim
from .autograd.grad_mode import state as grad_mode

if TYPE_CHECKING:
    from .autograd.function import Node

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. "
    "(Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)"
)
REQUIRES_GRAD_TO_SCALAR_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first. (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)"
)
DEEPCOPY_NON_LEAF_MESSAGE = (
    "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment.  If you "
    "were attempting to deepcopy a module, this may be because of a torch.nn.utils.weight_norm usage, see "
    "https://github.com/pytorch/pytorch/pull/103001")
INFERENCE_REQUIRES_GRAD_MESSAGE = "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed."
INFERENCE_INPLACE_MESSAGE = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a "
                             "clone to get a normal tensor before doing inplace update.See "
                             "https://github.com/pytorch/rfcs/pull/17 for more details.")
LEAF_INPLACE_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."
LEAF_VIEW_INPLACE_MESSAGE = "a view of a leaf Variable that requires grad is being used in an in-place operation."
NON_LEAF_REQUIRES_GRAD_MESSAGE = (
    "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a "
    "subgraph that doesn't require differentiation use var_no_grad = var.detach()."
)


_warned: set[str] = set()


def warn_once(message: str, from_library: bool = False) -> None:
    """A UserWarning shown the first time only in a session, as PyTorch's warn-once messages are.

    It points at the student's line, or with ``from_library`` at the caller inside the
    library (where PyTorch's C++ warnings point: its own Python wrapper).
    """
    if message not in _warned:
        _warned.add(message)
        frame, depth = sys._getframe(1), 2
        while not from_library and frame is not None and frame.f_globals.get("__name__", "").startswith("autograd_lab"):
            frame, depth = frame.f_back, depth + 1
        warnings.warn(message, UserWarning, stacklevel=depth)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict[int, Callable]) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        """Stop calling the hook."""
        self._hooks.pop(self.id, None)


class Tensor(metaclass=TorchNamed):
    """A multi-dimensional array that can record the operations applied to it.

    ``requires_grad=True`` on a leaf tensor makes every operation that uses it
    record a node (``grad_fn``) in a graph; ``backward()`` walks that graph and
    fills the leaves' ``.grad``.

    This class holds the data and the autograd attributes. The operations
    (``x.exp()``, ``x + y``, ``x.add_(y)``) and ``backward()`` are added by the
    modules that define them, with ``@tensor_method`` (see below): they are built
    on top of Tensor, so Tensor cannot import them.
    """

    _torch_path = "torch.Tensor"
    _requires_grad = False
    _grad_fn: "Node | None" = None
    _output_nr = 0
    _grad: "Tensor | None" = None
    _retains_grad = False
    _hooks: dict[int, Callable] | None = None
    _accumulator_ref: "weakref.ref[Node] | None" = None
    _base: "Tensor | None" = None
    _views: "list[weakref.ref[Tensor]] | None" = None  # a base's views, given new history when it changes in place
    _wrapped_number = False
    _inference = False  # made inside inference_mode()
    __array_priority__ = 1000  # NumPy defers to the tensor's operators: np.float64(2) * t is a tensor

    def __init__(self, *args: Any) -> None:
        """Legacy constructor: ``Tensor(2, 3)`` (uninitialised, here zeros) or ``Tensor([1., 2.])``, default dtype."""
        if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            data = np.zeros(args, dtype=_dtypes.get_default_dtype().numpy)
        elif len(args) == 1:
            data = np.asarray(_to_array(args[0], None), dtype=_dtypes.get_default_dtype().numpy)
        elif not args:
            data = np.zeros((0,), dtype=_dtypes.get_default_dtype().numpy)
        else:
            raise TypeError(f"new(): invalid data type '{type(args[0]).__name__}'")
        _init(self, data, False)

    @staticmethod
    def _wrap(data: Any, requires_grad: bool = False) -> "Tensor":
        """A new tensor around ``data`` (no copy); the fast path ops use."""
        tensor = _new_tensor(Tensor)
        tensor._data = data if type(data) is np.ndarray else np.asarray(data)
        tensor._version_counter = [0]
        if requires_grad:
            tensor._requires_grad = True
        if grad_mode.inference:
            tensor._inference = True
        return tensor

    # -- basic attributes ---------------------------------------------------------------

    @property
    def _version(self) -> int:
        """How many times the values were changed in place (shared with views and ``detach()``)."""
        return self._version_counter[0]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        """The shape, or the size of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> _dtypes.dtype:
        return _dtypes.BY_NUMPY[self._data.dtype]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind == "f"

    def type(self, dtype: Any = None) -> Any:
        """The legacy type name (``'torch.FloatTensor'``), or a copy converted to ``dtype``."""
        if dtype is None:
            return f"torch.{self.dtype.legacy_name}"
        if isinstance(dtype, str):
            dtype = _dtypes.from_legacy_name(dtype)
        return self.to(dtype)

    # -- autograd attributes ------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._grad_fn is not None:
            raise RuntimeError(NON_LEAF_REQUIRES_GRAD_MESSAGE.split(" If")[0])
        if value and self._grad_fn is None and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Start (or stop) recording operations on this leaf tensor; returns self."""
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(NON_LEAF_REQUIRES_GRAD_MESSAGE)
            return self
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        if requires_grad and self._inference and not grad_mode.inference:
            raise RuntimeError(INFERENCE_REQUIRES_GRAD_MESSAGE)
        self._requires_grad = bool(requires_grad)
        return self

    def is_inference(self) -> bool:
        """True for a tensor made inside ``inference_mode()``."""
        return self._inference

    @property
    def grad_fn(self) -> "Node | None":
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        """Which output of ``grad_fn`` this tensor is (0 for most ops)."""
        return self._output_nr

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_dtypes.c_type_name(value.dtype)}' to a tensor "
                    f"with grad_dtype '{_dtypes.type_name(self.dtype)}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific "
                    "dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor "
                    "and its gradient may break downstream systems that assume they match.")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        if self._grad_fn._retained is None:
            self._grad_fn._retained = {}
        self._grad_fn._retained[self._output_nr] = weakref.ref(self)  # weak, as in PyTorch: no reference cycle

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            if self._grad_fn._output_hooks is None:
                self._grad_fn._output_hooks = {}
            hooks = self._grad_fn._output_hooks.setdefault(self._output_nr, {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    @property
    def _grad_accumulator(self) -> "Node | None":
        """This leaf's ``AccumulateGrad`` node while a graph uses it.

        Only the graph holds the node (the leaf keeps a weak reference, as in PyTorch),
        so a leaf is freed as soon as the last graph and the last name for it are gone.
        """
        ref = self._accumulator_ref
        return None if ref is None else ref()

    # -- data, copies and views without history -----------------------------------------

    @property
    def data(self) -> "Tensor":
        """The same memory as a tensor without history (changes to it are not tracked)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        if self._requires_grad and value._data.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating point or complex dtype")
        self._data = value._data

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickle the data (the whole array it views, so tensors sharing memory still share it when loaded
        together), the class and ``requires_grad``, and Python attributes; never ``grad`` or the graph."""
        data = self._data
        root = _root_array(data)
        offset = data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        attributes = {name: value for name, value in vars(self).items() if not name.startswith("_")}
        arguments = (type(self), root, offset, data.shape, data.strides, bool(self._requires_grad))
        return _rebuild_tensor, arguments, attributes or None

    def __deepcopy__(self, memo: dict[int, Any]) -> "Tensor":
        """A leaf with copied data (views copied together keep sharing it) and a copied ``grad``."""
        if self._grad_fn is not None:
            raise RuntimeError(DEEPCOPY_NON_LEAF_MESSAGE)
        rebuild, args, attributes = self.__reduce_ex__(4)
        copied = rebuild(*copy.deepcopy(args, memo))
        memo[id(self)] = copied
        if attributes:
            vars(copied).update(copy.deepcopy(attributes, memo))
        if self._grad is not None:
            copied.grad = copy.deepcopy(self._grad, memo)
        return copied

    def detach(self) -> "Tensor":
        """A tensor sharing this one's memory, cut from the graph (``requires_grad=False``)."""
        detached = Tensor._wrap(self._data)
        detached._version_counter = self._version_counter
        detached._inference = self._inference  # a view is an inference tensor when its base is one
        return detached

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place."""
        if self._base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) "
                "for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and "
                "hence detach_() cannot be called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def _alias_of_output(self, grad_fn: "Node", output_nr: int) -> "Tensor":
        """This tensor's data as output ``output_nr`` of ``grad_fn`` (how a node gives back its saved output)."""
        alias = Tensor._wrap(self._data, True)
        alias._grad_fn, alias._output_nr, alias._version_counter = grad_fn, output_nr, self._version_counter
        return alias

    def _alias(self) -> "Tensor":
        """A second tensor object for the same memory and history."""
        alias = Tensor._wrap(self._data, self._requires_grad)
        alias._grad_fn, alias._output_nr, alias._version_counter = self._grad_fn, self._output_nr, self._version_counter
        alias._inference = self._inference
        return alias

    # -- conversion to Python and NumPy ---------------------------------------------------

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        """The values as (nested) Python lists."""
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        """The data as a NumPy array sharing memory."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            amount = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
        return bool(self._data)

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if self._requires_grad:
            warn_once(REQUIRES_GRAD_TO_SCALAR_WARNING)
        return float(self.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    # -- printing ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        grad_fn = self._grad_fn
        return format_tensor(self._data, self._data.dtype.name, requires_grad=self._requires_grad,
                             grad_fn_name=grad_fn.name() if grad_fn is not None else None)

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(format_spec)
        if format_spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    # In-place updates (``_inplace``) are recorded by autograd_lab/ops/inplace.py.


_new_tensor = object.__new__


def tensor_method(*names: Any) -> Any:
    """Decorator that also makes a function a ``Tensor`` method (or property, operator).

    ``@tensor_method`` adds ``exp(input)`` as ``x.exp()``; ``@tensor_method("__mul__",
    "__rmul__", "mul")`` adds it under those names. The function itself is returned
    unchanged, so it stays a plain function of its module (``torch.exp``). This is
    the one way methods reach Tensor: every module that defines operations uses it.
    """
    def register(function: Any) -> Any:
        for name in names or (function.__name__,):
            setattr(Tensor, name, function)
        return function

    if len(names) == 1 and not isinstance(names[0], str):
        function, names = names[0], ()
        return register(function)
    return register


def _root_array(data: np.ndarray) -> np.ndarray:
    """The array owning the memory ``data`` views (a contiguous copy of ``data`` when that owner is not dense)."""
    root = data
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        return np.ascontiguousarray(data)
    return root


def _rebuild_tensor(kind: type, root: np.ndarray, offset: int, shape: tuple[int, ...], strides: tuple[int, ...],
                    requires_grad: bool) -> Tensor:
    """A pickled tensor (or Parameter) back from its data."""
    tensor = _new_tensor(kind)
    _init(tensor, np.ndarray(shape, dtype=root.dtype, buffer=root, offset=offset, strides=strides), requires_grad)
    return tensor


def _init(tensor: Tensor, data: np.ndarray, requires_grad: bool) -> None:
    tensor._data = data
    tensor._version_counter = [0]
    tensor._requires_grad = requires_grad




_FITS_ANY_FLOAT = 6e4  # a float of smaller magnitude converts to float16, float32 or float64 without overflow


def _to_array(data: Any, dtype: _dtypes.dtype | None) -> np.ndarray:
    """NumPy array for nested lists, numbers, arrays or tensors, with PyTorch's default dtypes."""
    if isinstance(data, Tensor):
        array = data._data
    elif isinstance(data, np.ndarray):
        array = data
    elif type(data) is float and dtype is None:
        default = _dtypes.get_default_dtype().numpy
        if -_FITS_ANY_FLOAT < data < _FITS_ANY_FLOAT:  # tested first only for speed: 0.8 us less per torch.tensor(x)
            array = np.array(data, dtype=default)
        else:
            with np.errstate(over="ignore"):  # a float too large for float32 becomes inf, as in PyTorch
                array = np.array(data, dtype=default)
    else:
        array = _from_python(data, dtype)
    if dtype is not None:
        with np.errstate(over="ignore", invalid="ignore"):  # out of range: inf, silently as in PyTorch
            array = array.astype(dtype.numpy, copy=False)
    _dtypes.from_numpy(array.dtype)
    return array


def _from_python(data: Any, dtype: _dtypes.dtype | None) -> np.ndarray:
    """Numbers or (nested) lists as an array: the default dtype (float32) and int64 unless ``dtype`` says otherwise."""
    _check_rectangular(data)
    array = np.array(_tensors_to_numbers(data))
    kind = array.dtype.kind
    if kind not in "fiub":
        culprit = _first_non_number(data)
        if isinstance(culprit, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(culprit).__name__}'")
        raise RuntimeError(f"Could not infer dtype of {type(culprit).__name__}")
    if dtype is None and kind == "f":
        with np.errstate(over="ignore"):  # a float too large for float32 becomes inf, as in PyTorch
            return array.astype(_dtypes.get_default_dtype().numpy)
    if dtype is None and kind in "iu":
        return array.astype(np.int64)
    return array


def _first_non_number(data: Any) -> Any:
    """The first element of (nested) ``data`` that is not a number (what PyTorch names in its TypeError)."""
    stack = [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, (list, tuple)):
            stack[:0] = list(item)
        elif not isinstance(item, (int, float, bool, np.number)):
            return item
    return data


def _tensors_to_numbers(data: Any) -> Any:
    if isinstance(data, Tensor):  # PyTorch reads a tensor inside a list as one number
        if data._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if data._requires_grad:
            warn_once(REQUIRES_GRAD_TO_SCALAR_WARNING)
        return data._data.reshape(()).item()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_numbers(item) for item in data]
    return data


def _check_rectangular(data: Any) -> None:
    """Raise PyTorch's errors for ragged nested lists (a number where a list belongs, or the reverse)."""
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    if isinstance(first, str) and first is not data:  # PyTorch reads a string as a sequence and descends forever
        raise ValueError("too many dimensions 'str'")
    level: list[Any] = [data]
    dim = 0
    while level and isinstance(level[0], (list, tuple)):
        expected = len(level[0])
        next_level: list[Any] = []
        for item in level:
            if not isinstance(item, (list, tuple)):
                raise TypeError("not a sequence")
            if len(item) != expected:
                raise ValueError(f"expected sequence of length {expected} at dim {dim} (got {len(item)})")
            next_level.extend(item)
        level = next_level
        dim += 1
    if any(isinstance(item, (list, tuple)) for item in level):
        if any(isinstance(item, float) for item in level):
            raise TypeError("must be real number, not list")
        raise TypeError("'list' object cannot be interpreted as an integer")


def tensor_from_data(data: Any, dtype: _dtypes.dtype | None = None, requires_grad: bool = False) -> Tensor:
    """``torch.tensor``: a new leaf tensor holding a copy of ``data``."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
            "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning, stacklevel=3)
    array = _to_array(data, dtype)
    if array is data or isinstance(data, Tensor) and array is data._data:
        array = array.copy()
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._wrap(array, requires_grad)

