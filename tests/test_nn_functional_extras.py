"""nn.functional's distances, padding, KL divergence, attention and small activations; parameter containers."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_lab as torch
import autograd_lab.nn.functional as F
from autograd_lab import nn


def _double(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64).requires_grad_()


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "normalize", "cosine_similarity", "pairwise_distance",
                                  "pad_constant", "pad_reflect", "pad_replicate", "pad_circular", "prelu", "kl_div",
                                  "attention", "threshold"])
def test_gradients_agree_with_finite_differences(name: str) -> None:
    torch.manual_seed(0)
    a, b = _double(3, 4), _double(3, 4)
    functions = {
        "hardswish": (lambda x: F.hardswish(x * 2), (a,)),
        "hardsigmoid": (lambda x: F.hardsigmoid(x * 2), (a,)),
        "normalize": (lambda x: F.normalize(x, dim=1), (a,)),
        "cosine_similarity": (lambda x, y: F.cosine_similarity(x, y), (a, b)),
        "pairwise_distance": (lambda x, y: F.pairwise_distance(x, y), (a, b)),
        "pad_constant": (lambda x: F.pad(x, (2, -1, 1, 0), value=3.0), (a,)),
        "pad_reflect": (lambda x: F.pad(x, (2, 3), mode="reflect"), (a,)),
        "pad_replicate": (lambda x: F.pad(x, (2, 1, 1, 1), mode="replicate"), (a,)),
        "pad_circular": (lambda x: F.pad(x, (1, 2), mode="circular"), (a,)),
        "prelu": (lambda x, w: F.prelu(x.reshape(3, 4, 1), w), (a, _double(4))),
        "kl_div": (lambda x, y: F.kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean"), (a, b)),
        "attention": (lambda q, k: F.scaled_dot_product_attention(q, k, k, is_causal=True), (a.reshape(1, 3, 4), b)),
        "threshold": (lambda x: F.threshold(x, 0.1, -2.0), (a,)),
    }
    function, inputs = functions[name]
    assert torch.autograd.gradcheck(function, inputs)


def test_distances_and_normalize_follow_their_formulas() -> None:
    a = torch.tensor([[1.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    b = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0]])
    assert torch.allclose(F.cosine_similarity(a, b), torch.tensor([0.5, 1.0]))
    assert torch.allclose(F.cosine_similarity(a, b[0]), torch.tensor([0.5, 1.0]))  # broadcast
    assert F.cosine_similarity(torch.zeros(1, 3), b[:1]).item() == 0.0  # eps keeps a zero vector finite
    assert torch.allclose(F.pairwise_distance(a, b), ((a - b + 1e-6) ** 2).sum(1).sqrt())
    assert torch.allclose(F.normalize(a, dim=1).norm(dim=1), torch.ones(2))
    assert torch.allclose(F.normalize(a, p=1, dim=0).abs().sum(0), torch.tensor([1.0, 1.0, 1.0]))
    assert F.normalize(torch.zeros(2, 3)).abs().sum().item() == 0.0


def test_pad_modes_copy_the_right_border_values() -> None:
    row = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    assert F.pad(row, (2, 2), mode="reflect").tolist() == [[3.0, 2.0, 1.0, 2.0, 3.0, 4.0, 3.0, 2.0]]
    assert F.pad(row, (2, 1), mode="replicate").tolist() == [[1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 4.0]]
    assert F.pad(row, (1, 2), mode="circular").tolist() == [[4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]]
    assert F.pad(row, (1, -2), value=9.0).tolist() == [[9.0, 1.0, 2.0]]
    assert F.pad(row, (0, 0, 1, 0)).tolist() == [[0.0] * 4, [1.0, 2.0, 3.0, 4.0]]


@pytest.mark.parametrize(("call", "kind", "message"), [
    (lambda: F.pad(torch.ones(2, 3), (1,)), RuntimeError, "Padding length must be divisible by 2"),
    (lambda: F.pad(torch.ones(2, 3), (1,) * 6), RuntimeError, "Padding length should be less than or equal to two "
     "times the input dimension but got padding length 6 and input of dimension 2"),
    (lambda: F.pad(torch.ones(2, 3), (3, 3), mode="reflect"), RuntimeError, "Argument #4: Padding size should be "
     "less than the corresponding input dimension, but got: padding (3, 3) at dimension 1 of input [2, 3]"),
    (lambda: F.pad(torch.ones(2, 3), (1, 1), mode="wrap"), NotImplementedError, "Unrecognised padding mode wrap"),
    (lambda: F.prelu(torch.ones(2, 3), torch.ones(2)), RuntimeError, "Mismatch of parameter numbers and input "
     "channel size. Found parameter numbers = 2 and channel size = 3."),
])
def test_bad_arguments_raise_pytorchs_errors(call, kind, message) -> None:
    with pytest.raises(kind) as error:
        call()
    assert str(error.value) == message


def test_kl_div_reductions_and_the_mean_warning() -> None:
    logp = F.log_softmax(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]]), dim=1)
    q = torch.tensor([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])
    pointwise = torch.where(q > 0, q * (q.clamp_min(1e-30).log() - logp), torch.zeros(2, 3))
    assert torch.allclose(F.kl_div(logp, q, reduction="none"), pointwise)
    assert torch.allclose(F.kl_div(logp, q, reduction="batchmean"), pointwise.sum() / 2)
    assert torch.allclose(F.kl_div(logp, q.clamp_min(1e-30).log(), reduction="sum", log_target=True), pointwise.sum())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mean = F.kl_div(logp, q)
    assert torch.allclose(mean, pointwise.mean()) and "'batchmean' divides only by the batch size" in str(
        caught[0].message)
    assert repr(nn.KLDivLoss(reduction="batchmean")) == "KLDivLoss()"


def test_attention_is_softmax_of_scaled_scores_with_masks() -> None:
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 4), torch.randn(2, 3, 4), torch.randn(2, 3, 4)
    scores = q @ k.mT / math.sqrt(4)
    assert torch.allclose(F.scaled_dot_product_attention(q, k, v), scores.softmax(-1) @ v, atol=1e-6)
    causal = torch.tril(torch.ones(3, 3, dtype=torch.bool))
    expected = scores.masked_fill(~causal, float("-inf")).softmax(-1) @ v
    assert torch.allclose(F.scaled_dot_product_attention(q, k, v, is_causal=True), expected, atol=1e-6)
    assert torch.allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=causal), expected, atol=1e-6)
    assert torch.allclose(F.scaled_dot_product_attention(q, k, v, scale=1.0), (q @ k.mT).softmax(-1) @ v, atol=1e-6)


def test_small_activation_layers_values_and_reprs() -> None:
    x = torch.tensor([-4.0, -3.0, -1.0, 0.5, 3.0, 5.0])
    assert F.hardswish(x).tolist() == pytest.approx([0.0, 0.0, -1 / 3, 0.5 * 3.5 / 6, 3.0, 5.0])
    assert F.hardsigmoid(x).tolist() == pytest.approx([0.0, 0.0, 2 / 6, 3.5 / 6, 1.0, 1.0])
    assert F.threshold(x, 0.6, -2.0).tolist() == [-2.0, -2.0, -2.0, -2.0, 3.0, 5.0]
    prelu = nn.PReLU(3, init=0.1)
    assert repr(prelu) == "PReLU(num_parameters=3)" and prelu.weight.tolist() == pytest.approx([0.1] * 3)
    out = prelu(torch.tensor([[-1.0, 2.0, -3.0]]))
    assert out[0].tolist() == pytest.approx([-0.1, 2.0, -0.3]) and out.grad_fn.name() == "PreluKernelBackward0"
    assert repr(nn.Threshold(0.1, 20.0)) == "Threshold(threshold=0.1, value=20.0)"
    assert (repr(nn.Hardswish()), repr(nn.Hardsigmoid(inplace=True))) == ("Hardswish()", "Hardsigmoid(inplace=True)")
    assert (repr(nn.CosineSimilarity()), repr(nn.PairwiseDistance())) == ("CosineSimilarity()", "PairwiseDistance()")


def test_parameter_list_registers_converts_and_prints() -> None:
    params = nn.ParameterList([nn.Parameter(torch.ones(2)), torch.zeros(3)])
    params.append(torch.ones(2, 2, dtype=torch.float64))
    assert len(params) == 3 and all(isinstance(p, nn.Parameter) for p in params)
    assert [name for name, _ in params.named_parameters()] == ["0", "1", "2"]
    assert params[-1].shape == (2, 2) and len(params[1:]) == 2
    assert repr(params) == ("ParameterList(\n    (0): Parameter containing: [torch.float32 of size 2]\n"
                            "    (1): Parameter containing: [torch.float32 of size 3]\n"
                            "    (2): Parameter containing: [torch.float64 of size 2x2]\n)")
    with pytest.raises(IndexError):
        params[3]


def test_parameter_dict_sorts_a_plain_dict_and_registers() -> None:
    from collections import OrderedDict
    pd = nn.ParameterDict({"w": nn.Parameter(torch.ones(2, 2)), "b": torch.zeros(2)})
    assert list(pd.keys()) == ["b", "w"] and isinstance(pd["b"], nn.Parameter)
    assert repr(pd) == ("ParameterDict(\n    (b): Parameter containing: [torch.FloatTensor of size 2]\n"
                        "    (w): Parameter containing: [torch.FloatTensor of size 2x2]\n)")
    ordered = nn.ParameterDict(OrderedDict([("z", nn.Parameter(torch.ones(1))), ("a", nn.Parameter(torch.ones(1)))]))
    assert list(ordered) == ["z", "a"] and "z" in ordered and len(ordered) == 2
    del ordered["z"]
    assert [name for name, _ in ordered.named_parameters()] == ["a"]


def test_parameter_containers_inside_a_model_train() -> None:
    class Scales(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.factors = nn.ParameterList([nn.Parameter(torch.tensor([2.0])) for _ in range(2)])

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for factor in self.factors:
                x = x * factor
            return x

    model = Scales()
    assert [n for n, _ in model.named_parameters()] == ["factors.0", "factors.1"]
    model(torch.tensor([3.0])).sum().backward()
    assert [p.grad.item() for p in model.parameters()] == [6.0, 6.0]
    assert list(model.state_dict()) == ["factors.0", "factors.1"]
    assert np.isclose(model(torch.tensor([1.0])).item(), 4.0)
