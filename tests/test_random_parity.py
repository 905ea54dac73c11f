"""autograd_lab's random numbers against PyTorch's, bit for bit.

The fixture (tests/fixtures/random/random_cases.json) was recorded from PyTorch 2.13 on
the CPU by tests/fixtures/random/record_random.py; each case program is run here with
autograd_lab as ``torch`` and must produce the same bytes, grad_fn names, warnings,
errors, and the same generator state afterwards.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import autograd_lab
from autograd_lab import _avx_mathfun
from autograd_lab._fma import fma32
from support.random_capture import run_case

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "random" / "random_cases.json").read_text())
CASES = FIXTURE["cases"]


@pytest.mark.parametrize("name", list(CASES))
def test_case_matches_pytorch(name: str) -> None:
    case = CASES[name]
    outcome = run_case(case["source"], autograd_lab)
    assert outcome["error"] == case["error"]
    assert outcome.get("result") == case.get("result")
    assert outcome["warnings"] == case["warnings"]
    assert outcome["state"] == case["state"]


def test_normal_fill_float32_over_its_whole_input_domain() -> None:
    """Every uniform the float32 fill can draw (k * 2**-24) gives PyTorch's cosine and sine results."""
    digest = hashlib.sha256()
    for start in range(0, 2 ** 24, 2 ** 21):
        u = np.arange(start, start + 2 ** 21, dtype=np.uint32).astype(np.float32) * np.float32(2.0 ** -24)
        radius = np.sqrt(np.float32(-2) * _avx_mathfun.log_ps(np.float32(1) - u))
        sine, cosine = _avx_mathfun.sincos_ps(np.float32(2 * np.pi) * u)
        pairs = fma32(np.stack((radius * cosine, radius * sine), axis=1), np.float32(1), np.float32(0))
        digest.update(pairs.tobytes())
    assert "sha256:" + digest.hexdigest() == FIXTURE["normal_fill_float32_domain"]


@pytest.mark.parametrize("case", FIXTURE["orthogonal"], ids=lambda case: "x".join(map(str, case["shape"])))
def test_orthogonal_init_matches_pytorch_to_rounding(case: dict) -> None:
    """The normal draws are PyTorch's (same state after); the QR is NumPy's, so values agree to rounding."""
    autograd_lab.manual_seed(case["seed"])
    values = autograd_lab.nn.init.orthogonal_(autograd_lab.empty(*case["shape"]), gain=case["gain"])
    expected = np.frombuffer(bytes.fromhex(case["values"]), dtype="<f4").reshape(case["shape"])
    np.testing.assert_allclose(values.numpy(), expected, rtol=0, atol=2e-6)
    flat = values.numpy().reshape(case["shape"][0], -1) / case["gain"]
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(len(gram)), atol=1e-5)
    state = autograd_lab.get_rng_state().numpy().tobytes()
    assert "sha256:" + hashlib.sha256(state).hexdigest() == case["state"]
