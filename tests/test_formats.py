"""Tests for checkpointing.formats."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import collections
import datetime
import decimal
import enum
import io
import json
import math
import mmap
import pickle
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
import polars as pl
import polars.testing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra import pandas as hpd

from checkpointing import (
    BytesSerializer,
    CloudpickleSerializer,
    ConfigurationError,
    SerializationError,
    Serializer,
    StoreWriteWarning,
    checkpoint,
)
from checkpointing.formats import (
    CallableSerializer,
    JsonSerializer,
    NumpyArchiveSerializer,
    NumpySerializer,
    PandasSerializer,
    PolarsSerializer,
    TextSerializer,
    resolve_serializer,
)


def write(serializer: Any, value: Any, path: Path) -> Path:
    """Dump *value* into a real file at *path*, as the store does."""
    with path.open("wb") as file:
        serializer.dump(value, file)
    return path


def check_then_write(serializer: Any, value: Any, path: Path) -> None:
    """Call check() if the serializer has one, then dump, as the store does."""
    if hasattr(serializer, "check"):
        serializer.check(value)
    write(serializer, value, path)


def read(serializer: Any, path: Path) -> Any:
    with path.open("rb") as file:
        return serializer.load(file)


def round_trip(serializer: Any, value: Any, directory: Path) -> Any:
    """Dump *value* to a file in *directory* and load it back."""
    path = write(serializer, value, directory / f"value{serializer.suffix}")
    return read(serializer, path)


def assert_frames_equal(expected: Any, actual: Any) -> None:
    """Exact pandas equality: values to the bit, dtypes, index, names, attrs."""
    if isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(expected, actual, check_exact=True)
    else:
        pd.testing.assert_frame_equal(expected, actual, check_exact=True)
    assert expected.attrs == actual.attrs


def assert_arrays_equal(expected: Any, actual: Any) -> None:
    """Same type, dtype (byte order included), shape and bytes."""
    assert np.ndarray is type(actual)
    assert expected.dtype == actual.dtype
    assert expected.shape == actual.shape
    assert np.asarray(expected).tobytes() == actual.tobytes()


class FormatContract:
    """
    The contract every file serializer meets; subclass and define the hooks.

    ``make`` builds the serializer, ``sample`` a value that round-trips
    exactly, ``unserializable`` a value it refuses; ``assert_same`` compares
    a loaded value with the original, ``garbage`` are bytes that are not a
    stored value.
    """

    name: ClassVar[str]
    suffix: ClassVar[str]
    garbage: ClassVar[bytes] = b"\x00garbage\xff"

    def make(self) -> Any:
        raise NotImplementedError

    def sample(self) -> Any:
        raise NotImplementedError

    def unserializable(self) -> Any:
        raise NotImplementedError

    def assert_same(self, expected: Any, actual: Any) -> None:
        assert type(expected) is type(actual)
        assert expected == actual

    def test_is_a_serializer(self):
        """The object satisfies the runtime-checkable Serializer protocol."""
        assert isinstance(self.make(), Serializer)

    def test_name_and_suffix(self):
        """name and suffix are the documented, stable strings."""
        assert self.name == self.make().name
        assert self.suffix == self.make().suffix

    def test_round_trip_through_a_file(self, tmp_path):
        """load(dump(v)) gives back an equal value through a real file."""
        self.assert_same(
            self.sample(), round_trip(self.make(), self.sample(), tmp_path)
        )

    def test_check_passes_an_exact_value(self):
        """check() is None for a value that round-trips exactly."""
        check = getattr(self.make(), "check", None)
        assert check is None or check(self.sample()) is None

    def test_unserializable_is_refused(self, tmp_path):
        """A value the format cannot store raises SerializationError naming it."""
        serializer = self.make()
        with pytest.raises(SerializationError) as info:
            check_then_write(serializer, self.unserializable(), tmp_path / "value")
        assert serializer.name == info.value.serializer

    def test_dump_refuses_without_check(self, tmp_path):
        """dump() raises SerializationError for the same value, check() or not."""
        serializer = self.make()
        with pytest.raises(SerializationError):
            write(serializer, self.unserializable(), tmp_path / "value")

    def test_garbage_is_refused(self, tmp_path):
        """A file that is not a stored value raises SerializationError on load."""
        path = tmp_path / "garbage"
        path.write_bytes(self.garbage)
        with pytest.raises(SerializationError):
            read(self.make(), path)

    def test_pickles(self):
        """The serializer object pickles to an equal object with the same repr."""
        serializer = self.make()
        clone = pickle.loads(pickle.dumps(serializer))
        assert serializer == clone
        assert hash(serializer) == hash(clone)
        assert repr(serializer) == repr(clone)

    def test_equal_configurations_are_equal(self):
        """Two serializers built alike are equal and hash alike."""
        assert self.make() == self.make()
        assert hash(self.make()) == hash(self.make())
        assert self.make() != object()


# --------------------------------------------------------------------------
# numpy


class TestNumpySerializer(FormatContract):
    name = "numpy"
    suffix = ".npy"

    def make(self):
        return NumpySerializer()

    def sample(self):
        return np.arange(12, dtype=">i4").reshape(3, 4)

    def unserializable(self):
        return np.array([{}, []], dtype=object)

    def assert_same(self, expected, actual):
        assert_arrays_equal(expected, actual)

    @pytest.mark.parametrize(
        "array",
        [
            np.asfortranarray(np.arange(6.0).reshape(2, 3)),
            np.arange(10)[::3],
            np.array(5),
            np.zeros((0, 3)),
            np.array([("a", 1.5)], dtype=[("name", "U3"), ("x", "<f8")]),
            np.array(["2020-01-01T00:00"], dtype="datetime64[m]"),
            np.array([b"x", b"yz"]),
        ],
        ids=["fortran", "strided", "0-d", "empty", "structured", "datetime", "bytes"],
    )
    def test_exact_arrays(self, tmp_path, array):
        """Every dtype without Python objects comes back exactly, in any layout."""
        serializer = self.make()
        assert None is serializer.check(array)
        loaded = round_trip(serializer, array, tmp_path)
        assert_arrays_equal(array, loaded)
        assert np.isfortran(array) == np.isfortran(loaded)

    def test_file_is_standard_npy(self, tmp_path):
        """numpy.load reads the stored file."""
        path = write(self.make(), self.sample(), tmp_path / "a.npy")
        assert_arrays_equal(self.sample(), np.load(path))

    def test_scalar_comes_back_as_0d_array(self, tmp_path):
        """A numpy scalar is stored as a 0-d array, and check() says so."""
        serializer = self.make()
        assert "0-d numpy.ndarray" in serializer.check(np.float64(1.5))
        loaded = round_trip(serializer, np.float64(1.5), tmp_path)
        assert (np.ndarray, (), 1.5) == (type(loaded), loaded.shape, loaded[()])

    @pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
    def test_subclass_comes_back_as_ndarray(self, tmp_path):
        """An ndarray subclass comes back as a plain ndarray, and check() says so."""
        matrix = np.matrix([[1, 2]])
        serializer = self.make()
        assert "numpy.matrix" in serializer.check(matrix)
        assert_arrays_equal(
            np.asarray(matrix), round_trip(serializer, matrix, tmp_path)
        )

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (np.ma.masked_array([1, 2], mask=[0, 1]), "masked"),
            (np.array(["a"], dtype=np.dtypes.StringDType()), "pickling"),
            (np.array([None]), "pickling"),
            ([1, 2], "not a numpy.ndarray: use serializer='pickle'"),
            (1.5, "is a float"),
        ],
        ids=["masked", "StringDType", "object", "list", "float"],
    )
    def test_refused(self, tmp_path, value, fragment):
        """Values .npy cannot store exactly are refused at check() and dump()."""
        serializer = self.make()
        with pytest.raises(SerializationError, match=fragment):
            serializer.check(value)
        with pytest.raises(SerializationError, match=fragment):
            write(serializer, value, tmp_path / "value")

    def test_load_never_unpickles(self, tmp_path):
        """An object array saved by numpy with pickle is refused, not executed."""
        path = tmp_path / "object.npy"
        np.save(path, np.array([{}], dtype=object), allow_pickle=True)
        with pytest.raises(SerializationError, match="pickle"):
            read(self.make(), path)

    def test_truncated_file_is_refused(self, tmp_path):
        """A .npy file cut short raises SerializationError."""
        path = write(self.make(), np.arange(1000), tmp_path / "a.npy")
        path.write_bytes(path.read_bytes()[:500])
        with pytest.raises(SerializationError):
            read(self.make(), path)

    def test_mmap_read_only(self, tmp_path):
        """load_mmap(path, "r") maps the file read-only instead of reading it."""
        path = write(self.make(), self.sample(), tmp_path / "a.npy")
        mapped = self.make().load_mmap(str(path), "r")
        assert isinstance(mapped, np.memmap)
        assert isinstance(mapped.base, mmap.mmap)
        assert not mapped.flags.writeable
        np.testing.assert_array_equal(self.sample(), mapped)
        with pytest.raises(ValueError, match="read-only"):
            mapped[0, 0] = 1

    def test_mmap_copy_on_write(self, tmp_path):
        """load_mmap(path, "c") gives a writable map whose writes spare the file."""
        path = write(self.make(), self.sample(), tmp_path / "a.npy")
        mapped = self.make().load_mmap(str(path), "c")
        mapped[0, 0] = 99
        assert 99 == mapped[0, 0]
        assert 0 == read(self.make(), path)[0, 0]

    @pytest.mark.parametrize("mode", ["r+", "w+", "", None])
    def test_mmap_refuses_writing_modes(self, tmp_path, mode):
        """Only "r" and "c" are accepted: a stored file is never written through."""
        path = write(self.make(), self.sample(), tmp_path / "a.npy")
        with pytest.raises(ConfigurationError, match="mmap_mode"):
            self.make().load_mmap(str(path), mode)

    def test_mmap_of_garbage(self, tmp_path):
        """Mapping a file that is not .npy raises SerializationError."""
        path = tmp_path / "a.npy"
        path.write_bytes(b"not an array")
        with pytest.raises(SerializationError):
            self.make().load_mmap(str(path), "r")


class Pair(NamedTuple):
    left: Any
    right: Any


class TestNumpyArchiveSerializer(FormatContract):
    name = "numpy-npz"
    suffix = ".npz"

    def make(self):
        return NumpyArchiveSerializer()

    def sample(self):
        return {"b": np.arange(3), "a/x": np.ones((2, 2), dtype="f4"), "": np.array(1)}

    def unserializable(self):
        return {"a": np.arange(3), "b": [1, 2]}

    def assert_same(self, expected, actual):
        assert dict is type(actual)
        assert list(expected) == list(actual)
        for key in expected:
            assert_arrays_equal(expected[key], actual[key])

    @pytest.mark.parametrize("container", [list, tuple])
    def test_sequences_keep_their_type(self, tmp_path, container):
        """A list or tuple of arrays comes back as a list or tuple."""
        value = container([np.arange(3), np.zeros(0)])
        assert None is self.make().check(value)
        loaded = round_trip(self.make(), value, tmp_path)
        assert container is type(loaded)
        for expected, actual in zip(value, loaded, strict=True):
            assert_arrays_equal(expected, actual)

    def test_numpy_reads_the_archive(self, tmp_path):
        """numpy.load reads the archive; a list's arrays are arr_0, arr_1..."""
        path = write(self.make(), [np.arange(3), np.ones(2)], tmp_path / "a.npz")
        with np.load(path) as archive:
            assert ["arr_0", "arr_1"] == archive.files
            np.testing.assert_array_equal(np.ones(2), archive["arr_1"])

    def test_reads_numpy_savez(self, tmp_path):
        """An archive written by numpy.savez comes back as a dict."""
        path = tmp_path / "a.npz"
        np.savez(path, x=np.arange(2), y=np.ones(3))
        self.assert_same({"x": np.arange(2), "y": np.ones(3)}, read(self.make(), path))

    @pytest.mark.parametrize(
        ("value", "fragment", "loaded_type"),
        [
            (collections.OrderedDict(a=np.arange(2)), "comes back as a dict", dict),
            (Pair(np.arange(2), np.ones(1)), "comes back as a plain tuple", tuple),
            ({"s": np.float32(2)}, "0-d numpy.ndarray", dict),
        ],
        ids=["OrderedDict", "namedtuple", "scalar"],
    )
    def test_lossy(self, tmp_path, value, fragment, loaded_type):
        """check() names what changes, and load returns the changed value."""
        assert fragment in self.make().check(value)
        assert loaded_type is type(round_trip(self.make(), value, tmp_path))

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            ({1: np.arange(2)}, "keys must be str"),
            (np.arange(3), "serializer='numpy'"),
            ([np.array([None])], r"result\[0\] has dtype object"),
        ],
        ids=["int key", "one array", "object array"],
    )
    def test_refused(self, tmp_path, value, fragment):
        """Containers .npz cannot store are refused at check() and dump()."""
        with pytest.raises(SerializationError, match=fragment):
            self.make().check(value)
        with pytest.raises(SerializationError, match=fragment):
            write(self.make(), value, tmp_path / "value")

    def test_foreign_member_is_refused(self, tmp_path):
        """A zip holding something other than .npy members is not an archive."""
        path = tmp_path / "a.npz"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
        with pytest.raises(SerializationError, match=r"notes\.txt"):
            read(self.make(), path)


