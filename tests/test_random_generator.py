"""The generator's machinery: the engine against a plain reference, its state bytes, threads, FMA.

What the numbers must equal is checked against PyTorch in test_random_parity.py; these
tests pin down the parts that make that work, on inputs the fixtures cannot reach.
"""
from __future__ import annotations

import re
import subprocess
import sys
import threading
from fractions import Fraction

import numpy as np
import pytest

import autograd_lab as torch
from autograd_lab import _generator
from autograd_lab._fma import fma32, fma64
from autograd_lab._mt19937 import MT19937


class ReferenceEngine:
    """MT19937 as PyTorch's engine runs it, one word at a time, in plain Python integers."""

    def __init__(self, seed: int) -> None:
        self.words = [seed & 0xFFFFFFFF]
        for i in range(1, 624):
            previous = self.words[-1]
            self.words.append((1812433253 * (previous ^ (previous >> 30)) + i) & 0xFFFFFFFF)
        self.left, self.next = 1, 0

    def _twist(self) -> None:
        w = self.words
        for i in range(624):
            mixed = (w[i] & 0x80000000) | (w[(i + 1) % 624] & 0x7FFFFFFF)
            w[i] = w[(i + 397) % 624] ^ (mixed >> 1) ^ (0x9908B0DF if w[(i + 1) % 624] & 1 else 0)
        self.left, self.next = 624, 0

    def __call__(self) -> int:
        self.left -= 1
        if self.left == 0:
            self._twist()
        y = self.words[self.next]
        self.next += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        return y ^ (y >> 18)


@pytest.mark.parametrize("seed", [0, 5489, 2 ** 32 - 1, 2 ** 32 + 7, 2 ** 64 - 1])
def test_engine_matches_the_reference_across_twists_in_uneven_chunks(seed: int) -> None:
    engine, reference = MT19937(seed), ReferenceEngine(seed)
    for chunk in (1, 622, 1, 1, 700, 3, 624, 1249):
        assert engine.draw32(chunk).tolist() == [reference() for _ in range(chunk)]
        assert (engine.left, engine.next) == (reference.left, reference.next)
    assert engine.words.tolist() == reference.words


def test_engine_serves_a_loaded_state_whose_counters_disagree() -> None:
    """``next`` need not equal ``625 - left`` in a state written by hand: words are read from ``next``."""
    reference = ReferenceEngine(3)
    reference.left, reference.next = 300, 10
    engine = MT19937(0)
    engine.load(3, 300, 10, True, np.array(reference.words, dtype=np.uint32))
    assert engine.draw32(1000).tolist() == [reference() for _ in range(1000)]


@pytest.mark.parametrize(("left", "next_word", "seeded"), [(0, 0, True), (625, 0, True), (5, 625, True),
                                                          (5, 0, False), (300, 400, True)])
def test_engine_rejects_states_it_cannot_serve(left: int, next_word: int, seeded: bool) -> None:
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        MT19937(0).load(0, left, next_word, seeded, np.zeros(624, dtype=np.uint32))


def test_state_bytes_follow_pytorchs_layout() -> None:
    generator = torch.Generator().manual_seed(2 ** 40 + 3)
    torch.randn(3, generator=generator)  # two pairs drawn (8 words); the second pair's sine is kept
    state = generator.get_state()
    assert state.dtype is torch.uint8 and state.shape == (5056,)
    raw = state.numpy().tobytes()
    assert int.from_bytes(raw[0:8], "little") == 2 ** 40 + 3
    assert int.from_bytes(raw[8:12], "little") == 624 - 8 + 1  # left
    assert int.from_bytes(raw[12:16], "little") == 1  # seeded
    assert int.from_bytes(raw[16:24], "little") == 8  # next
    words = np.frombuffer(raw[24:24 + 624 * 8], dtype="<u8")
    assert (words < 2 ** 32).all() and words.any()
    cached = np.frombuffer(raw[5024:5032], dtype="<f8")[0]
    assert int.from_bytes(raw[5040:5044], "little") == 1 and cached == generator.next_double_normal
    assert raw[5016:5024] == raw[5032:5040] == bytes(8) and raw[5044:5048] == bytes(4)
    assert raw[5048:] == bytes(8)  # no float sample cached; padding zero


def test_a_saved_state_restores_the_stream_and_the_cached_normal() -> None:
    generator = torch.Generator().manual_seed(11)
    torch.randn(5, generator=generator)
    saved = generator.get_state()
    expected = [torch.randn(1, generator=generator), torch.rand(700, generator=generator),
                torch.randn(33, generator=generator)]
    other = torch.Generator().set_state(saved)
    assert other.initial_seed() == 11
    for value in expected:
        again = torch.randn(*value.shape, generator=other) if value.shape[0] != 700 else torch.rand(
            700, generator=other)
        assert again.numpy().tobytes() == value.numpy().tobytes()


def test_generator_prints_like_pytorchs() -> None:
    generator = torch.Generator()
    assert re.fullmatch(r"<torch\._C\.Generator object at 0x[0-9a-f]+>", repr(generator))
    assert repr(generator) == f"<torch._C.Generator object at {hex(id(generator))}>"
    assert str(torch.default_generator) == repr(torch.default_generator)


def test_manual_seed_returns_the_global_generator_and_seeds_it() -> None:
    assert torch.manual_seed(5) is torch.default_generator
    assert torch.initial_seed() == 5
    first = torch.rand(3)
    torch.manual_seed(5)
    assert torch.equal(torch.rand(3), first)


