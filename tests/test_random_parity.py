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
