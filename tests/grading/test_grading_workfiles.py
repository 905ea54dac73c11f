"""The files handed in next to a notebook: what is copied where it runs, what is left out and said so, and the
signature ``--resume`` uses to notice that one of them changed."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograd_lab.grading import workfiles
from autograd_lab.grading.workfiles import copy_submitted_files, signature


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "alice"
    (root / "data" / "a" / "b" / "c").mkdir(parents=True)
    (root / "practice.ipynb").write_text("{}")
    (root / "helpers.py").write_text("X = 1\n")
    (root / "data" / "values.txt").write_text("1 2 3\n")
    (root / "data" / "a" / "b" / "c" / "too_deep.txt").write_text("deep\n")
    (root / ".secret").write_text("hidden\n")
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / "practice-checkpoint.ipynb").write_text("{}")
    (root / "link.txt").symlink_to("/etc/passwd")
    os.mkfifo(root / "pipe")
    (root / "big.bin").write_bytes(b"x" * 5000)
    return root


def test_regular_files_are_copied_links_and_special_files_are_not(folder: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workfiles, "MAX_FILE_BYTES", 1000)
    work = tmp_path / "work"
    work.mkdir()
    notes = copy_submitted_files(folder, work, folder / "practice.ipynb")
    copied = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())
    assert copied == ["data/values.txt", "helpers.py"]
    assert not (work / "link.txt").exists() and not (work / "pipe").exists()
    assert len(notes) == 1 and "big.bin" in notes[0] and "helpers.py" not in notes[0]


def test_the_file_count_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workfiles, "MAX_FILES", 3)
    root = tmp_path / "many"
    root.mkdir()
    for i in range(10):
        (root / f"f{i}.txt").write_text(str(i))
    work = tmp_path / "work"
    work.mkdir()
    notes = copy_submitted_files(root, work)
    assert len(list(work.iterdir())) == 3
    assert "f3.txt" in notes[0] and "and 2 more" in notes[0]


def test_signature_follows_the_copied_files(folder: Path) -> None:
    notebook = folder / "practice.ipynb"
    before = signature(folder, notebook)
    assert signature(folder, notebook) == before
    notebook.write_text('{"cells": []}')
    assert signature(folder, notebook) == before, "the notebook itself is hashed on its own"
    (folder / "helpers.py").write_text("X = 2  # changed\n")
    assert signature(folder, notebook) != before
