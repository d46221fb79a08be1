"""
Built-in file serializers: numpy, pandas, polars, JSON, text, and callables.

Each class here meets the :class:`~checkpointing.Serializer` protocol: it
writes one value to an open binary file (``dump``) and reads it back
(``load``). Its optional ``check(value)`` says, before anything is written,
what will not come back exactly (shown as a
:class:`~checkpointing.LossySerializationWarning`) and raises
:class:`~checkpointing.SerializationError` for values the format cannot store.

===================  ==============  ========  ======================
serializer=          name            suffix    class
===================  ==============  ========  ======================
"pickle"             pickle          .pkl      CloudpickleSerializer
"numpy"              numpy           .npy      NumpySerializer
"npz"                numpy-npz       .npz      NumpyArchiveSerializer
"pandas", "parquet"  pandas-parquet  .parquet  PandasSerializer
"pandas-csv"         pandas-csv      .csv      PandasSerializer
"pandas-json"        pandas-json     .json     PandasSerializer
"polars"             polars-parquet  .parquet  PolarsSerializer
"polars-csv"         polars-csv      .csv      PolarsSerializer
"polars-json"        polars-json     .json     PolarsSerializer
"json"               json            .json     JsonSerializer
"text"               text            .txt      TextSerializer
===================  ==============  ========  ======================

Each serializer's own name (``"numpy-npz"``, ``"pandas-parquet"``...)
resolves to it too.

numpy, pandas, pyarrow and polars are imported inside the methods that use
them, never at module import: ``import checkpointing`` stays cheap.
:func:`resolve_serializer` turns a name into a serializer and checks that
the library it needs is installed.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import io
import json
import math
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Final, Literal, final

from ._errors import ConfigurationError, SerializationError
from ._serializers import BytesSerializer, CloudpickleSerializer, Serializer

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "CallableSerializer",
    "JsonSerializer",
    "NumpyArchiveSerializer",
    "NumpySerializer",
    "PandasSerializer",
    "PolarsSerializer",
    "TextSerializer",
    "resolve_serializer",
]

FrameFormat = Literal["parquet", "csv", "json"]
_FRAME_SUFFIXES: Final = {"parquet": ".parquet", "csv": ".csv", "json": ".json"}

# Marks an .npz written from a list or tuple (the zip archive's comment), so
# it comes back as one; an archive without it is read as a dict (numpy.savez).
_NPZ_KINDS: Final = {b"checkpointing:list": list, b"checkpointing:tuple": tuple}
# Parquet key-value metadata marking a file written from a pandas Series.
_SERIES_KEY: Final = b"checkpointing.series"
# Longest example value quoted in a check() message.
_QUOTE_CHARS: Final = 40


def _import(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.partition(".")[0]
        raise ConfigurationError(
            f'{top} is not installed: pip install "checkpointing[{extra}]"'
        ) from err


def _type_name(value: object) -> str:
    """``module.QualName`` of *value*'s type, without the ``builtins.`` prefix."""
    kind = type(value)
    module = kind.__module__
    return (
        kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    )


def _quote(value: object) -> str:
    """``repr(value)``, shortened for a one-line message."""
    text = repr(value)
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 3] + "..."


class _Format:
    """Shared plumbing: equality, hash and repr from the configuration."""

    name: str
    suffix: str

    def _config(self) -> dict[str, object]:
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self._config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Format)
        return self._config() == other._config()

    def __hash__(self) -> int:
        return hash((type(self), tuple(self._config().items())))


# --------------------------------------------------------------------------
# numpy


def _check_array(
    np: ModuleType, value: object, serializer: str, where: str
) -> str | None:
    """Return what .npy changes about *value*, or raise if it cannot store it."""
    if isinstance(value, np.ma.MaskedArray):
        raise SerializationError(
            serializer,
            f"{where} is a masked array; .npy has no mask, so it would come back "
            f"unmasked: store data and mask as two arrays (serializer='npz') or "
            f"use serializer='pickle'",
        )
    if isinstance(value, np.generic):
        note: str | None = (
            f"{where}, a numpy.{type(value).__name__} scalar, comes back as a 0-d "
            f"numpy.ndarray (index it with [()] to get the scalar)"
        )
        dtype = np.asarray(value).dtype
    elif isinstance(value, np.ndarray):
        note = None
        if type(value) is not np.ndarray:
            note = (
                f"{where}, a {_type_name(value)}, comes back as a plain numpy.ndarray"
            )
        dtype = value.dtype
    else:
        raise SerializationError(
            serializer,
            f"{where} is a {_type_name(value)}, not a numpy.ndarray: "
            f"use serializer='pickle'",
        )
    # .npy stores object arrays, and the variable-width dtypes of numpy 2
    # (StringDType), only as a pickle; loads use allow_pickle=False.
    if dtype.hasobject or not getattr(type(dtype), "_legacy", True):
        raise SerializationError(
            serializer,
            f"{where} has dtype {dtype}, which .npy can only store by pickling "
            f"its Python objects: use serializer='pickle'",
        )
    return note


def _write_array(np: ModuleType, file: IO[bytes], value: Any, serializer: str) -> None:
    """Write one array (or numpy scalar) in the .npy format to *file*."""
    array = np.asarray(value)  # a plain ndarray view: no copy for subclasses
    try:
        # For a real file, write_array writes the data with ndarray.tofile,
        # from the array's own memory (no copy of a contiguous array).
        np.lib.format.write_array(file, array, allow_pickle=False)
    except (ValueError, TypeError) as err:
        raise SerializationError(serializer, f"cannot write the array: {err}") from err


def _read_array(np: ModuleType, file: IO[bytes], serializer: str) -> Any:
    """Read one .npy array from *file*, refusing pickled object arrays."""
    try:
        return np.lib.format.read_array(file, allow_pickle=False)
    except (ValueError, EOFError) as err:
        raise SerializationError(
            serializer, f"not a readable .npy file: {err}"
        ) from err


