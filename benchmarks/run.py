"""Core speed, side by side with PyTorch and MyGrad: ``python benchmarks/run.py``.

Every library runs in a worker process of its own (autograd_lab in this
interpreter, PyTorch and MyGrad in the one given with ``--torch-python`` unless
they import here), and the workers take turns: round after round, each workload
is timed once in every library, in alternating order, so a slow patch of the
machine hits all of them alike. The table shows each library's median time and,
per round, the ratio autograd_lab / other library: its median and, in brackets,
the spread (lowest and highest) over the rounds. Below 1.00 autograd_lab is faster.

Workloads:
  involved example     the seed tutorial's r1, r2, r3, y on two scalars, forward + backward
  mlp step             2-16-16-1 tanh network on a 100-row batch, plain tensors:
                       tanh(x @ W1), tanh(h @ W2), h @ W3, ((out - y) ** 2).mean(), backward(),
                       then every p.grad = None
  mlp step (nn, SGD)   the same network as nn.Sequential with MSELoss and optim.SGD
  1e6 chain            exp(sin(x * 2 + 1) * x) / (x + 1) on 1 000 000 floats, sum().backward();
                       autograd_lab twice: as it starts, and after keep_freed_memory()
  recording growth     cost per recorded op of y = y * 1.0001 in a chain of 300 000 nodes over a
                       chain of 1 000 (Python's cycle collector on, its settings untouched), and the
                       same for backward per node
  import               a fresh interpreter's ``import``, minus its bare start-up
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
OURS = "autograd_lab"
OURS_KEEPING = "autograd_lab+keep_freed_memory"
# workload -> (calls per timed batch, target ratio against PyTorch or None)
WORKLOADS: dict[str, tuple[int, float | None]] = {
    "involved example": (1000, 1.15),
    "mlp step": (200, 1.2),
    "mlp step (nn, SGD)": (200, None),
    "1e6 chain": (4, 1.5),
}
NOT_FOR = {"mygrad": {"mlp step (nn, SGD)"}, OURS_KEEPING: {"involved example", "mlp step", "mlp step (nn, SGD)"}}
GROWTH_SIZES = (1_000, 300_000)
GROWTH_TARGET = 1.3
IMPORT_TARGET = 0.3


# -- the workloads, written once against a small torch-like interface -------------------------------------

class TorchLike:
    """What the workloads need, for autograd_lab and PyTorch (the same API)."""

    def __init__(self, torch: Any) -> None:
        self.torch = torch
        self.log, self.sqrt, self.tanh, self.sin, self.exp = torch.log, torch.sqrt, torch.tanh, torch.sin, torch.exp

    def scalar(self, value: float) -> Any:
        return self.torch.tensor(value, requires_grad=True)

    def array(self, values: Any, requires_grad: bool = False) -> Any:
        return self.torch.tensor(values, requires_grad=requires_grad)

    def grad(self, tensor: Any) -> Any:
        return tensor.grad

    def clear_grads(self, parameters: list[Any]) -> None:
        for parameter in parameters:
            parameter.grad = None


class MyGradLike:
    """The same interface on MyGrad (whose tensors always track gradients and drop them on reuse)."""

    def __init__(self, mygrad: Any) -> None:
        self.mg = mygrad
        self.log, self.sqrt, self.tanh, self.sin, self.exp = mygrad.log, mygrad.sqrt, mygrad.tanh, mygrad.sin, mygrad.exp

    def scalar(self, value: float) -> Any:
        return self.mg.tensor(value, dtype="float32")

    def array(self, values: Any, requires_grad: bool = False) -> Any:
        return self.mg.tensor(values, constant=not requires_grad)

    def grad(self, tensor: Any) -> Any:
        return tensor.grad

    def clear_grads(self, parameters: list[Any]) -> None:
        pass  # MyGrad clears a tensor's gradient when the tensor is next used


def involved_example(api: Any) -> Callable[[], None]:
    def run() -> None:
        x, z = api.scalar(5.0), api.scalar(3.0)
        r1 = x * x + z + api.log(z)
        r2 = r1 + api.sqrt(x)
        r3 = 100 * r1 + api.log(r2)
        y = r1 + r2 + r3
        y.backward()
    return run


def mlp_step(api: Any) -> Callable[[], None]:
    import numpy as np

    rng = np.random.default_rng(0)
    x, y = (api.array(rng.standard_normal(shape, dtype=np.float32)) for shape in ((100, 2), (100, 1)))
    parameters = [api.array(rng.standard_normal(shape, dtype=np.float32) * 0.5, requires_grad=True)
                  for shape in ((2, 16), (16, 16), (16, 1))]
    w1, w2, w3 = parameters

    def run() -> None:
        h = api.tanh(x @ w1)
        h = api.tanh(h @ w2)
        out = h @ w3
        loss = ((out - y) ** 2).mean()
        loss.backward()
        api.clear_grads(parameters)
    return run


def mlp_step_nn(api: Any) -> Callable[[], None]:
    torch = api.torch
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


def chain(api: Any) -> Callable[[], None]:
    import numpy as np

    x = api.array(np.random.default_rng(0).random(1_000_000, dtype=np.float32), requires_grad=True)

    def run() -> None:
        y = api.exp(api.sin(x * 2 + 1) * x) / (x + 1)
        y.sum().backward()
    return run


MAKERS = {"involved example": involved_example, "mlp step": mlp_step, "mlp step (nn, SGD)": mlp_step_nn,
          "1e6 chain": chain}


def growth(api: Any) -> dict[str, float]:
    """Seconds per op to record, and per node to run backward, at each chain length."""
    import numpy as np

    result: dict[str, float] = {}
    for size in GROWTH_SIZES:
        repeats = max(1, GROWTH_SIZES[-1] // (size * 10))
        record = backward = 0.0
        for _ in range(repeats):
            x = api.array(np.ones(2, dtype=np.float32), requires_grad=True)
            start = time.perf_counter()
            y = x
            for _ in range(size):
                y = y * 1.0001
            middle = time.perf_counter()
            y.sum().backward()
            end = time.perf_counter()
            record, backward = record + middle - start, backward + end - middle
            del x, y
        result[f"record {size}"] = record / (repeats * size)
        result[f"backward {size}"] = backward / (repeats * size)
    return result


# -- a worker: one library, timing on request ----------------------------------------------------------

def load(library: str) -> Any:
    """The library under its torch-like interface."""
    if library == "mygrad":
        import mygrad

        return MyGradLike(mygrad)
    if library == "torch":
        import torch

        return TorchLike(torch)
    sys.path.insert(0, str(REPO))
    os.environ["AUTOGRAD_LAB_KEEP_FREED_MEMORY"] = "0"  # measured as a user's process starts: glibc as it is
    import autograd_lab

    if library == OURS_KEEPING:
        keep = getattr(autograd_lab, "keep_freed_memory", None)
        if keep is None:
            from autograd_lab import _memory

            os.environ["AUTOGRAD_LAB_KEEP_FREED_MEMORY"] = "1"
            keep = _memory.keep_freed_memory
        keep()
    return TorchLike(autograd_lab)


def worker(library: str) -> None:
    """Answer requests on stdin, one JSON line each: ``{"workload": name, "number": n}`` or ``{"growth": true}``."""
    api = load(library)
    runs: dict[str, Callable[[], None]] = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("growth"):
            answer: Any = growth(api)
        else:
            name = request["workload"]
            if name not in runs:
                runs[name] = MAKERS[name](api)
                runs[name]()  # warm-up
            run = runs[name]
            start = time.perf_counter()
            for _ in range(request["number"]):
                run()
            answer = (time.perf_counter() - start) / request["number"]
        print(json.dumps(answer), flush=True)


class Worker:
    """A running worker process."""

    def __init__(self, library: str, python: str) -> None:
        self.library = library
        self.process = subprocess.Popen([python, __file__, "--worker", library], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=REPO)

    def ask(self, request: dict[str, Any]) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.library} worker stopped")
        return json.loads(line)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


# -- the comparison --------------------------------------------------------------------------------------

def importable(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True, cwd=REPO).returncode == 0


def import_seconds(python: str, module: str, env: dict[str, str]) -> float:
    """Wall-clock seconds of a fresh interpreter importing ``module``, minus one that imports nothing."""
    def timed(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([python, "-c", code], check=True, cwd=REPO, env=env)
        return time.perf_counter() - start
    return timed(f"import {module}") - timed("pass")


def ratio_text(ours: list[float], theirs: list[float]) -> str:
    ratios = [a / b for a, b in zip(ours, theirs)]
    return f"{statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"


def seconds_text(values: list[float]) -> str:
    median = statistics.median(values)
    return f"{median * 1e3:.3f} ms" if median < 1 else f"{median:.2f} s"


def compare(libraries: dict[str, str], rounds: int, growth_rounds: int, workloads: list[str]) -> None:
    workers = {library: Worker(library, python) for library, python in libraries.items()}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in workloads}
    try:
        for number in range(rounds):
            order = list(workers) if number % 2 == 0 else list(reversed(workers))
            for name in workloads:
                for library in order:
                    if name not in NOT_FOR.get(library, ()):
                        seconds = workers[library].ask({"workload": name, "number": WORKLOADS[name][0]})
                        times[name].setdefault(library, []).append(seconds)
        growths: dict[str, list[dict[str, float]]] = {}
        for number in range(growth_rounds):
            order = list(workers) if number % 2 == 0 else list(reversed(workers))
            for library in order:
                if library != OURS_KEEPING:
                    growths.setdefault(library, []).append(workers[library].ask({"growth": True}))
    finally:
        for running in workers.values():
            running.close()
    imports: dict[str, list[float]] = {}
    quiet = {**os.environ, "AUTOGRAD_LAB_KEEP_FREED_MEMORY": "0"}
    for _ in range(rounds):
        for library, python in libraries.items():
            if library != OURS_KEEPING:
                imports.setdefault(library, []).append(import_seconds(python, library, quiet))
    report(libraries, times, growths, imports, rounds)


def report(libraries: dict[str, str], times: dict[str, dict[str, list[float]]],
           growths: dict[str, list[dict[str, float]]], imports: dict[str, list[float]], rounds: int) -> None:
    others = [library for library in ("torch", "mygrad") if library in libraries]
    print(f"median of {rounds} interleaved rounds; ratio = autograd_lab / other: median [lowest-highest]\n")
    header = f"{'workload':<22}{'autograd_lab':>14}" + "".join(f"{name:>14}{'ratio':>20}" for name in others)
    print(header + f"{'target':>12}")
    for name, by_library in times.items():
        ours = by_library[OURS]
        rows = [(name, ours)]
        if OURS_KEEPING in by_library:
            rows.append(("  + keep_freed_memory", by_library[OURS_KEEPING]))
        for label, values in rows:
            line = f"{label:<22}{seconds_text(values):>14}"
            for other in others:
                theirs = by_library.get(other)
                line += f"{seconds_text(theirs):>14}{ratio_text(values, theirs):>20}" if theirs else f"{'-':>14}{'':>20}"
            target = WORKLOADS[name][1]
            print(line + (f"{'<= ' + str(target):>12}" if target and label == name else ""))
    line = f"{'import':<22}{seconds_text(imports[OURS]):>14}"
    for other in others:
        line += f"{seconds_text(imports[other]):>14}{'':>20}"
    print(line + f"{'<= 0.3 s':>12}")
    print("\nrecording growth: cost per op at 300 000 nodes / at 1 000 (median [lowest-highest] over rounds)")
    for library, rounds_of in growths.items():
        parts = []
        for what in ("record", "backward"):
            small = [r[f"{what} {GROWTH_SIZES[0]}"] for r in rounds_of]
            large = [r[f"{what} {GROWTH_SIZES[1]}"] for r in rounds_of]
            parts.append(f"{what} {statistics.median(small) * 1e6:.2f} -> {statistics.median(large) * 1e6:.2f} us, "
                         f"growth {ratio_text(large, small)}")
        print(f"  {library:<14}" + "; ".join(parts))
    print(f"  target for autograd_lab: record growth <= {GROWTH_TARGET}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", help="an interpreter with PyTorch and MyGrad, for the comparison")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds per workload (default 9)")
    parser.add_argument("--growth-rounds", type=int, default=3, help="rounds of the growth run (default 3; 0 skips)")
    parser.add_argument("--workloads", nargs="*", choices=list(WORKLOADS), default=list(WORKLOADS))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    libraries = {OURS: sys.executable, OURS_KEEPING: sys.executable}
    for library in ("torch", "mygrad"):
        for python in (sys.executable, args.torch_python):
            if python and importable(python, library):
                libraries[library] = python
                break
        else:
            print(f"{library} not found: pass --torch-python /path/to/python-with-{library} for ratios.")
    compare(libraries, args.rounds, args.growth_rounds, args.workloads)


if __name__ == "__main__":
    main()