# --------------------------------------------------------------------------
# pandas


def _with(frame: pd.DataFrame, **changes: Any) -> pd.DataFrame:
    """*frame* with attributes (attrs, flags) set, for parametrize lists."""
    if "attrs" in changes:
        frame.attrs = changes["attrs"]
    if "duplicates" in changes:
        frame = frame.set_flags(allows_duplicate_labels=changes["duplicates"])
    return frame


def _object(*values: Any) -> pd.DataFrame:
    return pd.DataFrame({"a": pd.Series(list(values), dtype=object)})


class TestPandasParquet(FormatContract):
    name = "pandas-parquet"
    suffix = ".parquet"
    garbage = b"PAR1 not really"

    def make(self):
        return PandasSerializer()

    def sample(self):
        return pd.DataFrame(
            {
                "i": [1, 2, 3],
                "f": [0.5, math.nan, -math.inf],
                "s": ["x", None, "ü"],
                "b": [True, False, True],
                "c": pd.Categorical(["x", "y", "x"], categories=["y", "x", "z"]),
                "t": pd.DatetimeIndex(
                    ["2020-01-01", "2021-06-01", None], tz="Europe/Paris"
                ),
                "n": pd.array([1, None, 3], dtype="Int64"),
            },
            index=pd.Index([10, 20, 30], name="k"),
        )

    def unserializable(self):
        return pd.DataFrame({"z": [1 + 2j]})

    def assert_same(self, expected, actual):
        assert_frames_equal(expected, actual)

    @pytest.mark.parametrize(
        "value",
        [
            pd.Series([1.5, 2.5], name="s"),
            pd.Series([1, 2]),
            pd.Series(["x"], name=7, index=pd.Index(["r"], name="row")),
        ],
        ids=["named", "unnamed", "int name"],
    )
    def test_series_comes_back_as_series(self, tmp_path, value):
        """A Series is stored as one column and comes back as a Series, name and all."""
        assert None is self.make().check(value)
        assert_frames_equal(value, round_trip(self.make(), value, tmp_path))

    @pytest.mark.parametrize(
        "value",
        [
            _object(b"x", None),
            _object(datetime.date(2020, 1, 1), None),
            _object(datetime.time(1, 2)),
            _object(decimal.Decimal("1.5")),
            _object(True, None),
            _object(None, None),
            pd.DataFrame(
                {"a": pd.Categorical(["x"], categories=["x", "y"], ordered=True)}
            ),
            pd.DataFrame({"a": pd.to_timedelta([1, 2], unit="s")}),
            pd.DataFrame({"a": pd.period_range("2020", periods=2, freq="M")}),
            pd.DataFrame({"a": pd.interval_range(0, 2)}),
            pd.DataFrame({"a": pd.array(["x", None], dtype="string[pyarrow]")}),
            pd.DataFrame({"a": pd.array([True, None], dtype="boolean")}),
            pd.DataFrame({"a": np.array([1, 2], dtype=np.float16)}),
            pd.DataFrame({"a": np.array([2**64 - 1], dtype=np.uint64)}),
            pd.DataFrame({0: [1], 1: [2]}),
            pd.DataFrame(
                [[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])
            ),
            pd.DataFrame(
                {"a": [1, 2]}, index=pd.MultiIndex.from_tuples([(1, "x"), (2, "y")])
            ),
            pd.DataFrame({"a": [1, 2]}, index=pd.RangeIndex(0, 4, 2, name="r")),
            pd.DataFrame({"a": [1]}, index=pd.CategoricalIndex(["x"])),
            pd.DataFrame({"a": [1]}).rename_axis(columns="names"),
            _with(pd.DataFrame({"a": [1]}), attrs={"source": "lab", "n": [1, 2]}),
            pd.DataFrame(),
        ],
        ids=[
            "object bytes",
            "object dates",
            "object times",
            "object decimals",
            "object bools with None",
            "object all None",
            "ordered categorical with unused category",
            "timedelta",
            "period",
            "interval",
            "string[pyarrow]",
            "boolean",
            "float16",
            "uint64",
            "int column names",
            "MultiIndex columns",
            "MultiIndex index",
            "RangeIndex with step",
            "CategoricalIndex",
            "named column axis",
            "JSON attrs",
            "empty",
        ],
    )
    def test_exact_frames(self, tmp_path, value):
        """Frames check() passes come back exactly."""
        assert None is self.make().check(value)
        assert_frames_equal(value, round_trip(self.make(), value, tmp_path))

    @pytest.mark.parametrize(
        ("value", "fragment", "came_back"),
        [
            (
                pd.DataFrame({"a": [1], 1: [2]}),
                "column names of mixed types come back as strings",
                lambda out: ["a", "1"] == list(out.columns),
            ),
            (
                _object(1, None),
                "object of integer values",
                lambda out: "float64" == out["a"].dtype,
            ),
            (
                _object(1.5),
                "object of floating values",
                lambda out: "float64" == out["a"].dtype,
            ),
            (
                _object("x", None),
                "str dtype",
                lambda out: "str" == out["a"].dtype,
            ),
            (_object(True), "comes back as bool", lambda out: "bool" == out["a"].dtype),
            (
                _object(datetime.datetime(2020, 1, 1)),
                "datetime64",
                lambda out: "M" == out["a"].dtype.kind,
            ),
            (
                _object([1, 2], (3,)),
                "lists and tuples come back as numpy arrays",
                lambda out: isinstance(out["a"][1], np.ndarray),
            ),
            (
                _object({"x": 1}, {"y": 2}),
                "every key",
                lambda out: {"x": 1, "y": None} == out["a"][0],
            ),
            (
                pd.DataFrame({"a": pd.Categorical([1, 2])}),
                "categorical of non-strings",
                lambda out: "int64" == out["a"].dtype,
            ),
            (
                pd.DataFrame(
                    {"a": pd.to_datetime(["2020-01-01"]).astype("datetime64[s]")}
                ),
                "unit ms",
                lambda out: "datetime64[ms]" == out["a"].dtype,
            ),
            (
                pd.DataFrame({"a": [1]}, index=pd.CategoricalIndex([1], name="i")),
                "index level 'i' (categorical of non-strings)",
                lambda out: "int64" == out.index.dtype,
            ),
            (
                pd.DataFrame({"a": [1]}, index=pd.Index([5], name=3)),
                "index names [3] come back as strings",
                lambda out: "3" == out.index.name,
            ),
            (
                pd.DataFrame({"a": [1, 2]}, index=pd.date_range("2020", periods=2)),
                "freq (D) is not stored",
                lambda out: out.index.freq is None,
            ),
            (
                pd.DataFrame({"a": pd.array(["x"], dtype="string[python]")}),
                "pyarrow storage",
                lambda out: "pyarrow" == out["a"].dtype.storage,
            ),
            (
                _with(pd.DataFrame({"a": [1]}), attrs={"t": (1, 2)}),
                "stored as JSON and come back changed",
                lambda out: {"t": [1, 2]} == out.attrs,
            ),
            (
                _with(pd.DataFrame({"a": [1]}), attrs={"o": object()}),
                "not JSON-serializable",
                lambda out: {} == out.attrs,
            ),
            (
                _with(pd.DataFrame({"a": [1]}), duplicates=False),
                "allows_duplicate_labels",
                lambda out: out.flags.allows_duplicate_labels,
            ),
        ],
        ids=[
            "mixed column names",
            "object ints",
            "object floats",
            "object strings",
            "object bools",
            "object datetimes",
            "object lists",
            "object dicts",
            "categorical of ints",
            "datetime64[s]",
            "categorical index of ints",
            "int index name",
            "index freq",
            "string[python]",
            "attrs with tuples",
            "attrs with objects",
            "flags",
        ],
    )
    def test_lossy(self, tmp_path, value, fragment, came_back):
        """check() names each change Parquet makes; load returns the changed frame."""
        message = self.make().check(value)
        assert fragment in message
        loaded = round_trip(self.make(), value, tmp_path)  # no warning either
        assert came_back(loaded)
        with pytest.raises(AssertionError):
            assert_frames_equal(value, loaded)

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (pd.DataFrame([[1, 2]], columns=["a", "a"]), "duplicate column names 'a'"),
            (
                pd.DataFrame([[1, 2]], columns=[1, "1"]),
                "collide once stored as strings",
            ),
            (pd.DataFrame({"a": pd.arrays.SparseArray([0, 1])}), "Sparse"),
            (_object(1, "x"), "column 'a' cannot be stored in Parquet"),
            (_object(2**70), "column 'a' holds ints beyond 64 bits"),
            ([1, 2], "not a pandas DataFrame or Series: use serializer='pickle'"),
            (pl.DataFrame({"a": [1]}), "polars"),
        ],
        ids=[
            "duplicate names",
            "names colliding as strings",
            "sparse",
            "mixed objects",
            "huge int",
            "list",
            "polars",
        ],
    )
    def test_refused(self, tmp_path, value, fragment):
        """Values Parquet cannot store are refused at check() and at dump()."""
        with pytest.raises(SerializationError, match=fragment):
            self.make().check(value)
        with pytest.raises(SerializationError):
            write(self.make(), value, tmp_path / "value")

    def test_file_is_standard_parquet(self, tmp_path):
        """pandas.read_parquet reads the stored file by itself."""
        path = write(self.make(), self.sample(), tmp_path / "a.parquet")
        assert_frames_equal(self.sample(), pd.read_parquet(path))

    def test_dump_does_not_touch_the_frame(self, tmp_path):
        """Relabelling for Parquet happens on a copy: the caller's frame is unchanged."""
        frame = _with(
            pd.DataFrame({"a": [1], 1: [2]}), attrs={"o": None, "x": object()}
        )
        write(self.make(), frame, tmp_path / "a.parquet")
        assert ["a", 1] == list(frame.columns)
        assert {"o", "x"} == set(frame.attrs)


