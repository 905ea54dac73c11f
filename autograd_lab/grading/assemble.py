"""Rebuild a submission from the source: locked and test cells from the source, answers by grade_id.

Cells become Python through IPython's transformer (:mod:`.cells`). Each test cell becomes a probe
step with its public and hidden check expressions, the helper program (imports and functions of
the locked cells above it) and the names the solution defines.
"""
from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .cells import bound_names, calls_debugger, helper_statements, imports_torch, to_python, torch_is_aliased
from .notebook import Cell, Notebook, grade_id, source_text
from .release import is_checks_cell, strip_hidden
from .spec import Assignment, CellSpec, Question


@dataclass
class Assembled:
    """The steps the child runs, with what was noticed while matching cells."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    probe_step: dict[str, int] = field(default_factory=dict)
    answer_step: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    foreign: str = ""
    """Why the notebook is not this assignment's at all (then nothing of it is run), or ``""``."""


def _released_text(kind: str, source: str) -> str:
    return strip_hidden(source)[0] if kind == "test" else source


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _expressions(question: Question) -> tuple[list[str], list[str]]:
    """The expressions the public checks need, and those only the hidden checks need."""
    public: list[str] = []
    for test in question.public_tests:
        public.extend(e for e in test.needed() if e not in public)
    hidden: list[str] = []
    for test in question.hidden_tests:
        hidden.extend(e for e in test.needed() if e not in public and e not in hidden)
    return public, hidden


def answer_names(cells: tuple[CellSpec, ...]) -> list[str]:
    """Names the solution cells define: a check reads these from the student's notebook."""
    names: set[str] = set()
    for cell in cells:
        if cell.kind == "answer" and cell.cell_type == "code":
            names |= bound_names(to_python(cell.source))
    return sorted(names)


_computed: dict[int, tuple[Assignment, dict[int, dict[str, Any]]]] = {}
_computing = threading.Lock()


def source_steps(assignment: Assignment) -> dict[int, dict[str, Any]]:
    """The steps that come from the source alone, by cell index: locked cells as Python, test cells
    as probes (with the helper program of the locked cells above them). The same for every submission."""
    with _computing:
        kept = _computed.get(id(assignment))
        if kept is None or kept[0] is not assignment:
            if len(_computed) > 32:
                _computed.clear()
            kept = _computed[id(assignment)] = (assignment, _source_steps(tuple(assignment.cells), assignment.questions))
    return kept[1]


def _source_steps(cells: tuple[CellSpec, ...], by_qid: dict[str, Question]) -> dict[int, dict[str, Any]]:
    solution_names = answer_names(cells)
    helpers: list[str] = []
    steps: dict[int, dict[str, Any]] = {}
    for spec in cells:
        if spec.cell_type != "code" or spec.kind == "answer":
            continue
        if spec.kind == "test":
            assert spec.grade_id is not None
            public, hidden = _expressions(by_qid[spec.grade_id])
            program = "\n".join(h for h in helpers if h)
            steps[spec.index] = {"probe": spec.grade_id, "public": public, "hidden": hidden, "helpers": program,
                                 "helper_names": sorted(bound_names(program)), "answer_names": solution_names}
        else:
            code = to_python(spec.source)
            helpers.append(helper_statements(code))
            steps[spec.index] = {"run": code, "label": spec.grade_id or f"cell {spec.index}"}
    return steps


