"""Tests for checkpointing.digest."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import collections
import copy
import dataclasses
import datetime
import decimal
import enum
import fractions
import functools
import inspect
import io
import json
import math
import os
import pathlib
import pickle
import re
import socket
import struct
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xxhash
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import checkpointing
from checkpointing import ArgumentDigestError, register_digest
from checkpointing.digest import (
    DIGEST_HEX_LENGTH,
    _arguments,
    _arrow,
    _dispatch,
    _encoder,
    _libraries,
    _numpy,
    _torch,
    digest_arguments,
    digest_bytes,
    digest_value,
    short_repr,
)

from .strategies import (
    SAMPLE_SIGNATURE,
    Colour,
    Coordinate,
    Pair,
    hashable_values,
    leaves,
    nested_values,
    numpy_arrays,
    rich_values,
    small_values,
    values,
)

REPOSITORY = Path(__file__).resolve().parent.parent


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


class Opaque:
    """A class without a hook, holding something undigestable."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lock = threading.Lock()


class OpaqueChild(Opaque):
    pass


class MyDict(dict):
    pass


class Shouting(str):
    def __str__(self) -> str:
        return self.upper()


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def module_function(x, scale=2):
    return x * scale


def other_function(x, scale=2):
    return x * scale


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


@pytest.fixture
def registry():
    """Restore the register_digest() registry after the test."""
    saved = dict(_dispatch._REGISTRY)
    yield
    _dispatch._REGISTRY.clear()
    _dispatch._REGISTRY.update(saved)
    _dispatch._refresh_exact()


@pytest.fixture
def small_blocks(monkeypatch):
    """Copy non-contiguous arrays in 64-byte blocks and inline nothing (block logic)."""
    monkeypatch.setattr(_numpy, "_BLOCK_BYTES", 64)
    monkeypatch.setattr(_torch, "_BLOCK_BYTES", 64)
    monkeypatch.setattr(_torch, "_DEVICE_BLOCK_BYTES", 64)
    monkeypatch.setattr(_arrow, "_LENGTH_BLOCK", 2)
    monkeypatch.setattr(_encoder, "_INLINE_BYTES", 0)
    monkeypatch.setattr(_numpy, "_INLINE_BYTES", 0)


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


class TestEncodingLayout:
    """The byte layouts documented in docs/how-it-works.md, spelled out."""

    @staticmethod
    def _hash(data: bytes) -> str:
        return xxhash.xxh3_128_hexdigest(data)

    def test_scalars(self):
        """None, bools, ints, floats, str and bytes follow the documented layout."""
        u64 = struct.Struct("<Q").pack
        assert self._hash(b"N") == digest_value(None)
        assert self._hash(b"T") == digest_value(True)
        assert self._hash(b"i" + struct.pack("<q", -5)) == digest_value(-5)
        big = 2**64
        data = big.to_bytes(9, "little", signed=True)
        assert self._hash(b"I" + u64(9) + data) == digest_value(big)
        assert self._hash(b"f" + struct.pack("<d", 1.5)) == digest_value(1.5)
        assert self._hash(b"s" + u64(2) + b"\xc3\xa9") == digest_value("é")
        assert self._hash(b"b" + u64(1) + b"x") == digest_value(b"x")
        large = bytes(range(256)) * 100  # hashed in place, same layout
        assert self._hash(b"b" + u64(len(large)) + large) == digest_value(large)
        assert digest_value([large]) != digest_value([large[:-1] + b"!"])

    def test_containers(self):
        """Lists are tag, count, items; dicts sort items by their key's digest."""
        u64 = struct.Struct("<Q").pack
        one = b"i" + struct.pack("<q", 1)
        assert self._hash(b"l" + u64(2) + one + b"N") == digest_value([1, None])
        keys = sorted(
            (xxhash.xxh3_128_digest(b"s" + u64(1) + k), k) for k in (b"a", b"b")
        )
        body = b"".join(digest + (one if key == b"a" else b"N") for digest, key in keys)
        assert self._hash(b"d" + u64(2) + body) == digest_value({"b": None, "a": 1})

    def test_numpy_array(self):
        """A contiguous array is kind, dtype, shape, byte count, then its buffer."""
        np = pytest.importorskip("numpy")
        u64 = struct.Struct("<Q").pack
        array = np.arange(6, dtype="<i4").reshape(2, 3)
        expected = (
            b"X" + u64(13) + b"numpy.ndarray"
            + b"a" + u64(3) + b"<i4"
            + u64(2) + u64(2) + u64(3)
            + u64(24) + array.tobytes()
        )  # fmt: skip
        assert self._hash(expected) == digest_value(array)


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

    @settings(max_examples=100)
    @given(rich_values)
    def test_pickle_round_trip(self, value):
        """A value rebuilt from its pickle (new objects, new hash order) digests alike."""
        assert digest_value(value) == digest_value(pickle.loads(pickle.dumps(value)))

    @given(st.dictionaries(hashable_values, small_values, max_size=6), st.randoms())
    def test_dict_insertion_order(self, mapping, random):
        """
        A dict's order is part of its identity (``list(d)`` sees it).

        Built again in the same order it digests alike; in another order, it
        digests differently (issue 12: equal dicts in another order gave the
        first one's result to code that iterates).
        """
        items = list(mapping.items())
        assert digest_value(mapping) == digest_value(dict(items))
        random.shuffle(items)
        reordered = dict(items)
        if list(reordered) == list(mapping):
            assert digest_value(mapping) == digest_value(reordered)
        else:
            assert digest_value(mapping) != digest_value(reordered)

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
        """Every NaN bit pattern of a Python float digests as the same value."""
        other_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000001))[0]
        assert math.isnan(other_nan)
        assert digest_value(math.nan) == digest_value(other_nan)
        assert digest_value(complex(math.nan, 1)) == digest_value(complex(other_nan, 1))

    def test_dataclass_instances_by_state(self):
        """Two equal dataclass instances digest alike, unequal ones differ."""
        assert digest_value(Point(1, 2)) == digest_value(Point(1, 2))
        assert digest_value(Point(1, 2)) != digest_value(Point(2, 1))

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

    def test_builtin_methods_by_their_object(self):
        """Builtin bound methods of two different objects differ."""
        assert digest_value({"a": 1}.get) == digest_value({"a": 1}.get)
        assert digest_value({"a": 1}.get) != digest_value({"a": 2}.get)
        assert digest_value(len) == digest_value(len)

    def test_modules_and_empty_cells(self):
        """Modules digest by name; a closure over a not-yet-bound name digests as None."""
        assert digest_value(math) != digest_value(json)
        assert digest_value(math) == digest_value(sys.modules["math"])

        def outer():
            def inner():
                return later

            first = digest_value(inner)
            later = 1
            return first, digest_value(inner)

        unbound, bound = outer()
        assert unbound != bound

    def test_partial(self):
        """functools.partial objects digest by function and bound arguments."""
        first = functools.partial(module_function, scale=3)
        assert digest_value(first) == digest_value(
            functools.partial(module_function, scale=3)
        )
        assert digest_value(first) != digest_value(
            functools.partial(module_function, scale=4)
        )


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
            memoryview(b"1"),
            complex(1, 0),
            Level.LOW,
            None,
            0,
            False,
            "",
            b"",
            decimal.Decimal(1),
            fractions.Fraction(1),
            datetime.timedelta(1),
            pathlib.PurePosixPath("1"),
        ]
        digests = [digest_value(v) for v in candidates]
        assert len(candidates) == len(set(digests))

    def test_signed_zero(self):
        """-0.0 and 0.0 are different floats for a key."""
        assert digest_value(0.0) != digest_value(-0.0)
        assert digest_value(complex(0.0, 1)) != digest_value(complex(-0.0, 1))

    def test_integer_boundaries(self):
        """Ints around the 64-bit layout boundary, and huge ones, all differ."""
        candidates = [2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**5000, 10**5000 + 1]
        assert len(candidates) == len({digest_value(v) for v in candidates})

    def test_enum_members(self):
        """Enum members digest by class and name, not only by value."""
        assert digest_value(Color.RED) != digest_value(Color.GREEN)
        assert digest_value(Color.RED) != digest_value(1)

    def test_dict_subclass_differs_from_dict(self):
        """A dict subclass with the same items is a different value."""
        assert digest_value(MyDict(a=1)) != digest_value({"a": 1})

    def test_str_subclass_uses_the_characters(self):
        """A str subclass is digested by its characters, not by its __str__."""
        assert digest_value(Shouting("ab")) == digest_value(Shouting("ab"))
        assert digest_value(Shouting("ab")) != digest_value(Shouting("AB"))

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

    @settings(max_examples=100)
    @given(rich_values, rich_values)
    def test_digest_equality_follows_value_equality(self, first, second):
        """Two values with one digest are equal (no collisions between encodings)."""
        assume(not _has_nan(first) and not _has_nan(second))
        if digest_value(first) == digest_value(second):
            assert first == second
            assert type(first) is type(second)

    def test_long_lists_flush_in_slices(self):
        """Lists longer than one flush slice digest consistently and by content."""
        long = list(range(10_000))
        changed = [*long[:-1], -1]
        assert digest_value(long) == digest_value(list(range(10_000)))
        assert digest_value(long) != digest_value(changed)
        nested = [[i] for i in range(10_000)]
        assert digest_value(nested) == digest_value([[i] for i in range(10_000)])


