"""Where a module or object comes from: project, stdlib, package or library."""

from __future__ import annotations

import functools
import os
import site
import sys
import sysconfig
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Final

from ._common import _function_module, _text_attr

# ---------------------------------------------------------------------------
# Where an object comes from: project, standard library, or a package
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Origin:
    kind: str  # "project" | "stdlib" | "package" | "library"
    distribution: str = ""
    version: str = ""


_PROJECT: Final = _Origin("project")
_STDLIB: Final = _Origin("stdlib")
_LIBRARY: Final = _Origin("library")  # checkpointing itself: never walked or keyed


@functools.lru_cache(maxsize=1)
def _external_roots() -> tuple[str, ...]:
    """Directories whose modules are installed code (stdlib and site-packages)."""
    roots: set[str] = set()
    paths = sysconfig.get_paths()
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        if paths.get(name):
            roots.add(paths[name])
    if hasattr(site, "getsitepackages"):  # absent in virtualenv's old site.py
        roots.update(site.getsitepackages())
    user_site = site.getusersitepackages()
    if isinstance(user_site, str):
        roots.add(user_site)
    for entry in sys.path:
        if entry.rstrip(os.sep).endswith(("site-packages", "dist-packages")):
            roots.add(entry)
    return tuple(sorted({os.path.realpath(r) + os.sep for r in roots if r}))


@functools.lru_cache(maxsize=1)
def _stdlib_root() -> str:
    return os.path.realpath(sysconfig.get_paths()["stdlib"]) + os.sep


_origin_cache: dict[str, _Origin] = {}
_origin_lock = threading.Lock()


def _module_origin(module_name: str) -> _Origin:
    """Classify a module by name; memoized per process."""
    cached = _origin_cache.get(module_name)
    if cached is not None:
        return cached
    origin = _classify_module(module_name)
    with _origin_lock:
        _origin_cache[module_name] = origin
    return origin


def _classify_module(module_name: str) -> _Origin:
    top = module_name.partition(".")[0]
    if module_name == "__main__" or module_name.startswith("__main__."):
        return _PROJECT
    stdlib_name = top in sys.stdlib_module_names or top in sys.builtin_module_names
    module = sys.modules.get(module_name) or sys.modules.get(top)
    if module is None:
        # A name no module answers to (objects built with exec, renamed modules):
        # walking it is the safe choice, unless it names the standard library.
        return _STDLIB if stdlib_name else _PROJECT
    location = _module_location(module)
    if location is None:
        # A built-in module, or an installed namespace package: not readable code.
        return _STDLIB if stdlib_name else _package_origin(top)
    # The file decides, not the name: a project module may be called
    # ``profile.py`` or ``checkpointing_helpers.py``.
    if os.path.realpath(location).startswith(_library_root()):
        return _LIBRARY
    return _file_origin(location, top)


@functools.lru_cache(maxsize=1)
def _library_root() -> str:
    return str(Path(__file__).resolve().parent.parent) + os.sep


@functools.lru_cache(maxsize=4096)
def _file_origin(location: str, top: str) -> _Origin:
    """Classify by file location: stdlib, site-packages (a package), else project."""
    if location.startswith("<"):  # <string>, <stdin>, <ipython-input-...>
        return _PROJECT
    real = os.path.realpath(location)
    in_site = any(
        real.startswith(root) for root in _external_roots() if "-packages" in root
    )
    if in_site:
        return _package_origin(top)
    if real.startswith(_stdlib_root()):
        return _STDLIB
    if any(real.startswith(root) for root in _external_roots()):
        return _package_origin(top)
    return _PROJECT


def _module_location(module: ModuleType | None) -> str | None:
    if module is None:
        return None
    file = getattr(module, "__file__", None)
    if file:
        return str(file)
    path = getattr(module, "__path__", None)  # namespace package
    if path:
        for entry in path:
            return str(entry)
    return None


@functools.cache
def _package_origin(top: str) -> _Origin:
    """Map a top-level import name to its distribution and version."""
    import importlib.metadata  # ~30 ms: only once a package is reached

    try:
        return _Origin("package", top, importlib.metadata.version(top))
    except (importlib.metadata.PackageNotFoundError, ValueError):
        pass
    for dist in _packages_distributions().get(top, ()):
        try:
            return _Origin("package", dist, importlib.metadata.version(dist))
        except importlib.metadata.PackageNotFoundError:
            continue
    module = sys.modules.get(top)
    version = getattr(module, "__version__", None)
    return _Origin("package", top, str(version) if version else "unknown")


@functools.lru_cache(maxsize=1)
def _packages_distributions() -> Mapping[str, list[str]]:
    import importlib.metadata

    # Scans every installed distribution's RECORD: slow, so only on demand.
    return importlib.metadata.packages_distributions()


def _object_origin(obj: object) -> _Origin:
    if isinstance(obj, ModuleType):
        return _module_origin(obj.__name__)
    if isinstance(obj, FunctionType):
        # The code's file is the truth (wraps() rewrites __module__).
        module_name = _function_module(obj)
        by_name = _module_origin(module_name)
        if by_name.kind in ("library", "stdlib"):
            return by_name
        return _file_origin(obj.__code__.co_filename, module_name.partition(".")[0])
    module = _text_attr(obj, "__module__")
    if module is None:
        return _STDLIB if isinstance(obj, BuiltinFunctionType) else _PROJECT
    return _module_origin(module)
