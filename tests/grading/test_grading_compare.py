"""Value comparison and plain data: shapes, dtypes, tolerances, None/bool/str, nested, round-trips, and
conversion that no subclass, huge or unencodable value can subvert or stall."""
from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import autograd_lab as torch
from autograd_lab.grading import values
from autograd_lab.grading.compare import compare, describe, within
from autograd_lab.grading.values import EvalError, Opaque, decode, encode, to_plain


class FakeTensor:
    """Looks like a tensor (detach, numpy, shape) but is the notebook's own class."""

    def __init__(self, data: list[float]) -> None:
        self.data = np.asarray(data, dtype=np.float32)
        self.shape = self.data.shape

    def detach(self) -> "FakeTensor":
        return self

    def numpy(self) -> np.ndarray:
        return self.data


def test_numbers_within_tolerance() -> None:
    assert compare(1020.5499, 1020.55, rtol=1e-5).ok
    assert not compare(1020.0, 1020.55, rtol=1e-5).ok


def test_shape_is_checked_exactly() -> None:
    verdict = compare(np.ones(3), np.ones((1, 3)))
    assert not verdict.ok and "shape" in verdict.message
    assert not compare(np.array([10.0]), 10.0).ok


def test_dtype_only_when_asked() -> None:
    assert compare(np.float32(2.0), 2.0).ok
    assert compare(np.ones(2, np.float32), [1, 1], dtype="float32").ok
    assert "dtype" in compare(np.ones(2), [1, 1], dtype="float32").message


def test_error_message_names_worst_element() -> None:
    verdict = compare(np.array([[1.0, 2.0], [3.0, 9.0]]), [[1, 2], [3, 4]])
    assert not verdict.ok
    assert "index (1, 1)" in verdict.message and "max abs error 5" in verdict.message


def test_none_bool_and_strings() -> None:
    assert compare(None, None).ok
    assert not compare(np.zeros(2), None).ok
    assert "is None" in compare(None, [1.0]).message
    assert compare(np.bool_(True), True).ok
    assert not compare(1, True).ok
    assert compare(" B\n", "b").ok
    assert not compare("c", "b").ok


def test_nested_sequences_and_dicts() -> None:
    assert compare([None, np.ones(2)], [None, [1.0, 1.0]]).ok
    assert not compare([None], [None, None]).ok
    assert compare({"a": 1.0}, {"a": 1}).ok
    assert not compare({"a": 1.0}, {"b": 1}).ok


def test_tensors_compare_as_values_and_look_alikes_do_not() -> None:
    assert compare(torch.tensor([2.0, 4.0], requires_grad=True), [2, 4]).ok
    assert to_plain(torch.tensor([1.0])).dtype == np.float32
    fake = to_plain(FakeTensor([2.0, 4.0]))
    assert fake == Opaque("FakeTensor") and not compare(FakeTensor([2.0, 4.0]), [2, 4]).ok