@final
class NumpySerializer(_Format):
    """
    Store one numpy array in the ``.npy`` format (numpy NEP 1).

    The file is a small header (dtype, shape, memory order) followed by the
    raw array bytes, written from the array's own memory: a C- or
    Fortran-contiguous array is not copied. Any numpy dtype without Python
    objects round-trips exactly, including byte order, structured dtypes,
    ``datetime64`` and fixed-width strings. Loading never unpickles
    (``allow_pickle=False``), and :meth:`load_mmap` maps the file instead of
    reading it.

    What does not come back exactly (``check`` says so):

    - a numpy scalar (``numpy.float64(1.0)``) comes back as a 0-d array;
    - a subclass (``numpy.matrix``, ``numpy.memmap``, ``numpy.recarray``)
      comes back as a plain ``numpy.ndarray``.

    Refused with :class:`~checkpointing.SerializationError`: anything that is
    not a numpy array or scalar, masked arrays (the mask would be lost), and
    arrays of dtype ``object`` or ``StringDType`` (they need pickle: use
    ``serializer="pickle"``).

    >>> NumpySerializer()
    NumpySerializer()
    """

    name = "numpy"
    suffix = ".npy"

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Args:
            value: The result about to be stored.

        Returns:
            A sentence for a scalar or an ndarray subclass; ``None`` for a
            plain ``numpy.ndarray``.

        Raises:
            SerializationError: If *value* is not a numpy array or scalar,
                is a masked array, or holds Python objects.
            ConfigurationError: If numpy is not installed.
        """
        return _check_array(_import("numpy", "numpy"), value, self.name, "the result")

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* as a ``.npy`` file.

        Raises:
            SerializationError: If *value* cannot be stored (see :meth:`check`).
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        _check_array(np, value, self.name, "the result")
        _write_array(np, file, value, self.name)

    def load(self, file: BinaryIO) -> Any:
        """
        Read the array written by :meth:`dump` into memory.

        Raises:
            SerializationError: If *file* is not a ``.npy`` file without pickles.
            ConfigurationError: If numpy is not installed.
        """
        return _read_array(_import("numpy", "numpy"), file, self.name)

    def load_mmap(self, path: str, mmap_mode: str) -> Any:
        """
        Map the stored ``.npy`` file into memory instead of reading it.

        Args:
            path: Path of the stored file.
            mmap_mode: ``"r"`` (read-only) or ``"c"`` (copy-on-write: writes
                change memory, never the file), as in :func:`numpy.load`.

        Returns:
            A ``numpy.memmap`` whose pages are read on first access.

        Raises:
            ConfigurationError: If *mmap_mode* is not ``"r"`` or ``"c"``, or
                numpy is not installed.
            SerializationError: If the file is not a ``.npy`` file.
        """
        if mmap_mode not in ("r", "c"):
            raise ConfigurationError(
                f"mmap_mode must be 'r' or 'c' (stored files are never written "
                f"through a map), got {mmap_mode!r}"
            )
        np = _import("numpy", "numpy")
        try:
            return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
        except (ValueError, EOFError) as err:
            raise SerializationError(
                self.name, f"not a readable .npy file: {err}"
            ) from err


@final
class NumpyArchiveSerializer(_Format):
    """
    Store several numpy arrays in one uncompressed ``.npz`` archive.

    Accepts a mapping of ``str`` to arrays, or a list or tuple of arrays.
    The file is the zip archive :func:`numpy.savez` writes (one ``.npy``
    member per array, ``arr_0``, ``arr_1``... for a list), so
    ``numpy.load`` reads it too. A list or tuple comes back as a list or
    tuple (the archive's comment records which); a mapping comes back as a
    ``dict`` in the same key order. Each array follows the rules of
    :class:`NumpySerializer`.

    What does not come back exactly (``check`` says so): a mapping that is
    not a ``dict`` (comes back as one), a list or tuple subclass (a named
    tuple comes back as a plain tuple), and the per-array cases of
    :class:`NumpySerializer`.

    Refused: non-``str`` keys, values that are not arrays, masked or object
    arrays.

    >>> NumpyArchiveSerializer().suffix
    '.npz'
    """

    name = "numpy-npz"
    suffix = ".npz"

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Raises:
            SerializationError: If *value* is not a mapping of ``str`` to
                arrays nor a list or tuple of arrays.
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        notes = [
            note
            for where, array in self._members(value)
            if (note := _check_array(np, array, self.name, where)) is not None
        ]
        if isinstance(value, Mapping) and type(value) is not dict:
            notes.insert(0, f"a {_type_name(value)} comes back as a dict")
        elif isinstance(value, (list, tuple)) and type(value) not in (list, tuple):
            base = "list" if isinstance(value, list) else "tuple"
            notes.insert(0, f"a {_type_name(value)} comes back as a plain {base}")
        return "; ".join(notes) or None

    def _members(self, value: Any) -> Iterator[tuple[str, Any]]:
        """Yield ``(where, array)`` for each member; raise for bad containers."""
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, str):
                    raise SerializationError(
                        self.name,
                        f"archive keys must be str, got {_quote(key)} "
                        f"({_type_name(key)})",
                    )
                yield f"result[{key!r}]", value[key]
        elif isinstance(value, (list, tuple)):
            for index, array in enumerate(value):
                yield f"result[{index}]", array
        else:
            raise SerializationError(
                self.name,
                f"the result is a {_type_name(value)}; .npz stores a dict of "
                f"arrays or a list or tuple of arrays (one array: "
                f"serializer='numpy'; anything else: serializer='pickle')",
            )

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* as an uncompressed ``.npz`` archive.

        Raises:
            SerializationError: If *value* cannot be stored (see :meth:`check`).
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        members = list(self._members(value))
        for where, array in members:
            _check_array(np, array, self.name, where)
        if isinstance(value, Mapping):
            names, comment = list(value), b""
        else:
            names = [f"arr_{index}" for index in range(len(members))]
            comment = b"checkpointing:" + (
                b"list" if isinstance(value, list) else b"tuple"
            )
        # Written member by member, as numpy.savez does, so that a list or
        # tuple can be marked in the archive's comment.
        with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED) as archive:
            for name, (_where, array) in zip(names, members, strict=True):
                with archive.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                    _write_array(np, member, array, self.name)
            archive.comment = comment

    def load(self, file: BinaryIO) -> Any:
        """
        Read the arrays written by :meth:`dump` (or by ``numpy.savez``).

        Returns:
            A ``dict`` of name to array, or a list or tuple of arrays if one
            was stored.

        Raises:
            SerializationError: If *file* is not an ``.npz`` archive of
                ``.npy`` members without pickles.
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        arrays: dict[str, Any] = {}
        try:
            with zipfile.ZipFile(file) as archive:
                for info in archive.infolist():
                    if not info.filename.endswith(".npy"):
                        raise SerializationError(
                            self.name, f"unexpected archive member {info.filename!r}"
                        )
                    with archive.open(info) as member:
                        arrays[info.filename[:-4]] = _read_array(np, member, self.name)
                kind = _NPZ_KINDS.get(archive.comment)
        except (zipfile.BadZipFile, EOFError, ValueError) as err:
            raise SerializationError(
                self.name, f"not a readable .npz file: {err}"
            ) from err
        return arrays if kind is None else kind(arrays.values())


# --------------------------------------------------------------------------
# pandas


def _pandas_infers_str(pd: ModuleType) -> bool:
    """Whether pandas reads string columns back with the ``str`` dtype (pandas 3)."""
    return int(pd.__version__.split(".")[0]) >= 3


def _pandas_value(pd: ModuleType, value: object, serializer: str) -> tuple[Any, bool]:
    """Return ``(frame, is_series)`` for a DataFrame or Series; raise otherwise."""
    if isinstance(value, pd.DataFrame):
        return value, False
    if isinstance(value, pd.Series):
        return value.to_frame(), True
    raise SerializationError(
        serializer,
        f"the result is a {_type_name(value)}, not a pandas DataFrame or Series: "
        f"use serializer='pickle'",
    )


def _mixed_names(pd: ModuleType, index: Any) -> bool:
    """Whether labels of several types (which pyarrow turns into str) are in *index*."""
    return "mixed" in pd.api.types.infer_dtype(index, skipna=False)


def _parquet_dtype_note(pd: ModuleType, values: Any, label: str) -> str | None:
    """Return what Parquet changes about one column or index level, or None."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if pd.api.types.infer_dtype(dtype.categories, skipna=True) != "string":
            # Parquet keeps a dictionary only for string (or binary) values.
            return f"{label} (categorical of non-strings) comes back as plain values"
        return None
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage == "python" and pd.StringDtype().storage != "python":
            return f"{label} ({dtype}, python storage) comes back with pyarrow storage"
        return None
    if getattr(dtype, "kind", "") == "M" and _datetime_unit(dtype) == "s":
        # Parquet timestamps are in ms, us or ns.
        return f"{label} ({dtype}) comes back with unit ms"
    if not pd.api.types.is_object_dtype(dtype):
        return None
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("bytes", "date", "time", "decimal", "empty"):
        return None
    if kind == "string":
        if _pandas_infers_str(pd):
            return f"{label} (object of strings) comes back with the str dtype"
        return None
    if kind == "boolean":
        # pyarrow gives an object column back when the booleans have nulls.
        return None if values.isna().any() else f"{label} (object) comes back as bool"
    if kind == "integer":
        present = values.dropna()
        if len(present) and not -(2**63) <= min(present) <= max(present) < 2**63:
            raise SerializationError(
                "pandas-parquet",
                f"{label} holds ints beyond 64 bits, which Parquet cannot store: "
                f"use serializer='pickle'",
            )
    typed = {
        "integer": "int64 (float64 if it has missing values)",
        "floating": "float64",
        "mixed-integer-float": "float64",
        "datetime": "datetime64",
        "datetime64": "datetime64",
        "timedelta": "timedelta64",
        "timedelta64": "timedelta64",
    }
    if kind in typed:
        return f"{label} (object of {kind} values) comes back as {typed[kind]}"
    return _parquet_mixed_note(values, label)


def _datetime_unit(dtype: Any) -> str:
    """The unit of a numpy datetime64 or pandas DatetimeTZDtype dtype."""
    unit = getattr(dtype, "unit", None)
    if unit is None:
        unit = _import("numpy", "numpy").datetime_data(dtype)[0]
    return str(unit)


def _parquet_mixed_note(values: Any, label: str) -> str | None:
    """Ask pyarrow how it stores an object column pandas could not classify."""
    pa = _import("pyarrow", "parquet")
    try:
        arrow_type = pa.array(values, from_pandas=True).type
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as err:
        raise SerializationError(
            "pandas-parquet", f"{label} cannot be stored in Parquet: {err}"
        ) from err
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"{label}: lists and tuples come back as numpy arrays"
    if pa.types.is_struct(arrow_type):
        return f"{label}: dicts come back with every key of the column (None if absent)"
    return f"{label} (object of mixed values) comes back as {arrow_type} values"


def _pandas_metadata_notes(frame: Any, *, keeps_attrs: bool) -> list[str]:
    """Notes on the frame-level metadata (attrs, flags) a format does not keep."""
    notes = []
    if frame.attrs:
        if not keeps_attrs:
            notes.append("DataFrame.attrs are not stored")
        else:
            try:
                stored = json.loads(json.dumps(frame.attrs))
            except (TypeError, ValueError):
                notes.append(
                    "DataFrame.attrs are not JSON-serializable and are not stored"
                )
            else:
                if stored != frame.attrs:
                    notes.append(
                        "DataFrame.attrs are stored as JSON and come back changed"
                    )
    if not frame.flags.allows_duplicate_labels:
        notes.append("flags.allows_duplicate_labels=False is not stored")
    return notes


def _index_description(index: Any) -> str:
    names = list(index.names)
    named = "" if names == [None] else f" named {', '.join(map(repr, names))}"
    return f"{type(index).__name__} of {index.dtype}{named}"


def _first_difference(
    before: list[Any], after: list[Any]
) -> tuple[int, Any, Any] | None:
    """The first position where two lists differ (NaN equals NaN), or None."""
    for position, (old, new) in enumerate(zip(before, after, strict=False)):
        same_nan = (
            isinstance(old, float)
            and isinstance(new, float)
            and old != old
            and new != new
        )
        if not same_nan and (type(old) is not type(new) or old != new):
            return position, old, new
    return None


def _pandas_changes(pd: ModuleType, before: Any, after: Any) -> list[str]:
    """Describe how *after* (read back) differs from *before* (a DataFrame)."""
    notes = []
    if before.shape[0] != after.shape[0]:
        notes.append(f"{before.shape[0]} rows come back as {after.shape[0]}")
    if not (
        before.columns.equals(after.columns)
        and before.columns.dtype == after.columns.dtype
    ):
        notes.append(
            f"column names {_quote(list(before.columns))} ({before.columns.dtype}) "
            f"come back as {_quote(list(after.columns))} ({after.columns.dtype})"
        )
    if before.shape == after.shape:
        for position, label in enumerate(before.columns):
            old = before.iloc[:, position].reset_index(drop=True)
            new = after.iloc[:, position].reset_index(drop=True)
            if old.dtype != new.dtype:
                notes.append(
                    f"column {label!r} ({old.dtype}) comes back as {new.dtype}"
                )
            elif not old.equals(new):
                notes.append(
                    _value_change(f"column {label!r}", old.tolist(), new.tolist())
                )
    old_index, new_index = before.index, after.index
    if _index_description(old_index) != _index_description(new_index) and not (
        # RangeIndex and an int64 Index of the same values are equivalent.
        pd.RangeIndex in (type(old_index), type(new_index))
        and old_index.dtype == new_index.dtype
        and old_index.names == new_index.names
    ):
        notes.append(
            f"the index ({_index_description(old_index)}) comes back as "
            f"{_index_description(new_index)}"
        )
    elif not old_index.equals(new_index):
        notes.append(_value_change("the index", old_index.tolist(), new_index.tolist()))
    return notes


def _value_change(label: str, before: list[Any], after: list[Any]) -> str:
    difference = _first_difference(before, after)
    if difference is None:
        return f"{label} values change"
    position, old, new = difference
    return f"{label} values change (row {position}: {_quote(old)} comes back as {_quote(new)})"


@final
class PandasSerializer(_Format):
    """
    Store a pandas DataFrame (or Series) as Parquet, CSV or JSON.

    Args:
        format: ``"parquet"`` (the default: typed, compact, exact for most
            frames), ``"csv"`` or ``"json"`` (human-readable, lossy).

    Raises:
        ConfigurationError: If *format* is not one of the three.

    **Parquet** (Apache Parquet, written by pyarrow, read by
    ``pandas.read_parquet``) keeps dtypes (numeric, bool, ``str``, nullable,
    categorical of strings, datetime with time zone, timedelta, period,
    interval), the index, column names of one type and ``attrs`` (as JSON).
    A Series is stored as a one-column frame marked in the file's metadata,
    and comes back as a Series with its name. ``check`` reports what comes
    back different: object columns of ints, floats, bools, datetimes or
    (with pandas 3) strings come back typed; categoricals of non-strings
    come back as plain values; ``datetime64[s]`` comes back as ``[ms]``;
    column names of mixed types and non-``str`` index names come back as
    strings; a DatetimeIndex loses its ``freq``; lists in object columns
    come back as numpy arrays. Refused: duplicate column names, complex
    numbers, sparse columns and object columns of mixed scalars.

    **CSV** (RFC 4180; ``to_csv(index=True)``, ``read_csv(index_col=0)``)
    keeps only text: pandas re-infers every dtype when reading (dates and
    categoricals come back as strings, ``int8`` as ``int64``, numeric-looking
    or empty strings as numbers or NaN, names as strings). **JSON** uses the
    ``"table"`` orient (a Table Schema with the data), which keeps more
    dtypes and index names, but stores floats with 15 significant digits.
    For both, ``check`` writes and reads the frame in memory and reports each
    column, name or index that comes back different, so it costs one extra
    write and read; a frame that cannot be read back is refused. Frame
    ``attrs`` and a Series' type are not kept (a Series comes back as a
    one-column DataFrame).

    >>> PandasSerializer("csv")
    PandasSerializer(format='csv')
    """

    def __init__(self, format: FrameFormat = "parquet") -> None:
        if format not in _FRAME_SUFFIXES:
            raise ConfigurationError(
                f"PandasSerializer format must be one of {sorted(_FRAME_SUFFIXES)}, "
                f"got {format!r}"
            )
        self.format: FrameFormat = format
        self.name = f"pandas-{format}"
        self.suffix = _FRAME_SUFFIXES[format]

    def _config(self) -> dict[str, object]:
        return {"format": self.format}

    def _pandas(self) -> ModuleType:
        return _import("pandas", "parquet" if self.format == "parquet" else "pandas")

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Args:
            value: The result about to be stored.

        Returns:
            One sentence listing every change found, or ``None``.

        Raises:
            SerializationError: If *value* is not a DataFrame or Series, or
                this format cannot store it (or, for CSV and JSON, read it
                back).
            ConfigurationError: If pandas (or pyarrow, for Parquet) is not
                installed.
        """
        pd = self._pandas()
        frame, is_series = _pandas_value(pd, value, self.name)
        if self.format == "parquet":
            notes = self._parquet_notes(pd, frame)
            return "; ".join(notes) or None
        with warnings.catch_warnings():
            # pandas warns about some losses while writing (an index named
            # "index" in JSON); the message returned here reports them all.
            warnings.simplefilter("ignore")
            buffer = io.BytesIO()
            self._write_text(frame, buffer)
            buffer.seek(0)
            try:
                back = self._read_text(pd, buffer)
            except SerializationError as err:
                kind = "Series" if is_series else "DataFrame"
                raise SerializationError(
                    self.name,
                    f"this {kind} could be written but not read back "
                    f"({err.__cause__}): use serializer='pandas' or 'pickle'",
                ) from err.__cause__
        notes = _pandas_changes(pd, frame, back)
        if is_series:
            notes.insert(0, "a Series comes back as a one-column DataFrame")
        notes += _pandas_metadata_notes(frame, keeps_attrs=False)
        if not notes:
            return None
        what = (
            "CSV keeps only text, and pandas re-infers the types when reading it"
            if self.format == "csv"
            else "JSON keeps what its Table Schema describes and 15 significant digits"
        )
        return f"{what}: " + "; ".join(notes)

    def _parquet_notes(self, pd: ModuleType, frame: Any) -> list[str]:
        """Check *frame* for Parquet: raise for refused frames, list the changes."""
        if not frame.columns.is_unique:
            duplicated = sorted(
                {repr(c) for c in frame.columns[frame.columns.duplicated()]}
            )
            raise SerializationError(
                self.name,
                f"duplicate column names {', '.join(duplicated)}: rename them",
            )
        notes = []
        for position, label in enumerate(frame.columns):
            column = frame.iloc[:, position]
            dtype = column.dtype
            if getattr(dtype, "kind", "") == "c" or isinstance(dtype, pd.SparseDtype):
                raise SerializationError(
                    self.name,
                    f"column {label!r} has dtype {dtype}, which Parquet cannot store: "
                    f"convert it, or use serializer='pickle'",
                )
            note = _parquet_dtype_note(pd, column, f"column {label!r}")
            if note is not None:
                notes.append(note)
        index = frame.index
        for level in range(index.nlevels):
            values = index.get_level_values(level)
            note = _parquet_dtype_note(pd, values, f"index level {values.name!r}")
            if note is not None:
                notes.append(note)
        if any(name is not None and not isinstance(name, str) for name in index.names):
            notes.append(
                f"index names {_quote(list(index.names))} come back as strings"
            )
        if getattr(index, "freq", None) is not None:
            notes.append(f"the index's freq ({index.freqstr}) is not stored")
        levels = getattr(frame.columns, "levels", [frame.columns])
        if any(_mixed_names(pd, level) for level in levels):
            if frame.columns.nlevels == 1 and not frame.columns.map(str).is_unique:
                raise SerializationError(
                    self.name,
                    f"column names {_quote(list(frame.columns))} collide once "
                    f"stored as strings: rename them",
                )
            notes.append("column names of mixed types come back as strings")
        notes += _pandas_metadata_notes(frame, keeps_attrs=True)
        return notes

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* in this serializer's format.

        Raises:
            SerializationError: If *value* cannot be stored.
            ConfigurationError: If pandas (or pyarrow) is not installed.
        """
        pd = self._pandas()
        frame, is_series = _pandas_value(pd, value, self.name)
        if self.format == "parquet":
            self._dump_parquet(pd, frame, file, series=value if is_series else None)
        else:
            with warnings.catch_warnings():
                # pandas warns about some losses (an index named "index" in
                # JSON); check() reported them as a LossySerializationWarning.
                warnings.simplefilter("ignore")
                self._write_text(frame, file)

    def _dump_parquet(
        self, pd: ModuleType, frame: Any, file: BinaryIO, series: Any
    ) -> None:
        """Write *frame* (made from *series* if that is not None) as Parquet."""
        pa = _import("pyarrow", "parquet")
        pq = _import("pyarrow.parquet", "parquet")
        frame = _parquet_ready(pd, frame)
        try:
            # What Parquet refuses (duplicate names, complex numbers, mixed
            # object columns) fails here, inside pyarrow.
            table = pa.Table.from_pandas(frame)
            if series is not None:
                marker = json.dumps({"unnamed": series.name is None}).encode()
                metadata = {**(table.schema.metadata or {}), _SERIES_KEY: marker}
                table = table.replace_schema_metadata(metadata)
            pq.write_table(table, file)
        except (pa.ArrowException, ValueError, TypeError, OverflowError) as err:
            raise SerializationError(self.name, f"cannot write Parquet: {err}") from err

    def _write_text(self, frame: Any, file: BinaryIO) -> None:
        """Write *frame* as CSV or JSON; raise SerializationError on failure."""
        try:
            if self.format == "csv":
                frame.to_csv(file, index=True, encoding="utf-8", lineterminator="\n")
            else:
                frame.to_json(
                    file,
                    orient="table",
                    double_precision=15,  # pandas' maximum
                    date_unit="ns",
                    force_ascii=False,
                )
        except (ValueError, TypeError, NotImplementedError) as err:
            raise SerializationError(
                self.name, f"cannot write {self.format.upper()}: {err}"
            ) from err

    def _read_text(self, pd: ModuleType, file: BinaryIO) -> Any:
        """Read a frame written by :meth:`_write_text`."""
        try:
            if self.format == "csv":
                options = {}
                if not _pandas_infers_str(pd):
                    # pandas < 3 parses floats with a fast, inexact routine by
                    # default; pandas 3 is exact and deprecates the option.
                    options["float_precision"] = "round_trip"
                return pd.read_csv(file, index_col=0, encoding="utf-8", **options)
            return pd.read_json(file, orient="table", precise_float=True)
        except (ValueError, TypeError, KeyError, NotImplementedError) as err:
            raise SerializationError(
                self.name, f"cannot read {self.format.upper()}: {err}"
            ) from err

    def load(self, file: BinaryIO) -> Any:
        """
        Read the value written by :meth:`dump`.

        Returns:
            A DataFrame; for Parquet, a Series if one was stored.

        Raises:
            SerializationError: If *file* cannot be read in this format.
            ConfigurationError: If pandas (or pyarrow) is not installed.
        """
        pd = self._pandas()
        if self.format != "parquet":
            return self._read_text(pd, file)
        pa = _import("pyarrow", "parquet")
        pq = _import("pyarrow.parquet", "parquet")
        try:
            # The footer alone says whether a Series was stored.
            metadata = pq.read_schema(file).metadata or {}
            file.seek(0)
            frame = pd.read_parquet(file, engine="pyarrow")
        except (pa.ArrowException, ValueError, TypeError) as err:
            raise SerializationError(self.name, f"cannot read Parquet: {err}") from err
        marker = metadata.get(_SERIES_KEY)
        if marker is None:
            return frame
        series = frame.iloc[:, 0]
        if json.loads(marker).get("unnamed"):
            series.name = None
        return series


def _parquet_ready(pd: ModuleType, frame: Any) -> Any:
    """
    Return *frame*, or a shallow copy whose labels pyarrow stores without warning.

    pyarrow turns column names of mixed types, non-str index names and
    non-JSON attrs into strings (or drops them) with a UserWarning; doing it
    here keeps the only warning the LossySerializationWarning from check().
    """
    columns = frame.columns
    levels = getattr(columns, "levels", [columns])
    mixed = [i for i, level in enumerate(levels) if _mixed_names(pd, level)]
    bad_index_names = any(
        name is not None and not isinstance(name, str) for name in frame.index.names
    )
    try:
        json.dumps(frame.attrs)
        bad_attrs = False
    except (TypeError, ValueError):
        bad_attrs = True
    if not (mixed or bad_index_names or bad_attrs):
        return frame
    frame = frame.copy(deep=False)
    if mixed and isinstance(columns, pd.MultiIndex):
        for i in mixed:
            columns = columns.set_levels(columns.levels[i].map(str), level=i)
        frame.columns = columns
    elif mixed:
        frame.columns = columns.map(str)
    if bad_index_names:
        frame.index = frame.index.set_names(
            [
                name if name is None or isinstance(name, str) else str(name)
                for name in frame.index.names
            ]
        )
    if bad_attrs:
        frame.attrs = {}
    return frame


# --------------------------------------------------------------------------
# polars


def _polars_frame(pl: ModuleType, value: object, serializer: str) -> Any:
    """Return *value* if it is a polars DataFrame; raise otherwise."""
    if isinstance(value, pl.DataFrame):
        return value
    if isinstance(value, pl.Series):
        advice = "return series.to_frame() and take it back with frame.to_series()"
    elif isinstance(value, pl.LazyFrame):
        advice = "return frame.collect()"
    else:
        advice = "use serializer='pickle'"
    raise SerializationError(
        serializer,
        f"the result is a {_type_name(value)}, not a polars DataFrame: {advice}",
    )


def _polars_dtypes(dtype: Any) -> Iterator[Any]:
    """Yield *dtype* and every dtype nested in it (list items, struct fields)."""
    yield dtype
    inner = getattr(dtype, "inner", None)
    if inner is not None:
        yield from _polars_dtypes(inner)
    for field in getattr(dtype, "fields", None) or ():
        yield from _polars_dtypes(field.dtype)


def _polars_changes(before: Any, after: Any) -> list[str]:
    """Describe how *after* (read back) differs from *before*."""
    if before.columns != after.columns:
        return [
            f"columns {_quote(before.columns)} come back as {_quote(after.columns)}"
        ]
    notes = []
    if before.height != after.height:
        notes.append(f"{before.height} rows come back as {after.height}")
    for label in before.columns:
        old, new = before[label], after[label]
        if old.dtype != new.dtype:
            notes.append(f"column {label!r} ({old.dtype}) comes back as {new.dtype}")
        elif before.height == after.height and not old.equals(new):
            notes.append(
                _value_change(f"column {label!r}", old.to_list(), new.to_list())
            )
    return notes


@final
class PolarsSerializer(_Format):
    """
    Store a polars DataFrame as Parquet, CSV or JSON.

    Args:
        format: ``"parquet"`` (the default: every polars dtype but
            ``Object`` round-trips exactly), ``"csv"`` or ``"json"``
            (human-readable, lossy).

    Raises:
        ConfigurationError: If *format* is not one of the three.

    **Parquet** (Apache Parquet, ``DataFrame.write_parquet``,
    ``polars.read_parquet``) is exact for all dtypes polars can write,
    nested ones included. **CSV** keeps only text: polars re-infers types on
    reading (dates, datetimes, categoricals and decimals come back as strings
    or floats, ``Int8`` as ``Int64``, numeric-looking strings as numbers)
    and refuses nested, binary and duration columns. **JSON** (a list of row
    objects) keeps nested values but not dates, small integer widths or NaN.
    For CSV and JSON, ``check`` writes and reads the frame in memory and
    reports each column that comes back different (one extra write and read);
    a frame that cannot be read back is refused.

    Refused in every format: ``Object`` columns, a ``Series`` (return
    ``series.to_frame()``) and a ``LazyFrame`` (``collect()`` it).

    >>> PolarsSerializer().name
    'polars-parquet'
    """

    def __init__(self, format: FrameFormat = "parquet") -> None:
        if format not in _FRAME_SUFFIXES:
            raise ConfigurationError(
                f"PolarsSerializer format must be one of {sorted(_FRAME_SUFFIXES)}, "
                f"got {format!r}"
            )
        self.format: FrameFormat = format
        self.name = f"polars-{format}"
        self.suffix = _FRAME_SUFFIXES[format]

    def _config(self) -> dict[str, object]:
        return {"format": self.format}

    def _frame(self, pl: ModuleType, value: object) -> Any:
        """The frame to store; raise for what this format refuses outright."""
        frame = _polars_frame(pl, value, self.name)
        for label, dtype in frame.schema.items():
            for part in _polars_dtypes(dtype):
                refused = part == pl.Object or (
                    # polars' JSON writer panics on binary columns.
                    self.format == "json" and part == pl.Binary
                )
                if refused:
                    raise SerializationError(
                        self.name,
                        f"column {label!r} has dtype {dtype}, which polars cannot "
                        f"write as {self.format.upper()}: use serializer='pickle'",
                    )
        return frame

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Returns:
            ``None`` for Parquet; for CSV and JSON, one sentence listing
            each column that comes back different, or ``None``.

        Raises:
            SerializationError: If *value* is not a polars DataFrame, or this
                format cannot store it (or read it back).
            ConfigurationError: If polars is not installed.
        """
        pl = _import("polars", "polars")
        frame = self._frame(pl, value)
        if self.format == "parquet":
            return None
        buffer = io.BytesIO()
        self._write(pl, frame, buffer)
        buffer.seek(0)
        try:
            back = self._read(pl, buffer)
        except SerializationError as err:
            raise SerializationError(
                self.name,
                f"this frame could be written but not read back ({err.__cause__}): "
                f"use serializer='polars' or 'pickle'",
            ) from err.__cause__
        notes = _polars_changes(frame, back)
        if not notes:
            return None
        return f"{self.format.upper()} does not keep polars dtypes: " + "; ".join(notes)

    def _write(self, pl: ModuleType, frame: Any, file: BinaryIO) -> None:
        try:
            if self.format == "parquet":
                frame.write_parquet(file)
            elif self.format == "csv":
                frame.write_csv(file)
            else:
                frame.write_json(file)
        except pl.exceptions.PolarsError as err:
            raise SerializationError(
                self.name, f"cannot write {self.format.upper()}: {err}"
            ) from err

    def _read(self, pl: ModuleType, file: BinaryIO) -> Any:
        try:
            if self.format == "parquet":
                return pl.read_parquet(file)
            # Infer each column's type from all rows, not the first 100.
            if self.format == "csv":
                return pl.read_csv(file, infer_schema_length=None)
            return pl.read_json(file, infer_schema_length=None)
        except (pl.exceptions.PolarsError, ValueError, OSError) as err:
            raise SerializationError(
                self.name, f"cannot read {self.format.upper()}: {err}"
            ) from err

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* in this serializer's format.

        Raises:
            SerializationError: If *value* cannot be stored.
            ConfigurationError: If polars is not installed.
        """
        pl = _import("polars", "polars")
        self._write(pl, self._frame(pl, value), file)

    def load(self, file: BinaryIO) -> Any:
        """
        Read the DataFrame written by :meth:`dump`.

        Raises:
            SerializationError: If *file* cannot be read in this format.
            ConfigurationError: If polars is not installed.
        """
        return self._read(_import("polars", "polars"), file)


# --------------------------------------------------------------------------
# JSON and text


def _unencodable(text: str) -> bool:
    """Whether *text* has lone surrogates, which UTF-8 cannot encode."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _JsonWalk:
    """One walk of a value: the notes found so far and the containers entered."""

    def __init__(self, serializer: str) -> None:
        self.serializer = serializer
        self.notes: dict[str, str] = {}  # one note per kind, at its first place
        self.active: set[int] = set()  # ids of the containers being walked

    def note(self, kind: str, text: str) -> None:
        self.notes.setdefault(kind, text)

    def refuse(self, where: str, problem: str) -> SerializationError:
        return SerializationError(self.serializer, f"{where} {problem}")

    def walk(self, value: object, where: str) -> None:
        if value is None or type(value) in (bool, int):
            return
        if isinstance(value, str):
            if type(value) is not str:
                self.note(
                    "subclass", f"{where}, a {_type_name(value)}, comes back as str"
                )
            if _unencodable(value):
                raise self.refuse(
                    where, "has lone surrogates, which UTF-8 cannot encode"
                )
            return
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            base = "int" if isinstance(value, int) else "float"
            if type(value) is not int and type(value) is not float:
                self.note(
                    "subclass", f"{where}, a {_type_name(value)}, comes back as {base}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                self.note(
                    "nan",
                    f"{where} is {value!r}, written as NaN/Infinity: Python reads it "
                    f"back, but strict JSON (RFC 8259) parsers refuse the file",
                )
            return
        if isinstance(value, (list, tuple, dict)):
            if id(value) in self.active:
                raise self.refuse(
                    where, "is a container it is inside of (a circular reference)"
                )
            self.active.add(id(value))
            if isinstance(value, dict):
                self._walk_dict(value, where)
            else:
                if isinstance(value, tuple):
                    self.note("tuple", f"tuples come back as lists (first at {where})")
                elif type(value) is not list:
                    self.note(
                        "subclass",
                        f"{where}, a {_type_name(value)}, comes back as list",
                    )
                for index, item in enumerate(value):
                    self.walk(item, f"{where}[{index}]")
            self.active.discard(id(value))
            return
        if isinstance(value, (set, frozenset)):
            raise self.refuse(
                where, "is a set, which JSON has no form for: return a sorted list"
            )
        if isinstance(value, (bytes, bytearray)):
            raise self.refuse(
                where,
                "is bytes, which JSON has no form for: decode it, or use serializer='pickle'",
            )
        raise self.refuse(
            where,
            f"is a {_type_name(value)}; JSON stores only dict, list, str, int, float, "
            f"bool and None: use serializer='pickle'",
        )

    def _walk_dict(self, value: dict[Any, Any], where: str) -> None:
        if type(value) is not dict:
            self.note("subclass", f"{where}, a {_type_name(value)}, comes back as dict")
        seen: dict[str, object] = {}
        for key, item in value.items():
            if isinstance(key, str):
                text = key
                if _unencodable(key):
                    raise self.refuse(where, f"has key {key!r} with lone surrogates")
            elif key is None or isinstance(key, (bool, int, float)):
                # The names json.dumps gives these keys.
                text = json.dumps(key)
                self.note(
                    "key",
                    f"non-str dict keys come back as strings (first at {where}: "
                    f"{_quote(key)} as {text!r})",
                )
            else:
                raise self.refuse(
                    where,
                    f"has key {_quote(key)} ({_type_name(key)}); JSON keys are strings "
                    f"(str, int, float, bool and None keys are converted)",
                )
            if text in seen:
                raise self.refuse(
                    where,
                    f"has keys {_quote(seen[text])} and {_quote(key)}, which are both "
                    f"{text!r} in JSON",
                )
            seen[text] = key
            self.walk(item, f"{where}[{key!r}]")