def test_seed_draws_a_fresh_64_bit_seed() -> None:
    seeds = {torch.seed() for _ in range(5)}
    assert len(seeds) == 5 and all(0 <= s < 2 ** 64 for s in seeds)
    assert torch.initial_seed() in seeds


def test_each_process_starts_from_its_own_seed() -> None:
    """Like PyTorch, the global generator is seeded non-deterministically at import."""
    program = "import autograd_lab as torch; print(torch.initial_seed(), torch.rand(2).tolist())"
    runs = {subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 2


def test_a_new_generator_starts_from_pytorchs_default_seed() -> None:
    assert torch.Generator().initial_seed() == 67280421310721 == torch.Generator("cpu").initial_seed()


@pytest.mark.parametrize("bad", ["abc", [1, 2], None])
def test_careless_seeds_fail_clearly(bad: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        torch.manual_seed(bad)


def test_generator_argument_must_be_a_generator() -> None:
    with pytest.raises(TypeError, match="expected a torch.Generator"):
        torch.rand(2, generator=5)
    with pytest.raises(RuntimeError, match="Cannot get CUDA generator"):
        torch.Generator("cuda")


def test_threads_sharing_a_generator_each_get_whole_calls_of_one_stream() -> None:
    """Each call holds the generator for all of its draws, as PyTorch's kernels hold its mutex."""
    shared = torch.Generator().manual_seed(99)
    drawn: list[np.ndarray] = []

    def work() -> None:
        for _ in range(40):
            drawn.append(torch.randn(100, generator=shared).numpy())

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sequential = torch.Generator().manual_seed(99)
    expected = {torch.randn(100, generator=sequential).numpy().tobytes() for _ in range(240)}
    assert {values.tobytes() for values in drawn} == expected


def _exact(a: float, b: float, c: float) -> Fraction:
    return Fraction(a) * Fraction(b) + Fraction(c)


def _nearest_float32(value: Fraction, guess: np.float32) -> np.float32:
    """The float32 nearest ``value`` (ties to even), searched around ``guess``."""
    candidates = [np.nextafter(guess, np.float32(-np.inf)), guess, np.nextafter(guess, np.float32(np.inf))]
    return min(candidates, key=lambda v: (abs(Fraction(float(v)) - value), int(np.array(v).view(np.int32)) & 1))


def test_fma32_rounds_once_even_where_float64_lands_halfway() -> None:
    a, b, c = np.float32(1 + 2 ** -23), np.float32(-(1 - 2 ** -23) * 2 ** -24), np.float32(1 + 2 ** -23)
    naive = np.float32(np.float64(a) * np.float64(b) + np.float64(c))
    assert naive == np.float32(1.0)  # rounded twice: to the float32 midpoint, then to even
    assert fma32(a, b, c) == np.float32(1 + 2 ** -23)  # the exact value lies above the midpoint


def test_fma32_and_fma64_agree_with_exact_arithmetic() -> None:
    rng = np.random.default_rng(4)
    a32 = (rng.standard_normal(3000) * 10.0 ** rng.integers(-6, 6, 3000)).astype(np.float32)
    b32 = rng.standard_normal(3000).astype(np.float32)
    c32 = (-(a32.astype(np.float64) * b32) * (1 + rng.standard_normal(3000) * 1e-7)).astype(np.float32)
    for a, b, c, got in zip(a32, b32, c32, fma32(a32, b32, c32)):
        assert _nearest_float32(_exact(float(a), float(b), float(c)), got) == got
    a64, b64 = rng.standard_normal(3000), rng.standard_normal(3000) * 1e10
    c64 = -(a64 * b64)
    expected = [float(_exact(a, b, c)) for a, b, c in zip(a64, b64, c64)]
    assert fma64(a64, b64, c64).tolist() == expected


def test_default_generator_is_the_one_the_module_functions_use() -> None:
    torch.manual_seed(1)
    assert _generator.default_generator is torch.default_generator
    state = torch.get_rng_state()
    value = torch.rand(4)
    torch.set_rng_state(state)
    assert torch.equal(torch.rand(4), value)


def test_float16_normal_fill_says_it_is_not_supported() -> None:
    """PyTorch fills 16+ contiguous float16 normals with half-precision C-library math; no silent near-miss here."""
    with pytest.raises(NotImplementedError, match="float32 and float64 only"):
        torch.randn(16, dtype=torch.float16)


def test_the_large_randperm_shuffle_is_pytorchs_inside_out_algorithm() -> None:
    """Used by PyTorch from n = 2**32 // 20 on (too large to record); traced here by hand on a small n."""
    from autograd_lab._sampling import shuffle_inside_out

    draws = MT19937(8).draw64(4).tolist()
    order: list[int] = []
    for i, draw in enumerate(draws):
        order.append(i)
        z = draw % (i + 1)
        order[i], order[z] = order[z], i
    generator = torch.Generator().manual_seed(8)
    assert shuffle_inside_out(generator, 4).tolist() == order
    engine = MT19937(8)
    engine.draw32(8)  # two words per element
    assert generator.random32(3).tolist() == engine.draw32(3).tolist()
    big = shuffle_inside_out(torch.Generator().manual_seed(1), 5000)
    assert sorted(big.tolist()) == list(range(5000))
