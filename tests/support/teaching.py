"""The teaching corpus: notebooks written in the style of public PyTorch course material.

Each notebook (tests/fixtures/teaching/programs/*.py, cells separated by `# %%`)
runs in a fresh subprocess, under real PyTorch to record what it prints
(tests/fixtures/teaching/record_teaching_outputs.py) or under autograd_lab to
compare (tests/fixtures/teaching/compare.py, tests/test_teaching_corpus.py).

In a child process `import torch` resolves to autograd_lab through
`autograd_lab.install_as_torch()` when the library has it, otherwise through the
import rewriting of `cell_runner.swap_imports`.

    python -m support.teaching CHILD_MODE IN.json OUT.json   (the child side)
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

TESTS_DIR = Path(__file__).resolve().parents[1]
ROOT = TESTS_DIR.parent
TEACHING_DIR = TESTS_DIR / "fixtures" / "teaching"
PROGRAMS_DIR = TEACHING_DIR / "programs"
RECORD_SEED = 0
API_NAMES_FILE = "api_names.json"
CHILD_TIMEOUT_SECONDS = 300
TORCH_MODE = "torch"
LAB_MODE = "lab"

_CELL_MARK = re.compile(r"^# %%(?P<flags>.*)$")
_NONDETERMINISTIC = re.compile(r"nondeterministic:\s*(?P<reason>.+)")
_HEADER = re.compile(r"^# (?P<key>title|style): (?P<value>.+)$")
_WARNING_HEAD = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<category>\w+): ", re.DOTALL)
_FOREIGN_FRAME = re.compile(r'^  File "(?!<cell-)[^"\n]*", line \d+, in [^\n]*\n(?:    [^\n]*\n)?', re.MULTILINE)


# --- notebook sources -------------------------------------------------------------------------

@dataclass
class ProgramCell:
    """One code cell of a corpus notebook."""

    source: str
    nondeterministic: str | None = None


@dataclass
class Program:
    """A corpus notebook: its id (file stem), title, the material it imitates, and its cells."""

    program_id: str
    title: str
    style: str
    cells: list[ProgramCell]


def parse_program(program_id: str, text: str) -> Program:
    """Split a `# %%` notebook script into cells.

    Header lines `# title: ...` and `# style: ...` come before the first cell.
    A cell marked `# %% nondeterministic: <reason>` prints something that varies
    from run to run (timing, fresh seeds); it is recorded but never compared.
    """
    header: dict[str, str] = {}
    cells: list[ProgramCell] = []
    current: list[str] | None = None
    for line in text.splitlines():
        mark = _CELL_MARK.match(line)
        if mark:
            reason = _NONDETERMINISTIC.search(mark.group("flags"))
            cells.append(ProgramCell("", reason.group("reason").strip() if reason else None))
            current = []
            continue
        if current is None:
            head = _HEADER.match(line)
            if head:
                header[head.group("key")] = head.group("value").strip()
            continue
        current.append(line)
        cells[-1].source = "\n".join(current).strip("\n")
    return Program(program_id, header.get("title", program_id), header.get("style", ""), cells)


def load_programs(names: list[str] | None = None) -> list[Program]:
    """The corpus notebooks, in file order, optionally only those whose id contains a name."""
    programs = []
    for path in sorted(PROGRAMS_DIR.glob("*.py")):
        if names and not any(name in path.stem for name in names):
            continue
        programs.append(parse_program(path.stem, path.read_text(encoding="utf-8")))
    return programs


def fixture_path(program_id: str) -> Path:
    """Where the recorded PyTorch outputs of a notebook live."""
    return TEACHING_DIR / f"{program_id}.json"


def load_fixtures(names: list[str] | None = None) -> list[dict[str, Any]]:
    """The recorded notebooks (JSON), in file order, optionally filtered by id."""
    fixtures = []
    for path in sorted(TEACHING_DIR.glob("*.json")):
        if path.name == API_NAMES_FILE or (names and not any(name in path.stem for name in names)):
            continue
        fixtures.append(json.loads(path.read_text(encoding="utf-8")))
    return fixtures


# --- the child process ------------------------------------------------------------------------

def _public_owner(obj: object) -> str:
    """The PyTorch-style name of the type (or module) an attribute was looked up on."""
    import types

    if isinstance(obj, types.ModuleType):
        return obj.__name__
    library = sys.modules.get("autograd_lab")
    packages = [m for m in sys.modules.values() if isinstance(m, types.ModuleType)
                and m.__name__.split(".")[0] == "autograd_lab"]
    for cls in type(obj).__mro__:
        if not cls.__module__.startswith("autograd_lab"):
            continue
        homes = sorted(p.__name__ for p in packages if getattr(p, cls.__name__, None) is cls)
        public = [h for h in homes if not any(part.startswith("_") for part in h.split("."))]
        home = (public or homes or [cls.__module__])[0]
        return f"{home}.{cls.__name__}" if library is not None else cls.__name__
    return type(obj).__name__


def _error_details(exc: BaseException, filename: str) -> dict[str, Any]:
    """Facts about a cell's error: the cell line that raised it, the attribute that was missing."""
    details: dict[str, Any] = {}
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            details["line"] = trace.tb_lineno
            break
        trace = trace.tb_next
    if isinstance(exc, AttributeError) and getattr(exc, "name", None) and getattr(exc, "obj", None) is not None:
        details.update(missing_attribute=exc.name, owner=_public_owner(exc.obj))
    return details