@final
class JsonSerializer(_Format):
    """
    Store plain data as human-readable JSON (RFC 8259), in UTF-8.

    Written with ``json.dumps(value, indent=1, ensure_ascii=False)``: dicts
    keep their key order, text is not escaped, and the file is meant to be
    read by people and other tools. ``NaN`` and ``Infinity`` are written as
    such (``allow_nan=True``, Python's default), which Python reads back but
    strict JSON parsers refuse.

    What does not come back exactly (``check`` says so): tuples come back as
    lists; ``int``, ``float``, ``bool`` and ``None`` dict keys come back as
    strings (``1`` as ``"1"``); subclasses of ``dict``, ``list``, ``str``,
    ``int`` and ``float`` (``OrderedDict``, ``IntEnum``, ``numpy.float64``)
    come back as the base type. ``check`` also notes NaN and infinities.

    Refused: sets (return a sorted list), bytes, any other type (use
    ``serializer="pickle"``), circular references, keys that collide once
    converted (``1`` and ``"1"``), and strings with lone surrogates.

    >>> JsonSerializer().check({"a": (1, 2)})
    "tuples come back as lists (first at result['a'])"
    """

    name = "json"
    suffix = ".json"

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Raises:
            SerializationError: If *value* holds something JSON cannot store.
        """
        walk = _JsonWalk(self.name)
        try:
            walk.walk(value, "result")
        except RecursionError as err:
            raise SerializationError(
                self.name, "the result is nested too deeply"
            ) from err
        return "; ".join(walk.notes.values()) or None

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* as indented UTF-8 JSON, ending with a newline.

        Raises:
            SerializationError: If *value* cannot be stored (see :meth:`check`).
        """
        # The walk refuses what json.dumps would write wrongly (colliding
        # keys) and says where a problem is; its cost is small next to the
        # pure-Python encoder that indent= selects.
        self.check(value)
        try:
            text = json.dumps(value, indent=1, ensure_ascii=False, allow_nan=True)
            data = (text + "\n").encode("utf-8")
        except (TypeError, ValueError, RecursionError) as err:
            raise SerializationError(self.name, f"cannot write JSON: {err}") from err
        file.write(data)

    def load(self, file: BinaryIO) -> Any:
        """
        Read the value written by :meth:`dump`.

        Raises:
            SerializationError: If *file* is not valid JSON text.
        """
        try:
            return json.loads(file.read())
        except (ValueError, RecursionError) as err:
            raise SerializationError(self.name, f"not readable JSON: {err}") from err


