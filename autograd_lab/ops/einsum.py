"""einsum (and outer): built from recorded ops, as PyTorch builds it.

Each operand's repeated subscripts become a diagonal, subscripts used nowhere
else are summed away, and each pair of operands is combined by a product: an
elementwise one (``MulBackward0``) when nothing is contracted, a batched matrix
product otherwise (ending in ``ViewBackward0``, as PyTorch's does). Gradients and
second derivatives come from those ops.
"""
from __future__ import annotations

from typing import Any, Sequence

from .._tensor import Tensor, tensor_method
from .arithmetic import mul
from ._operands import common_dtype
from .linalg import bmm
from .rearrange import diagonal
from .shape import Permute, View, to_dtype

__all__ = ["einsum", "ger", "outer"]

_ELLIPSIS_LETTERS = [chr(0x3B1 + k) for k in range(24)]  # Greek letters: never in a user's equation


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sums of products of ``operands``' elements, as the subscripts in ``equation`` say (``'ij,jk->ik'``)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse(equation.replace(" ", ""), [operand.ndim for operand in operands])
    dtype = common_dtype(*operands)
    terms = [(_diagonalised(to_dtype(operand, dtype), letters), letters) for operand, letters in zip(operands, inputs)]
    terms = [(operand, "".join(dict.fromkeys(letters))) for operand, letters in terms]
    _check_sizes(terms)
    if len(terms) == 1:
        operand, letters = terms[0]
        summed = [letter for letter in letters if letter not in output]
        result = Permute.apply(operand, tuple(letters.index(letter) for letter in output + "".join(summed)))
        if summed:
            result = result.sum(tuple(range(len(output), len(output) + len(summed))))
        return result
    result, letters = terms[0]
    for position, (operand, operand_letters) in enumerate(terms[1:], start=1):
        later = "".join(other for _, other in terms[position + 1:])
        wanted = "".join(letter for letter in dict.fromkeys(letters + operand_letters)
                         if letter in output or letter in later)
        if position == len(terms) - 1:
            wanted = output
        result, letters = _combine(result, letters, operand, operand_letters, wanted)
    return result


