"""Find each student's notebook without following links, blocking, or trusting names to be text.

A submissions folder holds one folder per student (searched recursively, nbgrader's
``submitted/<student>/<assignment>/`` layout included) or one notebook per student. The student's id is
the entry's name exactly as the file system gives it (see :mod:`.identity`).
"""
from __future__ import annotations

import itertools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .identity import display, lookalikes
from .notebook import NotebookError
from .reading import file_kind, load_submission
from .spec import Assignment

MAX_DEPTH = 20
"""Folders deeper than this inside a student's folder are not searched."""
MAX_ENTRIES = 10_000
"""Entries looked at per student folder."""
MAX_OTHERS_NAMED = 5
"""Other files named in the note of a folder without a notebook."""
IGNORED_DIRS = {".ipynb_checkpoints", "__MACOSX"}
_COPY = re.compile(r"(-checkpoint|-Copy\d*)\.ipynb$", re.IGNORECASE)
_NOTEBOOK = re.compile(r"(.+)\.ipynb(?:\.txt|\.json)?", re.IGNORECASE | re.DOTALL)


@dataclass
class Submission:
    """One student's submission: their notebook, or the status it gets without running (``status``)."""

    student: str
    path: Path | None
    renamed: bool = False
    status: str | None = None
    notes: list[str] = field(default_factory=list)
    files: Path | None = None
    """The folder whose other files the notebook may read (a student's own folder; never the submissions root)."""


def notebook_stem(name: str) -> str | None:
    """The name without ``.ipynb`` if it names a notebook, else None. Browsers that save a notebook as text
    add ``.txt`` or ``.json`` (``hw.ipynb.txt``): those are notebooks too."""
    match = _NOTEBOOK.fullmatch(name)
    return match.group(1) if match else None


def is_notebook_name(name: str) -> bool:
    return notebook_stem(name) is not None


def is_copy(name: str) -> bool:
    """Jupyter's checkpoint and "Duplicate" copies: ``x-checkpoint.ipynb``, ``x-Copy1.ipynb``."""
    return bool(_COPY.search(name))


@dataclass
class _Found:
    notebooks: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    """Other regular files (a zip, an HTML export, a script): named when no notebook is found."""
    empty: bool = True
    """Nothing but hidden files in the folder."""


