"""Self-grading exercises: in-notebook checks for students and a safe batch grader for instructors.

Students use :func:`check` / :func:`check_all`; test cells use :func:`expect`. Instructors use the
``autograd-lab release``, ``grade``, ``gradebook`` and ``gradescope`` commands (see exercises/README.md).
"""
from .checks import CheckAllResult, CheckResult, check, check_all, expect, register_checks, set_notebook

__all__ = ["CheckAllResult", "CheckResult", "check", "check_all", "expect", "register_checks", "set_notebook"]
