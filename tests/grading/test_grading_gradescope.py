"""Gradescope end to end: build the autograder zip, install its wheel the way setup.sh does (offline, into a
fresh virtualenv), run ``run_autograder`` on submissions with AUTOGRADER_ROOT pointing at a temporary tree,
and check results.json against Gradescope's format."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest

import autograd_lab
import nbtools
from autograd_lab.grading.cli import main
from autograd_lab.grading.release import release_notebook
from autograd_lab.grading import landlock
from corpus.cases_parent import GRADESCOPE_CASES as SHIPPED_CASES, NEEDS_LANDLOCK
from corpus.cases_round3 import GRADESCOPE_CASES as ROUND3_CASES

GRADESCOPE_CASES = {**SHIPPED_CASES, **ROUND3_CASES}

HIDDEN_CODE = ["squares.shape", "grad.dtype", "float(grad.sum())", "3.5", "BEGIN HIDDEN"]
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_results_format(data: dict[str, Any]) -> None:
    """The fields and values Gradescope's autograder specification allows."""
    assert set(data) <= {"score", "execution_time", "output", "output_format", "test_output_format",
                         "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
    assert isinstance(data["score"], (int, float)) and isinstance(data["output"], str)
    assert data["output_format"] in FORMATS
    for test in data["tests"]:
        assert set(test) <= {"score", "max_score", "status", "name", "name_format", "number", "output",
                             "output_format", "tags", "visibility", "extra_data"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITY
        assert test["output_format"] in FORMATS
    assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-3 or not data["tests"]


@pytest.fixture(scope="module")
def autograder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("gradescope")
    source = nbtools.write(nbtools.numpy_source(), work / "practice.ipynb")
    archive = work / "autograder.zip"
    assert main(["gradescope", str(source), "-o", str(archive), "--cell-timeout", "10", "--timeout", "60"]) == 0
    root = work / "autograder"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in zf.infolist()}
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    os.chmod(root / "run_autograder", 0o755)
    _install_like_setup_sh(root)
    return {"root": root, "modes": modes, "released": release_notebook(nbtools.numpy_source(), "practice")}


def _install_like_setup_sh(root: Path) -> None:
    """setup.sh's virtualenv, without the network: the wheel installed with pip, NumPy taken from this venv."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    site = Path(subprocess.run([str(root / "venv" / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    wheel = next((root / "source").glob("autograd_lab-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site),
                    str(wheel)], check=True)
    (site / "numpy_from_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")


def run_autograder(root: Path, submission: Any, released: dict[str, Any]) -> tuple[dict[str, Any], str]:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    submission(root / "submission", released)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AUTOGRADER_ROOT": str(root), "LANG": "C.UTF-8"}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8")), proc.stdout


def test_zip_holds_setup_run_source_and_the_pinned_wheel(autograder: dict[str, Any]) -> None:
    version = autograd_lab.__version__
    wheel = f"autograd_lab-{version}-py3-none-any.whl"
    assert set(autograder["modes"]) == {"setup.sh", "run_autograder", "practice.ipynb", wheel}
    assert autograder["modes"]["setup.sh"] & 0o111 and autograder["modes"]["run_autograder"] & 0o111
    setup = (autograder["root"] / "source" / "setup.sh").read_text()
    assert f'pip install --no-cache-dir "$HERE/{wheel}[grading]"' in setup
    assert f'autograd_lab.__version__ != "{version}"' in setup
    with zipfile.ZipFile(autograder["root"] / "source" / wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(f"autograd_lab-{version}.dist-info/METADATA").decode()
    assert "autograd_lab/grading/gradescope.py" in names and not any("__pycache__" in n for n in names)
    assert f"Version: {version}" in metadata and "Requires-Dist: numpy" in metadata


@pytest.mark.parametrize("case", sorted(GRADESCOPE_CASES))
def test_run_autograder_always_writes_results(autograder: dict[str, Any], case: str) -> None:
    if case in NEEDS_LANDLOCK and landlock.abi_version() < 1:
        pytest.skip("keeping the source from the student's code needs Landlock")
    build, points, message = GRADESCOPE_CASES[case]
    data, stdout = run_autograder(autograder["root"], build, autograder["released"])
    check_results_format(data)
    assert data["score"] == pytest.approx(points, abs=1e-3)
    assert message in data["output"], data["output"]
    assert f"autograd-lab {autograd_lab.__version__} from {autograder['root'] / 'venv'}" in stdout
    text = json.dumps(data)
    assert not any(secret in text for secret in HIDDEN_CODE)


def test_hidden_checks_are_separate_tests_shown_after_publishing(autograder: dict[str, Any]) -> None:
    data, _ = run_autograder(autograder["root"], GRADESCOPE_CASES["two_notebooks"][0], autograder["released"])
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == ["q1", "q1: hidden check 1", "q2", "q3", "q3: hidden check 1", "q3: hidden check 2"]
    assert [t["visibility"] for t in data["tests"]] == ["visible", "after_published", "visible", "visible",
                                                        "after_published", "after_published"]
    assert tests["q1"]["status"] == "failed" and tests["q1"]["score"] == 0
    assert "That doubles; use ** 2." in tests["q1"]["output"] and "expected [0, 1, 4, 9]" in tests["q1"]["output"]
    assert tests["q1: hidden check 1"] | {} == {**tests["q1: hidden check 1"], "output": "passed", "score": 1}


def test_broken_install_still_writes_a_zero(autograder: dict[str, Any], tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    shutil.copytree(autograder["root"] / "source", root / "source")
    (root / "venv" / "bin").mkdir(parents=True)
    (root / "venv" / "bin" / "python").write_text("#!/bin/sh\necho 'no module named autograd_lab' >&2\nexit 1\n")
    os.chmod(root / "venv" / "bin" / "python", 0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    data, _ = run_autograder(root, GRADESCOPE_CASES["solved"][0], autograder["released"])
    check_results_format(data)
    assert data["score"] == 0 and "could not run (exit status 1)" in data["output"]


def test_hidden_visibility_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = nbtools.write(nbtools.numpy_source(), tmp_path / "practice.ipynb")
    archive = tmp_path / "ag.zip"
    assert main(["gradescope", str(source), "-o", str(archive), "--hidden-visibility", "visible"]) == 0
    with zipfile.ZipFile(archive) as zf:
        assert "--hidden-visibility visible" in zf.read("run_autograder").decode()
    with pytest.raises(SystemExit):
        main(["gradescope", str(source), "-o", str(archive), "--hidden-visibility", "sometimes"])
    assert "invalid choice" in capsys.readouterr().err
