"""PyTorch's CPU random engine: a 32-bit Mersenne Twister (MT19937) with PyTorch's counters.

PyTorch keeps the 624-word state plus two counters: ``left`` (draws until the next
twist, plus one) and ``next`` (the word read next). Seeding writes the classic
``init_genrand`` words and sets ``left = 1``, so the first draw twists. Each draw
reads one word and *tempers* it (four shift/xor steps) into the 32-bit output.

NumPy's own ``MT19937`` bit generator runs the same recurrence in C, so bulk draws
go through it: it is handed PyTorch's words with ``pos = 624`` (twist before the
next read) and its words and position are read back afterwards. Draws that fit
before the next twist are tempered here directly, which also covers states whose
``next`` does not follow from ``left`` (possible only through ``set_state``).
"""
from __future__ import annotations

import numpy as np

STATE_WORDS = 624
_U32 = np.uint32


def init_words(seed: int) -> np.ndarray:
    """The state PyTorch (and ``init_genrand``) derives from the low 32 bits of ``seed``."""
    word = seed & 0xFFFFFFFF
    words = [word]
    for index in range(1, STATE_WORDS):
        word = (1812433253 * (word ^ (word >> 30)) + index) & 0xFFFFFFFF
        words.append(word)
    return np.array(words, dtype=_U32)


def temper(words: np.ndarray) -> np.ndarray:
    """The output of each state word (MT19937's tempering)."""
    y = words.astype(_U32)
    y ^= y >> _U32(11)
    y ^= (y << _U32(7)) & _U32(0x9D2C5680)
    y ^= (y << _U32(15)) & _U32(0xEFC60000)
    y ^= y >> _U32(18)
    return y


class MT19937:
    """The words and counters of one engine; ``draw32``/``draw64`` advance it."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.MT19937()
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        """Start over from ``seed`` (a 64-bit value; its low 32 bits set the words)."""
        self.seed = seed
        self.seeded = True
        self.words = init_words(seed)
        self.left, self.next = 1, 0

    def draw32(self, count: int) -> np.ndarray:
        """The next ``count`` 32-bit outputs (PyTorch's ``random()``)."""
        ready = min(count, self.left - 1)
        head = temper(self.words[self.next:self.next + ready])
        self.next += ready
        self.left -= ready
        if ready == count:
            return head
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": self.words, "pos": STATE_WORDS}}
        tail = self._bits.random_raw(count - ready).astype(_U32)
        state = self._bits.state["state"]
        self.words, self.next = state["key"].astype(_U32), int(state["pos"])
        self.left = STATE_WORDS + 1 - self.next
        return np.concatenate((head, tail)) if ready else tail

    def draw64(self, count: int) -> np.ndarray:
        """The next ``count`` 64-bit values, each two draws joined high then low (``random64()``)."""
        pairs = self.draw32(2 * count).astype(np.uint64).reshape(count, 2)
        return (pairs[:, 0] << np.uint64(32)) | pairs[:, 1]

    def load(self, seed: int, left: int, next_word: int, seeded: bool, words: np.ndarray) -> None:
        """Take a saved state; PyTorch's validity rule plus: the words still to read must exist."""
        if not (seeded and 0 < left <= STATE_WORDS and next_word <= STATE_WORDS) \
                or next_word + left - 1 > STATE_WORDS:
            raise RuntimeError("Invalid mt19937 state")
        self.seed, self.left, self.next, self.seeded = seed, left, next_word, True
        self.words = words.astype(_U32)
