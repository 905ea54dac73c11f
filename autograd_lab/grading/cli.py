"""The ``autograd-lab`` command: ``release`` student copies and ``grade`` submissions."""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from .gradebook import write_reports
from .grader import StudentResult, all_states, find_submissions, grade_all, shard
from .notebook import NotebookError, read_notebook
from .release import release
from .sandbox import Limits
from .spec import SpecError, load_assignment


class Progress:
    """A one-line progress bar with ETA on a stream (plain lines when it is not a terminal)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, quiet: bool = False) -> None:
        self.total, self.stream, self.quiet = total, stream, quiet
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.first_done: int | None = None
        self.last_line = 0.0

    def __call__(self, done: int, total: int, res: StudentResult) -> None:
        if self.quiet:
            return
        if self.first_done is None:
            self.first_done = done - 1
        elapsed = time.monotonic() - self.started
        graded = done - self.first_done
        eta = elapsed / graded * (total - done) if graded else 0.0
        width = 24
        filled = int(width * done / total) if total else width
        line = (f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                f"{elapsed:5.1f}s elapsed, ETA {eta:5.1f}s  {res.student}: {res.status} "
                f"{res.points:g}/{res.max_points:g}")
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if done == total:
                self.stream.write("\n")
        elif done == total or time.monotonic() - self.last_line > 2.0:
            self.stream.write(line + "\n")
            self.last_line = time.monotonic()
        self.stream.flush()


def _cmd_release(args: argparse.Namespace) -> int:
    written = release(args.source, args.out)
    for path in written:
        print(f"wrote {path}")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    source = Path(args.source)
    if source.is_dir():
        print("--source must be one notebook; grade each notebook of an assignment separately", file=sys.stderr)
        return 2
    source_bytes = source.read_bytes()
    assignment = load_assignment(read_notebook(source), source.stem)
    submissions_root, out = Path(args.submissions), Path(args.out)
    if not submissions_root.is_dir():
        print(f"{submissions_root} is not a folder", file=sys.stderr)
        return 2
    subs = shard(find_submissions(submissions_root, source.name, assignment), args.shard)
    limits = Limits(
        cell_timeout=args.cell_timeout, total_timeout=args.timeout,
        memory_bytes=args.memory_mb * 1024**2, max_output_bytes=args.max_output,
    )
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    progress = Progress(len(subs), quiet=args.quiet)
    results = grade_all(
        assignment, subs, out, source_bytes=source_bytes, limits=limits, jobs=args.jobs,
        resume=args.resume, protected=[source.parent, submissions_root], progress=progress,
    )
    everyone = all_states(out, hashlib.sha256(source_bytes).hexdigest())
    write_reports(assignment, everyone or results, out)
    elapsed = time.monotonic() - started
    counts = Counter(r.status for r in results)
    per = elapsed / len(results) if results else 0.0
    print(f"graded {len(results)} submission(s) in {elapsed:.1f} s ({per:.2f} s each); "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"gradebook: {out / 'gradebook.csv'} ({len(everyone)} students)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The grading commands alone (``autograd_lab.cli`` puts them into the full command)."""
    parser = argparse.ArgumentParser(prog="autograd-lab", description="Release and grade autograd-lab exercises.")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def add_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``release`` and ``grade`` to a command's subparsers."""
    rel = sub.add_parser("release", help="write student copies (solutions and hidden tests removed)")
    rel.add_argument("source", help="a source notebook or a folder of them")
    rel.add_argument("out", help="output folder (or .ipynb file for a single notebook)")
    rel.set_defaults(func=_cmd_release)
    grd = sub.add_parser("grade", help="grade a folder of submissions")
    grd.add_argument("submissions", help="folder with one subfolder (or one .ipynb) per student")
    grd.add_argument("--source", required=True, help="the instructor's source notebook")
    grd.add_argument("--out", required=True, help="folder for gradebook.csv, feedback/ and results/")
    grd.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded in parallel")
    grd.add_argument("--shard", help="grade only shard i of n (1-based), e.g. 2/8")
    grd.add_argument("--resume", action="store_true", help="skip submissions already graded unchanged")
    grd.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    grd.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (default 300)")
    grd.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per submission")
    grd.add_argument("--max-output", type=int, default=1_000_000, help="bytes of output before a run is stopped")
    grd.add_argument("--quiet", action="store_true", help="no progress bar")
    grd.set_defaults(func=_cmd_grade)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``autograd-lab`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (SpecError, NotebookError, ValueError, OSError) as exc:
        print(f"autograd-lab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