def _has_nan(value: Any) -> bool:
    """NaN != NaN, so NaN-holding values are left out of equality properties."""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, complex):
        return math.isnan(value.real) or math.isnan(value.imag)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, (list, tuple, frozenset)):
        return any(_has_nan(v) for v in value)
    if isinstance(value, Pair):
        return _has_nan(value.left) or _has_nan(value.right)
    return False


class TestStandardLibrary:
    def test_datetimes(self):
        """datetime values digest by fields, fold and time zone."""
        naive = datetime.datetime(2024, 3, 1, 12, 30, 5, 7)
        utc = naive.replace(tzinfo=datetime.timezone.utc)
        assert digest_value(naive) == digest_value(
            datetime.datetime(2024, 3, 1, 12, 30, 5, 7)
        )
        assert digest_value(naive) != digest_value(utc)
        assert digest_value(naive) != digest_value(naive.replace(fold=1))
        assert digest_value(naive) != digest_value(naive.date())
        assert digest_value(naive.time()) != digest_value(
            naive.timetz().replace(fold=1)
        )
        assert digest_value(datetime.timedelta(days=1)) != digest_value(
            datetime.timedelta(seconds=86_399)
        )

    def test_decimal_keeps_its_exponent(self):
        """Decimal("1.10") and Decimal("1.1") are equal numbers but differ here."""
        assert digest_value(decimal.Decimal("1.10")) != digest_value(
            decimal.Decimal("1.1")
        )
        assert digest_value(decimal.Decimal("1.1")) == digest_value(
            decimal.Decimal("1.1")
        )

    def test_uuid_by_its_bits(self):
        """A UUID digests by its 128 bits only."""
        value = uuid.UUID(int=12345)
        unsafe = uuid.UUID(int=12345, is_safe=uuid.SafeUUID.unsafe)
        assert digest_value(value) == digest_value(unsafe)
        assert digest_value(value) != digest_value(uuid.UUID(int=12346))

    def test_paths(self):
        """Paths digest by their normalized text and their class."""
        assert digest_value(Path("a/b")) == digest_value(Path("a//b/"))
        assert digest_value(Path("a")) != digest_value(pathlib.PurePosixPath("a"))
        assert digest_value(Path("a")) != digest_value("a")

    def test_ordered_dict_order_matters(self):
        """OrderedDicts in another order are unequal, so they digest differently."""
        first = collections.OrderedDict([("a", 1), ("b", 2)])
        second = collections.OrderedDict([("b", 2), ("a", 1)])
        assert digest_value(first) != digest_value(second)
        assert digest_value(first) == digest_value(
            collections.OrderedDict([("a", 1), ("b", 2)])
        )
        assert digest_value(first) != digest_value(dict(first))

    def test_defaultdict_factory(self):
        """A defaultdict digests its factory and its items, in their order."""
        first = collections.defaultdict(list, a=1, b=2)
        assert digest_value(first) == digest_value(
            collections.defaultdict(list, a=1, b=2)
        )
        assert digest_value(first) != digest_value(
            collections.defaultdict(list, b=2, a=1)
        )
        assert digest_value(first) != digest_value(
            collections.defaultdict(int, a=1, b=2)
        )
        assert digest_value(first) != digest_value({"a": 1, "b": 2})

    def test_mapping_subclasses(self):
        """Subclasses of OrderedDict and defaultdict are tagged with their class."""

        class Ordered(collections.OrderedDict):
            pass

        class Default(collections.defaultdict):
            pass

        assert digest_value(Ordered(a=1)) != digest_value(collections.OrderedDict(a=1))
        assert digest_value(Ordered(a=1)) == digest_value(Ordered(a=1))
        assert digest_value(Default(int, a=1)) != digest_value(
            collections.defaultdict(int, a=1)
        )

    def test_large_dicts(self):
        """Dicts larger than one flush slice digest by content and order."""
        big = {f"k{i}": i for i in range(5000)}
        assert digest_value(big) == digest_value(dict(list(big.items())))
        assert digest_value(big) != digest_value(dict(reversed(list(big.items()))))
        assert digest_value(big) != digest_value({**big, "k0": -1})

    def test_counter_keeps_order(self):
        """A Counter keeps its order (``most_common`` breaks ties by it); not a dict."""
        assert digest_value(collections.Counter("abca")) == digest_value(
            collections.Counter("abac")
        )
        assert digest_value(collections.Counter("abca")) != digest_value(
            collections.Counter("acab")
        )
        assert digest_value(collections.Counter("ab")) != digest_value({"a": 1, "b": 1})

    def test_buffers(self):
        """bytearray, memoryview and PickleBuffer digest their bytes and layout."""
        assert digest_value(bytearray(b"ab")) != digest_value(b"ab")
        ints = memoryview(struct.pack("<4i", 1, 2, 3, 4)).cast("i")
        assert digest_value(ints) != digest_value(memoryview(ints.tobytes()))
        assert digest_value(ints[::2]) == digest_value(
            memoryview(ints[::2].tobytes()).cast("i")
        )
        strided = pickle.PickleBuffer(memoryview(b"abcd")[::2])
        assert digest_value(strided) == digest_value(pickle.PickleBuffer(b"ac"))
        buffer = pickle.PickleBuffer(bytearray(b"xyz"))
        assert digest_value(buffer) == digest_value(pickle.PickleBuffer(b"xyz"))
        assert digest_value(buffer) != digest_value(pickle.PickleBuffer(b"xyw"))

    def test_reduce_fallback_types(self):
        """Fractions, ranges, slices and compiled patterns digest by content."""
        for first, second in [
            (fractions.Fraction(1, 3), fractions.Fraction(2, 3)),
            (range(3), range(4)),
            (slice(1, 2), slice(1, 3)),
            (re.compile("a+"), re.compile("a*")),
        ]:
            assert digest_value(first) == digest_value(copy.deepcopy(first))
            assert digest_value(first) != digest_value(second)


class TestRecords:
    def test_frozen_slotted_dataclass(self):
        """Frozen and slotted dataclasses digest by their fields."""

        @dataclass(frozen=True, slots=True)
        class Frozen:
            a: int
            b: tuple[int, ...]

        assert digest_value(Frozen(1, (2,))) == digest_value(Frozen(1, (2,)))
        assert digest_value(Frozen(1, (2,))) != digest_value(Frozen(1, (3,)))

    def test_attrs_classes(self):
        """attrs classes, slotted or not, digest by their attributes."""
        attrs = pytest.importorskip("attrs")

        @attrs.define
        class Slotted:
            a: int
            b: dict[str, int]

        @attrs.define(slots=False)
        class Plain:
            a: int

        assert digest_value(Slotted(1, {"x": 1})) == digest_value(Slotted(1, {"x": 1}))
        assert digest_value(Slotted(1, {"x": 1})) != digest_value(Slotted(1, {"x": 2}))
        assert digest_value(Plain(1)) != digest_value(Plain(2))

    def test_pydantic_models(self):
        """pydantic models digest by fields, extras and which fields were set."""
        pydantic = pytest.importorskip("pydantic")

        class Inner(pydantic.BaseModel):
            depth: int

        class Config(pydantic.BaseModel):
            rate: float
            layers: list[int] = []  # noqa: RUF012 - pydantic copies defaults
            inner: Inner = Inner(depth=1)

        assert digest_value(Config(rate=0.1)) == digest_value(Config(rate=0.1))
        # Equal for ==, but model_dump(exclude_unset=True) tells them apart.
        assert Config(rate=0.1) == Config(rate=0.1, layers=[])
        assert digest_value(Config(rate=0.1)) != digest_value(
            Config(rate=0.1, layers=[])
        )
        assert digest_value(Config(rate=0.1)) != digest_value(Config(rate=0.2))
        assert digest_value(Config(rate=0.1)) != digest_value(
            Config(rate=0.1, inner=Inner(depth=2))
        )

    def test_namedtuples(self):
        """A namedtuple is its class plus its items: unlike a plain tuple."""
        assert digest_value(Coordinate(1, 2)) == digest_value(Coordinate(1, 2))
        assert digest_value(Coordinate(1, 2)) != digest_value((1, 2))
        assert digest_value(Coordinate(1, 2)) != digest_value(Coordinate(2, 1))


