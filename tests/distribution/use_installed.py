"""Run by the fresh virtualenv's Python, outside the repository: use the installed package as a course would.

Prints one JSON object with what it saw.
"""
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.widgets import BackwardPlayer, play_forward

w = torch.tensor([0.5, -0.25], requires_grad=True)
x = torch.tensor([3.0, 4.0])
loss = (w * x).tanh().sum()
picture = viz.svg(loss)
player = BackwardPlayer(loss)
forward = play_forward(loss)
state = player.get_state()


def installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


command = Path(sys.executable).with_name("autograd-lab")
print(json.dumps({
    "module_file": torch.__file__,
    "version": torch.__version__,
    "svg": picture,
    "grad": w.grad.tolist(),
    "backward_frames": len(player.frames),
    "forward_frames": len(forward.frames),
    "player_svg": player.svg,
    "esm": state["_esm"],
    "css": state["css"],
    "forward_esm": forward.get_state()["_esm"],
    "command_version": subprocess.run([str(command), "--version"], capture_output=True, text=True).stdout,
    "module_version": subprocess.run([sys.executable, "-m", "autograd_lab", "--version"], capture_output=True,
                                     text=True).stdout,
    "distributions": {name: installed(name) for name in ("numpy", "anywidget", "ipywidgets", "graphviz",
                                                          "jupyterlab", "pytest")},
}))
