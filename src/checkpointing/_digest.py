"""
Argument identity: a canonical, deterministic encoding of values, hashed with xxh3-128.

Every value is fed to the hasher as a one-byte *type tag* followed by
length-prefixed content, so values of different types or shapes never share an
encoding by construction: ``1``, ``1.0``, ``True``, ``"1"``, ``b"1"``, ``[1]``
and ``(1,)`` all digest differently. Dicts keep their insertion order (code
that iterates over one sees it); ``set`` and ``frozenset`` are encoded from the
*sorted digests* of their members, so ``PYTHONHASHSEED`` does not matter.

Large buffers (numpy, pandas, pyarrow, polars, scipy.sparse, torch) are fed to
the hasher in place, without a copy; only non-contiguous views are copied, one
bounded block at a time. The full encoding is documented, tag by tag, in
``docs/how-it-works.md`` ("The argument digest"). It never uses ``hash()`` or
``id()`` for content. Third-party libraries are never imported here: a fast
path is consulted only when its library is already in ``sys.modules`` (it is,
if you hold one of its objects).
"""

from __future__ import annotations

import collections
import contextvars
import copyreg
import datetime
import decimal
import enum
import functools
import inspect
import math
import pathlib
import pickle
import random
import re
import struct
import sys
import types
import uuid
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType
from typing import Any, Final, TypeVar

import xxhash

from ._errors import ArgumentDigestError

__all__ = [
    "DIGEST_HEX_LENGTH",
    "digest_arguments",
    "digest_bytes",
    "digest_value",
    "register_digest",
    "short_repr",
]

_T = TypeVar("_T")

#: Length of every digest in hex characters (xxh3_128 → 128 bits).
DIGEST_HEX_LENGTH: Final = 32

_ADDRESS: Final = re.compile(r" at 0x[0-9A-Fa-f]+")
_MAX_DEPTH: Final = 200
_REPR_LIMIT: Final = 200
#: bytes up to this size are copied into the encoding; longer ones are hashed in place.
_INLINE_BYTES: Final = 4096
#: Pieces buffered before they are fed to the hasher (bounds memory on long lists).
_FLUSH_PIECES: Final = 4096
#: Largest block copied at once when a non-contiguous array is put in C order.
_BLOCK_BYTES: Final = 1 << 20
#: Lengths of Arrow strings computed at once (8 bytes each: 512 KiB).
_LENGTH_BLOCK: Final = 1 << 16
#: Largest block moved to host memory at once for a tensor on another device.
_DEVICE_BLOCK_BYTES: Final = 16 << 20

_pack_len = struct.Struct("<Q").pack
_pack_tagged_len = struct.Struct("<cQ").pack
_pack_int = struct.Struct("<cq").pack
_pack_float = struct.Struct("<cd").pack
_pack_double = struct.Struct("<d").pack
_pack_date = struct.Struct("<HBB").pack
_pack_time = struct.Struct("<BBBIB").pack
_pack_timedelta = struct.Struct("<iII").pack
_xxh3_128_digest = xxhash.xxh3_128_digest
_xxh3_128_hexdigest = xxhash.xxh3_128_hexdigest
# One canonical NaN: all NaN payloads are the same Python float for a cache key.
_NAN_BYTES: Final = _pack_double(math.nan)
_NAN_FLOAT: Final = b"f" + _NAN_BYTES
_NUL: Final = "\x00"


def digest_bytes(data: bytes | memoryview) -> str:
    """
    Return the xxh3-128 hex digest of *data*.

    Args:
        data: Raw bytes (or a contiguous memoryview) to hash.

    Returns:
        A 32-character lowercase hex string.
    """
    return _xxh3_128_hexdigest(data)


def digest_value(value: object, *, parameter: str = "") -> str:
    """
    Return the canonical digest of one value.

    Args:
        value: Any value with a deterministic encoding (see ``docs/how-it-works.md``).
        parameter: Name reported in errors (the parameter or global name).

    Returns:
        A 32-character lowercase hex string (xxh3_128).

    Raises:
        ArgumentDigestError: If *value* (or something inside it) has no
            deterministic encoding, e.g. an open file, a lock or a generator.

    >>> digest_value({"a": 1, "b": 2}) == digest_value(dict(a=1, b=2))
    True
    >>> digest_value({"a": 1, "b": 2}) == digest_value({"b": 2, "a": 1})  # order counts
    False
    >>> digest_value(1) == digest_value(1.0) or digest_value(1) == digest_value(True)
    False
    """
    # Hot path: a scalar is one short byte string, hashed in one call.
    scalar = _SCALAR_BYTES.get(type(value))
    if scalar is not None:
        return _xxh3_128_hexdigest(scalar(value))
    encoder = _Encoder([])
    try:
        encoder.encode(value, 0)
    except _Undigestable as err:
        raise err.to_error(parameter) from err.__cause__
    return encoder.hexdigest()


def digest_arguments(
    signature: inspect.Signature,
    args: tuple[object, ...],
    kwargs: Mapping[str, object],
    *,
    ignore: Collection[str] = (),
) -> tuple[str, dict[str, str], dict[str, object]]:
    """
    Return the stable digest of one call's arguments.

    Arguments are bound to *signature* and defaults are applied first, so
    ``f(1)`` and ``f(x=1)`` digest identically. The result does not depend on
    ``PYTHONHASHSEED``, dict insertion order, or the process.

    Args:
        signature: Signature of the undecorated function.
        args: Positional arguments as passed by the caller.
        kwargs: Keyword arguments as passed by the caller.
        ignore: Parameter names left out of the digest.

    Returns:
        ``(digest, per_parameter, bound)``: the 32-character hex digest over all
        parameters, a mapping of parameter name to its own 32-character digest,
        and the bound values that were digested (for summaries).

    Raises:
        TypeError: If the arguments do not match *signature* (as a plain call
            of the function would).
        ArgumentDigestError: If an argument has no deterministic digest.
    """
    arguments = _bind(signature, args, kwargs)
    values: dict[str, object] = {}
    per_parameter: dict[str, str] = {}
    pieces: list[bytes] = []
    for name, value in arguments.items():
        if name in ignore:
            continue
        values[name] = value
        digest = digest_value(value, parameter=name)
        per_parameter[name] = digest
        # Parameter order is fixed by the signature, so no sorting is needed;
        # names are included so that moving a value between parameters changes it.
        encoded_name = name.encode("utf-8")
        pieces.append(_pack_len(len(encoded_name)) + encoded_name + digest.encode())
    return _xxh3_128_hexdigest(b"".join(pieces)), per_parameter, values