class TestCustomDigests:
    def test_digest_hook(self):
        """__checkpoint_digest__ replaces the object's state in the digest."""
        assert digest_value(Tagged("a", object())) == digest_value(Tagged("a", 1))
        assert digest_value(Tagged("a", 1)) != digest_value(Tagged("b", 1))
        assert digest_value(Tagged("a", 1)) != digest_value("a")

    @pytest.mark.usefixtures("registry")
    def test_register_digest(self):
        """A registered function digests instances of the class and its subclasses."""
        with pytest.raises(ArgumentDigestError):
            digest_value(Opaque("a"))
        register_digest(Opaque, lambda value: value.name)
        assert digest_value(Opaque("a")) == digest_value(Opaque("a"))
        assert digest_value(Opaque("a")) != digest_value(Opaque("b"))
        assert digest_value(OpaqueChild("a")) != digest_value(Opaque("a"))
        register_digest(OpaqueChild, lambda value: value.name.upper())
        assert digest_value(OpaqueChild("a")) == digest_value(OpaqueChild("A"))
        assert digest_value(Opaque("a")) != digest_value(Opaque("A"))
        register_digest(Opaque, None)
        with pytest.raises(ArgumentDigestError):
            digest_value(Opaque("a"))

    @pytest.mark.usefixtures("registry")
    def test_hook_wins_over_registration(self):
        """A __checkpoint_digest__ method takes precedence over register_digest."""
        register_digest(Tagged, lambda value: "registered")
        assert digest_value(Tagged("a", 1)) != digest_value(Tagged("b", 1))

    @pytest.mark.usefixtures("registry")
    def test_registration_wins_over_fast_paths(self):
        """register_digest can replace a library fast path (numpy here)."""
        np = pytest.importorskip("numpy")

        class Tolerant(np.ndarray):
            pass

        first = np.array([1.0, 2.0]).view(Tolerant)
        second = np.array([1.0, 2.0000001]).view(Tolerant)
        assert digest_value(first) != digest_value(second)
        register_digest(Tolerant, lambda array: np.round(array.view(np.ndarray), 3))
        assert digest_value(first) == digest_value(second)

    @pytest.mark.usefixtures("registry")
    def test_registration_replaces_standard_library_rules(self):
        """Registering a standard-library type (or a base) replaces its encoding."""
        when = datetime.datetime(2024, 1, 1, 12)
        later = datetime.datetime(2024, 1, 1, 13)
        assert digest_value(when) != digest_value(later)
        register_digest(datetime.datetime, lambda value: value.date())
        assert digest_value(when) == digest_value(later)
        register_digest(datetime.datetime, None)
        assert digest_value(when) != digest_value(later)
        register_digest(datetime.date, lambda value: value.year)
        assert digest_value(when) == digest_value(datetime.datetime(2024, 6, 1))
        assert digest_value([1.5, {"a": None}]) == digest_value([1.5, {"a": None}])

    def test_register_digest_is_public(self):
        """register_digest is exported and documented with its errors."""
        assert checkpointing.register_digest is register_digest
        assert "Raises:" in (register_digest.__doc__ or "")

    @pytest.mark.parametrize("cls", [int, str, list, dict, type(None), bytes, tuple])
    def test_native_types_cannot_be_replaced(self, cls):
        """Registering a digest for a natively encoded type raises TypeError."""
        with pytest.raises(TypeError, match="natively"):
            register_digest(cls, repr)

    def test_bad_registrations(self):
        """Non-classes and non-callables are refused."""
        with pytest.raises(TypeError, match="class"):
            register_digest("Opaque", repr)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="other than object"):
            register_digest(object, repr)
        with pytest.raises(TypeError, match="callable"):
            register_digest(Opaque, "name")  # type: ignore[arg-type]

    @pytest.mark.usefixtures("registry")
    def test_failing_function(self):
        """A registered function that raises makes the value undigestable."""

        def broken(value):
            raise KeyError("missing")

        register_digest(Opaque, broken)
        with pytest.raises(ArgumentDigestError, match="KeyError") as info:
            digest_value(Opaque("a"), parameter="resource")
        assert isinstance(info.value.__cause__, KeyError)


class TestUndigestable:
    def test_reference_cycle(self):
        """A self-containing list raises ArgumentDigestError instead of recursing."""
        cycle: list[Any] = [1]
        cycle.append(cycle)
        with pytest.raises(ArgumentDigestError, match="cycle"):
            digest_value(cycle, parameter="items")

    def test_cycle_through_an_object(self):
        """A cycle through an object's attributes is detected too."""
        point = Point(1, 2)
        point.x = [point]  # type: ignore[assignment]
        with pytest.raises(ArgumentDigestError, match="cycle"):
            digest_value(point)

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

    def test_message_says_where_and_what_to_do(self):
        """The message names the path inside the argument and the three remedies."""
        value = {"config": [1, Opaque("x")]}
        with pytest.raises(ArgumentDigestError) as info:
            digest_value(value, parameter="options")
        message = str(info.value)
        assert "at options['config'][1].lock" in message
        assert "pass 'options' in ignore=" in message
        assert "__checkpoint_digest__" in message
        assert "checkpointing.register_digest(lock, fn)" in message

    def test_no_ignore_advice_for_globals(self):
        """Values named like globals get no ignore= advice (it takes parameter names)."""
        with pytest.raises(ArgumentDigestError) as info:
            digest_value(threading.Lock(), parameter="global:pipeline:LOCK")
        assert "ignore=" not in str(info.value)
        assert "register_digest(lock, fn)" in str(info.value)

    @pytest.mark.parametrize(
        "make",
        [
            pytest.param(lambda tmp: (tmp / "f.txt").open("w"), id="open file"),
            pytest.param(lambda tmp: threading.Lock(), id="lock"),
            pytest.param(lambda tmp: threading.RLock(), id="rlock"),
            pytest.param(lambda tmp: (i for i in range(3)), id="generator"),
            pytest.param(lambda tmp: socket.socket(), id="socket"),
            pytest.param(
                lambda tmp: io.BytesIO(b"x").getbuffer(), id="exported buffer"
            ),
        ],
    )
    def test_resources_raise(self, make, tmp_path):
        """Files, locks, generators and sockets cannot be digested."""
        resource = make(tmp_path)
        try:
            if isinstance(resource, memoryview):  # a buffer digests fine
                assert DIGEST_HEX_LENGTH == len(digest_value(resource))
                return
            with pytest.raises(ArgumentDigestError) as info:
                digest_value([resource], parameter="handle")
            assert "handle" == info.value.parameter
            assert "at handle[0]" in str(info.value)
        finally:
            close = getattr(resource, "close", None)
            if close is not None and not isinstance(resource, memoryview):
                close()

    def test_failing_conversion_is_reported(self):
        """An exception while encoding becomes ArgumentDigestError, with its cause."""

        class Exploding(list):
            def __iter__(self):
                raise RuntimeError("boom")

        with pytest.raises(ArgumentDigestError, match="RuntimeError: boom") as info:
            digest_value([Exploding([1])], parameter="p")
        assert isinstance(info.value.__cause__, RuntimeError)
        assert "at p[0]" in str(info.value)

    def test_unhashable_reduce_result(self):
        """A __reduce_ex__ that returns nonsense is reported, not trusted."""

        class Weird:
            def __reduce_ex__(self, protocol):
                return 42

        with pytest.raises(ArgumentDigestError, match="__reduce_ex__ returned 42"):
            digest_value(Weird())

    def test_bad_dict_key_and_set_member(self):
        """Undigestable dict keys and set members are located in the message."""

        class Key:
            def __init__(self) -> None:
                self.lock = threading.Lock()

            def __hash__(self) -> int:
                return 1

        with pytest.raises(ArgumentDigestError, match=r"at x\[<key "):
            digest_value({Key(): 1}, parameter="x")
        with pytest.raises(ArgumentDigestError, match=r"at x\[<member "):
            digest_value({Key()}, parameter="x")

    def test_shared_subvalues_are_not_cycles(self):
        """The same list used twice (a DAG, not a cycle) digests fine."""
        shared = [1, 2]
        assert digest_value([shared, shared]) == digest_value([[1, 2], [1, 2]])