def _run_child(mode: str, sources: list[str]) -> dict[str, Any]:
    """Run one notebook's cells in this process, as Jupyter's "Run All" does."""
    from support.cell_runner import cell_filename, new_namespace, run_cell, swap_imports

    transform: Callable[[str], str] = lambda source: source  # noqa: E731
    if mode == TORCH_MODE:
        import torch

        torch.manual_seed(RECORD_SEED)
        import_mode = TORCH_MODE
    else:
        import autograd_lab

        install = getattr(autograd_lab, "install_as_torch", None)
        if install is not None:
            install()
            import_mode = "install_as_torch"
        else:
            transform = swap_imports
            import_mode = "swap_imports"
        autograd_lab.manual_seed(RECORD_SEED)
    namespace = new_namespace()
    cells, error_details = [], {}
    for index, source in enumerate(sources):
        def remember(exc: Exception, index: int = index) -> None:
            error_details[str(index)] = _error_details(exc, cell_filename(index))

        cells.append(run_cell(transform(source), namespace, index, on_error=remember).to_dict())
    torch_module = namespace.get("torch")
    return {
        "import_mode": import_mode,
        "torch_module": getattr(torch_module, "__name__", None),
        "torch_file": getattr(torch_module, "__file__", None),
        "real_torch_loaded": _real_torch_loaded(),
        "error_details": error_details,
        "cells": cells,
    }


def _real_torch_loaded() -> bool:
    """True if PyTorch itself (not autograd_lab under its name) was imported."""
    module = sys.modules.get("torch")
    if module is None:
        return False
    return "autograd_lab" not in f"{getattr(module, '__name__', '')} {getattr(module, '__file__', '')}"


def _child_main(argv: list[str]) -> None:
    """Entry point of the child process: read cell sources, write outputs."""
    mode, in_path, out_path = argv
    sources = json.loads(Path(in_path).read_text(encoding="utf-8"))
    output = _run_child(mode, sources)
    Path(out_path).write_text(json.dumps(output), encoding="utf-8")


# --- running children from the parent ---------------------------------------------------------

@dataclass
class ProgramRun:
    """What one notebook printed in a child process (or why the child died)."""

    program_id: str
    cells: list[dict[str, Any]]
    import_mode: str | None = None
    torch_module: str | None = None
    torch_file: str | None = None
    real_torch_loaded: bool = False
    error_details: dict[str, dict[str, Any]] | None = None
    crash: str | None = None


