"""Every value a frame shows is the value at the moment it happened, never one read later.

A witness listener reads the live tensors at each event (before any later code can
change them); the frames, built afterwards, must agree with it, and must not change
when the tensors are changed after the recording.
"""
from __future__ import annotations

import json

import pytest

import autograd_lab as torch
from autograd_lab import viz
from autograd_lab.autograd import events as ev
from autograd_lab.autograd.events import listening
from autograd_lab.viz.graph import describe_array
from autograd_lab.widgets import BackwardPlayer
from autograd_lab.widgets.frames import backward_frames, split_calls, tensors_by_id
from autograd_lab.widgets.layout import live_graph
from support.examples import involved_example


class Witness:
    """Reads ``.grad`` of the watched tensors at every call start and every accumulation."""

    def __init__(self, watched: dict[str, torch.Tensor]) -> None:
        self.watched = watched
        self.at_start: list[dict[str, str]] = []
        self.after: list[tuple[str, str]] = []

    def __call__(self, event) -> None:
        if isinstance(event, ev.BackwardStarted):
            self.at_start.append({name: _grad(t) for name, t in self.watched.items()})
        elif isinstance(event, (ev.GradAccumulated, ev.GradRetained)):
            name = next(n for n, t in self.watched.items() if t is event.tensor)
            self.after.append((name, _grad(event.tensor)))


def _grad(tensor: torch.Tensor) -> str:
    return "None" if tensor._grad is None else describe_array(tensor._grad._data)


def record(watched: dict[str, torch.Tensor], run) -> tuple[viz.BackwardRecorder, Witness]:
    witness = Witness(watched)
    with listening(witness), viz.record() as trace:
        run()
    return trace, witness


def frames_of(trace, output, names):
    live = live_graph([output], {id(t): (n, t) for n, t in names.items()})
    return live, backward_frames(live, split_calls(trace.events))


def check_against_witness(live, frames, witness: Witness, names: dict[str, torch.Tensor]) -> None:
    ids = {tid: next((n for n, t in names.items() if t is tensor), None)
           for tid, tensor in tensors_by_id(live).items()}
    ids = {tid: name for tid, name in ids.items() if name is not None and name in witness.watched}
    initial = frames[0]["grads"]
    for tid, name in ids.items():
        if tid in initial:
            assert initial[tid][1] == witness.at_start[0][name], name
    shown_after = [(ids[tid], pair[1]) for f in frames if f["kind"] == "visit"
                   for tid, pair in f["grads"].items() if tid in ids]
    assert shown_after == witness.after
    for frame in frames:
        if frame["kind"] == "between":
            for tid, (_, value) in frame["grads"].items():
                assert value == witness.at_start[frame["call"] - 1][ids[tid]]


def test_two_retain_graph_calls_with_retain_grad_tell_the_true_story():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 2
    y.retain_grad()
    z = y ** 3
    names = {"x": x, "y": y, "z": z}

    def run():
        z.backward(torch.ones(2), retain_graph=True)
        z.backward(torch.ones(2), retain_graph=True)

    trace, witness = record({"x": x, "y": y}, run)
    live, frames = frames_of(trace, z, names)
    check_against_witness(live, frames, witness, names)
    assert not [f for f in frames if f["kind"] == "between"], "nothing changed y.grad between the calls"
    y_id = live.tensor_id(y)
    assert [f["grads"][y_id] for f in frames if f["kind"] == "visit" and y_id in f["grads"]] == [
        ["None", "tensor([ 3., 48.])"], ["tensor([ 3., 48.])", "tensor([ 6., 96.])"]]
    retained = next(f for f in frames if f["kind"] == "visit" and y_id in f["grads"])
    assert retained["active"] == live.fn_id(y.grad_fn), "y.grad is filled at the node that made y"


