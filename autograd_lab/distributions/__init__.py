"""``torch.distributions``: the distributions course notebooks sample from and score with ``log_prob``.

Normal, Uniform, Bernoulli, Categorical and Multinomial, with PyTorch's parameter
checks and messages, and samples drawn through the same random calls as PyTorch's
(so a seeded notebook draws the same numbers).
"""
from __future__ import annotations

from . import bernoulli, categorical, constraints, distribution, multinomial, normal, uniform
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .multinomial import Multinomial
from .normal import Normal
from .uniform import Uniform

__all__ = ["Bernoulli", "Categorical", "Distribution", "Multinomial", "Normal", "Uniform", "bernoulli", "categorical",
           "constraints", "distribution", "multinomial", "normal", "uniform"]
