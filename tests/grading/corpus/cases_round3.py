"""Round 3 of real-style submissions: what careless and cheating students hand in, each with the grade a fair
human grader gives it.

``CASES``: the NumPy practice assignment of ``nbtools`` (5 points: q1 2 = squares + hidden shape; q2 1 = total +
isinstance; q3 2 = grad + hidden dtype + hidden bound), run by test_grading_corpus.
``TORCH_CASES``: the library assignment of ``cases_torch`` (8 points), run by test_grading_trust.
``PARENT_CASES``: files and folders as students upload them, run by test_grading_parent.
``EXERCISE_CASES``: the shipped exercises, run by test_grading_exercise_corpus.
"""
from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import nbtools
from corpus.cases import Case, Context, solved
from corpus.cases_exercises import SOFTPLUS, ExerciseCase
from corpus.cases_parent import ParentCase, _folder, _nb
from nbtools import Q1_SOLUTION, Q2_SOLUTION, Q3_SOLUTION


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def _index(nb: dict[str, Any], gid: str) -> int:
    return next(i for i, c in enumerate(nb["cells"])
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)


# -- careless: what a notebook looks like when it is handed in ------------------------------------------


def stub_left(rel: dict[str, Any], ctx: Context) -> Any:
    """q2 never answered: the released ``raise NotImplementedError()`` is still there."""
    nb = solved(rel)
    nb["cells"][_index(nb, "q2_answer")]["source"] = ["# YOUR CODE HERE\n", "raise NotImplementedError()"]
    return nb


def stub_after_answer(rel: dict[str, Any], ctx: Context) -> Any:
    """The answer written above the stub line, which still raises: the answer was computed, so it counts."""
    return solved(rel, q1_answer="# YOUR CODE HERE\n" + Q1_SOLUTION + "\nraise NotImplementedError()")


def saved_with_outputs(rel: dict[str, Any], ctx: Context) -> Any:
    """Saved after running: execution counts, stream and error outputs, an image, a traceback."""
    nb = solved(rel)
    for n, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": ["hello\n"]},
            {"output_type": "error", "ename": "NameError", "evalue": "name 'x' is not defined",
             "traceback": ["\u001b[0;31mNameError\u001b[0m: name 'x' is not defined"]},
            {"output_type": "execute_result", "execution_count": n + 1, "metadata": {},
             "data": {"text/plain": ["array([0, 1, 4, 9])"], "image/png": "iVBORw0KGgo="}},
        ]
    return nb


def reordered(rel: dict[str, Any], ctx: Context) -> Any:
    """Answer cells dragged out of order (q3's answer first): the source's order is what runs."""
    nb = solved(rel)
    cell = nb["cells"].pop(_index(nb, "q3_answer"))
    nb["cells"].insert(_index(nb, "q1_answer"), cell)
    return nb


def test_cell_deleted(rel: dict[str, Any], ctx: Context) -> Any:
    nb = solved(rel)
    del nb["cells"][_index(nb, "q2")]
    return nb


def answer_cell_deleted(rel: dict[str, Any], ctx: Context) -> Any:
    """q2's answer cell deleted, and the answer written into a new cell: that cell is not run."""
    nb = solved(rel)
    i = _index(nb, "q2_answer")
    nb["cells"][i] = nbtools.code(Q2_SOLUTION)
    nb["cells"].insert(i, nbtools.md("my answer"))
    return nb


def markdown_answer(rel: dict[str, Any], ctx: Context) -> Any:
    """q1's answer cell turned into Markdown (the M key): nothing of it runs."""
    nb = solved(rel)
    nb["cells"][_index(nb, "q1_answer")]["cell_type"] = "markdown"
    return nb


def numpy_and_float_answers(rel: dict[str, Any], ctx: Context) -> Any:
    """Right values in other containers: a float32 array, a NumPy float (a ``float`` subclass), int64 ones."""
    return solved(rel, q1_answer="squares = (np.arange(4, dtype=np.float32)) ** 2",
                  q2_answer="total = np.float64(np.sum(squares))",
                  q3_answer="grad = np.ones(3)\nfor _ in range(3):\n    grad = np.ones(3, dtype=np.float64)")


