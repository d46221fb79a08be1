"""Scanning values for code; reading values, paths, listings and files."""

from __future__ import annotations

import ast
import collections
import enum
import functools
import gc
import importlib
import importlib.util
import inspect
import os
import types
import weakref
from collections.abc import Mapping
from pathlib import Path
from types import (
    BuiltinFunctionType,
    CodeType,
    FunctionType,
    MethodType,
    MethodWrapperType,
    ModuleType,
)
from typing import Any, Final

import xxhash

from ._analysis import _WRITES_BY_TYPE, _code_name, _FunctionInfo
from ._common import (
    _CONTAINER_TYPES,
    _MISSING,
    _PLAIN_TYPES,
    _UNBOUND_DIGEST,
    _attr,
    _Getter,
    _text_attr,
    _text_digest,
    _warn_once,
    function_name,
)
from ._origin import _file_origin, _object_origin

# Containers scanned for functions and classes inside global values (dispatch
# tables, lists of steps): how deep and how many items, to bound the cost.
_SKIPPED_CLASS_ATTRS: Final = frozenset(
    {
        "__module__",
        "__qualname__",
        "__doc__",
        "__dict__",
        "__weakref__",
        "__annotations__",
        "__slots__",
        "__match_args__",
        "__dataclass_params__",
        "__parameters__",
        "__orig_bases__",
        "__abstractmethods__",
        "__hash__",
        "__firstlineno__",
        "__static_attributes__",
        "__annotate_func__",
        "__annotations_cache__",
        "__type_params__",
        # copyreg caches the slot names of a class on it the first time one of
        # its instances is pickled (storing a result does): derived from
        # __slots__, and it must not make the next call in the process a miss.
        "__slotnames__",
    }
)


#: How many objects a scan for code visits inside one value (an argument, a
#: global) before it stops and warns: no depth limit, so nesting never hides
#: code, but a bound on the work (a list of a million records).
_SCAN_BUDGET: Final = 1_000_000
_DATA_MODULES: Final = frozenset(
    {"numpy", "pandas", "polars", "pyarrow", "torch", "scipy", "xarray", "jax"}
)


def _code_roots(value: object, roots: list[object], name: str) -> None:
    """
    Collect the objects carrying project code inside an argument value.

    Every level of containers, attributes (``__dict__`` and ``__slots__``),
    ``defaultdict`` factories and partials is searched, each object once;
    array-like data types carry no code and are skipped cheaply. A value with
    more than :data:`_SCAN_BUDGET` objects is searched that far, with a warning
    naming the argument.
    """
    stack = [value]
    seen: set[int] = set()
    budget = _SCAN_BUDGET
    while stack:
        value = stack.pop()
        cls = type(value)
        if cls in _PLAIN_TYPES or id(value) in seen:
            continue
        seen.add(id(value))
        budget -= 1
        if budget < 0:
            _warn_once(
                f"argument:{name}",
                f"argument {name} holds more than {_SCAN_BUDGET:,} objects: code "
                "stored beyond them (a function in a record) is not in the key",
            )
            return
        if isinstance(value, (FunctionType, type, MethodType, functools.partial)):
            roots.append(value)
            continue
        if isinstance(value, _CODE_DESCRIPTORS) or (
            callable(value) and _attr(value, "__wrapped__") is not None
        ):
            roots.append(value)
            continue
        if cls not in _CONTAINER_TYPES:
            if _object_origin(cls).kind == "project":
                roots.append(cls)
            # Code held in attributes: a pipeline object holding a model whose
            # method is project code, or a library object (sklearn's
            # FunctionTransformer) holding a project function.
            if (_text_attr(cls, "__module__") or "").partition(".")[0] in _DATA_MODULES:
                continue
            stack.extend(_contained(value))
        elif cls is dict:
            plain = _PLAIN_TYPES
            stack.extend([k for k in value if type(k) not in plain])  # type: ignore[attr-defined]
            stack.extend([v for v in value.values() if type(v) not in plain])  # type: ignore[attr-defined]
        else:  # list, tuple, set, frozenset: skip the scalars without a round trip
            plain = _PLAIN_TYPES
            stack.extend([item for item in value if type(item) not in plain])  # type: ignore[attr-defined]


