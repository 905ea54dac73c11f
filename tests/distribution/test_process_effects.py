"""Importing autograd_lab leaves the process as it was, pytest runs without nbval, and the test command with it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO

# Allocates 384 MiB of NumPy arrays (8 MiB each, a small result kept after each), frees them and
# prints how much resident memory the process kept, in MiB.
RETAINED_AFTER_FREEING = """
import sys
import numpy as np
{setup}

def resident_mib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))

start = resident_mib()
arrays, results = [], []
for i in range(48):
    arrays.append(np.full(2**20, float(i)))
    results.append(arrays[-1][:4].copy())
del arrays
print(resident_mib() - start)
"""


def _retained_mib(setup: str) -> float:
    code = RETAINED_AFTER_FREEING.format(setup=setup)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return float(result.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and tunes glibc's allocator")
def test_import_does_not_make_the_process_keep_freed_memory() -> None:
    plain = _retained_mib("")
    imported = _retained_mib("import autograd_lab")
    kept = _retained_mib("import autograd_lab\nassert autograd_lab.keep_freed_memory()")
    assert plain < 32
    assert imported < 32
    assert kept > 96, "the measurement no longer sees what keep_freed_memory() does"


def test_a_core_test_file_runs_without_nbval() -> None:
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:nbval", "-q", "-p", "no:cacheprovider",
                             "tests/test_errors.py"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout.splitlines()[-1] and "failed" not in result.stdout.splitlines()[-1]


def test_the_test_command_validates_every_lesson_with_nbval() -> None:
    result = subprocess.run(["bash", "scripts/test.sh", "--collect-only", "-q", "-p", "no:cacheprovider", "notebooks"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    collected = {line.split("::")[0] for line in result.stdout.splitlines() if "::Cell " in line}
    assert collected == {f"notebooks/{path.name}" for path in (REPO / "notebooks").glob("*.ipynb")}
