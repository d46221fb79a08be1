"""Tests for checkpointing._digest."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import collections
import copy
import enum
import json
import math
import os
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from checkpointing import ArgumentDigestError
from checkpointing._digest import (
    DIGEST_HEX_LENGTH,
    digest_arguments,
    digest_bytes,
    digest_value,
    short_repr,
)

from .strategies import (
    SAMPLE_SIGNATURE,
    hashable_values,
    leaves,
    nested_values,
    small_values,
    values,
)


class TestOrderedDict:
    def test_order_matters(self):
        """OrderedDicts in another order are unequal, so they digest differently."""
        from collections import OrderedDict

        first = OrderedDict([("a", 1), ("b", 2)])
        second = OrderedDict([("b", 2), ("a", 1)])
        assert digest_value(first) != digest_value(second)
        assert digest_value(first) == digest_value(OrderedDict([("a", 1), ("b", 2)]))
        assert digest_value(first) != digest_value(dict(first))


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Level(enum.IntEnum):
    LOW = 1


@dataclass
class Point:
    x: int
    y: int


class Tagged:
    """Digested through its ``__checkpoint_digest__`` hook only."""

    def __init__(self, tag: str, noise: object) -> None:
        self.tag = tag
        self.noise = noise

    def __checkpoint_digest__(self) -> str:
        return self.tag


class MyDict(dict):
    pass


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def module_function(x, scale=2):
    return x * scale


def other_function(x, scale=2):
    return x * scale


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


# -- leaf paths, for the sensitivity property ---------------------------------------


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, (list, tuple)):
        return [
            p for i, item in enumerate(value) for p in _leaf_paths(item, (*path, i))
        ]
    if isinstance(value, dict):
        return [p for k, item in value.items() for p in _leaf_paths(item, (*path, k))]
    return [path]


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {
            k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()
        }
    items = [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]
    return tuple(items) if isinstance(value, tuple) else items


class TestDigestBytes:
    def test_hex_of_fixed_length(self):
        """digest_bytes returns a 32-character lowercase hex string."""
        actual = digest_bytes(b"abc")
        assert DIGEST_HEX_LENGTH == len(actual)
        assert _is_hex(actual)

    def test_memoryview_equals_bytes(self):
        """A memoryview digests like the bytes it shows."""
        assert digest_bytes(b"payload") == digest_bytes(memoryview(b"payload"))


class TestDeterminism:
    @given(values)
    def test_same_value_twice(self, value):
        """Digesting one value twice gives the same 32-character hex digest."""
        first = digest_value(value)
        assert first == digest_value(value)
        assert DIGEST_HEX_LENGTH == len(first)
        assert _is_hex(first)

    @given(values)
    def test_deep_copy(self, value):
        """An equal, independently built copy has the same digest."""
        assert digest_value(value) == digest_value(copy.deepcopy(value))

    @given(st.dictionaries(hashable_values, small_values, max_size=6), st.randoms())
    def test_dict_insertion_order(self, mapping, random):
        """A dict built in a shuffled insertion order has the same digest."""
        items = list(mapping.items())
        random.shuffle(items)
        assert digest_value(mapping) == digest_value(dict(items))

    @given(st.lists(hashable_values, max_size=8), st.randoms())
    def test_set_insertion_order(self, items, random):
        """Sets and frozensets built from shuffled items have the same digest."""
        # {False, 0} keeps whichever came first (False == 0); the digest tells
        # them apart by design, so such mixes are not a question of order.
        assume(all(type(a) is type(b) or a != b for a in items for b in items))
        shuffled = list(items)
        random.shuffle(shuffled)
        assert digest_value(set(items)) == digest_value(set(shuffled))
        assert digest_value(frozenset(items)) == digest_value(frozenset(shuffled))

    def test_nan_payloads_are_one_value(self):
        """Every NaN bit pattern digests as the same value."""
        other_nan = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
        assert math.isnan(other_nan)
        assert digest_value(math.nan) == digest_value(other_nan)

    def test_dataclass_instances_by_state(self):
        """Two equal dataclass instances digest alike, unequal ones differ."""
        assert digest_value(Point(1, 2)) == digest_value(Point(1, 2))
        assert digest_value(Point(1, 2)) != digest_value(Point(2, 1))

    def test_digest_hook(self):
        """__checkpoint_digest__ replaces the object's state in the digest."""
        assert digest_value(Tagged("a", object())) == digest_value(Tagged("a", 1))
        assert digest_value(Tagged("a", 1)) != digest_value(Tagged("b", 1))

    def test_module_functions_by_name_and_defaults(self):
        """Functions are identified by import path and default values."""
        assert digest_value(module_function) == digest_value(module_function)
        assert digest_value(module_function) != digest_value(other_function)

    def test_closures_by_cell_values(self):
        """Two closures of one code differ when their cells hold different values."""

        def make(k):
            def inner(x):
                return x * k

            return inner

        assert digest_value(make(1)) == digest_value(make(1))
        assert digest_value(make(1)) != digest_value(make(2))


