"""How each backward function turns the upstream gradient into what it sends to an input.

Only words for the captions: the numbers always come from the engine's events.
``a`` and ``b`` are the op's inputs 0 and 1, ``out`` its result, ``grad`` the
upstream gradient.
"""
from __future__ import annotations

_ELEMENTWISE = {
    "AddBackward0": ("grad × 1", "grad × 1"),
    "SubBackward0": ("grad × 1", "grad × (−1)"),
    "RsubBackward1": ("grad × (−1)",),
    "MulBackward0": ("grad × b", "grad × a"),
    "DivBackward0": ("grad × 1/b", "grad × (−a/b²)"),
    "NegBackward0": ("grad × (−1)",),
    "PowBackward0": ("grad × n·aⁿ⁻¹",),
    "PowBackward1": ("grad × b·aᵇ⁻¹", "grad × aᵇ·ln a"),
    "PowBackward2": ("grad × out·ln(base)",),
    "ExpBackward0": ("grad × exp(a) (= out)",),
    "LogBackward0": ("grad × 1/a",),
    "SqrtBackward0": ("grad × 1/(2√a)",),
    "SinBackward0": ("grad × cos a",),
    "CosBackward0": ("grad × (−sin a)",),
    "TanhBackward0": ("grad × (1 − out²)",),
    "SigmoidBackward0": ("grad × out·(1 − out)",),
    "ReluBackward0": ("grad × (1 where a > 0, else 0)",),
    "AbsBackward0": ("grad × sign(a)",),
    "SignBackward0": ("grad × 0",),
    "ReciprocalBackward0": ("grad × (−1/a²)",),
    "ClampBackward1": ("grad × (1 inside the bounds, else 0)",),
    "MaximumBackward0": ("grad where a is the larger", "grad where b is the larger"),
    "MinimumBackward0": ("grad where a is the smaller", "grad where b is the smaller"),
    "WhereBackward0": ("(none: the condition)", "grad where the condition holds", "grad where it does not"),
    "MaskedFillBackward0": ("grad, 0 where filled",),
    "CloneBackward0": ("grad × 1",),
    "AliasBackward0": ("grad × 1",),
    "ToCopyBackward0": ("grad, cast back to a's dtype",),
}

_REDUCTIONS = {
    "SumBackward0": "grad × 1, copied to every element of a",
    "SumBackward1": "grad × 1, copied back along the summed dims",
    "MeanBackward0": "grad × 1/N, copied to every element of a",
    "MeanBackward1": "grad × 1/N, copied back along the averaged dims",
    "MaxBackward0": "grad at the position of the maximum, 0 elsewhere",
    "MaxBackward1": "grad at the positions of the maxima, 0 elsewhere",
    "MinBackward0": "grad at the position of the minimum, 0 elsewhere",
    "MinBackward1": "grad at the positions of the minima, 0 elsewhere",
    "LinalgVectorNormBackward0": "grad × a/‖a‖",
    "ExpandBackward0": "grad summed over the expanded dims",
    "MseLossBackward0": "grad × 2(a − b)/N",
    "NllLossBackward0": "−grad at the target class, 0 elsewhere",
    "SoftmaxBackward0": "out × (grad − Σ grad·out)",
    "LogSoftmaxBackward0": "grad − softmax(a) × Σ grad",
}

_MATRIX = {
    "MmBackward0": ("grad @ bᵀ", "aᵀ @ grad"),
    "BmmBackward0": ("grad @ bᵀ (per batch)", "aᵀ @ grad (per batch)"),
    "MvBackward0": ("grad ⊗ b (outer product)", "aᵀ @ grad"),
    "DotBackward0": ("grad × b", "grad × a"),
    "AddmmBackward0": ("grad × beta", "grad @ m2ᵀ", "m1ᵀ @ grad"),
}

_SHAPE = ("View", "UnsafeView", "Unsqueeze", "Squeeze", "TBackward", "Transpose", "Permute")
_PLACE = ("Select", "Slice", "Index", "Gather", "Scatter", "Cat", "Stack", "CopySlices", "IndexPut")


def local_rule(op: str, slot: int) -> str:
    """What ``op`` sends to input ``slot``, in words ("grad × b")."""
    for table in (_ELEMENTWISE, _MATRIX):
        rules = table.get(op)
        if rules is not None:
            return rules[slot] if slot < len(rules) else "grad × ∂out/∂input"
    if op in _REDUCTIONS:
        return _REDUCTIONS[op]
    if any(op.startswith(prefix) for prefix in _SHAPE):
        return "grad reshaped back to a's shape (local derivative 1)"
    if any(op.startswith(prefix) for prefix in _PLACE):
        return "grad put back where the elements came from"
    return f"grad × ∂out/∂input{slot} (the backward of {op.removesuffix('Backward')})"
