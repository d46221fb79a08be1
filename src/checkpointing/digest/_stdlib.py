"""
Encodings of standard-library types: datetime, decimal, uuid, pathlib, weakref, ...

Each is an ``X`` encoding: the tag, the type's kind, then a body whose layout
the kind selects (``docs/how-it-works.md``). This module changes when one of
these encodings does, or a standard-library type gets one. ``_dispatch`` puts
them in the exact-type table. Imports: ``digest._encoder``.
"""

from __future__ import annotations

import collections
import contextvars
import datetime
import decimal
import pathlib
import pickle
import types
import uuid
import weakref
from typing import Any

from ._encoder import (
    _Encoder,
    _pack_date,
    _pack_len,
    _pack_time,
    _pack_timedelta,
    _shape,
    _state,
    _text,
    _type_name,
    _typed,
)


def _datetime(enc: _Encoder, value: datetime.datetime, depth: int) -> None:
    _typed(enc, "datetime.datetime")
    enc.out.append(
        _pack_date(value.year, value.month, value.day)
        + _pack_time(
            value.hour, value.minute, value.second, value.microsecond, value.fold
        )
    )
    enc.encode(value.tzinfo, depth + 1)


def _date(enc: _Encoder, value: datetime.date, depth: int) -> None:
    _typed(enc, "datetime.date")
    enc.out.append(_pack_date(value.year, value.month, value.day))


def _time(enc: _Encoder, value: datetime.time, depth: int) -> None:
    _typed(enc, "datetime.time")
    enc.out.append(
        _pack_time(
            value.hour, value.minute, value.second, value.microsecond, value.fold
        )
    )
    enc.encode(value.tzinfo, depth + 1)


def _timedelta(enc: _Encoder, value: datetime.timedelta, depth: int) -> None:
    _typed(enc, "datetime.timedelta")
    enc.out.append(_pack_timedelta(value.days, value.seconds, value.microseconds))


def _decimal(enc: _Encoder, value: decimal.Decimal, depth: int) -> None:
    # str() keeps the exponent and the sign of NaN/zero: Decimal("1.10") and
    # Decimal("1.1") are equal numbers but different values for a key.
    _typed(enc, "decimal.Decimal")
    enc.out.append(_text(str(value)))


def _decimal_context(enc: _Encoder, value: decimal.Context, depth: int) -> None:
    # What decides results: precision, rounding, exponent range, traps. The
    # status flags (Inexact, Rounded, ...) are sticky records of past
    # operations: every division sets them, and they change no result.
    _typed(enc, "decimal.Context")
    traps = sorted(signal.__name__ for signal, on in value.traps.items() if on)
    enc.encode(
        (
            value.prec,
            value.rounding,
            value.Emin,
            value.Emax,
            value.capitals,
            value.clamp,
        ),
        depth + 1,
    )
    enc.encode(tuple(traps), depth + 1)


def _mapping_proxy(
    enc: _Encoder, value: types.MappingProxyType[Any, Any], depth: int
) -> None:
    # A read-only view of a dict (a class's __dict__, a frozen config): its items.
    _typed(enc, "types.MappingProxyType")
    enc.mapping(b"d", value, depth + 1)


def _cell(enc: _Encoder, value: types.CellType, depth: int) -> None:
    _typed(enc, "types.CellType")
    try:
        contents = value.cell_contents
    except ValueError:  # an empty cell
        enc.out.append(b"N")
        return
    enc.encode(contents, depth + 1)


def _weak_reference(enc: _Encoder, value: weakref.ref[Any], depth: int) -> None:
    # What it refers to now (None once the object is gone), like a pointer.
    _typed(enc, _type_name(type(value)))
    enc.encode(value(), depth + 1)


def _weak_mapping(enc: _Encoder, value: Any, depth: int) -> None:
    _typed(enc, _type_name(type(value)))
    enc.encode(list(value.items()), depth + 1)


def _context_variable(
    enc: _Encoder, value: contextvars.ContextVar[Any], depth: int
) -> None:
    # Its name and its value in the current context (the default if unset).
    _typed(enc, "contextvars.ContextVar")
    enc.out.append(_text(value.name))
    enc.encode(value.get(None), depth + 1)


def _uuid(enc: _Encoder, value: uuid.UUID, depth: int) -> None:
    # The 128 bits only: is_safe says how the UUID was generated, not which it is.
    _typed(enc, "uuid.UUID")
    enc.out.append(value.bytes)


def _path(enc: _Encoder, value: pathlib.PurePath, depth: int) -> None:
    # pathlib's module path changed in Python 3.13: name the class only.
    _typed(enc, f"pathlib.{type(value).__name__}")
    enc.out.append(_text(str(value)))


def _memoryview(enc: _Encoder, value: memoryview, depth: int) -> None:
    _typed(enc, "memoryview")
    enc.out.append(_text(value.format) + _shape(value.shape or ()))
    enc.out.append(_pack_len(value.nbytes))
    if value.c_contiguous:
        enc.write_buffer(value)
    else:
        enc.write_buffer(value.tobytes())


def _pickle_buffer(enc: _Encoder, value: pickle.PickleBuffer, depth: int) -> None:
    view = memoryview(value)
    _typed(enc, "pickle.PickleBuffer")
    enc.out.append(_pack_len(view.nbytes))
    enc.write_buffer(view if view.c_contiguous else view.tobytes())


def _ordered_dict(
    enc: _Encoder, value: collections.OrderedDict[Any, Any], depth: int
) -> None:
    # Order is part of OrderedDict equality (unlike dict): keep it.
    _typed(enc, _type_name(type(value)))
    enc.enter(value)
    enc.out.append(_pack_len(len(value)))
    enc.items(list(value.items()), depth + 1)
    enc.leave()


def _defaultdict(
    enc: _Encoder, value: collections.defaultdict[Any, Any], depth: int
) -> None:
    _typed(enc, _type_name(type(value)))
    enc.encode(value.default_factory, depth + 1)
    enc.mapping(b"d", value, depth + 1)
    _state(enc, value, depth)