#: Descriptors that carry code (followed as code, never digested).
_CODE_DESCRIPTORS: Final = (
    staticmethod,
    classmethod,
    functools.partialmethod,
    functools.singledispatchmethod,
)
_slot_memo: dict[type, tuple[str, ...]] = {}


def _held_by_standard_type(value: object) -> list[Any] | None:
    """What a standard-library holder of objects holds, or None for other values."""
    if isinstance(value, property):
        return [value.fget, value.fset, value.fdel]
    if isinstance(value, BaseException):
        return [*value.args, *(_attr(value, "__dict__") or {}).values()]
    if isinstance(value, (types.GenericAlias, types.UnionType)) or (
        type(value).__module__ == "typing" and _attr(value, "__args__") is not None
    ):
        return [_attr(value, "__origin__"), *(_attr(value, "__args__") or ())]
    if isinstance(value, types.CellType):
        held = _cell_contents(value)
        return [] if held is _MISSING else [held]
    if isinstance(value, weakref.ref):  # also WeakMethod
        return [value()]
    if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":
        if str(_attr(value, "dtype")) == "object":
            return list(value.flat)[:_SCAN_BUDGET]  # type: ignore[attr-defined]
        return []
    return None


def _slot_names(cls: type) -> tuple[str, ...]:
    """Every ``__slots__`` name of *cls* and its bases (memoized per class)."""
    names = _slot_memo.get(cls)
    if names is None:
        found: dict[str, None] = {}
        for klass in getattr(cls, "__mro__", ()):
            slots = vars(klass).get("__slots__", ())
            for slot in (slots,) if isinstance(slots, str) else slots:
                if isinstance(slot, str) and slot not in ("__dict__", "__weakref__"):
                    found[slot] = None
        names = _slot_memo[cls] = tuple(found)
    return names


def _contained(value: object) -> list[Any]:
    """
    The objects *value* holds: items, keys, attributes, factories; never raises.

    Containers give their items (and dict keys); a ``defaultdict`` its factory;
    a partial its function and arguments; a bound method its function and
    object; other objects the values of ``__dict__`` and of every slot. A
    callable without attributes of its own (a C object such as the key made by
    ``functools.cmp_to_key``, or a ufunc made by ``numpy.frompyfunc``) gives
    what it references (``gc.get_referents``), which is where its function is.
    """
    try:
        cls = type(value)
        if cls in _PLAIN_TYPES or isinstance(value, (type, ModuleType)):
            return []
        items: list[Any] = []
        held = _held_by_standard_type(value)
        if held is not None:
            return held
        if isinstance(value, Mapping) and not isinstance(value, dict):
            items.extend(value.keys())  # mappingproxy, ChainMap, WeakValueDictionary
            items.extend(value.values())
        elif isinstance(value, dict):
            items.extend(value.keys())
            items.extend(value.values())
            factory = getattr(value, "default_factory", None)
            if factory is not None:
                items.append(factory)
        elif isinstance(value, (list, tuple, set, frozenset, collections.deque)):
            items.extend(value)
        elif isinstance(value, functools.partial):
            return [value.func, *value.args, *value.keywords.values()]
        elif isinstance(value, MethodType):
            return [value.__func__, value.__self__]
        if cls in _CONTAINER_TYPES:
            return items
        state = _attr(value, "__dict__")
        if isinstance(state, dict):
            items.extend(state.values())
        for slot in _slot_names(cls):
            held = _attr(value, slot)
            if held is not None:
                items.append(held)
        if (
            not items
            and not state
            and (callable(value) or _attr(value, "__dict__") is None)
        ):
            # A C object holding what it uses (cmp_to_key's key, a frompyfunc
            # ufunc, a ContextVar's default, a map iterator's function).
            items = [
                r
                for r in gc.get_referents(value)
                if not isinstance(r, (type, ModuleType, CodeType))
            ]
        return items
    except Exception:  # noqa: BLE001 - a foreign container may raise anything
        return []