class TestNumpy:
    np = pytest.importorskip("numpy")

    def test_arrays(self):
        """Arrays digest by dtype, shape and contents; views like contiguous copies."""
        np = self.np
        a = np.arange(12, dtype=np.int64).reshape(3, 4)
        assert digest_value(a) == digest_value(a.copy())
        assert digest_value(a) != digest_value(a.reshape(4, 3))
        assert digest_value(a) != digest_value(a.astype(np.int32))
        assert digest_value(a.T) == digest_value(np.ascontiguousarray(a.T))
        assert digest_value(a) == digest_value(np.asfortranarray(a))
        b = a.copy()
        b[2, 3] = -1
        assert digest_value(a) != digest_value(b)

    def test_byte_order_counts(self):
        """The same numbers in the other byte order are another dtype."""
        np = self.np
        a = np.arange(4, dtype="<f8")
        assert digest_value(a) != digest_value(a.astype(">f8"))

    @settings(max_examples=60)
    @given(st.data())
    def test_views_equal_contiguous_copies(self, data):
        """Any strided, reversed or transposed view digests like its C-ordered copy."""
        np = self.np
        array = data.draw(numpy_arrays(max_dims=3))
        view = array
        if array.ndim:
            steps = data.draw(
                st.lists(
                    st.sampled_from([1, 2, -1, -2]),
                    min_size=array.ndim,
                    max_size=array.ndim,
                )
            )
            view = array[tuple(slice(None, None, step) for step in steps)]
            view = view.transpose(data.draw(st.permutations(range(array.ndim))))
        # np.array, not np.ascontiguousarray: the latter makes 0-d arrays 1-d.
        assert digest_value(view) == digest_value(np.array(view, order="C"))
        assert digest_value(view) == digest_value(np.array(view, order="F"))

    @pytest.mark.usefixtures("small_blocks")
    def test_block_copies(self):
        """Views whose rows are larger or smaller than a block digest like copies."""
        np = self.np
        a = np.arange(600, dtype=np.float64).reshape(6, 10, 10)
        for view in (a.T, a[:, ::3], a[::-1, :, ::2], a.transpose(1, 0, 2)):
            assert digest_value(view) == digest_value(view.copy())
        assert digest_value(np.zeros((0, 3))[:, ::2]) == digest_value(np.zeros((0, 2)))

    @settings(max_examples=60)
    @given(numpy_arrays(max_dims=2), st.data())
    def test_changing_any_byte(self, array, data):
        """Changing any byte of any element changes the digest (raw bits count)."""
        np = self.np
        assume(array.nbytes > 0)
        changed = array.copy()
        raw = changed.reshape(-1).view(np.uint8)
        position = data.draw(st.integers(0, raw.size - 1))
        raw[position] ^= data.draw(st.integers(1, 255))
        assert digest_value(array) != digest_value(changed)

    def test_nan_bits_count_in_arrays(self):
        """Arrays hash raw bits: NaNs with another sign differ (documented)."""
        np = self.np
        assert digest_value(np.array([np.nan])) == digest_value(np.array([np.nan]))
        assert digest_value(np.array([np.nan])) != digest_value(np.array([-np.nan]))
        assert digest_value(np.array([0.0])) != digest_value(np.array([-0.0]))

    def test_structured_arrays_ignore_layout(self):
        """Structured arrays digest by field names and values, not offsets or padding."""
        np = self.np
        fields = [("x", "i4"), ("y", "f8")]
        aligned = np.zeros(3, dtype=np.dtype(fields, align=True))
        packed = np.zeros(3, dtype=np.dtype(fields))
        for array in (aligned, packed):
            array["x"] = [1, 2, 3]
            array["y"] = [0.5, 1.5, 2.5]
        assert digest_value(aligned) == digest_value(packed)
        raw = aligned.view(np.uint8).copy()
        raw[4:8] = 0xAB  # padding between x and y
        assert digest_value(aligned) == digest_value(raw.view(aligned.dtype))
        renamed = packed.copy().view(np.dtype([("x", "i4"), ("z", "f8")]))
        assert digest_value(packed) != digest_value(renamed)
        packed["y"][1] = 9
        assert digest_value(aligned) != digest_value(packed)

    def test_object_arrays(self):
        """Object arrays digest item by item, strings in bulk, without ambiguity."""
        np = self.np

        def objects(*items):
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array

        mixed = objects("a", None, 3, {"k": [1]}, "b")
        assert digest_value(mixed) == digest_value(
            objects("a", None, 3, {"k": [1]}, "b")
        )
        assert digest_value(mixed) != digest_value(
            objects("a", None, 3, {"k": [2]}, "b")
        )
        assert digest_value(objects("ab")) != digest_value(objects("a", "b"))
        assert digest_value(objects("a\x00", "")) != digest_value(objects("a", "\x00"))
        assert digest_value(objects("a\x00b", "c")) == digest_value(
            objects("a\x00b", "c")
        )
        assert digest_value(objects("1")) != digest_value(objects(1))
        assert digest_value(objects("a", "b")) != digest_value(
            objects("a", Shouting("b"))
        )
        assert digest_value(objects()) == digest_value(objects())
        assert digest_value(objects("x").reshape(1, 1)) != digest_value(objects("x"))

    def test_string_dtype(self):
        """numpy 2 StringDType arrays digest by their strings."""
        np = self.np
        dtypes = getattr(np, "dtypes", None)
        if dtypes is None or not hasattr(dtypes, "StringDType"):
            pytest.skip("numpy without StringDType")
        strings = np.array(["x", "yy"], dtype=dtypes.StringDType())
        assert digest_value(strings) == digest_value(strings.copy())
        assert digest_value(strings) != digest_value(
            np.array(["x", "yz"], dtype=dtypes.StringDType())
        )
        assert digest_value(strings) != digest_value(strings.astype(object))

    def test_subclasses(self, tmp_path):
        """Masked arrays keep their mask, memmaps are their data, subclasses their state."""
        np = self.np
        masked = np.ma.array([1, 2, 3], mask=[0, 1, 0])
        assert digest_value(masked) == digest_value(
            np.ma.array([1, 2, 3], mask=[0, 1, 0])
        )
        assert digest_value(masked) != digest_value(
            np.ma.array([1, 2, 3], mask=[0, 0, 1])
        )
        assert digest_value(masked) != digest_value(masked.data)
        mapped = np.memmap(tmp_path / "a.bin", dtype=np.int32, mode="w+", shape=(3,))
        mapped[:] = [1, 2, 3]
        assert digest_value(mapped) == digest_value(np.array([1, 2, 3], dtype=np.int32))
        del mapped

        class WithUnit(np.ndarray):
            pass

        metres = np.arange(3.0).view(WithUnit)
        metres.unit = "m"  # type: ignore[attr-defined]
        feet = np.arange(3.0).view(WithUnit)
        feet.unit = "ft"  # type: ignore[attr-defined]
        assert digest_value(metres) != digest_value(feet)
        assert digest_value(metres) != digest_value(np.arange(3.0))
        with pytest.warns(PendingDeprecationWarning):
            matrix = np.matrix([[1, 2]])
        assert digest_value(matrix) != digest_value(np.array([[1, 2]]))

    def test_string_dtype_as_value(self):
        """A StringDType dtype, as a value, digests by its description."""
        np = self.np
        dtypes = getattr(np, "dtypes", None)
        if dtypes is None or not hasattr(dtypes, "StringDType"):
            pytest.skip("numpy without StringDType")
        assert digest_value(dtypes.StringDType()) == digest_value(dtypes.StringDType())
        assert digest_value(dtypes.StringDType()) != digest_value(
            dtypes.StringDType(na_object=None)
        )

    def test_scalars_and_dtypes(self):
        """numpy scalars digest by type and bytes; dtypes by their description."""
        np = self.np
        assert digest_value(np.float32(1)) != digest_value(np.float64(1))
        assert digest_value(np.float64(1)) != digest_value(1.0)
        assert digest_value(np.float64(1)) != digest_value(np.array(1.0))
        assert digest_value(np.dtype("int8")) != digest_value(np.dtype("uint8"))
        assert digest_value(np.dtype([("a", "i4")])) != digest_value(
            np.dtype([("b", "i4")])
        )
        assert digest_value(np.datetime64("2020-01-01", "D")) != digest_value(
            np.datetime64("2020-01-01", "s")
        )

    def test_zero_size_and_zero_dim(self):
        """Empty arrays differ by shape; 0-d arrays differ from 1-element arrays."""
        np = self.np
        assert digest_value(np.zeros((0, 3))) != digest_value(np.zeros((3, 0)))
        assert digest_value(np.array(1.0)) != digest_value(np.array([1.0]))
        assert digest_value(np.zeros((0, 3))[:, ::2]) == digest_value(np.zeros((0, 2)))

    def test_large_arrays_are_not_copied(self):
        """A contiguous 8 MB array is hashed in place (no allocation of its size)."""
        np = self.np
        import tracemalloc

        array = np.ones(1_000_000)
        tracemalloc.start()
        try:
            digest_value(array)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 64 * 1024


