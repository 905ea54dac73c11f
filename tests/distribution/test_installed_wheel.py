"""The wheel installed with only the ``widgets`` extra into a fresh virtualenv works outside the repository."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lab._version import __version__

from .conftest import REPO, run



@pytest.fixture(scope="module")
def used(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What ``use_installed.py`` saw, run by a fresh virtualenv holding ``autograd-lab[widgets]`` from the wheel."""
    home = tmp_path_factory.mktemp("course")
    venv = home / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=home)
    python = venv / "bin" / "python"
    (wheel,) = dist.glob("*.whl")
    run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[widgets]"], cwd=home)
    script = home / "use_installed.py"
    script.write_text((Path(__file__).parent / "use_installed.py").read_text())
    return json.loads(run([str(python), str(script)], cwd=home).stdout)


def test_the_installed_copy_is_used_not_the_checkout(used: dict) -> None:
    module = Path(used["module_file"]).resolve()
    assert REPO not in module.parents
    assert "site-packages" in module.parts
    assert used["version"] == __version__


def test_widgets_extra_brings_the_front_end_pieces_and_not_jupyterlab(used: dict) -> None:
    found = used["distributions"]
    assert found["numpy"] and found["anywidget"] and found["graphviz"]
    assert found["ipywidgets"] and int(found["ipywidgets"].split(".")[0]) >= 8
    assert found["jupyterlab"] is None and found["pytest"] is None


def test_draws_the_graph_and_computes_gradients(used: dict) -> None:
    assert used["svg"].lstrip().startswith(("<?xml", "<svg", "<!--"))
    for node in ("TanhBackward0", "MulBackward0", "SumBackward0", "AccumulateGrad"):
        assert node in used["svg"]
    w, x = np.array([0.5, -0.25]), np.array([3.0, 4.0])
    np.testing.assert_allclose(used["grad"], x * (1 - np.tanh(w * x) ** 2), rtol=1e-5)


def test_players_load_their_es_module_and_stylesheet(used: dict) -> None:
    assert used["backward_frames"] > 1 and used["forward_frames"] > 1
    assert "<svg" in used["player_svg"]
    # the module joins viz/graph_view.js, widgets/camera.js and widgets/player.js; the styles viz/graph.css
    # and widgets/player.css: all five files must have been installed
    for marker in ("function aglShadow", "class AglCamera", "export default { render }"):
        assert marker in used["esm"], marker
    assert used["forward_esm"] == used["esm"]
    for marker in ("--agl-leaf", ".agl-player"):
        assert marker in used["css"], marker


def test_command_and_module_print_the_version(used: dict) -> None:
    assert used["command_version"].strip() == f"autograd-lab {__version__}"
    assert used["module_version"].strip() == f"autograd-lab {__version__}"