def list_answer(rel: dict[str, Any], ctx: Context) -> Any:
    """A list where an array is meant: the values count, the hidden ``.shape`` check cannot pass."""
    return solved(rel, q1_answer="squares = [i * i for i in range(4)]", q2_answer="total = float(sum(squares))")


def int_total(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="total = int(np.sum(squares))")


def star_import(rel: dict[str, Any], ctx: Context) -> Any:
    """``from autograd_lab import *`` shadows ``float``, ``sum``, ``max`` (as PyTorch's does): the checks'
    own ``float`` and ``isinstance`` are still the builtins."""
    return solved(rel, q1_answer="from autograd_lab import *\n" + Q1_SOLUTION,
                  q2_answer="total = 14.0")


def shadow_names(rel: dict[str, Any], ctx: Context) -> Any:
    """``check``, ``expect``, ``isinstance`` and ``np`` rebound by the notebook after its answers."""
    q3 = Q3_SOLUTION + "\ncheck = expect = None\nisinstance = lambda *a: False\nnp = 'numpy'"
    return solved(rel, q3_answer=q3)


def deleted_later(rel: dict[str, Any], ctx: Context) -> Any:
    """``del squares`` in a later cell: each question is checked where its test cell stands."""
    return solved(rel, q3_answer="del squares, total\n" + Q3_SOLUTION)


def deleted_before_check(rel: dict[str, Any], ctx: Context) -> Any:
    """``del`` of its own answer at the end of the cell: the check finds nothing."""
    return solved(rel, q2_answer=Q2_SOLUTION + "\ndel total")


def input_call(rel: dict[str, Any], ctx: Context) -> Any:
    """``input()`` left in a cell: there is nobody to type, the cell fails at once (no hang)."""
    return solved(rel, q2_answer="name = input('your name: ')\n" + Q2_SOLUTION)


def keyboard_interrupt(rel: dict[str, Any], ctx: Context) -> Any:
    """The notebook was interrupted (the traceback pasted in, or ``raise KeyboardInterrupt``)."""
    return solved(rel, q2_answer=Q2_SOLUTION + "\nraise KeyboardInterrupt")


def base_exception(rel: dict[str, Any], ctx: Context) -> Any:
    q3 = "class Stop(BaseException):\n    pass\n" + Q3_SOLUTION + "\nraise Stop('done')"
    return solved(rel, q3_answer=q3)


def exit_zero(rel: dict[str, Any], ctx: Context) -> Any:
    """``exit()`` (IPython's, or ``sys.exit(0)``) in the middle: the rest of the notebook still runs."""
    return solved(rel, q1_answer=Q1_SOLUTION + "\nexit()", q2_answer=Q2_SOLUTION + "\nquit()")


def deep_recursion(rel: dict[str, Any], ctx: Context) -> Any:
    """Unbounded recursion with the limit raised: the C stack overflows (a crash after q2's checks)."""
    q3 = "import sys\nsys.setrecursionlimit(10**7)\ndef down(n):\n    return down(n + 1) + 1\ndown(0)"
    return solved(rel, q3_answer=q3)


def recursion_limit_low(rel: dict[str, Any], ctx: Context) -> Any:
    """A tiny recursion limit left behind: the notebook's own later cells still run (shallow), and the
    checks are not affected."""
    return solved(rel, q1_answer=Q1_SOLUTION + "\nimport sys\nsys.setrecursionlimit(60)")


def numpy_errors_raise(rel: dict[str, Any], ctx: Context) -> Any:
    """``np.seterr(all='raise')`` left on: what the checks compute is not affected."""
    return solved(rel, q1_answer="np.seterr(all='raise')\n" + Q1_SOLUTION)


def huge_print(rel: dict[str, Any], ctx: Context) -> Any:
    """One giant print (a whole array with ``threshold=sys.maxsize``): the output limit stops the run."""
    q2 = Q2_SOLUTION + "\nprint('x' * 50_000_000)"
    return solved(rel, q2_answer=q2)


def huge_error_message(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q3_answer=Q3_SOLUTION + "\nraise ValueError('y' * 10_000_000)")


def chdir_away(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q1_answer="import os\nos.chdir('/')\n" + Q1_SOLUTION)


