"""The backward player on a ~500-node graph: building it in Python, one step in Chromium.

Run: python benchmarks/widget_bench.py   (needs Graphviz's dot, anywidget, playwright and Chromium:
$AUTOGRAD_LAB_CHROMIUM or chromium on PATH).

Targets (issue 4): one step under 16 ms in the browser for a 500-node graph, and no
message to the kernel per step (the stand-in model counts save_changes/set calls; the
JupyterLab test counts websocket comm messages).
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import autograd_lab as torch  # noqa: E402
from autograd_lab import viz  # noqa: E402
from autograd_lab.widgets import BackwardPlayer  # noqa: E402
from harness import chromium, open_standalone, widget_state  # noqa: E402

STEP_BUDGET_MS = 16.0


def chain(steps: int) -> torch.Tensor:
    """h = tanh(h * w_i) + h, each w_i a new leaf: 5 nodes per step."""
    torch.manual_seed(0)
    h = torch.randn(3, requires_grad=True)
    for _ in range(steps):
        h = torch.tanh(h * torch.randn(3, requires_grad=True)) + h
    return h.sum()


STEP_JS = """(steps) => {
  const root = document.querySelector('.agl-player');
  const next = root.querySelector('[data-action=forward]');
  root.querySelector('[data-action=first]').click();
  const total = [], handler = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    next.click();
    document.body.offsetHeight;
    total.push(performance.now() - t0);
    handler.push(Number(root.dataset.stepMs));
  }
  return {total, handler};
}"""


def main() -> None:
    y = chain(100)
    nodes = len(viz.build_graph(y))
    started = time.perf_counter()
    player = BackwardPlayer(y, large_at=10_000)
    built = time.perf_counter() - started
    synced = len(json.dumps(widget_state(player)))
    print(f"graph: {nodes} nodes, {len(player.frames)} frames")
    print(f"python: record + frames + layout {built * 1000:.0f} ms; synced once {synced / 1e6:.2f} MB; "
          f"per step from the kernel: 0 bytes (a jump from the kernel: one int)")
    with chromium() as browser:
        page = open_standalone(browser, [player])
        result = page.evaluate(STEP_JS, len(player.frames) - 1)
        messages = page.evaluate("window.aglModels[0].saves + window.aglModels[0].sets")
    total, handler = result["total"], result["handler"]
    slowest = max(range(len(total)), key=total.__getitem__)
    print(f"slowest step: #{slowest + 1} ({total[slowest]:.1f} ms)")
    p95 = sorted(total)[int(0.95 * len(total))]
    print(f"browser step (handler + style + layout): median {statistics.median(total):.2f} ms, p95 {p95:.2f} ms, "
          f"max {max(total):.2f} ms; handler alone median {statistics.median(handler):.2f} ms")
    print(f"messages to the kernel while stepping: {messages}")
    ok = p95 < STEP_BUDGET_MS and messages == 0
    print("OK" if ok else "OVER BUDGET")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