def run_program(program_id: str, sources: list[str], mode: str, python: str = sys.executable,
                hash_seed: str | None = None) -> ProgramRun:
    """Run one notebook in a fresh child process and collect its cell outputs."""
    with tempfile.TemporaryDirectory(prefix="teaching-") as workdir:
        in_path, out_path = Path(workdir, "cells.json"), Path(workdir, "outputs.json")
        in_path.write_text(json.dumps(sources), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), str(ROOT), env.get("PYTHONPATH")]))
        env.setdefault("OMP_NUM_THREADS", "1")
        if hash_seed is not None:
            env["PYTHONHASHSEED"] = hash_seed
        command = [python, "-m", "support.teaching", mode, str(in_path), str(out_path)]
        try:
            done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                                  timeout=CHILD_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return ProgramRun(program_id, [], crash=f"timed out after {CHILD_TIMEOUT_SECONDS}s")
        if done.returncode != 0 or not out_path.exists():
            return ProgramRun(program_id, [], crash=f"exit {done.returncode}: {done.stderr[-2000:]}")
        output = json.loads(out_path.read_text(encoding="utf-8"))
    return ProgramRun(program_id, output["cells"], output["import_mode"], output["torch_module"],
                      output["torch_file"], output["real_torch_loaded"], output["error_details"])


def run_many(jobs: list[tuple[str, list[str]]], mode: str, python: str = sys.executable,
             hash_seed: str | None = None, workers: int | None = None) -> list[ProgramRun]:
    """Run several notebooks, each in its own child, a few at a time; results in job order."""
    workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_program, pid, sources, mode, python, hash_seed) for pid, sources in jobs]
        return [future.result() for future in futures]


# --- normalising outputs for comparison -------------------------------------------------------

def mask_warning_origin(warning: str) -> str:
    """A warning raised inside the library (not in a cell) without its file, line and source line.

    PyTorch reports such warnings at its own files (`.../torch/nn/modules/loss.py:48`);
    autograd_lab can only match the category and message.
    """
    head = _WARNING_HEAD.match(warning)
    if head is None or head.group("file").startswith("<cell-"):
        return warning
    body = warning[head.end():]
    lines = body.split("\n")
    if len(lines) >= 3 and lines[-1] == "" and lines[-2].startswith("  "):
        lines = lines[:-2] + [""]
    return f"<library>: {head.group('category')}: " + "\n".join(lines)


def drop_foreign_frames(text: str) -> str:
    """A printed Python stack keeping only the frames of notebook cells.

    Anomaly mode prints the stack of the forward call; frames outside the cells
    (the runner, the library) differ between PyTorch and autograd_lab and between checkouts.
    """
    return _FOREIGN_FRAME.sub("", text)


def comparable(outputs: dict[str, Any], version: bool) -> dict[str, Any]:
    """A cell's outputs with every normalisation the corpus allows applied."""
    from support.cell_runner import normalise

    normal = normalise(outputs, version=version)
    normal["stderr_warnings"] = [drop_foreign_frames(mask_warning_origin(w)) for w in normal["stderr_warnings"]]
    if normal["error"] is not None:
        normal["error"]["message"] = drop_foreign_frames(normal["error"]["message"])
    return normal



# --- which PyTorch APIs the notebooks name -------------------------------------------------------

API_NAMES_PATH = TEACHING_DIR / API_NAMES_FILE
LIBRARY_PACKAGE = "autograd_lab"
# Classes whose attributes the corpus reaches through instances, by the key used in api_names.json.
INSTANCE_CLASSES = {"tensor": "Tensor", "module": "nn.Module", "optimizer": "optim.Optimizer",
                    "function": "autograd.Function"}


