"""The graph views and players in JupyterLab and Jupyter Notebook 7, measured as a student sees them at 100 %.

For the seed's involved example, a 2-4-1 MLP's loss, the broadcasting example and more: every
drawing and player lies inside its output area, its text is at least 9 pt, the page's own
CSS (including a hostile style sheet injected by the notebook) cannot change it, the
inspector lays keys and values out on one row, the running node is highlighted at every
step with it and both ends of every travelling edge in view, hovering shows a tooltip,
the arrow keys step (Notebook 7 takes them otherwise) and focus stays in the player at the
last step. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .harness import FIND_PLAYERS_JS, JupyterLab

NOTEBOOK = Path(__file__).parent / "notebooks" / "views.ipynb"
PLAYERS = 6
DRAWINGS = 3
MIN_FONT_PX = 12.0  # 9 pt

MEASURE_JS = """() => {
  const inside = (box, area) => box.left >= area.left - 1 && box.right <= area.right + 1;
  const fonts = (root) => [...root.querySelectorAll('svg text')].filter((t) => t.textContent.trim())
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  const output = (el) => el.closest('.jp-OutputArea-output').getBoundingClientRect();
  const drawings = [...document.querySelectorAll('.agl-drawing-host')].map((host) => {
    const view = host.shadowRoot.querySelector('.agl-drawing');
    const box = view.getBoundingClientRect(), area = output(host);
    const leaf = host.shadowRoot.querySelector('g.node.agl-leaf polygon, g.node.agl-leaf path');
    return {width: box.width, inside: inside(box, area), area: area.width, minFont: Math.min(...fonts(view)),
            leafFill: leaf ? getComputedStyle(leaf).fill : null};
  });
  const players = window.aglFind('.agl-player').map((root) => {
    const host = root.getRootNode().host;
    const box = root.getBoundingClientRect(), area = output(host);
    const svg = root.querySelector('.agl-figure svg').getBoundingClientRect();
    return {width: box.width, svgWidth: svg.width, inside: inside(box, area) && inside(svg, area), area: area.width,
            minFont: Math.min(...fonts(root)), buttonFont: parseFloat(getComputedStyle(root.querySelector('button')).fontSize)};
  });
  return {drawings, players};
}"""

STEP_ALL_JS = """async (index) => {
  const root = window.aglFind('.agl-player')[index];
  root.scrollIntoView({block: 'start'});
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const within = (el) => { const b = el.getBoundingClientRect();
    const figure = root.querySelector('.agl-figure').getBoundingClientRect();
    return b.width > 0 && b.left >= figure.left - 1 && b.right <= figure.right + 1 && b.top >= figure.top - 1 && b.bottom <= figure.bottom + 1; };
  const node = (id) => root.querySelector(`g.node[id="${id}"]`);
  root.querySelector('[data-action=first]').click();
  const problems = [];
  let steps = 0;
  const settled = () => new Promise((done) => { const check = () =>
    root.querySelector('.agl-figure').dataset.moving ? requestAnimationFrame(check) : done(); check(); });
  for (;;) {
    await settled();
    const active = root.dataset.active;
    if (active) {
      const g = node(active);
      const shape = g && g.querySelector('polygon, path');
      if (!g || !g.classList.contains('agl-active')) problems.push(`step ${root.dataset.frame}: ${active} not marked`);
      else if (parseFloat(getComputedStyle(shape).strokeWidth) < 3.5) problems.push(`step ${root.dataset.frame}: thin outline on ${active}`);
      else if (getComputedStyle(shape).stroke === getComputedStyle(root).color) problems.push(`step ${root.dataset.frame}: outline not coloured`);
      else if (!within(g)) problems.push(`step ${root.dataset.frame}: ${active} out of view`);
    }
    for (const edge of root.querySelectorAll('g.edge.agl-hot')) {
      const [source, target] = edge.id.split('__');
      const ends = [node(source), node(target.replace(/_\\d+$/, '')) || node(target)];
      for (const end of ends) if (end && !within(end)) problems.push(`step ${root.dataset.frame}: end ${end.id} of ${edge.id} out of view`);
    }
    steps++;
    const next = root.querySelector('[data-action=forward]');
    if (next.disabled) break;
    next.click();
  }
  return {steps, problems, frame: Number(root.dataset.frame)};
}"""


@pytest.fixture(scope="module", params=["lab", "notebook"])
def frontend(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"agl-{request.param}")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    server = JupyterLab(root, app=request.param)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page(browser, frontend):
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, reduced_motion="reduce")
    page = context.new_page()
    page.agl_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.agl_errors.append(f"{error}\n{error.stack}"))
    page.add_init_script(FIND_PLAYERS_JS)
    page.goto(frontend.notebook_url(NOTEBOOK.name))
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=90_000)
    page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
      const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
      return k && k.status === 'idle'; }""", timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(f"window.aglFind('.agl-player').length === {PLAYERS} && "
                           f"document.querySelectorAll('.agl-drawing-host').length === {DRAWINGS} && "
                           "[...document.querySelectorAll('.agl-drawing-host')].every((h) => h.shadowRoot)",
                           timeout=120_000)
    page.wait_for_timeout(300)
    yield page
    context.close()