class TextFrameContract(FormatContract):
    """The contract plus the cases CSV and JSON share."""

    garbage = b"\x00garbage\xff"

    def sample(self):
        return pd.DataFrame(
            {
                "i": [1, 2],
                "f": [0.5, math.nan],
                "s": ["x", "y z"],
                "b": [True, False],
            },
            index=pd.Index([3, 4], name="k"),
        )

    def unserializable(self):
        return ["not", "a", "frame"]

    def assert_same(self, expected, actual):
        assert_frames_equal(expected, actual)

    def test_series_comes_back_as_frame(self, tmp_path):
        """A Series comes back as a one-column DataFrame, and check() says so."""
        series = pd.Series([1, 2], name="s")
        assert "a Series comes back as a one-column DataFrame" in self.make().check(
            series
        )
        assert_frames_equal(
            series.to_frame(), round_trip(self.make(), series, tmp_path)
        )

    def test_attrs_are_not_kept(self, tmp_path):
        """attrs are lost, and check() says so."""
        frame = _with(pd.DataFrame({"a": [1]}), attrs={"x": 1})
        assert "attrs are not stored" in self.make().check(frame)
        assert {} == round_trip(self.make(), frame, tmp_path).attrs

    def test_int8_comes_back_wider(self, tmp_path):
        """Integer widths are re-inferred: int8 comes back as int64."""
        frame = pd.DataFrame({"a": np.array([1, 2], dtype=np.int8)})
        assert "column 'a' (int8) comes back as int64" in self.make().check(frame)
        assert "int64" == round_trip(self.make(), frame, tmp_path)["a"].dtype


