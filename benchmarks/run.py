"""Core speed, side by side with PyTorch: run ``python benchmarks/run.py``.

Each workload is written once against the torch-like API and run on autograd_lab
and, when available, on PyTorch (imported here, or run in another interpreter
given with ``--torch-python``). Prints the best time of several repeats and the
ratio autograd_lab / PyTorch (below 1.0 means autograd_lab is faster).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"involved example": 1.0, "mlp training step": 1.2, "1e6 elementwise chain": 1.5, "import": None}


def involved_example(torch: ModuleType) -> Callable[[], None]:
    """The seed's r1, r2, r3, y example on scalars: forward and backward."""
    def run() -> None:
        x = torch.tensor(5.0, requires_grad=True)
        z = torch.tensor(3.0, requires_grad=True)
        r1 = x * x + z + torch.log(z)
        r2 = r1 + torch.sqrt(x)
        r3 = 100 * r1 + torch.log(r2)
        y = r1 + r2 + r3
        y.backward()
    return run


def mlp_training_step(torch: ModuleType) -> Callable[[], None]:
    """One SGD step of a 2-16-16-1 tanh network on a 100-row batch with MSE."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_function = torch.nn.MSELoss()
    inputs, targets = torch.randn(100, 2), torch.randn(100, 1)

    def run() -> None:
        optimizer.zero_grad()
        loss = loss_function(model(inputs), targets)
        loss.backward()
        optimizer.step()
    return run


def elementwise_chain(torch: ModuleType) -> Callable[[], None]:
    """A chain of elementwise ops on 1 000 000 elements, then sum().backward()."""
    torch.manual_seed(0)
    x = torch.rand(1_000_000, requires_grad=True)

    def run() -> None:
        y = ((x * 2 + 1).sin() * x).exp() / (x + 1)
        y.sum().backward()
    return run


WORKLOADS = {"involved example": (involved_example, 2000), "mlp training step": (mlp_training_step, 300),
             "1e6 elementwise chain": (elementwise_chain, 5)}


def best_time(run: Callable[[], None], number: int, repeats: int = 5) -> float:
    """Best mean seconds per call over ``repeats`` batches of ``number`` calls."""
    run()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            run()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def import_time(module: str, python: str) -> float:
    """Best of 5 wall-clock times of a fresh interpreter importing ``module`` (minus a bare start-up)."""
    def timed(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, cwd=REPO)
        return time.perf_counter() - start
    return min(timed(f"import {module}") for _ in range(5)) - min(timed("pass") for _ in range(5))


def measure(module_name: str, python: str) -> dict[str, float]:
    """Seconds per call of every workload, and the import time, for one library."""
    module = __import__(module_name)
    results = {name: best_time(make(module), number) for name, (make, number) in WORKLOADS.items()}
    results["import"] = import_time(module_name, python)
    return results


def torch_results(torch_python: str | None) -> dict[str, float] | None:
    """PyTorch's timings, measured in this interpreter or in ``torch_python``."""
    try:
        import torch  # noqa: F401
        return measure("torch", sys.executable)
    except ImportError:
        pass
    if not torch_python:
        return None
    output = subprocess.run([torch_python, __file__, "--only", "torch"], check=True, capture_output=True,
                            text=True, cwd=REPO).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", help="an interpreter with PyTorch installed, for the comparison")
    parser.add_argument("--only", choices=["torch", "autograd_lab"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if args.only:
        print(json.dumps(measure(args.only, sys.executable)))
        return
    ours = measure("autograd_lab", sys.executable)
    theirs = torch_results(args.torch_python)
    print(f"{'workload':<24}{'autograd_lab':>14}{'PyTorch':>12}{'ratio':>8}{'target':>8}")
    for name, seconds in ours.items():
        target = TARGETS[name]
        if theirs is None:
            print(f"{name:<24}{seconds * 1e3:>11.3f} ms{'-':>12}{'-':>8}")
            continue
        ratio = seconds / theirs[name]
        target_text = f"<={target}" if target else "<=0.3 s" if name == "import" else ""
        print(f"{name:<24}{seconds * 1e3:>11.3f} ms{theirs[name] * 1e3:>9.3f} ms{ratio:>8.2f}{target_text:>8}")
    if theirs is None:
        print("PyTorch not found: pass --torch-python /path/to/python-with-torch for ratios.")


if __name__ == "__main__":
    main()
