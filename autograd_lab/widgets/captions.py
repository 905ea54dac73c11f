"""The numbers in a step's caption: an op's local rule (from the core) with the values it used.

``MulBackward0`` declares ``grad * other`` for its first input; at the step where it ran
the caption reads "grad × other = 1. × 100. = 100.": the rule, the same rule with the
upstream gradient and the saved inputs as they were when the node ran (copied by the
recorder, ``viz.trace.SavedAtVisit``), and the gradient the engine sent. Nothing is
computed here: the numbers are substituted into the rule's text, the result is the
engine's. Rules with calls or methods (``grad.sum_to_size(self.shape)``) keep their words
and list the values they use.
"""
from __future__ import annotations

import re
from typing import Mapping

import numpy as np

from ..viz.dot import short_value
from ..viz.graph import describe_array

TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d*)?|\*\*|\S")
VALUE_LIMIT = 18


OPERATORS = {"+", "-", "*", "/", "**", "@", "==", "<", ">", "%"}


def _join(parts: list[tuple[str, bool]]) -> str:
    """Tokens (text, is_operand) with one space around binary operators, ``*`` as ×, calls and brackets tight."""
    out = ""
    previous = ""
    for text, operand in parts:
        if not operand and text in OPERATORS:
            unary = text == "-" and previous in ("", "(", "[", ",", *OPERATORS)
            out += text if unary else f" {'×' if text == '*' else text} "
            previous = text if not unary else "("
            continue
        if text == ",":
            out += ", "
        elif text in (".", "(", ")", "[", "]"):
            out += text
        else:
            out += text
        previous = text
    return out.replace("  ", " ").strip()


def pretty(rule: str) -> str:
    """A rule as the caption writes it: ``grad × other``, ``grad / (2 × result)``."""
    return _join([(token, False) for token in TOKEN.findall(rule)])


def value_text(array: np.ndarray) -> str:
    """A value short enough for a caption: the number, or the first elements and the shape."""
    if array.size <= 4:
        return short_value(describe_array(array), VALUE_LIMIT, summaries=True) or ""
    first = ", ".join(f"{float(v):.4g}" for v in array.reshape(-1)[:2])
    shape = f"({array.shape[0]},)" if array.ndim == 1 else f"({', '.join(map(str, array.shape))})"
    return f"[{first}, …] {shape}"


def with_numbers(rule: str, values: Mapping[str, np.ndarray]) -> str | None:
    """``rule`` with each name replaced by its value, or None when the rule calls functions or methods."""
    tokens = TOKEN.findall(rule)
    parts = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token[0].isalpha() or token[0] == "_":
            if token not in values or following in ("(", ".", "["):
                return None
            parts.append((value_text(values[token]), True))
        elif token == ".":
            return None
        else:
            parts.append((token, False))
    return _join(parts)


def rule_sentence(rule: str | None, values: Mapping[str, np.ndarray], sent: np.ndarray, fallback: str) -> str:
    """"grad × other = 1. × 100. = 100." (or the rule and the values it uses, when they cannot be put in)."""
    result = value_text(sent)
    if rule is None:
        return f"{fallback} = {result}"
    words = pretty(rule)
    numbers = with_numbers(rule, values)
    if numbers is not None and numbers != words:
        return f"{words} = {numbers}" if numbers == result else f"{words} = {numbers} = {result}"
    used = [name for name in dict.fromkeys(TOKEN.findall(rule)) if name in values]
    given = f" with {', '.join(f'{name} = {value_text(values[name])}' for name in used)}" if used else ""
    return f"{words} = {result}{given}"