@final
class TextSerializer(_Format):
    """
    Store a ``str`` as a UTF-8 text file, byte for byte.

    Newlines are written as they are (no ``\\r\\n`` translation), so every
    string without lone surrogates round-trips exactly. A ``str`` subclass
    comes back as ``str`` (``check`` says so).

    Refused: anything that is not a ``str``, ``bytes`` included (decode it
    first, or use ``serializer="pickle"``), and strings with lone surrogates.

    >>> TextSerializer().check("héllo") is None
    True
    """

    name = "text"
    suffix = ".txt"

    def check(self, value: Any) -> str | None:
        """
        Return a note for a ``str`` subclass, ``None`` for a ``str``.

        Raises:
            SerializationError: If *value* is not a ``str`` or cannot be
                encoded as UTF-8.
        """
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise SerializationError(
                self.name,
                f"the result is {_type_name(value)}, not str: decode it "
                f"(value.decode('utf-8')), or use serializer='pickle'",
            )
        if not isinstance(value, str):
            raise SerializationError(
                self.name,
                f"the result is a {_type_name(value)}, not str: use "
                f"serializer='json' for plain data or serializer='pickle'",
            )
        if _unencodable(value):
            raise SerializationError(
                self.name, "the result has lone surrogates, which UTF-8 cannot encode"
            )
        if type(value) is not str:
            return f"the result, a {_type_name(value)}, comes back as str"
        return None

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* encoded as UTF-8.

        Raises:
            SerializationError: If *value* is not a ``str`` without lone
                surrogates.
        """
        self.check(value)
        file.write(value.encode("utf-8"))

    def load(self, file: BinaryIO) -> Any:
        """
        Read the text written by :meth:`dump`.

        Raises:
            SerializationError: If *file* is not valid UTF-8.
        """
        try:
            return file.read().decode("utf-8")
        except UnicodeDecodeError as err:
            raise SerializationError(self.name, f"not UTF-8 text: {err}") from err


# --------------------------------------------------------------------------
# user callables

#: How :class:`CallableSerializer` opens the file its functions get.
PicklerMode = Literal["binary", "text"]
_PICKLER_MODES: Final = ("binary", "text")


def _callable_name(function: Callable[..., Any]) -> str:
    """``module.qualname`` of a function, or of a callable object's type."""
    module = getattr(function, "__module__", None) or type(function).__module__
    qualname = getattr(function, "__qualname__", None) or type(function).__qualname__
    return f"{module}.{qualname}"