SCROLL_THROUGH_JS = """async () => {
  for (const view of [...document.querySelectorAll('.agl-drawing-host'), ...window.aglFind('.agl-player')]) {
    view.scrollIntoView({block: 'start'});
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  }
}"""


def centred(locator) -> None:
    """Scroll ``locator`` to the middle of the window (not under the notebook's sticky toolbar)."""
    locator.evaluate("(element) => element.scrollIntoView({block: 'center'})")
    locator.page.wait_for_timeout(150)


def test_views_fit_their_output_area_with_readable_text(page, frontend, artifacts: Path):
    page.evaluate(SCROLL_THROUGH_JS)
    measured = page.evaluate(MEASURE_JS)
    print(f"\n{frontend.app}: drawings {[round(d['width']) for d in measured['drawings']]} px, players "
          f"{[round(p['width']) for p in measured['players']]} px, output areas {round(measured['players'][0]['area'])} px")
    for drawing in measured["drawings"]:
        assert drawing["inside"] and drawing["width"] <= 1000, drawing
        assert drawing["minFont"] >= MIN_FONT_PX - 0.01, drawing
        assert drawing["leafFill"] not in (None, "rgb(255, 0, 0)"), "the page's CSS reached into the drawing"
    for player in measured["players"]:
        assert player["inside"] and player["width"] <= 1000, player
        assert player["minFont"] >= MIN_FONT_PX - 0.01, player
        assert player["buttonFont"] == 13, "the page's button style reached into the player"
    host = page.locator(".agl-drawing-host").first
    centred(host)
    host.screenshot(path=str(artifacts / f"{frontend.app}_draw_involved.png"))


def test_every_step_highlights_the_running_node_with_both_edge_ends_in_view(page, frontend, artifacts: Path):
    for index in range(PLAYERS):
        result = page.evaluate(STEP_ALL_JS, index)
        assert result["steps"] > 3 and result["problems"] == [], (index, result)
    failing = page.evaluate("""() => { const root = window.aglFind(".agl-player")[5];
      const failed = root.querySelector('g.node.agl-failed');
      return {failed: failed && failed.id, active: root.dataset.active, badge: failed && failed.textContent.includes('failed here'),
              freed: [...root.querySelectorAll('g.node.agl-freed')].map((g) => g.id)}; }""")
    assert failing["failed"] == failing["active"] and failing["badge"], failing
    assert failing["failed"] in failing["freed"], "the failing node is also freed: both cues show"
    player = page.locator(".agl-player").nth(0)
    player.locator("[data-action=first]").click()
    for _ in range(4):
        player.locator("[data-action=forward]").click()
    centred(player)
    player.screenshot(path=str(artifacts / f"{frontend.app}_player_involved_step4.png"))
    mlp = page.locator(".agl-player").nth(1)
    mlp.locator("[data-action=first]").click()
    for _ in range(6):
        mlp.locator("[data-action=forward]").click()
    centred(mlp)
    mlp.screenshot(path=str(artifacts / f"{frontend.app}_player_mlp_step6.png"))


def test_inspector_rows_tooltips_keys_and_focus(page, frontend, artifacts: Path):
    player = page.locator(".agl-player").nth(0)
    player.scroll_into_view_if_needed()
    player.locator("[data-action=last]").click()
    assert page.evaluate("window.aglFind('.agl-player')[0].getRootNode().activeElement.classList.contains('agl-player')"), \
        "focus stays in the player when the last step disables the button that had it"
    player.locator("[data-action=fit]").click()
    leaf = player.locator("g.node.agl-leaf").first
    leaf.click()
    rows = player.locator(".agl-inspector").evaluate("""(panel) => [...panel.querySelectorAll('.agl-key')].map((k) => {
      const v = k.nextElementSibling, kb = k.getBoundingClientRect(), vb = v.getBoundingClientRect();
      return {key: k.textContent, keyTop: kb.top, valueTop: vb.top, keyRight: kb.right, valueLeft: vb.left,
              keyHeight: kb.height, lineHeight: parseFloat(getComputedStyle(k).lineHeight) || 20}; })""")
    assert {"requires_grad", "is_leaf", "grad_fn", "grad", "data", "shape", "dtype"} <= {r["key"] for r in rows}
    for row in rows:
        assert abs(row["keyTop"] - row["valueTop"]) <= 2, row
        assert row["keyRight"] <= row["valueLeft"], row
        assert row["keyHeight"] <= row["lineHeight"] * 1.5, f"{row['key']} broke over lines"
    box = leaf.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("window.aglFind('.agl-tip').some((t) => !t.hidden && t.textContent.includes('requires_grad'))")
    page.screenshot(path=str(artifacts / f"{frontend.app}_player_inspector_tooltip.png"))
    drawing = page.locator(".agl-drawing-host").first
    drawing.scroll_into_view_if_needed()
    node = drawing.locator("g.node.agl-function").first
    node.click()
    assert "grad_fn" in drawing.locator(".agl-inspector").inner_text()
    box = node.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("window.aglFind('.agl-drawing .agl-tip, .agl-tip').some((t) => !t.hidden && t.textContent.length > 5)")
    root = page.locator(".agl-player").nth(2)
    root.locator("[data-action=first]").click()
    root.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.evaluate("window.aglFind('.agl-player')[2].dataset.frame") == "3", "arrow keys step the player"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("window.aglFind('.agl-player')[2].dataset.frame") == "2"
    ours = [e for e in page.agl_errors if "agl" in e.lower() or "player" in e.lower() or "blob:" in e]
    assert ours == [], page.agl_errors