def register_digest(cls: type[_T], fn: Callable[[_T], object] | None) -> None:
    """
    Register *fn* as the digest of instances of *cls* and of its subclasses.

    Use it for third-party types you cannot give a ``__checkpoint_digest__``
    method. *fn* receives the instance and returns a *stand-in*: any value that
    digests deterministically (a tuple of the fields that define the instance,
    ``bytes``, a numpy array, ...). The instance is digested as its type name
    followed by the digest of the stand-in, so two instances digest alike
    exactly when their stand-ins do. A ``__checkpoint_digest__`` method on the
    class wins over a registration; a registration wins over the built-in
    rules for that type (numpy, pandas, the pickle fallback, ...). The most
    specific registered class in the MRO is used.

    Registrations are process-wide and are not part of the digest itself:
    register the same function in every process that shares a cache
    directory (for example, next to the import of the type).

    Args:
        cls: The class whose instances *fn* digests.
        fn: ``fn(instance) -> stand-in``, or ``None`` to remove the registration.

    Raises:
        TypeError: If *cls* is not a class or is ``object``, if it is one of
            the types encoded natively (``None``, ``bool``, ``int``, ``float``,
            ``complex``, ``str``, ``bytes``, ``bytearray``, ``list``,
            ``tuple``, ``dict``, ``set``, ``frozenset``), or if *fn* is
            neither callable nor ``None``.

    If *fn* raises, or returns a value that cannot be digested, digesting the
    instance raises :class:`ArgumentDigestError` (chained to the cause).

    >>> import threading
    >>> from checkpointing import register_digest
    >>> from checkpointing._digest import digest_value  # what @checkpoint calls
    >>> class Handle:
    ...     def __init__(self, path):
    ...         self.path = path
    ...         self.lock = threading.Lock()  # cannot be digested
    >>> register_digest(Handle, lambda handle: handle.path)
    >>> digest_value(Handle("a.csv")) == digest_value(Handle("a.csv"))
    True
    >>> digest_value(Handle("a.csv")) == digest_value(Handle("b.csv"))
    False
    >>> register_digest(Handle, None)

    .. versionadded:: 0.1.0
    """
    if not isinstance(cls, type) or cls is object:
        raise TypeError(
            f"register_digest() needs a class other than object, not {cls!r}"
        )
    if cls in _NATIVE_TYPES:
        raise TypeError(
            f"{cls.__qualname__} is encoded natively; its digest cannot be replaced"
        )
    if fn is None:
        _REGISTRY.pop(cls, None)
    elif callable(fn):
        _REGISTRY[cls] = fn
    else:
        raise TypeError(f"register_digest() needs a callable or None, not {fn!r}")
    _refresh_exact()


def short_repr(value: object, limit: int = _REPR_LIMIT) -> str:
    """
    Return ``repr(value)`` cut to at most *limit* characters; never raises.

    numpy arrays and similar large objects are summarized by type and shape.
    """
    try:
        text = _ADDRESS.sub("", repr(value))  # addresses differ between runs
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break caching
        text = f"<{type(value).__qualname__} (repr failed)>"
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and not isinstance(value, type):
        # numpy/pandas reprs elide the middle; say the shape and dtype up front,
        # then the first values (enough to tell two arrays apart by eye).
        head = " ".join(text.split())
        if len(head) > 60:
            head = head[:57] + "..."
        dtype = getattr(value, "dtype", "?")
        text = f"<{type(value).__name__} shape={shape!r} dtype={dtype}> {head}"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


# -- binding -----------------------------------------------------------------------

#: Parameter names, positional count, keyword names, defaults.
_Plan = tuple[tuple[str, ...], int, frozenset[str], dict[str, object]]
#: Per-signature binding plans: id → (signature, plan). The signature is kept
#: so that its id cannot be reused while the entry exists.
_PLANS: dict[int, tuple[inspect.Signature, _Plan | None]] = {}
_PLANS_LIMIT: Final = 512
_NO_DEFAULT: Final = inspect.Parameter.empty


def _binding_plan(signature: inspect.Signature) -> _Plan | None:
    """Names, positional count, keyword names and defaults; None if *args/**kwargs."""
    names: list[str] = []
    keyword_names: set[str] = set()
    defaults: dict[str, object] = {}
    positional = 0
    for parameter in signature.parameters.values():
        kind = parameter.kind
        if kind is parameter.VAR_POSITIONAL or kind is parameter.VAR_KEYWORD:
            return None
        names.append(parameter.name)
        if kind is not parameter.KEYWORD_ONLY:
            positional += 1
        if kind is not parameter.POSITIONAL_ONLY:
            keyword_names.add(parameter.name)
        if parameter.default is not _NO_DEFAULT:
            defaults[parameter.name] = parameter.default
    return tuple(names), positional, frozenset(keyword_names), defaults


def _bind(
    signature: inspect.Signature, args: tuple[object, ...], kwargs: Mapping[str, object]
) -> dict[str, object]:
    """
    Return the call's arguments by parameter name in signature order, defaults applied.

    ``Signature.bind`` costs ~2 µs; signatures without ``*args``/``**kwargs``
    are bound here from a cached plan instead. Anything unusual (too many
    arguments, unknown or duplicate names, a missing argument) goes through
    ``Signature.bind``, which raises the ``TypeError`` a plain call would.
    """
    entry = _PLANS.get(id(signature))
    if entry is None or entry[0] is not signature:
        if len(_PLANS) >= _PLANS_LIMIT:
            _PLANS.clear()
        entry = (signature, _binding_plan(signature))
        _PLANS[id(signature)] = entry
    plan = entry[1]
    if plan is not None:
        arguments = _bind_with_plan(plan, args, kwargs)
        if arguments is not None:
            return arguments
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def _bind_with_plan(
    plan: _Plan, args: tuple[object, ...], kwargs: Mapping[str, object]
) -> dict[str, object] | None:
    """The arguments in signature order, or None if ``Signature.bind`` must decide."""
    names, positional, keyword_names, defaults = plan
    if len(args) > positional:
        return None
    arguments = dict(zip(names, args, strict=False))
    if not kwargs and len(arguments) == len(names):
        return arguments  # all passed positionally: already in order
    for key in kwargs:
        if key in arguments or key not in keyword_names:
            return None
    ordered: dict[str, object] = {}
    for name in names:
        if name in arguments:
            ordered[name] = arguments[name]
        elif name in kwargs:
            ordered[name] = kwargs[name]
        elif name in defaults:
            ordered[name] = defaults[name]
        else:
            return None
    return ordered


# -- errors ------------------------------------------------------------------------