# What the builtins say when str meets bytes: "a bytes-like object is
# required, not 'str'", "write() argument must be str, not bytes", "can't
# concat str to bytes", 'can only concatenate str (not "bytes") to str', csv's
# "iterator should return strings, not bytes", re's "cannot use a string
# pattern on a bytes-like object". Not open()'s "expected str, bytes or
# os.PathLike object, not ...": a pickler given a file where it wanted a path.
_STR_BYTES_MISMATCH: Final = re.compile(
    r"""not '?(?:str|bytes)'?(?!\w)|not "(?:str|bytes)"|(?:str|bytes) to (?:str|bytes)"""
    r"|strings?,? not bytes|string pattern on a bytes|bytes pattern on a string"
)


def _mode_hint(err: BaseException, mode: PicklerMode) -> str:
    """A hint when *err* says str met bytes; a guess that only chooses the message."""
    if not _STR_BYTES_MISMATCH.search(str(err)):
        return ""
    if mode == "binary":
        return (
            "; the file is binary: for functions that write and read str, "
            "pass pickler_mode='text'"
        )
    return (
        "; the file is text (pickler_mode='text'): for functions that write "
        "and read bytes, leave pickler_mode at 'binary'"
    )


def _text_file(file: IO[bytes]) -> io.TextIOWrapper:
    """A UTF-8 text view of the binary *file*, newlines written and read as they are."""
    # newline="": no translation either way, so the bytes on disk are what the
    # pickler wrote on every platform, and the unpickler reads them back
    # unchanged. The view is detached after use, never closed: closing it
    # would close the store's file.
    return io.TextIOWrapper(file, encoding="utf-8", newline="")


