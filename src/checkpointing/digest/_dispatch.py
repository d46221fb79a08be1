"""
Which encoder a value gets: the exact-type table, registrations, and the resolution order.

Exact types (natives and the standard library's) are looked up in one dict;
any other value goes through ``_resolve``, which tries, in order: a
``__checkpoint_digest__`` hook, a :func:`register_digest` registration, enums,
classes, functions, modules, ordered and default dicts, the library fast
paths, subclasses of builtins, and the pickle protocol. Importing this module
fills the encoder's table and installs ``_resolve`` into it (the package's
``__init__`` imports it). Imports: every other module of ``digest`` except
``_arguments``.
"""

from __future__ import annotations

import collections
import contextvars
import datetime
import decimal
import enum
import functools
import pathlib
import pickle
import types
import uuid
import weakref
from collections.abc import Callable
from types import BuiltinFunctionType, FunctionType, MethodType, ModuleType
from typing import Any, Final, TypeVar

from ._encoder import (
    _EXACT,
    _bytearray,
    _bytes,
    _complex,
    _dict,
    _Encode,
    _list,
    _tuple,
    _unordered,
    install_resolver,
)
from ._libraries import _library_encoder
from ._objects import (
    _BUILTIN_BASES,
    _builtin_subclass,
    _callable,
    _class,
    _enum,
    _hooked,
    _module,
    _reduce,
    _registered,
)
from ._stdlib import (
    _cell,
    _context_variable,
    _date,
    _datetime,
    _decimal,
    _decimal_context,
    _defaultdict,
    _mapping_proxy,
    _memoryview,
    _ordered_dict,
    _path,
    _pickle_buffer,
    _time,
    _timedelta,
    _uuid,
    _weak_mapping,
    _weak_reference,
)

_T = TypeVar("_T")


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
    >>> from checkpointing.digest import digest_value  # what @checkpoint calls
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


def _refresh_exact() -> None:
    _EXACT.clear()
    for cls, encoder in _EXACT_BUILTIN.items():
        if cls in _NATIVE_TYPES or not any(base in _REGISTRY for base in cls.__mro__):
            _EXACT[cls] = encoder


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


# Wire the dispatch into the encoder: it holds no table and no resolver of its
# own (they reach every type family, and each family imports the encoder).
_refresh_exact()
install_resolver(_resolve)
