"""The scripts an exported notebook loads from CDNs, kept in a local cache so the test runs offline.

nbconvert's HTML loads require.js and ``@jupyter-widgets/html-manager`` from CDNs, and the
html-manager then asks a CDN for the ``anywidget`` front end. Here none of those hosts
is reachable, so the test answers those requests itself:

* ``@jupyter-widgets/html-manager`` (BSD-3-Clause) and ``requirejs`` (MIT): npm tarballs at
  pinned versions, fetched once with ``npm pack`` into ``~/.cache/autograd-lab/npm`` (or
  ``$AUTOGRAD_LAB_NPM_CACHE``) and checked against their pinned sha512;
* anywidget's front end: the AMD bundle the ``anywidget`` Python package installs under
  ``share/jupyter/nbextensions/anywidget/``, the same version as the Python side.
"""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

PACKAGES = {
    "html-manager": ("@jupyter-widgets/html-manager@1.0.15", "jupyter-widgets-html-manager-1.0.15.tgz",
                     "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
                     "package/dist/embed-amd.js"),
    "requirejs": ("requirejs@2.3.7", "requirejs-2.3.7.tgz",
                  "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==",
                  "package/require.js"),
}


def cache_dir() -> Path:
    """Where the tarballs are kept between runs."""
    configured = os.environ.get("AUTOGRAD_LAB_NPM_CACHE")
    base = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "autograd-lab" / "npm" if not configured else base


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _tarball(spec: str, filename: str, integrity: str) -> Path:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm is needed once to fetch {spec} for the exported-HTML test "
                               f"(or put {filename} in {folder})")
        result = subprocess.run([npm, "pack", spec, "--pack-destination", str(folder)], capture_output=True,
                                text=True, timeout=180)
        if result.returncode != 0 or not path.exists():
            raise RuntimeError(f"npm pack {spec} failed:\n{result.stderr[-2000:]}")
    if _integrity(path) != integrity:
        path.unlink()
        raise RuntimeError(f"{filename} does not match its pinned sha512; deleted it, run again")
    return path


def asset(name: str) -> bytes:
    """The file the exported page needs from package ``name`` ("html-manager" or "requirejs")."""
    spec, filename, integrity, member = PACKAGES[name]
    with tarfile.open(_tarball(spec, filename, integrity)) as archive:
        extracted = archive.extractfile(member)
        assert extracted is not None
        return extracted.read()


def anywidget_amd() -> bytes:
    """anywidget's front end as an AMD module, from the installed Python package."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("nbextensions"):
        path = Path(folder) / "anywidget" / "index.js"
        if path.exists():
            return path.read_bytes()
    raise RuntimeError("anywidget's nbextension bundle (share/jupyter/nbextensions/anywidget/index.js) is missing: "
                       "reinstall anywidget")
