"""The CSS and JavaScript files shipped next to the views, read once."""
from __future__ import annotations

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