def _import_aliases(tree: ast.AST, root: str) -> dict[str, str]:
    """Local name -> dotted path, for every name a cell binds by importing from `root`."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == root:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == root:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.AST) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"], or None when the chain does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id, *reversed(parts)]


@dataclass
class ApiUse:
    """The PyTorch names one cell uses: dotted module paths, and attribute names reached on values."""

    paths: set[str]
    attributes: set[str]


def api_uses(sources: list[str], root: str = "torch") -> list[ApiUse]:
    """Per cell of a notebook, the `torch...` paths it names and the attributes it reads off values."""
    aliases: dict[str, str] = {}
    uses = []
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            uses.append(ApiUse(set(), set()))
            continue
        aliases.update(_import_aliases(tree, root))
        use = ApiUse({aliases[n.id] for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in aliases}, set())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            chain = _dotted(node)
            if chain is not None and chain[0] in aliases:
                use.paths.add(".".join([aliases[chain[0]], *chain[1:]]))
            elif chain is None or chain[0] not in aliases:
                use.attributes.add(node.attr)
        uses.append(use)
    return uses


def has_dotted_path(path: str, package: str | None = None) -> bool:
    """True if `torch.a.b` names a module or attribute (of `package` instead of torch, if given)."""
    import importlib

    parts = path.split(".")
    if package is not None:
        parts[0] = package
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(value, name):
                return False
            value = getattr(value, name)
        return True
    return False


def _library_attribute_names() -> set[str]:
    """Every attribute name any class of the library's public modules has."""
    import importlib
    import inspect
    import types

    importlib.import_module(LIBRARY_PACKAGE)
    names: set[str] = set()
    for module in [m for m in sys.modules.values() if isinstance(m, types.ModuleType)]:
        if module.__name__.split(".")[0] != LIBRARY_PACKAGE:
            continue
        for value in vars(module).values():
            if inspect.isclass(value):
                names |= set(dir(value))
    return names