@final
class CallableSerializer(_Format):
    """
    Store results with a pair of your own functions that write and read a file.

    Args:
        pickler: ``pickler(value, file)`` writes *value* to an open file,
            e.g. ``torch.save`` or ``lambda v, f: numpy.savetxt(f, v)``.
        unpickler: ``unpickler(file)`` reads it back from an open file,
            e.g. ``torch.load`` or ``numpy.loadtxt``.
        suffix: Suffix of the stored file, with its dot (``".pt"``), or ``""``.
        name: Name recorded in manifests and keys. Default:
            ``"callable:<module>.<qualname of pickler>/<module>.<qualname of
            unpickler>"`` (a lambda is ``<lambda>``; ``"callable-text:..."``
            in text mode), so choosing other functions or another mode
            reruns the checkpointed function. Pass your own name to keep
            entries when you rename or move the functions (and change it
            when you change *mode*).
        mode: How the file both functions get is opened: ``"binary"`` (the
            default: the pickler writes ``bytes``, the unpickler reads
            ``bytes``, as ``pickle.dump``/``numpy.save`` do) or ``"text"``
            (both get a UTF-8 text file whose newlines are written and read
            as they are: ``f.write(str(i))``, ``f.read().split("\\n")``).
            One mode for both functions, so a result is always read back the
            way it was written. The stored bytes are the same either way.

    Raises:
        ConfigurationError: If *pickler* or *unpickler* is not callable,
            *suffix* is not ``""`` or a string starting with a dot, *name*
            is empty, or *mode* is not ``"binary"`` or ``"text"``.

    Whatever the functions raise while writing or reading is re-raised as
    :class:`~checkpointing.SerializationError`, with the original as its
    cause; when it looks like ``str`` met ``bytes``, the message says which
    mode to choose. The object pickles if the two functions do (module-level
    functions do; lambdas do not).

    >>> CallableSerializer(print, input).name
    'callable:builtins.print/builtins.input'
    >>> CallableSerializer(print, input, mode="text").name
    'callable-text:builtins.print/builtins.input'
    """

    def __init__(
        self,
        pickler: Callable[[Any, Any], object],
        unpickler: Callable[[Any], Any],
        suffix: str = "",
        name: str | None = None,
        mode: PicklerMode = "binary",
    ) -> None:
        for role, function in (("pickler", pickler), ("unpickler", unpickler)):
            if not callable(function):
                raise ConfigurationError(
                    f"CallableSerializer {role} must be callable, got {_quote(function)}"
                )
        if not isinstance(suffix, str) or (suffix and not suffix.startswith(".")):
            raise ConfigurationError(
                f"CallableSerializer suffix must be '' or start with a dot, got {suffix!r}"
            )
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigurationError(
                f"CallableSerializer name must be a non-empty str, got {name!r}"
            )
        if mode not in _PICKLER_MODES:
            raise ConfigurationError(
                f"CallableSerializer mode must be 'binary' or 'text', got {mode!r}"
            )
        self.pickler = pickler
        self.unpickler = unpickler
        self.suffix = suffix
        self.mode: PicklerMode = mode
        # Binary names are unchanged since 0.1.0, so existing keys stay valid;
        # a text pair is another format, hence another key.
        prefix = "callable" if mode == "binary" else "callable-text"
        self.name = name or (
            f"{prefix}:{_callable_name(pickler)}/{_callable_name(unpickler)}"
        )

    def _config(self) -> dict[str, object]:
        return {
            "pickler": self.pickler,
            "unpickler": self.unpickler,
            "suffix": self.suffix,
            "name": self.name,
            "mode": self.mode,
        }

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* with ``pickler(value, file)``, *file* opened as *mode* says.

        In text mode what the pickler wrote is flushed into *file* before
        this returns; if the pickler raises, the store discards the partly
        written file, in either mode.

        Raises:
            SerializationError: If the pickler raises.
        """
        if self.mode == "binary":
            self._call(self.pickler, "pickler", value, file)
            return
        text = _text_file(file)
        try:
            self._call(self.pickler, "pickler", value, text)
            self._call(text.flush, "pickler")  # encoding errors surface here too
        finally:
            with contextlib.suppress(ValueError, OSError):  # a pickler that closed it
                text.detach()

    def load(self, file: BinaryIO) -> Any:
        """
        Read a value with ``unpickler(file)``, *file* opened as *mode* says.

        Raises:
            SerializationError: If the unpickler raises (in text mode, also
                if the file is not UTF-8).
        """
        if self.mode == "binary":
            return self._call(self.unpickler, "unpickler", file)
        text = _text_file(file)
        try:
            return self._call(self.unpickler, "unpickler", text)
        finally:
            with contextlib.suppress(ValueError, OSError):
                text.detach()

    def _call(self, function: Callable[..., Any], role: str, *args: Any) -> Any:
        """Call the user's *function*; any failure becomes a SerializationError."""
        try:
            return function(*args)
        except SerializationError:
            raise
        except Exception as err:  # the user's code: any failure is a failed write/read
            culprit = getattr(self, role)
            raise SerializationError(
                self.name,
                f"{_callable_name(culprit)} failed: {err!r}{_mode_hint(err, self.mode)}",
            ) from err


