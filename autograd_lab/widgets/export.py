"""``autograd-lab export LESSON.ipynb -o lesson.html``: one self-contained HTML file with working players.

The page is nbconvert's lab page, minus require.js and the widget manager it loads from a
CDN: a small loader of ours (``export_loader.js``, inlined) mounts each player from the
widget state saved in the notebook, so the players step with the network switched off.
A notebook saved without widget state can be run first with ``--execute``.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}
<script type="module">
{{ resources.agl_loader }}
</script>
{%- endblock jupyter_widgets -%}
"""
"""nbconvert's lab page without require.js and the CDN widget manager, with our loader instead."""


def export_html(notebook: Any, title: str | None = None) -> str:
    """The HTML page for ``notebook`` (a ``nbformat.NotebookNode``)."""
    try:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter
    except ImportError as error:
        raise OSError("export needs nbconvert (it comes with JupyterLab): pip install nbconvert") from error

    exporter = HTMLExporter(template_name="lab", extra_loaders=[DictLoader({"agl_export.html.j2": TEMPLATE})],
                            template_file="agl_export.html.j2")
    resources = {"agl_loader": (HERE / "export_loader.js").read_text(encoding="utf-8").replace("</", "<\\/"),
                 "metadata": {"name": title or "notebook"}}
    html, _ = exporter.from_notebook_node(notebook, resources=resources)
    return html


def execute(notebook: Any, cwd: Path, timeout: int = 120) -> Any:
    """Run ``notebook`` in a fresh python3 kernel, keeping the widget state."""
    from nbclient import NotebookClient

    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return notebook


def export_file(source: Path, target: Path, run: bool = False) -> Path:
    """Write ``source`` as a self-contained HTML page to ``target``."""
    import nbformat

    if not source.is_file():
        raise OSError(f"no such notebook: {source}")
    notebook = nbformat.read(source, as_version=4)
    if run:
        execute(notebook, source.resolve().parent)
    html = export_html(notebook, title=source.stem)
    target.write_text(html, encoding="utf-8")
    return target


def _command(args: argparse.Namespace) -> int:
    source = Path(args.notebook)
    target = Path(args.output) if args.output else source.with_suffix(".html")
    export_file(source, target, run=args.execute)
    print(f"wrote {target}")
    return 0


def add_commands(commands: Any) -> None:
    """Add ``export`` to the ``autograd-lab`` command's subcommands."""
    export = commands.add_parser("export", help="write a lesson as one HTML file whose players work offline")
    export.add_argument("notebook", help="the .ipynb file (saved with its widget state, or use --execute)")
    export.add_argument("-o", "--output", help="the HTML file to write (default: next to the notebook)")
    export.add_argument("--execute", action="store_true", help="run the notebook first, keeping the widget state")
    export.set_defaults(func=_command)
