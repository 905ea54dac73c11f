"""Run a random-number program against a torch-like module and capture what it produced, exactly.

Shared by the recorder (tests/fixtures/random/record_random.py, run with PyTorch) and
tests/test_random_parity.py (run with autograd_lab): both capture the same way, so a
fixture compares bit for bit. Tensors are captured as dtype, shape, their raw bytes
(or the bytes' SHA-256 when large), ``requires_grad`` and the ``grad_fn`` name; the
generator's whole state afterwards is captured as the SHA-256 of its 5056 bytes.
"""
from __future__ import annotations

import hashlib
import math
import warnings
from typing import Any

import numpy as np

INLINE_BYTES = 2048


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def capture(value: Any) -> Any:
    """A JSON-ready, exact description of ``value``."""
    if hasattr(value, "detach") and hasattr(value, "grad_fn"):
        data = np.ascontiguousarray(value.detach().numpy()).tobytes()
        return {"dtype": str(value.dtype), "shape": list(value.shape),
                "bytes": data.hex() if len(data) <= INLINE_BYTES else _digest(data),
                "requires_grad": bool(value.requires_grad),
                "grad_fn": None if value.grad_fn is None else type(value.grad_fn).__name__}
    if isinstance(value, (list, tuple)):
        return [capture(item) for item in value]
    if isinstance(value, dict):
        return {str(key): capture(item) for key, item in value.items()}
    if isinstance(value, float):
        return float.hex(value)
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if type(value).__name__ == "Generator":
        return "<Generator>"
    raise TypeError(f"cannot capture {type(value).__name__}")


def run_case(source: str, torch: Any) -> dict[str, Any]:
    """Execute ``source`` with ``torch`` bound to the given module; capture ``result``, warnings, any
    error, and the global generator's state afterwards."""
    namespace = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional, "math": math, "np": np}
    outcome: dict[str, Any] = {"error": None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(source, "<case>", "exec"), namespace)
            outcome["result"] = capture(namespace.get("result"))
        except Exception as error:  # noqa: BLE001 - an error is part of what a case records
            outcome["error"] = [type(error).__name__, str(error)]
    outcome["warnings"] = [str(w.message) for w in caught]
    outcome["state"] = _digest(np.ascontiguousarray(torch.get_rng_state().numpy()).tobytes())
    return outcome