class TestSensitivity:
    def test_scalars_of_different_types_differ(self):
        """1, 1.0, True, "1", b"1", [1], (1,) and friends all digest differently."""
        candidates = [
            1,
            1.0,
            True,
            "1",
            b"1",
            [1],
            (1,),
            {1},
            frozenset({1}),
            {1: None},
            bytearray(b"1"),
            complex(1, 0),
            Level.LOW,
            None,
            0,
            False,
            "",
            b"",
        ]
        digests = [digest_value(v) for v in candidates]
        assert len(candidates) == len(set(digests))

    def test_signed_zero(self):
        """-0.0 and 0.0 are different floats for a key."""
        assert digest_value(0.0) != digest_value(-0.0)

    def test_enum_members(self):
        """Enum members digest by class and name, not only by value."""
        assert digest_value(Color.RED) != digest_value(Color.GREEN)
        assert digest_value(Color.RED) != digest_value(1)

    def test_dict_subclass_differs_from_dict(self):
        """A dict subclass with the same items is a different value."""
        assert digest_value(MyDict(a=1)) != digest_value({"a": 1})

    def test_ordered_containers_keep_order(self):
        """Lists and tuples are order-sensitive."""
        assert digest_value([1, 2]) != digest_value([2, 1])
        assert digest_value((1, 2)) != digest_value((2, 1))

    def test_nesting_is_part_of_the_value(self):
        """[[1], 2] and [1, [2]] have the same leaves but differ."""
        assert digest_value([[1], 2]) != digest_value([1, [2]])

    def test_key_and_value_roles(self):
        """Swapping a dict's key and value changes the digest."""
        assert digest_value({"a": "b"}) != digest_value({"b": "a"})

    @given(nested_values, st.data())
    def test_changing_any_leaf(self, value, data):
        """Replacing any nested leaf by a different value changes the digest."""
        path = data.draw(st.sampled_from(_leaf_paths(value)))
        old = _get(value, path)
        new = data.draw(leaves.filter(lambda v: digest_value(v) != digest_value(old)))
        assert digest_value(value) != digest_value(_replace(value, path, new))


class TestUndigestable:
    def test_reference_cycle(self):
        """A self-containing list raises ArgumentDigestError instead of recursing."""
        cycle: list[Any] = [1]
        cycle.append(cycle)
        with pytest.raises(ArgumentDigestError, match="cycle"):
            digest_value(cycle, parameter="items")

    def test_too_deep(self):
        """Nesting deeper than the limit raises ArgumentDigestError."""
        deep: list[Any] = []
        for _ in range(300):
            deep = [deep]
        with pytest.raises(ArgumentDigestError, match="deeper"):
            digest_value(deep)

    def test_lock_names_the_parameter(self):
        """An unpicklable value raises a TypeError naming its parameter and type."""
        with pytest.raises(ArgumentDigestError) as info:
            digest_value({"lock": threading.Lock()}, parameter="options")
        assert "options" == info.value.parameter
        assert "_thread.lock" == info.value.type_name
        assert isinstance(info.value, TypeError)

    def test_shared_subvalues_are_not_cycles(self):
        """The same list used twice (a DAG, not a cycle) digests fine."""
        shared = [1, 2]
        assert digest_value([shared, shared]) == digest_value([[1, 2], [1, 2]])


