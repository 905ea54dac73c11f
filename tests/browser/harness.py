"""Browser plumbing for the player tests: Chromium, a page with one player and no Jupyter, JupyterLab.

``standalone_html`` puts a player's synced state into a page with a tiny stand-in
for the widget model (get/set/on/off and a counter of save_changes calls), so the
ES module runs exactly as anywidget would run it.
"""
from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
WIDGETS = REPO / "autograd_lab" / "widgets"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ORIGIN = "http://player.test"


def chromium_path() -> str:
    """The Chromium to drive: $AUTOGRAD_LAB_CHROMIUM, else chromium on PATH; raises when there is none."""
    path = os.environ.get("AUTOGRAD_LAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path or not Path(path).exists():
        raise RuntimeError("Chromium not found: the browser tests need it. Run them with scripts/test.sh (it installs "
                           "Debian's chromium), or set AUTOGRAD_LAB_CHROMIUM to a Chromium executable.")
    return path


def widget_state(widget: Any) -> dict[str, Any]:
    """The traits the browser receives, as JSON-ready data."""
    names = ["css", "mode", "svg", "graph", "frames", "calls", "frame", "speed", "title"]
    return {name: getattr(widget, name) for name in names}


def standalone_html(widgets: list[Any], reduced_motion: bool = False) -> str:
    """A page showing each player, driven by a stand-in model; ``window.aglModels`` holds the models."""
    states = json.dumps([widget_state(w) for w in widgets]).replace("</", "<\\/")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>player</title></head>
<body><main id="players"></main>
<script type="module">
import player from "{ORIGIN}/player.js";
const states = {states};
window.aglModels = [];
for (const state of states) {{
  const listeners = {{}};
  const model = {{
    saves: 0, sets: 0,
    get: (key) => state[key],
    set: (key, value) => {{ model.sets++; state[key] = value; (listeners["change:" + key] || []).forEach((f) => f()); }},
    save_changes: () => {{ model.saves++; }},
    send: () => {{ model.saves++; }},
    on: (name, f) => {{ (listeners[name] ||= []).push(f); }},
    off: (name, f) => {{ listeners[name] = (listeners[name] || []).filter((g) => g !== f); }},
  }};
  const el = document.createElement("div");
  el.className = "player-host";
  document.getElementById("players").append(el);
  player.render({{ model, el }});
  window.aglModels.push(model);
}}
window.aglPlayers = () => [...document.querySelectorAll(".player-host")].map((h) => h.shadowRoot.querySelector(".agl-player"));
window.aglReady = true;
</script></body></html>"""


def serve_player(page: Any, html: str) -> None:
    """Route ``ORIGIN`` to the page and the ES module; refuse every other host."""
    from autograd_lab.widgets.player import player_module

    js = player_module()

    def handle(route: Any) -> None:
        url = route.request.url
        if url == f"{ORIGIN}/":
            route.fulfill(status=200, content_type="text/html", body=html)
        elif url == f"{ORIGIN}/player.js":
            route.fulfill(status=200, content_type="text/javascript", body=js)
        else:
            route.abort()

    page.route("**/*", handle)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser through Playwright (never downloads one)."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_standalone(browser: Any, widgets: list[Any], reduced_motion: bool = False) -> Any:
    """A new page showing ``widgets``, ready to step."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  reduced_motion="reduce" if reduced_motion else "no-preference")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.agl_errors = errors  # type: ignore[attr-defined]
    serve_player(page, standalone_html(widgets))
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("window.aglReady === true")
    return page


FIND_PLAYERS_JS = """window.aglFind = (selector) => [...document.querySelectorAll('*')].flatMap(
  (e) => e.shadowRoot ? [...e.shadowRoot.querySelectorAll(selector)] : []);"""
"""Installs ``window.aglFind(selector)``: elements inside every open shadow root (the players, the drawings)."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """JupyterLab (or, with ``app="notebook"``, Jupyter Notebook 7) on 127.0.0.1 with a random token,
    a temp root and temp config; ``stop()`` ends it."""

    def __init__(self, root: Path, app: str = "lab") -> None:
        self.root = root
        self.app = app
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.home = Path(tempfile.mkdtemp(prefix="agl-jupyter-"))
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(self.home / "config"),
               "JUPYTER_RUNTIME_DIR": str(self.home / "runtime"), "JUPYTER_DATA_DIR": str(self.home / "data"),
               "JUPYTERLAB_SETTINGS_DIR": str(self.home / "settings"),
               "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
               "IPYTHONDIR": str(self.home / "ipython"), "PYTHONPATH": str(REPO)}
        self.env = env
        app_class = "LabApp" if app == "lab" else "JupyterNotebookApp"
        command = [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root",
                   f"--port={self.port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root}",
                   f"--IdentityProvider.token={self.token}", "--ServerApp.port_retries=0",
                   f"--{app_class}.expose_app_in_browser=True"]
        if app == "lab":
            command += ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        settings = self.home / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
        self.log = open(self.home / "lab.log", "wb")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        cwd=root, start_new_session=True)
        self._wait()

    def trust(self, name: str) -> None:
        """Sign notebook ``name`` as this server's user would with "Trust Notebook"."""
        subprocess.run([sys.executable, "-m", "jupyter", "trust", str(self.root / name)], env=self.env, check=True,
                       capture_output=True, timeout=60)

    def notebook_url(self, name: str) -> str:
        """Where the front end opens ``name`` (a file in the root)."""
        if self.app == "lab":  # a fresh workspace: no tabs restored from an earlier page
            return f"{self.url}/lab/tree/{name}?reset&token={self.token}"
        return f"{self.url}/notebooks/{name}?token={self.token}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab did not start in {timeout} s:\n{self.log_text()}")

    def log_text(self) -> str:
        self.log.flush()
        return (self.home / "lab.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)
