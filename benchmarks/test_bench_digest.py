"""
Argument digest: throughput on large values, latency on small ones.

Each group compares, on the same value:

* ``checkpointing`` — :func:`checkpointing.digest.digest_value` (the canonical,
  type-tagged encoding hashed with xxh3-128);
* ``legacy`` — the implementation it replaced (kept below, STYLE §1.10), for A/B;
* ``raw_xxh3`` — ``xxhash.xxh3_128`` straight over the value's buffer (numpy,
  bytes): the ceiling, nothing can hash the same bytes faster. Values without
  a buffer (lists, dicts, scalars, data frames) use
  ``xxh3_128(pickle.dumps(value))``, which is how ``PlainCache`` in
  ``test_bench_overhead.py`` keys its calls (and is *not* canonical: equal
  frames built differently pickle differently);
* ``joblib`` — ``joblib.hash`` (md5 over a special pickle; numpy buffers are
  hashed directly), what ``joblib.Memory`` does for every call.

Throughput in MB/s is ``size / median``; it is stored in each result's
``extra_info`` (``--benchmark-json``) and tabled in ``benchmarks/README.md``.
The 1 GB cases run two rounds (``pedantic``); ``digest_targets.py`` measures
the issue's targets as ratios in one process, with peak memory.

``digest_value`` and ``digest_arguments`` have no public equivalent (a key is
the digest of the arguments *and* of the code): they are imported from
``checkpointing.digest``. Checked outside the timed region: every timed call
returned the digest an untimed call returns for the same value (so the timed
call digested that value, deterministically). Under ``--benchmark-disable``
the large values are small (the ids keep their names).
"""

from __future__ import annotations

import collections
import copyreg
import enum
import inspect
import math
import pickle
import struct
import sys
from collections.abc import Callable, Collection, Mapping
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType
from typing import Any, Final

import joblib
import numpy as np
import pytest
import xxhash

from checkpointing import ArgumentDigestError

try:
    from checkpointing.digest import digest_arguments, digest_value
except ImportError:  # a src/ from before the digest package (digest_targets.py)
    from checkpointing._digest import digest_arguments, digest_value

ARRAY_BYTES = 100_000_000  # 100 MB of float64: 12.5 million elements
GIGABYTE = 1_000_000_000
BYTES_SIZE = 1 << 20  # 1 MiB
#: Rows for ~100 MB (``memory_usage(deep=True)``) with object / Arrow strings.
FRAME_ROWS_OBJECT = 1_000_000
FRAME_ROWS_ARROW = 2_000_000
#: Divisor of every large size in a smoke run (``--benchmark-disable``).
SMOKE_SHRINK = 1000


def _nested_dict():
    """A configuration-like dict: 3 levels of 10 keys, 1,000 small mixed leaves."""
    return {
        f"section{i}": {
            f"group{j}": {
                f"item{k}": [k, float(k) / 3, f"v{i}.{j}.{k}", k % 2 == 0, None]
                for k in range(10)
            }
            for j in range(10)
        }
        for i in range(10)
    }


def mixed_frame(*, object_strings: bool = False, shrink: int = 1):
    """
    A ~100 MB DataFrame of float, int, string, categorical and datetime columns.

    Strings use pandas' default dtype (``str``, Arrow-backed when pyarrow is
    installed, pandas ≥ 3; 2 million rows) or, with *object_strings*,
    ``object`` (1 million rows: a Python string costs more than its Arrow bytes).
    *shrink* divides the number of rows.
    """
    import pandas as pd

    rows = (FRAME_ROWS_OBJECT if object_strings else FRAME_ROWS_ARROW) // shrink
    rng = np.random.default_rng(0)
    strings = [f"name-{i % 50_000}-{i}" for i in range(rows)]
    return pd.DataFrame(
        {
            "float": rng.random(rows),
            "int": rng.integers(0, 1_000, rows),
            "string": pd.Series(strings, dtype=object if object_strings else None),
            "category": pd.Categorical(rng.choice(["red", "green", "blue"], rows)),
            "datetime": pd.date_range("2020-01-01", periods=rows, freq="s"),
        }
    )


@pytest.fixture(scope="module")
def shrink(smoke) -> int:
    return SMOKE_SHRINK if smoke else 1