def test_dark_theme_keeps_the_colour_meanings(page, frontend, artifacts: Path):
    page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
    page.wait_for_timeout(500)
    colours = page.evaluate("""() => {
      const rgb = (c) => { const n = c.match(/[\\d.]+/g).map(Number); return c.startsWith('color(') ? n.slice(0, 3) : n.slice(0, 3).map((v) => v / 255); };
      const lum = (c) => { const [r, g, b] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const root = window.aglFind('.agl-player')[0];
      const leaf = root.querySelector('g.node.agl-leaf polygon, g.node.agl-leaf path');
      const output = root.querySelector('g.node.agl-output polygon, g.node.agl-output path');
      const text = root.querySelector('g.node text');
      return {background: lum(getComputedStyle(root).backgroundColor), leaf: getComputedStyle(leaf).fill,
              leafLum: lum(getComputedStyle(leaf).fill), leafRgb: rgb(getComputedStyle(leaf).fill),
              text: lum(getComputedStyle(text).fill)}; }""")
    try:
        assert colours["background"] < 0.3 and colours["text"] > 0.6, colours
        assert colours["leafLum"] < 0.5, "leaves stay blue but dark enough for light text"
        red, green, blue = colours["leafRgb"]
        assert blue > red, colours
        player = page.locator(".agl-player").nth(0)
        centred(player)
        player.screenshot(path=str(artifacts / f"{frontend.app}_dark_player.png"))
    finally:
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")


LESSON = Path(__file__).resolve().parents[2] / "notebooks" / "05_backward_in_depth.ipynb"


def open_lesson(browser, frontend, name: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.add_init_script(FIND_PLAYERS_JS)
    page.goto(frontend.notebook_url(name))
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')", timeout=90_000)
    return context, page


def test_a_fresh_lesson_shows_its_pictures_and_players_before_it_runs(browser, frontend, artifacts: Path):
    import nbformat

    lesson = nbformat.read(LESSON, as_version=4)
    drawings = sum("agl-drawing-host" in o.get("data", {}).get("text/html", "") for c in lesson.cells
                   for o in c.get("outputs", []))
    players = sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for c in lesson.cells
                  for o in c.get("outputs", []))
    assert drawings >= 3 and players >= 3
    shutil.copy(LESSON, frontend.root / "untrusted.ipynb")
    context, page = open_lesson(browser, frontend, "untrusted.ipynb")
    try:
        page.wait_for_function(f"document.querySelectorAll('.jp-OutputArea-output img[src^=\"data:image/svg+xml\"]')"
                               f".length === {drawings + players}", timeout=60_000)
        assert page.locator(".agl-player-fallback").count() == players
        for raw in ("Digraph at 0x", "Player object at 0x", "Player: backward"):
            assert page.locator(f".jp-OutputArea-output:has-text('{raw}')").count() == 0, raw
        page.locator(".agl-player-fallback").first.evaluate("(e) => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(artifacts / f"{frontend.app}_lesson_untrusted.png"))
    finally:
        context.close()
    shutil.copy(LESSON, frontend.root / "trusted.ipynb")
    frontend.trust("trusted.ipynb")
    context, page = open_lesson(browser, frontend, "trusted.ipynb")
    try:
        page.wait_for_function(f"window.aglFind('.agl-player').length === {players} && "
                               f"[...document.querySelectorAll('.agl-drawing-host')].filter((h) => h.shadowRoot).length"
                               f" === {drawings}", timeout=90_000)
        assert page.evaluate("[...document.querySelectorAll('.jp-InputArea-prompt')].every("
                             "(p) => !p.textContent.includes('*'))"), "nothing was run"
        player = page.locator(".agl-player").first
        centred(player)
        player.locator("[data-action=forward]").click()
        player.locator("[data-action=forward]").click()
        assert page.evaluate("window.aglFind('.agl-player')[0].dataset.frame") == "2"
        page.screenshot(path=str(artifacts / f"{frontend.app}_lesson_trusted_unrun.png"))
    finally:
        context.close()
