"""The widget's state: what is synced once, what a step costs, errors kept inside the widget."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.widgets import BackwardPlayer, ForwardPlayer, play_backward, play_forward

WIDGETS = Path(__file__).resolve().parents[2] / "autograd_lab" / "widgets"


def sent_messages(widget):
    sent = []
    widget.comm.send = lambda data=None, metadata=None, buffers=None: sent.append(data)
    return sent


def test_import_stays_light():
    code = ("import sys, autograd_lab, autograd_lab.widgets; "
            "print(sorted(m for m in ('anywidget', 'ipywidgets', 'graphviz', 'traitlets') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_play_backward_state():
    x = torch.tensor(5., requires_grad=True)
    y = x * x
    player = play_backward(y)
    assert float(x.grad) == 10.0
    assert player.mode == "backward" and player.calls == 1 and player.frame == 0
    assert player.title == "backward() on y"
    assert player.svg.startswith("<svg") and 'id="fn0"' in player.svg and 'id="fn1_var"' in player.svg
    assert "grad: None" in player.svg, "the grad line is laid out as wide as the longest value it shows (None, then 10.)"
    assert player.graph["nodes"]["fn1_var"]["title"] == "x"
    assert set(player.graph["edges"]) <= set(re.findall(r'<g id="([^"]+)" class="edge[^"]*"', player.svg))
    json.dumps(player.frames)


def test_a_step_is_one_int_and_the_browser_never_writes_back():
    x = torch.tensor(5., requires_grad=True)
    player = play_backward(x * x)
    sent = sent_messages(player)
    player.frame = 3
    assert sent == [{"method": "update", "state": {"frame": 3}, "buffer_paths": []}]
    assert len(json.dumps(sent[0])) < 80
    source = (WIDGETS / "player.js").read_text()
    assert "save_changes" not in source and "model.set(" not in source and "model.send(" not in source


def test_errors_stay_in_the_widget():
    x = torch.tensor([2.0, 2.0], requires_grad=True)
    y = x ** 2
    player = play_backward(y)
    assert player.frames[-1]["kind"] == "error"
    assert "grad can be implicitly created only for scalar outputs" in player.frames[-1]["error"]
    w = torch.FloatTensor([1.0, 1.0])
    player = play_backward(y, w)
    first_new = len(player.frames)
    player.backward(w)
    assert player.calls == 2 and player.frame == first_new
    assert "Trying to backward through the graph a second time" in player.frames[-1]["error"]


def test_player_from_a_trace_with_several_calls():
    x = torch.tensor([[1., 2., 3., 4.]], requires_grad=True)
    z = 2 * x
    loss = z.sum(dim=1)
    with viz.record() as trace:
        z.backward(torch.FloatTensor([[1, 0, 0, 0]]), retain_graph=True)
        x.grad.data.zero_()
        loss.backward()
    player = BackwardPlayer(trace=trace)
    assert player.calls == 2
    assert set(player.graph["outputs"]) == {"out0", "out1"}
    assert any(f["kind"] == "between" for f in player.frames)


def test_forward_player():
    a = torch.tensor(2., requires_grad=True)
    b = a * 3
    c = torch.exp(b) + a
    player = play_forward(c)
    assert isinstance(player, ForwardPlayer) and player.mode == "forward"
    assert [f["active"] for f in player.frames] == [None, "fn3", "fn1", "fn0"]


def test_one_output_or_a_trace_is_needed():
    with pytest.raises(TypeError):
        BackwardPlayer()
