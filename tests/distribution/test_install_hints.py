"""A missing optional piece is named with the line that installs it, and no message claims a fallback that is not there."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab._install_hints import widgets_import_error

PIP_LINE = 'pip install "autograd-lab[widgets]"'
DOT_LINES = ("sudo apt-get install graphviz", "brew install graphviz", "conda install -c conda-forge graphviz", "Colab")


def _loss() -> torch.Tensor:
    w = torch.tensor([0.5, -1.0], requires_grad=True)
    return (w * w).sum()


@pytest.mark.parametrize("missing", ["anywidget", "traitlets"])
def test_players_without_their_packages_say_which_extra_to_install(missing: str) -> None:
    code = (f"import sys; sys.modules[{missing!r}] = None\n"
            "from autograd_lab.widgets import play_backward")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: The ") and missing in last and PIP_LINE in last


def test_unrelated_missing_modules_are_not_blamed_on_the_extra() -> None:
    error = ModuleNotFoundError("No module named 'helpers'", name="helpers")
    assert widgets_import_error(error, "the players need it") is error


def test_player_without_dot_says_it_needs_dot_and_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("anywidget")
    from autograd_lab.widgets import BackwardPlayer

    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    with pytest.raises(RuntimeError) as raised:
        BackwardPlayer(_loss())
    message = str(raised.value)
    assert message.startswith("Graphviz's dot program is not installed; the player needs it")
    assert "showing the graph as text" not in message
    assert all(line in message for line in DOT_LINES)


def test_svg_without_dot_does_not_claim_to_show_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    with pytest.raises(RuntimeError, match=r"^Graphviz's dot program is not installed; svg\(\) needs it") as raised:
        viz.svg(_loss())
    assert "showing the graph as text" not in str(raised.value)


def test_draw_without_dot_shows_text_and_every_platforms_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)
    loss = _loss()
    view = viz.draw(loss)
    assert isinstance(view, viz.TextGraph) and str(view) == f"{view.message}\n{viz.text(loss).text}"
    assert view.message.startswith("Graphviz's dot program is not installed; showing the graph as text.")
    assert all(line in view.message for line in DOT_LINES)


def test_draw_without_the_graphviz_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)
    view = viz.draw(_loss())
    assert isinstance(view, viz.TextGraph)
    assert view.message.startswith("The graphviz Python package is not installed; showing the graph as text.")
    assert view.message.endswith(PIP_LINE)
