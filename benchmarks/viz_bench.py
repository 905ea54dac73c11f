"""Timings and sizes of the graph views: what viz.draw costs, and how wide the picture is at 100 %.

Run: python benchmarks/viz_bench.py [--unbounded]   (needs the graphviz package and Graphviz's dot);
--unbounded also times plain dot on the 2 000-node graphs (stopped after 60 s).

Targets: the seed's "more involved example" and a 2-16-16-1 tanh network's loss under 0.2 s
each (graph model, direction chosen by laying out both ways, SVG); viz.draw of a 500-node graph
under 0.5 s (a loop is folded into one block); a 2 000-node graph in seconds (bounded layout),
where unbounded dot can take minutes. Pictures of teaching-size graphs fit 960 px.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import autograd_lab as torch  # noqa: E402
from autograd_lab import viz  # noqa: E402
from autograd_lab.viz import dot  # noqa: E402
from support.examples import involved_example, recurrent, tanh_loop  # noqa: E402


def mlp_loss() -> torch.Tensor:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
                                torch.nn.Linear(16, 1))
    inputs, targets = torch.randn(32, 2), torch.randn(32, 1)
    return torch.nn.MSELoss()(model(inputs), targets)


def chain(terms: int) -> torch.Tensor:
    """A sum of products of a few leaves: many short paths, few long ones."""
    leaves = [torch.tensor(float(i + 1), requires_grad=True) for i in range(8)]
    total = leaves[0]
    for i in range(terms):
        total = total + leaves[i % 8] * torch.sin(leaves[(3 * i + 1) % 8])
    return total


def timed(label: str, make: Callable[[], torch.Tensor], target: float | None, fold: bool = True,
          **options: object) -> None:
    """Model, folding, layout (both directions when "auto") and SVG, as ``viz.draw(...).svg()`` does them."""
    output = make()
    start = time.perf_counter()
    graph = viz.build_graph(output, find_names=False)
    built = time.perf_counter() - start
    drawn = viz.fold_loops(graph).graph if fold else graph
    svg = dot.to_digraph(drawn, **options).svg()  # type: ignore[arg-type]
    total = time.perf_counter() - start
    width, height = dot.svg_size(svg)
    verdict = "" if target is None else ("  ok" if total < target else f"  SLOWER than {target} s")
    print(f"{label:<44} {len(graph):>5} nodes ({len(drawn):>4} drawn)  model {built * 1000:6.1f} ms  "
          f"draw {total:6.3f} s  {width * 4 / 3:7.0f} x {height * 4 / 3:6.0f} px{verdict}")


def unbounded(label: str, make: Callable[[], torch.Tensor], limit: float) -> None:
    """The same graph with the bound and the shortening of long edges switched off, stopped after ``limit`` s."""
    graph = viz.build_graph(make(), find_names=False)
    picture = dot.to_digraph(graph, large_at=10**9, long_edge_budget=10**9)
    start = time.perf_counter()
    try:
        subprocess.run(["dot", "-Tsvg"], input=picture.source.encode(), capture_output=True, timeout=limit, check=True)
        took = f"{time.perf_counter() - start:6.3f} s"
    except subprocess.TimeoutExpired:
        took = f"> {limit:.0f} s (stopped)"
    print(f"{label:<44} {len(graph):>5} nodes  unbounded dot {took}")


def main() -> None:
    if viz.graphviz_problem():
        raise SystemExit(viz.graphviz_problem())
    timed("seed 'more involved example'", lambda: involved_example()["y"], 0.2)
    timed("2-16-16-1 tanh MLP loss", mlp_loss, 0.2)
    timed("500-node graph (sum of products)", lambda: chain(160), 0.5)
    timed("500-node graph (unrolled RNN, folded)", lambda: recurrent(83), 0.5)
    timed("500-node graph (unrolled RNN, fold=False)", lambda: recurrent(83), 0.5, fold=False)
    timed("150-step tanh loop (folded)", lambda: tanh_loop(150)[1], 0.5)
    timed("2 000-node graph (sum of products), bounded", lambda: chain(640), 5.0)
    timed("2 000-node graph (unrolled RNN), bounded", lambda: recurrent(333), 5.0, fold=False)
    if "--unbounded" in sys.argv:
        unbounded("2 000-node graph (sum of products)", lambda: chain(640), 60)
        unbounded("2 000-node graph (unrolled RNN)", lambda: recurrent(333), 60)


if __name__ == "__main__":
    main()
