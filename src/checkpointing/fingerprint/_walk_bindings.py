"""
The walk's part that names globals in the key: renames by position, written-only globals.

Each function's ``bindings`` component lists what the placeholders of its
identity text are bound to, so renaming a constant or an alias with all its
uses keeps the key (unless reached code can observe names as text); and a
global that every reached function only writes (a counter, a log list) is
listed by its type instead of digested.

Changes when: the rules for renames, name exposure or written-only globals
change. May import: ``fingerprint._walk_state`` and the layers below it; no
other part of the walk.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable
from dataclasses import replace
from types import FunctionType, ModuleType
from typing import Any

from ._common import _MISSING, _text_digest
from ._components import Component, _content_name
from ._origin import _object_origin
from ._source import _Ref
from ._values import _code_name_of, _default_factory, _global_type, _writable
from ._walk_state import _WalkState


class _BindingsWalk(_WalkState):
    """Globals in the key: bindings by position, and globals only written."""

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
