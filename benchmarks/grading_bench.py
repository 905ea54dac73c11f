"""Time `autograd-lab grade` on N generated submissions of one assignment (and nbgrader, if installed).

    python benchmarks/grading_bench.py [--n 100] [--jobs 2] [--repeat 3] [--source exercises/source/05_capstone.ipynb]

Submissions cycle through a correct notebook, a few typical mistakes and an untouched copy. Each repeat grades
them into a fresh gradebook; the minimum, median and maximum are printed. When nbgrader is importable, the same
submissions are autograded by `nbgrader autograde` and both figures are printed.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograd_lab.grading.cli import main as cli_main  # noqa: E402
from autograd_lab.grading.notebook import grade_id, read_notebook, set_source, source_text  # noqa: E402
from autograd_lab.grading.release import release_notebook  # noqa: E402

DEFAULT_SOURCE = ROOT / "exercises" / "source" / "05_capstone.ipynb"
WRONG = {
    ("03_vector_jacobian_products", "q1_answer"): "def vjp(x, v):\n    return 4 * (x + 2)\n",
    ("03_vector_jacobian_products", "q4_answer"): (
        "weights = torch.ones(3, requires_grad=True)\nbuggy_grads, fixed_grads = [], []\n"
        "for e in range(3):\n    (weights * 2).sum().backward()\n    fixed_grads.append(weights.grad)\n"),
    ("05_capstone", "q1_answer"): (
        "class SoftPlus(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        ctx.save_for_backward(x)\n        return torch.log(1 + torch.exp(x))\n\n"
        "    @staticmethod\n    def backward(ctx, grad_output):\n        (x,) = ctx.saved_tensors\n"
        "        return grad_output * torch.exp(x)\n"),
}


def _solutions(source: dict) -> dict[str, str]:
    out = {}
    for cell in source["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            text = source_text(cell)
            out[grade_id(cell)] = "\n".join(line for line in text.splitlines() if "### " not in line)
    return out


def make_submissions(source_path: Path, folder: Path, n: int, nbgrader_layout: str | None = None) -> None:
    """Write ``n`` student notebooks: mostly correct, some with typical mistakes, some untouched."""
    source = read_notebook(source_path)
    released = release_notebook(source, source_path.stem)
    solutions = _solutions(source)
    for i in range(n):
        nb = json.loads(json.dumps(released))
        kind = i % 10
        for cell in nb["cells"]:
            gid = grade_id(cell)
            if gid in solutions and kind != 9:
                text = WRONG.get((source_path.stem, gid), solutions[gid]) if kind in (7, 8) else solutions[gid]
                set_source(cell, text)
        student = f"student{i:04d}"
        target = folder / student
        if nbgrader_layout:
            target = target / nbgrader_layout
        target.mkdir(parents=True, exist_ok=True)
        (target / source_path.name).write_text(json.dumps(nb))


def bench_autograd_lab(source: Path, n: int, jobs: int, work: Path, run: int = 0) -> float:
    subs = work / "submissions"
    if not subs.exists():
        make_submissions(source, subs, n)
    out = work / f"graded-{run}"
    started = time.monotonic()
    code = cli_main(["grade", str(subs), "--source", str(source), "--out", str(out), "--jobs", str(jobs), "--quiet"])
    elapsed = time.monotonic() - started
    if code != 0:
        raise SystemExit("autograd-lab grade failed")
    with open(out / "gradebook.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    full = sum(1 for row in rows if row["total"] == row["max"])
    print(f"autograd-lab: {full}/{len(rows)} submissions with full marks")
    return elapsed


def bench_nbgrader(source: Path, n: int, work: Path) -> float | None:
    """Time ``nbgrader autograde`` on the same kind of submissions; None when nbgrader is missing."""
    if importlib.util.find_spec("nbgrader") is None:
        return None
    course = work / "course"
    name = source.stem.replace("_", "-")
    (course / "source" / name).mkdir(parents=True)
    shutil.copy(source, course / "source" / name / source.name)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.Execute.timeout = 120\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run(nbgrader + ["generate_assignment", name, "--force"], cwd=course, env=env,
                   check=True, capture_output=True)
    make_submissions(source, course / "submitted", n, nbgrader_layout=name)
    started = time.monotonic()
    proc = subprocess.run(nbgrader + ["autograde", name, "--create", "--force"], cwd=course, env=env,
                          capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
        raise SystemExit("nbgrader autograde failed")
    subprocess.run(nbgrader + ["export"], cwd=course, env=env, check=True, capture_output=True)
    scores = (course / "grades.csv").read_text().splitlines()[1:]
    full = sum(1 for line in scores if line.split(",")[-2] == line.split(",")[-1])
    print(f"nbgrader: {full}/{len(scores)} submissions with full marks")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--repeat", type=int, default=1, help="grade the same submissions this many times")
    parser.add_argument("--skip-nbgrader", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        work = Path(tmp)
        times = sorted(bench_autograd_lab(args.source, args.n, args.jobs, work, run) for run in range(args.repeat))
        ours = statistics.median(times)
        print(f"autograd-lab grade: {args.n} submissions of {args.source.stem} in {ours:.1f} s median "
              f"(min {times[0]:.1f}, max {times[-1]:.1f} over {args.repeat} runs; {ours / args.n:.2f} s each, "
              f"{args.jobs} jobs)")
        theirs = None if args.skip_nbgrader else bench_nbgrader(args.source, args.n, work)
        if theirs is None:
            print("nbgrader autograde: skipped (nbgrader is not installed)")
        else:
            print(f"nbgrader autograde: {args.n} submissions in {theirs:.1f} s ({theirs / args.n:.2f} s each)")
            print(f"speed-up: {theirs / ours:.1f}x")


if __name__ == "__main__":
    main()
