"""Gradescope autograders: build the zip (``autograd-lab gradescope``) and grade inside Gradescope's container.

The zip holds ``setup.sh`` (a virtualenv with the wheel of the autograd-lab that built the zip),
``run_autograder``, the source notebook and the wheel. ``run_autograder`` runs
``python -m autograd_lab.grading.gradescope``, which grades ``$AUTOGRADER_ROOT/submission`` (default
``/autograder``) and always writes ``$AUTOGRADER_ROOT/results/results.json``; should Python itself fail,
the shell script writes a zero score with a message instead.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import tempfile
import zipfile
from pathlib import Path

from .. import __version__
from .discovery import from_folder
from .gradebook import VISIBILITIES, gradescope_results
from .grader import StudentResult, grade_all
from .identity import display
from .notebook import read_notebook, write_text_atomic
from .sandbox import Limits
from .spec import load_assignment
from .store import Gradebook
from .wheel import build_wheel

STUDENT = "submission"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
# It installs Python (if missing) and autograd-lab {version} with its dependencies into a virtualenv.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
HERE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {{
    echo "autograd-lab needs Python 3.10 or newer; this image has $(python3 --version)" >&2
    exit 1
}}
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/python" -m pip install --no-cache-dir "$HERE/{wheel}[grading]"
"$ROOT/venv/bin/python" -c 'import autograd_lab, sys; sys.exit(autograd_lab.__version__ != "{version}")'
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission. It always leaves results/results.json behind.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
RESULTS="$ROOT/results/results.json"
PYTHON="$ROOT/venv/bin/python"
[ -x "$PYTHON" ] || PYTHON=python3
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
cd "$ROOT" 2>/dev/null || true
"$PYTHON" -m autograd_lab.grading.gradescope --root "$ROOT" --source "$ROOT/source/{source}" {options}
status=$?
if [ "$status" -ne 0 ] || [ ! -s "$RESULTS" ]; then
    message="The autograder could not run (exit status $status). Your submission was not graded; please tell your instructor."
    printf '{{"score": 0, "output": "%s", "output_format": "text", "tests": []}}\\n' "$message" >"$RESULTS"
fi
exit 0
"""


def _limit_options(limits: Limits) -> list[str]:
    return ["--cell-timeout", f"{limits.cell_timeout:g}", "--timeout", f"{limits.total_timeout:g}",
            "--memory-mb", str(limits.memory_bytes // 1024**2), "--max-output", str(limits.max_output_bytes)]


def build_autograder(source: Path, out: Path, *, hidden_visibility: str = "after_published",
                     limits: Limits = Limits()) -> list[str]:
    """Write the autograder zip for ``source``; return the names it holds."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"--hidden-visibility must be one of {', '.join(VISIBILITIES)}")
    load_assignment(read_notebook(source), source.stem)
    options = " ".join(shlex.quote(o) for o in ["--hidden-visibility", hidden_visibility, *_limit_options(limits)])
    with tempfile.TemporaryDirectory(prefix="autograd-lab-wheel-") as tmp:
        wheel = build_wheel(Path(tmp))
        members = {
            "setup.sh": SETUP_SH.format(version=__version__, wheel=wheel.name).encode(),
            "run_autograder": RUN_AUTOGRADER.format(source=source.name, options=options).encode(),
            source.name: source.read_bytes(),
            wheel.name: wheel.read_bytes(),
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            entry = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            entry.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return list(members)


def zero_results(message: str) -> dict[str, object]:
    return {"score": 0, "output": message, "output_format": "text", "tests": [],
            "extra_data": {"grader": f"autograd-lab {__version__}"}}


def grade_submission_folder(root: Path, source: Path, limits: Limits, hidden_visibility: str) -> dict[str, object]:
    """Grade the one notebook in ``root/submission`` and return Gradescope's results."""
    assignment = load_assignment(read_notebook(source), source.stem)
    submission = root / "submission"
    sub = from_folder(STUDENT, submission, source.name, assignment)
    if sub.path is not None:
        print(f"grading {display(str(sub.path.relative_to(submission)))}")
    with tempfile.TemporaryDirectory(prefix="autograd-lab-gradescope-") as tmp, Gradebook(Path(tmp)) as book:
        sha = hashlib.sha256(source.read_bytes()).hexdigest()
        book.set_assignment(assignment.name, sha, [(q.qid, q.points) for q in assignment.questions.values()])
        report = grade_all(assignment, [sub], book, source_sha256=sha, limits=limits, jobs=1,
                           protected=[source.parent, root / "results"])
        rows = list(book.rows(assignment.name))
        res = StudentResult.from_json(rows[0].result) if rows else report.results[0]
    if res.status in ("missing", "invalid-notebook", "invalid-submission", "wrong-notebook"):
        res.notes.append(f"Submit your notebook {source.name} (one notebook, as a file) and try again.")
    print(f"status {res.status}, {res.points:g} / {res.max_points:g}")
    return gradescope_results(res, hidden_visibility)


def main(argv: list[str] | None = None) -> int:
    """Entry point used by ``run_autograder``: always writes ``results/results.json`` and exits 0 then."""
    parser = argparse.ArgumentParser(prog="python -m autograd_lab.grading.gradescope")
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--hidden-visibility", default="after_published", choices=VISIBILITIES)
    parser.add_argument("--cell-timeout", type=float, default=30.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--max-output", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(f"autograd-lab {__version__} from {Path(__file__).resolve().parents[1]}")
    limits = Limits(cell_timeout=args.cell_timeout, total_timeout=args.timeout,
                    memory_bytes=args.memory_mb * 1024**2, max_output_bytes=args.max_output)
    try:
        data = grade_submission_folder(args.root, args.source, limits, args.hidden_visibility)
    except Exception as exc:  # noqa: BLE001 - Gradescope must always get a results.json
        data = zero_results(f"The autograder failed ({type(exc).__name__}: {exc}). Your submission was not graded; "
                            "please tell your instructor.")
    write_text_atomic(args.root / "results" / "results.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
