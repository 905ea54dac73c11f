"""``autograd-lab export``: one HTML file whose players step from file:// with every network request refused."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from autograd_lab.cli import main as autograd_lab
from autograd_lab.widgets.export import export_html

from .harness import REPO

NOTEBOOK = Path(__file__).parent / "notebooks" / "players.ipynb"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    shutil.copy(NOTEBOOK, folder / NOTEBOOK.name)
    target = folder / "players.html"
    assert autograd_lab(["export", str(folder / NOTEBOOK.name), "-o", str(target), "--execute"]) == 0
    return target


def players(page):
    return page.evaluate("""() => [...document.querySelectorAll('.agl-export-widget')].map((box) => {
      const root = box.shadowRoot && box.shadowRoot.querySelector('.agl-player');
      return root ? {frame: Number(root.dataset.frame), active: root.dataset.active,
                     caption: root.querySelector('.agl-caption').textContent} : null;
    })""")


def test_exported_html_steps_offline(browser, exported: Path, artifacts: Path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    html = exported.read_text(encoding="utf-8")
    assert "require.js" not in html and "embed-amd" not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "application/vnd.jupyter.widget-state+json" in html
    shutil.copy(exported, artifacts / "players_exported.html")
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    refused: list[str] = []

    def offline(route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", offline)
    try:
        page.goto(exported.as_uri())
        page.wait_for_function("document.querySelectorAll('.agl-export-widget[data-mounted]').length === 3",
                               timeout=30_000)
        first = page.locator(".agl-export-widget").nth(0)
        assert "before backward()" in players(page)[0]["caption"]
        first.locator("[data-action=forward]").click()
        first.locator("[data-action=forward]").click()
        assert players(page)[0]["active"] == "fn0"
        first.locator(".agl-player").focus()
        page.keyboard.press("End")
        assert players(page)[0]["caption"].startswith("Call 1 of 1 finished")
        leaf = first.locator('g.node[id="fn12_var"] text', has_text="grad: ")
        assert leaf.text_content() == "grad: 1020.5499"
        forward = page.locator(".agl-export-widget").nth(2)
        forward.locator(".agl-player").focus()
        page.keyboard.press("ArrowRight")
        assert "Op 1 of 11" in players(page)[2]["caption"]
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "exported_html_offline.png"))
        assert all(not url.startswith("file://") for url in refused)
        assert not [e for e in errors if "agl" in e.lower() or "player" in e.lower()], errors
    finally:
        context.close()


def test_a_player_without_saved_state_shows_its_picture_and_steps(browser, tmp_path: Path):
    import autograd_lab as torch
    from autograd_lab.widgets import play_backward

    x = torch.tensor(5., requires_grad=True)
    data, _ = play_backward(x * x)._repr_mimebundle_()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells[1].outputs = [nbformat.v4.new_output("display_data", data=data)]
    notebook.cells[2].outputs = [nbformat.v4.new_output("display_data", data={
        "text/plain": "a widget", "application/vnd.jupyter.widget-view+json":
        {"version_major": 2, "version_minor": 0, "model_id": "feedc0de"}})]
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {"feedc0de": {
            "model_name": "IntSliderModel", "model_module": "@jupyter-widgets/controls", "state": {"value": 3}}}}}
    page_file = tmp_path / "missing.html"
    page_file.write_text(export_html(notebook), encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://") else route.abort())
    try:
        page.goto(page_file.as_uri())
        fallback = page.locator(".agl-player-fallback")
        assert "Run this cell" in fallback.inner_text() and fallback.locator("img").count() == 1
        assert fallback.locator("li").count() == 5
        message = page.locator(".agl-export-message")
        message.wait_for(timeout=10_000)
        assert "needs a running Jupyter kernel" in message.inner_text()
    finally:
        context.close()
