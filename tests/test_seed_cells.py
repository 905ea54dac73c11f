"""Replay the seed notebooks against autograd_lab and compare with PyTorch.

The expected outputs were recorded from real PyTorch by
tests/fixtures/record_seed_outputs.py; the cells run byte for byte, their
`import torch` resolving to autograd_lab (`install_as_torch`). This test never
imports PyTorch.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from support.cell_runner import new_namespace, normalise, run_as_torch

SEEDS_DIR = Path(__file__).parent / "fixtures" / "seeds"
LIBRARY = "autograd_lab"
RNG_SEED = 0


def load_notebooks() -> list[dict[str, Any]]:
    """All seed fixtures, in seed order."""
    paths = sorted(SEEDS_DIR.glob("seed_*.json"))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


NOTEBOOKS = {notebook["seed_id"]: notebook for notebook in load_notebooks()}
CELLS = [(seed_id, i) for seed_id, nb in NOTEBOOKS.items() for i in range(len(nb["cells"]))]
CELL_IDS = [f"{seed_id}-cell_{i:02d}" for seed_id, i in CELLS]


@functools.cache
def replay(seed_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run a notebook's cells against autograd_lab; return outputs and namespace."""
    library = importlib.import_module(LIBRARY)
    library.manual_seed(RNG_SEED)
    sources = [cell["source"] for cell in NOTEBOOKS[seed_id]["cells"]]
    namespace = new_namespace()
    results = run_as_torch(sources, namespace)
    return [result.to_dict() for result in results], namespace


def _text_diff(name: str, expected: str | None, actual: str | None) -> str:
    """A unified diff of one output field, or "" if equal."""
    if expected == actual:
        return ""
    lines = difflib.unified_diff(
        repr(expected).splitlines() if expected is None else expected.splitlines(),
        repr(actual).splitlines() if actual is None else actual.splitlines(),
        f"{name} (torch)",
        f"{name} (autograd_lab)",
        lineterm="",
    )
    return "\n".join(lines) + "\n"


def describe_mismatch(source: str, expected: dict[str, Any], actual: dict[str, Any]) -> str:
    """A readable report of every field where autograd_lab differs from torch."""
    parts = [_text_diff(key, expected[key], actual[key]) for key in ("stdout", "display")]
    parts.append(
        _text_diff(
            "stderr_warnings",
            "\n".join(expected["stderr_warnings"]),
            "\n".join(actual["stderr_warnings"]),
        )
    )
    if expected["error"] != actual["error"]:
        parts.append(f"error (torch):        {expected['error']}\nerror (autograd_lab): {actual['error']}\n")
    body = "".join(parts)
    return f"cell source:\n{source}\n\n{body}"


@pytest.mark.parametrize(("seed_id", "index"), CELLS, ids=CELL_IDS)
def test_cell_matches_torch(seed_id: str, index: int) -> None:
    """autograd_lab prints, displays, warns and raises what torch did."""
    cell = NOTEBOOKS[seed_id]["cells"][index]
    results, _ = replay(seed_id)
    version = cell.get("version", False)  # random numbers are compared exactly: the generator is PyTorch's
    expected = normalise(cell["torch"], version=version)
    actual = normalise(results[index], version=version)
    if expected != actual:
        pytest.fail(describe_mismatch(cell["source"], expected, actual), pytrace=False)


@pytest.mark.parametrize("seed_id", list(NOTEBOOKS))
def test_notebook_runs_on_autograd_lab(seed_id: str) -> None:
    """The replay really used autograd_lab, not some other `torch`."""
    _, namespace = replay(seed_id)
    assert namespace.get("torch") is sys.modules[LIBRARY]
