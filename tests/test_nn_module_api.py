"""nn.Module, optim and utils.data behaviour the recorded programs do not reach.

Device objects from other code, copies, keyword hooks, loading with ``assign``, old
batch-norm checkpoints, streaming datasets, and what a careless student does to a model
(forgetting super().__init__(), assigning tensors to parameter names, stepping the
scheduler first, consuming the parameters generator twice).
"""
from __future__ import annotations

import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab import nn, optim
from autograd_lab.nn._typename import qualified_name, typename
from autograd_lab.utils.data import DataLoader, IterableDataset, WeightedRandomSampler, get_worker_info


class DeviceLike:
    """Stands for a ``torch.device``: only ``str()`` is what Module.to reads."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_module_to_accepts_device_objects_by_their_text() -> None:
    model = nn.Linear(2, 2)
    weight = model.weight
    assert model.to(DeviceLike("cpu")) is model and model.weight is weight
    assert model.to(DeviceLike("cpu:0"), torch.float64).weight.dtype is torch.float64
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        model.to(DeviceLike("cuda:1"))
    with pytest.raises(RuntimeError, match="device type at start of device string: tpu"):
        model.to(DeviceLike("tpu"))


def test_dtype_conversion_keeps_gradients_and_optimizer_links() -> None:
    model = nn.Linear(3, 1)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(2, 3)).sum().backward()
    model.double()
    assert model.weight.grad.dtype is torch.float64
    optimizer.step()  # the optimizer still holds the same Parameter objects
    assert model.weight.dtype is torch.float64 and optimizer.param_groups[0]["params"][0] is model.weight


def test_typename_uses_pytorch_module_paths() -> None:
    assert typename(nn.Linear(1, 1)) == "torch.nn.modules.linear.Linear"
    assert typename(torch.zeros(1, dtype=torch.int64)) == "torch.LongTensor"
    assert typename(3) == "int" and qualified_name(dict) == "dict"
    assert repr(DataLoader(range(3))).startswith("<torch.utils.data.dataloader.DataLoader object at 0x")


def test_deepcopy_and_pickle_keep_models_working() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.ReLU())
    twin = copy.deepcopy(model)
    assert twin[0].weight is not model[0].weight
    np.testing.assert_array_equal(twin[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    restored = pickle.loads(pickle.dumps(model))
    x = torch.randn(4, 2)
    np.testing.assert_array_equal(restored(x).detach().numpy(), model(x).detach().numpy())
    optimizer = optim.Adam(model.parameters())
    copy.deepcopy(optimizer.state_dict())


def test_state_dict_keep_vars_prefix_and_assign() -> None:
    model = nn.Linear(2, 1)
    kept = model.state_dict(keep_vars=True)
    assert kept["weight"] is model.weight
    assert list(model.state_dict(prefix="layer.")) == ["layer.weight", "layer.bias"]
    replacement = {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}
    model.load_state_dict(replacement, assign=True)
    assert isinstance(model.weight, nn.Parameter) and model.weight.requires_grad
    assert model.weight.tolist() == [[1.0, 1.0]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.state_dict(OrderedDict())
    assert "Positional args are being deprecated" in str(caught[0].message)


def test_batch_norm_loads_a_checkpoint_without_its_batch_counter() -> None:
    old = OrderedDict(weight=torch.ones(2), bias=torch.zeros(2), running_mean=torch.tensor([0.5, 1.0]),
                      running_var=torch.ones(2))
    old._metadata = {"": {"version": 1}}
    layer = nn.BatchNorm1d(2)
    assert repr(layer.load_state_dict(old)) == "<All keys matched successfully>"
    assert layer.running_mean.tolist() == [0.5, 1.0] and layer.num_batches_tracked.item() == 0


def test_hooks_with_keyword_arguments_and_prepend() -> None:
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            return x * factor

    layer = Scale()
    calls = []
    layer.register_forward_pre_hook(lambda m, args, kwargs: (args, {"factor": 3.0}), with_kwargs=True)
    layer.register_forward_hook(lambda m, args, kwargs, out: calls.append(("second", kwargs)), with_kwargs=True)
    layer.register_forward_hook(lambda m, args, out: calls.append(("first", out.item())), prepend=True)
    assert layer(torch.tensor(2.0), factor=5.0).item() == 6.0
    assert calls == [("first", 6.0), ("second", {"factor": 3.0})]
    layer.register_forward_pre_hook(lambda m, args, kwargs: "oops", with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        layer(torch.tensor(1.0))


def test_a_generator_of_parameters_is_used_up_by_the_first_optimizer() -> None:
    params = nn.Linear(2, 2).parameters()
    optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD(params, lr=0.1)


def test_optimizer_state_is_keyed_by_parameter_identity_not_value() -> None:
    a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(2))
    optimizer = optim.SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = torch.ones(2), torch.ones(2) * 2
    optimizer.step()
    assert optimizer.state[a]["momentum_buffer"].tolist() == [1.0, 1.0]
    assert optimizer.state[b]["momentum_buffer"].tolist() == [2.0, 2.0]


def test_load_state_dict_converts_state_to_the_parameter_dtype() -> None:
    param = nn.Parameter(torch.ones(2))
    source = optim.Adam([param])
    param.grad = torch.ones(2)
    source.step()
    target_param = nn.Parameter(torch.ones(2, dtype=torch.float64))
    target = optim.Adam([target_param])
    target.load_state_dict(source.state_dict())
    assert target.state[target_param]["exp_avg"].dtype is torch.float64
    assert target.state[target_param]["step"].dtype is torch.float32


class Countdown(IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        return iter(range(self.n, 0, -1))

    def __len__(self) -> int:
        return self.n


def test_iterable_datasets_stream_in_batches() -> None:
    assert [b.tolist() for b in DataLoader(Countdown(5), batch_size=2)] == [[5, 4], [3, 2], [1]]
    assert [b.tolist() for b in DataLoader(Countdown(5), batch_size=2, drop_last=True)] == [[5, 4], [3, 2]]
    assert len(DataLoader(Countdown(5), batch_size=2)) == 3
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Countdown(3), shuffle=True)


def test_weighted_sampler_and_worker_info() -> None:
    torch.manual_seed(0)
    draws = list(WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=5))
    assert draws == [1, 1, 1, 1, 1]
    assert get_worker_info() is None


def test_workers_beyond_the_cores_warn_as_pytorch_does() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loader = DataLoader(range(4), batch_size=2, num_workers=512)
    assert any("This DataLoader will create 512 worker processes in total" in str(w.message) for w in caught)
    assert type(iter(loader)).__name__ == "_MultiProcessingDataLoaderIter"
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]


def test_module_call_without_forward_names_the_class() -> None:
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match=r'Module \[Empty\] is missing the required "forward" function'):
        Empty()(torch.ones(1))
    with pytest.raises(TypeError, match=r"Empty.__init__\(\) got an unexpected keyword argument 'size'"):
        Empty(size=3)
