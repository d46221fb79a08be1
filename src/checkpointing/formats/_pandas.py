"""
The pandas family: a DataFrame or Series as Parquet (pyarrow), CSV or JSON.

One reason to change: how pandas frames are written, read and checked for
what does not round-trip. pandas and pyarrow are imported inside the
methods, never at module import.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing.formats._common`,
:mod:`checkpointing.formats._frames`.
"""

from __future__ import annotations

import io
import json
import warnings
from typing import TYPE_CHECKING, Any, BinaryIO, Final, final

from checkpointing._errors import ConfigurationError, SerializationError

from ._common import _Format, _import, _quote, _type_name
from ._frames import _FRAME_SUFFIXES, FrameFormat, _value_change

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "PandasSerializer",
]

# Parquet key-value metadata marking a file written from a pandas Series.
_SERIES_KEY: Final = b"checkpointing.series"


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
