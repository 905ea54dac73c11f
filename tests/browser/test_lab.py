"""End to end in JupyterLab: run a notebook in headless Chromium, then step, play and use the keys."""
from __future__ import annotations

import shutil
from pathlib import Path

from .harness import FIND_PLAYERS_JS, JupyterLab

NOTEBOOK = Path(__file__).parent / "notebooks" / "players.ipynb"


def player_state(page, index: int) -> dict:
    return page.evaluate("""(index) => {
      const root = window.aglFind('.agl-player')[index];
      const gradOf = (id) => {
        const g = root.querySelector(`g.node[id="${id}"]`);
        const t = g && [...g.querySelectorAll('text')].find((t) => t.textContent.startsWith('grad: '));
        return t ? t.textContent : null;
      };
      return {frame: Number(root.dataset.frame), caption: root.querySelector('.agl-caption').textContent,
              active: [...root.querySelectorAll('g.agl-active')].map((g) => g.id),
              call: root.querySelector('.agl-call').textContent,
              error: root.querySelector('.agl-error').hidden ? null : root.querySelector('.agl-error').textContent,
              x: gradOf('fn12_var'), a: gradOf('fn4_var')};
    }""", index)


def test_players_in_jupyterlab(browser, lab: JupyterLab, lab_root: Path, artifacts: Path):
    shutil.copy(NOTEBOOK, lab_root / NOTEBOOK.name)
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    sent: list[str | bytes] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(lab.notebook_url(NOTEBOOK.name))
        page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=60_000)
        page.wait_for_function("""() => {
          const panel = window.jupyterapp.shell.currentWidget;
          return panel && panel.sessionContext && panel.sessionContext.session &&
                 panel.sessionContext.session.kernel && panel.sessionContext.session.kernel.status === 'idle';
        }""", timeout=60_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.add_init_script(FIND_PLAYERS_JS)
        page.evaluate(FIND_PLAYERS_JS)
        page.wait_for_function("window.aglFind('.agl-player').length === 3", timeout=90_000)

        first = page.locator(".agl-player").nth(0)
        first.scroll_into_view_if_needed()
        before = len(sent)
        assert "before backward()" in player_state(page, 0)["caption"]
        first.locator("[data-action=forward]").click()
        first.locator("[data-action=forward]").click()
        state = player_state(page, 0)
        assert state["active"] == ["fn0"]
        assert state["caption"].startswith("AddBackward0 gets upstream grad = tensor(1.)")
        first.focus()
        page.keyboard.press("End")
        state = player_state(page, 0)
        assert state["caption"].startswith("Call 1 of 1 finished")
        assert state["x"] == "grad: 1020.5499"
        page.keyboard.press("ArrowLeft")
        assert player_state(page, 0)["active"] == ["fn12"]
        page.keyboard.press("Home")
        first.locator(".agl-speed").select_option("4")
        first.locator("[data-action=play]").click()
        page.wait_for_function("Number(window.aglFind('.agl-player')[0].dataset.frame) >= 4")
        first.locator("[data-action=play]").click()
        page.focus(".agl-player >> nth=0")
        page.keyboard.press("End")
        page.wait_for_timeout(500)
        comm_messages = [m for m in sent[before:] if (b"comm_msg" if isinstance(m, bytes) else "comm_msg") in m]
        print(f"\nwebsocket frames sent while stepping: {len(sent) - before}, comm messages: {len(comm_messages)}")
        assert comm_messages == []

        second = page.locator(".agl-player").nth(1)
        second.scroll_into_view_if_needed()
        second.focus()
        page.keyboard.press("End")
        state = player_state(page, 1)
        assert state["call"] == "call 3 of 3"
        assert "Trying to backward through the graph a second time" in state["error"]
        assert second.locator("g.agl-freed").count() == 2
        for _ in range(30):
            page.keyboard.press("ArrowLeft")
            if "Between call 1 and call 2" in player_state(page, 1)["caption"]:
                break
        assert "a.grad was zeroed" in player_state(page, 1)["caption"]

        page.locator(".agl-player").nth(0).scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "jupyterlab_players.png"), full_page=False)
        assert errors == []
    finally:
        context.close()
