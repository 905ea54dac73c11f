"""Re-execute the lesson notebooks and store their outputs in the course's normalised form.

    .venv/bin/python notebooks/build.py                  # every notebook in notebooks/
    .venv/bin/python notebooks/build.py notebooks/03_*.ipynb
    .venv/bin/python notebooks/build.py --check          # change nothing; exit 1 if a rebuild would

Each notebook runs top to bottom in a fresh kernel (the "python3" kernel of the Python running this
script), from the notebooks/ folder, exactly as "Restart Kernel and Run All" does. Cells tagged
`raises-exception` may fail (they must); any other error stops the build. Then:

- notebook metadata becomes exactly the kernelspec below and `language_info: {name: python}`;
- cell metadata keeps only `tags`; execution counts run 1, 2, 3, ... over the code cells;
- error tracebacks are cut to their last line (`RuntimeError: ...`): the full trace names files on
  the machine that built the notebook;
- a cell keeps its stored outputs when the new ones are the same after sanitising (object
  addresses, Graphviz versions, ...: see sanitize.cfg), so rebuilding without changes leaves git clean;
- cells without an id get a new one; existing ids never change;
- the widget state of every player shown is stored in the notebook's metadata
  (`widgets` / `application/vnd.jupyter.widget-state+json`, as JupyterLab saves it), with model ids
  derived from the notebook's name and the widget's place in it, so a freshly opened lesson shows
  working players and rebuilding without changes leaves git clean.
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import nbformat

HERE = Path(__file__).resolve().parent
SANITIZE_FILE = HERE / "sanitize.cfg"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
RAISES = "raises-exception"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MODEL_IDS = uuid.UUID("6a1f0c9e-7b55-4d0e-9f4e-2f6c1a7d3b21")
CELL_TIMEOUT = 120


def sanitize_patterns(path: Path = SANITIZE_FILE) -> list[tuple[str, str]]:
    """The (regex, replacement) pairs of sanitize.cfg, read as nbval reads them."""
    text = path.read_text(encoding="utf-8")
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


def keep_patterns(patterns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The patterns that decide whether a stored output is kept: all but the one hiding a view's script,
    so a lesson always stores the current script (nbval, which checks the lesson, may ignore it)."""
    return [(regex, replacement) for regex, replacement in patterns if replacement != "<script>(graph view)</script>"]


def sanitize(text: str, patterns: list[tuple[str, str]]) -> str:
    """`text` with every sanitiser pattern applied, in file order."""
    for regex, replacement in patterns:
        text = re.sub(regex, replacement, text)
    return text


def comparable(outputs: list, patterns: list[tuple[str, str]]) -> list:
    """A cell's outputs reduced to what nbval compares, sanitised (for keep-if-unchanged)."""
    result = []
    for output in outputs:
        kind = output["output_type"]
        if kind == "stream":
            result.append(("stream", output["name"], sanitize(output["text"], patterns)))
        elif kind == "error":
            result.append(("error", output["ename"], sanitize(output["evalue"], patterns)))
        else:
            data = {
                mime: sanitize(value if isinstance(value, str) else json.dumps(value, sort_keys=True), patterns)
                for mime, value in output.get("data", {}).items()
                if mime != WIDGET_VIEW
            }
            result.append((kind, WIDGET_VIEW in output.get("data", {}), data))
    return result


def clean_inputs(nb: nbformat.NotebookNode) -> None:
    """Normalise everything but the outputs, in place."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.NotebookNode({"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})
    seen: set[str] = set()
    for cell in nb.cells:
        if not cell.get("id") or cell.id in seen:
            cell.id = uuid.uuid4().hex[:8]
        seen.add(cell.id)
        tags = list(dict.fromkeys(cell.metadata.get("tags", [])))
        cell.metadata = nbformat.NotebookNode({"tags": tags} if tags else {})


def trim_error(output: nbformat.NotebookNode) -> None:
    """Keep only the final `Name: message` line of an error's traceback."""
    output.traceback = [f"{output.ename}: {output.evalue}" if output.evalue else output.ename]