@pytest.fixture(scope="module")
def large_values(shrink):
    """The large values, built once per module (the array alone is 100 MB)."""
    rng = np.random.default_rng(0)
    array = rng.random(ARRAY_BYTES // 8 // shrink)
    return {
        "ndarray float64 100 MB": array,
        "ndarray float64 100 MB, transposed view": array.reshape(
            10_000 // shrink, -1
        ).T,
        "DataFrame mixed 100 MB, str (Arrow) strings": mixed_frame(shrink=shrink),
        "DataFrame mixed 100 MB, object strings": mixed_frame(
            object_strings=True, shrink=shrink
        ),
        "bytes 1 MiB": rng.bytes(BYTES_SIZE),
        "list of 10k small ints": list(range(10_000)),
        "nested dict 3x10x10 (1k leaves)": _nested_dict(),
    }


def _raw_xxh3(value):
    if isinstance(value, bytes) or (
        isinstance(value, np.ndarray) and value.flags.c_contiguous
    ):
        return xxhash.xxh3_128_hexdigest(value)  # buffer protocol: no copy
    if isinstance(value, np.ndarray):
        return xxhash.xxh3_128_hexdigest(np.ascontiguousarray(value))
    return xxhash.xxh3_128_hexdigest(pickle.dumps(value, protocol=5))


def _size(value) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if hasattr(value, "memory_usage"):
        return int(value.memory_usage(deep=True).sum())
    return len(pickle.dumps(value, 5))


def _record_throughput(benchmark, value):
    if benchmark.stats is None:  # --benchmark-disable: the body ran once, untimed
        return
    size = _size(value)
    median = benchmark.stats.stats.median
    benchmark.extra_info["bytes"] = size
    benchmark.extra_info["MB/s (median)"] = round(size / median / 1e6, 1)


IMPLEMENTATIONS = {
    "checkpointing": digest_value,
    "legacy": lambda value: legacy_digest_value(value),
    "raw_xxh3": _raw_xxh3,
    "joblib": joblib.hash,
}

LARGE_CASES = [
    "ndarray float64 100 MB",
    "ndarray float64 100 MB, transposed view",
    "DataFrame mixed 100 MB, str (Arrow) strings",
    "DataFrame mixed 100 MB, object strings",
    "bytes 1 MiB",
    "list of 10k small ints",
    "nested dict 3x10x10 (1k leaves)",
]


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("case", LARGE_CASES)
def test_digest_large(benchmark, large_values, case, implementation):
    """
    Time to digest one large value (throughput = size / time).

    Size is ``nbytes`` for arrays, ``memory_usage(deep=True)`` for frames and
    the pickle size otherwise (only to give the MB/s figure a unit; the list
    and dict rows are really latencies).
    """
    benchmark.group = f"digest: {case}"
    value = large_values[case]
    function = IMPLEMENTATIONS[implementation]
    expected = function(value)
    assert benchmark(function, value) == expected
    _record_throughput(benchmark, value)


@pytest.fixture(scope="module")
def gigabyte_array(shrink):
    """A 1 GB float64 array (125 million elements)."""
    return np.random.default_rng(1).random(GIGABYTE // 8 // shrink)


@pytest.mark.parametrize("implementation", ["checkpointing", "raw_xxh3", "joblib"])
def test_digest_gigabyte(benchmark, gigabyte_array, implementation):
    """Time to digest a 1 GB array: two rounds (joblib: one), not twenty."""
    benchmark.group = "digest: ndarray float64 1 GB"
    rounds = 1 if implementation == "joblib" else 2
    function = IMPLEMENTATIONS[implementation]
    expected = function(gigabyte_array)
    result = benchmark.pedantic(function, args=(gigabyte_array,), rounds=rounds)
    assert result == expected
    _record_throughput(benchmark, gigabyte_array)


SCALARS = {
    "int 3": 3,
    "float 1.5": 1.5,
    "str 'hello'": "hello",
    "None": None,
    "tuple (3, 'a', 2.0)": (3, "a", 2.0),
    "dict {'lr': 0.1, 'epochs': 10}": {"lr": 0.1, "epochs": 10},
}


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("scalar", list(SCALARS))
def test_digest_scalar(benchmark, scalar, implementation):
    """Latency to digest one small value (the common argument of a cached call)."""
    benchmark.group = f"digest scalar: {scalar}"
    function = IMPLEMENTATIONS[implementation]
    expected = function(SCALARS[scalar])
    assert benchmark(function, SCALARS[scalar]) == expected


def _three_parameters(a, b=2, *, c="x"):
    return a, b, c


SIGNATURE = inspect.signature(_three_parameters)


def _legacy_digest_arguments(signature, args, kwargs):
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    hasher = xxhash.xxh3_128()
    for name, value in bound.arguments.items():
        digest = legacy_digest_value(value, parameter=name)
        hasher.update(_pack_len(len(name)))
        hasher.update(name.encode("utf-8"))
        hasher.update(digest.encode("ascii"))
    return hasher.hexdigest()


@pytest.mark.parametrize("implementation", ["checkpointing", "legacy"])
def test_digest_arguments_small(benchmark, implementation):
    """Bind + digest of ``f(3)`` for ``f(a, b=2, *, c="x")``: what every hit pays."""
    benchmark.group = "digest_arguments: f(3), three parameters"
    function = (
        digest_arguments
        if implementation == "checkpointing"
        else _legacy_digest_arguments
    )
    expected = function(SIGNATURE, (3,), {})
    assert benchmark(function, SIGNATURE, (3,), {}) == expected


# -- the implementation replaced in issue 6 (STYLE §1.10: keep it for A/B) -----------
# Unchanged except for names. It fed every piece to the hasher separately,
# digested every dict item and set member with a new hasher, copied
# non-contiguous arrays whole, and encoded non-numeric pandas columns item by
# item through object arrays.

_pack_len = struct.Struct("<Q").pack
_pack_float = struct.Struct("<d").pack
_NAN_BYTES = _pack_float(math.nan)
_MAX_DEPTH = 200


def legacy_digest_value(value: object, *, parameter: str = "") -> str:
    """The pre-issue-6 ``digest_value``."""
    hasher = xxhash.xxh3_128()
    _LegacyEncoder(hasher, parameter).encode(value, 0)
    return hasher.hexdigest()


class _LegacyEncoder:
    """Feeds the canonical encoding of values into one xxh3-128 hasher."""

    __slots__ = ("_active", "_h", "_parameter")

    def __init__(self, hasher: Any, parameter: str) -> None:
        self._h = hasher
        self._parameter = parameter
        # ids of containers on the current path, for cycle detection only
        # (never part of the encoding, so PYTHONHASHSEED/addresses do not leak in).
        self._active: list[int] = []

    # -- primitives ---------------------------------------------------------
    def _tag(self, tag: bytes, payload: bytes) -> None:
        self._h.update(tag)
        self._h.update(_pack_len(len(payload)))
        self._h.update(payload)

    def _fail(self, value: object, message: str) -> ArgumentDigestError:
        return ArgumentDigestError(self._parameter, _type_name(type(value)), message)

    def encode(self, value: object, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise self._fail(value, f"nesting deeper than {_MAX_DEPTH} levels")
        cls = type(value)
        # Exact-type checks first: the hot path for small arguments.
        if value is None:
            self._h.update(b"N")
        elif cls is bool:
            self._h.update(b"T" if value else b"F")
        elif cls is int:
            self._tag(b"i", str(value).encode("ascii"))
        elif cls is str:
            self._tag(b"s", value.encode("utf-8", "surrogatepass"))  # type: ignore[attr-defined]
        elif cls is float:
            self._tag(b"f", _float_bytes(value))  # type: ignore[arg-type]
        elif cls is bytes:
            self._tag(b"y", value)  # type: ignore[arg-type]
        elif cls is tuple or cls is list:
            self._sequence(b"t" if cls is tuple else b"l", value, depth)  # type: ignore[arg-type]
        elif cls is dict:
            self._mapping(b"d", value, depth)  # type: ignore[arg-type]
        elif cls is set or cls is frozenset:
            self._unordered(b"S" if cls is set else b"Z", value, depth)  # type: ignore[arg-type]
        else:
            self._encode_other(value, cls, depth)

    def _encode_other(self, value: object, cls: type, depth: int) -> None:
        hook = getattr(cls, "__checkpoint_digest__", None)
        if hook is not None:
            self._tag(b"H", _type_name(cls).encode())
            self.encode(hook(value), depth + 1)
            return
        if isinstance(value, enum.Enum):
            # Before int/str subclass checks: IntEnum members are ints too.
            self._tag(b"E", _type_name(cls).encode())
            self._tag(b"e", value.name.encode())
            self.encode(value.value, depth + 1)
            return
        if isinstance(value, bool):  # bool subclasses do not exist, but be explicit
            self._h.update(b"T" if value else b"F")
            return
        if isinstance(value, complex):
            self._tag(b"c", _float_bytes(value.real) + _float_bytes(value.imag))
            return
        if isinstance(value, type):
            self._tag(b"C", _type_name(value).encode())
            return
        if isinstance(value, (FunctionType, BuiltinFunctionType, MethodType)):
            self._callable(value, depth)
            return
        if isinstance(value, ModuleType):
            self._tag(b"M", value.__name__.encode())
            return
        if isinstance(value, collections.OrderedDict):
            # Order is part of OrderedDict equality (unlike dict): keep it.
            self._tag(b"O", _type_name(cls).encode())
            self._sequence(b"l", list(value.items()), depth)
            return
        if isinstance(value, (bytearray, memoryview)):
            self._tag(b"y" if isinstance(value, memoryview) else b"Y", bytes(value))
            return
        array_encoder = _lazy_fast_path(cls)
        if array_encoder is not None:
            array_encoder(self, value, depth)
            return
        # Subclasses of builtin containers/scalars: tag with the class, then
        # encode the builtin content and any instance state.
        for base, tag in _BUILTIN_BASES:
            if isinstance(value, base):
                self._tag(b"<", _type_name(cls).encode())
                self._tag(tag, b"")
                self.encode(base(value), depth + 1)
                state = getattr(value, "__dict__", None)
                if state:
                    self._mapping(b"d", state, depth)
                return
        self._reduce(value, cls, depth)

    # -- containers ---------------------------------------------------------
    def _enter(self, value: object) -> None:
        marker = id(value)
        if marker in self._active:
            raise self._fail(value, "the value contains a reference cycle")
        self._active.append(marker)

    def _sequence(
        self, tag: bytes, items: list[object] | tuple[object, ...], depth: int
    ) -> None:
        self._enter(items)
        self._h.update(tag)
        self._h.update(_pack_len(len(items)))
        for item in items:
            self.encode(item, depth + 1)
        self._active.pop()

    def _item_digest(self, value: object, depth: int) -> bytes:
        sub = _LegacyEncoder(xxhash.xxh3_128(), self._parameter)
        sub._active = self._active
        sub.encode(value, depth + 1)
        return sub._h.digest()  # type: ignore[no-any-return]

    def _mapping(
        self, tag: bytes, mapping: Mapping[object, object], depth: int
    ) -> None:
        self._enter(mapping)
        pairs = sorted(
            (self._item_digest(k, depth), self._item_digest(v, depth))
            for k, v in mapping.items()
        )
        self._h.update(tag)
        self._h.update(_pack_len(len(pairs)))
        for k_digest, v_digest in pairs:
            self._h.update(k_digest)
            self._h.update(v_digest)
        self._active.pop()

    def _unordered(self, tag: bytes, items: Collection[object], depth: int) -> None:
        self._enter(items)
        digests = sorted(self._item_digest(item, depth) for item in items)
        self._h.update(tag)
        self._h.update(_pack_len(len(digests)))
        for d in digests:
            self._h.update(d)
        self._active.pop()

    # -- callables and generic objects ---------------------------------------
    def _callable(self, value: object, depth: int) -> None:
        # Functions are identified by their import path here. Their *code* is
        # followed by the fingerprint, not by the argument digest.
        module = getattr(value, "__module__", None) or ""
        qualname = getattr(value, "__qualname__", None) or getattr(
            value, "__name__", ""
        )
        self._tag(b"P", f"{module}:{qualname}".encode())
        bound_self = getattr(value, "__self__", None)
        if isinstance(value, MethodType) and bound_self is not None:
            self.encode(bound_self, depth + 1)
        elif isinstance(value, FunctionType):
            if value.__defaults__:
                self.encode(value.__defaults__, depth + 1)
            if value.__closure__:
                cells = []
                for cell in value.__closure__:
                    try:
                        cells.append(cell.cell_contents)
                    except ValueError:  # empty cell
                        cells.append(None)
                self.encode(tuple(cells), depth + 1)

    def _reduce(self, value: object, cls: type, depth: int) -> None:
        try:
            # copyreg's table first, as pickle does (re.Pattern is registered there).
            reducer = copyreg.dispatch_table.get(cls)
            reduced = reducer(value) if reducer is not None else value.__reduce_ex__(4)
        except Exception as err:
            raise self._fail(
                value,
                f"it cannot be pickled ({err}); pass its parameter in ignore= "
                "or give the class a __checkpoint_digest__ method",
            ) from err
        if isinstance(reduced, str):  # a global singleton, pickled by name
            self._tag(b"G", f"{_type_name(cls)}:{reduced}".encode())
            return
        self._enter(value)
        self._tag(b"R", _type_name(cls).encode())
        constructor, *rest = reduced
        self._tag(b"r", _callable_name(constructor).encode())
        ctor_args = rest[0] if rest else ()
        if constructor is _COPYREG_NEWOBJ and ctor_args:
            ctor_args = ctor_args[1:]  # drop the class: already in the tag
        self.encode(ctor_args, depth + 1)
        state = rest[1] if len(rest) > 1 else None
        self.encode(state, depth + 1)
        for extra in rest[2:4]:
            if extra is None:
                self._h.update(b"N")
            else:
                items = list(extra)
                self.encode(items, depth + 1)
        self._active.pop()


def _float_bytes(value: float) -> bytes:
    if value != value:  # NaN: one canonical encoding
        return _NAN_BYTES
    return _pack_float(value)  # -0.0 and 0.0 stay distinct (different bits)


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _callable_name(obj: object) -> str:
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", repr(obj))
    return f"{module}:{qualname}"


def _copyreg_newobj() -> object:
    return getattr(copyreg, "__newobj__")  # noqa: B009 - untyped in typeshed


_COPYREG_NEWOBJ: Final = _copyreg_newobj()

_BUILTIN_BASES: Final[tuple[tuple[type, bytes], ...]] = (
    (bool, b"T"),
    (int, b"i"),
    (float, b"f"),
    (str, b"s"),
    (bytes, b"y"),
    (tuple, b"t"),
    (list, b"l"),
    (dict, b"d"),
    (frozenset, b"Z"),
    (set, b"S"),
)


# -- lazy fast paths ---------------------------------------------------------
_FastPath = Callable[[_LegacyEncoder, Any, int], None]


def _lazy_fast_path(cls: type) -> _FastPath | None:
    """Return the fast-path encoder for numpy/pandas values, without importing them."""
    module = cls.__module__.partition(".")[0]
    if module == "numpy" and "numpy" in sys.modules:
        np = sys.modules["numpy"]
        if issubclass(cls, np.ndarray):
            return _encode_ndarray
        if issubclass(cls, np.generic):
            return _encode_numpy_scalar
        if issubclass(cls, np.dtype):
            return _encode_numpy_dtype
    if module == "pandas" and "pandas" in sys.modules:
        pd = sys.modules["pandas"]
        if issubclass(cls, pd.DataFrame):
            return _encode_dataframe
        if issubclass(cls, (pd.Series, pd.Index)):
            return _encode_series
    return None


def _encode_ndarray(enc: _LegacyEncoder, array: Any, depth: int) -> None:
    np = sys.modules["numpy"]
    if type(array) is not np.ndarray:
        enc._tag(b"<", _type_name(type(array)).encode())
        array = np.asarray(array)
    enc._tag(b"A", array.dtype.str.encode())
    enc._tag(b"a", repr(array.dtype.descr).encode() if array.dtype.fields else b"")
    enc._tag(b"s", repr(tuple(array.shape)).encode())
    if array.dtype.hasobject:
        enc._sequence(b"l", array.ravel(order="C").tolist(), depth)
        return
    # Hash the buffer itself; only non-contiguous views need a C-ordered copy.
    buffer = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    enc._h.update(_pack_len(buffer.nbytes))
    enc._h.update(memoryview(buffer.reshape(-1).view(np.uint8)))


def _encode_numpy_scalar(enc: _LegacyEncoder, scalar: Any, depth: int) -> None:
    enc._tag(b"g", scalar.dtype.str.encode())
    if scalar.dtype.hasobject:
        enc.encode(scalar.item(), depth + 1)
    else:
        enc._tag(b"b", scalar.tobytes())


def _encode_numpy_dtype(enc: _LegacyEncoder, dtype: Any, depth: int) -> None:
    enc._tag(b"D", dtype.str.encode() + repr(dtype.descr).encode())


def _encode_series(enc: _LegacyEncoder, series: Any, depth: int) -> None:
    pd = sys.modules["pandas"]
    enc._tag(b"<", _type_name(type(series)).encode())
    enc._tag(b"D", str(series.dtype).encode())
    if isinstance(series, pd.Index):
        enc.encode(series.name, depth + 1)
        enc.encode(series.to_numpy(dtype=object), depth + 1)
        return
    enc.encode(series.name, depth + 1)
    _encode_series(enc, series.index, depth + 1)
    enc.encode(_series_values(series), depth + 1)


def _encode_dataframe(enc: _LegacyEncoder, frame: Any, depth: int) -> None:
    enc._tag(b"<", _type_name(type(frame)).encode())
    _encode_series(enc, frame.columns, depth + 1)
    _encode_series(enc, frame.index, depth + 1)
    enc._h.update(_pack_len(frame.shape[1]))
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        enc._tag(b"D", str(column.dtype).encode())
        enc.encode(_series_values(column), depth + 1)


def _series_values(series: Any) -> Any:
    """The values of *series* as a numpy array: numeric as-is, others as objects."""
    np = sys.modules["numpy"]
    values = series.to_numpy()
    if isinstance(values, np.ndarray) and not values.dtype.hasobject:
        return values
    return series.to_numpy(dtype=object)
