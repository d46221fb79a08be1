"""
The walk's shared state: what a walk collects, and its bookkeeping.

:class:`_WalkState` holds the components, the checks the memo re-runs on a
hit (identities, equalities, code objects, re-read values), the marks that
keep a walk finite (each object once) and ``ignore_code=`` honoured. Each
part of the walk is a mixin over it, in its own module, and
:class:`~checkpointing.fingerprint._walker._Walker` combines them. Also the
walk's options (:class:`_Options`, part of the memo key) and a value re-read
on every call (:class:`_Dynamic`).

Changes when: what a walk records changes. May import: ``_errors``,
``_digest``, and ``fingerprint._common``, ``_origin``, ``_components``,
``_ambient``, ``_source``, ``_analysis``, ``_values`` (types and helpers); no
other part of the walk.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType, ModuleType
from typing import TYPE_CHECKING, Any

from checkpointing._errors import ArgumentDigestError
from checkpointing.digest import digest_value

from ._ambient import _generators
from ._analysis import _FunctionInfo, _Import
from ._common import (
    _MISSING,
    _UNBOUND_DIGEST,
    _attr,
    _Getter,
    _python_version,
    _text_attr,
    _text_digest,
    _warn_once,
    function_name,
)
from ._components import Component, Fingerprint, _components_digest
from ._origin import _module_origin, _Origin
from ._source import _Ref
from ._values import _SCAN_BUDGET


@dataclass(frozen=True, slots=True)
class _Dynamic:
    """A data value re-read and re-digested on every call."""

    name: str
    kind: str
    getter: _Getter
    digest: str


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


class _WalkState:
    """What a walk collects, and the bookkeeping every part of it shares."""

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

    def _external(self, origin: _Origin) -> None:
        if origin.kind == "package":
            name = f"package:{origin.distribution}"
            if name not in self.components:
                self._add(
                    Component(
                        name, "package", _text_digest(origin.version), origin.version
                    )
                )

    def _package(self, module: ModuleType) -> None:
        self._external(_module_origin(module.__name__))

    if TYPE_CHECKING:
        # The parts of the walk call each other through self; each part is a
        # mixin in its own module (see the module docstring), so these
        # declarations tell the type checker what _Walker combines.
        def _function(self, func: FunctionType) -> None: ...
        def _annotations(self, obj: object, name: str) -> None: ...
        def _ambient_reads(
            self, func: FunctionType, info: _FunctionInfo, module_name: str
        ) -> None: ...
        def _library_chain(
            self,
            module: ModuleType,
            chain: tuple[str, ...],
            reader: str,
            through: str = "",
        ) -> None: ...
        def _note_generator(
            self, obj: object, reader: str, through: str = ""
        ) -> None: ...
        def _resolve_ref(
            self, namespace: dict[str, Any], module_name: str, ref: _Ref, reader: str
        ) -> None: ...
        def _bound(
            self, getter: _Getter, value: object, component: str, kind: str, reader: str
        ) -> None: ...
        def _resolve_import(self, imp: _Import, info: _FunctionInfo) -> None: ...
        def _dynamic_access(self, func: FunctionType, info: _FunctionInfo) -> None: ...
        def _follow_code_object(self, obj: object, *, via: str) -> None: ...
        def _value(
            self, name: str, kind: str, getter: _Getter, reader: str
        ) -> None: ...
        def _scan_value(
            self, value: object, depth: int, *, library: _Origin | None = None
        ) -> None: ...
