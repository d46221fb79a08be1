"""
Code identity: turn a function into a :class:`Fingerprint` of named components.

A fingerprint covers everything in the *project* that can change what a call
computes:

* the function's normalized source (``ast.unparse`` of its definition, so
  comments, whitespace, blank lines and line numbers do not matter), its
  docstring and its signature (parameter names and kinds; defaults enter
  through the bound arguments instead);
* every project function it reaches, transitively and across modules: names
  read from globals, ``module.attr`` chains, imports inside the body,
  decorators (and ``__wrapped__`` chains), closures, callees' default values,
  and the classes it touches (bases, methods, class attributes);
* the *values* of the globals those functions read (digested by
  :mod:`checkpointing._digest` on every call);
* installed packages by distribution name + version, and the Python version
  for the standard library. Neither is walked. An *object* a library module
  exposes by name (``scipy.stats.t``, ``np.sum``, a registry) is identified
  by that name and the version, never by its state, so rebinding a global to
  a sibling changes the key and per-process state never does;
* the state of a global random generator (numpy's legacy ``RandomState``,
  the ``random`` module's) when reachable code draws from it, read at call
  time on every call, with an :class:`~checkpointing.AmbientStateWarning`.

Attributes of foreign objects are read defensively: whatever a walk meets,
it widens the fingerprint (or warns) instead of failing the call.

"Project" code is any module whose file lies outside the standard library and
the site-packages directories, plus ``__main__`` and notebook cells.

Static analysis of one function (parse, normalize, list its references) is
memoized per function object for the life of the process; the walk that
resolves references to current values runs on every call, because global
values are exactly what changes between calls. The source read from disk is
verified against the loaded bytecode, so a module edited after import (a
notebook without autoreload) never lends its new text to the old code.
"""

from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import dataclasses
import dis
import enum
import functools
import gc
import importlib
import importlib.util
import inspect
import linecache
import operator
import os
import platform
import re
import site
import symtable
import sys
import sysconfig
import threading
import types
import warnings
import weakref
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, replace
from pathlib import Path
from types import (
    BuiltinFunctionType,
    CodeType,
    FunctionType,
    MethodType,
    MethodWrapperType,
    ModuleType,
)
from typing import Any, Final

import xxhash

from ._digest import digest_value, install_library_namer, short_repr
from ._errors import (
    AmbientStateWarning,
    ArgumentDigestError,
    CheckpointingWarning,
    FingerprintError,
    IncompleteFingerprintWarning,
    user_stacklevel,
)
from ._reads import NO_READS, AmbientReads, ambient_reads

__all__ = [
    "Component",
    "Fingerprint",
    "fingerprint_arguments",
    "fingerprint_function",
    "function_name",
    "make_fingerprinter",
    "merge_fingerprints",
]

_ATTR_OPS: Final = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_GLOBAL_OPS: Final = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
# Containers scanned for functions and classes inside global values (dispatch
# tables, lists of steps): how deep and how many items, to bound the cost.
_SKIPPED_CLASS_ATTRS: Final = frozenset(
    {
        "__module__",
        "__qualname__",
        "__doc__",
        "__dict__",
        "__weakref__",
        "__annotations__",
        "__slots__",
        "__match_args__",
        "__dataclass_params__",
        "__parameters__",
        "__orig_bases__",
        "__abstractmethods__",
        "__hash__",
        "__firstlineno__",
        "__static_attributes__",
        "__annotate_func__",
        "__annotations_cache__",
        "__type_params__",
        # copyreg caches the slot names of a class on it the first time one of
        # its instances is pickled (storing a result does): derived from
        # __slots__, and it must not make the next call in the process a miss.
        "__slotnames__",
    }
)


@dataclass(frozen=True, slots=True)
class Component:
    """
    One hashed part of a fingerprint.

    Attributes:
        name: Stable component name, e.g. ``"source"``, ``"callee:helpers:scale"``,
            ``"global:helpers:SCALE"``, ``"package:numpy"``.
        kind: ``source``, ``docstring``, ``signature``, ``callee``, ``defaults``,
            ``global``, ``closure``, ``class``, ``attribute``, ``extension``,
            ``package``, ``ambient`` or ``python`` (and ``dynamic``, ``file``,
            ``depends_on``, ``version``, ``option`` for declared coverage).
        digest: 32-character lowercase hex digest (xxh3_128).
        summary: Short readable form (value repr, version), may be ``""``.
        source: Normalized source text for ``source``/``callee`` components.
    """

    name: str
    kind: str
    digest: str
    summary: str = ""
    source: str | None = None
    # The name the key hashes, when not the name without its module (see
    # _components_digest): "global:@" for a global that code reaches only by
    # a name its binding list covers, so renaming the global keeps the key.
    key_name: str | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """
    The code identity of one function at one moment.

    Attributes:
        digest: 32-character hex digest over all components (sorted by name).
        components: Component name to :class:`Component`.
    """

    digest: str
    components: Mapping[str, Component]


def main_module_name(module: str) -> str:
    """
    *module*, with ``__mp_main__`` read as ``__main__``.

    Under the spawn and forkserver start methods, :mod:`multiprocessing` runs
    the parent's script again in each child as ``__mp_main__``: its functions
    are the parent's ``__main__`` functions, and must share their names (and so
    their entries and keys).
    """
    if module == "__mp_main__" or module.startswith("__mp_main__."):
        return "__main__" + module[len("__mp_main__") :]
    return module


def function_name(func: object) -> str:
    """Return ``"module:qualname"`` for *func* (the name used in component names)."""
    module = main_module_name(_text_attr(func, "__module__") or "<unknown>")
    qualname = _text_attr(func, "__qualname__") or _text_attr(func, "__name__") or "?"
    return f"{module}:{qualname}"


# Foreign objects are read defensively: ``__module__`` is None on functions made
# by exec (scipy's generated distribution methods), attributes may be
# properties that raise (or warn, which -W error turns into raising), or
# proxies. A walk must never fail on them.


def _attr(obj: object, name: str) -> Any:
    """``obj.<name>``, or ``None`` when it is missing or reading it raises."""
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - a foreign property may raise anything
        return None


def _text_attr(obj: object, name: str) -> str | None:
    """``obj.<name>`` when it is a non-empty ``str``, else ``None`` (never raises)."""
    value = _attr(obj, name)
    return value if isinstance(value, str) and value else None


def _function_module(func: FunctionType) -> str:
    """The module a function's code runs in (its globals' ``__name__``), or ``"<unknown>"``."""
    name = func.__globals__.get("__name__")
    if isinstance(name, str) and name:
        return main_module_name(name)
    return main_module_name(_text_attr(func, "__module__") or "<unknown>")


def fingerprint_function(
    func: Callable[..., Any],
    *,
    include_docstrings: bool = True,
    ignore_code: Collection[str] = frozenset(),
    depends_on: Sequence[object] = (),
    version: str | None = None,
) -> Fingerprint:
    """
    Return the fingerprint of *func* and of every project object it reaches.

    Args:
        func: The undecorated function (a plain or ``async`` function; methods
            are passed as their function).
        include_docstrings: Whether docstrings are components. When false,
            docstring edits never cause a rerun.
        ignore_code: Names left out of the walk: a global name (``"calls"``),
            or a function or class as ``qualname``, ``module:qualname`` or
            ``module.qualname``. What is reachable only through them is left
            out too.
        depends_on: Extra dependencies the analysis cannot see: paths (``str``
            or ``os.PathLike``; a file's bytes, or every file under a directory,
            are digested on every call), modules, functions and classes (their
            code is walked), or any other value (digested on every call).
        version: When given, the code is *not* analysed: this string stands for
            the function's code identity (with *depends_on* and the Python
            version), so results survive any refactor until it changes.

    Returns:
        The fingerprint; its ``digest`` is a 32-character hex string.

    Raises:
        FingerprintError: If *func* is not a Python function.
    """
    return make_fingerprinter(
        func,
        include_docstrings=include_docstrings,
        ignore_code=ignore_code,
        depends_on=depends_on,
        version=version,
    )()


def make_fingerprinter(
    func: Callable[..., Any],
    *,
    include_docstrings: bool = True,
    ignore_code: Collection[str] = frozenset(),
    depends_on: Sequence[object] = (),
    version: str | None = None,
) -> Callable[[], Fingerprint]:
    """
    Return a zero-argument callable computing :func:`fingerprint_function`.

    The options are validated and frozen once, so each call only checks the
    memo (the hit path of a checkpointed function calls it on every call).

    Raises:
        FingerprintError: If *func* is not a Python function (when called).
    """
    root = inspect.unwrap(func) if hasattr(func, "__wrapped__") else func
    options = _Options(
        include_docstrings, frozenset(ignore_code), tuple(depends_on), version
    )
    memo_key = options.memo_key()

    def start(walker: _Walker) -> None:
        if version is None:
            walker.add_root(func=func, root=root)  # type: ignore[arg-type]
        else:
            walker.add_version(version)
        walker.add_dependencies(options.depends_on)

    def fingerprint() -> Fingerprint:
        if not isinstance(root, FunctionType):
            raise FingerprintError(
                function_name(func),
                f"expected a Python function, got {type(func).__qualname__}",
            )
        return _memoized(func, start, options, memo_key)

    return fingerprint


def fingerprint_arguments(
    values: Mapping[str, object],
    *,
    include_docstrings: bool = True,
    ignore_code: frozenset[str] = frozenset(),
) -> Fingerprint | None:
    """
    Return the fingerprint of the code carried by a call's arguments, if any.

    An argument carries code when it is a project function, a bound method, a
    ``functools.partial``, a project class, or an instance of a project class
    (directly or inside a list, tuple, set or dict). Its code is walked exactly
    like the decorated function's callees, so editing ``Model.predict`` reruns
    ``train(model)``. The argument digest covers the instance *state*; this
    covers the *code*.

    Args:
        values: Bound argument values by parameter name.
        include_docstrings: Whether docstrings are components.
        ignore_code: Names left out of the walk, as for the decorated
            function (``@checkpoint(ignore_code=...)``): a class passed as an
            argument reaches the same code, and the same names must stay out.

    Returns:
        ``None`` when no argument carries code (the common case, checked with a
        few ``isinstance`` calls per argument), else the merged fingerprint.
    """
    roots: list[object] = []
    packages: dict[str, Component] = {}
    for name, value in values.items():
        cls = type(value)
        if cls in _PLAIN_TYPES:
            continue
        _argument_packages(value, packages)
        _code_roots(value, roots, name)
    if not roots:
        if not packages:
            return None
        return _packages_fingerprint(packages)
    components: dict[str, Component] = dict(packages)
    for root in roots:
        components.update(
            _memoized_object_fingerprint(
                root, include_docstrings=include_docstrings, ignore_code=ignore_code
            ).components
        )
    return Fingerprint(_components_digest(components), components)


def merge_fingerprints(first: Fingerprint, second: Fingerprint | None) -> Fingerprint:
    """Return the fingerprint covering the components of both (same names, same things)."""
    if second is None:
        return first
    memo_key = (first.digest, second.digest)
    merged = _merged.get(memo_key)
    if merged is None:
        components = {**first.components, **second.components}
        merged = Fingerprint(_components_digest(components), components)
        if len(_merged) > 256:  # a handful per function in practice
            _merged.clear()
        _merged[memo_key] = merged
    return merged


#: merge_fingerprints memo: (digest, digest) -> merged (same digests, same parts).
_merged: dict[tuple[str, str], Fingerprint] = {}


def _argument_packages(value: object, packages: dict[str, Component]) -> None:
    """
    Add ``package:<dist>`` for the package of *value*'s type (and its items').

    A DataFrame passed in runs pandas' code when the body calls its methods:
    the pandas version is an input like an imported module's. The argument's
    own type and the items of a top-level list, tuple or dict (a list of
    DataFrames) count; one memoized lookup per type.
    """
    cls = type(value)
    if cls in _CONTAINER_TYPES:
        items: Iterable[object] = (
            value.values() if isinstance(value, dict) else value  # type: ignore[assignment]
        )
        for count, item in enumerate(items):
            if count >= 64:
                break
            if type(item) not in _PLAIN_TYPES and type(item) not in _CONTAINER_TYPES:
                _argument_packages(item, packages)
        return
    component = _type_packages.get(cls, _MISSING)
    if component is _MISSING:
        component = _type_package(cls)
        _type_packages[cls] = component
    if component is not None:
        assert isinstance(component, Component)
        packages[component.name] = component


_type_packages: dict[type, object] = {}


def _type_package(cls: type) -> Component | None:
    module = _text_attr(cls, "__module__") or ""
    if not module or module == "builtins":
        return None
    origin = _module_origin(module)
    if origin.kind != "package":
        return None
    name = f"package:{origin.distribution}"
    return Component(name, "package", _text_digest(origin.version), origin.version)


def _packages_fingerprint(packages: dict[str, Component]) -> Fingerprint:
    memo_key = tuple(sorted(packages))
    fingerprint = _package_fingerprints.get(memo_key)
    if fingerprint is None:
        fingerprint = Fingerprint(_components_digest(packages), dict(packages))
        _package_fingerprints[memo_key] = fingerprint
    return fingerprint


_package_fingerprints: dict[tuple[str, ...], Fingerprint] = {}


#: How many objects a scan for code visits inside one value (an argument, a
#: global) before it stops and warns: no depth limit, so nesting never hides
#: code, but a bound on the work (a list of a million records).
_SCAN_BUDGET: Final = 1_000_000
_DATA_MODULES: Final = frozenset(
    {"numpy", "pandas", "polars", "pyarrow", "torch", "scipy", "xarray", "jax"}
)

_PLAIN_TYPES: Final = frozenset(
    {int, float, str, bytes, bool, complex, type(None), bytearray, range, slice}
)


def _code_roots(value: object, roots: list[object], name: str) -> None:
    """
    Collect the objects carrying project code inside an argument value.

    Every level of containers, attributes (``__dict__`` and ``__slots__``),
    ``defaultdict`` factories and partials is searched, each object once;
    array-like data types carry no code and are skipped cheaply. A value with
    more than :data:`_SCAN_BUDGET` objects is searched that far, with a warning
    naming the argument.
    """
    stack = [value]
    seen: set[int] = set()
    budget = _SCAN_BUDGET
    while stack:
        value = stack.pop()
        cls = type(value)
        if cls in _PLAIN_TYPES or id(value) in seen:
            continue
        seen.add(id(value))
        budget -= 1
        if budget < 0:
            _warn_once(
                f"argument:{name}",
                f"argument {name} holds more than {_SCAN_BUDGET:,} objects: code "
                "stored beyond them (a function in a record) is not in the key",
            )
            return
        if isinstance(value, (FunctionType, type, MethodType, functools.partial)):
            roots.append(value)
            continue
        if isinstance(value, _CODE_DESCRIPTORS) or (
            callable(value) and _attr(value, "__wrapped__") is not None
        ):
            roots.append(value)
            continue
        if cls not in _CONTAINER_TYPES:
            if _object_origin(cls).kind == "project":
                roots.append(cls)
            # Code held in attributes: a pipeline object holding a model whose
            # method is project code, or a library object (sklearn's
            # FunctionTransformer) holding a project function.
            if (_text_attr(cls, "__module__") or "").partition(".")[0] in _DATA_MODULES:
                continue
            stack.extend(_contained(value))
        elif cls is dict:
            plain = _PLAIN_TYPES
            stack.extend([k for k in value if type(k) not in plain])  # type: ignore[attr-defined]
            stack.extend([v for v in value.values() if type(v) not in plain])  # type: ignore[attr-defined]
        else:  # list, tuple, set, frozenset: skip the scalars without a round trip
            plain = _PLAIN_TYPES
            stack.extend([item for item in value if type(item) not in plain])  # type: ignore[attr-defined]


#: Descriptors that carry code (followed as code, never digested).
_CODE_DESCRIPTORS: Final = (
    staticmethod,
    classmethod,
    functools.partialmethod,
    functools.singledispatchmethod,
)
_CONTAINER_TYPES: Final = frozenset({list, tuple, set, frozenset, dict})
_slot_memo: dict[type, tuple[str, ...]] = {}


def _held_by_standard_type(value: object) -> list[Any] | None:
    """What a standard-library holder of objects holds, or None for other values."""
    if isinstance(value, property):
        return [value.fget, value.fset, value.fdel]
    if isinstance(value, BaseException):
        return [*value.args, *(_attr(value, "__dict__") or {}).values()]
    if isinstance(value, (types.GenericAlias, types.UnionType)) or (
        type(value).__module__ == "typing" and _attr(value, "__args__") is not None
    ):
        return [_attr(value, "__origin__"), *(_attr(value, "__args__") or ())]
    if isinstance(value, types.CellType):
        held = _cell_contents(value)
        return [] if held is _MISSING else [held]
    if isinstance(value, weakref.ref):  # also WeakMethod
        return [value()]
    if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":
        if str(_attr(value, "dtype")) == "object":
            return list(value.flat)[:_SCAN_BUDGET]  # type: ignore[attr-defined]
        return []
    return None


