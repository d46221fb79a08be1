"""
Argument identity: a canonical, deterministic encoding of values, hashed with xxh3-128.

Every value is fed to the hasher as a *type tag* followed by length-prefixed
content, so values of different types or shapes never share an encoding by
construction: ``1``, ``1.0``, ``True``, ``"1"``, ``b"1"``, ``[1]`` and ``(1,)``
all digest differently. Order-insensitive containers (``dict``, ``set``,
``frozenset``) are encoded from the *sorted digests* of their items, so
insertion order and ``PYTHONHASHSEED`` do not matter.

The encoding is documented in ``docs/how-it-works.md``. It never uses
``hash()``/``id()`` for content. numpy and pandas are imported lazily: their
fast paths are consulted only when the module is already in ``sys.modules``.
"""

from __future__ import annotations

import collections
import copyreg
import enum
import inspect
import math
import re
import struct
import sys
from collections.abc import Callable, Collection, Mapping
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType
from typing import Any, Final

import xxhash

from ._errors import ArgumentDigestError

__all__ = [
    "DIGEST_HEX_LENGTH",
    "digest_arguments",
    "digest_bytes",
    "digest_value",
    "short_repr",
]

#: Length of every digest in hex characters (xxh3_128 → 128 bits).
DIGEST_HEX_LENGTH: Final = 32

_ADDRESS: Final = re.compile(r" at 0x[0-9A-Fa-f]+")
_MAX_DEPTH: Final = 200
_REPR_LIMIT: Final = 200

_pack_len = struct.Struct("<Q").pack
_pack_float = struct.Struct("<d").pack
# One canonical NaN: all NaN payloads are the same value for a cache key.
_NAN_BYTES: Final = _pack_float(math.nan)


def digest_bytes(data: bytes | memoryview) -> str:
    """
    Return the xxh3-128 hex digest of *data*.

    Args:
        data: Raw bytes (or a contiguous memoryview) to hash.

    Returns:
        A 32-character lowercase hex string.
    """
    return xxhash.xxh3_128_hexdigest(data)


def digest_value(value: object, *, parameter: str = "") -> str:
    """
    Return the canonical digest of one value.

    Args:
        value: Any value with a deterministic encoding (see module docstring).
        parameter: Name reported in errors (the parameter or global name).

    Returns:
        A 32-character lowercase hex string (xxh3_128).

    Raises:
        ArgumentDigestError: If *value* (or something inside it) has no
            deterministic encoding, e.g. an open file, a lock or a generator.

    >>> digest_value({"a": 1, "b": 2}) == digest_value({"b": 2, "a": 1})
    True
    >>> digest_value(1) == digest_value(1.0) or digest_value(1) == digest_value(True)
    False
    """
    hasher = xxhash.xxh3_128()
    _Encoder(hasher, parameter).encode(value, 0)
    return hasher.hexdigest()


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
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    values: dict[str, object] = {}
    per_parameter: dict[str, str] = {}
    hasher = xxhash.xxh3_128()
    for name, value in bound.arguments.items():
        if name in ignore:
            continue
        values[name] = value
        digest = digest_value(value, parameter=name)
        per_parameter[name] = digest
        # Parameter order is fixed by the signature, so no sorting is needed;
        # names are included so that moving a value between parameters changes it.
        hasher.update(_pack_len(len(name)))
        hasher.update(name.encode("utf-8"))
        hasher.update(digest.encode("ascii"))
    return hasher.hexdigest(), per_parameter, values


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


class _Encoder:
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
        sub = _Encoder(xxhash.xxh3_128(), self._parameter)
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
_FastPath = Callable[[_Encoder, Any, int], None]


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


def _encode_ndarray(enc: _Encoder, array: Any, depth: int) -> None:
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


def _encode_numpy_scalar(enc: _Encoder, scalar: Any, depth: int) -> None:
    enc._tag(b"g", scalar.dtype.str.encode())
    if scalar.dtype.hasobject:
        enc.encode(scalar.item(), depth + 1)
    else:
        enc._tag(b"b", scalar.tobytes())


def _encode_numpy_dtype(enc: _Encoder, dtype: Any, depth: int) -> None:
    enc._tag(b"D", dtype.str.encode() + repr(dtype.descr).encode())


def _encode_series(enc: _Encoder, series: Any, depth: int) -> None:
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


def _encode_dataframe(enc: _Encoder, frame: Any, depth: int) -> None:
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