def test_frames_do_not_change_when_tensors_change_after_recording():
    names = involved_example()
    y, x, z = names["y"], names["x"], names["z"]
    x.grad = torch.tensor(7.)
    trace, witness = record({"x": x, "z": z}, lambda: y.backward(retain_graph=True))
    live, frames = frames_of(trace, y, names)
    before = json.dumps(frames)
    check_against_witness(live, frames, witness, names)
    assert frames[0]["grads"][live.tensor_id(x)] == [None, "tensor(7.)"]
    x.grad.zero_()
    z.grad = None
    with torch.no_grad():
        x.add_(1)
    _, again = frames_of(trace, y, names)
    assert json.dumps(again) == before


def test_zero_between_calls_and_values_at_start():
    weights = torch.ones(3, requires_grad=True)
    names = {"weights": weights}

    def run():
        for _ in range(3):
            out = (weights * 2).sum()
            out.backward()
            weights.grad.zero_()
            with torch.no_grad():
                weights.sub_(0.5)

    trace, witness = record(names, run)
    player = BackwardPlayer(trace=trace, names=names)
    frames = player.frames
    between = [f for f in frames if f["kind"] == "between"]
    assert len(between) == 2 and all("zeroed" in f["caption"] for f in between)
    w_id = next(t for t, n in player.graph["nodes"].items() if n["title"] == "weights")
    assert [f["grads"][w_id] for f in between] == [["tensor([2., 2., 2.])", "tensor([0., 0., 0.])"]] * 2
    assert ["data", "tensor([1., 1., 1.])"] in player.graph["nodes"][w_id]["rows"], "the value as the first call started"
    assert [pair[1] for f in frames if f["kind"] == "visit" for t, pair in f["grads"].items() if t == w_id] == \
        [value for _, value in witness.after]


def test_a_failing_call_keeps_what_the_first_one_showed():
    x = torch.tensor([2.0, 2.0], requires_grad=True)
    out = (x ** 2).sum()
    names = {"x": x, "out": out}

    def run():
        out.backward()
        with pytest.raises(RuntimeError):
            out.backward()

    trace, witness = record({"x": x}, run)
    live, frames = frames_of(trace, out, names)
    check_against_witness(live, frames, witness, names)
    assert frames[-1]["kind"] == "error"
    assert frames[0]["freed"] == [], "freed only by the first call, not before it"
    x.grad = None
    _, again = frames_of(trace, out, names)
    assert again == frames


@pytest.mark.parametrize("seed", ["seed_000", "seed_001", "seed_003", "seed_004"])
def test_seed_examples_frames_match_event_time_values(seed):
    names, run, output = SEEDS[seed]()
    watched = {n: t for n, t in names.items() if t.requires_grad and (t.is_leaf or t.retains_grad)}
    trace, witness = record(watched, run)
    live, frames = frames_of(trace, output, names)
    check_against_witness(live, frames, witness, names)
    for tensor in watched.values():
        tensor.grad = None
    _, again = frames_of(trace, output, names)
    assert again == frames


def _seed_000():
    names = involved_example()
    return names, lambda: names["y"].backward(), names["y"]


def _seed_001():
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return {"x": x, "y": y, "z": z, "out": out}, lambda: out.backward(), out


def _seed_003():
    x = torch.tensor([2.0, 2.0], requires_grad=True)
    z = torch.tensor([4.0, 4.0], requires_grad=True)
    y = x ** 2 + z ** 3
    w = torch.FloatTensor([1.0, 1.0])

    def run():
        for _ in range(3):
            y.backward(w, retain_graph=True)
        x.grad.zero_()
        y.backward(w)

    return {"x": x, "z": z, "y": y}, run, y


def _seed_004():
    x = torch.tensor([[1., 2., 3., 4.]], requires_grad=True)
    z = 2 * x

    def run():
        for row in torch.eye(4):
            z.backward(row.reshape(1, 4), retain_graph=True)
            x.grad.zero_()

    return {"x": x, "z": z}, run, z


SEEDS = {"seed_000": _seed_000, "seed_001": _seed_001, "seed_003": _seed_003, "seed_004": _seed_004}