class TestPandas:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")

    def _data(self) -> dict[str, Any]:
        pd, np = self.pd, self.np
        n = 6
        return {
            "int": np.arange(n),
            "float": np.arange(n) * 1.5,
            "str": [f"s{i}" for i in range(n)],
            "object": pd.Series([f"o{i}" for i in range(n)], dtype=object),
            "category": pd.Categorical(["u", "v"] * 3),
            "when": pd.date_range("2020-01-01", periods=n, tz="UTC"),
            "naive": pd.date_range("2020-01-01", periods=n),
            "nullable": pd.array([1, None] * 3, dtype="Int64"),
        }

    def test_frames_built_differently(self):
        """Dict, column-by-column, copy, consolidation, concat and 2-D builds agree."""
        pd = self.pd
        data = self._data()
        expected = digest_value(pd.DataFrame(data))
        by_column = pd.DataFrame()
        for name, column in data.items():
            by_column[name] = column
        assert expected == digest_value(by_column)
        consolidated = pd.DataFrame(data).copy()
        consolidated._consolidate_inplace()
        assert expected == digest_value(consolidated)
        frame = pd.DataFrame(data)
        assert expected == digest_value(pd.concat([frame.iloc[:2], frame.iloc[2:]]))
        numbers = frame[["int", "float"]].astype("float64")
        from_2d = pd.DataFrame(numbers.to_numpy(), columns=["int", "float"])
        assert digest_value(numbers) == digest_value(from_2d)

    @settings(max_examples=40)
    @given(st.data())
    def test_frames_property(self, data):
        """Random frames: rebuilt by pieces digests alike; any changed cell differs."""
        pd = self.pd
        rows = data.draw(st.integers(1, 6))
        cells = {
            "int": st.integers(-(2**40), 2**40),
            "float": st.floats(allow_nan=False),
            "str": st.text(max_size=4),
            "category": st.sampled_from(["a", "b", "c"]),
        }
        columns = {
            name: data.draw(st.lists(cell, min_size=rows, max_size=rows))
            for name, cell in cells.items()
        }

        def build(columns):
            frame = pd.DataFrame(
                {name: columns[name] for name in ("int", "float", "str")}
            )
            frame["category"] = pd.Categorical(columns["category"])
            return frame

        frame = build(columns)
        split = data.draw(st.integers(0, rows))
        assert digest_value(frame) == digest_value(
            pd.concat([frame.iloc[:split], frame.iloc[split:]])
        )
        name = data.draw(st.sampled_from(list(cells)))
        row = data.draw(st.integers(0, rows - 1))
        old = columns[name][row]
        new = data.draw(cells[name].filter(lambda value: value != old))
        changed = {key: list(values) for key, values in columns.items()}
        changed[name][row] = new
        assert digest_value(frame) != digest_value(build(changed))

    def test_frame_sensitivity(self):
        """A cell, a column name, a dtype, the column order or attrs change the digest."""
        pd = self.pd
        frame = pd.DataFrame(self._data())
        expected = digest_value(frame)
        for column, value in [
            ("float", -1.0),
            ("str", "zz"),
            ("object", "zz"),
            ("int", 9),
        ]:
            changed = frame.copy()
            changed.loc[2, column] = value
            assert expected != digest_value(changed), column
        assert expected != digest_value(frame.rename(columns={"int": "INT"}))
        assert expected != digest_value(frame.astype({"int": "int32"}))
        assert expected != digest_value(frame[list(reversed(frame.columns))])
        with_attrs = frame.copy()
        with_attrs.attrs["unit"] = "m"
        assert expected != digest_value(with_attrs)
        assert expected != digest_value(frame.set_axis(list(range(1, 7)), axis=0))

    def test_categoricals(self):
        """Categories count in their order (it shows in .cat.codes), codes by value."""
        pd = self.pd
        series = pd.Series(pd.Categorical(["x", "y", "x"], categories=["x", "y"]))
        assert digest_value(series) == digest_value(series.copy())
        reordered = series.cat.reorder_categories(["y", "x"])
        assert series.equals(reordered)
        assert list(series.cat.codes) != list(reordered.cat.codes)
        assert digest_value(series) != digest_value(reordered)
        assert digest_value(series) != digest_value(series.cat.as_ordered())
        assert digest_value(series) != digest_value(series.cat.add_categories(["z"]))
        changed = pd.Series(pd.Categorical(["x", "y", "y"], categories=["x", "y"]))
        assert digest_value(series) != digest_value(changed)
        with_missing = pd.Series(pd.Categorical(["x", None], categories=["y", "x"]))
        assert digest_value(with_missing) != digest_value(
            pd.Series(pd.Categorical(["x", "y"], categories=["y", "x"]))
        )

    def test_index_kinds(self):
        """RangeIndex equals an int64 progression; other indexes by values and names."""
        pd = self.pd
        base = pd.Series([1, 2, 3])
        assert digest_value(base) == digest_value(base.set_axis(pd.Index([0, 1, 2])))
        assert digest_value(base) != digest_value(base.set_axis(pd.Index([0, 1, 3])))
        assert digest_value(base) != digest_value(
            base.set_axis(pd.Index([0.0, 1.0, 2.0]))
        )
        assert digest_value(pd.RangeIndex(5, 6)) == digest_value(pd.RangeIndex(5, 7, 9))
        assert digest_value(pd.RangeIndex(0)) == digest_value(
            pd.Index([], dtype="int64")
        )
        assert digest_value(base) != digest_value(base.rename("x"))
        assert digest_value(pd.Index([1, 2], name="a")) != digest_value(
            pd.Index([1, 2])
        )
        multi = pd.MultiIndex.from_tuples([(1, "a"), (2, "b")], names=["x", "y"])
        assert digest_value(multi) == digest_value(multi.copy())
        assert digest_value(multi) != digest_value(multi.set_names(["x", "z"]))
        assert digest_value(multi) != digest_value(multi[::-1])

    def test_long_progression_check(self):
        """An int64 index that stops being a progression late is still seen."""
        pd, np = self.pd, self.np
        values = np.arange(200_000)
        broken = values.copy()
        broken[-2] += 1
        broken[-1] = values[-1]
        assert digest_value(pd.Index(values)) == digest_value(pd.RangeIndex(200_000))
        assert digest_value(pd.Index(broken)) != digest_value(pd.RangeIndex(200_000))

    def test_extension_arrays(self):
        """Nullable, interval, period, sparse and string arrays digest by value."""
        pd, np = self.pd, self.np
        nullable = pd.array([1, None, 3], dtype="Int64")
        garbage = nullable.copy()
        garbage._data[1] = 99  # what lies under the mask does not count
        assert digest_value(nullable) == digest_value(garbage)
        assert digest_value(nullable) != digest_value(
            pd.array([1, 2, 3], dtype="Int64")
        )
        for series in [
            pd.Series(pd.arrays.IntervalArray.from_breaks([0, 1, 2])),
            pd.Series(pd.period_range("2020", periods=3)),
            pd.Series(pd.arrays.SparseArray([0, 0, 1.5])),
            pd.Series(["a", None], dtype=pd.StringDtype("python")),
            pd.Series(pd.timedelta_range("1D", periods=2)),
        ]:
            assert digest_value(series) == digest_value(series.copy())
        assert digest_value(pd.arrays.SparseArray([0, 1])) != digest_value(
            pd.arrays.SparseArray([1, 0])
        )
        assert digest_value(pd.Series(["a", None], dtype=object)) != digest_value(
            pd.Series(["a", np.nan], dtype=object)
        )

    def test_string_storage_counts(self):
        """Object, python-string and pyarrow-string columns are different dtypes."""
        pd = self.pd
        pytest.importorskip("pyarrow")
        strings = ["a", "bb", None]
        digests = {
            digest_value(pd.Series(strings, dtype=object)),
            digest_value(pd.Series(strings, dtype=pd.StringDtype("python"))),
            digest_value(pd.Series(strings, dtype=pd.StringDtype("pyarrow"))),
        }
        assert 3 == len(digests)
        chunked = pd.concat(
            [
                pd.Series(strings[:1], dtype="string[pyarrow]"),
                pd.Series(strings[1:], dtype="string[pyarrow]"),
            ],
            ignore_index=True,
        )
        assert digest_value(chunked) == digest_value(
            pd.Series(strings, dtype="string[pyarrow]")
        )

    def test_subclass_metadata(self):
        """Subclasses digest their class and their _metadata attributes."""
        pd = self.pd

        class Tagged(pd.DataFrame):
            _metadata = ["tag"]  # noqa: RUF012 - pandas reads this list

            @property
            def _constructor(self):
                return Tagged

        first = Tagged({"a": [1]})
        first.tag = "x"
        second = Tagged({"a": [1]})
        second.tag = "y"
        assert digest_value(first) != digest_value(second)
        assert digest_value(first) != digest_value(pd.DataFrame({"a": [1]}))

    def test_columns_are_located_in_errors(self):
        """An undigestable cell is reported with its column."""
        pd = self.pd
        frame = pd.DataFrame({"ok": [1], "bad": [threading.Lock()]})
        with pytest.raises(ArgumentDigestError, match=r"at frame\['bad'\]"):
            digest_value(frame, parameter="frame")