class TestPandasCsv(TextFrameContract):
    name = "pandas-csv"
    suffix = ".csv"

    def make(self):
        return PandasSerializer("csv")

    @pytest.mark.parametrize(
        ("value", "fragment", "came_back"),
        [
            (
                pd.DataFrame({"d": pd.to_datetime(["2020-01-01"])}),
                "column 'd' (datetime64[us]) comes back as str",
                lambda out: "2020-01-01" == out["d"][0],
            ),
            (
                pd.DataFrame({"c": pd.Categorical(["x"])}),
                "column 'c' (category) comes back as str",
                lambda out: "str" == out["c"].dtype,
            ),
            (
                pd.DataFrame({"s": ["1", "2"]}),
                "column 's' (str) comes back as int64",
                lambda out: [1, 2] == out["s"].tolist(),
            ),
            (
                pd.DataFrame({"s": ["", "NA", "x"]}),
                "row 0: '' comes back as nan",
                lambda out: 2 == out["s"].isna().sum(),
            ),
            (
                pd.DataFrame({0: [1]}),
                "column names [0] (int64) come back as ['0']",
                lambda out: ["0"] == list(out.columns),
            ),
        ],
        ids=["datetime", "categorical", "numeric strings", "NA strings", "int names"],
    )
    def test_lossy(self, tmp_path, value, fragment, came_back):
        """check() names each change CSV makes; load returns the changed frame."""
        message = self.make().check(value)
        assert message.startswith("CSV keeps only text")
        assert fragment in message
        assert came_back(round_trip(self.make(), value, tmp_path))

    def test_floats_round_trip_exactly(self, tmp_path):
        """Floats are written in shortest round-trip form and parsed exactly."""
        frame = pd.DataFrame({"f": [1 / 3, 0.1, 1e-300, 2**0.5, -0.0]})
        assert None is self.make().check(frame)
        assert_frames_equal(frame, round_trip(self.make(), frame, tmp_path))

    def test_file_is_readable_text(self, tmp_path):
        """The stored file is plain UTF-8 CSV with the index first and "\\n" lines."""
        frame = pd.DataFrame({"a": ["ü"]}, index=pd.Index([1], name="k"))
        path = write(self.make(), frame, tmp_path / "a.csv")
        assert "k,a\n1,ü\n" == path.read_text(encoding="utf-8")


class TestPandasJson(TextFrameContract):
    name = "pandas-json"
    suffix = ".json"

    def make(self):
        return PandasSerializer("json")

    @pytest.mark.parametrize(
        ("value", "fragment", "came_back"),
        [
            (
                pd.DataFrame({"f": [1 / 3]}),
                "column 'f' values change (row 0: 0.3333333333333333 comes back as "
                "0.333333333333333)",
                lambda out: 1 / 3 != out["f"][0],
            ),
            (
                pd.DataFrame({"a": [1]}, index=pd.Index([2], name="index")),
                "the index (Index of int64 named 'index') comes back as Index of int64",
                lambda out: out.index.name is None,
            ),
            (
                pd.DataFrame({"d": pd.to_datetime(["2020-01-01"])}),
                "column 'd' (datetime64[us]) comes back as datetime64[ns]",
                lambda out: "datetime64[ns]" == out["d"].dtype,
            ),
        ],
        ids=["float digits", "index named index", "datetime unit"],
    )
    def test_lossy(self, tmp_path, value, fragment, came_back):
        """check() names each change JSON makes; load returns the changed frame."""
        message = self.make().check(value)
        assert message.startswith("JSON keeps what its Table Schema describes")
        assert fragment in message
        assert came_back(round_trip(self.make(), value, tmp_path))  # and no warning

    @pytest.mark.parametrize(
        "value",
        [
            pd.DataFrame({"c": pd.Categorical(["x", "y"])}),
            pd.DataFrame({"s": ["1", "", "NA"]}),
            pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}),
        ],
        ids=["categorical", "strings", "nullable ints"],
    )
    def test_table_schema_keeps_dtypes(self, tmp_path, value):
        """The table orient keeps what CSV loses: categoricals, strings, nullable ints."""
        assert None is self.make().check(value)
        assert_frames_equal(value, round_trip(self.make(), value, tmp_path))

    def test_unwritable_frame_is_refused(self):
        """A frame the table orient cannot write raises SerializationError."""
        frame = pd.DataFrame(
            [[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])
        )
        with pytest.raises(SerializationError, match="MultiIndex"):
            self.make().check(frame)

    def test_file_is_a_table_schema(self, tmp_path):
        """The stored file is JSON with a schema and the rows, text unescaped."""
        path = write(self.make(), pd.DataFrame({"a": ["ü"]}), tmp_path / "a.json")
        stored = json.loads(path.read_text(encoding="utf-8"))
        assert {"schema", "data"} == set(stored)
        assert "ü" in path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------
# polars


class PolarsContract(FormatContract):
    def sample(self):
        return pl.DataFrame(
            {"i": [1, 2], "f": [0.5, None], "s": ["x", "ü"], "b": [True, False]}
        )

    def unserializable(self):
        return pl.DataFrame({"o": pl.Series([object()], dtype=pl.Object)})

    def assert_same(self, expected, actual):
        polars.testing.assert_frame_equal(expected, actual, check_exact=True)

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (pl.Series([1, 2]), "series.to_frame()"),
            (pl.LazyFrame({"a": [1]}), "collect()"),
            (
                pd.DataFrame({"a": [1]}),
                "not a polars DataFrame: use serializer='pickle'",
            ),
        ],
        ids=["Series", "LazyFrame", "pandas"],
    )
    def test_refused(self, tmp_path, value, fragment):
        """Values that are not polars DataFrames are refused with advice."""
        with pytest.raises(SerializationError, match=fragment):
            self.make().check(value)
        with pytest.raises(SerializationError, match=fragment):
            write(self.make(), value, tmp_path / "value")


class TestPolarsParquet(PolarsContract):
    name = "polars-parquet"
    suffix = ".parquet"

    def make(self):
        return PolarsSerializer()

    def test_every_dtype_round_trips(self, tmp_path):
        """Dates, durations, categoricals, nested and binary columns come back exactly."""
        frame = pl.DataFrame(
            {
                "d": [datetime.date(2020, 1, 1)],
                "t": [datetime.datetime(2020, 1, 1, 12)],
                "dur": [datetime.timedelta(seconds=3)],
                "c": pl.Series(["x"], dtype=pl.Categorical),
                "e": pl.Series(["x"], dtype=pl.Enum(["x", "y"])),
                "l": [[1, 2]],
                "st": [{"a": 1, "b": "z"}],
                "bin": [b"\x00"],
                "i8": pl.Series([1], dtype=pl.Int8),
                "nan": [math.nan],
            }
        )
        assert None is self.make().check(frame)
        self.assert_same(frame, round_trip(self.make(), frame, tmp_path))


class TestPolarsCsv(PolarsContract):
    name = "polars-csv"
    suffix = ".csv"
    garbage = b""

    def make(self):
        return PolarsSerializer("csv")

    @pytest.mark.parametrize(
        ("value", "fragment", "dtype"),
        [
            (
                pl.DataFrame({"a": [datetime.date(2020, 1, 1)]}),
                "(Date) comes back as String",
                pl.String,
            ),
            (
                pl.DataFrame({"a": pl.Series([1], dtype=pl.Int8)}),
                "(Int8) comes back as Int64",
                pl.Int64,
            ),
            (pl.DataFrame({"a": ["1", "2"]}), "(String) comes back as Int64", pl.Int64),
        ],
        ids=["date", "int8", "numeric strings"],
    )
    def test_lossy(self, tmp_path, value, fragment, dtype):
        """check() names each column CSV changes; load returns the changed dtype."""
        message = self.make().check(value)
        assert message.startswith("CSV does not keep polars dtypes")
        assert fragment in message
        assert dtype == round_trip(self.make(), value, tmp_path)["a"].dtype

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (pl.DataFrame({"l": [[1]]}), "nested"),
            (pl.DataFrame({"b": [b"x"]}), "binary"),
            (pl.DataFrame(), "not read back"),
        ],
        ids=["nested", "binary", "no columns"],
    )
    def test_unstorable(self, value, fragment):
        """Frames CSV cannot write, or read back, are refused by check()."""
        with pytest.raises(SerializationError, match=fragment):
            self.make().check(value)

    def test_types_are_inferred_from_all_rows(self, tmp_path):
        """A column whose first 100 rows are ints and then a float reads back."""
        frame = pl.DataFrame({"a": [1.0] * 150 + [1.5]})
        assert None is self.make().check(frame)
        self.assert_same(frame, round_trip(self.make(), frame, tmp_path))


