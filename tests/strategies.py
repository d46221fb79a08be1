"""Hypothesis strategies: argument values with a deterministic digest, and call shapes."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import enum
import inspect
import pathlib
from typing import Any

from hypothesis import strategies as st

from checkpointing import ArgumentRecord, ComponentRecord, Manifest

__all__ = [
    "SAMPLE_SIGNATURE",
    "Colour",
    "Coordinate",
    "Pair",
    "argument_records",
    "component_records",
    "hashable_values",
    "leaves",
    "make_manifest",
    "manifests",
    "nested_values",
    "numpy_arrays",
    "rich_values",
    "small_values",
    "stdlib_leaves",
    "values",
]

#: Scalars the digest encodes natively (NaN included: it has one canonical encoding).
leaves: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.complex_numbers(allow_nan=False),
)

#: Values usable as dict keys and set members.
hashable_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=10),
        st.binary(max_size=10),
    ),
    lambda inner: st.one_of(st.tuples(inner, inner), st.frozensets(inner, max_size=3)),
    max_leaves=4,
)

#: Any value the digest supports: scalars and nested builtin containers.
values: st.SearchStrategy[Any] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(hashable_values, inner, max_size=5),
        st.sets(hashable_values, max_size=5),
        st.frozensets(hashable_values, max_size=5),
    ),
    max_leaves=12,
)

#: Like ``values`` but smaller: for properties that draw several values at once.
small_values: st.SearchStrategy[Any] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=3), inner, max_size=3),
        st.frozensets(st.integers(), max_size=3),
    ),
    max_leaves=5,
)

#: Nested lists, tuples and dicts (string keys) whose every leaf can be replaced
#: without merging two items: no sets, no leaves used as keys.
nested_values: st.SearchStrategy[Any] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=4),
        st.lists(inner, min_size=1, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), inner, min_size=1, max_size=4),
    ),
    max_leaves=10,
)


def _sample(a, b, c=3, *, d=4):  # pragma: no cover - only its signature is used
    return a, b, c, d


#: A signature with positional, defaulted and keyword-only parameters.
SAMPLE_SIGNATURE = inspect.signature(_sample)


# -- manifests ----------------------------------------------------------------------

_hex32 = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
_names = st.text(
    alphabet=st.characters(
        min_codepoint=33, max_codepoint=0x2FF, exclude_characters="\\"
    ),
    min_size=1,
    max_size=12,
)
_floats = st.floats(allow_nan=False, allow_infinity=False)

component_records: st.SearchStrategy[ComponentRecord] = st.builds(
    ComponentRecord,
    kind=st.sampled_from(["source", "docstring", "callee", "global", "package"]),
    digest=_hex32,
    summary=st.text(max_size=20),
    blob=st.none() | _hex32,
)

argument_records: st.SearchStrategy[ArgumentRecord] = st.builds(
    ArgumentRecord, digest=_hex32, summary=st.text(max_size=20)
)

#: Manifests with arbitrary (JSON-representable) field values.
manifests: st.SearchStrategy[Manifest] = st.builds(
    Manifest,
    key=_hex32,
    function_id=_names,
    module=_names,
    qualname=_names,
    fingerprint=_hex32,
    arguments_digest=_hex32,
    components=st.dictionaries(_names, component_records, max_size=4),
    arguments=st.dictionaries(_names, argument_records, max_size=4),
    created_at=_floats,
    compute_seconds=_floats,
    value_size_bytes=st.integers(min_value=0, max_value=2**62),
    serializer=st.just("pickle"),
    python_version=st.just("3.11.7"),
    library_version=st.just("0.1.0"),
    reason=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)


def make_manifest(**overrides: Any) -> Manifest:
    """Return a small valid manifest; keyword arguments replace its fields."""
    fields: dict[str, Any] = {
        "key": "0" * 32,
        "function_id": "pkg.module.func",
        "module": "pkg.module",
        "qualname": "func",
        "fingerprint": "f" * 32,
        "arguments_digest": "a" * 32,
        "components": {
            "source": ComponentRecord("source", "1" * 32, "", "1" * 32),
            "global:pkg.module:SCALE": ComponentRecord("global", "2" * 32, "3"),
        },
        "arguments": {"x": ArgumentRecord("3" * 32, "1")},
        "created_at": 1_700_000_000.0,
        "compute_seconds": 0.25,
        "value_size_bytes": 10,
        "serializer": "pickle",
        "python_version": "3.11.7",
        "library_version": "0.1.0",
    }
    fields.update(overrides)
    return Manifest(**fields)


# -- values of the types the digest encodes natively or through a fast path ----------


class Colour(enum.Enum):
    """An enum whose members have values of two types."""

    RED = 1
    GREEN = "green"


@dataclasses.dataclass(frozen=True)
class Pair:
    """A dataclass (digested through the pickle fallback)."""

    left: Any
    right: Any


#: A namedtuple (digested as a tuple subclass).
Coordinate = collections.namedtuple("Coordinate", "x y")

_offsets = st.builds(
    datetime.timezone,
    st.timedeltas(
        min_value=datetime.timedelta(hours=-23), max_value=datetime.timedelta(hours=23)
    ).map(
        lambda delta: datetime.timedelta(minutes=delta // datetime.timedelta(minutes=1))
    ),
)

#: Scalars of the standard-library types with a dedicated encoding, plus ints
#: beyond 64 bits (the other integer layout).
stdlib_leaves: st.SearchStrategy[Any] = st.one_of(
    leaves,
    st.integers(min_value=-(2**200), max_value=2**200),
    st.datetimes(timezones=st.none() | _offsets),
    st.dates(),
    st.times(timezones=st.none() | _offsets),
    st.timedeltas(),
    st.decimals(allow_nan=False),
    st.uuids(),
    st.fractions(),
    st.builds(pathlib.PurePosixPath, st.text(alphabet="ab/._-", max_size=8)),
    st.sampled_from(Colour),
)

#: Builtin containers, dataclasses and namedtuples of ``stdlib_leaves``.
rich_values: st.SearchStrategy[Any] = st.recursive(
    stdlib_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(hashable_values, inner, max_size=4),
        st.frozensets(hashable_values, max_size=4),
        st.builds(Pair, inner, inner),
        st.builds(Coordinate, inner, inner),
    ),
    max_leaves=8,
)


def numpy_arrays(*, max_dims: int = 3) -> st.SearchStrategy[Any]:
    """Arrays of any non-object scalar dtype, either byte order, 0 to *max_dims* dims."""
    from hypothesis.extra import numpy as npst

    dtypes = st.one_of(
        npst.scalar_dtypes(),
        npst.byte_string_dtypes(max_len=4),
        npst.unicode_string_dtypes(max_len=4),
    ).flatmap(lambda dtype: st.sampled_from([dtype, dtype.newbyteorder()]))
    return npst.arrays(
        dtype=dtypes,
        shape=npst.array_shapes(min_dims=0, max_dims=max_dims, min_side=0, max_side=5),
    )