# --------------------------------------------------------------------------
# names

# name -> (factory, ((module, extra that installs it), ...)).
_NAMED: Final[
    dict[
        str,
        tuple[Callable[[], Serializer | BytesSerializer], tuple[tuple[str, str], ...]],
    ]
] = {
    "pickle": (CloudpickleSerializer, ()),
    "numpy": (NumpySerializer, (("numpy", "numpy"),)),
    "npz": (NumpyArchiveSerializer, (("numpy", "numpy"),)),
    "numpy-npz": (NumpyArchiveSerializer, (("numpy", "numpy"),)),
    "pandas": (
        functools.partial(PandasSerializer, "parquet"),
        (("pandas", "parquet"), ("pyarrow", "parquet")),
    ),
    "parquet": (
        functools.partial(PandasSerializer, "parquet"),
        (("pandas", "parquet"), ("pyarrow", "parquet")),
    ),
    "pandas-parquet": (
        functools.partial(PandasSerializer, "parquet"),
        (("pandas", "parquet"), ("pyarrow", "parquet")),
    ),
    "pandas-csv": (functools.partial(PandasSerializer, "csv"), (("pandas", "pandas"),)),
    "pandas-json": (
        functools.partial(PandasSerializer, "json"),
        (("pandas", "pandas"),),
    ),
    "polars": (functools.partial(PolarsSerializer, "parquet"), (("polars", "polars"),)),
    "polars-parquet": (
        functools.partial(PolarsSerializer, "parquet"),
        (("polars", "polars"),),
    ),
    "polars-csv": (functools.partial(PolarsSerializer, "csv"), (("polars", "polars"),)),
    "polars-json": (
        functools.partial(PolarsSerializer, "json"),
        (("polars", "polars"),),
    ),
    "json": (JsonSerializer, ()),
    "text": (TextSerializer, ()),
}


