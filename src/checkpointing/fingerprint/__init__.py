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
  :mod:`checkpointing.digest` on every call);
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

The package, bottom layer first; a module imports only modules above it
(``tests/test_public_api.py`` holds the table):

* ``_common``: small shared helpers (attributes, names, digests);
* ``_origin``: where a module or object comes from (project, stdlib, package);
* ``_components``: ``Component``, ``Fingerprint``, argument packages;
* ``_library``: naming library-owned objects by module, name and version;
* ``_ambient``: the global random generators and their states;
* ``_source``: a function's source, verified and normalized; identity text;
* ``_analysis``: static analysis of one function (memoized);
* ``_values``: scanning values for code; reading paths, listings and files;
* ``_walk_state``: what a walk collects, its bookkeeping and its options;
* the parts of the walk, each a mixin over ``_walk_state`` that imports no
  other part: ``_walk_functions`` (a reached function's components and
  body), ``_walk_references`` (what a global, import or namespace is bound
  to), ``_walk_code`` (code objects followed; a class's members),
  ``_walk_values`` (data components; code stored in values),
  ``_walk_ambient`` (environment, files, listings, generator state),
  ``_walk_bindings`` (renames by position; written-only globals);
* ``_walker``: ``_Walker``, combining the parts; a walk's entry points and
  its phases;
* ``_memo``: the per-process memo that makes a hit skip the walk;
* this module: ``fingerprint_function``, ``make_fingerprinter``,
  ``fingerprint_arguments``.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Collection, Mapping, Sequence
from types import FunctionType
from typing import Any

from checkpointing._errors import FingerprintError

from ._common import _PLAIN_TYPES, function_name, main_module_name
from ._components import (
    Component,
    Fingerprint,
    _argument_packages,
    _components_digest,
    _packages_fingerprint,
    merge_fingerprints,
)
from ._memo import (
    _memo,
    _memo_entry,
    _memoized,
    _memoized_if_valid,
    _memoized_object_fingerprint,
)
from ._source import decorator_lines, excerpt, ship_source, source_excerpt
from ._values import _code_roots
from ._walk_state import _Options
from ._walker import _Walker

__all__ = [
    "Component",
    "Fingerprint",
    "decorator_lines",
    "excerpt",
    "fingerprint_arguments",
    "fingerprint_function",
    "function_name",
    "main_module_name",
    "make_fingerprinter",
    "memo_token",
    "memoized_fingerprint",
    "merge_fingerprints",
    "reached_functions",
    "ship_source",
    "source_excerpt",
]


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

    _fingerprinters[fingerprint] = (func, memo_key)
    return fingerprint


# What each fingerprinter memoizes under: its anchor and memo key (see
# memoized_fingerprint). Weak: a fingerprinter lives as long as its wrapper.
_fingerprinters: weakref.WeakKeyDictionary[
    Callable[[], Fingerprint], tuple[object, tuple[object, ...]]
] = weakref.WeakKeyDictionary()


def memo_token(fingerprinter: Callable[[], Fingerprint]) -> object | None:
    """
    Return an opaque token for the walk *fingerprinter*'s memo holds now.

    ``None`` before its first call. The token changes with every new walk.
    """
    found = _fingerprinters.get(fingerprinter)
    return None if found is None else _memo_entry(*found)


def memoized_fingerprint(
    fingerprinter: Callable[[], Fingerprint], token: object
) -> Fingerprint | None:
    """
    Return the fingerprint of the walk *token* names, if it still holds; never walk.

    ``None`` when *fingerprinter* walked again since :func:`memo_token` gave
    *token*, when anything that walk read has changed, or when it read
    ambient state (a random generator's, re-read on every call). Then only a
    walk can tell. *fingerprinter* comes from :func:`make_fingerprinter`.
    """
    found = _fingerprinters.get(fingerprinter)
    if found is None:
        return None
    return _memoized_if_valid(*found, token)


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


def reached_functions(func: Callable[..., Any]) -> tuple[FunctionType, ...]:
    """
    Return the functions the last walks from *func* reached (itself included).

    Read from the memo of :func:`make_fingerprinter`'s fingerprints of
    *func* (every option set it was fingerprinted with); empty when *func*
    has not been fingerprinted in this process. Pickling by value sends the
    source of those it carries (:func:`ship_source`).
    """
    try:
        per_options = _memo.get(func)
    except TypeError:  # not weak-referenceable: never memoized
        return ()
    seen: dict[int, FunctionType] = {}
    for memo in (per_options or {}).values():
        for reached in memo.functions:
            seen.setdefault(id(reached), reached)
    return tuple(seen.values())
