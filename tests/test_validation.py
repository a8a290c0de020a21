"""The shared validators, property-tested with hypothesis (issue 13).

For any value a user might pass (numbers of every kind including NaN and inf, huge integers,
strings, None, booleans, nested lists, arrays), each validator either returns a value that meets
its promise or raises a ValueError/TypeError whose message names the argument. Nothing else
escapes, and nothing invalid is let through.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gatebook import _validation as v

NAME = "the_argument"

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.complex_numbers(allow_nan=True),
    st.builds(np.int64, st.integers(min_value=-(2**62), max_value=2**62)),
    st.builds(np.float32, st.floats(width=32)),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=8) | st.builds(
    np.asarray, st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6))

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)


def _outcome(check, value):
    try:
        return check(value, NAME), None
    except (ValueError, TypeError) as err:
        assert NAME in str(err), f"{check.__name__}({value!r}) raised without naming the argument: {err}"
        return None, err


@SETTINGS
@given(values)
def test_check_positive_int(value):
    out, err = _outcome(v.check_positive_int, value)
    if err is None:
        assert type(out) is int and out >= 1


@SETTINGS
@given(values)
def test_check_finite_and_positive_floats(value):
    for check, ok in ((v.check_finite_float, lambda x: True), (v.check_positive_float, lambda x: x > 0),
                      (v.check_nonnegative_float, lambda x: x >= 0)):
        out, err = _outcome(check, value)
        if err is None:
            assert type(out) is float and math.isfinite(out) and ok(out)


@SETTINGS
@given(values, st.integers(-5, 5), st.integers(-5, 5))
def test_check_int_respects_its_bounds(value, lo, hi):
    out, err = _outcome(lambda x, n: v.check_int(x, n, minimum=lo, maximum=hi), value)
    if err is None:
        assert type(out) is int and lo <= out <= hi


@SETTINGS
@given(values)
def test_check_bool(value):
    out, err = _outcome(v.check_bool, value)
    if err is None:
        assert out is True or out is False
        assert isinstance(value, (bool, np.bool_))


@SETTINGS
@given(values)
def test_check_int_sequence(value):
    out, err = _outcome(v.check_int_sequence, value)
    if err is None:
        assert isinstance(out, tuple) and len(out) >= 1 and all(type(i) is int and i >= 0 for i in out)


@SETTINGS
@given(values)
def test_check_float_sequence(value):
    out, err = _outcome(lambda x, n: v.check_float_sequence(x, n, positive=True), value)
    if err is None:
        assert out.ndim == 1 and out.size >= 1 and np.all(np.isfinite(out)) and np.all(out > 0)


@SETTINGS
@given(values)
def test_as_generator(value):
    out, err = _outcome(v.as_generator, value)
    if err is None:
        assert isinstance(out, np.random.Generator)


@SETTINGS
@given(values, st.floats(-10, 10), st.floats(-10, 10))
def test_check_float_in(value, a, b):
    lo, hi = min(a, b), max(a, b)
    out, err = _outcome(lambda x, n: v.check_float_in(x, n, lo, hi), value)
    if err is None:
        assert lo <= out <= hi


@SETTINGS
@given(values, st.integers(1, 4))
def test_check_state(value, dim):
    out, err = _outcome(lambda x, n: v.check_state(x, dim, n), value)
    if err is None:
        assert out.shape[-1] == dim and out.ndim in (1, 2) and np.all(np.isfinite(out))


@SETTINGS
@given(st.integers(min_value=0, max_value=10**18), st.sampled_from([1, 4, 8, 16]))
def test_check_memory_refuses_exactly_above_the_cap(n, itemsize):
    try:
        v.check_memory(n, NAME, itemsize=itemsize)
        assert n * itemsize <= v.MAX_BYTES
    except ValueError as err:
        assert n * itemsize > v.MAX_BYTES and NAME in str(err) and "iB" in str(err)


def test_check_memory_cap_follows_the_environment(monkeypatch):
    monkeypatch.setenv("GATEBOOK_MAX_BYTES", "1000")
    v.check_memory(125, NAME)
    with pytest.raises(ValueError, match=NAME):
        v.check_memory(126, NAME)
    monkeypatch.delenv("GATEBOOK_MAX_BYTES")
    assert os.environ.get("GATEBOOK_MAX_BYTES") is None
    v.check_memory(126, NAME)
