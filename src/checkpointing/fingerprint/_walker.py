"""The per-call walk (_Walker) that resolves references to current values."""

from __future__ import annotations

import builtins
import collections
import contextlib
import functools
import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType, ModuleType
from typing import Any

from checkpointing._digest import digest_value, short_repr
from checkpointing._errors import ArgumentDigestError, CheckpointingWarning

from ._ambient import (
    _GENERATOR_MODULES,
    _generator_use,
    _generators,
    _numpy_generator,
    _warn_ambient,
)
from ._analysis import _function_info, _FunctionInfo, _Import
from ._common import (
    _DATA_SCALARS,
    _MISSING,
    _SKIP,
    _UNBOUND_DIGEST,
    _attr,
    _function_module,
    _Getter,
    _python_version,
    _text_attr,
    _text_digest,
    _warn_once,
    function_name,
)
from ._components import Component, Fingerprint, _components_digest, _content_name
from ._library import _LIBRARY_KINDS, _library_name, _origin_version
from ._origin import _file_origin, _module_origin, _object_origin, _Origin
from ._source import _code_digest, _Ref
from ._values import (
    _ANNOTATION_READERS,
    _SCAN_BUDGET,
    _SKIPPED_CLASS_ATTRS,
    _annotations_text,
    _builtin_receiver,
    _cell_contents,
    _code_name_of,
    _contained,
    _default_factory,
    _describe_fields,
    _evaluate_path,
    _extension_suffixes,
    _file_digest,
    _function_attributes,
    _global_type,
    _import_submodule,
    _is_generated_doc,
    _is_sunder,
    _keys,
    _library_attr,
    _listing,
    _path_digest,
    _receiver_of,
    _registry_text,
    _same,
    _type_name,
    _values,
    _with_name,
    _wrapper_attributes,
    _wrapper_attributes_of,
    _writable,
)

# ---------------------------------------------------------------------------
# The per-call walk
# ---------------------------------------------------------------------------


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