class _Undigestable(Exception):
    """Raised inside the encoder; ``digest_value`` turns it into ArgumentDigestError."""

    def __init__(self, type_name: str, reason: str) -> None:
        super().__init__(reason)
        self.type_name = type_name
        self.reason = reason
        self.path: list[str] = []  # innermost step first, filled while unwinding

    def to_error(self, parameter: str) -> ArgumentDigestError:
        where = "".join(reversed(self.path))
        location = f" at {parameter or 'the value'}{where}" if where else ""
        # ignore= takes parameter names; globals ("global:module:NAME") have none.
        skip = (
            f"pass {parameter!r} in ignore= if it does not affect the result, or "
            if parameter.isidentifier()
            else ""
        )
        short_name = self.type_name.rpartition(".")[2]
        return ArgumentDigestError(
            parameter,
            self.type_name,
            f"{self.reason}{location}; {skip}define its digest: a "
            f"__checkpoint_digest__ method on the class, or "
            f"checkpointing.register_digest({short_name}, fn)",
        )


def _fail(value: object, reason: str) -> _Undigestable:
    return _Undigestable(_type_name(type(value)), reason)


# -- the encoder -------------------------------------------------------------------


class _Encoder:
    """
    Writes the canonical encoding of values and hashes it with xxh3-128.

    Small pieces are collected in a list and hashed in one call at the end
    (or every few thousand pieces); large buffers go to the hasher directly,
    without a copy.
    """

    __slots__ = ("_active", "_hasher", "out")

    def __init__(self, active: list[int]) -> None:
        self.out: list[bytes] = []
        self._hasher: Any = None
        # ids of the containers on the current path, for cycle detection only
        # (never part of the encoding, so addresses do not leak into digests).
        self._active = active

    # -- output ---------------------------------------------------------------------
    def flush(self) -> None:
        if self._hasher is None:
            self._hasher = xxhash.xxh3_128()
        self._hasher.update(b"".join(self.out))
        self.out.clear()

    def write_buffer(self, buffer: Any) -> None:
        """Hash a (contiguous) buffer in place, after the pieces written so far."""
        self.flush()
        self._hasher.update(buffer)

    def digest(self) -> bytes:
        if self._hasher is None:
            return _xxh3_128_digest(b"".join(self.out))
        self.flush()
        return self._hasher.digest()  # type: ignore[no-any-return]

    def hexdigest(self) -> str:
        if self._hasher is None:
            return _xxh3_128_hexdigest(b"".join(self.out))
        self.flush()
        return self._hasher.hexdigest()  # type: ignore[no-any-return]

    def sub_digest(self, value: object, depth: int) -> bytes:
        """The 16-byte digest of *value* alone (dict keys, set members, streams)."""
        scalar = _SCALAR_BYTES.get(type(value))
        if scalar is not None:
            return _xxh3_128_digest(scalar(value))
        sub = _Encoder(self._active)
        sub.encode(value, depth)
        return sub.digest()

    # -- values ---------------------------------------------------------------------
    def encode(self, value: object, depth: int) -> None:
        cls = type(value)
        scalar = _SCALAR_BYTES.get(cls)
        if scalar is not None:
            self.out.append(scalar(value))
            return
        if depth > _MAX_DEPTH:
            raise _fail(value, f"it is nested deeper than {_MAX_DEPTH} levels")
        encoder = _EXACT.get(cls)
        try:
            if encoder is None:
                encoder = _resolve(value, cls)
            encoder(self, value, depth)
        except _Undigestable:
            raise
        except Exception as err:
            # A library conversion or a user's __reduce_ex__ failed: name the
            # value's type and where it sits instead of leaking the raw error
            # (a plain TypeError would read as "arguments do not fit").
            raise _fail(
                value, f"digesting it raised {type(err).__name__}: {err}"
            ) from err

    def enter(self, value: object) -> None:
        marker = id(value)
        if marker in self._active:
            raise _fail(value, "it contains a reference cycle")
        self._active.append(marker)

    def leave(self) -> None:
        self._active.pop()

    def items(self, items: Sequence[object], depth: int) -> None:
        """Encode *items* one after the other (the count is written by the caller)."""
        if len(items) > _FLUSH_PIECES:
            # Slices keep the buffered pieces bounded without a length check
            # per scalar item (the common case: long lists of numbers).
            for start in range(0, len(items), _FLUSH_PIECES):
                self._items(items[start : start + _FLUSH_PIECES], depth, start)
                self.flush()
        else:
            self._items(items, depth, 0)

    def _items(self, items: Sequence[object], depth: int, position: int) -> None:
        out = self.out
        append = out.append
        scalars = _SCALAR_BYTES
        try:
            for item in items:
                scalar = scalars.get(type(item))
                if scalar is not None:
                    append(scalar(item))
                else:
                    self.encode(item, depth)
                    if len(out) > _FLUSH_PIECES:
                        self.flush()
                position += 1
        except _Undigestable as err:
            err.path.append(f"[{position}]")
            raise

    def mapping(
        self,
        tag: bytes,
        mapping: Mapping[Any, object],
        depth: int,
        *,
        attributes: bool = False,
    ) -> None:
        """
        Items in iteration order: (16-byte key digest, value encoding) pairs.

        A dict's order is part of its identity: ``list(d)``, ``d.items()`` and
        everything built from them see it, so ``{"a": 1, "b": 2}`` and
        ``{"b": 2, "a": 1}`` digest differently.
        """
        self.enter(mapping)
        keyed = []
        for key, value in mapping.items():
            try:
                keyed.append((self.sub_digest(key, depth), value, key))
            except _Undigestable as err:
                err.path.append(f"[<key {short_repr(key, 40)}>]")
                raise
        out = self.out
        out.append(tag + _pack_len(len(keyed)))
        for key_digest, value, key in keyed:
            out.append(key_digest)
            try:
                self.encode(value, depth)
            except _Undigestable as err:
                step = f".{key}" if attributes and isinstance(key, str) else None
                err.path.append(step or f"[{short_repr(key, 40)}]")
                raise
            if len(out) > _FLUSH_PIECES:
                self.flush()
        self.leave()


# -- native types ------------------------------------------------------------------


def _none_bytes(value: None) -> bytes:
    return b"N"


def _bool_bytes(value: bool) -> bytes:  # noqa: FBT001 - a value, not a flag
    return b"T" if value else b"F"


def _int_bytes(value: int) -> bytes:
    try:
        return _pack_int(b"i", value)  # 64-bit ints: fixed width, one call
    except struct.error:
        # Larger ints: two's complement, little-endian, minimal length (linear in
        # the size; str() is quadratic and refuses more than 4300 digits).
        data = value.to_bytes((value.bit_length() + 8) >> 3, "little", signed=True)
        return b"I" + _pack_len(len(data)) + data


def _float_bytes(value: float) -> bytes:
    if value != value:  # NaN: one canonical encoding
        return _NAN_FLOAT
    return _pack_float(b"f", value)  # -0.0 and 0.0 stay distinct (different bits)


def _str_bytes(value: str) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    return _pack_tagged_len(b"s", len(data)) + data


def _bytes(enc: _Encoder, value: bytes, depth: int) -> None:
    if len(value) <= _INLINE_BYTES:
        enc.out.append(_pack_tagged_len(b"b", len(value)) + value)
    else:  # hashed in place: concatenating would copy it
        enc.out.append(_pack_tagged_len(b"b", len(value)))
        enc.write_buffer(value)


