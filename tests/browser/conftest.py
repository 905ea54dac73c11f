"""Session fixtures for the browser tests: one Chromium, one JupyterLab, the widget assets for exported HTML.

These tests fail (never skip) when Chromium, JupyterLab or the assets are missing.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

from .harness import ARTIFACTS, JupyterLab, chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="agl-lab-root-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(lab_root: Path) -> Iterator[JupyterLab]:
    server = JupyterLab(lab_root)
    try:
        yield server
    finally:
        server.stop()
