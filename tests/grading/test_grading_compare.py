"""Value comparison: shapes, dtypes, tolerances, None/bool/str, nested, and round-trips of plain data."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from autograd_lab.grading.compare import compare, describe, within
from autograd_lab.grading.values import EvalError, Opaque, decode, encode, to_plain


class FakeTensor:
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


def test_tensor_like_objects_compare_as_values() -> None:
    assert compare(FakeTensor([2.0, 4.0]), [2, 4]).ok
    assert to_plain(FakeTensor([1.0])).dtype == np.float32


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


def test_decode_refuses_object_arrays() -> None:
    with pytest.raises(ValueError):
        decode('{"__nd__": "", "dtype": "|O", "shape": [0]}')


def test_to_plain_never_raises() -> None:
    class Evil:
        def __repr__(self) -> str:
            raise RuntimeError("no")

        def tolist(self) -> list[int]:
            raise RuntimeError("no")

    assert isinstance(to_plain(Evil()), Opaque)
    assert to_plain((1, [2.0, None])) == (1, [2.0, None])
