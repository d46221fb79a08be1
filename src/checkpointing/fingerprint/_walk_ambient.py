"""
The walk's part for ambient inputs: what code reads from outside its arguments.

Environment variables, files and directory listings a function reads by a
name known now, and the state of global random generators that reachable code
draws from (followed through library ``module.attr`` chains): each is re-read
on every call (``volatile``), and computed reads are warned about.

Changes when: a new ambient input is covered. May import:
``fingerprint._walk_state`` and the layers below it; no other part of the walk.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import os
import sys
from types import FunctionType, ModuleType

from ._ambient import _GENERATOR_MODULES, _generator_use, _generators, _warn_ambient
from ._analysis import _FunctionInfo
from ._common import _MISSING, _Getter, _warn_once
from ._components import Component
from ._origin import _object_origin
from ._values import _evaluate_path, _library_attr, _listing, _path_digest
from ._walk_state import _digest_or_type, _Dynamic, _WalkState


class _AmbientWalk(_WalkState):
    """Ambient inputs: environment variables, files, listings, global generators."""

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
