"""
Code identity: turn a function into a :class:`Fingerprint` of named components.

A fingerprint covers everything in the *project* that can change what a call
computes:

* the function's normalized source (``ast.unparse`` of its definition, so
  comments, whitespace, blank lines and line numbers do not matter), its
  docstring and its signature (parameter names and kinds; defaults enter
  through the bound arguments instead);
* every project function it reaches, transitively and across modules: names
  read from globals, ``module.attr`` chains, imports inside the body,
  decorators (and ``__wrapped__`` chains), closures, callees' default values,
  and the classes it touches (bases, methods, class attributes);
* the *values* of the globals those functions read (digested by
  :mod:`checkpointing._digest` on every call);
* installed packages by distribution name + version, and the Python version
  for the standard library. Neither is walked.

"Project" code is any module whose file lies outside the standard library and
the site-packages directories, plus ``__main__`` and notebook cells.

Static analysis of one function (parse, normalize, list its references) is
memoized per function object for the life of the process; the walk that
resolves references to current values runs on every call, because global
values are exactly what changes between calls. The source read from disk is
verified against the loaded bytecode, so a module edited after import (a
notebook without autoreload) never lends its new text to the old code.
"""

from __future__ import annotations

import ast
import builtins
import dis
import enum
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import linecache
import os
import platform
import site
import sys
import sysconfig
import textwrap
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType, ModuleType
from typing import Any, Final

import xxhash

from ._digest import digest_value, short_repr
from ._errors import ArgumentDigestError, FingerprintError, IncompleteFingerprintWarning

__all__ = [
    "Component",
    "Fingerprint",
    "fingerprint_function",
    "function_name",
]

