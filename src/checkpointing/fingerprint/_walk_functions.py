"""
The walk's part for functions: one reached function's components and references.

A reached function adds its source (``callee:``), docstring, defaults,
attributes and decorators, and its body's references, imports, closure cells
and reads are handed to the other parts; a method reaches its class, and code
whose analysis fails is identified by its bytecode (with a warning).

Changes when: what a reached function contributes changes. May import:
``fingerprint._walk_state`` and the layers below it; no other part of the walk.
"""

from __future__ import annotations

import functools
import sys
from types import CodeType, FunctionType

from checkpointing.digest import short_repr

from ._ambient import _numpy_generator
from ._analysis import _function_info, _FunctionInfo
from ._common import _attr, _function_module, _text_digest, _warn_once, function_name
from ._components import Component
from ._source import _code_digest
from ._values import (
    _ANNOTATION_READERS,
    _annotations_text,
    _cell_contents,
    _function_attributes,
    _with_name,
)
from ._walk_state import _WalkState


class _FunctionWalk(_WalkState):
    """Functions: their text, docstring, defaults, decorators, body references, closures."""

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
