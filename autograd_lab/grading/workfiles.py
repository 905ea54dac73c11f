"""Copy the files a student handed in next to their notebook into the directory the notebook runs in.

A notebook that reads ``data.csv`` or imports ``helpers.py`` from its own folder finds them there, as in
Jupyter. Only regular files are copied (links and special files are skipped, never followed), within
bounds on depth, count and size; whatever is left out is named in a note.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .identity import display
from .reading import open_regular

MAX_DEPTH = 4
MAX_FILES = 500
MAX_FILE_BYTES = 16 * 1024**2
MAX_TOTAL_BYTES = 64 * 1024**2
_SKIPPED_DIRS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


@dataclass(frozen=True)
class HandedIn:
    """A regular file next to the notebook: where it is, and whether it fits the bounds."""

    path: Path
    relative: Path
    size: int
    mtime_ns: int
    within_bounds: bool


def handed_in(folder: Path, skip: Path | None = None) -> Iterator[HandedIn | Path]:
    """The regular files under ``folder`` but ``skip`` (the graded notebook), and the folders to create (as
    relative paths), shallowest first; links, special files, hidden files and checkpoints are passed over."""
    count = total = 0
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        try:
            with os.scandir(here) as entries:
                listed = sorted(entries, key=lambda e: os.fsencode(e.name))
        except OSError:
            continue
        for entry in listed:
            path = Path(entry.path)
            if entry.name.startswith(".") or entry.name in _SKIPPED_DIRS or path == skip:
                continue
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode) and depth + 1 < MAX_DEPTH:
                yield path.relative_to(folder)
                stack.append((path, depth + 1))
            elif stat.S_ISREG(info.st_mode):
                fits = count < MAX_FILES and info.st_size <= MAX_FILE_BYTES and total + info.st_size <= MAX_TOTAL_BYTES
                if fits:
                    count, total = count + 1, total + info.st_size
                yield HandedIn(path, path.relative_to(folder), info.st_size, info.st_mtime_ns, fits)


def signature(folder: Path, skip: Path | None = None) -> str:
    """A hash of the names, sizes and times of the files :func:`copy_submitted_files` copies (for ``--resume``)."""
    h = hashlib.sha256()
    for item in handed_in(folder, skip):
        if isinstance(item, HandedIn) and item.within_bounds:
            h.update(os.fsencode(str(item.relative)) + f"\0{item.size}\0{item.mtime_ns}\0".encode())
    return h.hexdigest()


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
    for item in handed_in(folder, skip):
        if isinstance(item, Path):
            (workdir / item).mkdir(exist_ok=True)
            continue
        try:
            if not item.within_bounds:
                raise ValueError("over the limits")
            _copy(item.path, workdir / item.relative)
        except (OSError, ValueError):
            left_out.append(display(str(item.relative)))
    if not left_out:
        return []
    shown = ", ".join(left_out[:5]) + (f" and {len(left_out) - 5} more" if len(left_out) > 5 else "")
    return [f"files next to the notebook that its code cannot read while graded (over the limits of {MAX_FILES} "
            f"files, {MAX_FILE_BYTES // 1024**2} MiB each, {MAX_TOTAL_BYTES // 1024**2} MiB in all): {shown}"]
