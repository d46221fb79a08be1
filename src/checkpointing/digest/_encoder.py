"""
The canonical encoder: values → a tagged, length-prefixed byte stream → xxh3-128.

Every value is fed to the hasher as a one-byte *type tag* followed by
length-prefixed content, so values of different types or shapes never share an
encoding by construction: ``1``, ``1.0``, ``True``, ``"1"``, ``b"1"``, ``[1]``
and ``(1,)`` all digest differently. Dicts keep their insertion order (code
that iterates over one sees it); ``set`` and ``frozenset`` are encoded from the
*sorted digests* of their members, so ``PYTHONHASHSEED`` does not matter.

This module owns the :class:`_Encoder` (output buffering, recursion depth,
cycle detection, error paths), the byte-level vocabulary every encoder of the
package writes with (tags, length prefixes, ``_typed``, ``_text``, ``_shape``,
``_state``) and the encodings of Python's native types (``None``, ``bool``,
``int``, ``float``, ``complex``, ``str``, ``bytes``, ``bytearray``, ``list``,
``tuple``, ``dict``, ``set``, ``frozenset``). It changes when the encoding
format of those, or the encoder's mechanics, change. The full encoding is
documented, tag by tag, in ``docs/how-it-works.md`` ("The argument digest").
It never uses ``hash()`` or ``id()`` for content.

Which encoder a value of another type gets is decided above this module:
``_dispatch`` fills the exact-type table ``_EXACT`` and installs the resolver
for everything else (``install_resolver``) when the package is imported.
Imports: ``_errors`` only (and ``xxhash``).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final

import xxhash

from checkpointing._errors import ArgumentDigestError

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

#: The exact-type table in use: _EXACT_BUILTIN minus the non-native types with
#: a registration in their MRO (those go through ``_resolve``, which finds it).
#: Filled by ``_dispatch`` (``_refresh_exact``) when the package is imported.
_EXACT: Final[dict[type, _Encode]] = {}

#: Picks the encoder for a value whose exact type is not in ``_EXACT``. Set by
#: ``_dispatch`` (``install_resolver``) when the package is imported: its rules
#: reach the library fast paths, which import this module.
_resolve: Callable[[object, type], _Encode]


def install_resolver(resolver: Callable[[object, type], _Encode]) -> None:
    """Use *resolver* for values whose exact type has no entry in ``_EXACT``."""
    global _resolve  # one process-wide hook, set once when _dispatch loads
    _resolve = resolver


def _type_name(cls: type) -> str:
    module = cls.__module__
    return f"{module if isinstance(module, str) else ''}.{cls.__qualname__}"