def _slot_names(cls: type) -> tuple[str, ...]:
    """Every ``__slots__`` name of *cls* and its bases (memoized per class)."""
    names = _slot_memo.get(cls)
    if names is None:
        found: dict[str, None] = {}
        for klass in getattr(cls, "__mro__", ()):
            slots = vars(klass).get("__slots__", ())
            for slot in (slots,) if isinstance(slots, str) else slots:
                if isinstance(slot, str) and slot not in ("__dict__", "__weakref__"):
                    found[slot] = None
        names = _slot_memo[cls] = tuple(found)
    return names


def _contained(value: object) -> list[Any]:
    """
    The objects *value* holds: items, keys, attributes, factories; never raises.

    Containers give their items (and dict keys); a ``defaultdict`` its factory;
    a partial its function and arguments; a bound method its function and
    object; other objects the values of ``__dict__`` and of every slot. A
    callable without attributes of its own (a C object such as the key made by
    ``functools.cmp_to_key``, or a ufunc made by ``numpy.frompyfunc``) gives
    what it references (``gc.get_referents``), which is where its function is.
    """
    try:
        cls = type(value)
        if cls in _PLAIN_TYPES or isinstance(value, (type, ModuleType)):
            return []
        items: list[Any] = []
        held = _held_by_standard_type(value)
        if held is not None:
            return held
        if isinstance(value, Mapping) and not isinstance(value, dict):
            items.extend(value.keys())  # mappingproxy, ChainMap, WeakValueDictionary
            items.extend(value.values())
        elif isinstance(value, dict):
            items.extend(value.keys())
            items.extend(value.values())
            factory = getattr(value, "default_factory", None)
            if factory is not None:
                items.append(factory)
        elif isinstance(value, (list, tuple, set, frozenset, collections.deque)):
            items.extend(value)
        elif isinstance(value, functools.partial):
            return [value.func, *value.args, *value.keywords.values()]
        elif isinstance(value, MethodType):
            return [value.__func__, value.__self__]
        if cls in _CONTAINER_TYPES:
            return items
        state = _attr(value, "__dict__")
        if isinstance(state, dict):
            items.extend(state.values())
        for slot in _slot_names(cls):
            held = _attr(value, slot)
            if held is not None:
                items.append(held)
        if (
            not items
            and not state
            and (callable(value) or _attr(value, "__dict__") is None)
        ):
            # A C object holding what it uses (cmp_to_key's key, a frompyfunc
            # ufunc, a ContextVar's default, a map iterator's function).
            items = [
                r
                for r in gc.get_referents(value)
                if not isinstance(r, (type, ModuleType, CodeType))
            ]
        return items
    except Exception:  # noqa: BLE001 - a foreign container may raise anything
        return []


# Component kinds whose names carry the defining module ("callee:<module>:<qualname>").
_LOCATED_KINDS: Final = frozenset(
    {
        "callee",
        "docstring",
        "defaults",
        "global",
        "closure",
        "class",
        "attribute",
        "bindings",
    }
)


def _content_name(name: str, kind: str) -> str:
    """*name* without its module: ``callee:helpers:scale`` -> ``callee:scale``."""
    if kind in _LOCATED_KINDS and name.count(":") >= 2:
        prefix, _module, rest = name.split(":", 2)
        return f"{prefix}:{rest}"
    return name


def _components_digest(components: Mapping[str, Component]) -> str:
    """
    Digest the components by *content*, not location.

    Module names are left out of the hashed names, so a helper moved unchanged
    to another module keeps every key (its code, and the values it reads, are
    what they were). The multiset of (name without module, digest) pairs is
    hashed in sorted order: a call that switches to a *different* helper of the
    same name still differs by that helper's digest.
    """
    shorts = {
        name: component.key_name or _content_name(name, component.kind)
        for name, component in components.items()
    }
    counts: dict[str, int] = {}
    for short in shorts.values():
        counts[short] = counts.get(short, 0) + 1
    # Two components alike without their modules (a.K and b.K, two helpers
    # named scale) keep their full names: otherwise swapping their values,
    # or which one is used where, would give the same multiset.
    pairs = sorted(
        (short if counts[short] == 1 else name, components[name].digest)
        for name, short in shorts.items()
    )
    hasher = xxhash.xxh3_128()
    for name, digest in pairs:
        hasher.update(name.encode("utf-8"))
        hasher.update(b"\0")
        hasher.update(digest.encode("ascii"))
        hasher.update(b"\n")
    return hasher.hexdigest()


# ---------------------------------------------------------------------------
# Where an object comes from: project, standard library, or a package
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Origin:
    kind: str  # "project" | "stdlib" | "package" | "library"
    distribution: str = ""
    version: str = ""


_PROJECT: Final = _Origin("project")
_STDLIB: Final = _Origin("stdlib")
_LIBRARY: Final = _Origin("library")  # checkpointing itself: never walked or keyed


@functools.lru_cache(maxsize=1)
def _external_roots() -> tuple[str, ...]:
    """Directories whose modules are installed code (stdlib and site-packages)."""
    roots: set[str] = set()
    paths = sysconfig.get_paths()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(name):
            roots.add(paths[name])
    if hasattr(site, "getsitepackages"):  # absent in virtualenv's old site.py
        roots.update(site.getsitepackages())
    user_site = site.getusersitepackages()
    if isinstance(user_site, str):
        roots.add(user_site)
    for entry in sys.path:
        if entry.rstrip(os.sep).endswith(("site-packages", "dist-packages")):
            roots.add(entry)
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots if r}))


@functools.lru_cache(maxsize=1)
def _stdlib_root() -> str:
    return os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep


_origin_cache: dict[str, _Origin] = {}
_origin_lock = threading.Lock()


def _module_origin(module_name: str) -> _Origin:
    """Classify a module by name; memoized per process."""
    cached = _origin_cache.get(module_name)
    if cached is not None:
        return cached
    origin = _classify_module(module_name)
    with _origin_lock:
        _origin_cache[module_name] = origin
    return origin


def _classify_module(module_name: str) -> _Origin:
    top = module_name.partition(".")[0]
    if module_name == "__main__" or module_name.startswith("__main__."):
        return _PROJECT
    stdlib_name = top in sys.stdlib_module_names or top in sys.builtin_module_names
    module = sys.modules.get(module_name) or sys.modules.get(top)
    if module is None:
        # A name no module answers to (objects built with exec, renamed modules):
        # walking it is the safe choice, unless it names the standard library.
        return _STDLIB if stdlib_name else _PROJECT
    location = _module_location(module)
    if location is None:
        # A built-in module, or an installed namespace package: not readable code.
        return _STDLIB if stdlib_name else _package_origin(top)
    # The file decides, not the name: a project module may be called
    # ``profile.py`` or ``checkpointing_helpers.py``.
    if os.path.realpath(location).startswith(_library_root()):
        return _LIBRARY
    return _file_origin(location, top)


@functools.lru_cache(maxsize=1)
def _library_root() -> str:
    return str(Path(__file__).resolve().parent) + os.sep


@functools.lru_cache(maxsize=4096)
def _file_origin(location: str, top: str) -> _Origin:
    """Classify by file location: stdlib, site-packages (a package), else project."""
    if location.startswith("<"):  # <string>, <stdin>, <ipython-input-...>
        return _PROJECT
    real = os.path.realpath(location)
    in_site = any(
        real.startswith(root) for root in _external_roots() if "-packages" in root
    )
    if in_site:
        return _package_origin(top)
    if real.startswith(_stdlib_root()):
        return _STDLIB
    if any(real.startswith(root) for root in _external_roots()):
        return _package_origin(top)
    return _PROJECT


def _module_location(module: ModuleType | None) -> str | None:
    if module is None:
        return None
    file = getattr(module, "__file__", None)
    if file:
        return str(file)
    path = getattr(module, "__path__", None)  # namespace package
    if path:
        for entry in path:
            return str(entry)
    return None


@functools.cache
def _package_origin(top: str) -> _Origin:
    """Map a top-level import name to its distribution and version."""
    import importlib.metadata  # ~30 ms: only once a package is reached

    try:
        return _Origin("package", top, importlib.metadata.version(top))
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    for dist in _packages_distributions().get(top, ()):
        try:
            return _Origin("package", dist, importlib.metadata.version(dist))
        except importlib.metadata.PackageNotFoundError:
            continue
    module = sys.modules.get(top)
    version = getattr(module, "__version__", None)
    return _Origin("package", top, str(version) if version else "unknown")


@functools.lru_cache(maxsize=1)
def _packages_distributions() -> Mapping[str, list[str]]:
    import importlib.metadata

    # Scans every installed distribution's RECORD: slow, so only on demand.
    return importlib.metadata.packages_distributions()


def _object_origin(obj: object) -> _Origin:
    if isinstance(obj, ModuleType):
        return _module_origin(obj.__name__)
    if isinstance(obj, FunctionType):
        # The code's file is the truth (wraps() rewrites __module__).
        module_name = _function_module(obj)
        by_name = _module_origin(module_name)
        if by_name.kind in ("library", "stdlib"):
            return by_name
        return _file_origin(obj.__code__.co_filename, module_name.partition(".")[0])
    module = _text_attr(obj, "__module__")
    if module is None:
        return _STDLIB if isinstance(obj, BuiltinFunctionType) else _PROJECT
    return _module_origin(module)


# ---------------------------------------------------------------------------
# Library-owned objects: identified by the name a library exposes them under
# ---------------------------------------------------------------------------