#: defaultdict factories that run no project code and make a number or container.
_SIMPLE_FACTORIES: Final = frozenset({int, float, list, set, dict, str})


def _writable(value: object, hows: frozenset[str]) -> bool:
    """Whether writing *value* in the ways *hows* never depends on its content."""
    cls = type(value)
    if cls is collections.defaultdict:
        if value.default_factory not in _SIMPLE_FACTORIES:  # type: ignore[attr-defined]
            return False  # a missing key runs the factory: project code, maybe
        allowed = frozenset({"[]=", "[]+=", "update", "clear"})
    else:
        allowed = _WRITES_BY_TYPE.get(cls, frozenset())
    return bool(hows) and hows <= allowed


def _builtin_receiver(value: object) -> object:
    """
    The object a builtin method or method-wrapper is bound to, else ``_MISSING``.

    ``len`` and ``math.floor`` are bound to their module and ``dict.fromkeys``
    to its class: those are named, not composites, so they return ``_MISSING``.
    """
    if not isinstance(value, (BuiltinFunctionType, MethodWrapperType)):
        return _MISSING
    receiver = _attr(value, "__self__")
    if receiver is None or isinstance(receiver, (ModuleType, type)):
        return _MISSING
    return receiver


def _receiver_of(getter: _Getter) -> object:
    return _attr(getter(), "__self__")


def _type_name(cls: type) -> str:
    return f"{_text_attr(cls, '__module__') or '?'}.{_text_attr(cls, '__qualname__') or '?'}"


#: Names whose use means code reads annotations at run time.
_ANNOTATION_READERS: Final = frozenset(
    {
        "__annotations__",
        "get_type_hints",
        "get_annotations",
        "signature",
        "__signature__",
    }
)


def _annotation_text(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, type):
        return function_name(value)
    return repr(value)


def _annotations_text(obj: object) -> str | None:
    """``name: annotation`` lines of *obj*'s own annotations (None when it has none)."""
    try:
        annotations = inspect.get_annotations(obj)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a broken annotation is not a walk failure
        annotations = _attr(obj, "__annotations__")
    if not isinstance(annotations, Mapping) or not annotations:
        return None
    return "\n".join(f"{k}: {_annotation_text(v)}" for k, v in annotations.items())


def _registry_text(registry: Mapping[Any, object]) -> str:
    """The dispatch keys of a registry, in a form that does not depend on hashing."""
    return "\n".join(
        sorted(
            f"{_annotation_text(key)} -> {function_name(value)}"
            for key, value in registry.items()
        )
    )


def _import_submodule(package: ModuleType, name: str) -> ModuleType | None:
    """Import ``package.name`` if it is a project submodule that exists, else None."""
    if _attr(package, "__path__") is None:
        return None
    full = f"{package.__name__}.{name}"
    try:
        spec = importlib.util.find_spec(full)
        if spec is None or spec.origin is None:
            return None
        if _file_origin(spec.origin, full.partition(".")[0]).kind != "project":
            return None
        return importlib.import_module(full)
    except Exception:  # noqa: BLE001 - the body's own import will raise it
        return None


def _library_attr(module: ModuleType, chain: tuple[str, ...]) -> object:
    value: object = module
    for attr in chain:
        value = _attr(value, attr)
    return value


#: Function attributes set by the tools that make wrappers, not by the code.
_WRAPPER_ATTRIBUTES: Final = frozenset(
    {"__wrapped__", "__signature__", "__checkpoint__"}
)


def _function_attributes(func: FunctionType) -> dict[str, object]:
    """A function's own attributes (``f.alpha = 0.5``), without wrapper bookkeeping."""
    state = func.__dict__
    if not state:
        return {}
    return {k: v for k, v in state.items() if k not in _WRAPPER_ATTRIBUTES}


