"""Extra work around ``Function.apply`` while a debugging feature is on, and none while it is off.

Anomaly mode stores the forward stack on each new node, and saved-tensor hooks
pack what a node saved once its outputs exist. Each feature puts a wrapper around
``Function.apply`` when switched on and takes it out when switched off, so plain
``apply`` runs untouched otherwise. A wrapper that another one was put on top of
stays in place until switched on again (its ``after`` checks whether its feature is on).
"""
from __future__ import annotations

from typing import Any, Callable

After = Callable[[type, Any], None]  # (the Function class, what apply returned)


class ApplyWrapper:
    """``after(cls, outputs)`` runs after every ``Function.apply`` while installed."""

    def __init__(self, after: After) -> None:
        self.after = after
        self.wrapped: Any = None  # the classmethod this wrapper replaced
        self.installed: Any = None

    def install(self, function_class: type) -> None:
        if self.wrapped is not None:
            return
        self.wrapped = function_class.__dict__["apply"]
        plain, after = self.wrapped.__func__, self.after

        def apply(cls: type, *args: Any, **kwargs: Any) -> Any:
            outputs = plain(cls, *args, **kwargs)
            after(cls, outputs)
            return outputs

        self.installed = classmethod(apply)
        function_class.apply = self.installed  # type: ignore[attr-defined]

    def uninstall(self, function_class: type) -> None:
        if self.wrapped is not None and function_class.__dict__["apply"] is self.installed:
            function_class.apply = self.wrapped  # type: ignore[attr-defined]
            self.wrapped = self.installed = None
