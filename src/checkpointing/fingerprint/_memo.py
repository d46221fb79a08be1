"""The per-call memo: a fingerprint reused while what it read is unchanged."""

from __future__ import annotations

import contextlib
import functools
import operator
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import CodeType, FunctionType
from typing import Any, Final

from ._common import _MISSING, _Getter
from ._components import Fingerprint, _components_digest
from ._walk_state import _digest_or_type, _Dynamic, _Options
from ._walker import _Walker


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


def _memo_entry(anchor: object, memo_key: tuple[object, ...]) -> _Memo | None:
    """The memo *anchor* has under *memo_key* now (its identity changes on a walk)."""
    try:
        per_options = _memo.get(anchor)
    except TypeError:  # not weak-referenceable: no memo
        return None
    return per_options.get(memo_key) if per_options else None


def _memoized_if_valid(
    anchor: object, memo_key: tuple[object, ...], expected: object
) -> Fingerprint | None:
    """
    Return the fingerprint of the memo *expected*, if it is still *anchor*'s and valid.

    Never walks: ``None`` when *anchor* walked again since (another memo),
    when the memo holds ambient state (re-read on every call), or when
    something it read changed.
    """
    memo = _memo_entry(anchor, memo_key)
    if memo is None or memo is not expected or memo.volatile:
        return None
    if not _memo_still_valid(memo):
        return None
    return memo.fingerprint


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
