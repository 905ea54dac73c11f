"""Every misuse raises PyTorch's exception type and exact message (recorded from PyTorch 2.13)."""
from __future__ import annotations

import re
import warnings
from typing import Any, Callable

import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from support.tensors import SECOND_BACKWARD, backward_twice, leaf

GRAD_DTYPE = (
    "attempting to assign a gradient with dtype '{}' to a tensor with grad_dtype 'Float'. The gradient must match "
    "the tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a "
    "specific dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and "
    "its gradient may break downstream systems that assume they match."
)
INPLACE_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def modify_saved_input() -> None:
    y = leaf() * 2
    z = (y * y).sum()
    y.add_(1)
    z.backward()


def modify_saved_output(op: str) -> Callable[[], None]:
    def run() -> None:
        z = getattr(leaf() * 2, op)()
        z.mul_(2)
        z.sum().backward()
    return run


def modify_saved_leaf() -> None:
    w = leaf()
    z = (w * w).sum()
    with torch.no_grad():
        w.add_(1)
    z.backward()


def unused_input() -> Any:
    x = leaf()
    return torch.autograd.grad((x * 2).sum(), [x, torch.ones(2, requires_grad=True)])


CASES: dict[str, tuple[Callable[[], Any], type[Exception], str]] = {
    # backward() misuse
    "backward without grad": (lambda: torch.tensor([1.0]).sum().backward(), RuntimeError,
                              "element 0 of tensors does not require grad and does not have a grad_fn"),
    "backward on constant scalar": (lambda: torch.tensor(1.0).backward(), RuntimeError,
                                    "element 0 of tensors does not require grad and does not have a grad_fn"),
    "implicit gradient, non-scalar": (lambda: (leaf() * 2).backward(), RuntimeError,
                                      "grad can be implicitly created only for scalar outputs"),
    "autograd.grad non-scalar": (lambda: torch.autograd.grad(leaf() * 2, leaf()), RuntimeError,
                                 "grad can be implicitly created only for scalar outputs"),
    "gradient of wrong shape": (lambda: (leaf() * 2).backward(torch.ones(2)), RuntimeError,
                                "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has "
                                "a shape of torch.Size([3])."),
    "gradient of wrong rank": (lambda: (leaf() * 2).backward(torch.ones(3, 1)), RuntimeError,
                               "Mismatch in shape: grad_output[0] has a shape of torch.Size([3, 1]) and output[0] "
                               "has a shape of torch.Size([3])."),
    "second backward (mul)": (lambda: backward_twice(lambda x: x * x), RuntimeError, SECOND_BACKWARD),
    "second backward (x * 2)": (lambda: backward_twice(lambda x: x * 2), RuntimeError, SECOND_BACKWARD),
    "second backward (x / 2)": (lambda: backward_twice(lambda x: x / 2), RuntimeError, SECOND_BACKWARD),
    "second backward (exp)": (lambda: backward_twice(torch.exp), RuntimeError, SECOND_BACKWARD),
    "second backward (pow)": (lambda: backward_twice(lambda x: x ** 2), RuntimeError, SECOND_BACKWARD),
    "second backward (relu)": (lambda: backward_twice(torch.relu), RuntimeError, SECOND_BACKWARD),
    "unused input in autograd.grad": (unused_input, RuntimeError,
                                      "The differentiated Tensor at index 1 appears to not have been used in the "
                                      "graph. Set allow_unused=True if this is the desired behavior."),
    "autograd.grad input without grad": (lambda: torch.autograd.grad((leaf() * 2).sum(), torch.ones(2)),
                                         RuntimeError, "One of the differentiated Tensors does not require grad"),
    # requires_grad
    "integer tensor, constructor": (lambda: torch.tensor([1, 2], requires_grad=True), RuntimeError,
                                    "Only Tensors of floating point and complex dtype can require gradients"),
    "integer zeros, constructor": (lambda: torch.zeros(2, dtype=torch.int64, requires_grad=True), RuntimeError,
                                   "Only Tensors of floating point and complex dtype can require gradients"),
    "integer tensor, requires_grad_()": (lambda: torch.tensor([1, 2]).requires_grad_(), RuntimeError,
                                         "only Tensors of floating point dtype can require gradients"),
    "integer tensor, attribute": (lambda: setattr(torch.tensor([1, 2]), "requires_grad", True), RuntimeError,
                                  "only Tensors of floating point and complex dtype can require gradients"),
    "requires_grad_(False) on non-leaf": (lambda: (leaf() * 2).requires_grad_(False), RuntimeError,
                                          "you can only change requires_grad flags of leaf variables. If you want to "
                                          "use a computed variable in a subgraph that doesn't require differentiation "
                                          "use var_no_grad = var.detach()."),
    "requires_grad = False on non-leaf": (lambda: setattr(leaf() * 2, "requires_grad", False), RuntimeError,
                                          "you can only change requires_grad flags of leaf variables. If you want to "
                                          "use a computed variable in a subgraph that doesn't require differentiation "
                                          "use var_no_grad = var.detach()."),
    "retain_grad without grad": (lambda: torch.ones(2).retain_grad(), RuntimeError,
                                 "can't retain_grad on Tensor that has requires_grad=False"),
    "register_hook without grad": (lambda: torch.ones(2).register_hook(lambda g: g), RuntimeError,
                                   "cannot register a hook on a tensor that doesn't require gradient"),
    # construction
    "ragged list": (lambda: torch.tensor([[1, 2], [3]]), ValueError,
                    "expected sequence of length 2 at dim 1 (got 1)"),
    "number where a list belongs": (lambda: torch.tensor([[1, 2], 3]), TypeError, "not a sequence"),
    "list where an int belongs": (lambda: torch.tensor([1, [2, 3]]), TypeError,
                                  "'list' object cannot be interpreted as an integer"),
    "list where a float belongs": (lambda: torch.tensor([1.0, [2.0, 3.0]]), TypeError,
                                   "must be real number, not list"),
    # shapes
    "add mismatch": (lambda: torch.ones(2, 3) + torch.ones(4), RuntimeError,
                     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    "add mismatch transposed": (lambda: torch.ones(2, 3) + torch.ones(3, 2), RuntimeError,
                                "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                                "dimension 1"),
    "mul mismatch": (lambda: torch.ones(5) * torch.ones(4), RuntimeError,
                     "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0"),
    "mm mismatch": (lambda: torch.ones(2, 3).mm(torch.ones(2, 3)), RuntimeError,
                    "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    "mm of a vector": (lambda: torch.ones(3).mm(torch.ones(3, 2)), RuntimeError, "self must be a matrix"),
    "mm by a vector": (lambda: torch.ones(2, 3).mm(torch.ones(3)), RuntimeError, "mat2 must be a matrix"),
    "matmul 1d@1d": (lambda: torch.ones(3) @ torch.ones(4), RuntimeError,
                     "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, "
                     "but got 3 and 4 elements respectively"),
    "matmul 2d@1d": (lambda: torch.ones(2, 3) @ torch.ones(4), RuntimeError,
                     "size mismatch, got input (2), mat (2x3), vec (4)"),
    "matmul 1d@2d": (lambda: torch.ones(3) @ torch.ones(4, 2), RuntimeError,
                     "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)"),
    "matmul 2d@2d": (lambda: torch.ones(2, 3) @ torch.ones(4, 2), RuntimeError,
                     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"),
    "matmul 3d@1d": (lambda: torch.ones(2, 3, 4) @ torch.ones(5), RuntimeError,
                     "size mismatch, got input (6), mat (6x4), vec (5)"),
    "matmul 3d@2d": (lambda: torch.ones(2, 3, 4) @ torch.ones(5, 6), RuntimeError,
                     "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)"),
    "matmul 3d@3d": (lambda: torch.ones(2, 3, 4) @ torch.ones(2, 5, 6), RuntimeError,
                     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 5]."),
    "matmul batch mismatch": (lambda: torch.ones(2, 3, 4) @ torch.ones(3, 4, 6), RuntimeError,
                              "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
                              "dimension 0"),
    "matmul of a 0-d tensor": (lambda: torch.tensor(1.0) @ torch.ones(3), RuntimeError,
                               "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    "cat mismatch": (lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)]), RuntimeError,
                     "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor "
                     "number 1 in the list."),
    "cat ranks": (lambda: torch.cat([torch.ones(2, 3), torch.ones(3)]), RuntimeError,
                  "Tensors must have same number of dimensions: got 2 and 1"),
    "cat 0-d": (lambda: torch.cat([torch.tensor(1.0), torch.tensor(2.0)]), RuntimeError,
                "zero-dimensional tensor (at position 0) cannot be concatenated"),
    "cat nothing": (lambda: torch.cat([]), ValueError, "torch.cat(): expected a non-empty list of Tensors"),
    "stack mismatch": (lambda: torch.stack([torch.ones(2, 3), torch.ones(3, 2)]), RuntimeError,
                       "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at entry 1"),
    "stack nothing": (lambda: torch.stack([]), RuntimeError, "stack expects a non-empty TensorList"),
    "view wrong size": (lambda: torch.ones(2, 3).view(4), RuntimeError, "shape '[4]' is invalid for input of size 6"),
    "view -1 impossible": (lambda: torch.ones(2, 3).view(-1, 4), RuntimeError,
                           "shape '[-1, 4]' is invalid for input of size 6"),
    "view two -1": (lambda: torch.ones(2, 3).view(-1, -1), RuntimeError, "only one dimension can be inferred"),
    "view of a transpose": (lambda: torch.ones(2, 3).t().view(6), RuntimeError,
                            "view size is not compatible with input tensor's size and stride (at least one dimension "
                            "spans across two contiguous subspaces). Use .reshape(...) instead."),
    "reshape wrong size": (lambda: torch.ones(2, 3).reshape(5), RuntimeError,
                           "shape '[5]' is invalid for input of size 6"),
    "expand": (lambda: torch.ones(2).expand(3), RuntimeError,
               "The expanded size of the tensor (3) must match the existing size (2) at non-singleton dimension 0.  "
               "Target sizes: [3].  Tensor sizes: [2]"),
    "t of 3-d": (lambda: torch.ones(2, 2, 2).t(), RuntimeError,
                 "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    "permute too few dims": (lambda: torch.ones(2, 3).permute(0), RuntimeError,
                             "permute(sparse_coo): number of dimensions in the tensor input does not match the "
                             "length of the desired ordering of dimensions i.e. input.dim() = 2 is not equal to "
                             "len(dims) = 1"),
    # conversions
    "item of many": (lambda: torch.ones(3).item(), RuntimeError,
                     "a Tensor with 3 elements cannot be converted to Scalar"),
    "item of none": (lambda: torch.ones(0).item(), RuntimeError,
                     "a Tensor with 0 elements cannot be converted to Scalar"),
    "numpy with grad": (lambda: leaf().numpy(), RuntimeError,
                        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."),
    "bool of many": (lambda: bool(torch.ones(3)), RuntimeError,
                     "Boolean value of Tensor with more than one value is ambiguous"),
    "if on a comparison": (lambda: 1 if torch.ones(2) > 0 else 0, RuntimeError,
                           "Boolean value of Tensor with more than one value is ambiguous"),
    "bool of empty": (lambda: bool(torch.ones(0)), RuntimeError, "Boolean value of Tensor with no values is ambiguous"),
    "format spec, vector": (lambda: f"{torch.ones(2):.2f}", TypeError,
                            "unsupported format string passed to Tensor.__format__"),
    "format spec, one-element vector": (lambda: f"{torch.tensor([2.5]):.2f}", TypeError,
                                        "unsupported format string passed to Tensor.__format__"),
    "len of 0-d": (lambda: len(torch.tensor(1.0)), TypeError, "len() of a 0-d tensor"),
    "iter of 0-d": (lambda: iter(torch.tensor(1.0)), TypeError, "iteration over a 0-d tensor"),
    # .grad assignment
    "grad of wrong shape": (lambda: setattr(leaf(1.0, 2.0), "grad", torch.ones(3)), RuntimeError,
                            "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. Please ensure "
                            "that the gradient and the tensor are the same size"),
    "grad of wrong type": (lambda: setattr(leaf(1.0, 2.0), "grad", [1.0, 2.0]), TypeError,
                           "assigned grad expected to be a Tensor or None but got grad of type list"),
    "grad of wrong dtype": (lambda: setattr(leaf(1.0, 2.0), "grad", torch.ones(2, dtype=torch.float64)),
                            RuntimeError, GRAD_DTYPE.format("double")),
    "grad of integer dtype": (lambda: setattr(leaf(1.0, 2.0), "grad", torch.ones(2, dtype=torch.int64)),
                              RuntimeError, GRAD_DTYPE.format("long int")),
    # dimensions and indices
    "sum dim": (lambda: torch.ones(2, 3).sum(2), IndexError,
                "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "sum negative dim": (lambda: torch.ones(2, 3).sum(-3), IndexError,
                         "Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    "softmax dim": (lambda: torch.ones(2, 3).softmax(5), IndexError,
                    "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    "0-d dim": (lambda: torch.tensor(1.0).sum(1), IndexError,
                "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    "unsqueeze dim": (lambda: torch.ones(2, 3).unsqueeze(3), IndexError,
                      "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    "transpose dim": (lambda: torch.ones(2, 3).transpose(0, 2), IndexError,
                      "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "size dim": (lambda: torch.ones(2, 3).size(2), IndexError,
                 "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "max dim": (lambda: torch.ones(2, 3).max(dim=2), IndexError,
                "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "cat dim": (lambda: torch.cat([torch.ones(2)], dim=1), IndexError,
                "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    "index out of bounds": (lambda: torch.ones(3)[5], IndexError,
                            "index 5 is out of bounds for dimension 0 with size 3"),
    "too many indices": (lambda: torch.ones(3)[0, 1], IndexError, "too many indices for tensor of dimension 1"),
    # in-place
    "in-place on a leaf": (lambda: leaf().add_(1), RuntimeError,
                           "a leaf Variable that requires grad is being used in an in-place operation."),
    "+= on a leaf": (lambda: leaf().__iadd__(1), RuntimeError,
                     "a leaf Variable that requires grad is being used in an in-place operation."),
    "x[:] = on a leaf": (lambda: leaf().__setitem__(slice(None), 0.0), RuntimeError,
                         "a leaf Variable that requires grad is being used in an in-place operation."),
    "x[mask] = on a leaf": (lambda: leaf().__setitem__(torch.tensor([True, False, True]), 0.0), RuntimeError,
                            "a leaf Variable that requires grad is being used in an in-place operation."),
    "x[0] = on a leaf": (lambda: leaf().__setitem__(0, 1.0), RuntimeError,
                         "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    "x[0].mul_ on a leaf": (lambda: leaf()[0].mul_(2), RuntimeError,
                            "a view of a leaf Variable that requires grad is being used in an in-place operation."),
    "saved input modified": (modify_saved_input, RuntimeError,
                             "one of the variables needed for gradient computation has been modified by an inplace "
                             "operation: [torch.FloatTensor [3]], which is output 0 of Add, is at version 1; "
                             "expected version 0 instead. " + INPLACE_HINT),
    "saved output modified (exp)": (modify_saved_output("exp"), RuntimeError,
                                    "one of the variables needed for gradient computation has been modified by an "
                                    "inplace operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at "
                                    "version 1; expected version 0 instead. " + INPLACE_HINT),
    "saved output modified (sigmoid)": (modify_saved_output("sigmoid"), RuntimeError,
                                        "one of the variables needed for gradient computation has been modified by "
                                        "an inplace operation: [torch.FloatTensor [3]], which is output 0 of Sigmoid, "
                                        "is at version 1; expected version 0 instead. " + INPLACE_HINT),
    "saved leaf modified under no_grad": (modify_saved_leaf, RuntimeError,
                                          "one of the variables needed for gradient computation has been modified by "
                                          "an inplace operation: [torch.FloatTensor [3]] is at version 1; expected "
                                          "version 0 instead. " + INPLACE_HINT),
    "in-place float into int": (lambda: torch.tensor([1, 2]).add_(0.5), RuntimeError,
                                "result type Float can't be cast to the desired output type Long"),
    "detach_ of a view": (lambda: leaf()[:2].detach_(), RuntimeError,
                          "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                          "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                          "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                          "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."),
    # op arguments
    "integer to a negative power": (lambda: torch.tensor([2]) ** -1, RuntimeError,
                                    "Integers to negative integer powers are not allowed."),
    "mean of integers": (lambda: torch.tensor([1, 2]).mean(), RuntimeError,
                         "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                         "complex dtype. Got: Long"),
    "where with float condition": (lambda: torch.where(torch.ones(2), torch.ones(2), torch.ones(2)), RuntimeError,
                                   "where expected condition to be a boolean tensor, but got a tensor with dtype "
                                   "Float"),
    "masked_fill with float mask": (lambda: torch.ones(3).masked_fill(torch.ones(3), 0.0), RuntimeError,
                                    "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    "clamp without bounds": (lambda: torch.ones(2).clamp(), RuntimeError,
                             "torch.clamp: At least one of 'min' or 'max' must not be None"),
    "cross_entropy float target": (lambda: F.cross_entropy(torch.ones(2, 3), torch.ones(2)), RuntimeError,
                                   "expected target dtype to be Long or Byte, but got Float"),
    "cross_entropy class out of range": (lambda: F.cross_entropy(torch.ones(2, 3), torch.tensor([0, 3])),
                                         IndexError, "Target 3 is out of bounds."),
    "linear of 0-d": (lambda: F.linear(torch.tensor(1.0), torch.ones(2, 1), torch.ones(2)), RuntimeError,
                      "both arguments to linear need to be at least 1D, but they are 0D and 2D"),
    "linear mismatch": (lambda: F.linear(torch.ones(3, 4), torch.ones(2, 3), torch.ones(2)), RuntimeError,
                        "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x2)"),
    "linear 3-d mismatch": (lambda: F.linear(torch.ones(5, 3, 4), torch.ones(2, 3), torch.ones(2)), RuntimeError,
                            "mat1 and mat2 shapes cannot be multiplied (15x4 and 3x2)"),
    # indexing: PyTorch counts the "dimension" of an int by its position in the key
    "index out of range in the second dimension": (lambda: torch.zeros(2, 3)[0, 3], IndexError,
                                                   "index 3 is out of bounds for dimension 1 with size 3"),
    "negative index out of range": (lambda: torch.zeros(2, 3)[0, -4], IndexError,
                                    "index -4 is out of bounds for dimension 1 with size 3"),
    "index out of range after an ellipsis": (lambda: torch.zeros(2, 3, 4)[..., 5], IndexError,
                                             "index 5 is out of bounds for dimension 1 with size 4"),
    "index out of range after None": (lambda: torch.zeros(2, 3)[None, 0, 7], IndexError,
                                      "index 7 is out of bounds for dimension 2 with size 3"),
    "integer array index out of range": (lambda: torch.arange(5.0)[[1, 7]], IndexError,
                                         "index 7 is out of bounds for dimension 0 with size 5"),
    "float index": (lambda: torch.arange(5.0)[1.0], IndexError,
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                    "indices (got float)"),
    "float tensor as index": (lambda: torch.arange(5.0)[torch.tensor([1.0, 2.0])], IndexError,
                              "tensors used as indices must be long, int, byte or bool tensors"),
    "index into a 0-d tensor": (lambda: torch.tensor(5.0)[0], IndexError,
                                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                                "in C++ to convert a 0-dim tensor to a number"),
    "mask of the wrong length": (lambda: torch.arange(5.0)[torch.tensor([True, False])], IndexError,
                                 "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor "
                                 "[5] at index 0"),
    "too many indices for zeros": (lambda: torch.zeros(2)[0, 0], IndexError,
                                   "too many indices for tensor of dimension 1"),
    "Size plus a list": (lambda: torch.zeros(2).shape + [1], TypeError,
                         "can only concatenate tuple (not list) to torch.Size"),
    "reversed slice": (lambda: torch.arange(5)[::-1], ValueError, "step must be greater than zero"),
    "slice step 0": (lambda: torch.arange(5)[::0], ValueError, "slice step cannot be zero"),
    # arguments PyTorch refuses rather than converts
    "number minus a mask": (lambda: 1 - torch.tensor([True, False]), RuntimeError,
                            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                            "invert a mask, use the `~` or `logical_not()` operator instead."),
    "mask minus a mask": (lambda: torch.tensor([True]) - torch.tensor([False]), RuntimeError,
                          "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                          "`logical_xor()` operator instead."),
    "negated mask": (lambda: -torch.tensor([True, False]), RuntimeError,
                     "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                     "mask, use the `~` or `logical_not()` operator instead."),
    "int matrix @ float matrix": (lambda: torch.tensor([[1, 2], [3, 4]]) @ torch.ones(2, 1), RuntimeError,
                                  "expected m1 and m2 to have the same dtype, but got: long int != float"),
    "double mm float": (lambda: torch.mm(torch.ones(2, 2, dtype=torch.float64), torch.ones(2, 2)), RuntimeError,
                        "expected m1 and m2 to have the same dtype, but got: double != float"),
    "dot of int and float": (lambda: torch.dot(torch.tensor([1, 2]), torch.tensor([1.0, 2.0])), RuntimeError,
                             "dot : expected both vectors to have same dtype, but found Long and Float"),
    "float matrix @ int vector": (lambda: torch.ones(2, 2) @ torch.ones(2, dtype=torch.int64), RuntimeError,
                                  "addmv input tensors must have the same dtype, but got Long, Float, and Long"),
    "int batch @ float batch": (lambda: torch.ones(3, 2, 2, dtype=torch.int64) @ torch.ones(3, 2, 2), RuntimeError,
                                "expected scalar type Long but found Float"),
    "norm of integers": (lambda: torch.tensor([3, 4]).norm(), RuntimeError,
                         "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    "softmax of integers": (lambda: torch.softmax(torch.tensor([1, 2]), dim=0), NotImplementedError,
                            "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"),
    "log_softmax of integers along dim 0": (lambda: torch.log_softmax(torch.ones(2, 2, dtype=torch.int64), dim=0),
                                            NotImplementedError,
                                            "\"log_softmax_kernel_impl\" not implemented for 'Long'"),
    "exp of a float": (lambda: torch.exp(2.0), TypeError,
                       "exp(): argument 'input' (position 1) must be Tensor, not float"),
    "sqrt of an int": (lambda: torch.sqrt(4), TypeError,
                       "sqrt(): argument 'input' (position 1) must be Tensor, not int"),
    "sum of a list": (lambda: torch.sum([1, 2]), TypeError,
                      "sum(): argument 'input' (position 1) must be Tensor, not list"),
    "permute with a repeated dim": (lambda: torch.ones(2, 3).permute(0, 0), RuntimeError,
                                    "permute(): duplicate dims are not allowed."),
    "in-place add that would broadcast": (lambda: torch.ones(3).add_(torch.ones(2, 3)), RuntimeError,
                                          "output with shape [3] doesn't match the broadcast shape [2, 3]"),
    "setitem with too many values": (lambda: torch.ones(3).__setitem__(slice(1, 3), torch.tensor([5.0, 6.0, 7.0])),
                                     RuntimeError,
                                     "The expanded size of the tensor (2) must match the existing size (3) at "
                                     "non-singleton dimension 0.  Target sizes: [2].  Tensor sizes: [3]"),
    "where with a condition of another shape": (lambda: torch.where(torch.tensor([True, False, True]), torch.ones(2),
                                                                    torch.ones(2)), RuntimeError,
                                                "The size of tensor a (3) must match the size of tensor b (2) at "
                                                "non-singleton dimension 0"),
    "cross_entropy with a column of targets": (lambda: F.cross_entropy(torch.ones(2, 2), torch.tensor([[0], [1]])),
                                               RuntimeError, "0D or 1D target tensor expected, multi-target not "
                                               "supported"),
    "argmax of nothing": (lambda: torch.tensor([]).argmax(), IndexError,
                          "argmax(): Expected reduction dim to be specified for input.numel() == 0."),
    "argmax along a missing dim": (lambda: torch.ones(2, 3).argmax(dim=2), IndexError,
                                   "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "not of floats": (lambda: ~torch.tensor([1.0]), TypeError,
                      "~ (operator.invert) is only implemented on integer and Boolean-type tensors"),
    "and of floats": (lambda: torch.tensor([1.0]) & torch.tensor([1.0]), NotImplementedError,
                      "\"bitwise_and_cpu\" not implemented for 'Float'"),
    "tensor from a list of vectors": (lambda: torch.tensor([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])]),
                                      ValueError, "only one element tensors can be converted to Python scalars"),
}


def in_place_add(value: Any) -> None:
    t = torch.tensor([1.0, 2.0])
    t += value


# An operand a Tensor operator does not take: Python's own TypeError, as PyTorch's operators return NotImplemented
# (recorded from PyTorch 2.13; typically a helper that forgot to return its result).
T2 = torch.tensor([1.0, 2.0])
OPERATOR_CASES: dict[str, tuple[Callable[[], Any], str]] = {
    "None * t": (lambda: None * T2, "unsupported operand type(s) for *: 'NoneType' and 'Tensor'"),
    "t * None": (lambda: T2 * None, "unsupported operand type(s) for *: 'Tensor' and 'NoneType'"),
    "None + t": (lambda: None + T2, "unsupported operand type(s) for +: 'NoneType' and 'Tensor'"),
    "t - str": (lambda: T2 - "a", "unsupported operand type(s) for -: 'Tensor' and 'str'"),
    "t + tuple": (lambda: T2 + (1, 2), "unsupported operand type(s) for +: 'Tensor' and 'tuple'"),
    "t * list": (lambda: T2 * [1, 2], "only integer tensors of a single element can be converted to an index"),
    "list * t": (lambda: [1, 2] * T2, "only integer tensors of a single element can be converted to an index"),
    "t ** None": (lambda: T2 ** None, "unsupported operand type(s) for ** or pow(): 'Tensor' and 'NoneType'"),
    "None ** t": (lambda: None ** T2, "unsupported operand type(s) for ** or pow(): 'NoneType' and 'Tensor'"),
    "None / t": (lambda: None / T2, "unsupported operand type(s) for /: 'NoneType' and 'Tensor'"),
    "t @ None": (lambda: T2 @ None, "unsupported operand type(s) for @: 'Tensor' and 'NoneType'"),
    "t < None": (lambda: T2 < None, "'<' not supported between instances of 'Tensor' and 'NoneType'"),
    "t % None": (lambda: T2 % None, "unsupported operand type(s) for %: 'Tensor' and 'NoneType'"),
    "t // None": (lambda: T2 // None, "unsupported operand type(s) for //: 'Tensor' and 'NoneType'"),
    "t & None": (lambda: T2 & None, "unsupported operand type(s) for &: 'Tensor' and 'NoneType'"),
    "t * object": (lambda: T2 * object(), "unsupported operand type(s) for *: 'Tensor' and 'object'"),
    "t += None": (lambda: in_place_add(None), "unsupported operand type(s) for +=: 'Tensor' and 'NoneType'"),
}


@pytest.mark.parametrize("name", OPERATOR_CASES)
def test_an_operand_operators_do_not_take_gets_pythons_type_error(name: str) -> None:
    action, message = OPERATOR_CASES[name]
    with pytest.raises(TypeError, match=f"^{re.escape(message)}$"):
        action()


@pytest.mark.parametrize("name", CASES)
def test_error_message(name: str) -> None:
    action, error_type, message = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error_type, match=f"^{re.escape(message)}$"):
            action()


def test_mse_loss_shape_warning() -> None:
    message = ("Using a target size (torch.Size([1])) that is different to the input size (torch.Size([3])). This "
               "will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.")
    with pytest.warns(UserWarning, match=f"^{re.escape(message)}$"):
        loss = F.mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0]))
    assert loss.item() == pytest.approx(5 / 3)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the "
                                                                       r"size of tensor b \(2\) at non-singleton "
                                                                       r"dimension 0$"):
        F.mse_loss(torch.ones(3), torch.ones(2))


def test_format_of_scalars_and_plain_format() -> None:
    assert f"{torch.tensor(2.5):.2f}" == "2.50"
    assert f"{torch.ones(2)}" == "tensor([1., 1.])"


def test_non_leaf_grad_access_warns() -> None:
    y = leaf() * 2
    with pytest.warns(UserWarning, match=r"^The \.grad attribute of a Tensor that is not a leaf Tensor is being"):
        assert y.grad is None


@pytest.mark.parametrize(("data", "kind", "message"), [
    (["a", "b"], ValueError, "too many dimensions 'str'"),
    ([["a"]], ValueError, "too many dimensions 'str'"),
    (["a", 1], ValueError, "too many dimensions 'str'"),
    ([1, "a"], TypeError, "new(): invalid data type 'str'"),
    ("a", TypeError, "new(): invalid data type 'str'"),
    ([b"a"], TypeError, "new(): invalid data type 'bytes'"),
    ({"a": 1}, RuntimeError, "Could not infer dtype of dict"),
    ({1, 2}, RuntimeError, "Could not infer dtype of set"),
    ([1, None], RuntimeError, "Could not infer dtype of NoneType"),
    ([[1], [object()]], RuntimeError, "Could not infer dtype of object"),
])
def test_tensor_from_non_numbers_raises_pytorchs_error(data, kind, message) -> None:
    """A list of strings is read as ever deeper sequences in PyTorch; other objects cannot give a dtype."""
    with pytest.raises(kind) as error:
        torch.tensor(data)
    assert str(error.value) == message
