"""
The polars family: a polars DataFrame as Parquet, CSV or JSON.

One reason to change: how polars frames are written, read and checked.
polars is imported inside the methods, never at module import.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing.formats._common`,
:mod:`checkpointing.formats._frames`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, final

from checkpointing._errors import ConfigurationError, SerializationError

from ._common import _Format, _import, _quote, _type_name
from ._frames import _FRAME_SUFFIXES, FrameFormat, _value_change

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "PolarsSerializer",
]


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