class TestPolarsJson(PolarsContract):
    name = "polars-json"
    suffix = ".json"

    def make(self):
        return PolarsSerializer("json")

    def test_nested_values_round_trip(self, tmp_path):
        """Lists and structs survive JSON."""
        frame = pl.DataFrame({"l": [[1, 2], [3]], "s": [{"a": 1}, {"a": 2}]})
        assert None is self.make().check(frame)
        self.assert_same(frame, round_trip(self.make(), frame, tmp_path))

    def test_lossy(self, tmp_path):
        """Dates come back as strings and NaN as null, and check() says so."""
        frame = pl.DataFrame({"d": [datetime.date(2020, 1, 1)], "f": [math.nan]})
        message = self.make().check(frame)
        assert "column 'd' (Date) comes back as String" in message
        assert "column 'f' (Float64) comes back as Null" in message
        loaded = round_trip(self.make(), frame, tmp_path)
        assert ["2020-01-01", None] == [loaded["d"][0], loaded["f"][0]]

    def test_binary_is_refused_before_polars_panics(self, tmp_path):
        """A binary column, which polars' JSON writer cannot handle, is refused."""
        frame = pl.DataFrame({"b": [b"x"]})
        with pytest.raises(SerializationError, match="Binary"):
            write(self.make(), frame, tmp_path / "a.json")


# --------------------------------------------------------------------------
# JSON and text


class Color(enum.IntEnum):
    RED = 1


class TestJsonSerializer(FormatContract):
    name = "json"
    suffix = ".json"

    def make(self):
        return JsonSerializer()

    def sample(self):
        return {
            "numbers": [1, 2.5, None, -0.0, 10**30],
            "text": "ü\n",
            "nested": {"t": [True]},
        }

    def unserializable(self):
        return {"s": {1, 2}}

    def test_file_is_readable(self, tmp_path):
        """The file is indented UTF-8 JSON in key order, ending with a newline."""
        path = write(self.make(), {"b": "ü", "a": [1]}, tmp_path / "a.json")
        assert '{\n "b": "ü",\n "a": [\n  1\n ]\n}\n' == path.read_text(
            encoding="utf-8"
        )

    @pytest.mark.parametrize(
        ("value", "fragment", "loaded"),
        [
            (
                {"a": (1, (2,))},
                "tuples come back as lists (first at result['a'])",
                {"a": [1, [2]]},
            ),
            ({1: "x", None: "y"}, "first at result: 1 as '1'", {"1": "x", "null": "y"}),
            (
                [Color.RED],
                "result[0], a tests.test_formats.Color, comes back as int",
                [1],
            ),
            (
                collections.OrderedDict(a=1),
                "collections.OrderedDict, comes back as dict",
                {"a": 1},
            ),
            ([np.float64(0.5)], "numpy.float64, comes back as float", [0.5]),
        ],
        ids=["tuple", "keys", "IntEnum", "OrderedDict", "numpy float"],
    )
    def test_lossy(self, tmp_path, value, fragment, loaded):
        """check() names what changes; load returns the changed value."""
        assert fragment in self.make().check(value)
        actual = round_trip(self.make(), value, tmp_path)
        assert loaded == actual
        assert [type(x) for x in loaded] == [type(x) for x in actual]

    def test_nan_is_noted(self, tmp_path):
        """NaN and infinities come back in Python; check() says strict JSON refuses them."""
        value = [math.nan, math.inf]
        assert "strict JSON (RFC 8259)" in self.make().check(value)
        loaded = round_trip(self.make(), value, tmp_path)
        assert math.isnan(loaded[0])
        assert math.inf == loaded[1]

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            ([frozenset()], r"result\[0\] is a set"),
            ({"b": b"x"}, "is bytes"),
            ({"d": datetime.date(2020, 1, 1)}, "is a datetime.date; JSON stores only"),
            ({1: "a", "1": "b"}, "keys 1 and '1', which are both '1'"),
            ({(1, 2): "a"}, r"has key \(1, 2\) \(tuple\)"),
            ({"s": "\ud800"}, "lone surrogates"),
            ({"\ud800": 1}, "lone surrogates"),
            ([np.int64(1)], "is a numpy.int64"),
        ],
        ids=[
            "set",
            "bytes",
            "date",
            "colliding keys",
            "tuple key",
            "surrogate",
            "key surrogate",
            "numpy int",
        ],
    )
    def test_refused(self, tmp_path, value, fragment):
        """Values JSON cannot store raise SerializationError at check() and dump()."""
        with pytest.raises(SerializationError, match=fragment):
            self.make().check(value)
        with pytest.raises(SerializationError):
            write(self.make(), value, tmp_path / "a.json")

    def test_circular_reference_is_refused(self, tmp_path):
        """A value that contains itself is refused, not walked forever."""
        value: list[Any] = [1]
        value.append({"back": value})
        with pytest.raises(SerializationError, match="circular reference"):
            self.make().check(value)
        with pytest.raises(SerializationError, match="circular reference"):
            write(self.make(), value, tmp_path / "a.json")

    def test_shared_containers_are_fine(self):
        """The same list twice (not a cycle) is exact."""
        shared = [1]
        assert None is self.make().check([shared, shared])

    def test_deep_nesting_is_refused(self, tmp_path):
        """A value nested deeper than the recursion limit raises SerializationError."""
        value: list[Any] = []
        for _ in range(sys.getrecursionlimit() + 10):
            value = [value]
        with pytest.raises(SerializationError, match="nested too deeply"):
            self.make().check(value)
        with pytest.raises(SerializationError):
            write(self.make(), value, tmp_path / "a.json")


class TestTextSerializer(FormatContract):
    name = "text"
    suffix = ".txt"

    def make(self):
        return TextSerializer()

    def sample(self):
        return "héllo\r\nwörld\n\x00"

    def unserializable(self):
        return b"bytes"

    def test_stored_bytes_are_utf8(self, tmp_path):
        """The file holds exactly the UTF-8 encoding of the text."""
        path = write(self.make(), self.sample(), tmp_path / "a.txt")
        assert self.sample().encode("utf-8") == path.read_bytes()

    def test_str_subclass_is_noted(self, tmp_path):
        """A str subclass comes back as str, and check() says so."""

        class Name(str):
            pass

        assert "comes back as str" in self.make().check(Name("x"))
        assert str is type(round_trip(self.make(), Name("x"), tmp_path))

    @pytest.mark.parametrize(
        ("value", "fragment"),
        [
            (b"x", r"decode it \(value.decode\('utf-8'\)\)"),
            (1, "is a int, not str"),
            ("\udcff", "lone surrogates"),
        ],
        ids=["bytes", "int", "surrogate"],
    )
    def test_refused(self, tmp_path, value, fragment):
        """Anything but encodable text is refused at check() and dump()."""
        with pytest.raises(SerializationError, match=fragment):
            self.make().check(value)
        with pytest.raises(SerializationError, match=fragment):
            write(self.make(), value, tmp_path / "a.txt")


# --------------------------------------------------------------------------
# callables


def save_text_array(value, file):
    np.savetxt(file, value)


def load_text_array(file):
    return np.loadtxt(file)