_Scalar = Callable[[Any], bytes]
#: Exact types whose whole encoding is one short byte string.
_SCALAR_BYTES: Final[dict[type, _Scalar]] = {
    int: _int_bytes,
    str: _str_bytes,
    float: _float_bytes,
    type(None): _none_bytes,
    bool: _bool_bytes,
}


def _complex(enc: _Encoder, value: complex, depth: int) -> None:
    real, imag = value.real, value.imag
    enc.out.append(
        b"c"
        + (_NAN_BYTES if real != real else _pack_double(real))
        + (_NAN_BYTES if imag != imag else _pack_double(imag))
    )


def _bytearray(enc: _Encoder, value: bytearray, depth: int) -> None:
    enc.out.append(b"B" + _pack_len(len(value)))
    enc.write_buffer(value)


def _list(enc: _Encoder, value: list[object], depth: int) -> None:
    enc.enter(value)
    enc.out.append(b"l" + _pack_len(len(value)))
    enc.items(value, depth + 1)
    enc.leave()


def _tuple(enc: _Encoder, value: tuple[object, ...], depth: int) -> None:
    # Tuples are immutable: a cycle must pass through a mutable container,
    # which registers itself, so tuples need no cycle bookkeeping.
    enc.out.append(b"t" + _pack_len(len(value)))
    enc.items(value, depth + 1)


def _dict(enc: _Encoder, value: dict[object, object], depth: int) -> None:
    enc.mapping(b"d", value, depth + 1)


def _unordered(tag: bytes) -> Callable[[_Encoder, Any, int], None]:
    def encode(enc: _Encoder, value: Collection[object], depth: int) -> None:
        enc.enter(value)
        digests = []
        for member in value:
            try:
                digests.append(enc.sub_digest(member, depth + 1))
            except _Undigestable as err:
                err.path.append(f"[<member {short_repr(member, 40)}>]")
                raise
        digests.sort()
        enc.out.append(tag + _pack_len(len(digests)))
        enc.out.extend(digests)
        enc.leave()

    return encode


def _typed(enc: _Encoder, kind: str) -> None:
    """Start an ``X`` encoding: the tag, then the kind that selects the body's layout."""
    name = kind.encode("utf-8")
    enc.out.append(b"X" + _pack_len(len(name)) + name)


def _text(value: str) -> bytes:
    data = value.encode("utf-8", "surrogatepass")
    return _pack_len(len(data)) + data


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


def _shape(shape: tuple[int, ...]) -> bytes:
    return _pack_len(len(shape)) + b"".join(_pack_len(n) for n in shape)


def _state(enc: _Encoder, value: object, depth: int) -> None:
    """The instance ``__dict__`` (as a dict) if it has a non-empty one, else ``N``."""
    state = getattr(value, "__dict__", None)
    if state and isinstance(state, dict):
        enc.mapping(b"d", state, depth + 1, attributes=True)
    else:
        enc.out.append(b"N")


_Encode = Callable[[_Encoder, Any, int], None]

#: Encoders chosen by exact type (subclasses go through ``_resolve``).
_EXACT_BUILTIN: Final[dict[type, _Encode]] = {
    bytes: _bytes,
    list: _list,
    tuple: _tuple,
    dict: _dict,
    set: _unordered(b"S"),
    frozenset: _unordered(b"Z"),
    complex: _complex,
    bytearray: _bytearray,
    datetime.datetime: _datetime,
    datetime.date: _date,
    datetime.time: _time,
    datetime.timedelta: _timedelta,
    decimal.Decimal: _decimal,
    decimal.Context: _decimal_context,
    uuid.UUID: _uuid,
    pathlib.PurePosixPath: _path,
    pathlib.PureWindowsPath: _path,
    pathlib.PosixPath: _path,
    pathlib.WindowsPath: _path,
    memoryview: _memoryview,
    pickle.PickleBuffer: _pickle_buffer,
    collections.OrderedDict: _ordered_dict,
    collections.defaultdict: _defaultdict,
    types.MappingProxyType: _mapping_proxy,
    types.CellType: _cell,
    weakref.ref: _weak_reference,
    weakref.WeakMethod: _weak_reference,
    weakref.WeakValueDictionary: _weak_mapping,
    weakref.WeakKeyDictionary: _weak_mapping,
    contextvars.ContextVar: _context_variable,
}

#: Types whose encoding is fixed (no hook, no registration can replace it).
_NATIVE_TYPES: Final = frozenset(
    {type(None), bool, int, float, complex, str, bytes, bytearray}
    | {list, tuple, dict, set, frozenset}
)

#: register_digest(): class → stand-in function.
_REGISTRY: dict[type, Callable[[Any], object]] = {}
#: The exact-type table in use: _EXACT_BUILTIN minus the non-native types with
#: a registration in their MRO (those go through ``_resolve``, which finds it).
_EXACT: Final[dict[type, _Encode]] = dict(_EXACT_BUILTIN)


def _refresh_exact() -> None:
    _EXACT.clear()
    for cls, encoder in _EXACT_BUILTIN.items():
        if cls in _NATIVE_TYPES or not any(base in _REGISTRY for base in cls.__mro__):
            _EXACT[cls] = encoder


# -- everything else ---------------------------------------------------------------


def _resolve(value: object, cls: type) -> _Encode:
    """Pick the encoder for a value whose exact type has none."""
    if getattr(cls, "__checkpoint_digest__", None) is not None:
        return _hooked
    if _REGISTRY:
        for base in cls.__mro__:
            fn = _REGISTRY.get(base)
            if fn is not None:
                return functools.partial(_registered, fn, base.__qualname__)
    if isinstance(value, enum.Enum):
        # Before int/str subclass checks: IntEnum members are ints too.
        return _enum
    # Classes, functions and modules first: they are most of the globals the
    # fingerprint digests on every call, and no library fast path wants them.
    if isinstance(value, type):
        return _class
    if isinstance(value, (FunctionType, BuiltinFunctionType, MethodType)):
        return _callable
    if isinstance(value, ModuleType):
        return _module
    if isinstance(value, collections.OrderedDict):
        return _ordered_dict
    if isinstance(value, collections.defaultdict):
        return _defaultdict
    # Before the builtin-subclass rule: numpy.float64 is a float, numpy.str_ a str.
    library = _library_encoder(cls)
    if library is not None:
        return library
    for base in _BUILTIN_BASES:
        if isinstance(value, base):
            return _builtin_subclass
    return _reduce


def _hooked(enc: _Encoder, value: Any, depth: int) -> None:
    _custom(
        enc, value, type(value).__checkpoint_digest__, "__checkpoint_digest__", depth
    )


