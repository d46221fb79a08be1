"""
The pandas fast path: DataFrame, Series, Index and extension arrays, column by column.

pandas is never imported here: it is in ``sys.modules`` when a value of it is
met. Imports: ``digest._encoder``, ``digest._numpy`` (numpy-backed columns),
``digest._arrow`` (pyarrow-backed columns).
"""

from __future__ import annotations

import sys
from typing import Any

from ._arrow import _arrow_values
from ._encoder import (
    _Encoder,
    _int_bytes,
    _pack_len,
    _text,
    _type_name,
    _typed,
    _Undigestable,
    short_repr,
)
from ._numpy import _array_body


def _pandas_frame(enc: _Encoder, frame: Any, depth: int) -> None:
    _typed(enc, "pandas.DataFrame")
    _pandas_extras(enc, frame, depth)
    # Column labels as plain Python values: a few, and their Index dtype
    # (object or str) depends on how the frame was built, not on its content.
    columns = frame.columns
    enc.encode(tuple(columns.names), depth + 1)
    enc.encode(columns.tolist(), depth + 1)
    _index_body(enc, frame.index, depth)
    width = frame.shape[1]
    enc.out.append(_pack_len(width))
    column_array = getattr(frame, "_get_column_array", None)
    for position in range(width):
        try:
            if column_array is not None:
                array = column_array(position)
            else:  # pragma: no cover - pandas without the private accessor
                array = frame.iloc[:, position].array
            _pandas_array(enc, array, depth)
        except _Undigestable as err:
            err.path.append(f"[{short_repr(columns[position], 40)}]")
            raise


def _pandas_series(enc: _Encoder, series: Any, depth: int) -> None:
    _typed(enc, "pandas.Series")
    _pandas_extras(enc, series, depth)
    enc.encode(series.name, depth + 1)
    _index_body(enc, series.index, depth)
    _pandas_array(enc, series.array, depth)


def _pandas_extras(enc: _Encoder, value: Any, depth: int) -> None:
    """Subclass name, ``_metadata`` attributes of subclasses, and ``.attrs``."""
    cls = type(value)
    # pandas' own classes by kind only: their module paths are private.
    enc.out.append(
        _text("" if cls.__module__.startswith("pandas.") else _type_name(cls))
    )
    metadata = [
        (name, getattr(value, name, None))
        for name in getattr(cls, "_metadata", ())
        if name != "_name"  # the Series name, encoded on its own
    ]
    enc.encode(metadata, depth + 1)
    enc.encode(dict(getattr(value, "attrs", {}) or {}), depth + 1)


def _pandas_index(enc: _Encoder, index: Any, depth: int) -> None:
    _typed(enc, "pandas.Index")
    _index_body(enc, index, depth)


def _index_body(enc: _Encoder, index: Any, depth: int) -> None:
    """
    Names, then the values: ``M`` + each level (MultiIndex), ``R`` + start,
    step, length (any int64 index that is an arithmetic progression: a
    RangeIndex and an equal materialized index are equal for pandas), or
    ``A`` + the values as a pandas array.
    """
    pd = sys.modules["pandas"]
    enc.encode(tuple(index.names), depth + 1)
    if isinstance(index, pd.MultiIndex):
        enc.out.append(b"M" + _pack_len(index.nlevels))
        for level in range(index.nlevels):
            _pandas_array(enc, index.get_level_values(level).array, depth)
        return
    progression = _progression(index)
    if progression is not None:
        start, step, length = progression
        enc.out.append(b"R" + _int_bytes(start) + _int_bytes(step) + _int_bytes(length))
        return
    enc.out.append(b"A")
    _pandas_array(enc, index.array, depth)


def _progression(index: Any) -> tuple[int, int, int] | None:
    """(start, step, length) if *index* holds int64 values in arithmetic progression."""
    pd = sys.modules["pandas"]
    np = sys.modules["numpy"]
    length = len(index)
    if isinstance(index, pd.RangeIndex):
        start, step = index.start, index.step
    else:
        if index.dtype != np.dtype("int64") or type(index) is not pd.Index:
            return None
        values = index.to_numpy()
        if length == 0:
            return 0, 1, 0
        start = int(values[0])
        step = int(values[1]) - start if length > 1 else 1
        if step == 0 or int(values[-1]) != start + (length - 1) * step:
            return None
        # Compare block by block against the progression: bounded memory,
        # and an index that is not a progression usually fails in block one.
        block = 1 << 16
        expected = np.arange(block, dtype=np.int64) * step
        for offset in range(0, length, block):
            chunk = values[offset : offset + block]
            if not np.array_equal(
                chunk, expected[: len(chunk)] + (start + offset * step)
            ):
                return None
    if length == 0:
        return 0, 1, 0
    if length == 1:
        return start, 1, 1
    return start, step, length


def _pandas_extension_array(enc: _Encoder, array: Any, depth: int) -> None:
    _typed(enc, "pandas.array")
    _pandas_array(enc, array, depth)


def _pandas_array(enc: _Encoder, array: Any, depth: int) -> None:
    """
    A column's values: a layout byte, the dtype's identity (extension dtypes),
    then the data: numpy-backed, categorical, masked (nullable),
    pyarrow-backed, other ndarray-backed (tz-aware datetimes, periods, python
    strings), or item by item for any other extension array.
    """
    np = sys.modules["numpy"]
    pd = sys.modules["pandas"]
    dtype = array.dtype
    if isinstance(dtype, np.dtype):
        enc.out.append(b"n")
        _array_body(enc, np.asarray(array), depth)
        return
    identity = _text(_pandas_dtype_identity(dtype))
    if isinstance(array, pd.Categorical):
        enc.out.append(b"c" + identity)
        _categorical(enc, array, depth)
        return
    data = getattr(array, "_data", None)
    mask = getattr(array, "_mask", None)
    if isinstance(data, np.ndarray) and isinstance(mask, np.ndarray):
        # Nullable (masked) arrays: what lies under the mask is arbitrary.
        enc.out.append(b"k" + identity)
        _array_body(enc, mask, depth)
        if mask.any():
            data = np.where(mask, np.zeros((), dtype=data.dtype), data)
        _array_body(enc, data, depth)
        return
    chunked = getattr(array, "_pa_array", None)
    if chunked is not None and "pyarrow" in sys.modules:
        enc.out.append(b"p" + identity)
        _arrow_values(enc, chunked.chunks, chunked.type, depth)
        return
    backing = getattr(array, "_ndarray", None)
    if isinstance(backing, np.ndarray):
        enc.out.append(b"b" + identity)
        _array_body(enc, backing, depth)
        return
    enc.out.append(b"o" + identity)
    _array_body(enc, np.asarray(array.to_numpy(), dtype=object), depth)


def _pandas_dtype_identity(dtype: Any) -> str:
    # "str" and "string" name the NA semantics; the storage (python or
    # pyarrow) is a separate attribute, and changes the layout digested.
    storage = getattr(dtype, "storage", None)
    suffix = f"[{storage}]" if isinstance(storage, str) else ""
    return f"{type(dtype).__qualname__}:{dtype}{suffix}"


def _categorical(enc: _Encoder, array: Any, depth: int) -> None:
    """
    The ordered flag, the categories in their order, and the codes.

    pandas calls two unordered categoricals with the same values equal even
    when their categories are in another order, but ``.cat.codes`` (a common
    model input) differ between them, so the order counts here.
    """
    enc.encode(bool(array.ordered), depth + 1)
    _index_body(enc, array.categories, depth)
    _array_body(enc, array.codes, depth)