class TestCallableSerializer(FormatContract):
    name = (
        "callable:tests.test_formats.save_text_array/tests.test_formats.load_text_array"
    )
    suffix = ".txt"

    def make(self):
        return CallableSerializer(save_text_array, load_text_array, suffix=".txt")

    def sample(self):
        return np.array([1.5, -2.25, 1e-300])

    def unserializable(self):
        return np.array([object()])

    def assert_same(self, expected, actual):
        assert_arrays_equal(expected, actual)

    def test_name_follows_the_module(self):
        """The default name uses each function's module and qualname."""
        assert save_text_array.__module__ in self.make().name
        assert self.make().name.endswith(".load_text_array")

    def test_lambdas(self, tmp_path):
        """Lambdas work; their name says <lambda>."""
        serializer = CallableSerializer(lambda v, f: f.write(v), lambda f: f.read())
        pickler, unpickler = serializer.name.removeprefix("callable:").split("/")
        assert pickler.startswith("tests.test_formats.")
        assert pickler.endswith(".<lambda>")
        assert pickler == unpickler
        assert b"raw" == round_trip(serializer, b"raw", tmp_path)

    def test_explicit_name(self):
        """An explicit name replaces the derived one."""
        assert "txt-v1" == CallableSerializer(print, input, name="txt-v1").name

    def test_other_functions_change_the_name(self):
        """Choosing another pickler gives another name, hence another key."""
        other = CallableSerializer(np.save, load_text_array, suffix=".txt")
        assert self.make().name != other.name
        assert self.make() != other

    def test_errors_keep_their_cause(self, tmp_path):
        """What the functions raise becomes a SerializationError with it as cause."""

        def broken(value, file):
            raise KeyError("boom")

        serializer = CallableSerializer(broken, load_text_array)
        with pytest.raises(SerializationError, match="boom") as info:
            write(serializer, 1, tmp_path / "a")
        assert isinstance(info.value.__cause__, KeyError)

    def test_serialization_errors_pass_through(self, tmp_path):
        """A SerializationError raised by the pickler is not wrapped again."""

        def refuse(value, file):
            raise SerializationError("mine", "no")

        with pytest.raises(SerializationError) as info:
            write(CallableSerializer(refuse, load_text_array), 1, tmp_path / "a")
        assert "mine" == info.value.serializer

    @pytest.mark.parametrize(
        ("arguments", "fragment"),
        [
            ({"pickler": None}, "pickler must be callable"),
            ({"unpickler": "np.load"}, "unpickler must be callable"),
            ({"suffix": "txt"}, "suffix must be '' or start with a dot"),
            ({"name": ""}, "name must be a non-empty str"),
        ],
        ids=["pickler", "unpickler", "suffix", "name"],
    )
    def test_bad_configuration(self, arguments, fragment):
        """Bad arguments raise ConfigurationError when the serializer is built."""
        options = {"pickler": np.save, "unpickler": np.load} | arguments
        with pytest.raises(ConfigurationError, match=fragment):
            CallableSerializer(**options)


def write_lines(lines, file):
    """The pickler of ediblepickle's example: one str per line."""
    for line in lines:
        file.write(str(line))
        file.write("\n")


def read_lines(file):
    """The matching unpickler: the lines, as str."""
    return file.read().split("\n")[:-1]


class TestTextCallableSerializer(FormatContract):
    """The file serializer contract, for a pair of functions in text mode."""

    name = "callable-text:tests.test_formats.write_lines/tests.test_formats.read_lines"
    suffix = ".csv"

    def make(self):
        return CallableSerializer(write_lines, read_lines, suffix=".csv", mode="text")

    def sample(self):
        return ["-100", "béta", "", "naïve,ß"]

    def unserializable(self):
        return ["ok", "\udcff"]  # a lone surrogate: no UTF-8 for it


class TestCallableSerializerModes:
    """``mode=`` / ``pickler_mode=``: binary or text files for a pickler pair."""

    def test_binary_is_the_default(self):
        """Without mode=, the functions get binary files and the name is unchanged."""
        serializer = CallableSerializer(np.save, np.load)
        assert "binary" == serializer.mode
        assert "callable:numpy.save/numpy.load" == serializer.name

    def test_text_mode_is_another_format(self):
        """A text pair has another name (hence another key) and is not equal."""
        binary = CallableSerializer(write_lines, read_lines)
        text = CallableSerializer(write_lines, read_lines, mode="text")
        assert "callable-text:" + binary.name.removeprefix("callable:") == text.name
        assert binary != text
        assert "mode='text'" in repr(text)

    def test_explicit_name_is_kept_in_text_mode(self):
        """A name passed by the user is recorded as given."""
        assert (
            "lines-v1" == CallableSerializer(print, input, "", "lines-v1", "text").name
        )

    def test_text_is_utf8_with_newlines_as_written(self, tmp_path):
        """The bytes on disk are the pickler's str in UTF-8, newlines untranslated."""
        serializer = CallableSerializer(
            lambda value, file: file.write(value), lambda file: file.read(), mode="text"
        )
        value = "é\r\nline\rlast\n"
        path = write(serializer, value, tmp_path / "value")
        assert value.encode("utf-8") == path.read_bytes()
        assert value == read(serializer, path)

    def test_text_functions_get_text_files(self, tmp_path):
        """Both functions get a text file: print() works, iteration yields str."""

        def pickler(rows, file):
            for row in rows:
                print(*row, sep=",", file=file)

        def unpickler(file):
            assert isinstance(file, io.TextIOBase)
            return [line.rstrip("\n").split(",") for line in file]

        serializer = CallableSerializer(pickler, unpickler, mode="text")
        rows = [["a", "1"], ["b", "2"]]
        assert rows == round_trip(serializer, rows, tmp_path)
        assert b"a,1\nb,2\n" == (tmp_path / "value").read_bytes()

    def test_binary_functions_get_binary_files(self, tmp_path):
        """In binary mode the functions get the file itself, as before."""
        seen = []

        def pickler(value, file):
            seen.append(file)
            file.write(value)

        serializer = CallableSerializer(pickler, lambda file: file.read())
        with (tmp_path / "value").open("wb") as file:
            serializer.dump(b"\x00\xff", file)
            assert [file] == seen
        assert b"\x00\xff" == read(serializer, tmp_path / "value")

    @pytest.mark.parametrize("fail", [False, True], ids=["written", "failed"])
    def test_text_view_never_closes_the_file(self, fail, tmp_path):
        """The store's file stays open (to flush, fsync and rename it), even on failure."""

        def pickler(value, file):
            file.write(value)
            if fail:
                raise RuntimeError("disk on fire")

        serializer = CallableSerializer(pickler, lambda file: file.read(), mode="text")
        with (tmp_path / "value").open("wb") as file:
            if fail:
                with pytest.raises(SerializationError, match="disk on fire"):
                    serializer.dump("partial", file)
            else:
                serializer.dump("done", file)
            assert not file.closed
            file.write(b"!")  # still usable by the store
        if not fail:
            assert b"done!" == (tmp_path / "value").read_bytes()

    def test_text_view_after_a_pickler_closed_it(self, tmp_path):
        """A pickler that closes its file fails the write; nothing else breaks."""

        def pickler(value, file):
            file.write(value)
            file.close()

        serializer = CallableSerializer(pickler, lambda file: file.read(), mode="text")
        with (
            (tmp_path / "value").open("wb") as file,
            pytest.raises(SerializationError, match="closed file"),
        ):
            serializer.dump("x", file)

    def test_seed_pickler_in_binary_mode_says_what_to_do(self, tmp_path):
        """ediblepickle's str pickler in a binary file: the error names pickler_mode."""
        serializer = CallableSerializer(write_lines, read_lines)
        with pytest.raises(SerializationError) as info:
            write(serializer, range(3), tmp_path / "value")
        assert "pass pickler_mode='text'" in str(info.value)
        assert isinstance(info.value.__cause__, TypeError)

    def test_seed_unpickler_in_binary_mode_says_what_to_do(self, tmp_path):
        """A str unpickler given a binary file: the error names pickler_mode too."""
        path = tmp_path / "value"
        path.write_bytes(b"1\n2\n")

        def seed_unpickler(file):
            return file.read().split("\n")

        with pytest.raises(SerializationError, match="pass pickler_mode='text'"):
            read(CallableSerializer(write_lines, seed_unpickler), path)

    def test_bytes_pickler_in_text_mode_says_what_to_do(self, tmp_path):
        """pickle.dump in a text file: the error says to leave the mode binary."""
        serializer = CallableSerializer(pickle.dump, pickle.load, mode="text")
        with pytest.raises(SerializationError, match="leave pickler_mode at 'binary'"):
            write(serializer, [1], tmp_path / "value")

    def test_other_errors_get_no_hint(self, tmp_path):
        """Failures unrelated to str and bytes are reported without a mode hint."""
        serializer = CallableSerializer(write_lines, read_lines, mode="text")
        with pytest.raises(SerializationError) as info:
            write(serializer, None, tmp_path / "value")  # not iterable
        assert "pickler_mode" not in str(info.value)

    @pytest.mark.parametrize(
        ("error", "hinted"),
        [
            (TypeError("a bytes-like object is required, not 'str'"), True),
            (TypeError("write() argument must be str, not bytes"), True),
            (TypeError("can't concat str to bytes"), True),
            (TypeError('can only concatenate str (not "bytes") to str'), True),
            (ValueError("iterator should return strings, not bytes"), True),
            (TypeError("cannot use a string pattern on a bytes-like object"), True),
            # open(file) in a pickler that wanted a path: not a mode problem
            (
                TypeError(
                    "expected str, bytes or os.PathLike object, not BufferedWriter"
                ),
                False,
            ),
            (TypeError("write() argument must be str, not int"), False),
            (TypeError("a bytes-like object is required, not 'list'"), False),
        ],
    )
    def test_hint_only_when_str_met_bytes(self, tmp_path, error, hinted):
        """The hint follows the builtins' str/bytes messages, and nothing else."""

        def pickler(value, file):
            raise error

        with pytest.raises(SerializationError) as info:
            write(CallableSerializer(pickler, read_lines), 1, tmp_path / "value")
        assert hinted == ("pass pickler_mode='text'" in str(info.value))

    def test_text_mode_refuses_a_file_that_is_not_utf8(self, tmp_path):
        """Reading bytes that are not UTF-8 in text mode is a SerializationError."""
        path = tmp_path / "value"
        path.write_bytes(b"\xff\xfe\x00")
        serializer = CallableSerializer(write_lines, read_lines, mode="text")
        with pytest.raises(SerializationError, match="UnicodeDecodeError"):
            read(serializer, path)

    def test_bad_mode(self):
        """Only 'binary' and 'text' are modes."""
        with pytest.raises(ConfigurationError, match="mode must be 'binary' or 'text'"):
            CallableSerializer(write_lines, read_lines, mode="wt")  # type: ignore[arg-type]


