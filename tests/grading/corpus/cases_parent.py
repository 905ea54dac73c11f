"""Cases for what the trusted parent does with a submission: finding, reading and naming it.

Same practice assignment as :mod:`corpus.cases` (5 points: 2 + 1 + 2). Each case writes one or more
entries into the submissions folder (odd names, links, special files, huge or malformed notebooks) and
states, for every student id it creates, the exact points, status and a part of the note. Ids are exact
strings: names that are not valid UTF-8 appear with their odd bytes as lone surrogates, as
``os.fsdecode`` gives them.

``GRADESCOPE_CASES`` are single-student submission folders for the Gradescope autograder.
"""
from __future__ import annotations

import copy
import json
import os
import socket
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import nbtools
from corpus.cases import solved

Context = dict[str, Path]
Expected = tuple[float, str, str]

NFC_ZOE = unicodedata.normalize("NFC", "Zoë")
NFD_ZOE = unicodedata.normalize("NFD", "Zoë")
DEEP_LEVELS = 2000
AWKWARD = "=O'Brien, \"Pat\" <b>&amp; co"


@dataclass(frozen=True)
class ParentCase:
    name: str
    build: Callable[[Path, dict[str, Any], Context], None]
    expect: dict[str, Expected]
    needs_root: bool = False


def _nb(path: Path, nb: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(nb if isinstance(nb, bytes) else json.dumps(nb).encode())


def _folder(root: Path, student: str | bytes) -> Path:
    folder = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(student))))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- special files and links ---------------------------------------------------------------------------