def _walk(folder: Path) -> _Found:
    """Regular ``.ipynb`` files under ``folder``, shallowest first; links and special files are refused."""
    found = _Found()
    stack: list[tuple[Path, int]] = [(folder, 0)]
    budget = MAX_ENTRIES
    while stack and budget > 0:
        here, depth = stack.pop()
        try:
            with os.scandir(here) as entries:
                listed = sorted(itertools.islice(entries, budget + 1), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            where = display(str(here.relative_to(folder))) if here != folder else "the folder"
            found.notes.append(f"could not list {where}: {exc.strerror}")
            continue
        if len(listed) > budget:
            found.notes.append(f"only the first {MAX_ENTRIES} files and folders were searched")
            listed = listed[:budget]
        budget -= len(listed)
        for entry in listed:
            if entry.name.startswith(".") or entry.name in IGNORED_DIRS:
                continue
            found.empty = False
            mode = entry.stat(follow_symlinks=False).st_mode
            relative = display(str(Path(entry.path).relative_to(folder)))
            if stat.S_ISLNK(mode):
                found.refused.append(f"{relative} is a symbolic link")
            elif stat.S_ISDIR(mode):
                if depth + 1 >= MAX_DEPTH:
                    found.notes.append(f"folders more than {MAX_DEPTH} levels deep were not searched")
                else:
                    stack.append((Path(entry.path), depth + 1))
            elif is_notebook_name(entry.name):
                if stat.S_ISREG(mode):
                    found.notebooks.append(Path(entry.path))
                else:
                    found.refused.append(f"{relative} is {file_kind(mode)}")
            elif stat.S_ISREG(mode):
                found.others.append(relative)
    found.notebooks.sort(key=lambda p: (len(p.parts), os.fsencode(str(p))))
    found.notes = list(dict.fromkeys(found.notes))
    return found


def match_score(path: Path, assignment: Assignment) -> int:
    """How much a notebook looks like this assignment: its metadata names it, or its graded cell ids match."""
    try:
        nb = load_submission(path).notebook
    except NotebookError:
        return 0
    if nb["metadata"].get("autograd_lab", {}).get("assignment") == assignment.name:
        return 1000
    ids = {c.grade_id for c in assignment.cells if c.grade_id}
    return sum(1 for cell in nb["cells"] if cell["metadata"].get("nbgrader", {}).get("grade_id") in ids)


def _nothing_found(filename: str, notebooks: list[str], others: list[str], empty: bool) -> str:
    note = f"no notebook for this assignment ({filename}) was found"
    if notebooks:
        note += f"; found: {', '.join(notebooks)}"
    if others:
        shown = sorted(others)[:MAX_OTHERS_NAMED]
        more = f" and {len(others) - len(shown)} more" if len(others) > len(shown) else ""
        note += f"; other files: {', '.join(shown)}{more}"
    if empty:
        note += "; the folder is empty"
    return note


def choose_notebook(student: str, notebooks: list[Path], filename: str, assignment: Assignment,
                    base: Path, others: list[str] | None = None, empty: bool = False) -> Submission:
    """Pick the notebook to grade among a student's notebooks and say what was passed over."""
    def name(p: Path) -> str:
        return display(str(p.relative_to(base)))

    originals = [p for p in notebooks if not is_copy(p.name)]
    pool = originals or notebooks
    exact = [p for p in pool if p.name == filename]
    chosen: Path | None = exact[0] if exact else None
    renamed = False
    if chosen is None:
        scored = [(match_score(p, assignment), p) for p in pool]
        best = max((s for s, _ in scored), default=0)
        if best > 0:
            chosen = next(p for s, p in scored if s == best)
            renamed = True
    sub = Submission(student, chosen, renamed=renamed)
    if chosen is None:
        sub.notes.append(_nothing_found(filename, [name(p) for p in notebooks], others or [], empty))
        return sub
    if renamed:
        sub.notes.append(f"the notebook was renamed to '{name(chosen)}' (expected '{filename}'); graded anyway")
    others = [p for p in notebooks if p != chosen]
    if others:
        sub.notes.append(f"{len(notebooks)} notebooks were submitted; graded {name(chosen)}, ignored "
                         + ", ".join(name(p) + (" (a Jupyter copy)" if is_copy(p.name) else "") for p in others))
    if not originals:
        sub.notes.append(f"{name(chosen)} looks like a Jupyter checkpoint or copy; graded because it is the only one")
    return sub


def from_folder(student: str, folder: Path, filename: str, assignment: Assignment) -> Submission:
    """The submission in one student's folder: the notebook to grade, with notes on what was passed over."""
    found = _walk(folder)
    sub = choose_notebook(student, found.notebooks, filename, assignment, folder, found.others, found.empty)
    sub.files = sub.path.parent if sub.path is not None else None
    if found.refused:
        detail = "; ".join(found.refused) + " (links and special files are never followed)"
        if sub.path is None:
            return Submission(student, None, status="invalid-submission", notes=[detail, *found.notes])
        sub.notes.append("ignored: " + detail)
    sub.notes.extend(found.notes)
    return sub


def _entries(root: Path) -> Iterable[tuple[str, os.DirEntry[str]]]:
    with os.scandir(root) as entries:
        listed = sorted(entries, key=lambda e: os.fsencode(e.name))
    for entry in listed:
        if entry.name.startswith(".") or entry.name in IGNORED_DIRS:
            continue
        student = notebook_stem(entry.name) or entry.name
        yield student, entry


def find_submissions(root: Path, filename: str, assignment: Assignment,
                     exclude: Iterable[Path] = ()) -> tuple[list[Submission], list[str]]:
    """One :class:`Submission` per student id in ``root``, plus the names of top-level entries ignored.

    ``exclude`` names paths that are not students even when they sit in ``root`` (the output folder, the source).
    """
    by_student: dict[str, list[os.DirEntry[str]]] = {}
    ignored: list[str] = []
    skip = {os.path.realpath(p) for p in exclude}
    real_root = os.path.realpath(root)
    for student, entry in _entries(root):
        if os.path.join(real_root, entry.name) in skip:  # the entry itself, never what a link points to
            ignored.append(display(entry.name))
            continue
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError:
            mode = 0
        if stat.S_ISDIR(mode) or stat.S_ISLNK(mode) or is_notebook_name(entry.name):
            by_student.setdefault(student, []).append(entry)
        else:
            ignored.append(display(entry.name))
    subs = []
    for student, entries in by_student.items():
        try:
            subs.append(_submission(student, entries, filename, assignment))
        except Exception as exc:  # noqa: BLE001 - one odd folder must not stop the others
            subs.append(Submission(student, None, status="grader-error",
                                   notes=[f"finding the notebook failed: {type(exc).__name__}: {exc}"]))
    similar = lookalikes([s.student for s in subs])
    for sub in subs:
        for other in similar.get(sub.student, []):
            sub.notes.append(f"'{display(other)}' is the same name in another Unicode form (NFC/NFD); "
                             "graded as a different student: check whether it is the same person")
    return subs, ignored


def _submission(student: str, entries: list[os.DirEntry[str]], filename: str, assignment: Assignment) -> Submission:
    names = ", ".join(f"'{display(e.name)}'" for e in entries)
    if len(entries) > 1:
        return Submission(student, None, status="duplicate",
                          notes=[f"{names} are all submissions of '{display(student)}'; none was graded: "
                                 "keep one and grade again"])
    entry = entries[0]
    if entry.is_symlink():
        return Submission(student, None, status="invalid-submission",
                          notes=[f"'{display(entry.name)}' is a symbolic link; links are never followed"])
    if entry.is_dir(follow_symlinks=False):
        return from_folder(student, Path(entry.path), filename, assignment)
    return Submission(student, Path(entry.path))
