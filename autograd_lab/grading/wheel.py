"""Build a wheel of the installed autograd-lab, so an autograder installs exactly the version that made it.

The wheel is assembled from the installed package files and their installed metadata (name, version,
dependencies, entry points): no build tools, no network and no source checkout are needed, and an
editable install gives the same wheel as a regular one.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import re
import zipfile
from pathlib import Path

import autograd_lab

DIST_NAME = "autograd-lab"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def package_files() -> list[tuple[str, bytes]]:
    """``(archive name, content)`` of every file of the installed ``autograd_lab`` package."""
    package = Path(autograd_lab.__file__).resolve().parent
    out = []
    for path in sorted(package.rglob("*")):
        parts = path.relative_to(package).parts
        if path.is_file() and "__pycache__" not in parts and not any(part.startswith(".") for part in parts) \
                and path.suffix not in (".pyc", ".pyo"):
            out.append((f"autograd_lab/{path.relative_to(package).as_posix()}", path.read_bytes()))
    return out


def core_metadata(dist: importlib.metadata.Distribution) -> str:
    """A wheel's METADATA from an installed distribution (a dist-info or an egg-info one)."""
    meta = dist.metadata
    requires = dist.requires or []
    declared = meta.get_all("Provides-Extra") or re.findall(r'extra == "([^"]+)"', "\n".join(requires))
    extras = list(dict.fromkeys(declared))
    lines = ["Metadata-Version: 2.1", f"Name: {meta['Name']}", f"Version: {dist.version}"]
    lines += [f"{field}: {meta[field]}" for field in ("Summary", "License", "Requires-Python") if meta[field]]
    lines += [f"Requires-Dist: {req}" for req in requires] + [f"Provides-Extra: {extra}" for extra in extras]
    return "\n".join(lines) + "\n"


def build_wheel(folder: Path) -> Path:
    """Write ``autograd_lab-<version>-py3-none-any.whl`` into ``folder`` and return its path."""
    try:
        dist = importlib.metadata.distribution(DIST_NAME)
    except importlib.metadata.PackageNotFoundError as exc:
        raise RuntimeError("autograd-lab is not installed (pip install autograd-lab, or pip install -e .)") from exc
    if dist.version != autograd_lab.__version__:
        raise RuntimeError(f"installed metadata says {dist.version} but the package is {autograd_lab.__version__}; "
                           "reinstall it")
    info = f"autograd_lab-{dist.version}.dist-info"
    files = package_files()
    files.append((f"{info}/METADATA", core_metadata(dist).encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: autograd-lab\nRoot-Is-Purelib: true\n"
                                    b"Tag: py3-none-any\n"))
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        files.append((f"{info}/entry_points.txt", entry_points.encode()))
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files) + f"{info}/RECORD,,\n"
    files.append((f"{info}/RECORD", record.encode()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"autograd_lab-{dist.version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            entry = zipfile.ZipInfo(name, _FIXED_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return path