def streams_replaced(rel: dict[str, Any], ctx: Context) -> Any:
    """``sys.stdout``/``sys.stderr`` replaced or closed (a logging tutorial, a "silence" trick)."""
    q1 = "import sys, io\nsys.stdout = io.StringIO()\nsys.stderr.close()\n" + Q1_SOLUTION
    return solved(rel, q1_answer=q1, q2_answer="print('still here')\n" + Q2_SOLUTION)


def fds_closed(rel: dict[str, Any], ctx: Context) -> Any:
    """Standard output and error closed at the file-descriptor level."""
    q3 = "import os\nos.close(1)\nos.close(2)\n" + Q3_SOLUTION + "\nprint('gone')"
    return solved(rel, q3_answer=q3)


# -- the exception object itself misbehaves ------------------------------------------------------------


_HANG = "def hang(*a, **k):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n"


def error_str_hangs(rel: dict[str, Any], ctx: Context) -> Any:
    """An exception whose ``__str__``/``__repr__`` never return: formatting the error must not hang the run."""
    q2 = _HANG + "class Odd(Exception):\n    __str__ = __repr__ = hang\n" + Q2_SOLUTION + "\nraise Odd()"
    return solved(rel, q2_answer=q2)


def error_str_raises(rel: dict[str, Any], ctx: Context) -> Any:
    q2 = "class Odd(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\n" + Q2_SOLUTION + "\nraise Odd()"
    return solved(rel, q2_answer=q2)


# -- cheating --------------------------------------------------------------------------------------------


def patch_grading_in_sys_modules(rel: dict[str, Any], ctx: Context) -> Any:
    """The grader's modules replaced in ``sys.modules`` and the import system patched."""
    attack = _code("""
        import sys, types, builtins
        fake = types.ModuleType("autograd_lab.grading")
        fake.expect = fake.check = lambda *a, **k: None
        for name in list(sys.modules):
            if name.startswith("autograd_lab.grading"):
                sys.modules[name] = fake
        real_import = builtins.__import__
        builtins.__import__ = lambda name, *a, **k: fake if "grading" in name else real_import(name, *a, **k)
        squares = [0, 0, 0, 0]
    """)
    return solved(rel, q1_answer=attack)


def patch_ndarray_methods(rel: dict[str, Any], ctx: Context) -> Any:
    """NumPy functions a check might call, rebound with always-true answers; the answers are wrong."""
    attack = _code("""
        np.array_equal = np.allclose = np.isclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.ndarray = list
        grad = np.zeros(3)
    """)
    return solved(rel, q3_answer=attack)


def metadata_points_edited(rel: dict[str, Any], ctx: Context) -> Any:
    """Points raised, test cells unlocked and turned into answers, hidden counts zeroed: the source decides."""
    nb = solved(rel, q1_answer="squares = np.arange(4) * 2")
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade"):
            meta["points"] = 100
            meta["locked"] = False
            cell["metadata"]["autograd_lab"] = {"hidden_tests": 0}
    q1 = nb["cells"][_index(nb, "q1")]
    q1["metadata"]["nbgrader"]["solution"] = True
    return nb


def reads_grader_files(rel: dict[str, Any], ctx: Context) -> Any:
    """Looks for the hidden checks in the installed package, the job, the environment and open files."""
    attack = _code("""
        import os, glob, autograd_lab
        found = []
        for path in glob.glob(os.path.dirname(autograd_lab.__file__) + "/**/*", recursive=True):
            if path.endswith((".ipynb", ".json", ".sqlite")):
                found.append(path)
        for fd in os.listdir("/proc/self/fd"):
            try:
                found.append(os.readlink("/proc/self/fd/" + fd))
            except OSError:
                pass
        leaked = any("BEGIN HIDDEN" in open(p, errors="ignore").read() for p in found if os.path.isfile(p))
        leaked = leaked or "float(grad.sum())" in str(os.environ)
        squares = np.arange(4) ** 2 if not leaked else "leaked"
    """)
    return solved(rel, q1_answer=attack)


# -- files as uploaded ---------------------------------------------------------------------------------