def fifo(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    os.mkfifo(_folder(root, "p_fifo") / "practice.ipynb")
    os.mkfifo(root / "p_fifo_top.ipynb")


def unix_socket(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(_folder(root, "p_socket") / "practice.ipynb"))
    sock.close()


def device(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    os.mknod(_folder(root, "p_device") / "practice.ipynb", stat.S_IFCHR | 0o600, os.makedev(1, 5))


def link_to_source(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    (_folder(root, "p_link_source") / "practice.ipynb").symlink_to(ctx["source"])
    (root / "p_link_top.ipynb").symlink_to(ctx["source"])


def link_to_other_student(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "p_victim") / "practice.ipynb", solved(rel))
    (_folder(root, "p_link_other") / "practice.ipynb").symlink_to("../p_victim/practice.ipynb")
    (root / "p_link_folder").symlink_to("p_victim")


def link_to_system(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    (_folder(root, "p_link_passwd") / "practice.ipynb").symlink_to("/etc/passwd")
    (_folder(root, "p_link_zero") / "practice.ipynb").symlink_to("/dev/zero")
    (_folder(root, "p_link_dir") / "work").symlink_to(ctx["source"].parent)


def link_next_to_real(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    folder = _folder(root, "p_link_and_real")
    (folder / "practice.ipynb").symlink_to(ctx["source"])
    _nb(folder / "mine" / "practice.ipynb", solved(rel, q1_answer="squares = np.arange(4) * 2"))


# -- sizes ------------------------------------------------------------------------------------------------
def huge_sparse(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    with open(_folder(root, "p_huge") / "practice.ipynb", "wb") as fh:
        fh.truncate(3 * 1024**3)


def big_outputs(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    nb = solved(rel)
    code = [cell for cell in nb["cells"] if cell["cell_type"] == "code"]
    code[0]["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * 2 * 10**6}}]
    for cell in code[1:]:
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["] } { \" \\ line\n"] * 20000}]
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"x": "y" * 10**6}}}
    _nb(_folder(root, "p_big_outputs") / "practice.ipynb", nb)


def huge_code(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    filler = "# " + "x" * 1000 + "\n"
    _nb(_folder(root, "p_huge_code") / "practice.ipynb",
        solved(rel, q1_answer=filler * 17_000 + nbtools.Q1_SOLUTION))


def empty_file(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    (_folder(root, "p_empty") / "practice.ipynb").write_bytes(b"")


# -- trees ------------------------------------------------------------------------------------------------
def make_deep(folder: Path, levels: int) -> None:
    """``folder/d/d/.../d`` ``levels`` deep (deeper than a path may be long), built through directory fds."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        with open(os.open("practice.ipynb", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as fh:
            fh.write("{}")
    finally:
        os.close(fd)


def remove_deep(folder: Path) -> None:
    """Remove a tree made by :func:`make_deep` without recursion."""
    fds = [os.open(folder, os.O_RDONLY)]
    while True:
        try:
            child = os.open("d", os.O_RDONLY, dir_fd=fds[-1])
        except FileNotFoundError:
            break
        fds.append(child)
    for i in range(len(fds) - 1, -1, -1):
        for name in os.listdir(fds[i]):
            if name != "d":
                os.unlink(name, dir_fd=fds[i])
        if i:
            os.close(fds[i])
            os.rmdir("d", dir_fd=fds[i - 1])
    os.close(fds[0])


def deep_tree(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    make_deep(_folder(root, "p_deep_only"), DEEP_LEVELS)
    folder = _folder(root, "p_deep_and_real")
    _nb(folder / "practice.ipynb", solved(rel))
    make_deep(folder, 25)


def many_files(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    folder = _folder(root, "p_many_files")
    _nb(folder / "practice.ipynb", solved(rel))
    (folder / "junk").mkdir()
    for i in range(11_000):
        (folder / "junk" / f"{i:05d}.txt").touch()


# -- names ------------------------------------------------------------------------------------------------
def latin1_names(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, b"J\xf6rg") / "practice.ipynb", solved(rel))
    _nb(_folder(root, b"Ren\xe9e") / os.fsdecode(b"pr\xe4ctice.ipynb"), solved(rel, q1_answer="squares = np.arange(4) * 2"))
    _nb(Path(os.fsdecode(os.path.join(os.fsencode(root), b"\xe9t\xe9.ipynb"))), rel)


def cjk_and_cyrillic(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "王伟") / "practice.ipynb", solved(rel))
    _nb(_folder(root, "李娜") / "practice.ipynb", solved(rel, q1_answer="squares = np.arange(4) * 2"))
    _nb(_folder(root, "Ольга") / "practice.ipynb", rel)


def space_and_underscore(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "anna maria") / "practice.ipynb", solved(rel))
    _nb(_folder(root, "anna_maria") / "practice.ipynb", rel)
    _nb(_folder(root, "Bob") / "practice.ipynb", solved(rel))
    _nb(_folder(root, "bob") / "practice.ipynb", rel)


def accents(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, NFC_ZOE) / "practice.ipynb", solved(rel))
    _nb(_folder(root, NFD_ZOE) / "practice.ipynb", rel)
    _nb(_folder(root, "Zoé") / "practice.ipynb", solved(rel, q1_answer="squares = np.arange(4) * 2"))


def awkward_names(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, AWKWARD) / "practice.ipynb", solved(rel))
    _nb(_folder(root, "é" * 120) / "practice.ipynb", rel)


def folder_and_notebook(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "p_dup") / "practice.ipynb", solved(rel))
    _nb(root / "p_dup.ipynb", rel)


# -- malformed notebooks ------------------------------------------------------------------------------------
def null_metadata(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    nb = solved(rel)
    nb["metadata"] = None
    _nb(_folder(root, "p_null_metadata") / "practice.ipynb", nb)


def wrong_types(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    nb = solved(rel)
    for cell in nb["cells"]:
        cell["outputs"] = "not a list"
        cell["execution_count"] = "seven"
        cell["metadata"]["autograd_lab"] = None
        if cell["cell_type"] == "markdown":
            cell["source"] = None
            cell["metadata"] = ["not", "a", "dict"]
    nb["cells"][1:1] = [None, 5, "cell", [], {"cell_type": None, "source": 7, "metadata": None}]
    nb["metadata"] = {"autograd_lab": "practice", "kernelspec": None}
    _nb(_folder(root, "p_wrong_types") / "practice.ipynb", nb)


def nbgrader_not_a_dict(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    nb = solved(rel)
    for cell in nb["cells"]:
        cell["metadata"] = {"nbgrader": [1, 2]} if cell["cell_type"] == "code" else None
    _nb(_folder(root, "p_nbgrader_list") / "practice.ipynb", nb)


def not_a_notebook(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "p_json_list") / "practice.ipynb", [1, 2, 3])
    _nb(_folder(root, "p_cells_dict") / "practice.ipynb", {"cells": {"a": 1}, "metadata": {}})
    _nb(_folder(root, "p_deep_json") / "practice.ipynb", b"[" * 200_000 + b"]" * 200_000)
    _nb(_folder(root, "p_latin1_json") / "practice.ipynb", json.dumps(solved(rel)).encode()[:-1] + b', "x": "\xe9"}')
    _nb(_folder(root, "p_truncated") / "practice.ipynb", json.dumps(solved(rel)).encode()[:-40])


def byte_order_mark(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "p_bom") / "practice.ipynb", b"\xef\xbb\xbf" + json.dumps(solved(rel), indent=1).encode())


# -- several notebooks --------------------------------------------------------------------------------------
def checkpoints_and_copies(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    folder = _folder(root, "p_copies")
    _nb(folder / "practice.ipynb", solved(rel, q1_answer="squares = np.arange(4) * 2"))
    _nb(folder / "practice-Copy1.ipynb", solved(rel))
    _nb(folder / ".ipynb_checkpoints" / "practice-checkpoint.ipynb", solved(rel))
    only_copy = _folder(root, "p_only_copy")
    _nb(only_copy / "practice-Copy2.ipynb", solved(rel))


def wrong_notebook_only(root: Path, rel: dict[str, Any], ctx: Context) -> None:
    _nb(_folder(root, "p_scratch_only") / "scratch.ipynb", nbtools.notebook([nbtools.code("print('hello')")]))


PARENT_CASES = [
    ParentCase("fifo", fifo, {
        "p_fifo": (0, "invalid-submission", "practice.ipynb is a FIFO"),
        "p_fifo_top": (0, "invalid-submission", "is a FIFO"),
    }),
    ParentCase("socket", unix_socket, {"p_socket": (0, "invalid-submission", "practice.ipynb is a socket")}),
    ParentCase("device", device, {"p_device": (0, "invalid-submission", "is a character device")}, needs_root=True),
    ParentCase("link_to_source", link_to_source, {
        "p_link_source": (0, "invalid-submission", "practice.ipynb is a symbolic link"),
        "p_link_top": (0, "invalid-submission", "'p_link_top.ipynb' is a symbolic link"),
    }),
    ParentCase("link_to_other_student", link_to_other_student, {
        "p_victim": (5, "ok", ""),
        "p_link_other": (0, "invalid-submission", "practice.ipynb is a symbolic link"),
        "p_link_folder": (0, "invalid-submission", "'p_link_folder' is a symbolic link"),
    }),
    ParentCase("link_to_system", link_to_system, {
        "p_link_passwd": (0, "invalid-submission", "practice.ipynb is a symbolic link"),
        "p_link_zero": (0, "invalid-submission", "practice.ipynb is a symbolic link"),
        "p_link_dir": (0, "invalid-submission", "work is a symbolic link"),
    }),
    ParentCase("link_next_to_real", link_next_to_real, {
        "p_link_and_real": (4, "ok", "ignored: practice.ipynb is a symbolic link"),
    }),
    ParentCase("huge_sparse", huge_sparse, {"p_huge": (0, "invalid-notebook", "over the 1 GiB limit")}),
    ParentCase("big_outputs", big_outputs, {"p_big_outputs": (5, "ok", "")}),
    ParentCase("huge_code", huge_code, {"p_huge_code": (0, "invalid-notebook", "more than 16 MiB of code")}),
    ParentCase("empty_file", empty_file, {"p_empty": (0, "invalid-notebook", "practice.ipynb is empty")}),
    ParentCase("deep_tree", deep_tree, {
        "p_deep_only": (0, "missing", "more than 20 levels deep were not searched"),
        "p_deep_and_real": (5, "ok", "more than 20 levels deep were not searched"),
    }),
    ParentCase("many_files", many_files, {"p_many_files": (5, "ok", "only the first 10000 files")}),
    ParentCase("latin1_names", latin1_names, {
        os.fsdecode(b"J\xf6rg"): (5, "ok", ""),
        os.fsdecode(b"Ren\xe9e"): (4, "renamed", "renamed to 'pr\\xe4ctice.ipynb'"),
        os.fsdecode(b"\xe9t\xe9"): (0, "error", ""),
    }),
    ParentCase("cjk_and_cyrillic", cjk_and_cyrillic, {
        "王伟": (5, "ok", ""), "李娜": (4, "ok", ""), "Ольга": (0, "error", ""),
    }),
    ParentCase("space_and_underscore", space_and_underscore, {
        "anna maria": (5, "ok", ""), "anna_maria": (0, "error", ""), "Bob": (5, "ok", ""), "bob": (0, "error", ""),
    }),
    ParentCase("accents", accents, {
        NFC_ZOE: (5, "ok", "another Unicode form"),
        NFD_ZOE: (0, "error", "another Unicode form"),
        "Zoé": (4, "ok", ""),
    }),
    ParentCase("awkward_names", awkward_names, {
        AWKWARD: (5, "ok", ""), "é" * 120: (0, "error", ""),
    }),
    ParentCase("folder_and_notebook", folder_and_notebook, {
        "p_dup": (0, "duplicate", "'p_dup', 'p_dup.ipynb' are all submissions of 'p_dup'; none was graded"),
    }),
    ParentCase("null_metadata", null_metadata, {"p_null_metadata": (5, "ok", "")}),
    ParentCase("wrong_types", wrong_types, {"p_wrong_types": (5, "ok", "")}),
    ParentCase("nbgrader_not_a_dict", nbgrader_not_a_dict, {"p_nbgrader_list": (5, "ok", "matched by position")}),
    ParentCase("not_a_notebook", not_a_notebook, {
        "p_json_list": (0, "invalid-notebook", "not a notebook (no object at the top)"),
        "p_cells_dict": (0, "invalid-notebook", "no list of cells"),
        "p_deep_json": (0, "invalid-notebook", "not valid notebook JSON"),
        "p_latin1_json": (5, "ok", "is not UTF-8 (an editor saved it in another encoding)"),
        "p_truncated": (0, "invalid-notebook", "not valid"),
    }),
    ParentCase("byte_order_mark", byte_order_mark, {"p_bom": (5, "ok", "")}),
    ParentCase("checkpoints_and_copies", checkpoints_and_copies, {
        "p_copies": (4, "ok", "graded practice.ipynb, ignored practice-Copy1.ipynb (a Jupyter copy)"),
        "p_only_copy": (5, "renamed", "graded because it is the only one"),
    }),
    ParentCase("wrong_notebook_only", wrong_notebook_only, {
        "p_scratch_only": (0, "missing", "found: scratch.ipynb"),
    }),
]


def can_make(case: ParentCase) -> bool:
    return not case.needs_root or os.geteuid() == 0


def write_parent_cases(root: Path, released: dict[str, Any], ctx: Context,
                       cases: list[ParentCase] | None = None) -> list[ParentCase]:
    """Write every case that this machine can make under ``root``; return those written."""
    made = []
    for case in PARENT_CASES if cases is None else cases:
        if can_make(case):
            case.build(root, copy.deepcopy(released), ctx)
            made.append(case)
    return made


# -- Gradescope: one submission folder each ---------------------------------------------------------------
def gs_solved(folder: Path, rel: dict[str, Any]) -> None:
    _nb(folder / "practice.ipynb", solved(rel))


def gs_empty(folder: Path, rel: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)


def gs_two_notebooks(folder: Path, rel: dict[str, Any]) -> None:
    _nb(folder / "practice.ipynb", solved(rel, q1_answer="squares = np.arange(4) * 2"))
    _nb(folder / "scratch.ipynb", nbtools.notebook([nbtools.code("x = 1")]))
    _nb(folder / "practice-checkpoint.ipynb", solved(rel))


def gs_renamed(folder: Path, rel: dict[str, Any]) -> None:
    _nb(folder / "homework" / "my practice.ipynb", solved(rel))


def gs_unreadable(folder: Path, rel: dict[str, Any]) -> None:
    _nb(folder / "practice.ipynb", b"\x00\x01 not json")


def gs_link(folder: Path, rel: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "practice.ipynb").symlink_to("../source/practice.ipynb")


def gs_tamper(folder: Path, rel: dict[str, Any]) -> None:
    """Reads the hidden checks and forges results.json from inside the student's process."""
    root = folder.parent
    attack = (
        "import json\n"
        "leaked = forged = False\n"
        "try:\n"
        f"    leaked = 'BEGIN HIDDEN' in open({str(root / 'source' / 'practice.ipynb')!r}).read()\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        f"    with open({str(root / 'results' / 'results.json')!r}, 'w') as fh:\n"
        "        json.dump({'score': 100, 'tests': []}, fh)\n"
        "    forged = True\n"
        "except OSError:\n"
        "    pass\n"
        "squares = np.arange(4) ** 2 if not (leaked or forged) else 'tampered'\n"
    )
    _nb(folder / "practice.ipynb", solved(rel, q1_answer=attack))


GRADESCOPE_CASES: dict[str, tuple[Callable[[Path, dict[str, Any]], None], float, str]] = {
    "solved": (gs_solved, 5, "Status: ok"),
    "empty": (gs_empty, 0, "no notebook for this assignment (practice.ipynb) was found"),
    "two_notebooks": (gs_two_notebooks, 4, "graded practice.ipynb, ignored practice-checkpoint.ipynb (a Jupyter copy), "
                                           "scratch.ipynb"),
    "renamed": (gs_renamed, 5, "renamed to 'homework/my practice.ipynb'"),
    "unreadable": (gs_unreadable, 0, "not valid"),
    "link_to_source": (gs_link, 0, "practice.ipynb is a symbolic link"),
    "tamper": (gs_tamper, 5, "Status: ok"),
}
NEEDS_LANDLOCK = {"tamper"}