def missing_api_names(fixtures: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Names the corpus uses that PyTorch has and the library lacks, with the cells using each.

    A static scan: it sees every name, also those behind an earlier failure,
    but not keyword arguments and not which class an attribute was read on.
    """
    recorded = json.loads(API_NAMES_PATH.read_text(encoding="utf-8"))
    missing_paths = {p for p in recorded["paths"] if not has_dotted_path(p, LIBRARY_PACKAGE)}
    # Which object an attribute is read on is unknown statically: it is missing when no library class has it.
    holders: dict[str, list[str]] = {}
    for key, dotted in INSTANCE_CLASSES.items():
        for name in recorded[key]:
            if not name.startswith("__"):
                holders.setdefault(name, []).append(dotted)
    known = _library_attribute_names()
    missing_attributes = {name: "/".join(f"{dotted}.{name}" for dotted in classes)
                          for name, classes in holders.items() if name not in known}
    users: dict[str, list[str]] = {}
    for fixture in fixtures:
        uses = api_uses([cell["source"] for cell in fixture["cells"]])
        for index, use in enumerate(uses):
            cell_id = f"{fixture['program_id']}-cell_{index:02d}"
            for path in use.paths:
                # a missing module is reported once, not once per name inside it
                top = next((m for m in sorted(missing_paths) if path == m or path.startswith(m + ".")), None)
                if top is not None:
                    users.setdefault(top, []).append(cell_id)
            for name in use.attributes & set(missing_attributes):
                users.setdefault(missing_attributes[name], []).append(cell_id)
    return sorted(((name, sorted(set(cells))) for name, cells in users.items()), key=lambda row: (-len(row[1]), row[0]))


# --- comparing a run with the recording ----------------------------------------------------------

MATCH, DIFFERS, BLOCKED, UNCHECKED = "match", "differs", "blocked", "unchecked"
ROUNDING_LEVEL = 1e-4
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])|\b(?:nan|inf)\b")
_UNEXPECTED_KEYWORD = re.compile(r"([\w.]+)\(\) got an unexpected keyword argument '(\w+)'")
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")
_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")
_NO_ATTRIBUTE = re.compile(r"(?:module '([\w.]+)'|'(\w+)' object|type object '(\w+)') has no attribute '(\w+)'")
_NODE_CLASS = re.compile(r"(Backward\d*|AccumulateGrad|CopySlices)$")
LIBRARY = "autograd_lab"


@dataclass
class CellVerdict:
    """How one cell of a notebook compared with PyTorch."""

    program_id: str
    index: int
    source: str
    status: str
    cause: str = ""
    diff: str = ""
    root: int | None = None
    numbers_only: bool = False
    max_relative_error: float | None = None

    @property
    def cell_id(self) -> str:
        """`<notebook>-cell_NN`, the pytest id of the cell."""
        return f"{self.program_id}-cell_{self.index:02d}"


class _Names(ast.NodeVisitor):
    """Walks a cell's statements in evaluation order.

    `reads` collects the global names read before the cell itself bound them;
    per statement, `binds`, `mutates` and `imports` the names it binds, changes
    (`x.a = ...`, `x[i] += ...`, `x.step()` as a statement, `x.add_(...)`) or imports.
    """

    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.bound: set[str] = set()
        self.binds: set[str] = set()
        self.mutates: set[str] = set()
        self.imports: set[str] = set()
        self.scopes: list[set[str]] = []

    def start_statement(self) -> None:
        """Begin collecting the names of the next top-level statement."""
        self.binds, self.mutates, self.imports = set(), set(), set()

    def _bind(self, name: str) -> None:
        if self.scopes:
            self.scopes[-1].add(name)
        else:
            self.binds.add(name)
            self.bound.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if not isinstance(node.ctx, ast.Load):
            self._bind(node.id)
        elif not any(node.id in scope for scope in self.scopes) and node.id not in self.bound:
            self.reads.add(node.id)

    def _mutate(self, node: ast.AST) -> None:
        while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Name) and not self.scopes:
            self.mutates.add(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)):
                self._mutate(target)
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self._mutate(node.target)
        if isinstance(node.target, ast.Name):
            self.visit_Name(ast.Name(node.target.id, ast.Load()))
        self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    visit_AsyncFor = visit_For

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute):
            self._mutate(node.value.func.value)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        attribute = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if attribute.endswith("_") and not attribute.startswith("_"):
            self._mutate(node.func.value)
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            name = (alias.asname or alias.name).split(".")[0]
            self._bind(name)
            if not self.scopes:
                self.imports.add(name)

    visit_ImportFrom = visit_Import

    def _scoped(self, node: ast.AST, arguments: ast.arguments | None, skip: tuple[str, ...] = ()) -> None:
        local: set[str] = set()
        if arguments is not None:
            every = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            local |= {a.arg for a in every}
        local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        self.scopes.append(local)
        for field, value in ast.iter_fields(node):
            if field in skip:
                continue
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    self.visit(child)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for expression in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expression is not None:
                self.visit(expression)
        self._bind(node.name)
        self._scoped(node, node.args, skip=("decorator_list", "args", "returns"))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expression in [*node.bases, *node.decorator_list]:
            self.visit(expression)
        self._bind(node.name)
        self._scoped(node, None, skip=("bases", "decorator_list", "keywords"))

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for expression in [*node.args.defaults, *node.args.kw_defaults]:
            if expression is not None:
                self.visit(expression)
        self._scoped(node, node.args, skip=("args",))

    def _comprehension(self, node: ast.AST) -> None:
        self._scoped(node, None)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


@dataclass
class Statement:
    """What one top-level statement of a cell does with global names."""

    last_line: int
    binds: set[str]
    mutates: set[str]
    imports: set[str]


def cell_names(source: str) -> tuple[set[str], list[Statement]]:
    """The global names a cell reads before binding them itself, and its top-level statements."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), []
    names = _Names()
    statements = []
    for node in tree.body:
        names.start_statement()
        names.visit(node)
        statements.append(Statement(node.end_lineno or node.lineno, names.binds, names.mutates, names.imports))
    return names.reads - set(dir(builtins)), statements


def _touched_from(statements: list[Statement], line: int | None, modules: set[str]) -> set[str]:
    """Names bound or mutated by the statements a failure at `line` kept from running (all, if None).

    Mutating an attribute of an imported module (`torch.x = ...`) does not count.
    """
    touched: set[str] = set()
    for statement in statements:
        if line is None or statement.last_line >= line:
            touched |= statement.binds | (statement.mutates - modules)
    return touched


def _public(name: str) -> str:
    """A library module or class path spelled as PyTorch's."""
    return "torch" + name[len(LIBRARY):] if name.startswith(LIBRARY) else name


def failure_cause(expected: dict[str, Any], actual: dict[str, Any], details: dict[str, Any]) -> str:
    """A one-line name for why a cell differs: the missing API when the error names one."""
    error, wanted = actual["error"], expected["error"]
    if error is not None and (wanted is None or wanted["type"] != error["type"]):
        message = error["message"]
        if details and "owner" in details:
            owner = _public(details["owner"])
            if _NODE_CLASS.search(owner):
                return f"grad_fn.{details['missing_attribute']}"
            return f"{owner}.{details['missing_attribute']}"
        for pattern, form in ((_NO_MODULE, "{0}"), (_CANNOT_IMPORT, "{1}.{0}"),
                              (_UNEXPECTED_KEYWORD, "{0}({1}=)")):
            found = pattern.search(message)
            if found:
                return _public(form.format(*found.groups()))
        found = _NO_ATTRIBUTE.search(message)
        if found:
            owner = next(g for g in found.groups()[:3] if g)
            return f"{_public(owner)}.{found.group(4)}"
        first_line = message.splitlines()[0] if message else ""
        return f"{error['type']}: {first_line[:90]}"
    if error is None and wanted is not None:
        return f"no error raised (PyTorch raises {wanted['type']})"
    if error is not None and wanted is not None and error["message"] != wanted["message"]:
        return f"{wanted['type']} message differs"
    fields = [k for k in ("stdout", "display", "stderr_warnings") if expected[k] != actual[k]]
    return "output differs: " + ", ".join(fields)


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _mask_numbers(text: str) -> str:
    """The text with every number replaced and the padding that depends on number widths removed."""
    return re.sub(r"(?<=[\[(]) ", "", re.sub(r" +", " ", _NUMBER.sub("#", text)))


def numeric_gap(expected: dict[str, Any], actual: dict[str, Any]) -> tuple[bool, float | None]:
    """(do the outputs differ only in numbers?, the largest relative difference of those numbers)."""
    def text(outputs: dict[str, Any]) -> str:
        error = outputs["error"]
        parts = [outputs["stdout"], outputs["display"] or "", *outputs["stderr_warnings"],
                 "" if error is None else f"{error['type']}: {error['message']}"]
        return "\n".join(parts)

    want, got = text(expected), text(actual)
    if _mask_numbers(want) != _mask_numbers(got):
        return False, None
    a, b = _numbers(want), _numbers(got)
    if len(a) != len(b):
        return True, None
    gaps = [abs(x - y) / max(abs(x), abs(y), 1e-30) for x, y in zip(a, b)
            if x != y and not (x != x and y != y)]
    return True, max(gaps, default=0.0)


def short_diff(expected: dict[str, Any], actual: dict[str, Any], limit: int = 12) -> str:
    """A few lines of unified diff per differing output field."""
    import difflib

    lines: list[str] = []
    for key in ("stdout", "display", "stderr_warnings", "error"):
        want, got = expected[key], actual[key]
        if want == got:
            continue
        render = (lambda v: "\n".join(v)) if key == "stderr_warnings" else (
            lambda v: "None" if v is None else (f"{v['type']}: {v['message']}" if isinstance(v, dict) else v))
        diff = list(difflib.unified_diff(render(want).splitlines(), render(got).splitlines(),
                                         f"{key} (torch)", f"{key} (autograd_lab)", n=0, lineterm=""))
        lines.append(f"{key}:")
        lines.extend(diff[2:2 + limit] if len(diff) > 2 else [f"  {want!r} != {got!r}"])
        if len(diff) > 2 + limit:
            lines.append(f"... ({len(diff) - 2 - limit} more lines)")
    return "\n".join(lines)


def numbers_cause(max_relative_error: float | None) -> str:
    """The cause of a cell whose output differs only in its numbers, by how far they are apart."""
    if max_relative_error is None:
        return "numbers differ (not as many numbers printed)"
    if max_relative_error == 0:
        return "numbers print differently (same values: signed zero or format)"
    if max_relative_error <= ROUNDING_LEVEL:
        return f"numbers differ in the last digits (relative error <= {ROUNDING_LEVEL:.0e}: float rounding)"
    return "numbers differ (other values: random numbers, initialisation or arithmetic)"


def compare_program(fixture: dict[str, Any], run: ProgramRun) -> list[CellVerdict]:
    """Verdicts for every cell of one notebook run against its recording.

    A differing cell that reads a name bound (or mutated) by an earlier cell that
    failed, or that was itself blocked, is "blocked" and carries that root cell's
    cause; the root's names stay poisoned until a matching cell binds them again.
    """
    program_id = fixture["program_id"]
    verdicts: list[CellVerdict] = []
    poisoned: dict[str, int] = {}
    modules: set[str] = set()
    details = run.error_details or {}
    for index, cell in enumerate(fixture["cells"]):
        source = cell["source"]
        reads, statements = cell_names(source)
        cell_details = details.get(str(index)) or {}
        if run.crash or index >= len(run.cells):
            verdicts.append(CellVerdict(program_id, index, source, DIFFERS, f"child process failed: {run.crash}"))
            continue
        expected = comparable(cell["torch"], cell["version"])
        actual = comparable(run.cells[index], cell["version"])
        lab_error, torch_error = actual["error"], expected["error"]
        raised_unexpectedly = lab_error is not None and (
            torch_error is None or torch_error["type"] != lab_error["type"])
        if cell["nondeterministic"] is not None:
            verdict = CellVerdict(program_id, index, source, UNCHECKED, cell["nondeterministic"])
        elif expected == actual:
            verdict = CellVerdict(program_id, index, source, MATCH)
        else:
            roots = sorted(poisoned[name] for name in reads if name in poisoned)
            if roots:
                root = roots[0]
                verdict = CellVerdict(program_id, index, source, BLOCKED, verdicts[root].cause, root=root)
            else:
                verdict = CellVerdict(program_id, index, source, DIFFERS,
                                      failure_cause(expected, actual, cell_details))
            verdict.diff = short_diff(expected, actual)
            verdict.numbers_only, verdict.max_relative_error = numeric_gap(expected, actual)
            if verdict.status == DIFFERS and verdict.numbers_only:
                verdict.cause = numbers_cause(verdict.max_relative_error)
        if verdict.status == BLOCKED or raised_unexpectedly:
            root = verdict.root if verdict.root is not None else index
            line = cell_details.get("line") if lab_error is not None else None
            for name in _touched_from(statements, line, modules):
                poisoned[name] = root
        else:
            for name in _touched_from(statements, None, modules):
                poisoned.pop(name, None)
        modules |= {name for statement in statements for name in statement.imports}
        verdicts.append(verdict)
    return verdicts


@dataclass
class CorpusReport:
    """Every cell's verdict, plus how the library was imported in the children."""

    verdicts: list[CellVerdict]
    runs: list[ProgramRun]

    def count(self, status: str) -> int:
        """How many cells have a status."""
        return sum(v.status == status for v in self.verdicts)

    def causes(self) -> list[tuple[str, int, int, CellVerdict]]:
        """(cause, cells broken in total, of which blocked, first root cell) by cells broken."""
        table: dict[str, list[CellVerdict]] = {}
        for verdict in self.verdicts:
            if verdict.status in (DIFFERS, BLOCKED):
                table.setdefault(verdict.cause, []).append(verdict)
        rows = []
        for cause, cells in table.items():
            roots = [v for v in cells if v.status == DIFFERS]
            rows.append((cause, len(cells), len(cells) - len(roots), (roots or cells)[0]))
        return sorted(rows, key=lambda row: (-row[1], row[0]))


def compare_corpus(names: list[str] | None = None, workers: int | None = None) -> CorpusReport:
    """Run the recorded notebooks against autograd_lab and compare every cell."""
    fixtures = load_fixtures(names)
    jobs = [(f["program_id"], [c["source"] for c in f["cells"]]) for f in fixtures]
    runs = run_many(jobs, LAB_MODE, workers=workers)
    verdicts = [v for fixture, run in zip(fixtures, runs) for v in compare_program(fixture, run)]
    return CorpusReport(verdicts, runs)


if __name__ == "__main__":
    _child_main(sys.argv[1:])
