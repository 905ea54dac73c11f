"""Random-number speed, side by side: ``python benchmarks/random_bench.py [--torch-python PATH]``.

Each workload draws with autograd_lab (PyTorch's exact numbers, computed in NumPy), with
NumPy's own generator (the same amount of numbers, its own algorithm: the floor for
anything written in NumPy) and, when available, with PyTorch. Prints the best time of
several repeats and the ratios autograd_lab / NumPy and autograd_lab / PyTorch.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from run import best_time  # noqa: E402

Workload = Callable[[], object]


def torch_like(torch: ModuleType) -> dict[str, tuple[Workload, int]]:
    """The workloads, written once against the torch-like API."""
    torch.manual_seed(0)
    return {
        "randn(1000, 1000)": (lambda: torch.randn(1000, 1000), 5),
        "rand(1000, 1000)": (lambda: torch.rand(1000, 1000), 5),
        "randn(1000, 1000) float64": (lambda: torch.randn(1000, 1000, dtype=torch.float64), 2),
        "randn(3)": (lambda: torch.randn(3), 2000),
        "randint(0, 10, (10**6,))": (lambda: torch.randint(0, 10, (1_000_000,)), 5),
        "randperm(60000)": (lambda: torch.randperm(60_000), 5),
        "Linear(784, 128)": (lambda: torch.nn.Linear(784, 128), 20),
        "dropout(1000x1000, 0.5)": (lambda: torch.nn.functional.dropout(torch.ones(1000, 1000), 0.5), 3),
    }


def numpy_equivalents() -> dict[str, tuple[Workload, int]]:
    """The same amounts drawn by NumPy's default generator."""
    rng = np.random.default_rng(0)
    return {
        "randn(1000, 1000)": (lambda: rng.standard_normal((1000, 1000), dtype=np.float32), 5),
        "rand(1000, 1000)": (lambda: rng.random((1000, 1000), dtype=np.float32), 5),
        "randn(1000, 1000) float64": (lambda: rng.standard_normal((1000, 1000)), 2),
        "randn(3)": (lambda: rng.standard_normal(3, dtype=np.float32), 2000),
        "randint(0, 10, (10**6,))": (lambda: rng.integers(0, 10, 1_000_000), 5),
        "randperm(60000)": (lambda: rng.permutation(60_000), 5),
        "Linear(784, 128)": (lambda: (rng.uniform(-1, 1, (128, 784)).astype(np.float32),
                                      rng.uniform(-1, 1, 128).astype(np.float32)), 20),
        "dropout(1000x1000, 0.5)": (lambda: np.ones((1000, 1000), np.float32) * (rng.random((1000, 1000)) < 0.5), 3),
    }


def measure(workloads: dict[str, tuple[Workload, int]]) -> dict[str, float]:
    return {name: best_time(run, number) for name, (run, number) in workloads.items()}


def torch_results(torch_python: str | None) -> dict[str, float] | None:
    try:
        import torch
        return measure(torch_like(torch))
    except ImportError:
        pass
    if not torch_python:
        return None
    output = subprocess.run([torch_python, __file__, "--only-torch"], check=True, capture_output=True, text=True,
                            cwd=REPO).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", help="an interpreter with PyTorch installed, for the comparison")
    parser.add_argument("--only-torch", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only_torch:
        import torch
        print(json.dumps(measure(torch_like(torch))))
        return
    sys.path.insert(0, str(REPO))
    import autograd_lab

    ours, floor = measure(torch_like(autograd_lab)), measure(numpy_equivalents())
    theirs = torch_results(args.torch_python)
    print(f"{'workload':<28}{'autograd_lab':>14}{'NumPy':>12}{'/NumPy':>8}{'PyTorch':>12}{'/PyTorch':>9}")
    for name, seconds in ours.items():
        torch_text = f"{theirs[name] * 1e3:>9.3f} ms{seconds / theirs[name]:>9.1f}" if theirs else f"{'-':>12}{'-':>9}"
        print(f"{name:<28}{seconds * 1e3:>11.3f} ms{floor[name] * 1e3:>9.3f} ms{seconds / floor[name]:>8.1f}"
              f"{torch_text}")


if __name__ == "__main__":
    main()
