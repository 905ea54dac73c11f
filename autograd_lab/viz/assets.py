"""The CSS and JavaScript files shipped next to the views, read once."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def asset(name: str) -> str:
    """A file of ``autograd_lab/viz`` (``graph.css``, ``graph_view.js``, ...) as text."""
    return (HERE / name).read_text(encoding="utf-8")


def compact_script(source: str) -> str:
    """JavaScript without comment lines and indentation (it is stored in every notebook output)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def compact_css(source: str) -> str:
    """CSS without comments and indentation."""
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    return "\n".join(line.strip() for line in source.splitlines() if line.strip())


def compact_svg(svg: str) -> str:
    """Graphviz's SVG from ``<svg`` on, without its comments and per-text font names (the CSS sets the font)."""
    svg = svg[svg.find("<svg"):] if "<svg" in svg else svg
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    svg = re.sub(r' font-family="[^"]*"', "", svg)
    return svg.replace("<svg ", '<svg font-family="Helvetica,Arial,sans-serif" ', 1)
