"""
Encodings of objects without a type of their own: the generic rules.

A ``__checkpoint_digest__`` hook, a ``register_digest`` function, enum
members, classes, functions and modules, subclasses of builtin types, objects
a library exposes by name, and the pickle protocol (``__reduce_ex__``) as the
last resort. This module changes when one of those rules does; the order in
which they are tried is ``_dispatch._resolve``'s. Imports: ``digest._encoder``.
"""

from __future__ import annotations

import copyreg
import enum
import random
from collections.abc import Callable
from types import FunctionType, ModuleType
from typing import Any, Final

from ._encoder import (
    _Encoder,
    _fail,
    _pack_len,
    _state,
    _text,
    _type_name,
    short_repr,
)


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
#: version)``, or ``None``. Installed by ``fingerprint._library``, which owns the
#: classification of modules (project, standard library, package); without it
#: (this package used alone) such objects take the pickle fallback.
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


def _copyreg_newobj() -> object:
    return getattr(copyreg, "__newobj__")  # noqa: B009 - untyped in typeshed


_COPYREG_NEWOBJ: Final = _copyreg_newobj()