_LIBRARY_KINDS: Final = frozenset({"package", "stdlib"})
# Values digested by value whatever module holds them (math.pi, string.digits).
_DATA_TYPES: Final = _PLAIN_TYPES | {list, tuple, dict, set, frozenset}


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
    The hook ``_digest`` encodes package-owned objects with (see ``_library_name``).

    Packages only: standard-library objects keep their pickle-like digest there
    (``datetime.timezone.utc`` digests the same whether or not this module is
    loaded); ``_digest`` names the one stdlib object with per-process state,
    the ``random`` module's generator, itself.
    """
    named = _library_name(obj)
    if named is None or named.origin.kind != "package":
        return None
    return f"{named.module}:{named.qualname}", named.version


install_library_namer(_library_namer)


# ---------------------------------------------------------------------------
# Static analysis of one function (memoized per function object)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """A global name read by a function, with the attribute chain read from it."""

    name: str
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Import:
    """An ``import`` statement executed inside a function body."""

    module: str  # absolute module name
    names: tuple[str, ...]  # ``from module import names`` (empty for ``import m``)


@dataclass(frozen=True, slots=True)
class _FunctionInfo:
    name: str  # "module:qualname"
    source: str | None  # normalized source text (None: identified by bytecode)
    source_digest: str
    docstring: str | None
    signature: str  # parameter names and kinds only
    refs: tuple[_Ref, ...]
    imports: tuple[_Import, ...]
    attribute_names: frozenset[str]  # every attribute name the code reads
    dynamic: tuple[str, ...]  # eval/exec/globals/vars/locals/getattr/import uses
    decorator_refs: tuple[_Ref, ...]
    fallback_reason: str  # why source was not used ("" when it was)
    unseeded_rvs: bool  # reads .rvs other than as a call passing random_state=
    reads: AmbientReads = NO_READS  # environment variables and files it reads
    # Names it only mutates (LOG.append), with how (see _written_only_names).
    written_only: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    # Global names of its own scope, in the order their placeholders (@0, @1...)
    # replace them in the identity text: what each one is bound to is the
    # function's bindings component.
    global_order: tuple[str, ...] = ()
    # The digest of the normalized text with every name as written: used
    # instead of source_digest when reached code can observe names.
    literal_digest: str = ""
    # Names the code may observe as text: attributes and globals it stores by
    # name (pipeline.FACTOR = 10, global X), and identifiers inside its string
    # constants (setattr(m, "FACTOR", ...), exec("FACTOR = 1"), pydoc.locate).
    exposed_names: frozenset[str] = frozenset()
    # Reads names through introspection (__globals__, f_globals, co_names,
    # module __dict__, inspect.getsource...): renaming is observable.
    introspects: bool = False


_info_memo: weakref.WeakKeyDictionary[
    FunctionType, tuple[CodeType, _FunctionInfo, _FunctionInfo]
]
_info_memo = weakref.WeakKeyDictionary()
_info_lock = threading.Lock()


def _function_info(func: FunctionType, *, as_root: bool) -> _FunctionInfo:
    """
    Return the static analysis of *func* (as the decorated root or as a callee).

    Memoized on the function *and its code object*: ``%autoreload`` and
    hand-made swaps assign a new ``__code__`` to the same function, and the
    analysis of the old code must not describe it afterwards.
    """
    code = func.__code__
    memo = _info_memo.get(func)
    if memo is None or memo[0] is not code:
        root, callee = _analyze(func)
        memo = (code, root, callee)
        with _info_lock:
            _info_memo[func] = memo
    return memo[1] if as_root else memo[2]


def _code_name(func: FunctionType) -> str:
    """``module:qualname`` where the code was defined.

    ``functools.wraps`` copies the wrapped function's names onto the wrapper, so
    for wrappers the code object's own qualname (Python 3.11+) is used instead.
    """
    module = _function_module(func)
    qualname = func.__qualname__
    if hasattr(func, "__wrapped__"):
        qualname = getattr(func.__code__, "co_qualname", None) or qualname
    return f"{module}:{qualname}"


def _analyze(func: FunctionType) -> tuple[_FunctionInfo, _FunctionInfo]:
    code = func.__code__
    name = _code_name(func)
    refs, imports, attribute_names, dynamic = _scan_code(code, func)
    node, fallback = _verified_definition(func)
    signature = _signature_text(code)
    if node is None:
        docstring = (
            code.co_consts[0]
            if code.co_consts and isinstance(code.co_consts[0], str)
            else None
        )
        digest = _code_digest(code)
        info = _FunctionInfo(
            name=name,
            source=None,
            source_digest=digest,
            docstring=func.__doc__ if docstring is None else docstring,
            signature=signature,
            refs=refs,
            imports=imports,
            attribute_names=attribute_names,
            dynamic=dynamic,
            decorator_refs=(),
            fallback_reason=fallback,
            unseeded_rvs=_unseeded_rvs(None, code, refs, attribute_names),
            reads=_bytecode_reads(code),
        )
        return info, info
    docstring = (
        ast.get_docstring(node, clean=False)
        if not isinstance(node, ast.Lambda)
        else None
    )
    decorator_refs = _decorator_refs(node)
    root_text = _normalized_source(node, as_root=True)
    callee_text = _normalized_source(node, as_root=False)
    bound = frozenset(
        ref.name
        for ref in refs
        if ref.name in func.__globals__ and ref.name not in _NAME_SENSITIVE
    )
    root_identity, root_order = _identity_text(root_text, bound)
    callee_identity, callee_order = _identity_text(callee_text, bound)
    exposed, introspects = _name_exposure(code, refs, attribute_names)
    common = {
        "name": name,
        "docstring": docstring,
        "signature": signature,
        "refs": refs,
        "imports": imports,
        "attribute_names": attribute_names,
        "dynamic": dynamic,
        "fallback_reason": "",
        "unseeded_rvs": _unseeded_rvs(node, code, refs, attribute_names),
        "reads": ambient_reads(
            node,
            frozenset(
                ref.name
                for ref in refs
                if func.__globals__.get(ref.name, _MISSING) is os.environ
            ),
        ),
        "written_only": _written_only_names(node),
        "exposed_names": exposed,
        "introspects": introspects,
    }
    root = _FunctionInfo(
        source=root_text,
        source_digest=_text_digest(root_identity),
        literal_digest=_text_digest(root_text),
        decorator_refs=(),
        global_order=root_order,
        **common,  # type: ignore[arg-type]
    )
    callee = _FunctionInfo(
        source=callee_text,
        source_digest=_text_digest(callee_identity),
        literal_digest=_text_digest(callee_text),
        decorator_refs=decorator_refs,
        global_order=callee_order,
        **common,  # type: ignore[arg-type]
    )
    return root, callee


def _text_digest(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _bytecode_reads(code: CodeType) -> AmbientReads:
    """
    What code without source reads from outside (lambdas, exec'd code).

    Without syntax the name is not tied to the read, so the guess is wide:
    when the code reads ``environ`` or ``getenv``, every string constant it
    holds counts as a variable it may read; when it calls a file reader, every
    string constant shaped like a file name (``"params.json"``) counts as a
    file it may read. A name that is not a variable digests as unset and a
    path that is not a file as missing, so extra names never cause a rerun.
    """
    names: set[str] = set()
    strings: dict[str, None] = {}
    for sub in _walk_code(code):
        names.update(sub.co_names)
        for const in sub.co_consts:
            if isinstance(const, str):
                strings[const] = None
    environment = tuple(strings) if names & {"environ", "getenv"} else ()
    files: tuple[str, ...] = ()
    if names & _BYTECODE_READERS or any(n.startswith("read_") for n in names):
        files = tuple(text for text in strings if _FILE_NAME.fullmatch(text))
    if not environment and not files:
        return NO_READS
    return AmbientReads(environment, files)


_BYTECODE_READERS: Final = frozenset(
    {"open", "read_text", "read_bytes", "load", "loadtxt", "genfromtxt", "fromfile"}
)
_FILE_NAME: Final = re.compile(r"[\w./\\-]*\w\.[A-Za-z0-9]{1,8}")


#: Methods that mutate a builtin container and whose result is not a read of
#: it when the call is a statement (``LOG.append(x)``). ``pop``/``remove`` are
#: left out: they raise or return depending on the content.
_MUTATORS: Final = frozenset(
    {"append", "extend", "add", "update", "insert", "clear", "discard"}
    | {"appendleft", "extendleft"}
)


def _written_only_names(node: ast.AST) -> Mapping[str, frozenset[str]]:
    """
    Names that *node*'s code only writes through, with how it writes them.

    A use is a write only when its effect cannot depend on what the value
    holds: ``X += v`` (``"+="``), ``X[k] = v`` (``"[]="``), ``X[k] += v``
    (``"[]+="``, a read of ``X[k]`` unless ``X`` defaults missing keys) or a
    statement ``X.append(v)`` (the method's name, one of :data:`_MUTATORS`).
    ``del X[k]``, ``X.a = v`` and any other load of the name (``return X``,
    ``f(X)``, ``X.get(k)``, ``X = X + 1``) are reads: they raise or compute
    depending on the content. Whether the ways a name is written suit its
    value's type is decided by :func:`_writable`, when the value is known.
    """
    write_uses: set[int] = set()
    written: dict[str, set[str]] = {}

    def base(target: ast.AST, how: str) -> None:
        if isinstance(target, ast.Name):
            written.setdefault(target.id, set()).add(how)
            write_uses.add(id(target))

    for sub in ast.walk(node):
        if isinstance(sub, ast.AugAssign):
            if isinstance(sub.target, ast.Name):
                base(sub.target, "+=")
            elif isinstance(sub.target, ast.Subscript):
                base(sub.target.value, "[]+=")
        elif isinstance(sub, (ast.Assign, ast.AnnAssign)) and sub.value is not None:
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            for target in targets:
                if isinstance(target, ast.Subscript):
                    base(target.value, "[]=")
        elif (
            isinstance(sub, ast.Expr)
            and isinstance(sub.value, ast.Call)
            and isinstance(sub.value.func, ast.Attribute)
            and sub.value.func.attr in _MUTATORS
        ):
            base(sub.value.func.value, sub.value.func.attr)
    if not written:
        return {}
    read = {
        sub.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name)
        and isinstance(sub.ctx, ast.Load)
        and id(sub) not in write_uses
    }
    return {name: frozenset(hows) for name, hows in written.items() if name not in read}


#: How each type may be written without the write reading its content.
_WRITES_BY_TYPE: Final[Mapping[type, frozenset[str]]] = {
    int: frozenset({"+="}),
    float: frozenset({"+="}),
    complex: frozenset({"+="}),
    list: frozenset({"+=", "append", "extend", "insert", "clear"}),
    set: frozenset({"+=", "add", "update", "discard", "clear"}),
    dict: frozenset({"[]=", "update", "clear"}),
    collections.OrderedDict: frozenset({"[]=", "update", "clear"}),
    collections.Counter: frozenset({"[]=", "[]+=", "update", "clear", "+="}),
    collections.deque: frozenset(
        {"+=", "append", "appendleft", "extend", "extendleft", "clear"}
    ),
}
#: defaultdict factories that run no project code and make a number or container.
_SIMPLE_FACTORIES: Final = frozenset({int, float, list, set, dict, str})


def _writable(value: object, hows: frozenset[str]) -> bool:
    """Whether writing *value* in the ways *hows* never depends on its content."""
    cls = type(value)
    if cls is collections.defaultdict:
        if value.default_factory not in _SIMPLE_FACTORIES:  # type: ignore[attr-defined]
            return False  # a missing key runs the factory: project code, maybe
        allowed = frozenset({"[]=", "[]+=", "update", "clear"})
    else:
        allowed = _WRITES_BY_TYPE.get(cls, frozenset())
    return bool(hows) and hows <= allowed


def _builtin_receiver(value: object) -> object:
    """
    The object a builtin method or method-wrapper is bound to, else ``_MISSING``.

    ``len`` and ``math.floor`` are bound to their module and ``dict.fromkeys``
    to its class: those are named, not composites, so they return ``_MISSING``.
    """
    if not isinstance(value, (BuiltinFunctionType, MethodWrapperType)):
        return _MISSING
    receiver = _attr(value, "__self__")
    if receiver is None or isinstance(receiver, (ModuleType, type)):
        return _MISSING
    return receiver


def _receiver_of(getter: _Getter) -> object:
    return _attr(getter(), "__self__")


def _type_name(cls: type) -> str:
    return f"{_text_attr(cls, '__module__') or '?'}.{_text_attr(cls, '__qualname__') or '?'}"


#: Names whose use means code reads annotations at run time.
_ANNOTATION_READERS: Final = frozenset(
    {
        "__annotations__",
        "get_type_hints",
        "get_annotations",
        "signature",
        "__signature__",
    }
)


def _annotation_text(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, type):
        return function_name(value)
    return repr(value)


def _annotations_text(obj: object) -> str | None:
    """``name: annotation`` lines of *obj*'s own annotations (None when it has none)."""
    try:
        annotations = inspect.get_annotations(obj)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a broken annotation is not a walk failure
        annotations = _attr(obj, "__annotations__")
    if not isinstance(annotations, Mapping) or not annotations:
        return None
    return "\n".join(f"{k}: {_annotation_text(v)}" for k, v in annotations.items())


def _registry_text(registry: Mapping[Any, object]) -> str:
    """The dispatch keys of a registry, in a form that does not depend on hashing."""
    return "\n".join(
        sorted(
            f"{_annotation_text(key)} -> {function_name(value)}"
            for key, value in registry.items()
        )
    )


def _import_submodule(package: ModuleType, name: str) -> ModuleType | None:
    """Import ``package.name`` if it is a project submodule that exists, else None."""
    if _attr(package, "__path__") is None:
        return None
    full = f"{package.__name__}.{name}"
    try:
        spec = importlib.util.find_spec(full)
        if spec is None or spec.origin is None:
            return None
        if _file_origin(spec.origin, full.partition(".")[0]).kind != "project":
            return None
        return importlib.import_module(full)
    except Exception:  # noqa: BLE001 - the body's own import will raise it
        return None


def _library_attr(module: ModuleType, chain: tuple[str, ...]) -> object:
    value: object = module
    for attr in chain:
        value = _attr(value, attr)
    return value


#: Function attributes set by the tools that make wrappers, not by the code.
_WRAPPER_ATTRIBUTES: Final = frozenset(
    {"__wrapped__", "__signature__", "__checkpoint__"}
)


def _function_attributes(func: FunctionType) -> dict[str, object]:
    """A function's own attributes (``f.alpha = 0.5``), without wrapper bookkeeping."""
    state = func.__dict__
    if not state:
        return {}
    return {k: v for k, v in state.items() if k not in _WRAPPER_ATTRIBUTES}


def _code_name_of(obj: FunctionType | type) -> str:
    """The ``module:qualname`` a function's or class's component is named by."""
    return _code_name(obj) if isinstance(obj, FunctionType) else function_name(obj)


#: Attributes functools puts on the wrappers it makes (not set by the code).
_TOOL_ATTRIBUTES: Final = frozenset({"cache_parameters"})


def _wrapper_attributes(obj: object) -> dict[str, object]:
    """The public attributes a wrapper object (Checkpointed, lru_cache) was given."""
    state = _attr(obj, "__dict__")
    if not isinstance(state, dict):
        return {}
    return {
        k: v
        for k, v in state.items()
        if not k.startswith("_") and k not in _TOOL_ATTRIBUTES
    }


def _wrapper_attributes_of(getter: _Getter) -> dict[str, object]:
    return _wrapper_attributes(getter())


def _default_factory(namespace: dict[str, Any], name: str) -> object:
    return getattr(namespace.get(name), "default_factory", None)


def _global_type(namespace: dict[str, Any], name: str) -> type:
    return type(namespace.get(name, _MISSING))


def _evaluate_path(expression: str, func: FunctionType) -> str | None:
    """
    The text of a simple path (or name) expression, or ``None``.

    Understood: string constants; global and closure names holding a ``str``
    or a path, and their attributes (``config.DATA``, ``ROOT.parent``);
    ``__file__``; ``Path(...)``/``str(...)``/``os.path.join(...)``/
    ``os.fspath(...)``/``os.path.expanduser(...)`` of those; ``a / b`` and
    ``a + b``; ``GLOBAL_DICT["key"]``; f-strings of those. Anything else,
    and any name that is one of the function's parameters or locals, gives
    ``None`` (the read stays computed). The names' own bindings are in the
    fingerprint already, so a changed ``ROOT`` walks again.
    """
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None
    code = func.__code__

    def value_of(node: ast.AST) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            name = node.id
            if name in code.co_varnames or name in code.co_cellvars:
                return None
            if name in code.co_freevars:
                cell = (func.__closure__ or ())[code.co_freevars.index(name)]
                held = _cell_contents(cell)
                return None if held is _MISSING else held
            return func.__globals__.get(name)
        if isinstance(node, ast.Attribute):
            base = value_of(node.value)
            if base is None:
                return None
            if isinstance(base, (str, os.PathLike)) and node.attr == "parent":
                return str(Path(os.fspath(base)).parent)
            if isinstance(base, (ModuleType, type)) or not isinstance(
                base, (str, bytes, os.PathLike)
            ):
                return _attr(base, node.attr)
            return None
        if isinstance(node, ast.Subscript):
            base = value_of(node.value)
            key = value_of(node.slice)
            if isinstance(base, Mapping) and isinstance(key, str):
                return base.get(key)
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
            left, right = text_of(node.left), text_of(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            return os.path.join(left, right)  # noqa: PTH118 - text, as the code joins it
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                text = text_of(inner)
                if text is None:
                    return None
                parts.append(text)
            return "".join(parts)
        if isinstance(node, ast.Call) and not node.keywords:
            callee = ast.unparse(node.func)
            args = [text_of(arg) for arg in node.args]
            if any(arg is None for arg in args):
                return None
            texts = [arg for arg in args if arg is not None]
            if callee in ("Path", "pathlib.Path", "PurePath", "os.path.join") and texts:
                return os.path.join(*texts)  # noqa: PTH118
            if callee in ("str", "os.fspath", "os.path.abspath") and len(texts) == 1:
                return texts[0]
            if callee == "os.path.expanduser" and len(texts) == 1:
                return os.path.expanduser(texts[0])  # noqa: PTH111
        return None

    def text_of(node: ast.AST) -> str | None:
        held = value_of(node)
        if isinstance(held, str):
            return held
        if isinstance(held, os.PathLike):
            text = os.fspath(held)
            return text if isinstance(text, str) else None
        return None

    return text_of(tree.body)


def _listing(pattern: str) -> object:
    """Sorted names in a directory, or sorted matches of a glob pattern; never raises."""
    import glob

    try:
        if os.path.isdir(pattern):  # noqa: PTH112
            return sorted(os.listdir(pattern))  # noqa: PTH208
        return sorted(glob.glob(pattern))  # noqa: PTH207
    except OSError:
        return "<unreadable>"


def _unseeded_rvs(
    node: ast.AST | None,
    code: CodeType,
    refs: tuple[_Ref, ...],
    attribute_names: frozenset[str],
) -> bool:
    """
    Whether the code may draw from numpy's global generator through ``.rvs``.

    A scipy distribution's ``rvs()`` without ``random_state=`` draws from the
    distribution's generator, numpy's global ``RandomState`` unless set. Every
    ``.rvs`` the code reads counts, except as the callee of a call passing
    ``random_state=`` (or ``**kwargs``, which may). Without source, a
    ``random_state`` keyword anywhere in the code counts as passing it.
    """
    if "rvs" not in attribute_names and not any("rvs" in ref.chain for ref in refs):
        return False
    if node is None:
        return not any(
            isinstance(const, tuple) and "random_state" in const
            for sub in _walk_code(code)
            for const in sub.co_consts
        )
    seeded: set[int] = set()
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "rvs"
            and any(kw.arg in (None, "random_state") for kw in call.keywords)
        ):
            seeded.add(id(call.func))
    return any(
        isinstance(sub, ast.Attribute) and sub.attr == "rvs" and id(sub) not in seeded
        for sub in ast.walk(node)
    )


def _signature_text(code: CodeType) -> str:
    """Parameter names and kinds, e.g. ``(a, b, /, c, *args, d, **kwargs)``."""
    names = code.co_varnames
    pos = code.co_argcount
    posonly = code.co_posonlyargcount
    kwonly = code.co_kwonlyargcount
    parts = list(names[:posonly])
    if posonly:
        parts.append("/")
    parts.extend(names[posonly:pos])
    index = pos
    varargs = bool(code.co_flags & inspect.CO_VARARGS)
    if varargs:
        parts.append("*" + names[pos + kwonly])
    elif kwonly:
        parts.append("*")
    parts.extend(names[index : index + kwonly])
    if code.co_flags & inspect.CO_VARKEYWORDS:
        parts.append("**" + names[pos + kwonly + (1 if varargs else 0)])
    return "(" + ", ".join(parts) + ")"


def _scan_code(
    code: CodeType, func: FunctionType
) -> tuple[tuple[_Ref, ...], tuple[_Import, ...], frozenset[str], tuple[str, ...]]:
    """List global reads (with attribute chains), imports, attribute names, dynamic uses."""
    refs: dict[_Ref, None] = {}
    imports: dict[_Import, None] = {}
    attribute_names: set[str] = set()
    dynamic: dict[str, None] = {}
    package = func.__globals__.get("__package__")
    if not isinstance(package, str):
        package = _function_module(func).rpartition(".")[0]
    for sub in _walk_code(code):
        instructions = list(dis.get_instructions(sub))
        i = 0
        while i < len(instructions):
            ins = instructions[i]
            if ins.opname in _GLOBAL_OPS and isinstance(ins.argval, str):
                chain: list[str] = []
                j = i + 1
                while j < len(instructions) and instructions[j].opname in _ATTR_OPS:
                    chain.append(str(instructions[j].argval))
                    j += 1
                refs[_Ref(ins.argval, tuple(chain))] = None
                if ins.argval == "getattr" and not chain:
                    # getattr(obj, "name") reads the attribute "name" (every
                    # string of the call: the receiver may be a call itself).
                    for later in instructions[j : j + 12]:
                        if later.opname == "LOAD_CONST" and isinstance(
                            later.argval, str
                        ):
                            attribute_names.add(later.argval)
                constant = _constant_import(ins.argval, tuple(chain), instructions, j)
                if constant is not None:
                    # importlib.import_module("pkg.helpers"), __import__("helpers"),
                    # sys.modules["helpers"]: as static as an import statement.
                    found = _import_from_name(constant, package)
                    if found is not None:
                        imports[found] = None
                        i = j
                        continue
                use = _dynamic_use(ins.argval, tuple(chain), instructions, j)
                if use:
                    dynamic[use] = None
                i = j
                continue
            if ins.opname in _ATTR_OPS:
                attribute_names.add(str(ins.argval))
            elif ins.opname == "IMPORT_NAME":
                found = _import_from(instructions, i, package)
                if found is not None:
                    imports[found] = None
            i += 1
    if "import" in dynamic:
        # Module names built at run time usually start with a constant
        # ("plugins." + name): keep such constants as hints of the package.
        for sub in _walk_code(code):
            for const in sub.co_consts:
                if isinstance(const, str) and _MODULE_HINT.fullmatch(const):
                    dynamic[f"import-hint:{const.rstrip('.')}"] = None
    return tuple(refs), tuple(imports), frozenset(attribute_names), tuple(dynamic)


_MODULE_HINT: Final = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\.?")


# Builtins through which code reaches names that static analysis cannot list.
_NAMESPACE_BUILTINS: Final = frozenset({"eval", "exec", "globals", "vars", "locals"})
_IMPORT_CALLS: Final = frozenset(
    {("__import__", ()), ("importlib", ("import_module",))}
)


def _dynamic_use(
    name: str, chain: tuple[str, ...], instructions: list[dis.Instruction], after: int
) -> str:
    """Name a dynamic access starting at a global read, or return ``""``."""
    if (name, chain) in _IMPORT_CALLS:
        return "import"
    if chain:
        return ""
    if name in _NAMESPACE_BUILTINS:
        return name
    if name == "getattr":
        # getattr(obj, "constant") is as static as obj.constant: look for the
        # string constant among the next few instructions (the receiver's loads).
        for ins in instructions[after : after + 4]:
            if ins.opname == "LOAD_CONST" and isinstance(ins.argval, str):
                return ""
            if ins.opname.startswith(("CALL", "PRECALL")):
                break
        return "getattr"
    return ""


#: Reads of a module by a name given as the next constant.
_CONSTANT_IMPORTS: Final = frozenset(
    {
        ("__import__", ()),
        ("importlib", ("import_module",)),
        ("sys", ("modules",)),
        ("sys", ("modules", "get")),
        ("pydoc", ("locate",)),
        ("locate", ()),
    }
)


def _constant_import(
    name: str, chain: tuple[str, ...], instructions: list[dis.Instruction], after: int
) -> str | None:
    """The module name of ``import_module("x")``-like code, when it is a constant."""
    if (name, chain) not in _CONSTANT_IMPORTS or after >= len(instructions):
        return None
    ins = instructions[after]
    if ins.opname != "LOAD_CONST" or not isinstance(ins.argval, str):
        return None
    following = instructions[after + 1] if after + 1 < len(instructions) else None
    if following is None:
        return None
    if chain == ("modules",):
        return (
            ins.argval if following.opname in ("BINARY_SUBSCR", "BINARY_OP") else None
        )
    # A call with that constant as its only argument (package= would follow).
    if following.opname.startswith(("PRECALL", "CALL")):
        return ins.argval
    return None


def _import_from_name(module: str, package: str) -> _Import | None:
    """An import of *module*; for a dotted object path (``pydoc.locate``), of its module."""
    try:
        name = importlib.util.resolve_name(module, package or None)
    except (ImportError, ValueError):
        return None
    parent, _, attribute = name.rpartition(".")
    if name in sys.modules or not parent:
        return _Import(name, ())
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        found = None
    if found is None and parent:
        return _Import(parent, (attribute,))  # "helpers.scale": scale of helpers
    return _Import(name, ())


def _import_from(
    instructions: list[dis.Instruction], i: int, package: str
) -> _Import | None:
    """Decode ``IMPORT_NAME`` at *i*: its level and fromlist are the two prior constants."""
    ins = instructions[i]
    level = 0
    fromlist: tuple[str, ...] = ()
    if i >= 2 and instructions[i - 2].opname == "LOAD_CONST":
        level = int(instructions[i - 2].argval or 0)
    if i >= 1 and instructions[i - 1].opname == "LOAD_CONST":
        raw = instructions[i - 1].argval
        if isinstance(raw, tuple):
            fromlist = tuple(str(n) for n in raw if n != "*")
    try:
        module = importlib.util.resolve_name(
            "." * level + str(ins.argval), package or None
        )
    except (ImportError, ValueError):
        return None
    return _Import(module, fromlist)


def _walk_code(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _walk_code(const)


def _code_digest(code: CodeType) -> str:
    """Digest of bytecode without line numbers or file names (exact for this Python)."""
    hasher = xxhash.xxh3_128()

    def feed(c: CodeType) -> None:
        hasher.update(c.co_code)
        hasher.update(
            repr(
                (
                    c.co_names,
                    c.co_varnames,
                    c.co_freevars,
                    c.co_cellvars,
                    c.co_argcount,
                    c.co_posonlyargcount,
                    c.co_kwonlyargcount,
                    c.co_flags,
                )
            ).encode()
        )
        for const in c.co_consts:
            if isinstance(const, CodeType):
                hasher.update(b"<code>")
                feed(const)
            else:
                hasher.update(digest_value(const).encode())

    feed(code)
    return hasher.hexdigest()


# -- reading and verifying source --------------------------------------------

_compiled_memo: dict[
    tuple[str, str], tuple[ast.Module, dict[str, list[CodeType]]] | None
] = {}
_compiled_lock = threading.Lock()


def _compile_text(
    filename: str, text: str
) -> tuple[ast.Module, dict[str, list[CodeType]]] | None:
    """Parse and compile a whole file's text; index its code objects by qualname."""
    memo_key = (filename, _text_digest(text))
    if memo_key in _compiled_memo:
        return _compiled_memo[memo_key]
    result: tuple[ast.Module, dict[str, list[CodeType]]] | None
    try:
        tree = ast.parse(text, filename)
        module_code = compile(tree, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        result = None
    else:
        index: dict[str, list[CodeType]] = {}
        _index_codes(module_code, "", index, is_function=False)
        result = (tree, index)
    with _compiled_lock:
        if len(_compiled_memo) > 512:  # bound memory in long notebook sessions
            _compiled_memo.clear()
        _compiled_memo[memo_key] = result
    return result


def _index_codes(
    code: CodeType, prefix: str, index: dict[str, list[CodeType]], *, is_function: bool
) -> None:
    for const in code.co_consts:
        if not isinstance(const, CodeType):
            continue
        qualname = getattr(const, "co_qualname", None)
        if qualname is None:  # Python 3.10: rebuild it from the nesting
            joiner = ".<locals>." if is_function else "."
            qualname = f"{prefix}{joiner}{const.co_name}" if prefix else const.co_name
        index.setdefault(qualname, []).append(const)
        const_is_function = bool(const.co_flags & inspect.CO_NEWLOCALS)
        _index_codes(const, qualname, index, is_function=const_is_function)


def _same_code(a: CodeType, b: CodeType) -> bool:
    """Whether two code objects are the same program, ignoring positions."""
    if (
        a.co_code != b.co_code
        or a.co_names != b.co_names
        or a.co_varnames != b.co_varnames
        or a.co_freevars != b.co_freevars
        or a.co_cellvars != b.co_cellvars
        # Compiler-feature bits (``__future__``) differ between IPython and
        # compile(); they do not change what the bytecode does.
        or (a.co_flags & 0xFFFF) != (b.co_flags & 0xFFFF)
        or a.co_argcount != b.co_argcount
        or a.co_kwonlyargcount != b.co_kwonlyargcount
        or len(a.co_consts) != len(b.co_consts)
    ):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=False):
        if isinstance(x, CodeType) or isinstance(y, CodeType):
            if not (
                isinstance(x, CodeType) and isinstance(y, CodeType) and _same_code(x, y)
            ):
                return False
        elif _constant_form(x) != _constant_form(y):
            return False
    return True


def _constant_form(value: object) -> object:
    """
    A comparable form of a code constant that does not depend on the hash seed.

    ``repr`` of a ``frozenset`` (what ``x in {"a", "b", "c"}`` compiles to)
    lists its elements in hash order, which changes with ``PYTHONHASHSEED``:
    compared by repr, the same function failed its source check in about one
    process in four. Elements are compared as a sorted tuple of their forms.
    """
    if isinstance(value, frozenset):
        return ("frozenset", tuple(sorted(map(repr, map(_constant_form, value)))))
    if isinstance(value, tuple):
        return ("tuple", tuple(map(_constant_form, value)))
    return (type(value).__name__, repr(value))


def _verified_definition(
    func: FunctionType,
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None, str]:
    """
    Return the AST node defining *func*, or ``(None, reason)``.

    The file text comes from :mod:`linecache` (which also serves ``__main__``
    scripts and IPython cells). It is compiled and its code object for the same
    qualname is compared with the live one: if the file changed after the
    function was loaded, the text describes other code and must not be used.
    """
    code = func.__code__
    if code.co_name == "<lambda>":
        return None, ""  # several lambdas may share a line: bytecode is exact
    filename = code.co_filename
    lines = linecache.getlines(filename, func.__globals__)
    guessed = not lines  # the module's file, tried for code without a file
    if guessed:
        filename = _module_file(func, filename)
        lines = linecache.getlines(filename, func.__globals__) if filename else []
    if not lines:
        return None, ""
    compiled = _compile_text(filename, "".join(lines))
    if compiled is None:
        return None, f"the source file {filename} does not parse"
    tree, index = compiled
    qualname = getattr(code, "co_qualname", func.__qualname__)
    candidates = index.get(qualname, [])
    match = next((c for c in candidates if _same_code(c, code)), None)
    if match is None and not guessed and not filename.startswith("<"):
        # linecache keeps a file's text until asked to check it: after an
        # edit and importlib.reload (or %autoreload) it still serves the text
        # of the first import, which no longer matches the live code.
        linecache.checkcache(filename)
        fresh = linecache.getlines(filename, func.__globals__)
        compiled = _compile_text(filename, "".join(fresh)) if fresh else None
        if compiled is not None:
            tree, index = compiled
            candidates = index.get(qualname, [])
            match = next((c for c in candidates if _same_code(c, code)), None)
    if match is None and guessed:
        # Code made by exec() in the module (dataclass methods, namedtuples):
        # the module's file never held it, which is no sign of an edit.
        return None, ""
    if match is None:
        return None, (
            f"the source of {qualname} in {filename} differs from the loaded code "
            "(was the file edited after import?)"
        )
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == code.co_name
            and _first_line(node) == match.co_firstlineno
        ):
            return node, ""
    return None, ""


def _module_file(func: FunctionType, filename: str) -> str:
    """
    The file of *func*'s module when its code names no readable file, else ``""``.

    cloudpickle (3.1.3 and later) rebuilds functions it pickles by value with
    ``co_filename = "<dynamic-code>"``, but keeps ``__file__`` in their globals.
    Reading the module's file there keeps the key independent of how the
    function travelled; :func:`_verified_definition` still checks that the text
    compiles to this very code, so a different or edited file is never used.
    """
    if not filename.startswith("<"):
        return ""  # a real path that linecache could not read: nothing better
    module_file = func.__globals__.get("__file__")
    if not isinstance(module_file, str) or module_file.startswith("<"):
        return ""
    return module_file


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    if node.decorator_list:
        return min(node.lineno, *(d.lineno for d in node.decorator_list))
    return node.lineno


class _Normalizer(ast.NodeTransformer):
    """Drop what does not change behaviour: docstrings, annotations (and more for roots)."""

    def __init__(self, *, as_root: bool) -> None:
        self._as_root = as_root
        self._depth = 0

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        outermost = self._depth == 0
        self._depth += 1
        body = node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body = body[1:] or [ast.Pass()]
        node.body = body
        node.returns = None
        for arg in (
            *node.args.posonlyargs,
            *node.args.args,
            *node.args.kwonlyargs,
            node.args.vararg,
            node.args.kwarg,
        ):
            if arg is not None:
                arg.annotation = None
                arg.type_comment = None
        node.type_comment = None
        if outermost and self._as_root:
            # The decorated function: decorators are the caller's business and
            # defaults enter through the bound arguments (an unused default
            # must not cause a rerun).
            node.decorator_list = []
            node.args.defaults = []
            node.args.kw_defaults = [None] * len(node.args.kwonlyargs)
        self.generic_visit(node)
        self._depth -= 1
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        # Inside function bodies annotations are not evaluated; keep the assignment.
        self.generic_visit(node)
        if node.value is None:
            return None
        if isinstance(node.target, ast.Name):
            return ast.Assign(
                targets=[node.target], value=node.value, lineno=node.lineno
            )
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def _normalized_source(node: ast.AST, *, as_root: bool) -> str:
    import copy

    clone = copy.deepcopy(node)
    normalized = _Normalizer(as_root=as_root).visit(clone)
    return ast.unparse(ast.fix_missing_locations(normalized))


# Nodes that open a scope of their own, and calls that expose local names as strings.
_SCOPE_NODES: Final = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)  # fmt: skip
_NAMESPACE_CALLS: Final = frozenset(
    {"locals", "vars", "eval", "exec", "dir", "globals"}
)


#: Names through which code observes other names as text (frames, code objects,
#: namespaces, source): a walk reaching any of them keeps every name literal.
_INTROSPECTION: Final = frozenset(
    {
        "__globals__",
        "__dict__",
        "__code__",
        "f_globals",
        "f_locals",
        "f_code",
        "co_names",
        "co_varnames",
        "co_consts",
        "_getframe",
        "currentframe",
        "stack",
        "getsource",
        "getsourcelines",
        "getmembers",
        "getclosurevars",
        "locate",
        "globals",
        "vars",
        "locals",
        "dir",
        "eval",
        "exec",
        "setattr",
        "delattr",
        "hasattr",
    }
)
_NAME_STORES: Final = frozenset(
    {"STORE_ATTR", "DELETE_ATTR", "STORE_GLOBAL", "DELETE_GLOBAL"}
)
_IDENTIFIER: Final = re.compile(r"[A-Za-z_]\w*")


def _name_exposure(
    code: CodeType, refs: tuple[_Ref, ...], attribute_names: frozenset[str]
) -> tuple[frozenset[str], bool]:
    """
    Names the code can observe as text, and whether it introspects namespaces.

    Renaming a global by position is only sound when no code can tell the
    names apart: code that stores an attribute or global by name
    (``pipeline.FACTOR = 10``, ``global X``), spells a name in a string
    (``setattr(m, "FACTOR", 1)``, ``exec``, ``pydoc.locate``) or reads frames,
    code objects or namespaces can.
    """
    exposed: set[str] = set()
    names: set[str] = set(attribute_names)
    for sub in _walk_code(code):
        names.update(sub.co_names)
        for const in sub.co_consts:
            if isinstance(const, str) and len(const) < 10_000:
                exposed.update(_IDENTIFIER.findall(const))
        for ins in dis.get_instructions(sub):
            if ins.opname in _NAME_STORES and isinstance(ins.argval, str):
                exposed.add(ins.argval)
    names.update(ref.name for ref in refs)
    for ref in refs:
        names.update(ref.chain)
    return frozenset(exposed), bool(names & _INTROSPECTION)


#: Global names never replaced by placeholders: the code's text reads them as
#: names (``globals()["x"]``-style access goes through these).
_NAME_SENSITIVE: Final = frozenset({"__name__", "__file__", "__spec__", "__package__"})


def _identity_text(
    text: str, global_names: frozenset[str] = frozenset()
) -> tuple[str, tuple[str, ...]]:
    """
    Return the text that identifies a normalized definition, and its global order.

    Renaming a local variable does not change what a function computes, so the
    locals of the definition's own scope are renamed by order of first use
    (to ``$0``, ``$1``...: not valid identifiers, so they can never meet a real
    name). The displayed source keeps the real names. Local renaming is skipped
    whenever it could be unsafe: ``global``/``nonlocal``, ``match``,
    ``locals()``/``vars()``/``eval``/``exec``/``dir()``/``globals()``, a local
    also read by a nested scope (closures, comprehensions, lambdas), or a local
    bound by ``import``.

    *global_names* (names the function reads from its module, bound there)
    are replaced the same way, by ``@0``, ``@1``... in order of first use, and
    returned in that order: what each is bound to goes into the function's
    ``bindings`` component, so renaming a constant or an import alias (with
    every use) keeps the key, while binding a name to another object changes
    it. The same unsafe cases leave every name as written (an empty order).
    """
    try:
        tree = ast.parse(text)
        table = symtable.symtable(text, "<checkpointing>", "exec")
    except (SyntaxError, ValueError):
        return text, ()
    if len(tree.body) != 1 or not isinstance(
        tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)
    ):
        return text, ()
    definition = tree.body[0]
    function_tables = [
        child for child in table.get_children() if child.get_name() == definition.name
    ]
    if len(function_tables) != 1:
        return text, ()
    function_table = function_tables[0]
    imported: set[str] = set()
    for node in ast.walk(definition):
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Match)):
            return text, ()
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _NAMESPACE_CALLS
        ):
            return text, ()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(a.asname or a.name.partition(".")[0] for a in node.names)
    symbols = function_table.get_symbols()
    candidates = {
        symbol.get_name()
        for symbol in symbols
        if symbol.is_local()
        and not symbol.is_parameter()
        and not symbol.is_global()
        and not symbol.is_namespace()
    } - imported
    if candidates & _free_in_children(function_table):
        candidates = set()
    globals_here = {
        symbol.get_name()
        for symbol in symbols
        if symbol.is_global() and not symbol.is_local()
    } & global_names
    if not candidates and not globals_here:
        return text, ()
    renames: dict[str, str] = {}
    order: list[str] = []

    def rename(name: str) -> str:
        if name in candidates:
            return renames.setdefault(name, f"${len(renames)}")
        if name in globals_here:
            if name not in order:
                order.append(name)
            return f"@{order.index(name)}"
        return name

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            node.id = rename(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            node.name = rename(node.name)
        if isinstance(node, _SCOPE_NODES):
            # Only the parts evaluated in *this* scope: decorators, defaults,
            # bases, and a comprehension's first iterable.
            for part in _outer_parts(node):
                visit(part)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in definition.body:
        visit(statement)
    return ast.unparse(definition), tuple(order)


def _outer_parts(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [
            *node.decorator_list,
            *node.args.defaults,
            *filter(None, node.args.kw_defaults),
        ]
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *filter(None, node.args.kw_defaults)]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return [node.generators[0].iter]
    return []


def _free_in_children(table: symtable.SymbolTable) -> set[str]:
    """Names that any nested scope reads from an enclosing scope."""
    free: set[str] = set()
    for child in table.get_children():
        free.update(s.get_name() for s in child.get_symbols() if s.is_free())
        free |= _free_in_children(child)
    return free


def _decorator_refs(node: ast.AST) -> tuple[_Ref, ...]:
    """Global names (with attribute chains) used by a definition's decorators."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ()
    refs: dict[_Ref, None] = {}
    for decorator in node.decorator_list:
        for sub in ast.walk(decorator):
            chain: list[str] = []
            target: ast.AST = sub
            while isinstance(target, ast.Attribute):
                chain.append(target.attr)
                target = target.value
            if isinstance(target, ast.Name) and (chain or isinstance(sub, ast.Name)):
                refs[_Ref(target.id, tuple(reversed(chain)))] = None
    return tuple(refs)


# ---------------------------------------------------------------------------
# Ambient state: the process-wide random generators
# ---------------------------------------------------------------------------

# Submodules a chain may import to be resolved (numpy 2 loads numpy.random lazily,
# on the first ``np.random`` the call itself would make).
_GENERATOR_MODULES: Final = frozenset({"numpy.random"})


@dataclass(frozen=True, slots=True)
class _Generator:
    """A process-wide random generator that module-level functions draw from."""

    label: str  # component suffix: "numpy.random" or "random"
    owner: object  # numpy's global RandomState, or random's hidden Random()
    seeders: tuple[object, ...]  # module functions that set its state
    seeding_methods: frozenset[str]  # its methods that set its state
    state: Callable[[], str]  # a digest of its state
    description: str
    fix: str


def _generators() -> tuple[_Generator, ...]:
    """The global generators of the modules imported so far (never imports)."""
    found = []
    mtrand = _attr(sys.modules.get("numpy.random.mtrand"), "__dict__")
    if isinstance(mtrand, dict):
        owner = mtrand.get("_rand")
        if callable(_attr(owner, "get_state")):
            found.append(
                _Generator(
                    "numpy.random",
                    owner,
                    (mtrand.get("seed"),),
                    frozenset({"seed", "set_state"}),
                    functools.partial(_numpy_state_digest, owner),
                    "numpy's global random generator (numpy.random.mtrand._rand)",
                    "pass a seed or a numpy.random.Generator as an argument "
                    "(rng=numpy.random.default_rng(seed)), or random_state= to .rvs()",
                )
            )
    stdlib = _attr(sys.modules.get("random"), "__dict__")
    if isinstance(stdlib, dict):
        owner = stdlib.get("_inst")
        if callable(_attr(owner, "getstate")):
            found.append(
                _Generator(
                    "random",
                    owner,
                    (),
                    frozenset({"seed", "setstate"}),
                    functools.partial(_random_state_digest, owner),
                    "the random module's global generator",
                    "pass a seed or a random.Random(seed) as an argument",
                )
            )
    return tuple(found)


def _numpy_state_digest(generator: Any) -> str:
    """
    Digest of a legacy numpy ``RandomState``'s state (about 30 µs, most in get_state).

    The Mersenne Twister key, its position, and the cached Gaussian: a second
    ``normal()`` uses the cached value without moving the key, so the cache is
    state too.
    """
    name, key, position, has_gauss, gauss = generator.get_state()
    hasher = xxhash.xxh3_128(f"{name}\0{position}\0{has_gauss}\0{gauss!r}\0".encode())
    hasher.update(key)  # 624 uint32 words, hashed in place
    return str(hasher.hexdigest())


def _random_state_digest(generator: Any) -> str:
    """Digest of a ``random.Random``'s state (625 words and the cached Gaussian)."""
    import array

    version, words, gauss = generator.getstate()
    hasher = xxhash.xxh3_128(f"{version}\0{gauss!r}\0".encode())
    hasher.update(array.array("Q", words).tobytes())
    return str(hasher.hexdigest())


def _generator_use(
    obj: object, generators: tuple[_Generator, ...]
) -> tuple[_Generator, bool, str] | None:
    """
    The global generator *obj* draws from or seeds: (generator, seeds, its name).

    Draws: the module-level functions bound to the generator
    (``numpy.random.normal``, ``random.choice``, ``numpy.random.get_state``)
    and the generator object itself. Seeds: ``numpy.random.seed``,
    ``set_state``, ``random.seed``, ``random.setstate``.
    """
    if type(obj) in _DATA_TYPES:
        return None
    for generator in generators:
        if obj is generator.owner:
            return generator, False, generator.label
        if any(obj is seeder for seeder in generator.seeders):
            return generator, True, f"{generator.label}.seed"
        if isinstance(obj, (MethodType, BuiltinFunctionType)) and (
            _attr(obj, "__self__") is generator.owner
        ):
            name = _text_attr(obj, "__name__") or "?"
            return (
                generator,
                name in generator.seeding_methods,
                f"{generator.label}.{name}",
            )
    return None


def _numpy_generator(generators: tuple[_Generator, ...]) -> tuple[_Generator, ...]:
    """*generators*, with numpy's imported if numpy is (``.rvs`` draws from it)."""
    if "numpy" in sys.modules and not any(
        g.label == "numpy.random" for g in generators
    ):
        with contextlib.suppress(Exception):
            importlib.import_module("numpy.random")
        return _generators()
    return generators


def _warn_ambient(marker: str, message: str) -> None:
    if marker in _warned_ambient:
        return
    _warned_ambient.add(marker)
    warnings.warn(message, AmbientStateWarning, stacklevel=user_stacklevel())


_warned_ambient: set[str] = set()


# ---------------------------------------------------------------------------
# The per-call walk
# ---------------------------------------------------------------------------

_MISSING: Final = object()
_UNBOUND_DIGEST: Final = xxhash.xxh3_128_hexdigest(b"<unbound>")
_warned: set[tuple[str, str]] = set()

_Getter = Callable[[], object]


def _warn_once(component: str, message: str) -> None:
    marker = (component, message)
    if marker in _warned:
        return
    _warned.add(marker)
    warnings.warn(message, IncompleteFingerprintWarning, stacklevel=user_stacklevel())


@dataclass(frozen=True, slots=True)
class _Dynamic:
    """A data value re-read and re-digested on every call."""

    name: str
    kind: str
    getter: _Getter
    digest: str


@dataclass(frozen=True, slots=True)
class _Memo:
    """The result of a full walk, and what must hold for it to still be right."""

    fingerprint: Fingerprint
    functions: tuple[FunctionType, ...]  # their __code__ must still be...
    codes: tuple[CodeType, ...]  # ...these (IPython autoreload swaps __code__)
    namespace_checks: tuple[_NamespaceCheck, ...]
    identity_checks: tuple[tuple[_Getter, object], ...]
    equality_checks: tuple[tuple[_Getter, object], ...]
    dynamic: tuple[_Dynamic, ...]
    options: _Options
    # Ambient state (the global random generators' states): re-read on every
    # call and merged into the fingerprint without a new walk.
    volatile: tuple[_Dynamic, ...] = ()


# (namespace, itemgetter of the names bound there, names that must stay
# unbound, the objects expected, as a tuple)
_NamespaceCheck = tuple[
    dict[str, Any],
    Callable[[dict[str, Any]], tuple[object, ...]],
    frozenset[str],
    tuple[object, ...],
]


def _group_checks(
    checks: list[tuple[_Getter, object]],
) -> tuple[tuple[_NamespaceCheck, ...], tuple[tuple[_Getter, object], ...]]:
    """Turn ``namespace.get(name)`` identity checks into one check per namespace."""
    by_namespace: dict[int, tuple[dict[str, Any], dict[str, object], set[str]]] = {}
    rest = []
    for getter, expected in checks:
        get = getattr(getter, "func", None)
        namespace = getattr(get, "__self__", None)
        if (
            isinstance(getter, functools.partial)
            and isinstance(namespace, dict)
            and getattr(get, "__name__", "") == "get"
            and len(getter.args) == 2
            and getter.args[1] is _MISSING
        ):
            name = getter.args[0]
            _, bound, absent = by_namespace.setdefault(
                id(namespace), (namespace, {}, set())
            )
            if expected is _MISSING:
                absent.add(name)
            else:
                bound[name] = expected
        else:
            rest.append((getter, expected))
    grouped = []
    for namespace, bound, absent in by_namespace.values():
        names = tuple(bound)
        read = _tuple_getter(names)
        # Functions, classes and modules compare by identity, so tuple
        # equality is an identity check for them.
        grouped.append((namespace, read, frozenset(absent), tuple(bound.values())))
    return tuple(grouped), tuple(rest)


def _tuple_getter(
    names: tuple[str, ...],
) -> Callable[[dict[str, Any]], tuple[object, ...]]:
    if not names:
        return lambda namespace: ()
    if len(names) == 1:
        name = names[0]
        return lambda namespace: (namespace[name],)
    return operator.itemgetter(*names)


_memo: weakref.WeakKeyDictionary[object, dict[tuple[object, ...], _Memo]]
_memo = weakref.WeakKeyDictionary()


_CODE_OF: Final = operator.attrgetter("__code__")


def _memo_still_valid(memo: _Memo) -> bool:
    if tuple(map(_CODE_OF, memo.functions)) != memo.codes:
        return False
    for namespace, read, absent, expected in memo.namespace_checks:
        # A few C-level operations per namespace instead of one Python call
        # per name: keeps a 50-function call graph cheap on the hit path.
        if not namespace.keys().isdisjoint(absent):
            return False
        try:
            if read(namespace) != expected:
                return False
        except Exception:  # noqa: BLE001 - unbound (KeyError), or a rebound value's __eq__ raised
            return False
    for getter, value in memo.identity_checks:
        if getter() is not value:
            return False
    for getter, value in memo.equality_checks:
        if getter() != value:
            return False
    for dynamic in memo.dynamic:
        if _digest_or_type(dynamic.getter(), dynamic.name, "") != dynamic.digest:
            return False
    return True


@dataclass(frozen=True, slots=True)
class _Options:
    """What a walk leaves out or adds; part of the memo key."""

    include_docstrings: bool = True
    ignore_code: frozenset[str] = frozenset()
    depends_on: tuple[object, ...] = ()
    version: str | None = None

    def memo_key(self) -> tuple[object, ...]:
        # depends_on may hold unhashable values: key on identities (the memo
        # keeps the options, so those objects stay alive while the key is used).
        return (
            self.include_docstrings,
            self.ignore_code,
            tuple(map(id, self.depends_on)),
            self.version,
        )


def _memoized_object_fingerprint(
    obj: object, *, include_docstrings: bool, ignore_code: frozenset[str] = frozenset()
) -> Fingerprint:
    """The fingerprint of code reached through an argument (memoized like a function's)."""

    def start(walker: _Walker) -> None:
        walker._follow_code_object(obj, via="argument")

    return _memoized(obj, start, _Options(include_docstrings, ignore_code))


def _memoized(
    anchor: object,
    start: Callable[[_Walker], None],
    options: _Options,
    memo_key: tuple[object, ...] | None = None,
) -> Fingerprint:
    """
    Return the fingerprint, re-walking only when something it depends on changed.

    A full walk records (1) an identity check for every binding through which
    code was reached (a global name bound to a function, a class member, a
    closure cell, ``__code__``) and (2) a getter for every data value. A later
    call re-runs the checks and re-digests the data values; if all agree, the
    previous fingerprint is still exact. Any difference triggers a full walk,
    which also picks up code newly reachable through a changed value.
    """
    if memo_key is None:
        memo_key = options.memo_key()
    try:
        per_options = _memo.get(anchor)
    except TypeError:  # not weak-referenceable: no memo
        per_options = None
    memo = per_options.get(memo_key) if per_options else None
    if memo is not None and _memo_still_valid(memo):
        if memo.volatile:
            return _with_current_state(memo, per_options, memo_key)  # type: ignore[arg-type]
        return memo.fingerprint
    walker = _Walker(options)
    start(walker)
    walker.run()
    fingerprint = walker.fingerprint()
    namespace_checks, identity_checks = _group_checks(walker.identity_checks)
    memo = _Memo(
        fingerprint,
        tuple(f for f, _ in walker.code_checks),
        tuple(c for _, c in walker.code_checks),
        namespace_checks,
        identity_checks,
        tuple(walker.equality_checks),
        tuple(walker.dynamic),
        options,
        tuple(walker.volatile),
    )
    with contextlib.suppress(TypeError):
        _memo.setdefault(anchor, {})[memo_key] = memo
    return fingerprint


def _with_current_state(
    memo: _Memo, slot: dict[tuple[object, ...], _Memo], memo_key: tuple[object, ...]
) -> Fingerprint:
    """The memoized fingerprint with the ambient states read now (no new walk)."""
    fresh = []
    for item in memo.volatile:
        digest = _digest_or_type(item.getter(), item.name, "")
        fresh.append(item if digest == item.digest else replace(item, digest=digest))
    if all(new is old for new, old in zip(fresh, memo.volatile, strict=True)):
        return memo.fingerprint
    components = dict(memo.fingerprint.components)
    for item in fresh:
        old = components[item.name]
        summary = old.summary.replace(
            f"xxh3:{old.digest[:12]}", f"xxh3:{item.digest[:12]}"
        )
        components[item.name] = replace(old, digest=item.digest, summary=summary)
    fingerprint = Fingerprint(_components_digest(components), components)
    slot[memo_key] = replace(memo, fingerprint=fingerprint, volatile=tuple(fresh))
    return fingerprint


def _digest_or_type(value: object, name: str, reader: str) -> str:
    """Digest a value; an undigestable one is identified by its type (with a warning)."""
    if value is _MISSING:
        return _UNBOUND_DIGEST
    try:
        return digest_value(value, parameter=name)
    except ArgumentDigestError as err:
        if reader:
            cause = err.__cause__ or err
            _warn_once(
                name,
                f"{name} (read by {reader}) is a {err.type_name} that cannot be "
                f"digested ({cause}); it is identified by its type only, so changes "
                "to its value do not cause a rerun (give its class a "
                "__checkpoint_digest__ method to digest it)",
            )
        return _text_digest(f"<type {function_name(type(value))}>")


class _Walker:
    """Resolves references to current objects and collects components."""

    def __init__(self, options: _Options) -> None:
        self.components: dict[str, Component] = {}
        self.identity_checks: list[tuple[_Getter, object]] = []
        self.equality_checks: list[tuple[_Getter, object]] = []
        self.code_checks: list[tuple[FunctionType, CodeType]] = []
        self.dynamic: list[_Dynamic] = []
        self.volatile: list[_Dynamic] = []
        # Globals some reached function only writes, and globals any reads:
        # (id(namespace), name) -> what _written_global needs.
        self._written: dict[
            tuple[int, str], tuple[dict[str, Any], str, _Ref, str, frozenset[str]]
        ] = {}
        self._read: set[tuple[int, str]] = set()
        # Functions walked (for their annotations), and the first function found
        # reading annotations ("" while none does).
        self._walked: list[tuple[FunctionType, str]] = []
        # Globals reached by a plain name of a function's own scope (covered by
        # its bindings component), and globals reached any other way (by a
        # dotted path, a whole module...), whose names stay in the key.
        self._direct_ref = ""
        self._direct: set[str] = set()
        self._named: set[str] = set()
        self._texts: list[tuple[FunctionType, _FunctionInfo, str]] = []
        self._root_name = ""
        # Names reached code can observe as text; the first function found to
        # introspect namespaces ("" while none does).
        self._exposed: set[str] = set()
        self._name_sensitive = ""
        # Objects searched for code in values this walk, and what is left to search.
        self._scanned: set[int] = set()
        self._scan_budget = _SCAN_BUDGET
        self._annotations_read = ""
        self._include_docstrings = options.include_docstrings
        self._ignored = options.ignore_code
        self._seen: set[int] = set()
        self._queue: list[functools.partial[None]] = []
        self._generators = _generators()
        # Global generators drawn from: label -> where ("numpy.random.normal
        # (read by m:f)"); and the labels of those the code seeds itself.
        self._draws: dict[str, dict[str, None]] = {}
        self._draw_names: dict[str, dict[str, None]] = {}
        self._seeded: set[str] = set()
        self._add(
            Component(
                "python", "python", _text_digest(_python_version()), _python_version()
            )
        )

    def fingerprint(self) -> Fingerprint:
        components = dict(self.components)
        return Fingerprint(_components_digest(components), components)

    def _add(self, component: Component) -> None:
        name = component.name
        self.components[name] = component
        if name.startswith("global:"):
            if name == self._direct_ref:
                self._direct.add(name)
            else:
                self._named.add(name)

    def _expect(self, getter: _Getter, expected: object) -> None:
        self.identity_checks.append((getter, expected))

    def _once(self, obj: object) -> bool:
        """True the first time *obj* is seen in this walk (cycle safety)."""
        marker = id(obj)
        if marker in self._seen:
            return False
        self._seen.add(marker)
        return True

    def run(self) -> None:
        decided: set[tuple[int, str]] = set()
        while True:
            while self._queue:
                task = self._queue.pop()
                try:
                    task()
                except CheckpointingWarning:
                    raise  # ours, turned into an error by the user's warning filters
                except Exception as err:  # noqa: BLE001 - a walk must never fail the call
                    self._unanalysable_code(task.args[0], err)
            # Globals only written by everything reached so far; deciding one
            # may reach more code (a value read after all), so walk again.
            pending = [
                (marker, written)
                for marker, written in self._written.items()
                if marker not in self._read and marker not in decided
            ]
            if not pending:
                if self._name_sensitive:
                    # Code reached after some globals were left out as written
                    # only can read namespaces by name: they are inputs after all.
                    pending = [
                        (marker, written)
                        for marker, written in self._written.items()
                        if self.components.pop(
                            f"written:{written[1]}:{written[2].name}", None
                        )
                    ]
                    decided.difference_update(marker for marker, _ in pending)
                if not pending:
                    break
            for marker, written in pending:
                decided.add(marker)
                self._written_global(*written)
        if self._annotations_read:
            # Reached code reads annotations (get_type_hints, inspect.signature,
            # __annotations__): every walked function's annotations are behaviour.
            for func, name in self._walked:
                self._annotations(func, name)
        self._bindings()
        self._ambient_state()

    def _bindings(self) -> None:
        """
        Name what each placeholder of each function's identity text is bound to.

        The identity texts replace global names by ``@0``, ``@1``... (see
        :func:`_identity_text`); here each function gets a ``bindings``
        component listing, in that order, what the names are bound to: a
        project function or class by its own name (``__name__`` is observable:
        pandas names columns by it, results pickle by it), a module by its
        name, and a global value by a *position*: the first function and
        placeholder that reach it (``source@0``). That position replaces the
        global's own name in the key (``key_name``), so renaming a constant or
        an import alias with all its uses keeps the key, while swapping two
        constants' values (or names) changes it. A global also reached any
        other way (a dotted path, a nested scope, a whole module) keeps its
        name in the key.

        Renaming is only sound where no reached code can observe names as
        text: when any does (it introspects frames, code objects or
        namespaces, uses ``eval``/``globals()``, stores a global or attribute
        of the same name, or spells one in a string), every function keeps the
        digest of its text as written (locals included) and no name is dropped.
        """
        renamed = {name for _, info, _ in self._texts for name in info.global_order}
        if self._name_sensitive or renamed & self._exposed:
            for _, info, _ in self._texts:
                component = (
                    "source" if info.name == self._root_name else f"callee:{info.name}"
                )
                found = self.components.get(component)
                if found is not None and info.literal_digest:
                    self.components[component] = replace(
                        found, digest=info.literal_digest
                    )
            return
        label = self._key_labels()
        positions: dict[str, str] = {}
        keyed_by_position = self._direct - self._named
        for func, info, module_name in self._texts:
            if not info.global_order:
                continue
            if info.name == self._root_name:
                owner, component = "source", "bindings"
            else:
                owner = label(f"callee:{info.name}", "callee")
                component = f"bindings:{info.name}"
            targets = []
            for i, name in enumerate(info.global_order):
                global_name = f"global:{module_name}:{name}"
                if global_name in keyed_by_position and global_name in self.components:
                    position = positions.setdefault(global_name, f"{owner}@{i}")
                    targets.append(f"global {position}")
                else:
                    targets.append(self._binding_target(func, module_name, name, label))
            summary = ", ".join(
                f"@{i}={name}" for i, name in enumerate(info.global_order)
            )
            self._add(
                Component(
                    component,
                    "bindings",
                    _text_digest("\n".join(targets)),
                    summary[:200],
                )
            )
        for global_name, position in positions.items():
            found = self.components[global_name]
            self.components[global_name] = replace(found, key_name=f"global:{position}")

    def _key_labels(self) -> Callable[[str, str], str]:
        """Component names without their module, unless that makes two alike."""
        counts: dict[str, int] = {}
        for name, component in self.components.items():
            short = _content_name(name, component.kind)
            counts[short] = counts.get(short, 0) + 1

        def label(name: str, kind: str) -> str:
            short = _content_name(name, kind)
            return short if counts.get(short, 0) <= 1 else name

        return label

    def _binding_target(
        self,
        func: FunctionType,
        module_name: str,
        name: str,
        label: Callable[[str, str], str],
    ) -> str:
        value = func.__globals__.get(name, _MISSING)
        if value is _MISSING:
            return f"unbound {name}"
        if isinstance(value, (FunctionType, type)) and (
            _object_origin(value).kind == "project"
        ):
            kind = "class" if isinstance(value, type) else "callee"
            return label(f"{kind}:{_code_name_of(value)}", kind)
        if isinstance(value, ModuleType):
            return f"module {value.__name__}"
        return f"name {name}"  # reached another way: its name stays in the key

    def _written_global(
        self,
        namespace: dict[str, Any],
        module_name: str,
        ref: _Ref,
        writer: str,
        hows: frozenset[str],
    ) -> None:
        """
        A global that every reached function only writes (a counter, a log list).

        It is not an input: its value stays out of the key, so bumping it does
        not change the key of the next call (before, every call reran). It is
        listed as a ``written`` component, named, with its type. Only builtin
        containers and numbers written in ways that cannot depend on their
        content qualify (:func:`_writable`); any other value, or any walk whose
        code can read namespaces by name (frames, ``__dict__``, ``globals()``),
        is digested as if it were read.
        """
        value = namespace.get(ref.name, _MISSING)
        if self._name_sensitive or not _writable(value, hows):
            self._read.add((id(namespace), ref.name))
            self._resolve_ref(namespace, module_name, ref, writer)
            return
        getter = functools.partial(_global_type, namespace, ref.name)
        kind = getter()
        self._expect(getter, kind)  # rebound to another type: walk again
        if kind is collections.defaultdict:
            self._expect(
                functools.partial(_default_factory, namespace, ref.name),
                _default_factory(namespace, ref.name),
            )
        self._add(
            Component(
                f"written:{module_name}:{ref.name}",
                "written",
                _text_digest(kind.__qualname__),
                f"a {kind.__qualname__} that {writer} only writes to: not an input",
            )
        )

    def _unanalysable_code(self, obj: object, err: Exception) -> None:
        """Identify code whose analysis failed by its bytecode or its name, and say so."""
        name = function_name(obj)
        code = _attr(obj, "__code__")
        if isinstance(code, CodeType):
            digest, fallback = _code_digest(code), "its bytecode"
        else:
            digest, fallback = _text_digest(f"<code {name}>"), "its name"
        self._add(
            Component(f"callee:{name}", "callee", digest, f"<not analysed: {fallback}>")
        )
        _warn_once(
            name,
            f"{name} could not be analysed ({type(err).__name__}: {err}); it is "
            f"identified by {fallback} only, so what it reads and calls is not covered",
        )

    # -- roots and functions -------------------------------------------------
    def add_root(self, *, func: Callable[..., Any], root: FunctionType) -> None:
        self._once(root)
        info = _function_info(root, as_root=True)
        self._root_name = info.name
        self._add(
            Component(
                "source",
                "source",
                info.source_digest,
                "" if info.source else "<bytecode>",
                info.source,
            )
        )
        if self._include_docstrings:
            self._add(
                Component(
                    "docstring",
                    "docstring",
                    _text_digest(repr(info.docstring)),
                    short_repr(info.docstring),
                )
            )
        self._add(
            Component(
                "signature", "signature", _text_digest(info.signature), info.signature
            )
        )
        if info.fallback_reason:
            _warn_once(
                info.name,
                f"{info.name}: {info.fallback_reason}; "
                "identified by its bytecode instead",
            )
        self._function_body(root, info)
        if func is not root:
            # Decorators applied under @checkpoint: their wrapper code counts too.
            self._follow_code_object(func, via="decorator")

    def _function(self, func: FunctionType) -> None:
        info = _function_info(func, as_root=False)
        if f"callee:{info.name}" in self.components:
            # Two different codes under one name (e.g. redefinitions): keep both.
            info = _with_name(info, f"{info.name}@{info.source_digest[:8]}")
        self._add(
            Component(
                f"callee:{info.name}",
                "callee",
                info.source_digest,
                "" if info.source else "<bytecode>",
                info.source,
            )
        )
        if info.fallback_reason:
            _warn_once(
                info.name,
                f"{info.name}: {info.fallback_reason}; "
                "identified by its bytecode instead",
            )
        if self._include_docstrings and info.docstring is not None:
            self._add(
                Component(
                    f"docstring:{info.name}",
                    "docstring",
                    _text_digest(info.docstring),
                    short_repr(info.docstring),
                )
            )
        if func.__defaults__ or func.__kwdefaults__:

            def defaults(f: FunctionType = func) -> object:
                return (f.__defaults__ or (), f.__kwdefaults__ or {})

            self._value(f"defaults:{info.name}", "defaults", defaults, info.name)
        if _function_attributes(func):
            # smooth.alpha = 0.5 after the def, read by the body as smooth.alpha.
            self._value(
                f"attributes:{info.name}",
                "attributes",
                functools.partial(_function_attributes, func),
                info.name,
            )
        for ref in info.decorator_refs:
            self._resolve_ref(func.__globals__, _function_module(func), ref, info.name)
        if info.decorator_refs:
            # A decorator may read the annotations (@dispatch.register, a
            # validator, a CLI builder): here they are behaviour.
            self._annotations(func, info.name)
        self._walked.append((func, info.name))
        self._function_body(func, info)

    def _annotations(self, obj: object, name: str) -> None:
        """The annotations of a function or class, when something runs them."""
        component = f"annotations:{name}"
        if component in self.components:
            return
        text = _annotations_text(obj)
        if text is not None:
            self._add(
                Component(component, "annotations", _text_digest(text), text[:200])
            )

    def _function_body(self, func: FunctionType, info: _FunctionInfo) -> None:
        self._texts.append((func, info, _function_module(func)))
        self._exposed |= info.exposed_names
        if info.introspects or info.dynamic:
            self._name_sensitive = info.name
        code = func.__code__
        self.code_checks.append((func, code))  # __code__ reassigned (autoreload)
        namespace = func.__globals__
        module_name = _function_module(func)
        for ref in info.refs:
            hows = info.written_only.get(ref.name)
            if hows is not None:
                marker = (id(namespace), ref.name)
                known = self._written.get(marker)
                if known is not None:
                    hows = hows | known[4]
                self._written[marker] = (namespace, module_name, ref, info.name, hows)
                continue
            self._read.add((id(namespace), ref.name))
            if ref.name in info.global_order:  # replaced by a placeholder
                self._direct_ref = f"global:{module_name}:{ref.name}"
            try:
                self._resolve_ref(namespace, module_name, ref, info.name)
            finally:
                self._direct_ref = ""
        for imp in info.imports:
            self._resolve_import(imp, info)
        if info.dynamic:
            self._dynamic_access(func, info)
        if func.__closure__:
            for var, cell in zip(code.co_freevars, func.__closure__, strict=False):
                if self._is_ignored(module_name, var):
                    continue  # ignore_code= names closure variables too
                getter = functools.partial(_cell_contents, cell)
                value = getter()
                if var == "__class__" and isinstance(value, type):
                    self._expect(getter, value)
                    self._follow_code_object(value, via=info.name)
                    continue
                self._bound(
                    getter, value, f"closure:{info.name}:{var}", "closure", info.name
                )
        if info.reads:
            self._ambient_reads(func, info, module_name)
        if not self._annotations_read and (
            info.attribute_names & _ANNOTATION_READERS
            or any(
                ref.name in _ANNOTATION_READERS
                or _ANNOTATION_READERS.intersection(ref.chain)
                for ref in info.refs
            )
        ):
            self._annotations_read = info.name
        if info.unseeded_rvs:
            self._generators = _numpy_generator(self._generators)
            self._draws.setdefault("numpy.random", {})[
                f".rvs() without random_state= (in {info.name})"
            ] = None
        self._follow_owner_class(func)

    def _ambient_reads(
        self, func: FunctionType, info: _FunctionInfo, module_name: str
    ) -> None:
        """
        Put the environment variables, files and listings *info*'s code reads in the key.

        Each is re-read on every call (``volatile``): a variable's value
        (``None`` when unset), a file's content digest (memoized on size and
        mtime), a directory's sorted names or a pattern's sorted matches; so
        setting ``os.environ["X"]``, editing the file or adding one between two
        calls in one process reruns the second. A computed name or path that is
        a simple expression of constants and globals (``Path(ROOT) / "a.csv"``,
        ``os.path.join(DATA, "a.csv")``, ``CONFIG["path"]``) is evaluated now;
        a path that is one of the function's own parameters is the caller's
        argument (not warned: docs/limitations.md, "Files named by an
        argument"); any other computed read is warned about, once, by name. A
        name left out by ``ignore_code=`` (``"env:X"``, ``"file:data.csv"``,
        or the read as the warning spells it) is skipped.
        """
        reads = info.reads
        found: dict[str, list[str]] = {
            "environment": list(reads.environment),
            "file": list(reads.files),
            "listing": list(reads.listings),
        }
        computed = []
        code = func.__code__
        parameters = code.co_varnames[
            : code.co_argcount
            + code.co_kwonlyargcount
            + bool(code.co_flags & inspect.CO_VARARGS)
            + bool(code.co_flags & inspect.CO_VARKEYWORDS)
        ]
        for (read, expression), kind in zip(
            reads.computed, reads.computed_kinds, strict=True
        ):
            value = _evaluate_path(expression, func) if expression else None
            if value is not None:
                found[kind].append(value)
            elif kind != "environment" and expression in parameters:
                continue  # def load(path): pd.read_csv(path)
            else:
                computed.append(read)
        for name in found["environment"]:
            self._ambient_value(
                module_name,
                f"env:{name}",
                "environment",
                functools.partial(os.environ.get, name),
                f"environment variable {name} at call time",
                info.name,
            )
        for path in found["file"]:
            self._ambient_value(
                module_name,
                f"file:{path}",
                "file",
                functools.partial(_path_digest, path),
                f"file {path} (from the working directory at call time)",
                info.name,
            )
        for pattern in found["listing"]:
            self._ambient_value(
                module_name,
                f"listing:{pattern}",
                "listing",
                functools.partial(_listing, pattern),
                f"the names in {pattern} (from the working directory at call time)",
                info.name,
            )
        for read in computed:
            if self._is_ignored(module_name, read):
                continue
            what = (
                "uses the environment as a whole, so only variables read by a "
                "constant name (os.environ['X']) are part of the key"
                if "environ" in read and "[" not in read and ".get(" not in read
                else "the name or path is computed, so what it reads is not part of "
                "the key"
            )
            _warn_once(
                f"{info.name}:{read}",
                f"{info.name} reads {read}: {what}, and a changed value or file "
                "returns the old result. Pass the value (or the file's content) as an "
                "argument, or name the file in @checkpoint(depends_on=[...]); to "
                f"silence this, @checkpoint(ignore_code=[{read!r}])",
            )

    def _ambient_value(
        self,
        module_name: str,
        name: str,
        kind: str,
        getter: _Getter,
        what: str,
        reader: str,
    ) -> None:
        if name in self.components or self._is_ignored(module_name, name):
            return
        digest = _digest_or_type(getter(), name, "")
        self.volatile.append(_Dynamic(name, kind, getter, digest))
        self._add(
            Component(
                name, kind, digest, f"{what}, xxh3:{digest[:12]}; read by {reader}"
            )
        )

    def _follow_owner_class(self, func: FunctionType) -> None:
        """A method reaches its class (``self.other()`` calls, ``super()`` chains)."""
        path = func.__qualname__.split(".")[:-1]
        if not path or "<locals>" in path:
            return
        obj: object = sys.modules.get(_function_module(func))
        for part in path:
            obj = _attr(obj, part)
        if isinstance(obj, type):
            self._follow_code_object(obj, via=function_name(func))

    # -- references ----------------------------------------------------------
    def _resolve_ref(
        self, namespace: dict[str, Any], module_name: str, ref: _Ref, reader: str
    ) -> None:
        if self._is_ignored(module_name, ref.name):
            return
        try:
            self._resolve_ref_value(namespace, module_name, ref, reader)
        except CheckpointingWarning:
            raise  # ours, turned into an error by the user's warning filters
        except Exception as err:  # noqa: BLE001 - a walk must never fail the call
            getter = functools.partial(namespace.get, ref.name, _MISSING)
            component = f"global:{module_name}:{ref.name}"
            self._unanalysable_value(getter, getter(), component, "global", reader, err)

    def _resolve_ref_value(
        self, namespace: dict[str, Any], module_name: str, ref: _Ref, reader: str
    ) -> None:
        getter: _Getter = functools.partial(namespace.get, ref.name, _MISSING)
        value = getter()
        if value is _MISSING:
            builtins_ns = namespace.get("__builtins__", builtins)
            if isinstance(builtins_ns, ModuleType):
                builtins_ns = builtins_ns.__dict__
            self._expect(getter, _MISSING)  # a later global would shadow the builtin
            if ref.name in builtins_ns:
                return  # a builtin: covered by the python component
            self._add(
                Component(
                    f"global:{module_name}:{ref.name}",
                    "global",
                    _UNBOUND_DIGEST,
                    "<unbound>",
                )
            )
            return
        home, name = module_name, ref.name
        for index, attr in enumerate(ref.chain):
            if not isinstance(value, ModuleType):
                break
            if _module_origin(value.__name__).kind != "project":
                # Not walked (its package version stands for it), but followed far
                # enough to see a draw from a global generator: np.random.normal.
                self._library_chain(value, ref.chain[index:], reader, ref.name)
                break
            self._expect(getter, value)
            home, name = value.__name__, attr
            module = value
            getter = functools.partial(vars(module).get, attr, _MISSING)
            value = getter()
            hook = vars(module).get("__getattr__")
            if value is _MISSING and isinstance(hook, FunctionType):
                # PEP 562: the module computes the attribute; its __getattr__
                # (and what that reaches) is the code behind the name.
                self._expect(getter, _MISSING)
                self._expect(functools.partial(vars(module).get, "__getattr__"), hook)
                self._follow_code_object(hook, via=reader)
                return
        else:
            if (
                isinstance(value, ModuleType)
                and _module_origin(value.__name__).kind == "project"
            ):
                # The module itself escapes (passed around, getattr with a computed
                # name): widen to everything it defines rather than miss a dependency.
                self._expect(getter, value)
                self._follow_whole_module(value)
                return
        self._global(getter, value, f"global:{home}:{name}", reader)

    def _global(
        self, getter: _Getter, value: object, component: str, reader: str
    ) -> None:
        if value is _MISSING:
            self._expect(getter, _MISSING)
            self._add(Component(component, "global", _UNBOUND_DIGEST, "<unbound>"))
            return
        if issubclass(type(value), ModuleType):  # type(): a proxy's __class__ may raise
            self._expect(getter, value)
            module_name = _text_attr(value, "__name__") or "?"
            origin = _module_origin(module_name)
            if origin.kind != "project":
                # Which module the name is bound to: `import math as m` and
                # `import cmath as m` read the same attributes of another module.
                text = f"module {module_name} ({_origin_version(origin)})"
                self._add(Component(component, "global", _text_digest(text), text))
            self._package(value)  # type: ignore[arg-type]
            return
        self._bound(getter, value, component, "global", reader)

    def _bound(
        self, getter: _Getter, value: object, component: str, kind: str, reader: str
    ) -> None:
        """
        Cover a value bound to a name that reached code reads (a global, a closure cell).

        Project code is followed; a library-owned object is identified by the name
        the library exposes it under; anything else is data, digested on every call.
        If that fails, the value is identified by its type, with a warning.
        """
        try:
            self._bound_value(getter, value, component, kind, reader)
        except CheckpointingWarning:
            raise  # ours, turned into an error by the user's warning filters
        except Exception as err:  # noqa: BLE001 - a walk must never fail the call
            self._unanalysable_value(getter, value, component, kind, reader, err)

    def _bound_value(
        self, getter: _Getter, value: object, component: str, kind: str, reader: str
    ) -> None:
        if isinstance(value, (FunctionType, type)) and (
            _object_origin(value).kind == "project"
        ):
            self._expect(getter, value)
            self._follow_code_object(value, via=reader)
            return
        named = _library_name(value)
        if named is not None:
            # Rebinding the name to a sibling (norm -> t, np.sum -> np.max) changes
            # the digest; nothing of the object's state is read on the hit path.
            self._expect(getter, value)
            digest = _text_digest(f"<library {named.identity}>")
            self._add(Component(component, kind, digest, named.summary))
            self._external(named.origin)
            self._note_generator(value, reader, component.rpartition(":")[2])
            if not self._carries_code(value):
                # A library registry may hold project code (a registered function).
                self._scan_value(value, 0, library=named.origin)
            return
        if value is os.environ or value is getattr(os, "environb", None):
            # ENV = os.environ / from os import environ: its variables are keyed
            # where the code reads them by name (env:X); a whole use is warned.
            self._expect(getter, value)
            which = "os.environ" if value is os.environ else "os.environb"
            self._add(Component(component, kind, _text_digest(f"<{which}>"), which))
            return
        receiver = _builtin_receiver(value)
        if receiver is not _MISSING:
            # LABELS.get, re.compile(p).findall, np.maximum.accumulate, SEEN.__contains__:
            # the method of the receiver's type, and the receiver, each identified.
            self._expect(getter, value)
            method = (
                f"{_type_name(type(receiver))}.{_text_attr(value, '__name__') or '?'}"
            )
            self._add(
                Component(
                    component,
                    kind,
                    _text_digest(f"<method {method}>"),
                    f"{method}, bound to the value of {component}.__self__",
                )
            )
            self._external(_object_origin(type(receiver)))
            self._bound(
                functools.partial(_receiver_of, getter),
                receiver,
                f"{component}.__self__",
                kind,
                reader,
            )
            return
        if self._carries_code(value):
            self._expect(getter, value)
            origin = _object_origin(value)
            if origin.kind in _LIBRARY_KINDS:
                # Library code bound under no name of its module (a closure
                # factory's product): identified by its own name and version.
                text = f"{function_name(value)} {_origin_version(origin)}"
                self._add(
                    Component(component, kind, _text_digest(f"<library {text}>"), text)
                )
            self._follow_code_object(value, via=reader)
            if (
                not isinstance(value, (FunctionType, type))
                and _attr(value, "__wrapped__") is not None
                and _wrapper_attributes(value)
            ):
                # step.alpha = 0.5 on a checkpointed (or lru_cache) function,
                # read by the body as step.alpha: data held by code.
                self._value(
                    f"{component}.__dict__",
                    kind,
                    functools.partial(_wrapper_attributes_of, getter),
                    reader,
                )
            return
        self._value(component, kind, getter, reader)

    def _unanalysable_value(
        self,
        getter: _Getter,
        value: object,
        component: str,
        kind: str,
        reader: str,
        err: Exception,
    ) -> None:
        """Identify a value whose analysis failed by its type and package version."""
        self._expect(getter, value)  # rebinding the name still re-walks
        cls = type(value)
        origin = _object_origin(cls)
        self._external(origin)
        text = f"<type {function_name(cls)} {origin.version}>"
        self._add(Component(component, kind, _text_digest(text), text))
        _warn_once(
            component,
            f"{component} (read by {reader}) is a {function_name(cls)} that could not "
            f"be analysed ({type(err).__name__}: {err}); it is identified by its type "
            "only, so changes to it do not cause a rerun",
        )

    def _library_chain(
        self, module: ModuleType, chain: tuple[str, ...], reader: str, through: str = ""
    ) -> None:
        """Resolve ``module.a.b`` through library namespaces, to note generator draws."""
        value: object = module
        for index, attr in enumerate(chain):
            if not isinstance(value, ModuleType):
                break
            found = vars(value).get(attr, _MISSING)
            if found is _MISSING:
                submodule = f"{value.__name__}.{attr}"
                found = sys.modules.get(submodule, _MISSING)
                if found is _MISSING and submodule in _GENERATOR_MODULES:
                    with contextlib.suppress(Exception):
                        found = importlib.import_module(submodule)
                        self._generators = _generators()
            if found is _MISSING:
                return
            value = found
            if self._carries_code(value) and _object_origin(value).kind == "project":
                # Project code installed into a library module (json.dumps =
                # stable_dumps): the name now runs project code.
                getter = functools.partial(_library_attr, module, chain[: index + 1])
                self._expect(getter, value)
                self._follow_code_object(value, via=reader)
                return
        self._note_generator(value, reader, through)

    def _note_generator(self, obj: object, reader: str, through: str = "") -> None:
        """Record a draw from (or the seeding of) a global random generator."""
        use = _generator_use(obj, self._generators)
        if use is None:
            return
        generator, seeds, name = use
        if seeds:
            self._seeded.add(generator.label)
            return
        self._draws.setdefault(generator.label, {})[f"{name} (read by {reader})"] = None
        if through:  # the name the code reads it through, for ignore_code=
            self._draw_names.setdefault(generator.label, {})[through] = None

    def _ambient_state(self) -> None:
        """
        Put the state of every global generator the code draws from into the key.

        Read at call time on every call (``volatile``: merged without a new
        walk). A generator the code seeds itself (``numpy.random.seed``
        reachable) is left out: its draws do not depend on the process.
        """
        for generator in self._generators:
            sites = self._draws.get(generator.label)
            if not sites or generator.label in self._seeded:
                continue
            name = f"ambient:{generator.label}"
            digest = _digest_or_type(generator.state(), name, "")
            self.volatile.append(_Dynamic(name, "ambient", generator.state, digest))
            where = ", ".join(sites)
            self._add(
                Component(
                    name,
                    "ambient",
                    digest,
                    f"{generator.description} at call time, state xxh3:{digest[:12]}; "
                    f"drawn from by {where}",
                )
            )
            names = list(self._draw_names.get(generator.label, ()))
            _warn_ambient(
                f"{generator.label}:{where}",
                f"{where} draws from {generator.description}: its state at call time "
                "is part of the key, so a result is reused only by a process in the "
                "same state (seeded the same way; never by an unseeded one), and a "
                f"hit does not advance the generator. To cache it, {generator.fix}"
                + (
                    "; if the draw does not change the result (a random delay), "
                    f"leave it out: @checkpoint(ignore_code={names!r})"
                    if names
                    else ""
                ),
            )

    def _resolve_import(self, imp: _Import, info: _FunctionInfo) -> None:
        getter = functools.partial(sys.modules.get, imp.module)
        module = getter()
        if module is None:
            try:
                module = importlib.import_module(imp.module)
            except Exception as err:  # noqa: BLE001 - the call itself will raise it
                self._expect(getter, None)
                self._add(
                    Component(
                        f"global:{imp.module}:*",
                        "global",
                        _text_digest(f"<import failed: {type(err).__name__}>"),
                        "<import failed>",
                    )
                )
                return
        self._expect(getter, module)
        if _module_origin(module.__name__).kind != "project":
            self._package(module)
            for attr in imp.names:
                self._library_chain(module, (attr,), info.name)
            return
        names = imp.names or tuple(sorted(info.attribute_names))
        for attr in names:
            attr_getter: _Getter = functools.partial(vars(module).get, attr, _MISSING)
            value = attr_getter()
            if value is _MISSING and imp.names:
                sub = sys.modules.get(f"{module.__name__}.{attr}")
                if sub is None:
                    # ``from . import helpers`` in a body that has not run yet:
                    # the submodule is imported when it runs; import it now.
                    sub = _import_submodule(module, attr)
                if sub is not None:  # ``from package import submodule``
                    self._follow_whole_module(sub)
                    continue
            if value is _MISSING and not imp.names:
                continue  # an attribute of something else, not of this module
            if (
                isinstance(value, ModuleType)
                and _module_origin(value.__name__).kind == "project"
            ):
                self._expect(attr_getter, value)
                self._follow_whole_module(value)
                continue
            self._global(
                attr_getter, value, f"global:{module.__name__}:{attr}", info.name
            )

    def _follow_whole_module(self, module: ModuleType) -> None:
        """Cover every global a module defines or imports (its code and its data)."""
        self._follow_namespace(vars(module), module.__name__, deep=False)

    def _follow_namespace(
        self, namespace: dict[str, Any], module_name: str, *, deep: bool
    ) -> None:
        """
        Cover every global of *namespace*: functions and classes are followed,
        data is digested on every call.

        Used where code reaches names that cannot be listed statically: a
        project module passed around as a value (``getattr(helpers, name)``),
        and, with *deep*, code using ``eval``/``exec``/``globals()`` (then the
        project modules bound in *namespace* are covered whole too). Imported
        functions and classes count: ``getattr`` and ``eval`` can reach them.
        """
        if not self._once(namespace):
            return
        self.equality_checks.append(
            (functools.partial(_keys, namespace), tuple(namespace))
        )
        for attr, value in sorted(namespace.items()):
            if attr.startswith("__") or self._is_ignored(module_name, attr):
                continue
            getter = functools.partial(namespace.get, attr, _MISSING)
            if isinstance(value, ModuleType):
                self._expect(getter, value)
                if deep and _module_origin(value.__name__).kind == "project":
                    self._follow_whole_module(value)
                else:
                    self._package(value)
                continue
            self._global(getter, value, f"global:{module_name}:{attr}", module_name)

    def _dynamic_access(self, func: FunctionType, info: _FunctionInfo) -> None:
        """Widen the fingerprint where the code reaches names dynamically, and say so."""
        module_name = _function_module(func)
        uses = [use for use in info.dynamic if use != "import" and ":" not in use]
        notes = []
        if uses:
            self._follow_namespace(func.__globals__, module_name, deep=True)
            notes.append(
                f"uses {', '.join(uses)}: every global of module {module_name} "
                "(and every project module it binds) is covered"
            )
        if "import" in info.dynamic:
            packages = self._hinted_packages(info, func)
            if packages:
                notes.append(
                    "imports modules by a computed name: every file of "
                    + ", ".join(packages)
                    + " is covered (any edit there reruns)"
                )
            else:
                note = (
                    "imports modules by a computed name: modules imported that way "
                    "are not covered; list them in depends_on="
                )
                notes.append(note)
                _warn_once(f"dynamic:{info.name}", f"{info.name} {note}")
        text = "; ".join(notes)
        self._add(
            Component(f"dynamic:{info.name}", "dynamic", _text_digest(text), text)
        )

    def _hinted_packages(self, info: _FunctionInfo, func: FunctionType) -> list[str]:
        """Cover, by file content, the project packages named by string constants."""
        package = func.__globals__.get("__package__")
        if not isinstance(package, str) or not package:
            package = None
        covered = []
        for use in info.dynamic:
            if not use.startswith("import-hint:"):
                continue
            hint = use.partition(":")[2]
            try:
                spec = importlib.util.find_spec(hint, package)
            except (ImportError, ValueError, AttributeError):
                continue
            locations = list(getattr(spec, "submodule_search_locations", None) or ())
            for location in locations:
                if _file_origin(location, hint.partition(".")[0]).kind != "project":
                    continue
                name = f"file:{os.path.abspath(location)}"  # noqa: PTH100
                getter = functools.partial(_path_digest, os.path.abspath(location))  # noqa: PTH100
                digest = getter()
                self.dynamic.append(_Dynamic(name, "file", getter, digest))
                self._add(Component(name, "file", digest, f"xxh3:{digest[:12]}"))
                covered.append(f"{hint}/")
        return covered

    def _is_ignored(self, module_name: str, name: str) -> bool:
        ignored = self._ignored
        return bool(ignored) and (
            name in ignored
            or f"{module_name}:{name}" in ignored
            or f"{module_name}.{name}" in ignored
        )

    def _is_ignored_object(self, obj: object) -> bool:
        if not self._ignored:
            return False
        module_name = _text_attr(obj, "__module__") or ""
        qualname = _text_attr(obj, "__qualname__") or ""
        return self._is_ignored(module_name, qualname)

    def add_version(self, version: str) -> None:
        """Stand a pinned version string in for the analysis of the code."""
        self._add(Component("version", "version", _text_digest(version), version))

    def add_dependencies(self, dependencies: Sequence[object]) -> None:
        """Add ``depends_on=`` objects: paths, modules, code, or plain values."""
        if self._ignored:
            text = ", ".join(sorted(self._ignored))
            self._add(
                Component("option:ignore_code", "option", _text_digest(text), text)
            )
        for dependency in dependencies:
            if isinstance(dependency, (str, os.PathLike)):
                path = os.path.abspath(os.fspath(dependency))  # noqa: PTH100
                name = f"file:{path}"
                getter = functools.partial(_path_digest, path)
                digest = getter()
                self.dynamic.append(_Dynamic(name, "file", getter, digest))
                self._add(Component(name, "file", digest, f"xxh3:{digest[:12]}"))
            elif isinstance(dependency, ModuleType):
                if _module_origin(dependency.__name__).kind == "project":
                    self._follow_whole_module(dependency)
                else:
                    self._package(dependency)
            elif self._carries_code(dependency):
                self._follow_code_object(dependency, via="depends_on")
            else:
                label = short_repr(dependency, 60)
                self._value(
                    f"depends_on:{label}",
                    "depends_on",
                    functools.partial(_same, dependency),
                    "depends_on=",
                )

    # -- objects -------------------------------------------------------------
    @staticmethod
    def _carries_code(obj: object) -> bool:
        """Whether *obj* is followed as code (not digested as a value)."""
        if isinstance(
            obj,
            (
                FunctionType,
                type,
                staticmethod,
                classmethod,
                BuiltinFunctionType,
                functools.singledispatchmethod,
                property,
            ),
        ):
            return True
        if type(obj).__name__ == "KeyWrapper" and type(obj).__module__ == "functools":
            return True  # functools.cmp_to_key(cmp): the comparator is the code
        return (
            not isinstance(obj, (MethodType, functools.partial))
            and callable(obj)
            and _attr(obj, "__wrapped__") is not None
        )

    def _follow_code_object(self, obj: object, *, via: str) -> None:
        """Follow a function, class, method, partial or wrapper (values are ignored)."""
        if (
            self._ignored
            and isinstance(obj, (FunctionType, type))
            and self._is_ignored_object(obj)
        ):
            return
        if isinstance(obj, FunctionType):
            origin = _object_origin(obj)
            if origin.kind == "project":
                if self._once(obj):
                    self._queue.append(functools.partial(self._function, obj))
            else:
                self._external(origin)
            wrapped = _attr(obj, "__wrapped__")
            if wrapped is not None:
                self._follow_code_object(wrapped, via=via)
        elif isinstance(obj, type):
            origin = _object_origin(obj)
            if origin.kind != "project":
                self._external(origin)
            elif not self._extension(
                _text_attr(obj, "__module__") or ""
            ) and self._once(obj):
                self._queue.append(functools.partial(self._class, obj))
        elif isinstance(obj, MethodType):
            self._note_generator(obj, via)
            self._follow_code_object(obj.__func__, via=via)
            if not isinstance(obj.__self__, type):
                self._follow_code_object(type(obj.__self__), via=via)
        elif isinstance(obj, (staticmethod, classmethod)):
            self._follow_code_object(obj.__func__, via=via)
        elif isinstance(obj, property):
            for accessor in (obj.fget, obj.fset, obj.fdel):
                if accessor is not None:
                    self._follow_code_object(accessor, via=via)
        elif isinstance(obj, functools.singledispatchmethod):
            self._follow_code_object(obj.dispatcher, via=via)  # its registry too
            self._follow_code_object(obj.func, via=via)
        elif isinstance(obj, functools.partial):
            self._follow_code_object(obj.func, via=via)
        elif isinstance(obj, BuiltinFunctionType):
            self._note_generator(obj, via)
            origin = _object_origin(obj)
            if origin.kind == "project":
                self._extension(_text_attr(obj, "__module__") or "")
            else:
                self._external(origin)
        else:
            wrapped = _attr(obj, "__wrapped__")
            if wrapped is not None and callable(obj):
                # lru_cache wrappers, our own Checkpointed objects, wraps()-style objects.
                self._external(_object_origin(type(obj)))
                self._follow_code_object(wrapped, via=via)
            elif callable(obj) and not _attr(obj, "__dict__"):
                # A C object holding code it calls (cmp_to_key's key): follow it.
                for held in _contained(obj):
                    if self._carries_code(held):
                        self._follow_code_object(held, via=via)
        self._follow_registry(obj, via=via)

    def _follow_registry(self, obj: object, *, via: str) -> None:
        """``functools.singledispatch``: every registered implementation is code."""
        registry = _attr(obj, "registry")
        if not isinstance(registry, Mapping) or not callable(obj):
            return
        self.equality_checks.append(
            (functools.partial(_values, registry), _values(registry))
        )
        self.equality_checks.append(
            (functools.partial(_registry_text, registry), _registry_text(registry))
        )
        owner = function_name(obj)
        text = _registry_text(registry)
        self._add(
            Component(f"registry:{owner}", "registry", _text_digest(text), text[:200])
        )
        for implementation in registry.values():
            self._follow_code_object(implementation, via=via)
            if isinstance(implementation, FunctionType):
                self._annotations(implementation, function_name(implementation))

    def _external(self, origin: _Origin) -> None:
        if origin.kind == "package":
            name = f"package:{origin.distribution}"
            if name not in self.components:
                self._add(
                    Component(
                        name, "package", _text_digest(origin.version), origin.version
                    )
                )

    def _extension(self, module_name: str) -> bool:
        """
        Add the file digest of a project C extension; return whether it is one.

        Compiled code cannot be read, so the extension file's bytes stand in
        for its source: rebuilding it with other behaviour changes the digest.
        """
        module = sys.modules.get(module_name)
        location = getattr(module, "__file__", None)
        if not location or not location.endswith(_extension_suffixes()):
            return False
        name = f"extension:{module_name}"
        getter = functools.partial(_file_digest, location)
        digest = getter()
        self.dynamic.append(_Dynamic(name, "extension", getter, digest))
        self._add(
            Component(
                name, "extension", digest, f"{Path(location).name} xxh3:{digest[:12]}"
            )
        )
        return True

    def _package(self, module: ModuleType) -> None:
        self._external(_module_origin(module.__name__))

    def _class(self, cls: type) -> None:
        name = function_name(cls)
        home = f"{_text_attr(cls, '__module__') or '<unknown>'}:{cls.__qualname__}"
        namespace = vars(cls)
        members = sorted(k for k in namespace if k not in _SKIPPED_CLASS_ATTRS)
        bases = [function_name(base) for base in cls.__bases__]
        text = f"bases={bases} members={members} metaclass={function_name(type(cls))}"
        self._add(Component(f"class:{name}", "class", _text_digest(text), ""))
        self._expect(lambda c=cls: c.__bases__, cls.__bases__)  # type: ignore[misc]
        self.equality_checks.append(
            (functools.partial(_keys, namespace), tuple(namespace))
        )
        if (
            self._include_docstrings
            and cls.__doc__ is not None
            and not _is_generated_doc(cls)
        ):
            self._add(
                Component(
                    f"docstring:{name}",
                    "docstring",
                    _text_digest(cls.__doc__),
                    short_repr(cls.__doc__),
                )
            )
        if "__annotations__" in namespace or "__annotate_func__" in namespace:
            # Class-level annotations define fields (dataclasses, NamedTuple,
            # TypedDict, pydantic, attrs) whose types code reads and casts with.
            self._annotations(cls, name)
        for base in cls.__bases__:
            self._follow_code_object(base, via=name)
        self._follow_code_object(type(cls), via=name)
        for attr in members:
            if _is_sunder(attr) or attr.startswith("_abc_"):
                continue
            getter = functools.partial(namespace.get, attr, _MISSING)
            value = getter()
            if attr == "__dataclass_fields__":
                self._value(
                    f"attribute:{home}.__dataclass_fields__",
                    "attribute",
                    functools.partial(_describe_fields, cls),
                    name,
                )
                for field in getattr(value, "values", dict)():
                    if callable(field.default_factory):
                        self._follow_code_object(field.default_factory, via=name)
                continue
            if isinstance(value, property):
                self._expect(getter, value)
                for accessor in (value.fget, value.fset, value.fdel):
                    if accessor is not None:
                        self._follow_code_object(accessor, via=name)
                continue
            inner = getattr(value, "func", None)  # functools.cached_property
            if isinstance(inner, FunctionType) and not isinstance(
                value, (functools.partial, functools.singledispatchmethod)
            ):
                self._expect(getter, value)
                self._follow_code_object(inner, via=name)
                continue
            self._bound(getter, value, f"attribute:{home}.{attr}", "attribute", name)

    def _value(self, name: str, kind: str, getter: _Getter, reader: str) -> None:
        """Add a data component, re-digested on every call through *getter*."""
        value = getter()
        digest = _digest_or_type(value, name, reader)
        self.dynamic.append(_Dynamic(name, kind, getter, digest))
        summary = "<unbound>" if value is _MISSING else short_repr(value)
        self._add(Component(name, kind, digest, summary))
        if value is _MISSING:
            return
        self._scan_value(value, 0, library=self._instance_library(value, reader))

    def _instance_library(self, value: object, reader: str) -> _Origin | None:
        """Follow the class of *value*; return its package if a package defines it."""
        cls = type(value)
        if cls.__module__ == "builtins":
            return None
        self._follow_code_object(cls, via=reader)
        origin = _object_origin(cls)
        return origin if origin.kind == "package" else None

    def _scan_value(
        self, value: object, depth: int, *, library: _Origin | None = None
    ) -> None:
        """
        Follow functions and classes stored inside a value (dispatch tables).

        Every level is searched (each object once per walk), up to
        :data:`_SCAN_BUDGET` objects per walk, past which the walk warns: a
        depth limit that silently cut off a function six levels down was a
        stale result waiting to happen. Inside an object of a package
        (*library* is its origin: an estimator, a frozen distribution, a
        registry) only *project* code is followed, such as the function given
        to sklearn's ``FunctionTransformer``: the rest is the package's own
        state, identified by its version, and a generator it merely holds is
        not a draw. (*depth* is kept for callers; it no longer limits.)
        """
        stack: list[tuple[object, _Origin | None]] = [
            (item, library) for item in _contained(value)
        ]
        while stack:
            item, owner = stack.pop()
            if type(item) in _DATA_SCALARS or id(item) in self._scanned:
                continue
            self._scanned.add(id(item))
            self._scan_budget -= 1
            if self._scan_budget < 0:
                if self._scan_budget == -1:
                    _warn_once(
                        f"scan:{short_repr(value, 40)}",
                        f"a value ({short_repr(value, 60)}) holds more than "
                        f"{_SCAN_BUDGET:,} objects: code stored beyond them is not "
                        "followed; name it in @checkpoint(depends_on=[...])",
                    )
                return
            inner = (
                self._scan_item(item)
                if owner is None
                else self._scan_library_item(item, owner)
            )
            if inner is _SKIP:
                continue
            assert inner is None or isinstance(inner, _Origin)
            stack.extend((held, inner) for held in _contained(item))

    def _scan_item(self, item: object) -> _Origin | object | None:
        """Follow *item* if it is code; else return the library owning what it holds."""
        self._note_generator(item, "value")
        if self._carries_code(item):
            self._follow_code_object(item, via="value")
            return _SKIP
        named = _library_name(item)
        if named is not None:
            self._external(named.origin)  # its name is in the value's digest
            return _SKIP
        if isinstance(item, MethodType):
            self._follow_code_object(item.__func__, via="value")
            return None
        return self._instance_library(item, "value")

    def _scan_library_item(
        self, item: object, library: _Origin
    ) -> _Origin | object | None:
        code = item.__func__ if isinstance(item, MethodType) else item
        if isinstance(code, (FunctionType, type)):
            # Project code only: functions made by exec inside a package (scipy's
            # generated methods) have no module of their own, and are the package's.
            if (
                not isinstance(code, FunctionType)
                or _function_module(code) != "<unknown>"
            ) and _object_origin(code).kind == "project":
                self._follow_code_object(item, via="value")
            return _SKIP
        if self._carries_code(item) or _library_name(item) is not None:
            return _SKIP  # library code, or an object the library exposes by name
        cls = type(item)
        if cls.__module__ != "builtins" and _object_origin(cls).kind == "project":
            self._follow_code_object(cls, via="value")  # a project object inside
            return None
        return library


#: Returned by the scan steps: the item's contents are not searched further.
_SKIP: Final = object()
_DATA_SCALARS: Final = frozenset({str, bytes, int, float, bool, type(None), complex})


@functools.lru_cache(maxsize=1)
def _extension_suffixes() -> tuple[str, ...]:
    import importlib.machinery

    return tuple(importlib.machinery.EXTENSION_SUFFIXES)


_file_digests: dict[tuple[str, int, int], str] = {}


def _file_digest(path: str) -> str:
    """xxh3-128 of a file's bytes, memoized by (path, size, mtime)."""
    try:
        stat = os.stat(path)  # noqa: PTH116 - per-call check, no pathlib
    except OSError:
        return _UNBOUND_DIGEST
    memo_key = (path, stat.st_size, stat.st_mtime_ns)
    digest = _file_digests.get(memo_key)
    if digest is None:
        try:
            with open(path, "rb") as file:  # noqa: PTH123 - hot path, no pathlib
                digest = xxhash.xxh3_128_hexdigest(file.read())
        except OSError as err:  # unreadable: a value of its own, re-checked every call
            return _text_digest(f"<unreadable: {type(err).__name__}>")
        _file_digests[memo_key] = digest
    return digest


def _same(value: object) -> object:
    return value


def _path_digest(path: str) -> str:
    """Digest of a file's bytes, or of every file under a directory (with names)."""
    if os.path.isdir(path):  # noqa: PTH112
        hasher = xxhash.xxh3_128()
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = sorted(
                d for d in subdirectories if d not in ("__pycache__", ".git")
            )
            for file_name in sorted(files):
                full = os.path.join(directory, file_name)  # noqa: PTH118
                hasher.update(
                    os.path.relpath(full, path).encode("utf-8", "surrogateescape")
                )
                hasher.update(b"\0")
                hasher.update(_file_digest(full).encode("ascii"))
        return hasher.hexdigest()
    if not os.path.exists(path):  # noqa: PTH110
        return _text_digest("<missing>")
    return _file_digest(path)


def _keys(namespace: Mapping[str, object]) -> tuple[str, ...]:
    return tuple(namespace)


def _values(mapping: Mapping[Any, object]) -> tuple[object, ...]:
    return tuple(mapping.values())


def _cell_contents(cell: Any) -> object:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (variable not yet assigned)
        return _MISSING


def _describe_fields(cls: type) -> object:
    """The dataclass fields of *cls* as plain data: names, flags, defaults, factories."""
    import dataclasses

    described = []
    for field in dataclasses.fields(cls):
        factory = field.default_factory
        described.append(
            (
                field.name,
                field.init,
                field.kw_only,
                None if field.default is dataclasses.MISSING else field.default,
                function_name(factory) if callable(factory) else None,
            )
        )
    return described


def _with_name(info: _FunctionInfo, name: str) -> _FunctionInfo:
    import dataclasses

    return dataclasses.replace(info, name=name)


def _is_sunder(name: str) -> bool:
    return (
        len(name) > 2
        and name[0] == name[-1] == "_"
        and name[1] != "_"
        and name[-2] != "_"
    )


def _is_generated_doc(cls: type) -> bool:
    # dataclasses and Enum synthesize a docstring when none is written.
    import dataclasses

    if dataclasses.is_dataclass(cls) and (cls.__doc__ or "").startswith(
        cls.__name__ + "("
    ):
        return True
    return isinstance(cls, enum.EnumMeta) and cls.__doc__ in (None, "An enumeration.")


@functools.lru_cache(maxsize=1)
def _python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"
