"""
The walk's part for names: what a global, an import or a namespace is bound to.

A name a function reads is resolved to its current value (through project
``module.attr`` chains, PEP 562 ``__getattr__``, imports inside bodies) and
covered by what it is: project code is followed, a library object is
identified by the name its library exposes it under, anything else is data
digested on every call. Whole namespaces are covered where code reaches names
dynamically (``eval``, ``getattr`` with a computed name, computed imports).

Changes when: how a bound name is resolved or classified changes. May import:
``fingerprint._walk_state`` and the layers below it; no other part of the walk.
"""

from __future__ import annotations

import builtins
import functools
import importlib
import importlib.util
import os
import sys
from types import FunctionType, ModuleType
from typing import Any

from checkpointing._errors import CheckpointingWarning

from ._analysis import _FunctionInfo, _Import
from ._common import (
    _MISSING,
    _UNBOUND_DIGEST,
    _attr,
    _function_module,
    _Getter,
    _text_attr,
    _text_digest,
    _warn_once,
    function_name,
)
from ._components import Component
from ._library import _LIBRARY_KINDS, _library_name, _origin_version
from ._origin import _file_origin, _module_origin, _object_origin
from ._source import _Ref
from ._values import (
    _builtin_receiver,
    _import_submodule,
    _keys,
    _path_digest,
    _receiver_of,
    _type_name,
    _wrapper_attributes,
    _wrapper_attributes_of,
)
from ._walk_state import _Dynamic, _WalkState


class _ReferenceWalk(_WalkState):
    """Names: globals, module attribute chains, imports, namespaces, bound values."""

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
