"""``format_tensor`` must reproduce PyTorch's ``repr`` exactly.

The expected strings were recorded from real PyTorch by
``tests/fixtures/record_printing.py``; this test never imports torch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lab._printing import (
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
)

FIXTURE = Path(__file__).parent / "fixtures" / "printing_cases.json"
CASES: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["cases"]
DEFAULTS = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}


@pytest.fixture(autouse=True)
def default_printoptions() -> Iterator[None]:
    """Start and end every test with PyTorch's default print options."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


def case_array(case: dict[str, Any]) -> np.ndarray:
    """Rebuild a case's values, bit for bit, as a NumPy array of its dtype."""
    dtype = np.dtype(case["dtype"])
    if dtype.kind == "f":
        flat = np.array([float.fromhex(v) for v in case["values"]], dtype=np.float64)
        flat = flat.astype(dtype)  # exact: the values came from this dtype
    else:
        flat = np.array(case["values"], dtype=dtype)
    return flat.reshape(case["shape"])


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_matches_torch_repr(case: dict[str, Any]) -> None:
    with printoptions(**(case["options"] or {})):
        text = format_tensor(
            case_array(case),
            case["dtype"],
            requires_grad=case["requires_grad"],
            grad_fn_name=case["grad_fn"],
        )
    assert text == case["repr"]


def test_fixture_is_broad() -> None:
    assert len(CASES) >= 150
    assert len({case["id"] for case in CASES}) == len(CASES)


def test_defaults() -> None:
    assert get_printoptions() == DEFAULTS


def test_precision_change_and_reset() -> None:
    values = np.array([1.123456, -2.5], dtype=np.float32)
    set_printoptions(precision=2)
    assert format_tensor(values, "float32") == "tensor([ 1.12, -2.50])"
    set_printoptions(profile="default")
    assert format_tensor(values, "float32") == "tensor([ 1.1235, -2.5000])"


def test_omitting_sci_mode_resets_it() -> None:
    values = np.array([0.5, 1.0], dtype=np.float32)
    set_printoptions(sci_mode=True)
    assert format_tensor(values, "float32") == "tensor([5.0000e-01, 1.0000e+00])"
    set_printoptions(precision=4)
    assert get_printoptions()["sci_mode"] is None
    assert format_tensor(values, "float32") == "tensor([0.5000, 1.0000])"


def test_threshold_and_profile_full() -> None:
    values = np.arange(10)
    set_printoptions(threshold=5)
    assert format_tensor(values, "int64") == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    set_printoptions(profile="full")
    assert format_tensor(values, "int64") == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
    assert get_printoptions()["threshold"] == float("inf")


def test_printoptions_context_restores() -> None:
    set_printoptions(linewidth=100)
    with printoptions(precision=1, edgeitems=1):
        assert get_printoptions()["precision"] == 1
        assert format_tensor(np.array(2.25, dtype=np.float32), "float32") == "tensor(2.2)"
    assert get_printoptions() == {**DEFAULTS, "linewidth": 100}


def test_unknown_profile_changes_nothing_else() -> None:
    set_printoptions(profile="no-such-profile")
    assert get_printoptions() == DEFAULTS


def test_unsupported_dtype_is_rejected() -> None:
    with pytest.raises(ValueError, match="complex64"):
        format_tensor(np.zeros(2, dtype=np.complex64), "complex64")


def test_library_classes_print_pytorchs_path_but_keep_their_module() -> None:
    """``type(x)`` in a notebook shows what PyTorch shows; pickles and tracebacks still name autograd_lab."""
    import autograd_lab as torch
    from autograd_lab import nn
    assert str(type(torch.ones(1))) == "<class 'torch.Tensor'>" and repr(torch.Tensor) == "<class 'torch.Tensor'>"
    assert str(nn.Parameter) == "<class 'torch.nn.parameter.Parameter'>"
    assert str(type(torch.no_grad())) == "<class 'torch.autograd.grad_mode.no_grad'>"
    assert str(torch.inference_mode) == "<class 'torch.autograd.grad_mode.inference_mode'>"
    assert (str(torch.Size), str(torch.dtype)) == ("<class 'torch.Size'>", "<class 'torch.dtype'>")
    assert torch.Tensor.__module__ == "autograd_lab._tensor"

    class Mine(torch.Tensor):
        pass

    assert str(Mine) == f"<class '{__name__}.{Mine.__qualname__}'>"
