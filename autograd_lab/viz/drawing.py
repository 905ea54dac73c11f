"""``Drawing``: the ``graphviz.Digraph`` that ``viz.draw`` returns, shown in Jupyter as inline SVG.

In a notebook the picture is HTML: an ``<img>`` of the SVG (what a page shows when it
runs no script: an untrusted notebook, GitHub), and a small script that replaces it with
the SVG itself inside a shadow root, where the front end's CSS cannot reach it, with
hover tooltips and click-to-inspect. Everything else is a ``graphviz.Digraph``
(``.source``, ``.render()``, ``.pipe()``).
"""
from __future__ import annotations

import json
from html import escape
from typing import Any

import graphviz

from .assets import asset, compact_css, compact_script, compact_svg
from .graph import Graph
from .inspect import inspector_table


def svg_data_uri(svg: str) -> str:
    """``data:image/svg+xml,...`` keeping the SVG readable (only ``%``, ``#`` and newlines are escaped)."""
    body = svg[svg.find("<svg"):] if "<svg" in svg else svg
    return "data:image/svg+xml;charset=utf-8," + body.replace("%", "%25").replace("#", "%23").replace("\n", " ")


def html_view(svg: str, graph: Graph, alt: str) -> str:
    """The picture as an HTML output: ``<img>`` fallback, upgraded by a script to inline SVG in a shadow root."""
    table = json.dumps(inspector_table(graph), separators=(",", ":")).replace("</", "<\\/")
    css = json.dumps(compact_css(asset("graph.css"))).replace("</", "<\\/")
    script = compact_script(asset("graph_view.js") + "\n" + asset("drawing_mount.js"))
    src = escape(svg_data_uri(svg), quote=True)
    return (f'<div class="agl-drawing-host" style="max-width:100%;overflow-x:auto">'
            f'<img src="{src}" alt="{escape(alt)}" style="max-width:100%;height:auto">'
            f"<script>(function(){{const AGL_SCRIPT=document.currentScript;const AGL_CSS={css};"
            f"const AGL_TABLE={table};\n{script}\n}})();</script></div>")


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that keeps its graph model and shows as inline SVG in Jupyter."""

    def __init__(self, model: Graph, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.model = model
        self._svg: tuple[str, str] | None = None

    def svg(self) -> str:
        """The SVG text, laid out by Graphviz's ``dot`` once per source."""
        source = self.source
        if self._svg is None or self._svg[0] != source:
            self._svg = (source, compact_svg(self.pipe(format="svg", encoding="utf-8")))
        return self._svg[1]

    def _alt(self) -> str:
        names = [self.model.node(o).title for o in self.model.outputs]
        return f"computational graph of {', '.join(names)}"

    def _repr_html_(self) -> str:
        return html_view(self.svg(), self.model, self._alt())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict[str, str]:
        bundle = {"text/html": self._repr_html_(), "text/plain": f"<{self._alt()}: {len(self.model)} nodes>"}
        return {k: v for k, v in bundle.items() if (not include or k in include) and (not exclude or k not in exclude)}
