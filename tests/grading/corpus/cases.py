"""The hostile-submission corpus for the NumPy practice assignment in ``nbtools`` (5 points: 2 + 1 + 2).

Each case writes one student's folder and states the exact points, status and a note it must get.
``ctx`` gives absolute paths the attacks aim at: the source notebook and the grading output folder.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import nbtools
from nbtools import Q1_SOLUTION, Q2_SOLUTION, Q3_SOLUTION

Context = dict[str, Path]


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[dict[str, Any], Context], Any]
    points: float
    status: str
    note: str = ""


def solved(released: dict[str, Any], **answers: str) -> dict[str, Any]:
    base = {"q1_answer": Q1_SOLUTION, "q2_answer": Q2_SOLUTION, "q3_answer": Q3_SOLUTION}
    base.update(answers)
    return nbtools.with_answers(released, base)


def _cell_index(nb: dict[str, Any], gid: str) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)


def correct(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel)


def wrong_with_hint(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q1_answer="squares = np.arange(4) * 2")


def infinite_loop(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="while True:\n    pass")


def stubborn_loop(rel: dict[str, Any], ctx: Context) -> Any:
    loop = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass"
    return solved(rel, q2_answer=loop)


def sleeper(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q3_answer="import time\ntime.sleep(1000)")


def hard_exit(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="import os\nos._exit(0)")


def segfault(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q3_answer="import ctypes\nctypes.string_at(0)")


def memory_bomb(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="hog = bytearray(64 * 1024**3)\n" + Q2_SOLUTION)


def numpy_memory_bomb(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q3_answer="blocks = []\nwhile True:\n    blocks.append(np.zeros(10**8))")


def flood(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="for i in range(1_000_000):\n    print(i)\n" + Q2_SOLUTION)


def syntax_error(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q1_answer="squares = np.arange(4) **")


def sys_exit(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer=Q2_SOLUTION + "\nimport sys\nsys.exit(1)")


def missing(rel: dict[str, Any], ctx: Context) -> Any:
    return None


def renamed(rel: dict[str, Any], ctx: Context) -> Any:
    return ("practice (1).ipynb", solved(rel))


def not_json(rel: dict[str, Any], ctx: Context) -> Any:
    return "{ this is not a notebook"


def patch_allclose(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q1_answer="np.allclose = lambda *a, **k: True\nnp.isclose = np.allclose\nsquares = [0, 0, 0, 0]")


def patch_checker(rel: dict[str, Any], ctx: Context) -> Any:
    attack = (
        "import autograd_lab.grading as g\n"
        "import autograd_lab.grading.scoring as s, autograd_lab.grading.compare as c\n"
        "g.expect = g.check = lambda *a, **k: None\n"
        "s.score_test = lambda *a, **k: None\n"
        "c.compare = lambda *a, **k: c.Verdict(True)\n"
        "grad = 'all good'"
    )
    return solved(rel, q3_answer=attack)


def read_hidden(rel: dict[str, Any], ctx: Context) -> Any:
    attack = (
        "import os, glob\n"
        "stolen = []\n"
        f"for target in [{str(ctx['source'])!r}, {str(ctx['source'].parent)!r}, '/proc/%d/cmdline' % os.getppid(),\n"
        f"               '/proc/%d/mem' % os.getppid(), '/proc/%d/environ' % os.getppid()]:\n"
        "    try:\n"
        "        stolen.append(open(target, 'rb').read(100))\n"
        "    except OSError:\n"
        "        pass\n"
        "    try:\n"
        "        stolen.append(os.listdir(target))\n"
        "    except OSError:\n"
        "        pass\n"
        "squares = np.arange(4) ** 2 if not [s for s in stolen if s] else 'leaked'"
    )
    return solved(rel, q1_answer=attack)


def tamper_gradebook(rel: dict[str, Any], ctx: Context) -> Any:
    out = ctx["out"]
    attack = (
        "import os, json\n"
        "wrote = False\n"
        f"for path in [{str(out / 'gradebook.csv')!r}, {str(out / '.state' / 'a_correct.json')!r},\n"
        f"             {str(out / '.state' / 'evil.json')!r}, {str(out / 'feedback' / 'a_correct.html')!r}]:\n"
        "    try:\n"
        "        with open(path, 'a') as fh:\n"
        "            fh.write('tampered')\n"
        "        wrote = True\n"
        "    except OSError:\n"
        "        pass\n"
        "grad = np.ones(3) if not wrote else 'tampered'"
    )
    return solved(rel, q3_answer=attack)


def kill_grader(rel: dict[str, Any], ctx: Context) -> Any:
    attack = "import os, signal\ntry:\n    os.kill(os.getppid(), signal.SIGTERM)\nexcept OSError:\n    pass\n"
    return solved(rel, q2_answer=attack + Q2_SOLUTION)


def edit_test_cell(rel: dict[str, Any], ctx: Context) -> Any:
    nb = solved(rel, q1_answer="squares = [0, 0, 0, 0]")
    nb["cells"][_cell_index(nb, "q1")]["source"] = ["pass  # no more tests\n"]
    return nb


def delete_metadata(rel: dict[str, Any], ctx: Context) -> Any:
    nb = solved(rel)
    for cell in nb["cells"]:
        cell["metadata"] = {}
    nb["metadata"] = {}
    return nb


def duplicate_cell(rel: dict[str, Any], ctx: Context) -> Any:
    nb = solved(rel)
    i = _cell_index(nb, "q1_answer")
    wrong = copy.deepcopy(nb["cells"][i])
    wrong["source"] = ["squares = None\n"]
    nb["cells"].insert(i, wrong)
    return nb


def inserted_cell(rel: dict[str, Any], ctx: Context) -> Any:
    nb = solved(rel, q2_answer="total = helper(squares)")
    i = _cell_index(nb, "q2_answer")
    nb["cells"].insert(i, nbtools.code("def helper(v):\n    return float(np.sum(v))"))
    return nb


def noisy_warnings(rel: dict[str, Any], ctx: Context) -> Any:
    noise = (
        "import sys, warnings\n"
        "warnings.warn('this is only a warning')\n"
        "print('some text on stderr', file=sys.stderr)\n"
        "warnings.simplefilter('error')\n"
    )
    return solved(rel, q1_answer=noise + Q1_SOLUTION)


def garble_results(rel: dict[str, Any], ctx: Context) -> Any:
    attack = "import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{not json\\n')\n    except OSError:\n        pass\n"
    return solved(rel, q2_answer=attack + Q2_SOLUTION)


def lone_surrogate(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q3_answer="print('\\udce2 odd text')\nraise ValueError('\\udce2 odd text')")


def unanswered(rel: dict[str, Any], ctx: Context) -> Any:
    return rel


CASES = [
    Case("a_correct", correct, 5, "ok"),
    Case("wrong_with_hint", wrong_with_hint, 4, "ok"),
    Case("infinite_loop", infinite_loop, 4, "timeout"),
    Case("stubborn_loop", stubborn_loop, 2, "timeout", "longer than"),
    Case("sleeper", sleeper, 3, "timeout"),
    Case("hard_exit", hard_exit, 2, "exited", "ended the Python process"),
    Case("segfault", segfault, 3, "crashed", "SIGSEGV"),
    Case("memory_bomb", memory_bomb, 4, "memory"),
    Case("numpy_memory_bomb", numpy_memory_bomb, 3, "memory"),
    Case("flood", flood, 2, "output-limit", "printed more than"),
    Case("syntax_error", syntax_error, 2, "syntax-error"),
    Case("sys_exit", sys_exit, 5, "error"),
    Case("missing", missing, 0, "missing", "no notebook"),
    Case("renamed", renamed, 5, "renamed", "renamed"),
    Case("not_json", not_json, 0, "invalid-notebook"),
    Case("patch_allclose", patch_allclose, 3, "ok"),
    Case("patch_checker", patch_checker, 3, "ok"),
    Case("read_hidden", read_hidden, 5, "ok"),
    Case("tamper_gradebook", tamper_gradebook, 5, "ok"),
    Case("kill_grader", kill_grader, 5, "ok"),
    Case("edit_test_cell", edit_test_cell, 3, "ok", "was edited"),
    Case("delete_metadata", delete_metadata, 5, "ok", "matched by position"),
    Case("duplicate_cell", duplicate_cell, 5, "ok", "appears 2 times"),
    Case("inserted_cell", inserted_cell, 4, "error", "inserted code cell"),
    Case("noisy_warnings", noisy_warnings, 5, "ok"),
    Case("garble_results", garble_results, 5, "ok", "unreadable line"),
    Case("lone_surrogate", lone_surrogate, 3, "error"),
    Case("unanswered", unanswered, 0, "error"),
]


def write_case(case: Case, root: Path, released: dict[str, Any], ctx: Context) -> None:
    """Write ``root/<case.name>/practice.ipynb`` (or what the case makes instead)."""
    folder = root / case.name
    folder.mkdir(parents=True, exist_ok=True)
    made = case.build(copy.deepcopy(released), ctx)
    if made is None:
        (folder / "README.txt").write_text("forgot to upload\n")
    elif isinstance(made, str):
        (folder / "practice.ipynb").write_text(made)
    elif isinstance(made, tuple) and isinstance(made[1], bytes):
        (folder / made[0]).write_bytes(made[1])
    elif isinstance(made, tuple):
        nbtools.write(made[1], folder / made[0])
    else:
        (folder / "practice.ipynb").write_text(json.dumps(made))