def _code_name_of(obj: FunctionType | type) -> str:
    """The ``module:qualname`` a function's or class's component is named by."""
    return _code_name(obj) if isinstance(obj, FunctionType) else function_name(obj)


#: Attributes functools puts on the wrappers it makes (not set by the code).
_TOOL_ATTRIBUTES: Final = frozenset({"cache_parameters"})


def _wrapper_attributes(obj: object) -> dict[str, object]:
    """The public attributes a wrapper object (Checkpointed, lru_cache) was given."""
    state = _attr(obj, "__dict__")
    if not isinstance(state, dict):
        return {}
    return {
        k: v
        for k, v in state.items()
        if not k.startswith("_") and k not in _TOOL_ATTRIBUTES
    }


def _wrapper_attributes_of(getter: _Getter) -> dict[str, object]:
    return _wrapper_attributes(getter())


def _default_factory(namespace: dict[str, Any], name: str) -> object:
    return getattr(namespace.get(name), "default_factory", None)


def _global_type(namespace: dict[str, Any], name: str) -> type:
    return type(namespace.get(name, _MISSING))


def _evaluate_path(expression: str, func: FunctionType) -> str | None:
    """
    The text of a simple path (or name) expression, or ``None``.

    Understood: string constants; global and closure names holding a ``str``
    or a path, and their attributes (``config.DATA``, ``ROOT.parent``);
    ``__file__``; ``Path(...)``/``str(...)``/``os.path.join(...)``/
    ``os.fspath(...)``/``os.path.expanduser(...)`` of those; ``a / b`` and
    ``a + b``; ``GLOBAL_DICT["key"]``; f-strings of those. Anything else,
    and any name that is one of the function's parameters or locals, gives
    ``None`` (the read stays computed). The names' own bindings are in the
    fingerprint already, so a changed ``ROOT`` walks again.
    """
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return None
    code = func.__code__

    def value_of(node: ast.AST) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            name = node.id
            if name in code.co_varnames or name in code.co_cellvars:
                return None
            if name in code.co_freevars:
                cell = (func.__closure__ or ())[code.co_freevars.index(name)]
                held = _cell_contents(cell)
                return None if held is _MISSING else held
            return func.__globals__.get(name)
        if isinstance(node, ast.Attribute):
            base = value_of(node.value)
            if base is None:
                return None
            if isinstance(base, (str, os.PathLike)) and node.attr == "parent":
                return str(Path(os.fspath(base)).parent)
            if isinstance(base, (ModuleType, type)) or not isinstance(
                base, (str, bytes, os.PathLike)
            ):
                return _attr(base, node.attr)
            return None
        if isinstance(node, ast.Subscript):
            base = value_of(node.value)
            key = value_of(node.slice)
            if isinstance(base, Mapping) and isinstance(key, str):
                return base.get(key)
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
            left, right = text_of(node.left), text_of(node.right)
            if left is None or right is None:
                return None
            if isinstance(node.op, ast.Add):
                return left + right
            return os.path.join(left, right)  # noqa: PTH118 - text, as the code joins it
        if isinstance(node, ast.JoinedStr):
            parts = []
            for part in node.values:
                inner = part.value if isinstance(part, ast.FormattedValue) else part
                text = text_of(inner)
                if text is None:
                    return None
                parts.append(text)
            return "".join(parts)
        if isinstance(node, ast.Call) and not node.keywords:
            callee = ast.unparse(node.func)
            args = [text_of(arg) for arg in node.args]
            if any(arg is None for arg in args):
                return None
            texts = [arg for arg in args if arg is not None]
            if callee in ("Path", "pathlib.Path", "PurePath", "os.path.join") and texts:
                return os.path.join(*texts)  # noqa: PTH118
            if callee in ("str", "os.fspath", "os.path.abspath") and len(texts) == 1:
                return texts[0]
            if callee == "os.path.expanduser" and len(texts) == 1:
                return os.path.expanduser(texts[0])  # noqa: PTH111
        return None

    def text_of(node: ast.AST) -> str | None:
        held = value_of(node)
        if isinstance(held, str):
            return held
        if isinstance(held, os.PathLike):
            text = os.fspath(held)
            return text if isinstance(text, str) else None
        return None

    return text_of(tree.body)