def _installed(module: str) -> bool:
    # find_spec locates the module without importing it: resolving a name
    # happens when the user's module is imported (at decoration), and
    # importing pandas there would cost a few hundred milliseconds. A module
    # set to None in sys.modules counts as missing, as for an import.
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # in sys.modules without a __spec__: it is there
        return True


def resolve_serializer(spec: object, *, what: str) -> Serializer | BytesSerializer:
    """
    Return the serializer *spec* names, or *spec* itself if it is one.

    Args:
        spec: A name (``"pickle"``, ``"numpy"``, ``"npz"``, ``"pandas"`` or
            ``"parquet"`` for pandas Parquet, ``"pandas-csv"``,
            ``"pandas-json"``, ``"polars"`` for polars Parquet,
            ``"polars-csv"``, ``"polars-json"``, ``"json"``, ``"text"``, or
            a serializer's own name such as ``"pandas-parquet"``), or an
            object meeting the :class:`~checkpointing.Serializer` (file) or
            :class:`~checkpointing.BytesSerializer` protocol, returned as is.
        what: Where *spec* comes from, prefixed to error messages, e.g.
            ``"mymodule.f: serializer="``.

    Returns:
        A new serializer for a name; *spec* for an object.

    Raises:
        ConfigurationError: If *spec* is an unknown name, a class instead of
            an instance, or an object missing the protocol's members; or if
            the library a name needs is not installed (the message names
            the extra: ``pip install "checkpointing[parquet]"``).

    The libraries are located, not imported: that happens on first use.

    >>> resolve_serializer("json", what="mymodule.f: serializer=")
    JsonSerializer()
    """
    if isinstance(spec, str):
        if spec not in _NAMED:
            raise ConfigurationError(
                f"{what}{spec!r} is not a serializer name; use one of "
                f"{', '.join(map(repr, _NAMED))}, or pass a serializer object"
            )
        factory, needs = _NAMED[spec]
        for module, extra in needs:
            if not _installed(module):
                raise ConfigurationError(
                    f"{what}{spec!r} needs {module}, which is not installed: "
                    f'pip install "checkpointing[{extra}]"'
                )
        return factory()
    if isinstance(spec, type):
        raise ConfigurationError(
            f"{what}{spec.__qualname__} is a class; pass an instance: "
            f"{spec.__qualname__}()"
        )
    if isinstance(spec, (Serializer, BytesSerializer)):
        name = getattr(spec, "name", None)
        if not isinstance(name, str) or not name:
            raise ConfigurationError(
                f"{what}{_quote(spec)} has name {name!r}; a serializer's name "
                f"must be a non-empty str (it is part of every key)"
            )
        if isinstance(spec, Serializer) and not isinstance(spec.suffix, str):
            raise ConfigurationError(
                f"{what}{_quote(spec)} has suffix {spec.suffix!r}; it must be a str "
                f"such as '.npy' or ''"
            )
        return spec
    raise ConfigurationError(
        f"{what}{_quote(spec)} is not a serializer: pass one of "
        f"{', '.join(map(repr, _NAMED))}, or an object with name, suffix, "
        f"dump(value, file) and load(file) (or name, dumps(value) and loads(data))"
    )