def _registered(
    fn: Callable[[Any], object], name: str, enc: _Encoder, value: object, depth: int
) -> None:
    _custom(enc, value, fn, f"the register_digest function for {name}", depth)


def _custom(
    enc: _Encoder, value: object, fn: Callable[[Any], object], what: str, depth: int
) -> None:
    try:
        stand_in = fn(value)
    except Exception as err:
        raise _fail(value, f"{what} raised {type(err).__name__}: {err}") from err
    name = _type_name(type(value)).encode()
    enc.out.append(b"H" + _pack_len(len(name)) + name)
    enc.encode(stand_in, depth + 1)


def _enum(enc: _Encoder, value: enum.Enum, depth: int) -> None:
    enc.out.append(b"E" + _text(_type_name(type(value))) + _text(value.name))
    enc.encode(value.value, depth + 1)


def _class(enc: _Encoder, value: type, depth: int) -> None:
    enc.out.append(b"C" + _text(_type_name(value)))


def _module(enc: _Encoder, value: ModuleType, depth: int) -> None:
    enc.out.append(b"M" + _text(value.__name__))


def _callable(enc: _Encoder, value: Any, depth: int) -> None:
    # Functions are identified by their import path here. Their *code* is
    # followed by the fingerprint, not by the argument digest.
    enc.out.append(b"P" + _text(_callable_name(value)))
    if isinstance(value, FunctionType):
        enc.out.append(b"f")
        enc.encode(value.__defaults__, depth + 1)
        enc.encode(value.__kwdefaults__, depth + 1)
        cells = None
        if value.__closure__:
            cells = []
            for cell in value.__closure__:
                try:
                    cells.append(cell.cell_contents)
                except ValueError:  # empty cell
                    cells.append(None)
        enc.encode(None if cells is None else tuple(cells), depth + 1)
    else:
        # Bound methods and builtin methods: the object they are bound to
        # (``d.get`` of two different dicts are different callables).
        bound_self = getattr(value, "__self__", None)
        if isinstance(bound_self, ModuleType):
            bound_self = None
        enc.out.append(b"m")
        enc.encode(bound_self, depth + 1)


_BUILTIN_BASES: Final = (
    bool,
    int,
    float,
    str,
    bytes,
    tuple,
    list,
    dict,
    frozenset,
    set,
)
#: How a subclass instance is converted to its builtin base without calling
#: methods the subclass may override (``__str__``, ``__iter__``, ...).
_TO_BASE: Final[dict[type, Callable[[Any], object]]] = {
    bool: bool,
    int: int.__index__,
    float: float.__float__,
    str: str.__str__,
    bytes: bytes,
    tuple: tuple,
    list: list,
    dict: dict,
    frozenset: frozenset,
    set: set,
}


def _builtin_subclass(enc: _Encoder, value: object, depth: int) -> None:
    # Subclasses of builtin containers/scalars (namedtuples, Counter, str
    # enums of other libraries): the class, the builtin content, then any
    # instance state.
    if _library_object(enc, value):
        return
    base = next(base for base in _BUILTIN_BASES if isinstance(value, base))
    mutable = base is not tuple and base is not frozenset
    enc.out.append(b"<" + _text(_type_name(type(value))))
    if mutable:
        enc.enter(value)
    enc.encode(_TO_BASE[base](value), depth + 1)
    _state(enc, value, depth)
    if mutable:
        enc.leave()


def _reduce(enc: _Encoder, value: object, depth: int) -> None:
    if _library_object(enc, value):
        return
    cls = type(value)
    try:
        # copyreg's table first, as pickle does (re.Pattern is registered there).
        reducer = copyreg.dispatch_table.get(cls)
        reduced = reducer(value) if reducer is not None else value.__reduce_ex__(5)
    except Exception as err:
        raise _fail(value, f"it cannot be pickled ({err})") from err
    if isinstance(reduced, str):  # a global singleton, pickled by name
        enc.out.append(b"G" + _text(f"{_type_name(cls)}:{reduced}"))
        return
    if not isinstance(reduced, tuple) or len(reduced) < 2:
        raise _fail(value, f"its __reduce_ex__ returned {short_repr(reduced, 60)}")
    enc.enter(value)
    constructor, *rest = reduced
    enc.out.append(b"R" + _text(_type_name(cls)) + _text(_callable_name(constructor)))
    constructor_args = rest[0]
    if constructor is _COPYREG_NEWOBJ and constructor_args:
        constructor_args = constructor_args[1:]  # drop the class: already in the tag
    enc.encode(constructor_args, depth + 1)
    state = rest[1] if len(rest) > 1 else None
    if isinstance(state, dict):
        enc.mapping(b"d", state, depth + 1, attributes=True)
    else:
        enc.encode(state, depth + 1)
    list_items = rest[2] if len(rest) > 2 else None
    enc.encode(None if list_items is None else list(list_items), depth + 1)
    dict_items = rest[3] if len(rest) > 3 else None
    # Items a reduce hands to __setitem__ describe a mapping: their order does not count.
    enc.encode(None if dict_items is None else dict(dict_items), depth + 1)
    enc.leave()


#: Names an object that a library module exposes by name: ``(module:qualname,
#: version)``, or ``None``. Installed by ``_fingerprint``, which owns the
#: classification of modules (project, standard library, package); without it
#: (this module used alone) such objects take the pickle fallback.
_library_namer: Callable[[object], tuple[str, str] | None] | None = None


#: The hidden ``random.Random()`` behind the ``random`` module's functions.
_RANDOM_GENERATOR: Final = getattr(random, "_inst", None)


def install_library_namer(namer: Callable[[object], tuple[str, str] | None]) -> None:
    """Identify library-owned objects with *namer* (see ``_library_object``)."""
    global _library_namer  # one process-wide hook, set once when _fingerprint loads
    _library_namer = namer


def _library_object(enc: _Encoder, value: object) -> bool:
    """
    Encode an object that a library module exposes by name, by that name.

    A distribution singleton (``scipy.stats.t``), numpy's global
    ``RandomState``, a registry or a default instance of a package is
    identified by ``module:qualname`` and the package's version, never by its
    state: that state may differ in every process (a generator seeded from the
    OS), or grow as the package caches things. Instances that project code
    creates (``SVC(C=10)``) are exposed by no package module and keep their
    state. Which modules are packages is the fingerprint's knowledge: it
    installs the namer when it loads (``@checkpoint`` always loads it).
    """
    if value is _RANDOM_GENERATOR:
        # The generator behind random.random(), random.choice(): seeded per process.
        name, version = "random:_inst", ""
    else:
        namer = _library_namer
        named = None if namer is None else namer(value)
        if named is None:
            return False
        name, version = named
    enc.out.append(b"L" + _text(name) + _text(version))
    return True


def _type_name(cls: type) -> str:
    module = cls.__module__
    return f"{module if isinstance(module, str) else ''}.{cls.__qualname__}"