class TestNumpyAndPandas:
    def test_arrays(self):
        """Arrays digest by dtype, shape and contents; views like contiguous copies."""
        np = pytest.importorskip("numpy")
        a = np.arange(12, dtype=np.int64).reshape(3, 4)
        assert digest_value(a) == digest_value(a.copy())
        assert digest_value(a) != digest_value(a.reshape(4, 3))
        assert digest_value(a) != digest_value(a.astype(np.int32))
        assert digest_value(a.T) == digest_value(np.ascontiguousarray(a.T))
        b = a.copy()
        b[2, 3] = -1
        assert digest_value(a) != digest_value(b)

    def test_object_arrays_and_scalars(self):
        """Object arrays digest by their items; numpy scalars by dtype and bytes."""
        np = pytest.importorskip("numpy")
        objects = np.array([{"a": 1}, "x"], dtype=object)
        assert digest_value(objects) == digest_value(
            np.array([{"a": 1}, "x"], dtype=object)
        )
        assert digest_value(np.float32(1)) != digest_value(np.float64(1))
        assert digest_value(np.float64(1)) != digest_value(1.0)
        assert digest_value(np.dtype("int8")) != digest_value(np.dtype("uint8"))

    def test_dataframes(self):
        """Equal data frames digest alike; a changed cell or column name differs."""
        pd = pytest.importorskip("pandas")
        frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
        assert digest_value(frame) == digest_value(frame.copy())
        changed = frame.copy()
        changed.loc[1, "a"] = 3
        assert digest_value(frame) != digest_value(changed)
        assert digest_value(frame) != digest_value(frame.rename(columns={"b": "c"}))
        assert digest_value(frame["a"]) != digest_value(frame["a"].rename("z"))


class TestDigestArguments:
    @given(
        st.tuples(small_values, small_values, small_values, small_values),
        st.integers(min_value=0, max_value=3),
    )
    def test_positional_and_keyword_binding(self, arguments, n_positional):
        """Passing parameters positionally or by keyword gives one digest."""
        a, b, c, d = arguments
        by_keyword = digest_arguments(
            SAMPLE_SIGNATURE, (), {"a": a, "b": b, "c": c, "d": d}
        )
        named = {"a": a, "b": b, "c": c}
        positional = tuple(named[n] for n in "abc"[:n_positional])
        rest = {n: named[n] for n in "abc"[n_positional:]}
        mixed = digest_arguments(SAMPLE_SIGNATURE, positional, {**rest, "d": d})
        assert by_keyword[0] == mixed[0]
        assert by_keyword[1] == mixed[1]

    def test_defaults_are_applied(self):
        """Omitting a parameter equals passing its default value."""
        expected = digest_arguments(SAMPLE_SIGNATURE, (1, 2), {"c": 3, "d": 4})[0]
        actual = digest_arguments(SAMPLE_SIGNATURE, (1, 2), {})[0]
        assert expected == actual

    @given(
        st.tuples(small_values, small_values, small_values, small_values),
        st.tuples(small_values, small_values, small_values, small_values),
        st.sets(st.sampled_from("abcd")),
    )
    def test_ignore_removes_exactly_the_named(self, first, second, ignored):
        """ignore= drops exactly the named parameters from the digest and records."""
        names = "abcd"
        kwargs = dict(zip(names, first, strict=True))
        digest, per_parameter, bound = digest_arguments(
            SAMPLE_SIGNATURE, (), kwargs, ignore=ignored
        )
        assert set(names) - ignored == set(per_parameter)
        assert set(names) - ignored == set(bound)
        # Changing ignored parameters alone never changes the digest.
        only_ignored = {
            n: (second[i] if n in ignored else first[i]) for i, n in enumerate(names)
        }
        assert (
            digest
            == digest_arguments(SAMPLE_SIGNATURE, (), only_ignored, ignore=ignored)[0]
        )
        # The remaining parameters keep the digests they have without ignore=.
        full = digest_arguments(SAMPLE_SIGNATURE, (), kwargs)[1]
        assert {n: full[n] for n in per_parameter} == per_parameter

    def test_ignored_change_of_kept_parameter(self):
        """Changing a parameter that is not ignored changes the digest."""
        before = digest_arguments(SAMPLE_SIGNATURE, (1, 2), {}, ignore={"b"})[0]
        after = digest_arguments(SAMPLE_SIGNATURE, (5, 2), {}, ignore={"b"})[0]
        assert before != after

    def test_swapping_values_between_parameters(self):
        """Moving values between parameters changes the digest."""
        assert (
            digest_arguments(SAMPLE_SIGNATURE, (1, 2), {})[0]
            != digest_arguments(SAMPLE_SIGNATURE, (2, 1), {})[0]
        )

    def test_per_parameter_digests_match_digest_value(self):
        """Each parameter's record is the digest of its value alone."""
        _, per_parameter, bound = digest_arguments(SAMPLE_SIGNATURE, ([1], "x"), {})
        assert {"a": [1], "b": "x", "c": 3, "d": 4} == bound
        assert digest_value([1], parameter="a") == per_parameter["a"]

    def test_bad_binding_is_a_plain_type_error(self):
        """Arguments that do not fit the signature raise TypeError, not a digest error."""
        with pytest.raises(TypeError) as info:
            digest_arguments(SAMPLE_SIGNATURE, (1,), {})
        assert not isinstance(info.value, ArgumentDigestError)

    def test_undigestable_argument_names_parameter(self):
        """An undigestable argument reports the parameter it was passed as."""
        with pytest.raises(ArgumentDigestError) as info:
            digest_arguments(SAMPLE_SIGNATURE, (1, threading.Lock()), {})
        assert "b" == info.value.parameter


