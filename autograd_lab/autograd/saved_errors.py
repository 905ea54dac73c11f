"""PyTorch's messages about saved tensors: freed by an earlier backward, or changed in place since saved."""
from __future__ import annotations

from typing import Any

from . import anomaly_mode

INFERENCE_TENSOR_SAVED_MESSAGE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
    "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use it "
    "in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`."
)

SECOND_BACKWARD_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)
INPLACE_HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
    "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
INPLACE_HINT_IN_ANOMALY_MODE = (
    "Hint: the backtrace further above shows the operation that failed to compute its gradient. "
    "The variable in question was changed in there or anywhere later. Good luck!"
)


def modified_message(tensor: Any, expected_version: int, node: Any) -> str:
    """PyTorch's message; a saved output is described as output of ``node`` (the op that saved it)."""
    description = f"[torch.{tensor.dtype.legacy_name} [{', '.join(map(str, tensor.shape))}]]"
    owner, output_nr = tensor.grad_fn, tensor._output_nr
    for name, saved in zip(node._saved_names, node._saved):
        if saved is tensor and name.startswith("result"):
            owner, output_nr = node, int(name[len("result"):] or 0)
    if owner is not None:
        op_name = owner.name().split("Backward")[0]
        description += f", which is output {output_nr} of {op_name},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"{description} is at version {tensor._version_counter[0]}; expected version {expected_version} instead. "
        + (INPLACE_HINT_IN_ANOMALY_MODE if anomaly_mode.state.enabled else INPLACE_HINT)
    )