def assemble(assignment: Assignment, submission: Notebook) -> Assembled:
    """Match the submission's cells to the source and list the steps to run."""
    out = Assembled()
    cells: list[Cell] = [c for c in submission.get("cells", []) if not is_checks_cell(c)]
    by_id: dict[str, list[Cell]] = defaultdict(list)
    for cell in cells:
        gid = grade_id(cell)
        if gid:
            by_id[gid].append(cell)
    known = {c.grade_id for c in assignment.cells if c.grade_id}
    source_code = [c for c in assignment.cells if c.cell_type == "code"]
    sub_code = [c for c in cells if c.get("cell_type") == "code"]
    positional = len(sub_code) == len(source_code)
    used: set[int] = set()
    from_source = source_steps(assignment)
    for gid, found in by_id.items():
        if gid in known and len(found) > 1:
            out.notes.append(f"cell {gid!r} appears {len(found)} times; the last copy was used")
    code_index = -1
    for spec in assignment.cells:
        if spec.cell_type != "code":
            continue
        code_index += 1
        gid = spec.grade_id
        found = by_id.get(gid or "", [])
        if spec.kind == "answer":
            assert gid is not None
            cell = found[-1] if found else None
            if cell is None and positional and grade_id(sub_code[code_index]) is None:
                cell = sub_code[code_index]
                out.notes.append(f"answer {gid!r} had lost its metadata and was matched by position")
            if cell is None:
                out.notes.append(f"answer cell {gid!r} is missing")
                text = ""
            elif cell.get("cell_type") != "code":
                out.notes.append(f"answer cell {gid!r} is not a code cell")
                text = ""
            else:
                text = source_text(cell)
            if cell is not None:
                used.add(id(cell))
            out.answer_step[gid] = len(out.steps)
            out.steps.append({"run": to_python(text), "label": gid})
            continue
        expected_text = _released_text(spec.kind, spec.source)
        if found:
            used.update(id(c) for c in found)
            if not (_same(source_text(found[-1]), expected_text) or _same(source_text(found[-1]), spec.source)):
                out.notes.append(f"locked cell {gid!r} was edited; the original was used")
        elif positional and grade_id(sub_code[code_index]) is None:
            used.add(id(sub_code[code_index]))
        elif gid:
            out.notes.append(f"locked cell {gid!r} is missing; the original was used")
        if spec.kind == "test":
            assert gid is not None
            out.probe_step[gid] = len(out.steps)
        out.steps.append(from_source[spec.index])
    inserted = [c for c in sub_code if id(c) not in used and (grade_id(c) or "") not in known]
    if inserted:
        out.notes.append(f"{len(inserted)} inserted code cell(s) were not run (put your code in the answer cells)")
    out.foreign = _foreign(assignment, submission, by_id, sub_code, positional)
    answers = [out.steps[i]["run"] for i in out.answer_step.values()]
    if torch_is_aliased() and any(imports_torch(code) for code in answers):
        out.notes.append("the notebook imports torch: PyTorch is not installed where it is graded, so "
                         "autograd_lab was imported in its place (as autograd_lab.install_as_torch() does)")
    if any(calls_debugger(code) for code in answers):
        out.notes.append("the notebook calls the debugger (breakpoint() or set_trace()): it does nothing while graded")
    return out


def _foreign(assignment: Assignment, submission: Notebook, by_id: dict[str, list[Cell]], sub_code: list[Cell],
             positional: bool) -> str:
    """Why ``submission`` is not a copy of this assignment at all, or ``""``: it has no code cells; none of its
    cells is this assignment's (by grade id or by position); or its metadata names another assignment and fewer
    than half of this one's locked cells are there unchanged."""
    if not sub_code:
        return "the notebook has no code cells"
    known = {c.grade_id for c in assignment.cells if c.grade_id}
    if not positional and not known & set(by_id):
        return ("none of its cells is one of this assignment's (no cell has one of its grade ids): "
                "is it the notebook of another assignment?")
    lab = submission.get("metadata", {}).get("autograd_lab")
    named = lab.get("assignment") if isinstance(lab, dict) else None
    if not isinstance(named, str) or named == assignment.name:
        return ""
    locked = [c for c in assignment.cells if c.kind in ("locked", "test") and c.cell_type == "code" and c.grade_id]
    unchanged = [c for c in locked if any(_same(source_text(found), _released_text(c.kind, c.source))
                                          or _same(source_text(found), c.source) for found in by_id.get(c.grade_id or "", []))]
    if 2 * len(unchanged) < len(locked):
        return f"this is the notebook of '{named}', not of '{assignment.name}'"
    return ""


_UNDEFINED = re.compile(r"NameError: name '([A-Za-z_][A-Za-z0-9_]*)' is not defined")


def defined_later(plan: Assembled, gid: str, error: str) -> str:
    """A hint for an answer cell that failed on a name only a later answer cell defines (the notebook was run
    out of order in Jupyter), or ``""``."""
    match = _UNDEFINED.search(error)
    if match is None:
        return ""
    name, here = match.group(1), plan.answer_step[gid]
    for later, index in sorted(plan.answer_step.items(), key=lambda item: item[1]):
        if index > here and name in bound_names(plan.steps[index]["run"]):
            return (f"'{name}' is defined only in a later cell ({later}): the notebook is graded from top to "
                    "bottom, as Restart & Run All runs it. Define it before it is used.")
    return ""