class TestShortRepr:
    def test_truncated(self):
        """Long reprs are cut to the limit and end with an ellipsis."""
        actual = short_repr("x" * 1000, limit=50)
        assert 50 == len(actual)
        assert actual.endswith("...")

    def test_broken_repr(self):
        """A failing __repr__ is replaced by a placeholder."""
        assert "<BrokenRepr (repr failed)>" == short_repr(BrokenRepr())

    def test_arrays_are_summarized(self):
        """Objects with a shape start with their type, shape and dtype."""
        np = pytest.importorskip("numpy")
        actual = short_repr(np.zeros((2, 3)))
        assert actual.startswith("<ndarray shape=(2, 3) dtype=float64> ")
        assert "\n" not in actual

    def test_addresses_removed(self):
        """Memory addresses are dropped, so reprs are stable across runs."""
        assert "<object object>" == short_repr(object())


# -- cross-process stability ------------------------------------------------------

_STABLE_VALUES_SOURCE = """
import collections, enum
from decimal import Decimal
from fractions import Fraction

class Color(enum.Enum):
    RED = 1

VALUES = [
    None, True, False, 0, 1, -1, 2**100, 1.5, -0.0, float("inf"), float("nan"),
    "", "text", "ünïcødé", b"bytes", bytearray(b"ba"), complex(1, 2),
    [1, "a", None], (1, (2, (3,))), {"b": 1, "a": 2, "c": [3]},
    {"set", "of", "strings", "with", "many", "members"},
    frozenset({"x", "y", ("t", 1)}),
    {frozenset({"k1", "k2"}): {"nested": {"deeper", "set"}}},
    {("tuple", "key"): [1.0, 2.0]},
    collections.OrderedDict(z=1, a=2), Decimal("1.10"), Fraction(1, 3),
    Color.RED, range(3), slice(1, 2),
]
"""

_STABLE_SCRIPT = (
    _STABLE_VALUES_SOURCE
    + """
import json
from checkpointing._digest import digest_value
print(json.dumps([digest_value(v) for v in VALUES]))
"""
)


def _stable_values() -> list[Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(_STABLE_VALUES_SOURCE, "<stable-values>", "exec"), namespace)
    return namespace["VALUES"]


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_digests_are_stable_across_processes(seed, tmp_path):
    """Digests computed under another PYTHONHASHSEED equal the in-process ones."""
    expected = [digest_value(v) for v in _stable_values()]
    env = {**os.environ, "PYTHONHASHSEED": seed}
    completed = subprocess.run(
        [sys.executable, "-c", _STABLE_SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    actual = json.loads(completed.stdout)
    assert expected == actual


def test_stable_values_are_all_distinct():
    """The cross-process corpus has no two values with one digest."""
    digests = [digest_value(v) for v in _stable_values()]
    assert len(digests) == len(set(digests))


def test_ordered_dict_is_not_a_dict():
    """An OrderedDict is tagged with its class, so it differs from a plain dict."""
    assert digest_value(collections.OrderedDict(a=1)) != digest_value({"a": 1})