def coalesce_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name (stdout, stderr) into one."""
    result: list = []
    for output in outputs:
        previous = result[-1] if result else None
        if (output.output_type == "stream" and previous is not None
                and previous.output_type == "stream" and previous.name == output.name):
            previous.text += output.text
        else:
            result.append(output)
    return result


def execute(nb: nbformat.NotebookNode, cwd: Path = HERE, timeout: int = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """A copy of `nb` run top to bottom in a fresh python3 kernel started in `cwd`."""
    from nbclient import NotebookClient

    run = copy.deepcopy(nb)
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(run, timeout=timeout, kernel_name=KERNELSPEC["name"], record_timing=False,
                            store_widget_state=True, resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return run


def merge(old: nbformat.NotebookNode, new: nbformat.NotebookNode, patterns: list[tuple[str, str]]) -> list[str]:
    """Store `new`'s outputs in `old` (normalised); return problems found on the way."""
    problems = []
    count = 0
    for index, (cell, ran) in enumerate(zip(old.cells, new.cells)):
        if cell.cell_type != "code":
            continue
        count += 1
        outputs = coalesce_streams(ran.outputs)
        for output in outputs:
            output.pop("transient", None)
            if output.output_type == "error":
                trim_error(output)
            if output.output_type == "execute_result":
                output.execution_count = count
        raises = RAISES in cell.metadata.get("tags", [])
        failed = any(o.output_type == "error" for o in outputs)
        if raises and not failed:
            problems.append(f"cell {index} ({cell.id}) is tagged {RAISES} but raised nothing")
        if comparable(cell.get("outputs", []), patterns) != comparable(outputs, patterns):
            cell.outputs = outputs
        for output in cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
        cell.execution_count = count
    return problems


def shown_models(nb: nbformat.NotebookNode) -> list[str]:
    """Model ids of the widgets the notebook's outputs show, in order."""
    return [output["data"][WIDGET_VIEW]["model_id"] for cell in nb.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if WIDGET_VIEW in output.get("data", {})]


def _references(value: Any) -> list[str]:
    """Model ids a widget's state points to ("IPY_MODEL_<id>", as its layout and style)."""
    text = json.dumps(value)
    return re.findall(r"IPY_MODEL_([0-9A-Za-z_-]+)", text)


def store_widget_state(nb: nbformat.NotebookNode, ran: nbformat.NotebookNode, name: str) -> None:
    """Keep the state of the widgets ``nb``'s outputs show (and what they refer to), under stable ids."""
    state = ran.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    models = state.get("state", {})
    fresh = shown_models(ran)
    stable = {old: uuid.uuid5(MODEL_IDS, f"{name}/{index}").hex for index, old in enumerate(fresh)}
    keep: list[str] = []
    queue = [model for model in fresh if model in models]
    while queue:
        model = queue.pop(0)
        if model in keep:
            continue
        keep.append(model)
        queue.extend(ref for ref in _references(models[model]) if ref in models)
    for extra in keep:
        stable.setdefault(extra, uuid.uuid5(MODEL_IDS, f"{name}/ref/{len(stable)}").hex)
    text = json.dumps({stable[m]: models[m] for m in keep})
    for old, new in stable.items():
        text = text.replace(f"IPY_MODEL_{old}", f"IPY_MODEL_{new}")
    kept = json.loads(text)
    stored = shown_models(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                index = stored.index(view["model_id"]) if view["model_id"] in stored else None
                new_ids = list(stable.values())
                if view["model_id"] in stable:
                    view["model_id"] = stable[view["model_id"]]
                elif index is not None and index < len(fresh):
                    view["model_id"] = new_ids[index]
    if kept:
        nb.metadata["widgets"] = {WIDGET_STATE: {"version_major": state.get("version_major", 2),
                                                 "version_minor": state.get("version_minor", 0),
                                                 "state": kept}}


def build(path: Path, check: bool = False) -> tuple[bool, float, list[str]]:
    """Rebuild one notebook; return (changed, seconds to run it, problems)."""
    original = path.read_text(encoding="utf-8")
    nb = nbformat.reads(original, as_version=4)
    clean_inputs(nb)
    started = time.perf_counter()
    ran = execute(nb, cwd=path.parent)
    seconds = time.perf_counter() - started
    problems = merge(nb, ran, keep_patterns(sanitize_patterns()))
    store_widget_state(nb, ran, path.stem)
    nbformat.validate(nb)
    text = nbformat.writes(nb) + "\n"
    changed = text != original
    if changed and not check and not problems:
        path.write_text(text, encoding="utf-8")
    return changed, seconds, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook would change")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(HERE.glob("*.ipynb"))
    status = 0
    for path in paths:
        changed, seconds, problems = build(path, check=args.check)
        state = "would change" if args.check and changed else "updated" if changed else "unchanged"
        print(f"{path.name}: ran in {seconds:.1f} s, {state}")
        for problem in problems:
            print(f"  problem: {problem}")
        if problems or (args.check and changed):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
