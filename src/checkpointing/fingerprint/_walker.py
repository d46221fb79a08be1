"""
The per-call walk (:class:`_Walker`) that resolves references to current values.

:class:`_Walker` combines the parts of the walk (one mixin a module, over
:class:`~checkpointing.fingerprint._walk_state._WalkState`) and owns what a
walk starts from (the root function, a pinned version, ``depends_on=``) and
its driving loop (queued code, then written-only globals, then annotations,
bindings and ambient state).

Changes when: a walk's entry points or the order of its phases change. May
import: every ``fingerprint._walk_*`` module and the layers below them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from types import FunctionType, ModuleType
from typing import Any

from checkpointing._errors import CheckpointingWarning
from checkpointing.digest import short_repr

from ._analysis import _function_info
from ._common import _text_digest, _warn_once
from ._components import Component
from ._origin import _module_origin
from ._values import _path_digest, _same
from ._walk_ambient import _AmbientWalk
from ._walk_bindings import _BindingsWalk
from ._walk_code import _CodeWalk
from ._walk_functions import _FunctionWalk
from ._walk_references import _ReferenceWalk
from ._walk_state import _Dynamic
from ._walk_values import _ValueWalk


class _Walker(
    _FunctionWalk,
    _ReferenceWalk,
    _CodeWalk,
    _ValueWalk,
    _AmbientWalk,
    _BindingsWalk,
):
    """Resolves references to current objects and collects components."""

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
