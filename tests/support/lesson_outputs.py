"""What a lesson notebook's code cells are, and what they printed, in the fixtures' format.

A lesson's code cells are of three kinds:

- the **alias cell**, which makes `import torch` import autograd_lab
  (`%load_ext autograd_lab` or `autograd_lab.install_as_torch()`);
- **view cells**, which draw a graph or show a player (they use autograd_lab's `viz` or
  `widgets`, or a function an earlier view cell defined); they print nothing of PyTorch's and have
  no PyTorch counterpart;
- **PyTorch cells**: everything else. Their code runs unchanged under PyTorch, and
  tests/fixtures/lessons/ records what PyTorch 2.x prints for each of them.

Notebooks are read as plain JSON dictionaries, so the recorder runs where nbformat is not installed.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

# a code cell that makes `import torch` import autograd_lab from then on
ALIAS = re.compile(r"^[ \t]*(?:%load_ext[ \t]+autograd_lab[ \t]*$|(?:[\w.]+\.)?install_as_torch\(\))", re.MULTILINE)
# a code cell that draws or plays: it uses autograd_lab's own views
VIEW = re.compile(r"\bautograd_lab\b|\bviz\.|\b(?:play_backward|play_forward|BackwardPlayer|ForwardPlayer)\(")
# a warning as the kernel prints it: "<file>:<line>: <Category>: <message>\n  <source line>\n"
_WARNING_HEAD = re.compile(r"^.*?:(\d+): (\w+): ", re.MULTILINE)


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook file as a dictionary (nbformat 4)."""
    return json.loads(path.read_text(encoding="utf-8"))


def text_of(value: str | list[str]) -> str:
    """A multi-line notebook string as one string (nbformat may store it as a list of lines)."""
    return value if isinstance(value, str) else "".join(value)


def source_of(cell: dict[str, Any]) -> str:
    """A cell's source as one string."""
    return text_of(cell["source"])


def code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The notebook's code cells, in order."""
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def is_alias_cell(source: str) -> bool:
    """True if the cell installs the torch alias."""
    return ALIAS.search(source) is not None


def is_view_cell(source: str) -> bool:
    """True if the cell itself draws a graph or shows a player (and is not the alias cell)."""
    return not is_alias_cell(source) and VIEW.search(source) is not None


def names(source: str) -> tuple[set[str], set[str], set[str]]:
    """(functions and classes a cell defines, other names it assigns at top level, names it reads).

    Empty sets if the cell does not parse (an IPython magic).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set(), set()
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assigned = {target.id for node in tree.body if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                if isinstance(target, ast.Name)}
    read = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return defined, assigned, read


def view_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The code cells that draw or play: view cells by themselves, and cells using what a view cell defined."""
    views, view_names = [], set()
    for cell in code_cells(nb):
        defined, assigned, read = names(source_of(cell))
        if is_view_cell(source_of(cell)) or read & view_names:
            views.append(cell)
            view_names |= defined | assigned
    return views


def alias_cell(nb: dict[str, Any]) -> int | None:
    """The index among nb's code cells of the first one that installs the torch alias (None: no such cell)."""
    return next((i for i, cell in enumerate(code_cells(nb)) if is_alias_cell(source_of(cell))), None)


def pytorch_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The code cells that run under PyTorch unchanged: after the alias cell, neither it nor a view cell."""
    start = alias_cell(nb)
    cells = code_cells(nb)[(start + 1) if start is not None else 0:]
    views = {id(cell) for cell in view_cells(nb)}
    return [cell for cell in cells if id(cell) not in views]


def split_warnings(stderr: str) -> list[str]:
    """Warnings printed to stderr, each without the file name it was attributed to."""
    heads = list(_WARNING_HEAD.finditer(stderr))
    if not heads:
        return [stderr] if stderr else []
    return [stderr[m.start(1):(heads[i + 1].start() if i + 1 < len(heads) else len(stderr))]
            for i, m in enumerate(heads)]


def fixture_warnings(warnings: list[str]) -> list[str]:
    """Recorded warnings ("<cell-7>:1: UserWarning: ...") without the file name."""
    return [w[w.index(":") + 1:] for w in warnings]


def stored_outputs(cell: dict[str, Any]) -> dict[str, Any]:
    """A notebook cell's stored outputs in the fixtures' format (warnings without file names)."""
    stdout, stderr, display, error = "", "", None, None
    for output in cell.get("outputs", []):
        kind = output["output_type"]
        if kind == "stream":
            text = text_of(output["text"])
            if output["name"] == "stdout":
                stdout += text
            else:
                stderr += text
        elif kind == "execute_result":
            plain = output["data"].get("text/plain")
            display = None if plain is None else text_of(plain)
        elif kind == "error":
            error = {"type": output["ename"], "message": output["evalue"]}
    return {"stdout": stdout, "stderr_warnings": split_warnings(stderr), "display": display, "error": error}


def recorded_outputs(recorded: dict[str, Any]) -> dict[str, Any]:
    """A recorded cell's outputs ("torch" field) in the form `stored_outputs` gives."""
    return dict(recorded, stderr_warnings=fixture_warnings(recorded["stderr_warnings"]))