def _listing(pattern: str) -> object:
    """Sorted names in a directory, or sorted matches of a glob pattern; never raises."""
    import glob

    try:
        if os.path.isdir(pattern):  # noqa: PTH112
            return sorted(os.listdir(pattern))  # noqa: PTH208
        return sorted(glob.glob(pattern))  # noqa: PTH207
    except OSError:
        return "<unreadable>"


@functools.lru_cache(maxsize=1)
def _extension_suffixes() -> tuple[str, ...]:
    import importlib.machinery

    return tuple(importlib.machinery.EXTENSION_SUFFIXES)


_file_digests: dict[tuple[str, int, int], str] = {}


def _file_digest(path: str) -> str:
    """xxh3-128 of a file's bytes, memoized by (path, size, mtime)."""
    try:
        stat = os.stat(path)  # noqa: PTH116 - per-call check, no pathlib
    except OSError:
        return _UNBOUND_DIGEST
    memo_key = (path, stat.st_size, stat.st_mtime_ns)
    digest = _file_digests.get(memo_key)
    if digest is None:
        try:
            with open(path, "rb") as file:  # noqa: PTH123 - hot path, no pathlib
                digest = xxhash.xxh3_128_hexdigest(file.read())
        except OSError as err:  # unreadable: a value of its own, re-checked every call
            return _text_digest(f"<unreadable: {type(err).__name__}>")
        _file_digests[memo_key] = digest
    return digest


def _same(value: object) -> object:
    return value


def _path_digest(path: str) -> str:
    """Digest of a file's bytes, or of every file under a directory (with names)."""
    if os.path.isdir(path):  # noqa: PTH112
        hasher = xxhash.xxh3_128()
        for directory, subdirectories, files in os.walk(path):
            subdirectories[:] = sorted(
                d for d in subdirectories if d not in ("__pycache__", ".git")
            )
            for file_name in sorted(files):
                full = os.path.join(directory, file_name)  # noqa: PTH118
                hasher.update(
                    os.path.relpath(full, path).encode("utf-8", "surrogateescape")
                )
                hasher.update(b"\0")
                hasher.update(_file_digest(full).encode("ascii"))
        return hasher.hexdigest()
    if not os.path.exists(path):  # noqa: PTH110
        return _text_digest("<missing>")
    return _file_digest(path)


def _keys(namespace: Mapping[str, object]) -> tuple[str, ...]:
    return tuple(namespace)


def _values(mapping: Mapping[Any, object]) -> tuple[object, ...]:
    return tuple(mapping.values())


def _cell_contents(cell: Any) -> object:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell (variable not yet assigned)
        return _MISSING


def _describe_fields(cls: type) -> object:
    """The dataclass fields of *cls* as plain data: names, flags, defaults, factories."""
    import dataclasses

    described = []
    for field in dataclasses.fields(cls):
        factory = field.default_factory
        described.append(
            (
                field.name,
                field.init,
                field.kw_only,
                None if field.default is dataclasses.MISSING else field.default,
                function_name(factory) if callable(factory) else None,
            )
        )
    return described


def _with_name(info: _FunctionInfo, name: str) -> _FunctionInfo:
    import dataclasses

    return dataclasses.replace(info, name=name)


def _is_sunder(name: str) -> bool:
    return (
        len(name) > 2
        and name[0] == name[-1] == "_"
        and name[1] != "_"
        and name[-2] != "_"
    )


def _is_generated_doc(cls: type) -> bool:
    # dataclasses and Enum synthesize a docstring when none is written.
    import dataclasses

    if dataclasses.is_dataclass(cls) and (cls.__doc__ or "").startswith(
        cls.__name__ + "("
    ):
        return True
    return isinstance(cls, enum.EnumMeta) and cls.__doc__ in (None, "An enumeration.")
