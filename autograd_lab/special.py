"""``torch.special``: the special functions under their SciPy-style names."""
from __future__ import annotations

from .nn.functional import log_softmax, softmax
from .ops import digamma, erf, erfc, erfinv, exp2, expm1, lgamma, log1p, logit, logsumexp, sigmoid, xlogy

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p", "log_softmax", "logit",
           "logsumexp", "psi", "softmax", "xlogy"]

expit = sigmoid
gammaln = lgamma
psi = digamma
