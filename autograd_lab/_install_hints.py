"""What to install when an optional piece is missing, said the same way everywhere.

The core needs NumPy only. The graph pictures and the players need the
``widgets`` extra (anywidget, graphviz) and Graphviz's ``dot`` program, which
comes from the system's package manager, not from pip.
"""
from __future__ import annotations

WIDGETS_EXTRA = 'pip install "autograd-lab[widgets]"'
WIDGETS_PACKAGES = ("anywidget", "graphviz", "ipywidgets", "traitlets")
DOT_INSTALL = """Install Graphviz with
  sudo apt-get install graphviz            (Debian, Ubuntu)
  brew install graphviz                    (macOS)
  conda install -c conda-forge graphviz    (conda, any platform)
(Google Colab has it already.)"""


def dot_missing(consequence: str) -> str:
    """``dot`` is missing, ``consequence``; then how to install it on each platform, one line each."""
    return f"Graphviz's dot program is not installed; {consequence}. {DOT_INSTALL}"


def package_missing(package: str, consequence: str) -> str:
    """A package of the widgets extra is missing, ``consequence``, and the pip line to install it."""
    return f"The {package} Python package is not installed; {consequence}. Install it with: {WIDGETS_EXTRA}"


def widgets_import_error(error: ModuleNotFoundError, consequence: str) -> ModuleNotFoundError:
    """``error`` told with ``consequence`` and the pip line when its module belongs to the widgets extra."""
    package = (error.name or "").partition(".")[0]
    if package not in WIDGETS_PACKAGES:
        return error
    return ModuleNotFoundError(package_missing(package, consequence), name=error.name)