def nbformat3(rel: dict[str, Any], ctx: Context) -> Any:
    """An nbformat 3 notebook (an old Jupyter, or a tool that writes v3): ``worksheets`` and ``input``."""
    cells = []
    for cell in solved(rel)["cells"]:
        if cell["cell_type"] == "code":
            cells.append({"cell_type": "code", "collapsed": False, "input": cell["source"], "language": "python",
                          "metadata": cell["metadata"], "outputs": [], "prompt_number": None})
        else:
            cells.append({"cell_type": "markdown", "metadata": cell["metadata"], "source": cell["source"]})
    return {"metadata": {"name": "practice", **rel["metadata"]}, "nbformat": 3, "nbformat_minor": 0,
            "worksheets": [{"cells": cells, "metadata": {}}]}


def utf16(rel: dict[str, Any], ctx: Context) -> Any:
    """Re-saved as UTF-16 with a byte order mark (Windows PowerShell 5's ``Out-File``, Notepad's "Unicode")."""
    return ("practice.ipynb", json.dumps(solved(rel), indent=1, ensure_ascii=False).encode("utf-16"))


def empty_notebook(rel: dict[str, Any], ctx: Context) -> Any:
    return {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def other_assignment(rel: dict[str, Any], ctx: Context) -> Any:
    """Another assignment's notebook saved under this one's name (its cells share grade ids like q1_answer)."""
    other = solved(rel, q1_answer="x = 1", q2_answer="y = 2", q3_answer="z = 3")
    other["metadata"]["autograd_lab"] = {"assignment": "homework2"}
    for cell in other["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id") in ("setup", "q1", "q2", "q3"):
            cell["source"] = ["print('another notebook')\n"]
    return other


def browser_extension(rel: dict[str, Any], ctx: Context) -> Any:
    """Downloaded by a browser that added ``.txt``: the notebook inside is this assignment's."""
    return ("practice.ipynb.txt", json.dumps(solved(rel)).encode())


CASES = [
    Case("r3_stub_left", stub_left, 4, "error"),
    Case("r3_stub_after_answer", stub_after_answer, 5, "error"),
    Case("r3_saved_with_outputs", saved_with_outputs, 5, "ok"),
    Case("r3_reordered", reordered, 5, "ok"),
    Case("r3_test_cell_deleted", test_cell_deleted, 5, "ok", "locked cell 'q2' is missing"),
    Case("r3_answer_cell_deleted", answer_cell_deleted, 5, "ok", "matched by position"),
    Case("r3_markdown_answer", markdown_answer, 2, "error", "not a code cell"),
    Case("r3_numpy_and_float_answers", numpy_and_float_answers, 5, "ok"),
    Case("r3_list_answer", list_answer, 4, "ok"),
    Case("r3_int_total", int_total, 4.5, "ok"),
    Case("r3_star_import", star_import, 5, "ok"),
    Case("r3_shadow_names", shadow_names, 5, "ok"),
    Case("r3_deleted_later", deleted_later, 5, "ok"),
    Case("r3_deleted_before_check", deleted_before_check, 4, "ok"),
    Case("r3_input_call", input_call, 4, "error"),
    Case("r3_keyboard_interrupt", keyboard_interrupt, 5, "error"),
    Case("r3_base_exception", base_exception, 5, "error"),
    Case("r3_exit_zero", exit_zero, 5, "error"),
    Case("r3_deep_recursion", deep_recursion, 3, "timeout"),
    Case("r3_recursion_limit_low", recursion_limit_low, 5, "ok"),
    Case("r3_numpy_errors_raise", numpy_errors_raise, 5, "ok"),
    Case("r3_huge_print", huge_print, 2, "output-limit", "printed more than"),
    Case("r3_huge_error_message", huge_error_message, 5, "error"),
    Case("r3_chdir_away", chdir_away, 5, "ok"),
    Case("r3_streams_replaced", streams_replaced, 5, "ok"),
    Case("r3_fds_closed", fds_closed, 5, "error"),
    Case("r3_error_str_hangs", error_str_hangs, 5, "error"),
    Case("r3_error_str_raises", error_str_raises, 5, "error"),
    Case("r3_patch_grading_in_sys_modules", patch_grading_in_sys_modules, 3, "ok"),
    Case("r3_patch_ndarray_methods", patch_ndarray_methods, 4.33, "ok"),
    Case("r3_metadata_points_edited", metadata_points_edited, 4, "ok"),
    Case("r3_reads_grader_files", reads_grader_files, 5, "ok"),
    Case("r3_nbformat3", nbformat3, 5, "ok", "nbformat 3"),
    Case("r3_utf16", utf16, 5, "ok", "saved as UTF-16, not UTF-8"),
    Case("r3_empty_notebook", empty_notebook, 0, "wrong-notebook", "the notebook has no code cells"),
    Case("r3_other_assignment", other_assignment, 0, "wrong-notebook", "notebook of 'homework2', not of 'practice'"),
    Case("r3_browser_extension", browser_extension, 5, "renamed", "practice.ipynb.txt"),
]

# What the feedback page of a case must say (under the answer cell's error): the error itself, and the hint.
FEEDBACK = {
    "r3_stub_left": ["NotImplementedError", "replace the `raise NotImplementedError()` line"],
    "r3_input_call": ["EOFError", "nobody types while the notebook is graded"],
    "r3_keyboard_interrupt": ["line 2, in &lt;module&gt;", "raised KeyboardInterrupt"],
    "r3_base_exception": ["Stop: done", "raise Stop(&#x27;done&#x27;)"],
    "r3_exit_zero": ["SystemExit", "exit(), quit() and sys.exit() stop the cell there"],
    "r3_error_str_hangs": ["line 11, in &lt;module&gt;", "Odd"],
    "r3_error_str_raises": ["Odd"],
    "r3_huge_error_message": ["ValueError: yyyy", "more characters)"],
}


# -- the library assignment of cases_torch (8 points: q1 3, q2 1, q3 2, q4 2) ------------------------------

from corpus import cases_torch as lab  # noqa: E402


def import_torch(rel: dict[str, Any], ctx: Context) -> Any:
    """PyTorch habits: ``import torch``, ``import torch.nn as nn``, ``from torch.autograd import Function``.
    Without PyTorch on the grading machine they import autograd_lab, as ``install_as_torch()`` does."""
    q1 = "import torch\nimport torch.nn as nn\n" + lab.Q1
    q3 = "from torch.autograd import Function\n" + lab.Q3.replace("torch.autograd.Function", "Function")
    return lab.solved(rel, q1_answer=q1, q3_answer=q3)


def numbers_in_other_shapes(rel: dict[str, Any], ctx: Context) -> Any:
    """A 0-d tensor that requires grad for a number, an upper-case letter with a space: right answers."""
    return lab.solved(rel, q4_answer="ratio = torch.tensor(0.5, requires_grad=True)\nwhy = 'B '")


def detached_for_plotting(rel: dict[str, Any], ctx: Context) -> Any:
    """``w`` rebound to a NumPy copy after backward (to plot it): q1 keeps its dtype and ``loss`` checks, and
    q2's ``SGD([w])`` refuses an array."""
    return lab.solved(rel, q1_answer=lab.Q1 + "\nw = w.detach().numpy()")


def patched_dtype_eq(rel: dict[str, Any], ctx: Context) -> Any:
    """The dtype class's ``__eq__`` patched so float64 equals float32."""
    q1 = ("w = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)\n"
          "type(torch.float32).__eq__ = lambda self, other: True\n"
          "type(torch.float32).__hash__ = lambda self: 0\n"
          "loss = (w * w).sum()\nloss.backward()")
    return lab.solved(rel, q1_answer=q1)


def chatty_function(rel: dict[str, Any], ctx: Context) -> Any:
    """A custom Function that prints a lot each time it runs (debugging left in): the checks call it, the
    notebook never does, so its output is not the notebook's."""
    q3 = lab.Q3.replace("return t * t", "print('forward called ' * 40_000)\n        return t * t")
    return lab.solved(rel, q3_answer=q3)


def checks_called_in_answers(rel: dict[str, Any], ctx: Context) -> Any:
    """``check(...)`` and ``check_all()`` called inside answer cells, as students do to see their progress."""
    return lab.solved(rel, q1_answer=lab.Q1 + "\ncheck('q1')", q4_answer=lab.Q4 + "\nfrom autograd_lab.grading import check_all\ncheck_all()")


TORCH_CASES = [
    Case("k3_import_torch", import_torch, 8, "ok", "autograd_lab was imported in its place"),
    Case("k3_numbers_in_other_shapes", numbers_in_other_shapes, 8, "ok"),
    Case("k3_detached_for_plotting", detached_for_plotting, 4.75, "error"),
    Case("k3_patched_dtype_eq", patched_dtype_eq, 7.25, "ok"),
    Case("k3_chatty_function", chatty_function, 8, "ok"),
    Case("k3_checks_called_in_answers", checks_called_in_answers, 8, "ok"),
]


# -- files and folders as students upload them (the practice assignment) ----------------------------------


def twice_downloaded(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    """The notebook and the browser's second download of it: the assignment's own name is graded, the note
    names the other, so that the grader can look."""
    folder = _folder(root, "p3_twice")
    _nb(folder / "practice.ipynb", solved(rel))
    _nb(folder / "practice (1).ipynb", solved(rel, q1_answer="squares = np.arange(4) * 2"))


def spaces_and_accents(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "José García") / "Práctica final (v2).ipynb", solved(rel))


def not_a_notebook_file(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    """A zip, an HTML export and a script where the notebook should be: the note says what was there."""
    folder = _folder(root, "p3_exports")
    (folder / "practice.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (folder / "practice.html").write_text("<html></html>")
    (folder / "practice.py").write_text("squares = 1\n")


def browser_text_top_level(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(root / "p3_top.ipynb.json", solved(rel))


def mac_zip(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    """A zip made on a Mac, unpacked elsewhere: AppleDouble files next to the notebook and in ``__MACOSX``."""
    folder = _folder(root, "p3_mac")
    _nb(folder / "practice.ipynb", solved(rel))
    (folder / "._practice.ipynb").write_bytes(b"\x00\x05\x16\x07 not json")
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._practice.ipynb").write_bytes(b"\x00\x05\x16\x07 not json")


def empty_folder(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _folder(root, "p3_empty_folder")


def files_next_to_it(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    """The notebook imports a helper module and reads a data file handed in next to it (as in Jupyter)."""
    folder = _folder(root, "p3_with_files")
    q1 = "from helpers import square_all\nsquares = square_all(np.loadtxt('data/values.txt'))"
    _nb(folder / "practice.ipynb", solved(rel, q1_answer=q1))
    (folder / "helpers.py").write_text("def square_all(values):\n    return values ** 2\n")
    (folder / "data").mkdir()
    (folder / "data" / "values.txt").write_text("0\n1\n2\n3\n")
    (folder / "data" / "elsewhere").symlink_to(ctx["source"])


def windows_1252(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    """Edited in a Windows editor and saved in its "ANSI" encoding: accents in comments are not UTF-8."""
    nb = solved(rel, q1_answer="# el cuadrado de cada número\n" + Q1_SOLUTION)
    _nb(_folder(root, "p3_cp1252") / "practice.ipynb", json.dumps(nb, ensure_ascii=False).encode("cp1252"))


def upper_case_extension(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "p3_upper") / "PRACTICE.IPYNB", solved(rel))


PARENT_CASES = [
    ParentCase("r3_twice_downloaded", twice_downloaded, {
        "p3_twice": (5, "ok", "graded practice.ipynb, ignored practice (1).ipynb"),
    }),
    ParentCase("r3_spaces_and_accents", spaces_and_accents, {
        "José García": (5, "renamed", "renamed to 'Práctica final (v2).ipynb'"),
    }),
    ParentCase("r3_not_a_notebook_file", not_a_notebook_file, {
        "p3_exports": (0, "missing", "other files: practice.html, practice.py, practice.zip"),
    }),
    ParentCase("r3_browser_text_top_level", browser_text_top_level, {"p3_top": (5, "ok", "")}),
    ParentCase("r3_mac_zip", mac_zip, {"p3_mac": (5, "ok", "")}),
    ParentCase("r3_empty_folder", empty_folder, {"p3_empty_folder": (0, "missing", "the folder is empty")}),
    ParentCase("r3_files_next_to_it", files_next_to_it, {"p3_with_files": (5, "ok", "")}),
    ParentCase("r3_windows_1252", windows_1252, {"p3_cp1252": (5, "ok", "read as Windows-1252")}),
    ParentCase("r3_upper_case_extension", upper_case_extension, {"p3_upper": (5, "renamed", "PRACTICE.IPYNB")}),
]


def gs_other_assignment(folder: Path, rel: dict[str, Any]) -> None:
    """Gradescope: another assignment's notebook uploaded under this one's name."""
    _nb(folder / "practice.ipynb", other_assignment(rel, {}))


def gs_with_data(folder: Path, rel: dict[str, Any]) -> None:
    """Gradescope: the notebook with the helper module and data it reads."""
    q1 = "from helpers import square_all\nsquares = square_all(np.loadtxt('values.txt'))"
    _nb(folder / "practice.ipynb", solved(rel, q1_answer=q1))
    (folder / "helpers.py").write_text("def square_all(values):\n    return values ** 2\n")
    (folder / "values.txt").write_text("0 1 2 3\n")


GRADESCOPE_CASES = {
    "r3_other_assignment": (gs_other_assignment, 0, "this is the notebook of 'homework2', not of 'practice'"),
    "r3_with_data": (gs_with_data, 5, "Status: ok"),
}


# -- the shipped exercises ----------------------------------------------------------------------------------

def _replace_in_answer(cells: list[dict[str, Any]], gid: str, old: str, new: str) -> None:
    cell = next(c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid)
    text = "".join(cell["source"])
    assert old in text, (gid, old)
    cell["source"] = text.replace(old, new).splitlines(keepends=True)


FIRST = "01_first_gradients"
R2_GRADS = _code("""
    def r2_grads(x0, z0):
        x = torch.tensor(x0, requires_grad=True)
        z = torch.tensor(z0, requires_grad=True)
        r1 = x * x + z + torch.log(z)
        r2 = r1 + torch.sqrt(x)
        r2.backward()
        return x.grad.item(), z.grad.item()

    why = "b"
""")

EXERCISE_CASES = [
    # the released placeholder left in a function: the checks that call it say what to replace
    ExerciseCase("r3_placeholder_in_function", FIRST,
                 {"q2_answer": "def grads(x, z):\n    # YOUR CODE HERE\n    raise NotImplementedError()"}, 5,
                 hint="replace the `raise NotImplementedError()` line", questions={"q2": 0.0}),
    ExerciseCase("r3_another_exercise", FIRST, {}, 0, "wrong-notebook", released_from="02_tensors_and_graphs",
                 note="the notebook of '02_tensors_and_graphs', not of '01_first_gradients'"),
    ExerciseCase("r3_capstone_imports_torch", "05_capstone", {"q1_answer": "import torch\nimport torch.nn.functional as F\n"
                                                                           + SOFTPLUS.format(backward="grad_output * torch.sigmoid(x)")},
                 8, correct=True, note="autograd_lab was imported in its place"),
    ExerciseCase("r3_checks_in_answer_cells", FIRST, {
        "q1_answer": "x = torch.tensor(5.0, requires_grad=True)\ny = x**3 - 4 * x\ny.backward()\ngrad_x = x.grad.item()\ncheck('q1')",
    }, 8, correct=True),
    # a multiple-choice letter written as the option is printed: "(b)", "b.", "B)"
    ExerciseCase("r3_choice_letter_in_brackets", FIRST, {"q3_answer": R2_GRADS.replace('why = "b"', 'why = " (B) "')},
                 8, correct=True),
    ExerciseCase("r3_choice_letters_with_dots", "03_vector_jacobian_products", {}, 12, correct=True,
                 edit=lambda cells: _replace_in_answer(cells, "q5_answer", '"data": "c"', '"data": "c."')),
    # cheating at the top level of the answer cell: the library and the grader patched, the backward still wrong;
    # everything is put back before the checks, which find what they find for that backward
    ExerciseCase("r3_capstone_patches_everything", "05_capstone", {"q1_answer": SOFTPLUS.format(
        backward="torch.sigmoid(x)") + "\n" + _code("""
            torch.allclose = lambda *a, **k: True
            torch.Tensor.__eq__ = lambda self, other: True
            torch.autograd.gradcheck = lambda *a, **k: True
            np.allclose = lambda *a, **k: True
            import autograd_lab.grading as grading
            grading.check = grading.expect = lambda *a, **k: None
        """)}, 5, hint="it ignores grad_output", questions={"q1": 1.0}),
    # a helper defined only in a later answer cell (the notebook was run out of order in Jupyter): q1 keeps the
    # checks on x (3 of its 7), the feedback says where the name is defined
    ExerciseCase("r3_defined_later", FIRST, {
        "q1_answer": "x = torch.tensor(5.0, requires_grad=True)\ny = cubic(x)\ny.backward()\ngrad_x = x.grad",
        "q3_answer": "def cubic(t):\n    return t**3 - 4 * t\n\n\n" + R2_GRADS,
    }, 6 + 2 * 3 / 7, "error", hint="&#x27;cubic&#x27; is defined only in a later cell (q3_answer)",
        questions={"q1": 2 * 3 / 7, "q3": 3.0}),
]


def repainted_picture(rel: dict[str, Any], ctx: Context) -> Any:
    """``Tensor.is_leaf`` patched, then the grader's picture of the world (found with ``gc``) painted anew,
    so that the patch looks like the way things always were."""
    lead = _code("""
        import gc
        from autograd_lab.grading import snapshot
        torch.Tensor.is_leaf = property(lambda self: True)
        for found in gc.get_objects():
            if type(found) is snapshot.Table:
                object.__setattr__(found, "values", tuple(found.mapping.get(k) for k in found.keys))
            elif type(found) is snapshot._Flat:
                now = tuple(m.get(k) for m, k in zip(found.mappings, found.keys))
                object.__setattr__(found, "values", now)
    """)
    return lab.solved(rel, q1_answer=lab._non_leaf(lead))


TORCH_CASES.append(Case("k3_repainted_picture", repainted_picture, 6.5, "ok"))


def too_deep_to_compile(rel: dict[str, Any], ctx: Context) -> Any:
    """A generated expression too long for Python's compiler (it raises RecursionError, not SyntaxError): that cell
    fails, the rest of the notebook is graded."""
    return solved(rel, q2_answer="total = " + " + ".join(["0.0"] * 150_000) + " + float(np.sum(squares))")


def big_plain_cell(rel: dict[str, Any], ctx: Context) -> Any:
    """A quarter of a megabyte of plain Python in one answer (data pasted in): graded as it is, quickly (a cell of
    pure Python is not tokenized by IPython)."""
    return solved(rel, q1_answer="pasted = [\n" + "    0.5,\n" * 30_000 + "]\n" + Q1_SOLUTION)


def missing_package(rel: dict[str, Any], ctx: Context) -> Any:
    """A plotting import in an answer cell: the grading machine has no matplotlib; the hint says what to do."""
    return solved(rel, q3_answer="import matplotlib.pyplot as plt\n" + Q3_SOLUTION + "\nplt.plot(grad)")


def debugger_left_in(rel: dict[str, Any], ctx: Context) -> Any:
    """``breakpoint()`` and ``pdb.set_trace()`` left in while debugging: in Jupyter the student typed ``c``."""
    return solved(rel, q2_answer="breakpoint()\n" + Q2_SOLUTION,
                  q3_answer="import pdb\npdb.set_trace()\n" + Q3_SOLUTION)


def password_prompt(rel: dict[str, Any], ctx: Context) -> Any:
    return solved(rel, q2_answer="import getpass\ntoken = getpass.getpass('token: ')\n" + Q2_SOLUTION)


def closes_grader_pipes(rel: dict[str, Any], ctx: Context) -> Any:
    """Closes every file descriptor it did not open, the grader's pipe among them: what was checked before stays,
    the rest cannot be graded, and the note says why."""
    return solved(rel, q2_answer="import os\nos.closerange(3, 4096)\n" + Q2_SOLUTION)


CASES += [
    Case("r3_debugger_left_in", debugger_left_in, 5, "ok", "calls the debugger"),
    Case("r3_password_prompt", password_prompt, 4, "error"),
    Case("r3_closes_grader_pipes", closes_grader_pipes, 2, "exited", "closed the pipe the grader reads its results from"),
    Case("r3_missing_package", missing_package, 3, "error"),
    Case("r3_too_deep_to_compile", too_deep_to_compile, 4, "syntax-error"),
    Case("r3_big_plain_cell", big_plain_cell, 5, "ok"),
]
FEEDBACK["r3_password_prompt"] = ["nobody types while the notebook is graded"]
FEEDBACK["r3_missing_package"] = ["No module named &#x27;matplotlib&#x27;", "keep plots and other extras in a cell"]
FEEDBACK["r3_too_deep_to_compile"] = ["too deeply nested (or too long an expression) for Python to compile it"]