_LIBRARY_PACKAGE: Final = __name__.partition(".")[0]
_ATTR_OPS: Final = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_GLOBAL_OPS: Final = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
# Containers scanned for functions and classes inside global values (dispatch
# tables, lists of steps): how deep and how many items, to bound the cost.
_SCAN_DEPTH: Final = 4
_SCAN_ITEMS: Final = 10_000
_SKIPPED_CLASS_ATTRS: Final = frozenset(
    {
        "__module__", "__qualname__", "__doc__", "__dict__", "__weakref__",
        "__annotations__", "__slots__", "__match_args__", "__dataclass_params__",
        "__parameters__", "__orig_bases__", "__abstractmethods__", "__hash__",
        "__firstlineno__", "__static_attributes__", "__annotate_func__",
        "__annotations_cache__", "__type_params__",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Component:
    """
    One hashed part of a fingerprint.

    Attributes:
        name: Stable component name, e.g. ``"source"``, ``"callee:helpers:scale"``,
            ``"global:helpers:SCALE"``, ``"package:numpy"``.
        kind: ``source``, ``docstring``, ``signature``, ``callee``, ``defaults``,
            ``global``, ``closure``, ``class``, ``attribute``, ``package`` or
            ``python``.
        digest: 32-character lowercase hex digest (xxh3_128).
        summary: Short readable form (value repr, version), may be ``""``.
        source: Normalized source text for ``source``/``callee`` components.
    """

    name: str
    kind: str
    digest: str
    summary: str = ""
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """
    The code identity of one function at one moment.

    Attributes:
        digest: 32-character hex digest over all components (sorted by name).
        components: Component name to :class:`Component`.
    """

    digest: str
    components: Mapping[str, Component]


def function_name(func: Callable[..., Any]) -> str:
    """Return ``"module:qualname"`` for *func* (the name used in component names)."""
    module = getattr(func, "__module__", None) or "<unknown>"
    qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", "?")
    return f"{module}:{qualname}"


def fingerprint_function(
    func: Callable[..., Any], *, include_docstrings: bool = True
) -> Fingerprint:
    """
    Return the fingerprint of *func* and of every project object it reaches.

    Args:
        func: The undecorated function (a plain or ``async`` function; methods
            are passed as their function).
        include_docstrings: Whether docstrings are components. When false,
            docstring edits never cause a rerun.

    Returns:
        The fingerprint; its ``digest`` is a 32-character hex string.

    Raises:
        FingerprintError: If *func* is not a Python function.
    """
    root = inspect.unwrap(func)
    if not isinstance(root, FunctionType):
        raise FingerprintError(
            function_name(func),
            f"expected a Python function, got {type(func).__qualname__}",
        )
    walker = _Walker(include_docstrings=include_docstrings)
    walker.add_root(func, root)
    walker.run()
    components = walker.components
    hasher = xxhash.xxh3_128()
    for name in sorted(components):
        hasher.update(name.encode("utf-8"))
        hasher.update(b"\0")
        hasher.update(components[name].digest.encode("ascii"))
        hasher.update(b"\n")
    return Fingerprint(digest=hasher.hexdigest(), components=components)


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
    try:
        roots.update(site.getsitepackages())
    except AttributeError:  # virtualenv's old site.py
        pass
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
    if top == _LIBRARY_PACKAGE:
        return _LIBRARY
    if module_name == "__main__" or module_name.startswith("__main__."):
        return _PROJECT
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return _STDLIB
    module = sys.modules.get(module_name) or sys.modules.get(top)
    if module is None:
        # A name no module answers to (objects built with exec, renamed modules):
        # walking it is the safe choice.
        return _PROJECT
    location = _module_location(module)
    if location is None:
        # An installed namespace package or a built-in extension: identify by version.
        return _package_origin(top)
    return _file_origin(location, top)


def _file_origin(location: str, top: str) -> _Origin:
    """Classify by file location: stdlib, site-packages (a package), else project."""
    if location.startswith("<"):  # <string>, <stdin>, <ipython-input-...>
        return _PROJECT
    real = os.path.realpath(location)
    in_site = any(real.startswith(root) for root in _external_roots()
                  if "-packages" in root)  # fmt: skip
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


@functools.lru_cache(maxsize=None)
def _package_origin(top: str) -> _Origin:
    """Map a top-level import name to its distribution and version."""
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
    # Scans every installed distribution's RECORD: slow, so only on demand.
    return importlib.metadata.packages_distributions()


def _object_origin(obj: object) -> _Origin:
    if isinstance(obj, ModuleType):
        return _module_origin(obj.__name__)
    if isinstance(obj, FunctionType):
        # The code's file is the truth (wraps() rewrites __module__).
        module_name = obj.__globals__.get("__name__") or obj.__module__ or ""
        by_name = _module_origin(module_name)
        if by_name.kind in ("library", "stdlib"):
            return by_name
        return _file_origin(obj.__code__.co_filename, module_name.partition(".")[0])
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str):
        return _STDLIB if isinstance(obj, BuiltinFunctionType) else _PROJECT
    return _module_origin(module)


# ---------------------------------------------------------------------------
# Static analysis of one function (memoized per function object)
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """A global name read by a function, with the attribute chain read from it."""

    name: str
    chain: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Import:
    """An ``import`` statement executed inside a function body."""

    module: str  # absolute module name
    names: tuple[str, ...]  # ``from module import names`` (empty for ``import m``)


@dataclass(frozen=True, slots=True)
class _FunctionInfo:
    name: str  # "module:qualname"
    source: str | None  # normalized source text (None: identified by bytecode)
    source_digest: str
    docstring: str | None
    signature: str  # parameter names and kinds only
    refs: tuple[_Ref, ...]
    imports: tuple[_Import, ...]
    attribute_names: frozenset[str]  # every attribute name the code reads
    decorator_refs: tuple[_Ref, ...]
    fallback_reason: str  # why source was not used ("" when it was)


_info_memo: weakref.WeakKeyDictionary[FunctionType, tuple[_FunctionInfo, _FunctionInfo]]
_info_memo = weakref.WeakKeyDictionary()
_info_lock = threading.Lock()


def _function_info(func: FunctionType, *, as_root: bool) -> _FunctionInfo:
    """Return the static analysis of *func* (as the decorated root or as a callee)."""
    pair = _info_memo.get(func)
    if pair is None:
        pair = _analyze(func)
        with _info_lock:
            _info_memo[func] = pair
    return pair[0] if as_root else pair[1]


def _code_name(func: FunctionType) -> str:
    """``module:qualname`` of the *code* (``functools.wraps`` rewrites the attributes)."""
    module = func.__globals__.get("__name__") or func.__module__
    qualname = getattr(func.__code__, "co_qualname", None) or func.__qualname__
    return f"{module}:{qualname}"


def _analyze(func: FunctionType) -> tuple[_FunctionInfo, _FunctionInfo]:
    code = func.__code__
    name = _code_name(func)
    refs, imports, attribute_names = _scan_code(code, func)
    node, fallback = _verified_definition(func)
    signature = _signature_text(code)
    if node is None:
        docstring = code.co_consts[0] if code.co_consts and isinstance(
            code.co_consts[0], str
        ) else None
        digest = _code_digest(code)
        info = _FunctionInfo(
            name=name,
            source=None,
            source_digest=digest,
            docstring=func.__doc__ if docstring is None else docstring,
            signature=signature,
            refs=refs,
            imports=imports,
            attribute_names=attribute_names,
            decorator_refs=(),
            fallback_reason=fallback,
        )
        return info, info
    docstring = ast.get_docstring(node, clean=False) if not isinstance(
        node, ast.Lambda
    ) else None
    decorator_refs = _decorator_refs(node)
    root_text = _normalized_source(node, as_root=True)
    callee_text = _normalized_source(node, as_root=False)
    common = {
        "name": name,
        "docstring": docstring,
        "signature": signature,
        "refs": refs,
        "imports": imports,
        "attribute_names": attribute_names,
        "fallback_reason": "",
    }
    root = _FunctionInfo(
        source=root_text,
        source_digest=_text_digest(root_text),
        decorator_refs=(),
        **common,  # type: ignore[arg-type]
    )
    callee = _FunctionInfo(
        source=callee_text,
        source_digest=_text_digest(callee_text),
        decorator_refs=decorator_refs,
        **common,  # type: ignore[arg-type]
    )
    return root, callee


def _text_digest(text: str) -> str:
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _signature_text(code: CodeType) -> str:
    """Parameter names and kinds, e.g. ``(a, b, /, c, *args, d, **kwargs)``."""
    names = code.co_varnames
    pos = code.co_argcount
    posonly = code.co_posonlyargcount
    kwonly = code.co_kwonlyargcount
    parts = list(names[:posonly])
    if posonly:
        parts.append("/")
    parts.extend(names[posonly:pos])
    index = pos
    varargs = bool(code.co_flags & inspect.CO_VARARGS)
    if varargs:
        parts.append("*" + names[pos + kwonly])
    elif kwonly:
        parts.append("*")
    parts.extend(names[index : index + kwonly])
    if code.co_flags & inspect.CO_VARKEYWORDS:
        parts.append("**" + names[pos + kwonly + (1 if varargs else 0)])
    return "(" + ", ".join(parts) + ")"


def _scan_code(
    code: CodeType, func: FunctionType
) -> tuple[tuple[_Ref, ...], tuple[_Import, ...], frozenset[str]]:
    """List global reads (with attribute chains), imports and attribute names."""
    refs: dict[_Ref, None] = {}
    imports: dict[_Import, None] = {}
    attribute_names: set[str] = set()
    package = func.__globals__.get("__package__") or func.__module__.rpartition(".")[0]
    for sub in _walk_code(code):
        instructions = list(dis.get_instructions(sub))
        i = 0
        while i < len(instructions):
            ins = instructions[i]
            if ins.opname in _GLOBAL_OPS and isinstance(ins.argval, str):
                chain: list[str] = []
                j = i + 1
                while j < len(instructions) and instructions[j].opname in _ATTR_OPS:
                    chain.append(str(instructions[j].argval))
                    j += 1
                refs[_Ref(ins.argval, tuple(chain))] = None
                i = j
                continue
            if ins.opname in _ATTR_OPS:
                attribute_names.add(str(ins.argval))
            elif ins.opname == "IMPORT_NAME":
                found = _import_from(instructions, i, package)
                if found is not None:
                    imports[found] = None
            i += 1
    return tuple(refs), tuple(imports), frozenset(attribute_names)


def _import_from(instructions: list[dis.Instruction], i: int, package: str) -> _Import | None:
    """Decode ``IMPORT_NAME`` at *i*: its level and fromlist are the two prior constants."""
    ins = instructions[i]
    level = 0
    fromlist: tuple[str, ...] = ()
    if i >= 2 and instructions[i - 2].opname == "LOAD_CONST":
        level = int(instructions[i - 2].argval or 0)
    if i >= 1 and instructions[i - 1].opname == "LOAD_CONST":
        raw = instructions[i - 1].argval
        if isinstance(raw, tuple):
            fromlist = tuple(str(n) for n in raw if n != "*")
    try:
        module = importlib.util.resolve_name("." * level + str(ins.argval), package or None)
    except (ImportError, ValueError):
        return None
    return _Import(module, fromlist)


def _walk_code(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _walk_code(const)


def _code_digest(code: CodeType) -> str:
    """Digest of bytecode without line numbers or file names (exact for this Python)."""
    hasher = xxhash.xxh3_128()

    def feed(c: CodeType) -> None:
        hasher.update(c.co_code)
        hasher.update(repr((c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars,
                            c.co_argcount, c.co_posonlyargcount, c.co_kwonlyargcount,
                            c.co_flags)).encode())  # fmt: skip
        for const in c.co_consts:
            if isinstance(const, CodeType):
                hasher.update(b"<code>")
                feed(const)
            else:
                hasher.update(digest_value(const).encode())

    feed(code)
    return hasher.hexdigest()


# -- reading and verifying source --------------------------------------------

_compiled_memo: dict[tuple[str, str], tuple[ast.Module, dict[str, list[CodeType]]] | None] = {}
_compiled_lock = threading.Lock()


def _compile_text(filename: str, text: str) -> tuple[ast.Module, dict[str, list[CodeType]]] | None:
    """Parse and compile a whole file's text; index its code objects by qualname."""
    memo_key = (filename, _text_digest(text))
    if memo_key in _compiled_memo:
        return _compiled_memo[memo_key]
    result: tuple[ast.Module, dict[str, list[CodeType]]] | None
    try:
        tree = ast.parse(text, filename)
        module_code = compile(tree, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        result = None
    else:
        index: dict[str, list[CodeType]] = {}
        _index_codes(module_code, "", index, is_function=False)
        result = (tree, index)
    with _compiled_lock:
        if len(_compiled_memo) > 512:  # bound memory in long notebook sessions
            _compiled_memo.clear()
        _compiled_memo[memo_key] = result
    return result


def _index_codes(code: CodeType, prefix: str, index: dict[str, list[CodeType]],
                 *, is_function: bool) -> None:  # fmt: skip
    for const in code.co_consts:
        if not isinstance(const, CodeType):
            continue
        qualname = getattr(const, "co_qualname", None)
        if qualname is None:  # Python 3.10: rebuild it from the nesting
            joiner = ".<locals>." if is_function else "."
            qualname = f"{prefix}{joiner}{const.co_name}" if prefix else const.co_name
        index.setdefault(qualname, []).append(const)
        const_is_function = bool(const.co_flags & inspect.CO_NEWLOCALS)
        _index_codes(const, qualname, index, is_function=const_is_function)


def _same_code(a: CodeType, b: CodeType) -> bool:
    """Whether two code objects are the same program, ignoring positions."""
    if (
        a.co_code != b.co_code
        or a.co_names != b.co_names
        or a.co_varnames != b.co_varnames
        or a.co_freevars != b.co_freevars
        or a.co_cellvars != b.co_cellvars
        # Compiler-feature bits (``__future__``) differ between IPython and
        # compile(); they do not change what the bytecode does.
        or (a.co_flags & 0xFFFF) != (b.co_flags & 0xFFFF)
        or a.co_argcount != b.co_argcount
        or a.co_kwonlyargcount != b.co_kwonlyargcount
        or len(a.co_consts) != len(b.co_consts)
    ):
        return False
    for x, y in zip(a.co_consts, b.co_consts):
        if isinstance(x, CodeType) or isinstance(y, CodeType):
            if not (isinstance(x, CodeType) and isinstance(y, CodeType) and _same_code(x, y)):
                return False
        elif type(x) is not type(y) or repr(x) != repr(y):
            return False
    return True


def _verified_definition(
    func: FunctionType,
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None, str]:
    """
    Return the AST node defining *func*, or ``(None, reason)``.

    The file text comes from :mod:`linecache` (which also serves ``__main__``
    scripts and IPython cells). It is compiled and its code object for the same
    qualname is compared with the live one: if the file changed after the
    function was loaded, the text describes other code and must not be used.
    """
    code = func.__code__
    if code.co_name == "<lambda>":
        return None, ""  # several lambdas may share a line: bytecode is exact
    filename = code.co_filename
    lines = linecache.getlines(filename, func.__globals__)
    if not lines:
        return None, ""
    compiled = _compile_text(filename, "".join(lines))
    if compiled is None:
        return None, f"the source file {filename} does not parse"
    tree, index = compiled
    qualname = getattr(code, "co_qualname", func.__qualname__)
    candidates = index.get(qualname, [])
    match = next((c for c in candidates if _same_code(c, code)), None)
    if match is None:
        return None, (
            f"the source of {qualname} in {filename} differs from the loaded code "
            "(was the file edited after import?)"
        )
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == code.co_name
            and _first_line(node) == match.co_firstlineno
        ):
            return node, ""
    return None, ""


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    if node.decorator_list:
        return min(node.lineno, *(d.lineno for d in node.decorator_list))
    return node.lineno


class _Normalizer(ast.NodeTransformer):
    """Drop what does not change behaviour: docstrings, annotations (and more for roots)."""

    def __init__(self, *, as_root: bool) -> None:
        self._as_root = as_root
        self._depth = 0

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        outermost = self._depth == 0
        self._depth += 1
        body = node.body
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body = body[1:] or [ast.Pass()]
        node.body = body
        node.returns = None
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                    node.args.vararg, node.args.kwarg):  # fmt: skip
            if arg is not None:
                arg.annotation = None
                arg.type_comment = None
        node.type_comment = None
        if outermost and self._as_root:
            # The decorated function: decorators are the caller's business and
            # defaults enter through the bound arguments (an unused default
            # must not cause a rerun).
            node.decorator_list = []
            node.args.defaults = []
            node.args.kw_defaults = [None] * len(node.args.kwonlyargs)
        self.generic_visit(node)
        self._depth -= 1
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        # Inside function bodies annotations are not evaluated; keep the assignment.
        self.generic_visit(node)
        if node.value is None:
            return None
        if isinstance(node.target, ast.Name):
            return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def _normalized_source(node: ast.AST, *, as_root: bool) -> str:
    import copy

    clone = copy.deepcopy(node)
    normalized = _Normalizer(as_root=as_root).visit(clone)
    return ast.unparse(ast.fix_missing_locations(normalized))


def _decorator_refs(node: ast.AST) -> tuple[_Ref, ...]:
    """Global names (with attribute chains) used by a definition's decorators."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return ()
    refs: dict[_Ref, None] = {}
    for decorator in node.decorator_list:
        for sub in ast.walk(decorator):
            chain: list[str] = []
            target: ast.AST = sub
            while isinstance(target, ast.Attribute):
                chain.append(target.attr)
                target = target.value
            if isinstance(target, ast.Name) and (chain or isinstance(sub, ast.Name)):
                refs[_Ref(target.id, tuple(reversed(chain)))] = None
    return tuple(refs)


# ---------------------------------------------------------------------------
# The per-call walk
# ---------------------------------------------------------------------------

_MISSING: Final = object()
_warned: set[tuple[str, str]] = set()


def _warn_once(component: str, message: str) -> None:
    marker = (component, message)
    if marker in _warned:
        return
    _warned.add(marker)
    warnings.warn(message, IncompleteFingerprintWarning, stacklevel=5)


class _Walker:
    """Resolves references to current objects and collects components."""

    def __init__(self, *, include_docstrings: bool) -> None:
        self.components: dict[str, Component] = {}
        self._include_docstrings = include_docstrings
        self._seen: set[int] = set()
        self._queue: list[Callable[[], None]] = []
        self._add(Component("python", "python", _text_digest(_python_version()),
                            _python_version()))  # fmt: skip

    def _add(self, component: Component) -> None:
        self.components[component.name] = component

    def _once(self, obj: object) -> bool:
        """True the first time *obj* is seen in this walk (cycle safety)."""
        marker = id(obj)
        if marker in self._seen:
            return False
        self._seen.add(marker)
        return True

    def run(self) -> None:
        while self._queue:
            self._queue.pop()()

    # -- roots and functions -------------------------------------------------
    def add_root(self, func: Callable[..., Any], root: FunctionType) -> None:
        self._once(root)
        info = _function_info(root, as_root=True)
        self._add(Component("source", "source", info.source_digest,
                            "" if info.source else "<bytecode>", info.source))  # fmt: skip
        if self._include_docstrings:
            self._add(Component("docstring", "docstring", _text_digest(repr(info.docstring)),
                                short_repr(info.docstring)))  # fmt: skip
        self._add(Component("signature", "signature", _text_digest(info.signature),
                            info.signature))  # fmt: skip
        if info.fallback_reason:
            _warn_once(info.name, f"{info.name}: {info.fallback_reason}; "
                       "identified by its bytecode instead")  # fmt: skip
        self._function_body(root, info)
        if func is not root:
            # Decorators applied under @checkpoint: their wrapper code counts too.
            self._follow_code_object(func, via="decorator")

    def _function(self, func: FunctionType) -> None:
        info = _function_info(func, as_root=False)
        if f"callee:{info.name}" in self.components:
            # Python 3.10 has no co_qualname: two codes may share a qualname.
            info = _with_name(info, f"{info.name}@{info.source_digest[:8]}")
        self._add(Component(f"callee:{info.name}", "callee", info.source_digest,
                            "" if info.source else "<bytecode>", info.source))  # fmt: skip
        if info.fallback_reason:
            _warn_once(info.name, f"{info.name}: {info.fallback_reason}; "
                       "identified by its bytecode instead")  # fmt: skip
        if self._include_docstrings and info.docstring is not None:
            self._add(Component(f"docstring:{info.name}", "docstring",
                                _text_digest(info.docstring), short_repr(info.docstring)))  # fmt: skip
        if func.__defaults__ or func.__kwdefaults__:
            defaults = (func.__defaults__ or (), func.__kwdefaults__ or {})
            self._value_component(f"defaults:{info.name}", "defaults", defaults, info.name)
            self._scan_value(defaults, 0)
        for ref in info.decorator_refs:
            self._resolve_ref(func.__globals__, func.__module__, ref, info.name)
        self._function_body(func, info)

    def _function_body(self, func: FunctionType, info: _FunctionInfo) -> None:
        namespace = func.__globals__
        module_name = func.__module__
        for ref in info.refs:
            self._resolve_ref(namespace, module_name, ref, info.name)
        for imp in info.imports:
            self._resolve_import(imp, info)
        if func.__closure__:
            for var, cell in zip(func.__code__.co_freevars, func.__closure__):
                try:
                    value = cell.cell_contents
                except ValueError:  # cell not yet assigned
                    value = _MISSING
                if var == "__class__" and isinstance(value, type):
                    self.follow(value, via=info.name)
                    continue
                name = f"closure:{info.name}:{var}"
                if not self._follow_code_object(value, via=info.name):
                    self._value_component(name, "closure", value, info.name)
                    self._scan_value(value, 0)
        self._follow_owner_class(func)

    def _follow_owner_class(self, func: FunctionType) -> None:
        """A method reaches its class (``self.other()`` calls, ``super()`` chains)."""
        path = func.__qualname__.split(".")[:-1]
        if not path or "<locals>" in path:
            return
        obj: object = sys.modules.get(func.__module__)
        for part in path:
            obj = getattr(obj, part, None)
        if isinstance(obj, type):
            self.follow(obj, via=function_name(func))

    # -- references ----------------------------------------------------------
    def _resolve_ref(self, namespace: Mapping[str, Any], module_name: str, ref: _Ref,
                     reader: str) -> None:  # fmt: skip
        value = namespace.get(ref.name, _MISSING)
        if value is _MISSING:
            builtins_ns = namespace.get("__builtins__", builtins)
            if isinstance(builtins_ns, ModuleType):
                builtins_ns = builtins_ns.__dict__
            if ref.name in builtins_ns:
                return  # a builtin: covered by the python component
            self._add(Component(f"global:{module_name}:{ref.name}", "global",
                                _text_digest("<unbound>"), "<unbound>"))  # fmt: skip
            return
        home, name = module_name, ref.name
        for attr in ref.chain:
            if not isinstance(value, ModuleType):
                break
            origin = _module_origin(value.__name__)
            if origin.kind != "project":
                break
            home, name = value.__name__, attr
            value = getattr(value, attr, _MISSING)
            if value is _MISSING:
                self._add(Component(f"global:{home}:{name}", "global",
                                    _text_digest("<unbound>"), "<unbound>"))  # fmt: skip
                return
        else:
            if isinstance(value, ModuleType) and _module_origin(value.__name__).kind == "project":
                # The module itself escapes (passed around, getattr with a computed
                # name): widen to everything it defines rather than miss a dependency.
                self._follow_whole_module(value)
                return
        self._global(value, f"global:{home}:{name}", reader)

    def _global(self, value: object, component: str, reader: str) -> None:
        if self._follow_code_object(value, via=reader):
            return
        if isinstance(value, ModuleType):
            self._package(value)
            return
        self._value_component(component, "global", value, reader)
        self._scan_value(value, 0)

    def _resolve_import(self, imp: _Import, info: _FunctionInfo) -> None:
        module = sys.modules.get(imp.module)
        if module is None:
            try:
                module = importlib.import_module(imp.module)
            except Exception as err:  # noqa: BLE001 - the call itself will raise it
                self._add(Component(f"global:{imp.module}:*", "global",
                                    _text_digest(f"<import failed: {type(err).__name__}>"),
                                    "<import failed>"))  # fmt: skip
                return
        if _module_origin(module.__name__).kind != "project":
            self._package(module)
            return
        names = imp.names or tuple(sorted(info.attribute_names))
        for attr in names:
            value = getattr(module, attr, _MISSING)
            if value is _MISSING:
                if imp.names:  # ``from m import x`` of a submodule
                    sub = sys.modules.get(f"{module.__name__}.{attr}")
                    if sub is not None:
                        self._follow_whole_module(sub)
                continue
            if isinstance(value, ModuleType):
                if _module_origin(value.__name__).kind == "project":
                    self._follow_whole_module(value)
                else:
                    self._package(value)
                continue
            self._global(value, f"global:{module.__name__}:{attr}", info.name)

    def _follow_whole_module(self, module: ModuleType) -> None:
        if not self._once(module):
            return
        for attr, value in sorted(vars(module).items()):
            if attr.startswith("__") or isinstance(value, ModuleType):
                continue
            owner = getattr(value, "__module__", None)
            if isinstance(value, (FunctionType, type)) and owner != module.__name__:
                continue  # imported from elsewhere: followed where it is used
            self._global(value, f"global:{module.__name__}:{attr}", module.__name__)

    # -- objects -------------------------------------------------------------
    def follow(self, obj: object, *, via: str) -> None:
        """Follow a function, class, partial or wrapper; values are ignored."""
        self._follow_code_object(obj, via=via)

    def _follow_code_object(self, obj: object, *, via: str) -> bool:  # noqa: C901, PLR0911
        """Follow *obj* if it carries code; return whether it did."""
        if isinstance(obj, FunctionType):
            origin = _object_origin(obj)
            if origin.kind == "project":
                if self._once(obj):
                    self._queue.append(lambda: self._function(obj))
            else:
                self._external(origin)
            wrapped = getattr(obj, "__wrapped__", None)
            if wrapped is not None:
                self._follow_code_object(wrapped, via=via)
            return True
        if isinstance(obj, type):
            origin = _object_origin(obj)
            if origin.kind == "project":
                if self._once(obj):
                    self._queue.append(lambda: self._class(obj))
            else:
                self._external(origin)
            return True
        if isinstance(obj, MethodType):
            self._follow_code_object(obj.__func__, via=via)
            if not isinstance(obj.__self__, type):
                self._follow_code_object(type(obj.__self__), via=via)
            return False  # the bound instance's state is a value: digest it too
        if isinstance(obj, (staticmethod, classmethod)):
            return self._follow_code_object(obj.__func__, via=via)
        if isinstance(obj, functools.partial):
            self._follow_code_object(obj.func, via=via)
            return False  # partial's arguments are values: digest them too
        if isinstance(obj, BuiltinFunctionType):
            self._external(_object_origin(obj))
            return True
        wrapped = getattr(obj, "__wrapped__", None)
        if wrapped is not None and callable(obj):
            # lru_cache wrappers, our own Checkpointed objects, wraps()-style objects.
            self._external(_object_origin(type(obj)))
            self._follow_code_object(wrapped, via=via)
            return True
        return False

    def _external(self, origin: _Origin) -> None:
        if origin.kind == "package":
            name = f"package:{origin.distribution}"
            if name not in self.components:
                self._add(Component(name, "package", _text_digest(origin.version),
                                    origin.version))  # fmt: skip

    def _package(self, module: ModuleType) -> None:
        self._external(_module_origin(module.__name__))

    def _class(self, cls: type) -> None:
        name = function_name(cls)
        bases = [function_name(base) for base in cls.__bases__]
        members = sorted(k for k in vars(cls) if k not in _SKIPPED_CLASS_ATTRS)
        text = f"bases={bases} members={members} metaclass={function_name(type(cls))}"
        self._add(Component(f"class:{name}", "class", _text_digest(text), ""))
        if self._include_docstrings and cls.__doc__ is not None and not _is_generated_doc(cls):
            self._add(Component(f"docstring:{name}", "docstring", _text_digest(cls.__doc__),
                                short_repr(cls.__doc__)))  # fmt: skip
        for base in cls.__bases__:
            self._follow_code_object(base, via=name)
        self._follow_code_object(type(cls), via=name)
        for attr in members:
            if _is_sunder(attr) or attr.startswith("_abc_"):
                continue
            value = vars(cls)[attr]
            if attr == "__dataclass_fields__":
                self._dataclass_fields(cls, value, name)
                continue
            if isinstance(value, property):
                for accessor in (value.fget, value.fset, value.fdel):
                    if accessor is not None:
                        self._follow_code_object(accessor, via=name)
                continue
            inner = getattr(value, "func", None)  # functools.cached_property
            if isinstance(inner, FunctionType) and not isinstance(value, functools.partial):
                self._follow_code_object(inner, via=name)
                continue
            if self._follow_code_object(value, via=name):
                continue
            self._value_component(f"attribute:{cls.__module__}:{cls.__qualname__}.{attr}",
                                  "attribute", value, name)  # fmt: skip
            self._scan_value(value, 0)

    def _dataclass_fields(self, cls: type, fields: Mapping[str, Any], owner: str) -> None:
        import dataclasses

        described = []
        for field_name, field in sorted(fields.items()):
            factory = field.default_factory
            if factory is not dataclasses.MISSING:
                self._follow_code_object(factory, via=owner)
            described.append((field_name, str(field._field_type), field.init, field.kw_only,
                              None if field.default is dataclasses.MISSING else field.default,
                              function_name(factory) if callable(factory) else None))  # fmt: skip
        self._value_component(f"attribute:{cls.__module__}:{cls.__qualname__}.__dataclass_fields__",
                              "attribute", described, owner)  # fmt: skip

    def _value_component(self, name: str, kind: str, value: object, reader: str) -> None:
        if value is _MISSING:
            self._add(Component(name, kind, _text_digest("<unbound>"), "<unbound>"))
            return
        try:
            digest = digest_value(value, parameter=name)
        except ArgumentDigestError as err:
            # Identify by type only, and say so: the value's changes are invisible.
            _warn_once(name, f"{name} (read by {reader}) cannot be digested ({err}); it is "
                       "identified by its type only, so changes to its value do not "
                       "cause a rerun")  # fmt: skip
            digest = _text_digest(f"<type {function_name(type(value))}>")
        self._add(Component(name, kind, digest, short_repr(value)))
        if type(value).__module__ not in ("builtins",):
            self._follow_code_object(type(value), via=reader)

    def _scan_value(self, value: object, depth: int) -> None:
        """Follow functions and classes stored inside a value (dispatch tables)."""
        if depth > _SCAN_DEPTH:
            return
        items: Any
        if isinstance(value, dict):
            items = list(value.keys())[:_SCAN_ITEMS] + list(value.values())[:_SCAN_ITEMS]
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)[:_SCAN_ITEMS]
        elif isinstance(value, functools.partial):
            items = [value.func, *value.args, *value.keywords.values()]
        elif isinstance(value, (str, bytes, int, float, bool, type(None))):
            return
        elif hasattr(value, "__dict__") and not isinstance(value, (type, ModuleType)):
            try:
                items = list(vars(value).values())[:_SCAN_ITEMS]
            except TypeError:
                return
        else:
            return
        for item in items:
            if isinstance(item, (str, bytes, int, float, bool, type(None))):
                continue
            if not self._follow_code_object(item, via="value"):
                self._scan_value(item, depth + 1)


def _with_name(info: _FunctionInfo, name: str) -> _FunctionInfo:
    import dataclasses

    return dataclasses.replace(info, name=name)


def _is_sunder(name: str) -> bool:
    return len(name) > 2 and name[0] == name[-1] == "_" and name[1] != "_" and name[-2] != "_"


def _is_generated_doc(cls: type) -> bool:
    # dataclasses and Enum synthesize a docstring when none is written.
    import dataclasses

    if dataclasses.is_dataclass(cls) and (cls.__doc__ or "").startswith(cls.__name__ + "("):
        return True
    return isinstance(cls, enum.EnumMeta) and cls.__doc__ in (None, "An enumeration.")


@functools.lru_cache(maxsize=1)
def _python_version() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"
