"""torch.save / torch.load: checkpoints round-trip, and weights_only refuses what PyTorch refuses."""
from __future__ import annotations

import io
import os
import pickle

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab import nn


def _round_trip(obj, **load_args):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, **load_args)


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(3, 2)


def test_state_dict_round_trips_after_backward_through_a_path(tmp_path) -> None:
    """A model that has run backward saves (its graph and grads are not pickled) and loads into a fresh copy."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    model(torch.randn(5, 3)).sum().backward()
    path = tmp_path / "model.pth"
    torch.save(model.state_dict(), path)
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    fresh.load_state_dict(torch.load(str(path), weights_only=True))
    for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert torch.equal(a, b), name
    assert fresh[0].weight.grad is None


def test_tensors_keep_flags_dtype_and_shared_memory() -> None:
    base = torch.arange(6.0)
    loaded_base, loaded_view, leaf, result, param = _round_trip(
        [base, base[2:4], torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True) * 2,
         nn.Parameter(torch.ones(2, dtype=torch.float64))])
    loaded_view[0] = 100.0
    assert loaded_base.tolist() == [0.0, 1.0, 100.0, 3.0, 4.0, 5.0]
    assert leaf.requires_grad and leaf.is_leaf and leaf.grad is None
    assert result.requires_grad and result.is_leaf and result.grad_fn is None
    assert isinstance(param, nn.Parameter) and param.dtype == torch.float64 and param.requires_grad


def test_transposed_and_strided_tensors_keep_their_values() -> None:
    m = torch.arange(12).reshape(3, 4)
    t, s = _round_trip((m.t(), m[:, ::2]))
    assert t.tolist() == m.t().tolist() and s.tolist() == m[:, ::2].tolist()


def test_checkpoint_dict_with_numbers_sizes_dtypes_devices_loads_weights_only() -> None:
    model = _Net()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    checkpoint = {"epoch": 3, "model": model.state_dict(), "opt": opt.state_dict(), "loss": torch.tensor(0.5),
                  "size": torch.Size([2, 3]), "dtype": torch.int64, "device": torch.device("cpu"),
                  "misc": [1, (2, 3.0), None, True, "text", {1, 2}]}
    loaded = _round_trip(checkpoint)
    assert loaded["epoch"] == 3 and loaded["loss"].item() == 0.5
    assert loaded["size"] == torch.Size([2, 3]) and type(loaded["size"]) is torch.Size
    assert loaded["dtype"] is torch.int64 and loaded["device"] == torch.device("cpu")
    assert loaded["misc"] == [1, (2, 3.0), None, True, "text", {1, 2}]
    assert loaded["opt"]["param_groups"][0]["lr"] == 0.01


def test_device_pickles_without_the_torch_alias() -> None:
    assert pickle.loads(pickle.dumps(torch.device("cpu"))) == torch.device("cpu")


def test_whole_model_needs_weights_only_false_with_pytorchs_message() -> None:
    buffer = io.BytesIO()
    torch.save(_Net(), buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError) as error:
        torch.load(buffer)
    assert "Weights only load failed" in str(error.value)
    assert f"Unsupported global: GLOBAL {__name__}._Net was not an allowed global by default" in str(error.value)
    buffer.seek(0)
    model = torch.load(buffer, weights_only=False)
    assert isinstance(model, _Net) and model.hidden.weight.shape == (2, 3)


def test_library_classes_are_named_as_in_pytorch_when_refused() -> None:
    buffer = io.BytesIO()
    torch.save(nn.Sequential(nn.Linear(1, 1)), buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL torch\.nn\.modules\.container\.Sequential was not"):
        torch.load(buffer)


def test_add_safe_globals_lets_a_class_through() -> None:
    buffer = io.BytesIO()
    torch.save(_Net(), buffer)
    torch.serialization.add_safe_globals([_Net, nn.Linear])
    try:
        buffer.seek(0)
        assert isinstance(torch.load(buffer), _Net)
    finally:
        torch.serialization._user_safe_globals.clear()


def test_a_malicious_pickle_is_refused_by_default() -> None:
    """A checkpoint from a stranger that would run a shell command never gets to run it."""
    class Exploit:
        def __reduce__(self):
            return os.system, ("echo pwned",)

    payload = io.BytesIO(pickle.dumps({"weights": Exploit()}))
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        torch.load(payload)


def test_missing_file_is_a_file_not_found_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="No such file or directory"):
        torch.load(tmp_path / "missing.pt")


def test_saved_array_is_a_copy_not_the_live_tensor() -> None:
    t = torch.zeros(3)
    buffer = io.BytesIO()
    torch.save(t, buffer)
    t.add_(1)
    buffer.seek(0)
    assert np.array_equal(torch.load(buffer).numpy(), np.zeros(3, dtype=np.float32))


# -- pickle and deepcopy of tensors --------------------------------------------------------------------

def test_pickle_after_backward_keeps_data_and_drops_grad_and_graph() -> None:
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    copy_ = pickle.loads(pickle.dumps(x))
    assert copy_.tolist() == [1.0, 2.0] and copy_.requires_grad and copy_.grad is None
    model = nn.Linear(2, 1)
    model(torch.ones(2)).sum().backward()
    restored = pickle.loads(pickle.dumps(model))
    assert torch.equal(restored.weight, model.weight) and isinstance(restored.weight, nn.Parameter)


def test_python_attributes_of_a_tensor_survive_pickle_and_deepcopy() -> None:
    import copy
    t = torch.ones(2)
    t.label = "inputs"
    assert pickle.loads(pickle.dumps(t)).label == "inputs" and copy.deepcopy(t).label == "inputs"


def test_deepcopy_copies_leaves_with_grad_keeps_views_together_and_refuses_non_leaves() -> None:
    import copy
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    twin = copy.deepcopy(x)
    assert twin.grad.tolist() == [2.0, 2.0] and twin.grad is not x.grad and twin.is_leaf
    base = torch.arange(4.0)
    copied_base, copied_view = copy.deepcopy([base, base[1:3]])
    copied_view[0] = 100.0
    assert copied_base.tolist() == [0.0, 100.0, 2.0, 3.0] and base.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match=r"^Only Tensors created explicitly by the user \(graph leaves\) support "
                                           r"the deepcopy protocol at the moment\."):
        copy.deepcopy(x * 2)


def test_deepcopy_of_a_parameter_leaves_its_grad_behind_as_pytorch_does() -> None:
    import copy
    model = nn.Linear(2, 1)
    model(torch.ones(2)).sum().backward()
    twin = copy.deepcopy(model)
    assert twin.weight.grad is None and model.weight.grad is not None
    assert torch.equal(twin.weight, model.weight) and twin.weight is not model.weight
    shared = nn.Sequential(model, model)
    tied = copy.deepcopy(shared)
    assert tied[0].weight is tied[1].weight
