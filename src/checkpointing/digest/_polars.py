"""
The polars fast path: DataFrame and Series, through Arrow.

polars is never imported here. Imports: ``digest._encoder``, ``digest._numpy``
(object columns), ``digest._arrow`` (everything else).
"""

from __future__ import annotations

import sys
from typing import Any

from ._arrow import _arrow_values
from ._encoder import (
    _Encoder,
    _pack_len,
    _text,
    _typed,
    _Undigestable,
)
from ._numpy import _object_items


def _polars_series(enc: _Encoder, series: Any, depth: int) -> None:
    _typed(enc, "polars.Series")
    _polars_column(enc, series, depth)


def _polars_frame(enc: _Encoder, frame: Any, depth: int) -> None:
    _typed(enc, "polars.DataFrame")
    enc.out.append(_pack_len(frame.width))
    for series in frame.get_columns():
        try:
            _polars_column(enc, series, depth)
        except _Undigestable as err:
            err.path.append(f"[{series.name!r}]")
            raise


def _polars_column(enc: _Encoder, series: Any, depth: int) -> None:
    # Through Arrow: polars exports its buffers to pyarrow without a copy
    # (strings and categoricals are converted).
    enc.out.append(_text(series.name) + _text(str(series.dtype)))
    if series.dtype == sys.modules["polars"].Object:
        # Object columns export raw pointers to Arrow: digest the objects.
        enc.out.append(b"o")
        _object_items(enc, series.to_list(), depth)
        return
    enc.out.append(b"a")
    array = series.to_arrow()
    chunks = array.chunks if hasattr(array, "chunks") else [array]
    _arrow_values(enc, chunks, array.type, depth)
