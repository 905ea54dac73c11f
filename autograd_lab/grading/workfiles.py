"""Copy the files a student handed in next to their notebook into the directory the notebook runs in.

A notebook that reads ``data.csv`` or imports ``helpers.py`` from its own folder finds them there, as in
Jupyter. Only regular files are copied (links and special files are skipped, never followed), within
bounds on depth, count and size; whatever is left out is named in a note.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .identity import display
from .reading import open_regular

MAX_DEPTH = 4
MAX_FILES = 500
MAX_FILE_BYTES = 16 * 1024**2
MAX_TOTAL_BYTES = 64 * 1024**2
_SKIPPED_DIRS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


def _copy(source: Path, target: Path) -> None:
    fd = open_regular(source)
    try:
        with open(fd, "rb", closefd=False) as src, open(target, "xb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    finally:
        os.close(fd)


def copy_submitted_files(folder: Path, workdir: Path, skip: Path | None = None) -> list[str]:
    """Copy the regular files under ``folder`` (but ``skip``, the graded notebook) into ``workdir``; return notes
    on what was left out."""
    left_out: list[str] = []
    copied = total = 0
    stack: list[tuple[Path, Path, int]] = [(folder, workdir, 0)]
    while stack:
        here, there, depth = stack.pop()
        try:
            with os.scandir(here) as entries:
                listed = sorted(entries, key=lambda e: os.fsencode(e.name))
        except OSError:
            continue
        for entry in listed:
            if entry.name.startswith(".") or entry.name in _SKIPPED_DIRS:
                continue
            path = Path(entry.path)
            if skip is not None and path == skip:
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                if depth + 1 < MAX_DEPTH:
                    (there / entry.name).mkdir(exist_ok=True)
                    stack.append((path, there / entry.name, depth + 1))
                continue
            if not stat.S_ISREG(mode):
                continue
            size = entry.stat(follow_symlinks=False).st_size
            if copied >= MAX_FILES or size > MAX_FILE_BYTES or total + size > MAX_TOTAL_BYTES:
                left_out.append(display(str(path.relative_to(folder))))
                continue
            try:
                _copy(path, there / entry.name)
            except (OSError, ValueError):
                left_out.append(display(str(path.relative_to(folder))))
                continue
            copied += 1
            total += size
    if not left_out:
        return []
    shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
    return [f"files next to the notebook that its code cannot read while graded (over the limits of {MAX_FILES} "
            f"files, {MAX_FILE_BYTES // 1024**2} MiB each, {MAX_TOTAL_BYTES // 1024**2} MiB in all): {shown}"]
