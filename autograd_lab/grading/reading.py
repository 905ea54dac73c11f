"""Read a submitted notebook safely: regular files only, bounded, outputs stripped, types checked.

Nothing here blocks or follows a link: the file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and must be
a regular file. Stored outputs, attachments and widget state are skipped while scanning (they never
count against :data:`MAX_CONTENT_BYTES`), so a notebook full of plots is read as cheaply as its code.
"""
from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .identity import display
from .notebook import Notebook, NotebookError

MAX_FILE_BYTES = 1024**3
"""A submitted file larger than this (outputs included) is not read at all."""
MAX_CONTENT_BYTES = 16 * 1024**2
"""Limit on what is left of a notebook once its outputs, attachments and widget state are stripped."""

_SKIPPED = {
    (("cells", None), b'"outputs"'),
    (("cells", None), b'"attachments"'),
    (("metadata",), b'"widgets"'),
}
_DEEPEST = 3  # paths are tracked this deep: enough to tell where _SKIPPED values are
_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_TOKEN = re.compile(rb'[ \t\r\n]*(?:(' + _STRING + rb')|([\[\]{}:,])|([^ \t\r\n\[\]{}:,"]+))', re.S)
_STRING_OR_BRACKET = re.compile(_STRING + rb'|[\[\]{}]', re.S)
_CLOSER = {ord("["): ord("]"), ord("{"): ord("}")}


class SubmissionError(NotebookError):
    """A submitted path that is not something the grader will read (a link, a FIFO, a device...)."""


@dataclass
class LoadedNotebook:
    """A submission's notebook, cleaned, with the hash of its exact bytes."""

    notebook: Notebook
    sha256: str
    size: int
    notes: list[str] = field(default_factory=list)


def file_kind(mode: int) -> str:
    """What kind of file a mode describes, in words ("a FIFO", "a symbolic link", ...)."""
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file"


def open_regular(path: Path) -> int:
    """Open ``path`` for reading if it is a regular file; never follows a link, never blocks."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    name = display(path.name)
    try:
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            raise SubmissionError(f"{name} is {file_kind(mode)}, not a notebook file; "
                                  "links and special files are never followed")
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotebookError(f"cannot read {name}: {exc.strerror or exc}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise SubmissionError(f"{name} is {file_kind(mode)}, not a notebook file")
    return fd


def _skip_value(buf: Any, pos: int) -> int:
    """The position after the JSON value starting at ``pos`` (which may hold any amount of data)."""
    match = _TOKEN.match(buf, pos)
    if not match:
        raise NotebookError("the notebook is not valid JSON")
    if match.group(2) not in (b"[", b"{"):
        return match.end()
    closers = [_CLOSER[buf[match.end() - 1]]]
    for found in _STRING_OR_BRACKET.finditer(buf, match.end()):
        char = buf[found.start()]
        if char == ord('"'):
            continue
        if char in _CLOSER:
            closers.append(_CLOSER[char])
        elif char == closers[-1]:
            closers.pop()
            if not closers:
                return found.end()
        else:
            raise NotebookError("the notebook is not valid JSON")
    raise NotebookError("the notebook ends in the middle of its outputs")


def strip_outputs(buf: Any) -> bytes:
    """The notebook JSON in ``buf`` with outputs, attachments and widget state replaced by ``null``."""
    end = len(buf)
    kept: list[bytes] = []
    kept_bytes = 0
    copied_from = 0
    stack: list[list[Any]] = []   # [kind, path, key-of-next-value]
    pos = 0
    if buf[:3] == b"\xef\xbb\xbf":
        pos = copied_from = 3
    while pos < end:
        match = _TOKEN.match(buf, pos)
        if not match:
            if buf[pos:end].strip(b" \t\r\n"):
                raise NotebookError("the notebook is not valid JSON")
            break
        string, punct = match.group(1), match.group(2)
        top = stack[-1] if stack else None
        if punct in (b"{", b"["):
            if top is None:
                path: tuple[Any, ...] = ()
            elif len(top[1]) >= _DEEPEST:
                path = top[1]
            elif top[0] == "{":
                path = (*top[1], (top[2] or b'""')[1:-1].decode("utf-8", "replace"))
            else:
                path = (*top[1], None)
            stack.append([punct.decode(), path, None])
        elif punct in (b"}", b"]"):
            if not stack:
                raise NotebookError("the notebook is not valid JSON")
            stack.pop()
        elif punct == b"," and top is not None and top[0] == "{":
            top[2] = None
        elif string is not None and top is not None and top[0] == "{" and top[2] is None:
            top[2] = string
            after = _TOKEN.match(buf, match.end())
            if after and after.group(2) == b":" and (top[1], string) in _SKIPPED:
                kept.append(bytes(buf[copied_from:after.end()]) + b"null")
                kept_bytes += after.end() - copied_from + 4
                pos = copied_from = _skip_value(buf, after.end())
                continue
        pos = match.end()
        if kept_bytes + pos - copied_from > MAX_CONTENT_BYTES:
            raise NotebookError(f"the notebook holds more than {MAX_CONTENT_BYTES // 1024**2} MiB of code and text "
                                "(outputs not counted)")
    kept.append(bytes(buf[copied_from:end]))
    return b"".join(kept)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(item for item in value if isinstance(item, str))
    return ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _v3_cells(data: dict[str, Any]) -> list[Any]:
    """The cells of an nbformat 3 notebook (``worksheets``, code in ``input``, heading cells) in version 4's shape."""
    cells: list[Any] = []
    for sheet in data["worksheets"]:
        sheet_cells = _dict(sheet).get("cells")
        for cell in sheet_cells if isinstance(sheet_cells, list) else []:
            if not isinstance(cell, dict):
                continue
            if cell.get("cell_type") == "code":
                cell = {**cell, "source": cell.get("input")}
            elif cell.get("cell_type") == "heading":
                cell = {**cell, "cell_type": "markdown"}
            cells.append(cell)
    return cells