class TestPicklerModeOption:
    """``@checkpoint(pickler_mode=...)``, through the store."""

    def test_seed_example_round_trips(self, tmp_path):
        """ediblepickle's example, with pickler_mode='text': stored, then a hit."""
        calls = []

        @checkpoint(
            directory=tmp_path,
            pickler=write_lines,
            unpickler=read_lines,
            pickler_mode="text",
            ignore_code=["calls"],
        )
        def expensive_computation(m, n, stride=1):
            calls.append(m)
            return range(m, n, stride)

        assert range(-4, 4, 2) == expensive_computation(-4, 4, stride=2)
        assert ["-4", "-2", "0", "2"] == expensive_computation(-4, 4, stride=2)
        assert [-4] == calls
        (stored,) = tmp_path.rglob("*.files/value")
        assert "-4\n-2\n0\n2\n" == stored.read_text("utf-8")

    def test_mode_is_part_of_the_key(self, tmp_path):
        """Switching the mode never reads a file with the other mode: another key."""

        def make(mode):
            @checkpoint(
                directory=tmp_path,
                pickler=write_lines,
                unpickler=read_lines,
                pickler_mode=mode,
            )
            def f():
                return ["a"]

            return f

        assert make("binary").key() != make("text").key()

    def test_a_half_written_file_is_never_read(self, tmp_path):
        """A text pickler failing midway: result returned, nothing stored or left."""
        calls = []

        def pickler(lines, file):
            file.write(lines[0] + "\n")
            raise ValueError("half way")

        @checkpoint(
            directory=tmp_path,
            pickler=pickler,
            unpickler=read_lines,
            pickler_mode="text",
            ignore_code=["calls"],
        )
        def f():
            calls.append(1)
            return ["first", "second"]

        for expected_calls in (1, 2):
            with pytest.warns(StoreWriteWarning, match="half way"):
                assert ["first", "second"] == f()
            assert expected_calls == len(calls)  # recomputed: nothing was stored
        assert not f.is_cached()
        leftovers = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert [] == [p for p in leftovers if ".files" in p.parent.name]
        assert [] == [p for p in leftovers if p.suffix in (".ckpt", ".tmp")]

    def test_seed_pickler_without_the_option_still_returns(self, tmp_path):
        """Binary mode, str pickler: the value is returned and the warning says why."""

        @checkpoint(directory=tmp_path, pickler=write_lines, unpickler=read_lines)
        def f():
            return range(3)

        with pytest.warns(StoreWriteWarning, match="pass pickler_mode='text'"):
            assert range(3) == f()
        assert not f.is_cached()

    @pytest.mark.parametrize(
        ("options", "fragment"),
        [
            ({"pickler_mode": "txt"}, "must be 'binary' or 'text', got 'txt'"),
            (
                {"pickler_mode": "text", "pickler": None, "unpickler": None},
                "pass them too",
            ),
        ],
        ids=["unknown", "without-pickler"],
    )
    def test_bad_options(self, options, fragment):
        """A bad pickler_mode= raises ConfigurationError at decoration."""
        arguments = {"pickler": write_lines, "unpickler": read_lines} | options
        with pytest.raises(ConfigurationError, match=fragment):
            checkpoint(**arguments)(lambda: 1)


# --------------------------------------------------------------------------
# resolve_serializer


class FileSerializer:
    """A third-party file serializer."""

    name = "mine"
    suffix = ".bin"

    def dump(self, value, file):
        file.write(value)

    def load(self, file):
        return file.read()


