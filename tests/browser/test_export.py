"""The notebook exported to static HTML with widget state: the players step with no kernel."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExecutePreprocessor

from .export_assets import anywidget_amd, asset
from .harness import REPO

NOTEBOOK = Path(__file__).parent / "notebooks" / "players.ipynb"
ORIGIN = "http://export.test"


def export(tmp_path: Path) -> str:
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    notebook = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    ExecutePreprocessor(timeout=120, kernel_name="python3", store_widget_state=True).preprocess(
        notebook, {"metadata": {"path": str(tmp_path)}})
    assert "application/vnd.jupyter.widget-state+json" in notebook.metadata.get("widgets", {})
    html, _ = HTMLExporter().from_notebook_node(notebook)
    return html


def test_exported_html_steps_without_a_kernel(browser, tmp_path: Path, artifacts: Path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    html = export(tmp_path)
    (artifacts / "players.html").write_text(html, encoding="utf-8")
    files = {"require.js": asset("requirejs"), "embed-amd.js": asset("html-manager"), "anywidget": anywidget_amd()}
    refused: list[str] = []

    def handle(route) -> None:
        url = route.request.url
        if url == f"{ORIGIN}/players.html":
            route.fulfill(status=200, content_type="text/html", body=html)
        elif "require" in url and url.endswith(".js") and "cdnjs" in url:
            route.fulfill(status=200, content_type="text/javascript", body=files["require.js"])
        elif "html-manager" in url and url.endswith("embed-amd.js"):
            route.fulfill(status=200, content_type="text/javascript", body=files["embed-amd.js"])
        elif "/anywidget@" in url and url.endswith(".js"):
            route.fulfill(status=200, content_type="text/javascript", body=files["anywidget"])
        else:
            refused.append(url)
            route.abort()

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", handle)
    try:
        page.goto(f"{ORIGIN}/players.html")
        page.wait_for_function("document.querySelectorAll('.agl-player').length === 3", timeout=60_000)
        first = page.locator(".agl-player").nth(0)
        assert "before backward()" in first.locator(".agl-caption").inner_text()
        first.locator("[data-action=forward]").click()
        first.locator("[data-action=forward]").click()
        assert first.locator("g.agl-active").evaluate_all("gs => gs.map(g => g.id)") == ["fn0"]
        first.focus()
        page.keyboard.press("End")
        assert first.locator(".agl-caption").inner_text().startswith("Call 1 of 1 finished")
        leaf = first.locator('g.node[id="fn12_var"] text', has_text="grad: ")
        assert leaf.text_content() == "grad: 1020.5499"
        forward = page.locator(".agl-player").nth(2)
        forward.focus()
        page.keyboard.press("ArrowRight")
        assert "Op 1 of 11" in forward.locator(".agl-caption").inner_text()
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "exported_html_player.png"))
        assert sockets == [], "the exported page must not talk to a kernel"
        assert not [e for e in errors if "agl" in e or "player" in e]
        cdn = [u for u in refused if not u.startswith(ORIGIN)]
        assert not [u for u in cdn if "anywidget" in u or "html-manager" in u]
    finally:
        context.close()
