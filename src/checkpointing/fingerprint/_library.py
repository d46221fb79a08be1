"""Naming library-owned objects by module, qualified name and version."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from types import BuiltinFunctionType, MethodType, ModuleType
from typing import Any, Final

from checkpointing.digest import install_library_namer

from ._common import _DATA_TYPES, _MISSING, _attr, _python_version, _text_attr
from ._origin import _module_origin, _Origin

# ---------------------------------------------------------------------------
# Library-owned objects: identified by the name a library exposes them under
# ---------------------------------------------------------------------------

_LIBRARY_KINDS: Final = frozenset({"package", "stdlib"})


@dataclass(frozen=True, slots=True)
class _LibraryName:
    """Where a library module exposes an object: ``module:qualname``, and its library."""

    module: str
    qualname: str
    origin: _Origin

    @property
    def version(self) -> str:
        return _origin_version(self.origin)

    @property
    def identity(self) -> str:
        return f"{self.module}:{self.qualname} {self.version}"

    @property
    def summary(self) -> str:
        owner = self.origin.distribution if self.origin.kind == "package" else "Python"
        return f"{self.module}.{self.qualname} ({owner} {self.version})"


def _origin_version(origin: _Origin) -> str:
    """A package's version, or the Python version for the standard library."""
    return origin.version if origin.kind == "package" else _python_version()


def _library_name(obj: object) -> _LibraryName | None:
    """
    Return the name under which a library module exposes *obj*, if one does.

    A distribution singleton (``scipy.stats.t``), a ufunc, a registry, a
    default instance, a library function or class: anything bound by name in
    the namespace of an imported standard-library or package module is
    identified by that name and the library's version, never by its state
    (numpy's global ``RandomState`` is seeded differently in every process,
    and libraries fill caches on their objects as they are used). An alias
    (``from scipy.stats import t as student``) is the same object, so it gets
    the same name. Instances that project code creates from library classes
    (``SVC(C=10)``) are bound in no library module: they return ``None`` and
    keep being identified by their parameters and state.

    Cheapest checks first: the object's own ``__module__``/``__qualname__``
    when they differ from its type's (functions, classes, builtins); then, by
    identity, the namespaces of its own ``__module__``, of the module of its
    type and (for a bound method) of the type of the object it is bound to,
    each with its nearest public parent package first (``scipy.stats`` before
    ``scipy.stats._continuous_distns``); last, a C API capsule by its name.
    Never raises.
    """
    cls = type(obj)  # type(), not isinstance(): a proxy's __class__ may raise
    if cls in _DATA_TYPES or issubclass(cls, ModuleType):
        return None
    plan = _type_plans.get(cls)
    if plan is None:
        plan = _type_plan(cls)
    type_module, candidates = plan
    own_module = _text_attr(obj, "__module__")
    if own_module is not None and own_module != type_module:
        # Functions, classes, builtins: their own name, else their own module.
        qualname = _text_attr(obj, "__qualname__")
        origin = _module_origin(own_module)
        if (
            qualname is not None
            and origin.kind in _LIBRARY_KINDS
            and _lookup(own_module, qualname) is obj
        ):
            return _LibraryName(own_module, qualname, origin)
        candidates = (*_library_modules(own_module), *candidates)
    if issubclass(cls, (MethodType, BuiltinFunctionType)):
        bound_module = _text_attr(type(_attr(obj, "__self__")), "__module__")
        if bound_module is not None:
            candidates = (*candidates, *_library_modules(bound_module))
    if (
        not callable(obj)
        and cls.__name__ != "PyCapsule"
        and not _is_global_generator(obj)
    ):
        # A library-owned *data* object (pandas.options, matplotlib.rcParams)
        # is state the code reads: named only, a change of it in the process
        # would be missed (a stale result). It keeps its value digest. numpy's
        # global RandomState is the exception: it sits inside every frozen
        # distribution, and draws from it are keyed by the ambient rule.
        return None
    for candidate, origin in candidates:
        name = _exposed_name(candidate, obj)
        if name is not None:
            return _LibraryName(candidate, name, origin)
    if cls.__name__ == "PyCapsule":
        # A C API capsule is named "module.attribute" by convention (PyCapsule_Import).
        match = _CAPSULE_NAME.match(repr(obj))
        module_name, _, name = (match[1] if match else "").rpartition(".")
        origin = _module_origin(module_name)
        if origin.kind in _LIBRARY_KINDS and _lookup(module_name, name) is obj:
            return _LibraryName(module_name, name, origin)
    return None


def _is_global_generator(obj: object) -> bool:
    """Whether *obj* is numpy's global ``RandomState`` (``numpy.random.mtrand._rand``)."""
    mtrand = sys.modules.get("numpy.random.mtrand")
    return mtrand is not None and obj is getattr(mtrand, "_rand", None)


