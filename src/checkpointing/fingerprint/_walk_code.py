"""
The walk's part for code objects and classes: what is followed, and a class's members.

Dispatches a function, class, method, ``staticmethod``/``classmethod``,
property, ``partial``, ``singledispatch`` registry or wrapper to what it runs
(queueing each project function and class once), identifies a project C
extension by its file, and covers a class: bases, metaclass, members,
annotations and dataclass fields.

Changes when: a new kind of code object or class member is followed. May
import: ``fingerprint._walk_state`` and the layers below it; no other part of
the walk.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, MethodType

from checkpointing.digest import short_repr

from ._common import _MISSING, _attr, _text_attr, _text_digest, function_name
from ._components import Component
from ._origin import _object_origin
from ._values import (
    _SKIPPED_CLASS_ATTRS,
    _contained,
    _describe_fields,
    _extension_suffixes,
    _file_digest,
    _is_generated_doc,
    _is_sunder,
    _keys,
    _registry_text,
    _values,
)
from ._walk_state import _Dynamic, _WalkState


class _CodeWalk(_WalkState):
    """Code objects: functions, classes, methods, wrappers, registries, extensions."""

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
