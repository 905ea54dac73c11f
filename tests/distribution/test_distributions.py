"""The sdist and wheel as an upload would carry them: valid metadata, complete, nothing that cannot run."""
from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import trove_classifiers

from autograd_lab._version import __version__

from .conftest import REPO, run

REPOSITORY_URL = "https://github.com/autograd-lab/autograd-lab"


def _sdist(dist: Path) -> tarfile.TarFile:
    (path,) = dist.glob("*.tar.gz")
    return tarfile.open(path)


def _metadata(dist: Path) -> tuple[zipfile.ZipFile, dict[str, list[str]]]:
    (path,) = dist.glob("*.whl")
    wheel = zipfile.ZipFile(path)
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    message = Parser().parsestr(wheel.read(name).decode())
    return wheel, {key: message.get_all(key) or [] for key in set(message.keys())}


def test_twine_check_strict_passes_on_wheel_and_sdist(dist: Path) -> None:
    files = sorted(str(p) for p in [*dist.glob("*.whl"), *dist.glob("*.tar.gz")])
    assert len(files) == 2
    result = run([sys.executable, "-m", "twine", "check", "--strict", *files], cwd=dist)
    assert result.stdout.count("PASSED") == 2


def test_build_gives_no_warnings(dist: Path) -> None:
    log = (dist / "build.log").read_text()
    assert re.findall(r"\w*Warning\b.*", log) == []


def test_sdist_holds_the_whole_package_and_leaves_the_tests_out(dist: Path) -> None:
    with _sdist(dist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    tracked = subprocess.run(["git", "ls-files", "autograd_lab"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked and set(tracked) <= names
    assert {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml"} <= names
    assert not [name for name in names if name.startswith("tests/") or "/tests/" in name]


def test_wheel_metadata(dist: Path) -> None:
    wheel, meta = _metadata(dist)
    assert meta["Version"] == [__version__]
    assert meta["License-Expression"] == ["MIT"]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel.namelist())
    assert [r for r in meta["Requires-Dist"] if "extra ==" not in r] == ["numpy>=1.23"]
    assert set(meta["Provides-Extra"]) == {"widgets", "grading", "lab", "test"}
    widgets = {r.split(";")[0].split(">=")[0] for r in meta["Requires-Dist"] if 'extra == "widgets"' in r}
    assert widgets == {"anywidget", "graphviz"}
    lab = {r.split(";")[0] for r in meta["Requires-Dist"] if 'extra == "lab"' in r}
    assert "autograd-lab[widgets]" in lab and any(r.startswith("jupyterlab") for r in lab)
    for classifier in ("Framework :: Jupyter", "Intended Audience :: Education",
                       "Topic :: Scientific/Engineering :: Artificial Intelligence",
                       *(f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14))):
        assert classifier in meta["Classifier"]
    assert set(meta["Classifier"]) <= trove_classifiers.classifiers, "PyPI refuses unknown classifiers"
    assert meta["Project-URL"] and all(url.split(", ", 1)[1].startswith(REPOSITORY_URL) for url in meta["Project-URL"])
    assert meta["Author"]
    entry_points = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "autograd-lab = autograd_lab.cli:main" in wheel.read(entry_points).decode()


def test_wheel_carries_the_widget_front_end(dist: Path) -> None:
    wheel, _ = _metadata(dist)
    for source in (REPO / "autograd_lab" / "widgets").glob("*.[jc]s*"):
        assert wheel.read(f"autograd_lab/widgets/{source.name}") == source.read_bytes()


def test_readme_links_work_on_a_package_index_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert targets
    assert [t for t in targets if not t.startswith("https://")] == []
    elsewhere_on_github = [t for t in targets if t.startswith("https://github.com/")
                           and t != REPOSITORY_URL and not t.startswith(REPOSITORY_URL + "/")]
    assert elsewhere_on_github == []
    for target in targets:
        if target.startswith(f"{REPOSITORY_URL}/blob/main/") or target.startswith(f"{REPOSITORY_URL}/tree/main/"):
            assert (REPO / target.split("/main/", 1)[1]).exists(), target


def test_changelog_has_dated_versions_below_the_package_version() -> None:
    headings = re.findall(r"^## (.+)$", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    released = [re.fullmatch(r"(\d+)\.(\d+)\.(\d+) - (\d{4}-\d{2}-\d{2})", h) for h in headings if h != "Unreleased"]
    assert released and all(released), headings
    assert headings.count("Unreleased") <= 1 and headings[0] in ("Unreleased", f"{__version__} - {released[0][4]}")
    versions = [tuple(int(part) for part in match.groups()[:3]) for match in released]
    dates = [match[4] for match in released]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == len(versions)
    assert dates == sorted(dates, reverse=True)
    package = tuple(int(part) for part in __version__.split("."))
    assert package > versions[0] if headings[0] == "Unreleased" else package == versions[0]
