"""
The walk's part for values: data components, and the code stored inside values.

A data value is digested now and re-read on every call; its class is followed,
and its contents are searched (each object once, within a budget per walk)
for functions and classes (dispatch tables, a function given to a library
object).

Changes when: how values are digested or searched for code changes. May
import: ``fingerprint._walk_state`` and the layers below it; no other part of
the walk.
"""

from __future__ import annotations

from types import FunctionType, MethodType

from checkpointing.digest import short_repr

from ._common import (
    _DATA_SCALARS,
    _MISSING,
    _SKIP,
    _function_module,
    _Getter,
    _warn_once,
)
from ._components import Component
from ._library import _library_name
from ._origin import _object_origin, _Origin
from ._values import _SCAN_BUDGET, _contained
from ._walk_state import _digest_or_type, _Dynamic, _WalkState


class _ValueWalk(_WalkState):
    """Values: data components, and code stored inside values."""

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