def _callable_name(obj: object) -> str:
    # Only text attributes: __module__ is None on functions made by exec (scipy's
    # generated methods), and a non-text value's repr may hold an address.
    try:
        module = getattr(obj, "__module__", "")
        qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "")
    except Exception:  # noqa: BLE001 - a property of a foreign object may raise anything
        module = qualname = ""
    if not isinstance(module, str):
        module = ""
    if not isinstance(qualname, str) or not qualname:
        qualname = type(obj).__qualname__
    return f"{module}:{qualname}"


def _text_attribute(obj: object, name: str) -> str:
    """``obj.<name>`` if it is a ``str``, else ``""`` (never raises)."""
    try:
        value = getattr(obj, name, "")
    except Exception:  # noqa: BLE001 - a property of a foreign object may raise anything
        return ""
    return value if isinstance(value, str) else ""


def _copyreg_newobj() -> object:
    return getattr(copyreg, "__newobj__")  # noqa: B009 - untyped in typeshed


_COPYREG_NEWOBJ: Final = _copyreg_newobj()


# -- third-party libraries (never imported here) -------------------------------------


def _library_encoder(cls: type) -> _Encode | None:
    """The fast path for a numpy/pandas/pyarrow/polars/scipy/torch value, if any."""
    modules = sys.modules
    root = _text_attribute(cls, "__module__").partition(".")[0]
    # numpy, pandas and torch types are also subclassed by other libraries
    # (astropy's Quantity, geopandas' GeoDataFrame): check those by class.
    np = modules.get("numpy")
    if np is not None:
        if issubclass(cls, np.ndarray):
            return _numpy_array
        if issubclass(cls, np.generic):
            return _numpy_scalar
        if issubclass(cls, np.dtype):
            return _numpy_dtype
    if "pandas" in modules:
        pd = modules["pandas"]
        if issubclass(cls, pd.DataFrame):
            return _pandas_frame
        if issubclass(cls, pd.Series):
            return _pandas_series
        if issubclass(cls, pd.Index):
            return _pandas_index
        if issubclass(cls, pd.api.extensions.ExtensionArray):
            return _pandas_extension_array
    if root == "pyarrow" and "pyarrow" in modules:
        pa = modules["pyarrow"]
        if issubclass(cls, (pa.Table, pa.RecordBatch)):
            return _arrow_table
        if issubclass(cls, pa.ChunkedArray):
            return _arrow_chunked_array
        if issubclass(cls, pa.Array):
            return _arrow_array
    if root == "polars" and "polars" in modules:
        pl = modules["polars"]
        if issubclass(cls, pl.DataFrame):
            return _polars_frame
        if issubclass(cls, pl.Series):
            return _polars_series
    if root == "scipy" and "scipy.sparse" in modules:
        sparse = modules["scipy.sparse"]
        if issubclass(cls, (sparse.spmatrix, sparse.sparray)):
            return _scipy_sparse
    if "torch" in modules:
        torch = modules["torch"]
        if issubclass(cls, torch.Tensor):
            return _torch_tensor
    # pydantic.main, not pydantic: the package imports BaseModel lazily.
    if "pydantic.main" in modules:
        base_model = modules["pydantic.main"].BaseModel
        if issubclass(cls, base_model) and hasattr(cls, "__pydantic_fields__"):
            return _pydantic_model
    return None


# -- numpy -------------------------------------------------------------------------


def _numpy_array(enc: _Encoder, array: Any, depth: int) -> None:
    np = sys.modules["numpy"]
    cls = type(array)
    if cls is np.ndarray or isinstance(array, np.memmap):
        # A memmap is storage, not a different value: digest the data.
        _typed(enc, "numpy.ndarray")
        _array_body(enc, array.view(np.ndarray), depth)
        return
    if isinstance(array, np.ma.MaskedArray):
        _typed(enc, "numpy.ma.MaskedArray")
        enc.out.append(_text(_type_name(cls)))
        _array_body(enc, array.data, depth)
        _array_body(enc, np.ma.getmaskarray(array), depth)
        enc.encode(array.fill_value, depth + 1)
        enc.encode(bool(array.hardmask), depth + 1)
        return
    # Other subclasses (np.matrix, astropy's Quantity, ...): the class, the
    # data, then the instance attributes that make the subclass (e.g. a unit).
    _typed(enc, "numpy.ndarray subclass")
    enc.out.append(_text(_type_name(cls)))
    _array_body(enc, array.view(np.ndarray), depth)
    _state(enc, array, depth)


def _array_body(enc: _Encoder, array: Any, depth: int) -> None:
    """dtype, shape and contents of a base-class ndarray."""
    dtype = array.dtype
    names = dtype.names
    if names is not None:
        # Structured: field by field, so padding bytes (arbitrary memory) and
        # offsets (packed vs aligned) do not count, only names and values.
        enc.out.append(b"r" + _pack_len(len(names)) + _shape(array.shape))
        for name in names:
            title = dtype.fields[name][2] if len(dtype.fields[name]) > 2 else None
            enc.out.append(_text(name))
            enc.encode(title, depth + 1)
            _array_body(enc, array[name], depth)
        return
    if dtype.hasobject or dtype.kind == "T":
        # Object arrays item by item; numpy 2 StringDType holds pointers, not text.
        enc.out.append(b"o" + _text(repr(dtype)) + _shape(array.shape))
        items = array.ravel(order="C")
        if dtype.kind == "T":
            items = items.astype(object)
        _object_items(enc, items.tolist(), depth)
        return
    header = b"a" + _text(dtype.str) + _shape(array.shape) + _pack_len(array.nbytes)
    if array.nbytes <= _INLINE_BYTES:
        # Small arrays: one copy is cheaper than flushing for a separate update.
        enc.out.append(header + array.tobytes(order="C"))
        return
    enc.out.append(header)
    for block in _c_order_blocks(array):
        enc.write_buffer(block)


