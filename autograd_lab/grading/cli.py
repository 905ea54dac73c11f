"""The ``autograd-lab`` command: ``release`` student copies, ``grade`` submissions into a SQLite
gradebook, merge gradebooks (``gradebook``) and build Gradescope autograders (``gradescope``)."""
from __future__ import annotations

import argparse
import functools
import hashlib
import os
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, TextIO

from .discovery import find_submissions
from .gradebook import VISIBILITIES, Course, export
from .gradescope import build_autograder
from .grader import StudentResult, grade_all, shard
from .identity import display
from .notebook import NotebookError, read_notebook
from .release import release
from .sandbox import Limits
from .spec import SpecError, load_assignment
from .store import FILENAME, Gradebook


class Progress:
    """A one-line progress bar with ETA on a stream (plain lines when it is not a terminal)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, quiet: bool = False) -> None:
        self.total, self.stream, self.quiet = total, stream, quiet
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.first_done: int | None = None
        self.last_line = 0.0

    def __call__(self, done: int, total: int, res: StudentResult | None) -> None:
        if self.quiet:
            return
        if self.first_done is None:
            self.first_done = done - 1
        elapsed = time.monotonic() - self.started
        graded = done - self.first_done
        eta = elapsed / graded * (total - done) if graded else 0.0
        width = 24
        filled = int(width * done / total) if total else width
        what = (f"{display(res.student)}: {res.status} {res.points:g}/{res.max_points:g}" if res is not None
                else "unchanged, skipped")
        bar = f"[{'#' * filled}{'.' * (width - filled)}]"
        line = f"{bar} {done}/{total} {elapsed:5.1f}s elapsed, ETA {eta:5.1f}s  {what}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
            if done == total:
                self.stream.write("\n")
        elif done == total or time.monotonic() - self.last_line > 2.0:
            self.stream.write(line + "\n")
            self.last_line = time.monotonic()
        self.stream.flush()


def _reported(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` with bad input (a bad notebook, an unreadable file, a locked database) as one line and exit 2."""
    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return int(command(args))
        except (SpecError, NotebookError, ValueError, OSError, RuntimeError, sqlite3.Error) as exc:
            print(f"autograd-lab: {exc}", file=sys.stderr)
            return 2
    return run


@_reported
def _cmd_release(args: argparse.Namespace) -> int:
    written = release(args.source, args.out)
    for path in written:
        print(f"wrote {path}")
    return 0


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(cell_timeout=args.cell_timeout, total_timeout=args.timeout,
                  memory_bytes=args.memory_mb * 1024**2, max_output_bytes=args.max_output)


@_reported
def _cmd_grade(args: argparse.Namespace) -> int:
    source = Path(args.source)
    if source.is_dir():
        print("--source must be one notebook; grade each notebook of an assignment separately", file=sys.stderr)
        return 2
    source_bytes = source.read_bytes()
    source_sha = hashlib.sha256(source_bytes).hexdigest()
    assignment = load_assignment(read_notebook(source), source.stem)
    submissions_root, out = Path(args.submissions), Path(args.out)
    if not submissions_root.is_dir():
        print(f"{submissions_root} is not a folder", file=sys.stderr)
        return 2
    found, ignored = find_submissions(submissions_root, source.name, assignment, exclude=[out, source])
    for name in ignored:
        print(f"ignored '{name}' in {submissions_root}: not a student's folder or notebook", file=sys.stderr)
    subs = shard(found, args.shard)
    started = time.monotonic()
    with Gradebook(out) as book:
        book.set_assignment(assignment.name, source_sha, [(q.qid, q.points) for q in assignment.questions.values()])
        report = grade_all(
            assignment, subs, book, source_sha256=source_sha, limits=_limits(args), jobs=args.jobs,
            resume=args.resume, protected=[source.parent, submissions_root],
            progress=Progress(len(subs), quiet=args.quiet),
        )
        info = next(a for a in book.assignments() if a.name == assignment.name)
        errors = export(book, info, out)
        stored = sum(1 for _ in book.rows(assignment.name))
    elapsed = time.monotonic() - started
    graded = len(report.results)
    counts = Counter(r.status for r in report.results)
    per = elapsed / graded if graded else 0.0
    print(f"graded {graded} submission(s) in {elapsed:.1f} s ({per:.2f} s each)"
          + (f", {report.skipped} unchanged since the last run" if report.skipped else "") + "; "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"gradebook: {out / FILENAME} ({stored} students of {assignment.name}; exports in {out})")
    for line in report.unsaved:
        print(f"NOT SAVED (grade again with --resume): {line}", file=sys.stderr)
    for line in errors:
        print(f"export failed: {line}", file=sys.stderr)
    return 1 if report.unsaved or errors else 0