class TestArrowAndPolars:
    def test_tables(self):
        """Arrow tables digest by schema and values, not by chunking or slicing."""
        pa = pytest.importorskip("pyarrow")
        table = pa.table(
            {
                "x": [1, 2, None, 4],
                "s": ["a", "b", None, "dd"],
                "b": [True, False, None, True],
                "d": pa.array([1.5, None, 2.5, 3.5]).cast(pa.decimal128(5, 2)),
                "l": [[1], [], None, [2, 3]],
            }
        )
        rechunked = pa.concat_tables([table.slice(0, 1), table.slice(1, 3)])
        assert digest_value(table) == digest_value(rechunked)
        assert digest_value(table) == digest_value(table.combine_chunks())
        assert digest_value(table) != digest_value(
            table.rename_columns(["x", "s", "c", "d", "l"])
        )
        assert digest_value(table) != digest_value(table.slice(1))
        assert digest_value(table) != digest_value(
            table.replace_schema_metadata({"k": "v"})
        )
        assert digest_value(table) != digest_value(
            pa.RecordBatch.from_pydict(table.to_pydict())
        )
        batch = table.to_batches()[0]
        assert digest_value(batch) == digest_value(
            pa.RecordBatch.from_pydict(table.to_pydict(), schema=table.schema)
        )

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            pytest.param([1, None], [1, 0], id="null vs zero"),
            pytest.param(["ab", "c"], ["a", "bc"], id="string boundaries"),
            pytest.param([b"x", None], [b"x", b""], id="binary null vs empty"),
            pytest.param([True, False], [False, True], id="bools"),
            pytest.param([1.0, 2.0], [1.0, 2.5], id="floats"),
            pytest.param([[1, 2]], [[1], [2]], id="lists"),
        ],
    )
    def test_arrow_sensitivity(self, first, second):
        """Arrow arrays with different values digest differently."""
        pa = pytest.importorskip("pyarrow")
        assert digest_value(pa.array(first)) != digest_value(pa.array(second))
        assert digest_value(pa.array(first)) == digest_value(pa.array(first))

    def test_arrow_layouts(self):
        """Slices, chunked arrays, dictionaries and views digest by their values."""
        pa = pytest.importorskip("pyarrow")
        assert digest_value(pa.array(["a", "b", "c"])[1:]) == digest_value(
            pa.array(["b", "c"])
        )
        assert digest_value(pa.array([1, 2, 3])[1:]) == digest_value(pa.array([2, 3]))
        assert digest_value(pa.array([None, None])) != digest_value(pa.array([None]))
        one = pa.chunked_array([pa.array(["x", "y", "x"]).dictionary_encode()])
        two = pa.chunked_array(
            [
                pa.array(["x"]).dictionary_encode(),
                pa.array(["y", "x"]).dictionary_encode(),
            ]
        )
        assert digest_value(one) == digest_value(two)
        assert digest_value(one) != digest_value(
            pa.chunked_array([pa.array(["x", "y", "x"])])
        )
        if hasattr(pa, "string_view"):
            view = pa.array(["a", "bb"], pa.string_view())
            assert digest_value(view) == digest_value(
                pa.array(["a", "bb"], pa.string_view())
            )
            assert digest_value(view) != digest_value(
                pa.array(["a", "bb"], pa.large_string())
            )
        structs = pa.array([{"a": 1, "b": "x"}, None])
        assert digest_value(structs) == digest_value(
            pa.array([{"a": 1, "b": "x"}, None])
        )
        assert digest_value(structs) != digest_value(
            pa.array([{"a": 2, "b": "x"}, None])
        )

    @pytest.mark.usefixtures("small_blocks")
    def test_arrow_string_lengths_in_blocks(self):
        """String lengths computed block by block do not depend on chunks or offsets."""
        pa = pytest.importorskip("pyarrow")
        words = ["a", "bb", "", "dddd", "e", "ff", "ggg"]
        for arrow_type in (pa.string(), pa.large_string(), pa.binary()):
            items = [w.encode() for w in words] if arrow_type == pa.binary() else words
            whole = pa.chunked_array([pa.array(items, arrow_type)])
            pieces = pa.chunked_array(
                [pa.array(items[:3], arrow_type), pa.array(items, arrow_type).slice(3)]
            )
            assert digest_value(whole) == digest_value(pieces)
            moved = pa.chunked_array([pa.array(items[1:] + items[:1], arrow_type)])
            assert digest_value(whole) != digest_value(moved)

    def test_arrow_edge_layouts(self):
        """Empty chunks, missing data buffers and extension types digest by value."""
        pa = pytest.importorskip("pyarrow")
        for items in (["a", "b"], [1, 2]):
            array = pa.array(items)
            padded = pa.chunked_array([array.slice(0, 0), array, array.slice(0, 0)])
            assert digest_value(pa.chunked_array([array])) == digest_value(padded)

        class Tagged(pa.ExtensionType):
            def __init__(self, tag: str) -> None:
                self.tag = tag
                super().__init__(pa.int64(), "tests.tagged")

            def __arrow_ext_serialize__(self) -> bytes:
                return self.tag.encode()

            @classmethod
            def __arrow_ext_deserialize__(cls, storage_type, serialized):
                return cls(serialized.decode())

        storage = pa.array([1, 2])
        first = pa.ExtensionArray.from_storage(Tagged("a"), storage)
        second = pa.ExtensionArray.from_storage(Tagged("b"), storage)
        assert digest_value(first) == digest_value(
            pa.ExtensionArray.from_storage(Tagged("a"), storage)
        )
        assert digest_value(first) != digest_value(second)
        assert digest_value(first) != digest_value(storage)

    def test_pandas_arrow_dtype(self):
        """pandas columns backed by Arrow types digest by value."""
        pd = pytest.importorskip("pandas")
        pa = pytest.importorskip("pyarrow")
        series = pd.Series([1, None, 3], dtype=pd.ArrowDtype(pa.int64()))
        assert digest_value(series) == digest_value(series.copy())
        assert digest_value(series) != digest_value(
            pd.Series([1, None, 4], dtype=pd.ArrowDtype(pa.int64()))
        )

    def test_polars(self):
        """polars frames and series digest by names, dtypes and values, not chunks."""
        pl = pytest.importorskip("polars")
        frame = pl.DataFrame({"a": [1, 2, 3], "s": ["x", None, "z"]})
        chunked = pl.concat([frame[:1], frame[1:]], rechunk=False)
        assert digest_value(frame) == digest_value(chunked)
        assert digest_value(frame["s"]) == digest_value(chunked["s"])
        assert digest_value(frame) != digest_value(frame.with_columns(pl.col("a") * 2))
        assert digest_value(frame) != digest_value(frame.rename({"a": "b"}))
        assert digest_value(frame["s"]) != digest_value(frame["s"].alias("t"))
        assert digest_value(frame["a"]) != digest_value(frame["a"].cast(pl.Int32))
        objects = pl.Series("o", [{"a": 1}, 1], dtype=pl.Object)
        assert digest_value(objects) == digest_value(
            pl.Series("o", [{"a": 1}, 1], dtype=pl.Object)
        )
        assert digest_value(objects) != digest_value(
            pl.Series("o", [{"a": 2}, 1], dtype=pl.Object)
        )
        locked = pl.DataFrame({"o": pl.Series([threading.Lock()], dtype=pl.Object)})
        with pytest.raises(ArgumentDigestError, match=r"at frame\['o'\]\[0\]"):
            digest_value(locked, parameter="frame")
        categories = pl.Series(["a", "b", "a"], dtype=pl.Categorical)
        assert digest_value(categories) == digest_value(
            pl.Series(["a", "b", "a"], dtype=pl.Categorical)
        )
        assert digest_value(categories) != digest_value(
            pl.Series(["a", "b", "b"], dtype=pl.Categorical)
        )


