"""The course notebooks stay clean in git and run quickly.

- files are written exactly as nbformat (and JupyterLab) write them;
- notebook metadata is only the kernelspec, `language_info: {name: python}` and the saved state of the
  widgets the outputs show (so a freshly opened lesson shows working players), nothing else;
- cells keep only `tags` in their metadata (no execution timings, `collapsed`, `scrolled`, ...),
  and only tags the course uses;
- every cell has an id, unique in its notebook;
- code cells are numbered 1, 2, 3, ... as by one "Run All" in a fresh kernel, and all have outputs
  stored from that run (nbval only compares cells that have an execution count);
- errors are stored only for cells tagged `raises-exception`, and every such cell has one, with its
  traceback cut to the final line (no paths from the machine that built it);
- each notebook stays small and runs top to bottom in under 30 s.

`python notebooks/build.py` produces exactly this form.
"""

from __future__ import annotations

import importlib.util
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
IDS = [path.name for path in PATHS]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
RAISES = "raises-exception"
ALLOWED_TAGS = {RAISES, "nbval-ignore-output"}
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_BYTES = 400_000
"""Each player stores its module, styles, picture and frames in the notebook (about 60-90 kB)."""
MAX_SECONDS = 30.0
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def load_build():
    """notebooks/build.py as a module (it is a script, not part of a package)."""
    spec = importlib.util.spec_from_file_location("course_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def test_there_are_notebooks() -> None:
    assert len(PATHS) >= 6


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_file_is_canonical_and_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert text == nbformat.writes(nb) + "\n", "not in nbformat's layout: run notebooks/build.py"
    assert len(text.encode("utf-8")) < MAX_BYTES


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_metadata(path: Path) -> None:
    nb = read(path)
    metadata = dict(nb.metadata)
    widgets = metadata.pop("widgets", None)
    assert metadata == {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    shown = [output.data[WIDGET_VIEW]["model_id"] for cell in nb.cells if cell.cell_type == "code"
             for output in cell.outputs if WIDGET_VIEW in output.get("data", {})]
    if not shown:
        assert widgets is None
        return
    assert set(widgets) == {WIDGET_STATE}
    state = widgets[WIDGET_STATE]["state"]
    assert set(shown) <= set(state), "every player shown has its state saved"
    for model in shown:
        saved = state[model]["state"]
        assert saved["_esm"] and saved["svg"].startswith("<svg") and saved["frames"], model
    referenced = set(shown) | {ref for m in state.values() for ref in re.findall(r"IPY_MODEL_(\w+)", str(m))}
    assert set(state) <= referenced, "no state for widgets the notebook does not show"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_pictures_show_without_running(path: Path) -> None:
    """Every drawing and player output has a picture a page shows without running code (an <img> of the SVG)."""
    for cell in read(path).cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if WIDGET_VIEW in data or "agl-drawing-host" in data.get("text/html", ""):
                assert '<img src="data:image/svg+xml' in data["text/html"], cell.id


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_cell_ids_and_metadata(path: Path) -> None:
    nb = read(path)
    ids = [cell.get("id") for cell in nb.cells]
    assert all(cell_id and CELL_ID.match(cell_id) for cell_id in ids)
    assert len(set(ids)) == len(ids), "duplicate cell ids"
    for cell in nb.cells:
        assert set(cell.metadata) <= {"tags"}, f"cell {cell.id}: stray metadata {sorted(cell.metadata)}"
        tags = cell.metadata.get("tags", [])
        assert tags or "tags" not in cell.metadata, f"cell {cell.id}: empty tags list"
        assert set(tags) <= ALLOWED_TAGS, f"cell {cell.id}: unknown tags {tags}"
        if cell.cell_type == "markdown":
            assert RAISES not in tags


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_execution_counts_are_one_run_all(path: Path) -> None:
    code = [cell for cell in read(path).cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    for cell in code:
        for output in cell.outputs:
            if output.output_type == "execute_result":
                assert output.execution_count == cell.execution_count
            if output.output_type in ("execute_result", "display_data"):
                assert set(output.metadata) <= {"application/vnd.jupyter.widget-view+json"}


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_errors_only_where_expected(path: Path) -> None:
    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        errors = [output for output in cell.outputs if output.output_type == "error"]
        expected = RAISES in cell.metadata.get("tags", [])
        assert bool(errors) == expected, f"cell {cell.id}: error stored={bool(errors)}, tagged {RAISES}={expected}"
        for error in errors:
            assert error.traceback == [f"{error.ename}: {error.evalue}"]


@pytest.fixture(scope="module")
def fresh_runs() -> dict[str, tuple[float, nbformat.NotebookNode]]:
    """Every notebook run once top to bottom in its own fresh kernel, all at the same time."""
    build = load_build()

    def run(path: Path) -> tuple[float, nbformat.NotebookNode]:
        started = time.perf_counter()
        ran = build.execute(read(path), cwd=NOTEBOOKS, timeout=int(MAX_SECONDS) * 2)
        return time.perf_counter() - started, ran

    with ThreadPoolExecutor(max_workers=len(PATHS)) as pool:
        results = dict(zip(IDS, pool.map(run, PATHS)))
    return results


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_runs_top_to_bottom_quickly(path: Path, fresh_runs) -> None:
    """Run All completes (errors only in raises-exception cells) in under 30 s, kernel start included."""
    seconds, ran = fresh_runs[path.name]
    assert seconds < MAX_SECONDS, f"{path.name} took {seconds:.1f} s"
    stored = read(path)
    for cell, fresh in zip(stored.cells, ran.cells):
        if cell.cell_type != "code":
            continue
        raised = any(output.output_type == "error" for output in fresh.outputs)
        assert raised == (RAISES in cell.metadata.get("tags", [])), cell.id
        stored_widget = any(WIDGET_VIEW in output.get("data", {}) for output in cell.outputs)
        fresh_widget = any(WIDGET_VIEW in output.get("data", {}) for output in fresh.outputs)
        assert stored_widget == fresh_widget, f"cell {cell.id}: widget view stored={stored_widget}, produced={fresh_widget}"