def _parse(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Each operand's subscripts and the output's, with '...' spelled out as letters of its own."""
    written_inputs, arrow, written_output = equation.partition("->")
    inputs = written_inputs.split(",")
    if len(inputs) > len(ndims):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(inputs) < len(ndims):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    ellipsis_dims = 0
    spelled = []
    for number, (letters, ndim) in enumerate(zip(inputs, ndims)):
        plain = letters.replace("...", "")
        if "..." in letters:
            count = ndim - len(plain)
            ellipsis_dims = max(ellipsis_dims, count)
            letters = letters.replace("...", "".join(_ELLIPSIS_LETTERS[len(_ELLIPSIS_LETTERS) - count:]))
        elif len(plain) != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(plain)}) does not match the "
                               f"number of dimensions ({ndim}) for operand {number} and no ellipsis was given")
        spelled.append(letters)
    broadcast = "".join(_ELLIPSIS_LETTERS[len(_ELLIPSIS_LETTERS) - ellipsis_dims:])
    if arrow:
        output = written_output.replace("...", broadcast)
        for letter in output:
            if output.count(letter) > 1:
                raise RuntimeError(f"einsum(): output subscript {letter} appears more than once in the output")
            if not any(letter in letters for letters in spelled):
                raise RuntimeError(f"einsum(): output subscript {letter} does not appear in the equation for any input "
                                   "operand")
    else:
        every = "".join(spelled)
        output = broadcast + "".join(sorted(letter for letter in set(every)
                                            if every.count(letter) == 1 and letter not in broadcast))
    return spelled, output


def _diagonalised(operand: Tensor, letters: str) -> Tensor:
    """The operand with each repeated subscript taken along its diagonal (``'ii'`` -> the diagonal, as ``'i'``)."""
    current = list(letters)
    while len(set(current)) != len(current):
        letter = next(letter for letter in current if current.count(letter) > 1)
        first = current.index(letter)
        second = current.index(letter, first + 1)
        operand = diagonal(operand, 0, first, second)
        current = [c for k, c in enumerate(current) if k not in (first, second)] + [letter]
    if current != list(letters):
        order = "".join(dict.fromkeys(letters))
        operand = Permute.apply(operand, tuple(current.index(letter) for letter in order))
    return operand


def _check_sizes(terms: list[tuple[Tensor, str]]) -> None:
    seen: dict[str, int] = {}
    for number, (operand, letters) in enumerate(terms):
        for letter, size in zip(letters, operand.shape):
            previous = seen.setdefault(letter, size)
            if previous != size and previous != 1 and size != 1:
                raise RuntimeError(f"einsum(): subscript {letter} has size {size} for operand {number} which does not "
                                   f"broadcast with previously seen size {previous}")
            seen[letter] = max(previous, size)


def _summed_away(operand: Tensor, letters: str, keep: str) -> tuple[Tensor, str]:
    """Sum the dimensions whose subscripts are not in ``keep``."""
    dropped = tuple(k for k, letter in enumerate(letters) if letter not in keep)
    if not dropped:
        return operand, letters
    return operand.sum(dropped), "".join(letter for letter in letters if letter in keep)


def _aligned(operand: Tensor, letters: str, order: str) -> Tensor:
    """The operand with its dimensions in ``order`` (size 1 where it has no such subscript)."""
    present = [letter for letter in order if letter in letters]
    permuted = Permute.apply(operand, tuple(letters.index(letter) for letter in present))
    shape = [permuted.shape[present.index(letter)] if letter in letters else 1 for letter in order]
    return View.apply(permuted, tuple(shape), False) if len(shape) != len(present) else permuted


def _combine(a: Tensor, a_letters: str, b: Tensor, b_letters: str, wanted: str) -> tuple[Tensor, str]:
    """The product of two operands keeping the subscripts in ``wanted`` (in that order), summing the rest."""
    a, a_letters = _summed_away(a, a_letters, wanted + b_letters)
    b, b_letters = _summed_away(b, b_letters, wanted + a_letters)
    contracted = "".join(letter for letter in a_letters if letter in b_letters and letter not in wanted)
    if not contracted:
        return mul(_aligned(a, a_letters, wanted), _aligned(b, b_letters, wanted)), wanted
    batch = "".join(letter for letter in wanted if letter in a_letters and letter in b_letters)
    left = "".join(letter for letter in wanted if letter in a_letters and letter not in b_letters)
    right = "".join(letter for letter in wanted if letter in b_letters and letter not in a_letters)
    sizes = {letter: size for letters, operand in ((a_letters, a), (b_letters, b))
             for letter, size in zip(letters, operand.shape) if size != 1}
    size_of = lambda group: [sizes.get(letter, 1) for letter in group]  # noqa: E731
    batch_sizes = size_of(batch)
    a_matrix = _aligned(a, a_letters, batch + left + contracted).expand(*batch_sizes, *size_of(left),
                                                                        *size_of(contracted))
    b_matrix = _aligned(b, b_letters, batch + contracted + right).expand(*batch_sizes, *size_of(contracted),
                                                                        *size_of(right))
    count = _product(batch_sizes)
    product = bmm(a_matrix.reshape(count, _product(size_of(left)), _product(size_of(contracted))),
                  b_matrix.reshape(count, _product(size_of(contracted)), _product(size_of(right))))
    unfolded = product.reshape(*batch_sizes, *size_of(left), *size_of(right))
    produced = batch + left + right
    result = Permute.apply(unfolded, tuple(produced.index(letter) for letter in wanted))
    return View.apply(result, tuple(result.shape), False), wanted


def _product(sizes: Sequence[int]) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


@tensor_method("outer", "ger")
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two vectors: ``input[i] * vec2[j]``."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D" if input.ndim != 1 else
                           f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return mul(input.unsqueeze(1), vec2)


ger = outer