def _c_order_blocks(array: Any) -> Iterator[Any]:
    """
    Yield byte views that together are *array*'s data in C order.

    A C-contiguous array is yielded as is (no copy). Anything else is copied
    one block of at most ~1 MiB at a time, so a strided view hashes like its
    contiguous copy without ever holding the whole copy.
    """
    np = sys.modules["numpy"]
    if array.flags.c_contiguous or array.nbytes == 0:
        yield array.reshape(-1).view(np.uint8)
        return
    row_bytes = array.nbytes // array.shape[0]
    if row_bytes <= _BLOCK_BYTES:
        rows = max(1, _BLOCK_BYTES // max(row_bytes, 1))
        for start in range(0, array.shape[0], rows):
            block = np.ascontiguousarray(array[start : start + rows])
            yield block.reshape(-1).view(np.uint8)
    else:
        for row in array:
            yield from _c_order_blocks(row)


def _object_items(enc: _Encoder, items: list[Any], depth: int) -> None:
    """
    Encode the items of an object array (or column), exact ``str`` items in bulk.

    Layout: the count, then ``a`` + a string block (all items are ``str``),
    ``e`` + each item (no ``str``), or ``m`` + one byte per item (1 = ``str``)
    + a string block of the ``str`` items + each other item in order.
    """
    out = enc.out
    out.append(_pack_len(len(items)))
    types = set(map(type, items))
    if types == {str}:
        out.append(b"a")
        _string_block(enc, items)
    elif str not in types:
        out.append(b"e")
        enc.items(items, depth + 1)
    else:
        is_str = [type(item) is str for item in items]
        out.append(b"m")
        enc.write_buffer(bytes(is_str))
        _string_block(
            enc, [item for item, flag in zip(items, is_str, strict=True) if flag]
        )
        others = [item for item, flag in zip(items, is_str, strict=True) if not flag]
        enc.items(others, depth + 1)


def _string_block(enc: _Encoder, strings: list[str]) -> None:
    """
    Encode many ``str`` at C speed: joined by NUL when none contains NUL,
    else their lengths (code points, int64) and the concatenation.
    """
    count = len(strings)
    joined = _NUL.join(strings)
    if count == 0 or joined.count(_NUL) == count - 1:
        data = joined.encode("utf-8", "surrogatepass")
        enc.out.append(b"0" + _pack_len(len(data)))
    else:
        np = sys.modules["numpy"]
        lengths = np.fromiter(map(len, strings), dtype="<i8", count=count)
        data = "".join(strings).encode("utf-8", "surrogatepass")
        enc.out.append(b"1")
        enc.write_buffer(lengths)
        enc.out.append(_pack_len(len(data)))
    enc.write_buffer(data)


def _numpy_scalar(enc: _Encoder, scalar: Any, depth: int) -> None:
    _typed(enc, _type_name(type(scalar)))
    # The raw bits, as in arrays: NaN payloads and -0.0 count.
    data = scalar.tobytes()
    enc.out.append(_text(scalar.dtype.str) + _pack_len(len(data)) + data)


def _numpy_dtype(enc: _Encoder, dtype: Any, depth: int) -> None:
    _typed(enc, "numpy.dtype")
    enc.out.append(_text(_dtype_identity(dtype)))


def _dtype_identity(dtype: Any) -> str:
    if dtype.names is not None:
        return repr(dtype.descr)
    if dtype.kind == "T":
        return repr(dtype)
    return str(dtype.str)


# -- pandas ------------------------------------------------------------------------


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


# -- pyarrow -------------------------------------------------------------------------


def _arrow_array(enc: _Encoder, array: Any, depth: int) -> None:
    _typed(enc, "pyarrow.Array")
    _arrow_values(enc, [array], array.type, depth)


def _arrow_chunked_array(enc: _Encoder, array: Any, depth: int) -> None:
    _typed(enc, "pyarrow.ChunkedArray")
    _arrow_values(enc, array.chunks, array.type, depth)


def _arrow_table(enc: _Encoder, table: Any, depth: int) -> None:
    pa = sys.modules["pyarrow"]
    is_table = isinstance(table, pa.Table)
    _typed(enc, "pyarrow.Table" if is_table else "pyarrow.RecordBatch")
    schema = table.schema
    enc.encode(_arrow_metadata(schema.metadata), depth + 1)
    enc.out.append(_pack_len(len(schema)) + _pack_len(table.num_rows))
    for position, field in enumerate(schema):
        enc.out.append(_text(field.name) + (b"T" if field.nullable else b"F"))
        enc.encode(_arrow_metadata(field.metadata), depth + 1)
        column = table.column(position)
        _arrow_values(enc, column.chunks if is_table else [column], field.type, depth)


def _arrow_metadata(metadata: Mapping[bytes, bytes] | None) -> dict[bytes, bytes]:
    return dict(metadata or {})


def _arrow_values(
    enc: _Encoder, chunks: list[Any], arrow_type: Any, depth: int
) -> None:
    """
    The type, the length, then digests of independent streams (validity,
    lengths, data) fed chunk by chunk: the chunking does not change the digest.
    """
    pa = sys.modules["pyarrow"]
    types = pa.types
    length = sum(len(chunk) for chunk in chunks)
    nulls = sum(chunk.null_count for chunk in chunks)
    enc.out.append(_text(str(arrow_type)) + _pack_len(length) + _pack_len(nulls))
    if isinstance(arrow_type, pa.BaseExtensionType):
        enc.out.append(_text(arrow_type.extension_name))
        enc.encode(arrow_type.__arrow_ext_serialize__(), depth + 1)
        chunks = [chunk.storage for chunk in chunks]
        arrow_type = arrow_type.storage_type
    if nulls:
        validity = _Encoder(enc._active)
        for chunk in chunks:
            validity.write_buffer(chunk.is_valid().to_numpy(zero_copy_only=False))
        enc.out.append(validity.digest())
        chunks = [chunk.drop_null() if chunk.null_count else chunk for chunk in chunks]
    if types.is_null(arrow_type):
        return
    if types.is_dictionary(arrow_type):
        # Each chunk may carry its own dictionary: digest the decoded values.
        decoded = [chunk.dictionary_decode() for chunk in chunks]
        _arrow_values(enc, decoded, arrow_type.value_type, depth)
        return
    if types.is_string_view(arrow_type) or types.is_binary_view(arrow_type):
        target = (
            pa.large_string() if types.is_string_view(arrow_type) else pa.large_binary()
        )
        chunks = [chunk.cast(target) for chunk in chunks]
        arrow_type = target
    data = _Encoder(enc._active)
    if types.is_boolean(arrow_type):
        enc.out.append(b"1")
        for chunk in chunks:
            data.write_buffer(chunk.to_numpy(zero_copy_only=False))
    elif _is_binary_like(types, arrow_type):
        np = sys.modules["numpy"]
        enc.out.append(b"2")
        lengths = _Encoder(enc._active)
        large = types.is_large_string(arrow_type) or types.is_large_binary(arrow_type)
        offset_type = np.int64 if large else np.int32
        # Lengths, not offsets: they do not depend on where a chunk starts.
        # Computed block by block into one small buffer (a fresh array the
        # size of the column would cost more in page faults than the hashing).
        block = np.empty(_LENGTH_BLOCK, dtype="<i8")
        for chunk in chunks:
            if not len(chunk):
                continue
            buffers = chunk.buffers()
            offsets = np.frombuffer(buffers[1], dtype=offset_type)
            offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
            for start in range(0, len(chunk), _LENGTH_BLOCK):
                stop = min(start + _LENGTH_BLOCK, len(chunk))
                out = block[: stop - start]
                np.subtract(offsets[start + 1 : stop + 1], offsets[start:stop], out=out)
                lengths.write_buffer(out)
            data.write_buffer(
                memoryview(buffers[2])[int(offsets[0]) : int(offsets[-1])]
            )
        enc.out.append(lengths.digest())
    elif _byte_width(arrow_type):
        width = _byte_width(arrow_type)
        enc.out.append(b"3")
        for chunk in chunks:
            if len(chunk):
                start = chunk.offset * width
                data.write_buffer(
                    memoryview(chunk.buffers()[1])[start : start + len(chunk) * width]
                )
    else:
        # Nested and rare types (lists, structs, maps, unions, ...): item by item.
        enc.out.append(b"4")
        for chunk in chunks:
            data.items(chunk.to_pylist(), depth + 1)
    enc.out.append(data.digest())


def _is_binary_like(types: Any, arrow_type: Any) -> bool:
    return bool(
        types.is_string(arrow_type)
        or types.is_large_string(arrow_type)
        or types.is_binary(arrow_type)
        or types.is_large_binary(arrow_type)
    )


def _byte_width(arrow_type: Any) -> int:
    """Bytes per value of a fixed-width type; 0 for other types."""
    try:
        bits = arrow_type.bit_width
    except ValueError:
        return 0
    return int(bits) // 8 if bits % 8 == 0 else 0


# -- polars --------------------------------------------------------------------------


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


# -- scipy.sparse --------------------------------------------------------------------


def _scipy_sparse(enc: _Encoder, matrix: Any, depth: int) -> None:
    """
    The class, the shape, then the arrays of a canonical form: CSR, CSC and
    BSR with sorted indices and summed duplicates (copied only if they are
    not), COO with summed duplicates, other formats converted to CSR.
    Explicitly stored zeros count.
    """
    _typed(enc, f"scipy.sparse.{type(matrix).__name__}")
    enc.out.append(_text(_type_name(type(matrix))) + _shape(matrix.shape))
    fmt = matrix.format
    if fmt not in {"csr", "csc", "bsr", "coo"}:
        matrix = matrix.tocsr()
        fmt = "csr"
    if not matrix.has_canonical_format:
        matrix = matrix.copy()
        matrix.sum_duplicates()
    enc.out.append(_text(fmt))
    if fmt == "coo":
        coords = getattr(matrix, "coords", None) or (matrix.row, matrix.col)
        arrays = [*coords, matrix.data]
    else:
        arrays = [matrix.indptr, matrix.indices, matrix.data]
    for array in arrays:
        _array_body(enc, array, depth)


# -- pydantic ------------------------------------------------------------------------


def _pydantic_model(enc: _Encoder, model: Any, depth: int) -> None:
    """
    The class, the field values (``__dict__``), the extra fields, the private
    attributes, and which fields were set explicitly. pydantic's ``==``
    ignores the last one, but ``model_dump(exclude_unset=True)`` does not, so
    ``Model()`` and ``Model(x=<the default>)`` are kept apart.
    """
    _typed(enc, "pydantic.BaseModel")
    enc.out.append(_text(_type_name(type(model))))
    enc.mapping(b"d", model.__dict__, depth + 1, attributes=True)
    enc.encode(dict(model.__pydantic_extra__ or {}), depth + 1)
    enc.encode(getattr(model, "__pydantic_private__", None), depth + 1)
    enc.encode(frozenset(model.__pydantic_fields_set__), depth + 1)


# -- torch -------------------------------------------------------------------------


def _torch_tensor(enc: _Encoder, tensor: Any, depth: int) -> None:
    """
    The class, dtype, layout, device, ``requires_grad`` and shape, then the
    values: the raw bytes in C order (dense), the integer representation and
    quantization parameters (quantized), or indices and values (sparse).
    Gradients and autograd history are not part of a tensor's value.
    """
    torch = sys.modules["torch"]
    cls = type(tensor)
    _typed(enc, "torch.Tensor")
    enc.out.append(
        _text(_type_name(cls))
        + _text(str(tensor.dtype))
        + _text(str(tensor.layout))
        + _text(str(tensor.device))
        + (b"T" if tensor.requires_grad else b"F")
        + _shape(tuple(tensor.shape))
    )
    if tensor.device.type == "meta":
        raise _fail(tensor, "it is on the meta device and has no data")
    data = tensor.detach()
    if data.layout != torch.strided:
        sparse = (
            data.to_sparse_coo().coalesce() if data.layout != torch.sparse_coo else None
        )
        sparse = data.coalesce() if sparse is None else sparse
        _torch_tensor(enc, sparse.indices(), depth + 1)
        _torch_tensor(enc, sparse.values(), depth + 1)
    elif data.is_quantized:
        enc.out.append(_text(str(data.qscheme())))
        if data.qscheme() in (torch.per_tensor_affine, torch.per_tensor_symmetric):
            enc.encode((float(data.q_scale()), int(data.q_zero_point())), depth + 1)
        else:
            enc.encode(int(data.q_per_channel_axis()), depth + 1)
            _torch_tensor(enc, data.q_per_channel_scales(), depth + 1)
            _torch_tensor(enc, data.q_per_channel_zero_points(), depth + 1)
        _torch_dense(enc, data.int_repr(), on_cpu=data.device.type == "cpu")
    else:
        dense = data.resolve_conj().resolve_neg()
        _torch_dense(enc, dense, on_cpu=data.device.type == "cpu")
    _state(enc, tensor, depth)


def _torch_dense(enc: _Encoder, tensor: Any, *, on_cpu: bool) -> None:
    """Raw bytes in C order; blocks go through host memory if on another device."""
    torch = sys.modules["torch"]
    enc.out.append(_pack_len(tensor.numel() * tensor.element_size()))
    limit = _BLOCK_BYTES if not tensor.is_contiguous() else _DEVICE_BLOCK_BYTES
    for block in _torch_blocks(tensor, limit, on_cpu=on_cpu):
        if not on_cpu:
            block = block.cpu()
        enc.write_buffer(block.view(torch.uint8).numpy())


def _torch_blocks(tensor: Any, limit: int, *, on_cpu: bool) -> Iterator[Any]:
    """Contiguous 1-D views (or bounded copies) that are *tensor*'s data in C order."""
    if tensor.is_contiguous():
        flat = tensor.reshape(-1)
        if on_cpu:
            yield flat
            return
        step = max(1, limit // max(tensor.element_size(), 1))
        for start in range(0, flat.numel(), step):
            yield flat[start : start + step]
        return
    # Not contiguous: at least one dimension and one element (torch calls
    # empty and 0-d tensors contiguous).
    row_bytes = tensor[0].numel() * tensor.element_size()
    if row_bytes <= limit:
        rows = max(1, limit // max(row_bytes, 1))
        for start in range(0, tensor.shape[0], rows):
            yield tensor[start : start + rows].contiguous().reshape(-1)
    else:
        for row in tensor:
            yield from _torch_blocks(row, limit, on_cpu=on_cpu)