#: type -> (its module, the library modules to search for its instances). Instances
#: of project classes (the common case on the hit path) have nothing to search.
_type_plans: dict[type, tuple[str | None, tuple[tuple[str, _Origin], ...]]] = {}


def _type_plan(cls: type) -> tuple[str | None, tuple[tuple[str, _Origin], ...]]:
    module = _text_attr(cls, "__module__")
    plan = (module, _library_modules(module) if module is not None else ())
    if len(_type_plans) > 4096:  # classes redefined in a long notebook session
        _type_plans.clear()
    _type_plans[cls] = plan
    return plan


@functools.lru_cache(maxsize=1024)
def _library_modules(module_name: str) -> tuple[tuple[str, _Origin], ...]:
    """The modules to search for objects of *module_name*: its public parent, itself."""
    found = []
    for candidate in _exposing_modules(module_name):
        origin = _module_origin(candidate)
        if origin.kind in _LIBRARY_KINDS:
            found.append((candidate, origin))
    return tuple(found)


_CAPSULE_NAME: Final = re.compile(r'<capsule object "([\w.]+)"')


@functools.lru_cache(maxsize=1024)
def _exposing_modules(module_name: str) -> tuple[str, ...]:
    """The nearest public parent package of *module_name* (if any), then itself."""
    parts = module_name.split(".")
    public = next(
        (i for i, part in enumerate(parts) if part.startswith("_")), len(parts)
    )
    # ``a.b._c.d`` -> ``a.b``; ``numpy.random.mtrand`` -> ``numpy.random``.
    parent = ".".join(parts[: min(public, len(parts) - 1)])
    return (parent, module_name) if parent else (module_name,)


def _lookup(module_name: str, qualname: str) -> object:
    """The object bound at ``module:qualname`` (namespaces only, no getattr), or _MISSING."""
    value: object = sys.modules.get(module_name, _MISSING)
    for part in qualname.split("."):
        namespace = _attr(value, "__dict__")
        if not isinstance(namespace, Mapping):
            return _MISSING
        try:
            value = namespace.get(part, _MISSING)
        except Exception:  # noqa: BLE001 - a foreign mapping may raise anything
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


# module name -> (the module, its namespace, the namespace's size when indexed,
# id -> (name, object)).
_exposed_index: dict[
    str, tuple[object, dict[str, Any], int, dict[int, tuple[str, object]]]
] = {}


def _exposed_name(module_name: str, obj: object) -> str | None:
    """
    The name under which module *module_name* binds *obj*, or ``None``.

    The reverse index of a namespace is built once per module and process
    (about 50 µs for numpy's 600 names) and rebuilt when the namespace grows
    (lazily loaded attributes). Each hit is verified by identity, so a reused
    ``id`` never names another object. Public names are preferred, then the
    alphabetically first, so every process picks the same alias.
    """
    module = sys.modules.get(module_name)
    cached = _exposed_index.get(module_name)
    if cached is None or cached[0] is not module or cached[2] != len(cached[1]):
        cached = _index_namespace(module_name, module)
        if cached is None:
            return None
    found = cached[3].get(id(obj))
    if found is None or found[1] is not obj or cached[1].get(found[0]) is not obj:
        return None
    return found[0]


def _index_namespace(
    module_name: str, module: object
) -> tuple[object, dict[str, Any], int, dict[int, tuple[str, object]]] | None:
    namespace = _attr(module, "__dict__")
    if not isinstance(namespace, dict):
        return None
    try:
        items = sorted(
            namespace.items(), key=lambda item: (item[0].startswith("_"), item[0])
        )
    except RuntimeError:  # another thread imported something meanwhile
        return None
    index: dict[int, tuple[str, object]] = {}
    for name, value in items:
        if name.startswith("__") or type(value) in _DATA_TYPES:
            continue
        index.setdefault(id(value), (name, value))
    cached = (module, namespace, len(namespace), index)
    _exposed_index[module_name] = cached
    return cached


def _library_namer(obj: object) -> tuple[str, str] | None:
    """
    The hook :mod:`checkpointing.digest` encodes package-owned objects with
    (see ``_library_name``).

    Packages only: standard-library objects keep their pickle-like digest there
    (``datetime.timezone.utc`` digests the same whether or not this module is
    loaded); :mod:`checkpointing.digest` names the one stdlib object with
    per-process state, the ``random`` module's generator, itself.
    """
    named = _library_name(obj)
    if named is None or named.origin.kind != "package":
        return None
    return f"{named.module}:{named.qualname}", named.version


install_library_namer(_library_namer)
