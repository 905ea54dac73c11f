"""PyTorch gives inf and nan without a word where NumPy warns (overflow, 0 / 0, log(0)): NumPy's
floating-point warnings raised by autograd_lab's own code are ignored.

One ``warnings`` filter, added when the package is imported, matches RuntimeWarnings attributed to
autograd_lab's modules only: NumPy warnings from your own code are left alone. It exists instead of
``np.errstate`` around every op for speed: errstate costs 0.37 us per op, 13 % of the seed's involved
example, while a filter costs nothing until NumPy warns.

Filters added later come first: after ``warnings.simplefilter("always")`` (or ``"error"``) NumPy's
warnings show again (or raise), as that call asks for every warning.
"""
from __future__ import annotations

import warnings

PACKAGE_MODULES = r"autograd_lab(\.|$)"


def ignore_numpy_warnings_from_the_package() -> None:
    """Add the filter (once: ``warnings.filterwarnings`` replaces an equal filter already there)."""
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=PACKAGE_MODULES)