class TestScipySparse:
    sparse = pytest.importorskip("scipy.sparse")
    np = pytest.importorskip("numpy")

    def _matrix(self):
        return self.sparse.random(20, 15, density=0.2, format="csr", random_state=0)

    def test_canonical_form(self):
        """Duplicates and unsorted indices do not change a CSR matrix's digest."""
        sparse, np = self.sparse, self.np
        matrix = self._matrix()
        coo = matrix.tocoo()
        rows = np.r_[coo.row, coo.row[:1]]
        cols = np.r_[coo.col, coo.col[:1]]
        data = np.r_[
            coo.data - np.r_[coo.data[:1], np.zeros(coo.nnz - 1)], coo.data[:1]
        ]
        with_duplicate = sparse.coo_matrix((data, (rows, cols)), shape=matrix.shape)
        assert digest_value(with_duplicate.tocsr()) == digest_value(matrix)
        shuffled = matrix.copy()
        for row in range(shuffled.shape[0]):
            start, stop = shuffled.indptr[row], shuffled.indptr[row + 1]
            shuffled.indices[start:stop] = shuffled.indices[start:stop][::-1]
            shuffled.data[start:stop] = shuffled.data[start:stop][::-1]
        shuffled.has_sorted_indices = False
        assert digest_value(shuffled) == digest_value(matrix)

    def test_formats_and_values(self):
        """Formats and classes are part of the value; so is every stored entry."""
        sparse = self.sparse
        matrix = self._matrix()
        assert digest_value(matrix) != digest_value(matrix.tocsc())
        assert digest_value(matrix) != digest_value(sparse.csr_array(matrix))
        for other in (
            matrix.tocoo(),
            matrix.tolil(),
            matrix.todok(),
            matrix.todia(),
            matrix.tobsr(),
        ):
            assert digest_value(other) == digest_value(other.copy())
        changed = matrix.tolil()
        changed[0, 0] = 5.0
        changed = changed.tocsr()
        assert digest_value(matrix) != digest_value(changed)
        assert digest_value(matrix.tocoo()) != digest_value(changed.tocoo())


class TestTorch:
    @pytest.fixture
    def torch(self):
        """torch, or a skip of this class's tests only (never of the module)."""
        return pytest.importorskip("torch")

    def test_dense_tensors(self, torch):
        """Tensors digest by dtype, shape, grad flag and values; views like copies."""
        x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        assert digest_value(x) == digest_value(x.clone())
        assert digest_value(x.T) == digest_value(x.T.contiguous())
        assert digest_value(x[:, ::2]) == digest_value(x[:, ::2].contiguous())
        assert digest_value(x) != digest_value(x.double())
        assert digest_value(x) != digest_value(x.reshape(4, 3))
        assert digest_value(x) != digest_value(x.clone().requires_grad_())
        y = x.clone()
        y[2, 3] = -1
        assert digest_value(x) != digest_value(y)
        half = torch.arange(4, dtype=torch.bfloat16)
        assert digest_value(half) == digest_value(half.clone())
        assert digest_value(torch.tensor([True, False])) != digest_value(
            torch.tensor([1, 0], dtype=torch.uint8)
        )
        z = torch.tensor([1 + 2j])
        assert digest_value(z.conj()) == digest_value(z.conj().resolve_conj())
        assert digest_value(z.conj()) != digest_value(z)

    @pytest.mark.usefixtures("small_blocks")
    def test_block_copies(self, torch):
        """Non-contiguous tensors are copied in bounded blocks, device or not."""
        x = torch.arange(600, dtype=torch.float64).reshape(6, 10, 10)
        for view in (x.transpose(0, 2), x[:, ::3], x.flip(0)[:, :, ::2]):
            assert digest_value(view) == digest_value(view.contiguous())
        flat = b"".join(
            block.numpy().tobytes()
            for block in _torch._torch_blocks(x.transpose(0, 2), 64, on_cpu=False)
        )
        assert x.transpose(0, 2).contiguous().numpy().tobytes() == flat
        chunks = list(_torch._torch_blocks(x, 64, on_cpu=False))
        assert len(chunks) > 1
        assert x.numpy().tobytes() == b"".join(c.numpy().tobytes() for c in chunks)
        # The device path (blocks moved to host memory) gives the CPU bytes.
        on_device = _encoder._Encoder([])
        _torch._torch_dense(on_device, x.transpose(0, 2), on_cpu=False)
        on_host = _encoder._Encoder([])
        _torch._torch_dense(on_host, x.transpose(0, 2), on_cpu=True)
        assert on_host.digest() == on_device.digest()

    @pytest.mark.filterwarnings(
        "ignore:Sparse CSR tensor support is in beta:UserWarning"
    )
    def test_parameters_sparse_and_modules(self, torch):
        """Parameters, sparse tensors and modules digest by their data."""
        x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
        assert digest_value(torch.nn.Parameter(x.clone())) != digest_value(x)
        assert digest_value(torch.nn.Parameter(x.clone())) == digest_value(
            torch.nn.Parameter(x.clone())
        )
        assert digest_value(x.to_sparse()) == digest_value(x.to_sparse())
        assert digest_value(x.to_sparse_csr()) == digest_value(x.to_sparse_csr())
        assert digest_value(x.to_sparse()) != digest_value(x)
        torch.manual_seed(0)
        first = torch.nn.Linear(3, 2)
        second = torch.nn.Linear(3, 2)
        second.load_state_dict(first.state_dict())
        assert digest_value(first) == digest_value(second)
        with torch.no_grad():
            second.weight[0, 0] += 1
        assert digest_value(first) != digest_value(second)

    @pytest.mark.filterwarnings("ignore:.*quantiz.*:UserWarning")
    def test_quantized(self, torch):
        """Quantized tensors digest by scheme, parameters and integer values."""
        x = torch.tensor([0.1, 0.2, 0.3])
        q = torch.quantize_per_tensor(x, 0.1, 0, torch.quint8)
        assert digest_value(q) == digest_value(
            torch.quantize_per_tensor(x, 0.1, 0, torch.quint8)
        )
        assert digest_value(q) != digest_value(
            torch.quantize_per_tensor(x, 0.05, 0, torch.quint8)
        )
        per_channel = torch.quantize_per_channel(
            x.reshape(3, 1),
            torch.tensor([0.1, 0.1, 0.2]),
            torch.tensor([0, 0, 0]),
            0,
            torch.quint8,
        )
        assert digest_value(per_channel) == digest_value(per_channel.clone())

    def test_meta_device_is_refused(self, torch):
        """A tensor without data (meta device) cannot be digested."""
        with pytest.raises(ArgumentDigestError, match="meta device"):
            digest_value(torch.empty(3, device="meta"), parameter="weights")


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
        assert ["a", "b", "c", "d"] == list(bound)
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


def _positional_only(a, /, b, c=1):  # pragma: no cover - only its signature is used
    return a, b, c


def _keyword_only(*, k=1, m):  # pragma: no cover - only its signature is used
    return k, m