def is_v3(data: Any) -> bool:
    """An nbformat 3 notebook: its cells are in ``worksheets``."""
    return isinstance(data, dict) and data.get("nbformat") == 3 and isinstance(data.get("worksheets"), list)


def normalise(data: Any) -> Notebook:
    """A notebook with the types the grader relies on, whatever nulls or odd types the JSON held.
    An nbformat 3 notebook is read as version 4 (as Jupyter converts it when it opens one)."""
    if not isinstance(data, dict):
        raise NotebookError("the file is JSON but not a notebook (no object at the top)")
    cells = _v3_cells(data) if is_v3(data) else data.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("the file is JSON but not a notebook (no list of cells)")
    clean: list[dict[str, Any]] = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        cell_type = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown", "raw") else "raw"
        meta = _dict(cell.get("metadata"))
        kept_meta = {k: meta[k] for k in ("nbgrader", "autograd_lab") if isinstance(meta.get(k), dict)}
        out: dict[str, Any] = {"cell_type": cell_type, "metadata": kept_meta, "source": _text(cell.get("source"))}
        if cell_type == "code":
            out["outputs"], out["execution_count"] = [], None
        clean.append(out)
    lab = _dict(data.get("metadata")).get("autograd_lab")
    return {"cells": clean, "metadata": {"autograd_lab": lab} if isinstance(lab, dict) else {},
            "nbformat": 4, "nbformat_minor": 5}


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"))


def _wide_encoding(buf: Any) -> str:
    """``"utf-16"`` or ``"utf-32"`` for a file that starts with that byte order mark (Windows tools write them),
    else ``""``."""
    return next((encoding for bom, encoding in _BOMS if buf[:len(bom)] == bom), "")


def load_submission(path: Path) -> LoadedNotebook:
    """Read a submitted notebook within the limits above; raise :class:`NotebookError` saying what is wrong."""
    fd = open_regular(path)
    name = display(path.name)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise NotebookError(f"{name} is {size / 1024**3:.1f} GiB, over the {MAX_FILE_BYTES // 1024**3} GiB limit")
        if size == 0:
            raise NotebookError(f"{name} is empty")
        try:
            with mmap.mmap(fd, size, access=mmap.ACCESS_READ) as buf:
                sha = hashlib.sha256(buf).hexdigest()
                wide = _wide_encoding(buf)
                if wide and size > 4 * MAX_CONTENT_BYTES:
                    raise NotebookError(f"{name} is saved as {wide.upper()} and is larger than "
                                        f"{4 * MAX_CONTENT_BYTES // 1024**2} MiB: save it again as UTF-8 (Jupyter's own format)")
                text = strip_outputs(bytes(buf).decode(wide).encode() if wide else buf)
        except NotebookError:
            raise
        except (OSError, ValueError) as exc:
            raise NotebookError(f"cannot read {name}: {exc}") from exc
    finally:
        os.close(fd)
    notes = [f"{name} is saved as {wide.upper()}, not UTF-8; it was read as {wide.upper()}"] if wide else []
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        decoded = text.decode("cp1252", errors="replace")
        notes.append(f"{name} is not UTF-8 (an editor saved it in another encoding); it was read as Windows-1252: "
                     "check its accented letters")
    try:
        data = json.loads(decoded)
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"{name} is not valid notebook JSON: {str(exc)[:200]}") from exc
    if is_v3(data):
        notes.append(f"{name} is an nbformat 3 notebook; it was read as version 4")
    return LoadedNotebook(normalise(data), sha, size, notes)