def test_subclasses_are_read_as_their_stored_value() -> None:
    class Liar(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

        def __str__(self) -> str:
            return "b"

    class Always(float):
        def __eq__(self, other: object) -> bool:
            return True

        def __float__(self) -> float:
            return 14.0

    class Count(int):
        def __int__(self) -> int:
            return 4

    class Items(list):
        def __iter__(self):  # type: ignore[no-untyped-def]
            return iter([0, 1, 4, 9])

        def __len__(self) -> int:
            return 4

    assert to_plain(Liar("c")) == "c" and type(to_plain(Liar("c"))) is str
    assert not compare(Liar("c"), "b").ok
    assert to_plain(Always(999.0)) == 999.0 and not compare(Always(999.0), 14.0).ok
    assert to_plain(Count(7)) == 7 and type(to_plain(Count(7))) is int
    assert to_plain(Items([9, 9])) == [9, 9]
    assert to_plain({"k": Always(1.5)}) == {"k": 1.5}


def test_conversion_runs_no_code_of_the_value() -> None:
    calls = []

    class Spy:
        def __repr__(self) -> str:
            calls.append("repr")
            while True:
                pass

        def __array__(self, *args: object) -> np.ndarray:
            calls.append("array")
            return np.zeros(3)

        def tolist(self) -> list[int]:
            calls.append("tolist")
            return [0, 1, 4, 9]

    assert to_plain(Spy()) == Opaque("test_conversion_runs_no_code_of_the_value.<locals>.Spy")
    assert to_plain([Spy()]) == [Opaque("test_conversion_runs_no_code_of_the_value.<locals>.Spy")]
    assert calls == []


def test_huge_answers_fail_fast_without_copying_everything() -> None:
    row = [0.5] * 5000
    nested = [row] * 5000  # 25 million items, shared rows
    started = time.monotonic()
    plain = to_plain(nested)
    assert isinstance(plain, Opaque) and "too large" in plain.text
    assert isinstance(to_plain(np.zeros(values.MAX_ARRAY_ELEMENTS + 1)), Opaque)
    assert isinstance(to_plain("x" * (values.MAX_STR_CHARS + 1)), Opaque)
    assert isinstance(to_plain(10 ** 400), Opaque)
    deep: list = []
    for _ in range(100):
        deep = [deep]
    assert "nested too deeply" in repr(to_plain(deep))
    assert time.monotonic() - started < 5  # generous: a full walk would take far longer


def test_unencodable_values_become_errors_of_their_own() -> None:
    for value in (complex(math.nan, math.nan), complex(math.inf, -math.inf), [math.nan, math.inf]):
        back = decode(encode(to_plain(value)))
        assert np.all(np.isnan(np.asarray(back)) == np.isnan(np.asarray(value)))
    assert json.loads(encode(to_plain(np.array([np.nan]))))  # valid JSON, no bare NaN


def test_tensor_subclasses_are_read_as_the_library_class(monkeypatch: pytest.MonkeyPatch) -> None:
    class Lying(torch.Tensor):
        @property
        def is_leaf(self) -> bool:
            return True

        def numpy(self) -> np.ndarray:
            return np.array([9.0, 9.0])

    monkeypatch.setattr(values, "_trusted_tensor_classes", values._tensor_classes_now() - {Lying})
    base = torch.tensor([1.0, 2.0], requires_grad=True)
    made = base * 3
    made.__class__ = Lying
    assert made.is_leaf
    assert np.array_equal(to_plain(made), [3.0, 6.0])
    assert type(made) is torch.Tensor and not made.is_leaf


def test_nan_and_inf() -> None:
    assert compare(np.array([np.nan, np.inf]), [math.nan, math.inf]).ok
    assert not compare(np.array([np.nan]), [1.0]).ok
    assert not compare(np.array([1.0]), [math.nan]).ok


def test_errors_and_opaque_values_fail_cleanly() -> None:
    assert "raised" in compare(EvalError("NameError: x"), 1.0).message
    assert not compare(Opaque("Widget", "<w>"), 1.0).ok
    assert not compare("text", 1.0).ok


def test_within_bounds() -> None:
    assert within(0.01, below=0.05).ok
    assert not within(0.2, below=0.05).ok
    assert not within(np.nan, below=1).ok
    assert not within(np.ones(2), below=1).ok
    assert within(3, above=1, below=4).ok


def test_describe_is_short() -> None:
    assert len(describe(np.arange(10_000.0))) < 300
    assert describe(np.float64(2.5)) == "2.5"


@given(hnp.arrays(dtype=st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
                  shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
def test_encode_round_trip_arrays(arr: np.ndarray) -> None:
    back = decode(encode(to_plain(arr)))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)


@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
))
def test_encode_round_trip_plain(value: object) -> None:
    assert decode(encode(to_plain(value))) == to_plain(value)


def test_decode_refuses_object_arrays_and_inconsistent_data() -> None:
    bad = [
        '{"__nd__": "", "dtype": "|O", "shape": [0]}',
        '{"__nd__": "AAAA", "dtype": "<f8", "shape": [4]}',
        '{"__nd__": "", "dtype": "<f8", "shape": [-1]}',
        '{"__float__": "1e999999"}',
        '{"__something__": 1}',
        "NaN",
    ]
    for text in bad:
        with pytest.raises(ValueError):
            decode(text)


def test_to_plain_never_raises() -> None:
    class Evil:
        def __repr__(self) -> str:
            raise RuntimeError("no")

        def tolist(self) -> list[int]:
            raise RuntimeError("no")

    assert isinstance(to_plain(Evil()), Opaque)
    assert to_plain((1, [2.0, None])) == (1, [2.0, None])


@pytest.mark.parametrize("got", ["b", "(b)", " B) ", "b.", "**b**", "[b]", "'b'"])
def test_a_choice_letter_matches_however_it_is_wrapped(got: str) -> None:
    assert compare(got, "b").ok
    assert compare({"data": got}, {"data": "b"}).ok


@pytest.mark.parametrize("got", ["bb", "b) because", "(c)", "a or b", ""])
def test_a_choice_letter_is_still_compared(got: str) -> None:
    assert not compare(got, "b").ok


def test_only_single_letters_are_unwrapped() -> None:
    assert not compare("(RuntimeError)", "RuntimeError").ok
    assert not compare("ab.", "ab").ok