def _variadic(a, *args, b=2, **kwargs):  # pragma: no cover - only its signature is used
    return a, args, b, kwargs


def _plain(a, b, c=3):  # pragma: no cover - only its signature is used
    return a, b, c


class TestBinding:
    SIGNATURES = [
        inspect.signature(f)
        for f in (_positional_only, _keyword_only, _variadic, _plain)
    ] + [SAMPLE_SIGNATURE]

    @given(
        st.sampled_from(SIGNATURES),
        st.lists(st.integers(), max_size=4).map(tuple),
        st.dictionaries(st.sampled_from("abcdkmz"), st.integers(), max_size=4),
    )
    def test_matches_signature_bind(self, signature, args, kwargs):
        """The cached binding plan gives exactly Signature.bind's result, or its error."""
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:
            with pytest.raises(TypeError):
                _arguments._bind(signature, args, kwargs)
            return
        bound.apply_defaults()
        assert list(bound.arguments.items()) == list(
            _arguments._bind(signature, args, kwargs).items()
        )

    def test_all_positional(self):
        """A call with every parameter positional binds without Signature.bind."""
        signature = inspect.signature(_plain)
        assert {"a": 1, "b": 2, "c": 4} == _arguments._bind(signature, (1, 2, 4), {})

    def test_plan_cache_is_bounded(self, monkeypatch):
        """The per-signature plan cache is emptied when it is full."""
        monkeypatch.setattr(_arguments, "_PLANS_LIMIT", 2)
        monkeypatch.setattr(_arguments, "_PLANS", {})
        for function in (_plain, _variadic, _positional_only):
            _arguments._bind(inspect.signature(function), (1, 2), {})
        assert len(_arguments._PLANS) <= 2


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

    def test_long_array_repr(self):
        """A long array repr is flattened and cut after its shape and dtype."""
        np = pytest.importorskip("numpy")
        actual = short_repr(np.arange(1000))
        assert actual.startswith("<ndarray shape=(1000,) dtype=int64> array([ 0, 1,")
        assert actual.endswith("...")

    def test_addresses_removed(self):
        """Memory addresses are dropped, so reprs are stable across runs."""
        assert "<object object>" == short_repr(object())


# -- cross-process stability ------------------------------------------------------

_STABLE_VALUES_SOURCE = """
import collections, datetime, decimal, enum, pathlib, uuid
from fractions import Fraction

class Color(enum.Enum):
    RED = 1

VALUES = [
    None, True, False, 0, 1, -1, 2**100, -(2**70), 1.5, -0.0, float("inf"), float("nan"),
    "", "text", "ünïcødé", b"bytes", bytearray(b"ba"), complex(1, 2),
    [1, "a", None], (1, (2, (3,))), {"b": 1, "a": 2, "c": [3]},
    {"set", "of", "strings", "with", "many", "members"},
    frozenset({"x", "y", ("t", 1)}),
    {frozenset({"k1", "k2"}): {"nested": {"deeper", "set"}}},
    {("tuple", "key"): [1.0, 2.0]},
    collections.OrderedDict(z=1, a=2), decimal.Decimal("1.10"), Fraction(1, 3),
    Color.RED, range(3), slice(1, 2),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc),
    datetime.date(2024, 1, 2), datetime.timedelta(days=1, seconds=2),
    uuid.UUID(int=7), pathlib.PurePosixPath("a/b.txt"),
    collections.defaultdict(list, {"k": ["v"]}),
]
try:
    import numpy as np
except ImportError:
    pass
else:
    objects = np.empty(3, dtype=object)
    objects[:] = ["a", {"b", "c", "d"}, None]
    VALUES += [
        np.arange(12.0).reshape(3, 4).T, np.array(["x", "yy"]), objects,
        np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]), np.float32(1.5),
    ]
try:
    import pandas as pd
except ImportError:
    pass
else:
    VALUES += [pd.DataFrame({
        "n": [1.5, 2.5], "s": ["a", None], "o": pd.Series(["x", "y"], dtype=object),
        "c": pd.Categorical(["u", "v"]), "t": pd.date_range("2020", periods=2, tz="UTC"),
    }, index=pd.Index(["r1", "r2"], name="row"))]
try:
    import pyarrow as pa
except ImportError:
    pass
else:
    VALUES += [pa.table({"x": [1, None], "s": ["a", "b"]})]
"""

_STABLE_SCRIPT = (
    _STABLE_VALUES_SOURCE
    + """
import json
from checkpointing.digest import digest_value
print(json.dumps([digest_value(v) for v in VALUES]))
"""
)


def _stable_values() -> list[Any]:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(compile(_STABLE_VALUES_SOURCE, "<stable-values>", "exec"), namespace)
    return namespace["VALUES"]


def _run_with_seed(script: str, seed: str, stdin: bytes = b"") -> Any:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPOSITORY), *filter(None, [env.get("PYTHONPATH")])]
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env=env,
        input=stdin,
        capture_output=True,
        check=True,
        timeout=120,
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_digests_are_stable_across_processes(seed):
    """Digests computed under another PYTHONHASHSEED equal the in-process ones."""
    expected = [digest_value(v) for v in _stable_values()]
    assert expected == _run_with_seed(_STABLE_SCRIPT, seed)


def test_stable_values_are_all_distinct():
    """The cross-process corpus has no two values with one digest."""
    digests = [digest_value(v) for v in _stable_values()]
    assert len(digests) == len(set(digests))


_PICKLED_SCRIPT = """
import json, pickle, sys
from checkpointing.digest import digest_value
print(json.dumps([digest_value(v) for v in pickle.load(sys.stdin.buffer)]))
"""


@settings(max_examples=3)
@given(st.lists(rich_values, min_size=10, max_size=10))
def test_generated_values_are_stable_across_processes(batch):
    """Generated values digest alike in processes with other hash seeds."""
    expected = [digest_value(v) for v in batch]
    for seed in ("1", "98765"):
        assert expected == _run_with_seed(_PICKLED_SCRIPT, seed, pickle.dumps(batch))


def test_generated_strategies_are_picklable():
    """The classes used by rich_values live in an importable module."""
    for value in (Pair(1, 2), Coordinate(1, 2), Colour.RED):
        assert value == pickle.loads(pickle.dumps(value))
    assert dataclasses.is_dataclass(Pair)


def test_fast_paths_need_their_library_loaded(monkeypatch):
    """Without numpy, pandas, torch or pydantic in sys.modules, no fast path applies."""
    for name in (
        "numpy",
        "pandas",
        "torch",
        "pydantic.main",
        "pyarrow",
        "polars",
        "scipy.sparse",
    ):
        monkeypatch.delitem(sys.modules, name, raising=False)

    class Local:
        pass

    assert _libraries._library_encoder(Local) is None
    Local.__module__ = "pyarrow.lib"
    assert _libraries._library_encoder(Local) is None
    Local.__module__ = "polars.series"
    assert _libraries._library_encoder(Local) is None
    Local.__module__ = "scipy.sparse"
    assert _libraries._library_encoder(Local) is None


def test_other_library_classes_take_the_fallback():
    """Library classes without a fast path (scalars, expressions) are reduced."""
    pa = pytest.importorskip("pyarrow")
    # A pyarrow Buffer reduces to an out-of-band PickleBuffer (protocol 5).
    assert isinstance(pa.py_buffer(b"abc").__reduce_ex__(5)[1][0], pickle.PickleBuffer)
    assert digest_value(pa.py_buffer(b"abc")) == digest_value(pa.py_buffer(b"abc"))
    assert digest_value(pa.py_buffer(b"abc")) != digest_value(pa.py_buffer(b"abd"))
    pl = pytest.importorskip("polars")
    sparse = pytest.importorskip("scipy.sparse")
    assert digest_value(pa.scalar(1)) != digest_value(pa.scalar(2))
    assert digest_value(pl.Int64()) != digest_value(pl.Int32())
    operator = sparse.linalg.aslinearoperator(sparse.eye(2))
    assert _libraries._library_encoder(type(operator)) is None


def test_import_does_not_load_libraries():
    """Importing checkpointing imports none of the libraries with a fast path."""
    script = (
        "import sys, json, checkpointing\n"
        "mods = ['numpy', 'pandas', 'pyarrow', 'polars', 'scipy', 'torch', 'pydantic']\n"
        "print(json.dumps([m for m in mods if m in sys.modules]))\n"
    )
    assert [] == _run_with_seed(script, "0")