class TestResolveSerializer:
    @pytest.mark.parametrize(
        ("spec", "expected"),
        [
            ("pickle", CloudpickleSerializer),
            ("numpy", NumpySerializer()),
            ("npz", NumpyArchiveSerializer()),
            ("numpy-npz", NumpyArchiveSerializer()),
            ("pandas", PandasSerializer("parquet")),
            ("parquet", PandasSerializer("parquet")),
            ("pandas-parquet", PandasSerializer("parquet")),
            ("pandas-csv", PandasSerializer("csv")),
            ("pandas-json", PandasSerializer("json")),
            ("polars", PolarsSerializer("parquet")),
            ("polars-parquet", PolarsSerializer("parquet")),
            ("polars-csv", PolarsSerializer("csv")),
            ("polars-json", PolarsSerializer("json")),
            ("json", JsonSerializer()),
            ("text", TextSerializer()),
        ],
    )
    def test_names(self, spec, expected):
        """Each documented name resolves to its serializer."""
        resolved = resolve_serializer(spec, what="serializer=")
        if isinstance(expected, type):
            assert expected is type(resolved)
        else:
            assert expected == resolved

    def test_resolved_names_resolve_to_themselves(self):
        """A serializer's own name resolves to an equal serializer."""
        for spec in ("numpy", "npz", "pandas", "pandas-csv", "polars", "json", "text"):
            serializer = resolve_serializer(spec, what="")
            assert serializer == resolve_serializer(serializer.name, what="")

    @pytest.mark.parametrize(
        "spec",
        [FileSerializer(), CloudpickleSerializer(protocol=4), PandasSerializer("csv")],
        ids=["file", "bytes", "built-in"],
    )
    def test_objects_pass_through(self, spec):
        """An object meeting a protocol is returned as is."""
        assert spec is resolve_serializer(spec, what="serializer=")
        assert isinstance(spec, (Serializer, BytesSerializer))

    def test_unknown_name(self):
        """An unknown name says where it came from and lists the valid names."""
        with pytest.raises(ConfigurationError) as info:
            resolve_serializer("csv", what="mymodule.f: serializer=")
        message = str(info.value)
        assert message.startswith(
            "mymodule.f: serializer='csv' is not a serializer name"
        )
        assert "'pandas-csv'" in message
        assert "'pickle'" in message

    @pytest.mark.parametrize("spec", [None, 42, object(), ["json"]])
    def test_not_a_serializer(self, spec):
        """Anything else is refused with the protocol's members named."""
        with pytest.raises(
            ConfigurationError, match=r"f: serializer=.* is not a serializer"
        ):
            resolve_serializer(spec, what="f: serializer=")

    def test_class_instead_of_instance(self):
        """Passing the class is refused with the fix spelled out."""
        with pytest.raises(
            ConfigurationError, match=r"pass an instance: FileSerializer\(\)"
        ):
            resolve_serializer(FileSerializer, what="f: serializer=")

    def test_bad_name_attribute(self):
        """A serializer object whose name is not a non-empty str is refused."""
        serializer = FileSerializer()
        serializer.name = ""
        with pytest.raises(ConfigurationError, match="non-empty str"):
            resolve_serializer(serializer, what="f: serializer=")

    def test_bad_suffix_attribute(self):
        """A file serializer whose suffix is not a str is refused."""
        serializer = FileSerializer()
        serializer.suffix = None
        with pytest.raises(ConfigurationError, match="suffix"):
            resolve_serializer(serializer, what="f: serializer=")

    @pytest.mark.parametrize(
        ("missing", "spec", "extra"),
        [
            ("pyarrow", "pandas", "parquet"),
            ("pandas", "parquet", "parquet"),
            ("pandas", "pandas-csv", "pandas"),
            ("numpy", "numpy", "numpy"),
            ("numpy", "npz", "numpy"),
            ("polars", "polars-json", "polars"),
        ],
    )
    def test_missing_dependency(self, monkeypatch, missing, spec, extra):
        """A missing library is reported with the extra that installs it."""
        monkeypatch.setitem(sys.modules, missing, None)
        with pytest.raises(ConfigurationError) as info:
            resolve_serializer(spec, what="f: serializer=")
        assert (
            f"f: serializer={spec!r} needs {missing}, which is not installed: "
            f'pip install "checkpointing[{extra}]"'
        ) == str(info.value)

    def test_other_names_need_no_pyarrow(self, tmp_path):
        """CSV, JSON and polars store and load results without pyarrow."""
        # A fresh interpreter where pyarrow cannot be imported at all: in this
        # one, pandas may hold pyarrow already, which no sys.modules entry undoes.
        code = textwrap.dedent(
            """
            import sys

            sys.modules["pyarrow"] = None  # any import of pyarrow now fails

            import pandas as pd
            import polars as pl

            from checkpointing import checkpoint

            frame = {"a": [1, 2, 3], "b": ["x", "y", "z"]}
            values = {
                "pandas-csv": lambda: pd.DataFrame(frame),
                "pandas-json": lambda: pd.DataFrame(frame),
                "polars": lambda: pl.DataFrame(frame),
                "polars-csv": lambda: pl.DataFrame(frame),
                "polars-json": lambda: pl.DataFrame(frame),
                "json": lambda: {"a": [1, 2], "b": "x"},
                "text": lambda: "some text",
                "pickle": lambda: {"a": (1, 2)},
            }


            def same(expected, actual):
                if isinstance(expected, pd.DataFrame):
                    pd.testing.assert_frame_equal(expected, actual)
                    return True
                if isinstance(expected, pl.DataFrame):
                    return expected.equals(actual)
                return expected == actual


            for spec, make in values.items():
                runs = []

                @checkpoint(
                    directory=sys.argv[1], serializer=spec, ignore_code=["runs"]
                )
                def compute():
                    runs.append(1)
                    return make()

                first, hit = compute(), compute()
                assert 1 == len(runs), spec  # the second call loaded the file
                assert same(make(), first), spec
                assert same(make(), hit), (spec, hit)
                print("ROUND-TRIP", spec, type(hit).__name__, flush=True)
            print("PYARROW", sys.modules["pyarrow"], flush=True)
            """
        )
        result = subprocess.run(
            [sys.executable, "-W", "error", "-c", code, str(tmp_path / "cache")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert 0 == result.returncode, result.stderr
        assert [
            "ROUND-TRIP pandas-csv DataFrame",
            "ROUND-TRIP pandas-json DataFrame",
            "ROUND-TRIP polars DataFrame",
            "ROUND-TRIP polars-csv DataFrame",
            "ROUND-TRIP polars-json DataFrame",
            "ROUND-TRIP json dict",
            "ROUND-TRIP text str",
            "ROUND-TRIP pickle dict",
            "PYARROW None",
        ] == result.stdout.splitlines()
        # Each file serializer wrote its own file (pickle is the inline entry).
        suffixes = sorted(p.suffix for p in (tmp_path / "cache").rglob("value.*"))
        assert [".csv", ".csv", ".json", ".json", ".json", ".parquet", ".txt"] == (
            suffixes
        )

    def test_missing_dependency_at_use(self, monkeypatch, tmp_path):
        """A library missing when a serializer is used raises the same advice."""
        monkeypatch.setitem(sys.modules, "pyarrow", None)
        monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
        with pytest.raises(ConfigurationError, match=r'checkpointing\[parquet\]"'):
            write(PandasSerializer(), pd.DataFrame({"a": [1]}), tmp_path / "a")

    def test_import_stays_cheap(self):
        """Importing the module (and resolving a name) imports no optional library."""
        code = (
            "import sys, checkpointing.formats as f\n"
            "f.resolve_serializer('pandas', what='')\n"
            "print(sorted({'numpy', 'pandas', 'pyarrow', 'polars'} & set(sys.modules)))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert "[]" == result.stdout.strip()


# --------------------------------------------------------------------------
# properties

numeric_dtypes = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(endianness="?"),
    hnp.unsigned_integer_dtypes(endianness="?"),
    hnp.floating_dtypes(endianness="?"),
    hnp.complex_number_dtypes(endianness="?"),
)


@given(
    array=hnp.arrays(
        numeric_dtypes, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)
    ),
    fortran=st.booleans(),
)
def test_numpy_round_trip_is_exact(tmp_path_factory, array, fortran):
    """Any numeric or bool array comes back with the same dtype, shape and bytes."""
    if fortran:
        array = np.asfortranarray(array)
    serializer = NumpySerializer()
    assert None is serializer.check(array)
    directory = tmp_path_factory.getbasetemp()
    assert_arrays_equal(array, round_trip(serializer, array, directory))


frames = hpd.data_frames(
    columns=[
        hpd.column("i", dtype=np.int64),
        hpd.column("f", dtype=np.float64),
        hpd.column("b", dtype=bool),
        hpd.column("s", elements=st.text(max_size=8), dtype=object),
    ],
    index=st.one_of(
        hpd.range_indexes(max_size=12), hpd.indexes(dtype=np.int64, max_size=12)
    ),
)
# data_frames() takes ~20 ms to draw a frame: a quarter of the profile's
# examples keeps this file near its 20-second budget.
frame_settings = settings(max_examples=max(10, settings().max_examples // 4))


@frame_settings
@given(frame=frames)
def test_pandas_parquet_round_trip_is_exact(tmp_path_factory, frame):
    """Frames of numeric, bool and str columns come back exactly through Parquet."""
    frame = frame.astype({"s": "str"})
    serializer = PandasSerializer()
    assert None is serializer.check(frame)
    directory = tmp_path_factory.getbasetemp()
    assert_frames_equal(frame, round_trip(serializer, frame, directory))


@pytest.mark.parametrize("format", ["csv", "json"])
@frame_settings
@given(frame=frames)
def test_pandas_text_check_is_honest(tmp_path_factory, format, frame):
    """check() is None exactly when the frame comes back unchanged through CSV or JSON."""
    serializer = PandasSerializer(format)
    directory = tmp_path_factory.getbasetemp()
    try:
        message = serializer.check(frame)
    except SerializationError:  # refused: the stored file would not load
        with pytest.raises(SerializationError):
            round_trip(serializer, frame, directory)
        return
    loaded = round_trip(serializer, frame, directory)
    if message is None:
        assert_frames_equal(frame, loaded)
    else:
        with pytest.raises(AssertionError):
            assert_frames_equal(frame, loaded)


def test_json_docstring_example():
    """The JsonSerializer docstring's example holds."""
    assert "tuples come back as lists (first at result['a'])" == JsonSerializer().check(
        {"a": (1, 2)}
    )


def test_formats_use_bytes_io_like_files():
    """Serializers accept any binary file object, not only files on disk."""
    buffer = io.BytesIO()
    NumpySerializer().dump(np.arange(3), buffer)
    buffer.seek(0)
    assert_arrays_equal(np.arange(3), NumpySerializer().load(buffer))


@pytest.mark.parametrize(
    "serializer",
    [
        NumpySerializer(),
        NumpyArchiveSerializer(),
        PandasSerializer("csv"),
        PolarsSerializer("json"),
        JsonSerializer(),
        TextSerializer(),
        CallableSerializer(save_text_array, load_text_array, suffix=".txt"),
    ],
    ids=repr,
)
def test_pickles_naming_the_old_module_still_load(serializer):
    """Serializers pickled as ``checkpointing._formats.<Class>`` load as the same class.

    A LazyResult pickles its codec and so its serializers; data written before
    the serializers moved into ``checkpointing.formats`` names the old module.
    """
    current = pickle.dumps(serializer, protocol=0)  # GLOBAL opcodes are plain text
    module = type(serializer).__module__.encode()
    assert module.startswith(b"checkpointing.formats._")
    old = current.replace(b"c" + module + b"\n", b"ccheckpointing._formats\n")
    assert old != current
    restored = pickle.loads(old)
    assert type(serializer) is type(restored)
    assert serializer == restored