def _gradebook_file(path: Path) -> Path:
    file = path if path.suffix == ".sqlite" else path / FILENAME
    if not file.is_file():
        raise ValueError(f"{path} holds no gradebook ({FILENAME})")
    return file


@_reported
def _cmd_gradebook(args: argparse.Namespace) -> int:
    if not args.into and not args.csv:
        print("say what to make: --into FOLDER (a merged gradebook with its exports) and/or --csv FILE "
              "(the course gradebook)", file=sys.stderr)
        return 2
    files = [_gradebook_file(Path(p)) for p in args.outs]
    errors: list[str] = []
    if args.into:
        into = Path(args.into)
        with Gradebook(into) as target:
            for file in files:
                if file.resolve() == target.path.resolve():
                    continue
                with Gradebook(file) as book:
                    copied, kept = target.merge_from(book)
                print(f"{file}: {copied} row(s) copied, {kept} already there or older")
            infos = target.assignments()
            for info in infos:
                folder = into if len(infos) == 1 else into / info.name
                errors.extend(export(target, info, folder, args.hidden_visibility))
            print(f"gradebook: {target.path} ({', '.join(i.name for i in infos) or 'empty'})")
    if args.csv:
        course = Course()
        for file in files:
            with Gradebook(file) as book:
                course.add(book)
        Path(args.csv).write_text(course.csv(), encoding="utf-8")
        for line in course.conflicts:
            print(f"warning: {line}", file=sys.stderr)
        students = len({k for _, k in course.rows})
        print(f"course gradebook: {args.csv} ({students} students, {len(course.assignments)} assignments)")
    for line in errors:
        print(f"export failed: {line}", file=sys.stderr)
    return 1 if errors else 0


@_reported
def _cmd_gradescope(args: argparse.Namespace) -> int:
    names = build_autograder(Path(args.source), Path(args.output), hidden_visibility=args.hidden_visibility,
                             limits=_limits(args))
    print(f"wrote {args.output}: {', '.join(names)}")
    print("upload it as the autograder of a Gradescope programming assignment (any Ubuntu base image)")
    return 0


def _add_limits(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (default 300)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per submission")
    parser.add_argument("--max-output", type=int, default=1_000_000, help="bytes of output before a run is stopped")


def build_parser() -> argparse.ArgumentParser:
    """The grading commands alone (``autograd_lab.cli`` puts them into the full command)."""
    parser = argparse.ArgumentParser(prog="autograd-lab", description="Release and grade autograd-lab exercises.")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def add_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``release``, ``grade``, ``gradebook`` and ``gradescope`` to a command's subparsers."""
    rel = sub.add_parser("release", help="write student copies (solutions and hidden tests removed)")
    rel.add_argument("source", help="a source notebook or a folder of them")
    rel.add_argument("out", help="output folder (or .ipynb file for a single notebook)")
    rel.set_defaults(func=_cmd_release)
    grd = sub.add_parser("grade", help="grade a folder of submissions into a SQLite gradebook")
    grd.add_argument("submissions", help="folder with one subfolder (or one .ipynb) per student")
    grd.add_argument("--source", required=True, help="the instructor's source notebook")
    grd.add_argument("--out", required=True, help=f"folder for {FILENAME}, gradebook.csv, feedback/ and results/")
    grd.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded in parallel")
    grd.add_argument("--shard", help="grade only shard i of n (1-based), e.g. 2/8")
    grd.add_argument("--resume", action="store_true", help="skip submissions already graded unchanged")
    _add_limits(grd)
    grd.add_argument("--quiet", action="store_true", help="no progress bar")
    grd.set_defaults(func=_cmd_grade)
    book = sub.add_parser("gradebook", help="merge gradebooks (shards, assignments) and export them")
    book.add_argument("outs", nargs="+", metavar="OUT", help=f"--out folders of grade runs (or their {FILENAME})")
    book.add_argument("--into", help="merge everything into this folder's gradebook and write its exports there")
    book.add_argument("--csv", help="write the course gradebook: one row per student, a column per assignment")
    book.add_argument("--hidden-visibility", default="after_published", choices=VISIBILITIES,
                      help="Gradescope visibility of hidden checks in results/ (default after_published)")
    book.set_defaults(func=_cmd_gradebook)
    gs = sub.add_parser("gradescope", help="build a Gradescope autograder zip for a source notebook")
    gs.add_argument("source", help="the instructor's source notebook")
    gs.add_argument("-o", "--output", default="autograder.zip", help="zip to write (default autograder.zip)")
    gs.add_argument("--hidden-visibility", default="after_published", choices=VISIBILITIES,
                    help="when students see hidden checks' pass/fail (default after_published)")
    _add_limits(gs)
    gs.set_defaults(func=_cmd_gradescope)


def main(argv: list[str] | None = None) -> int:
    """The grading commands on their own (``python -m autograd_lab.grading.cli``)."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
