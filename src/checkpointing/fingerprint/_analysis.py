"""Static analysis of one function (memoized): references, imports, reads."""

from __future__ import annotations

import ast
import collections
import dataclasses
import dis
import importlib
import importlib.util
import inspect
import os
import re
import sys
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import CodeType, FunctionType
from typing import Final

from checkpointing._reads import NO_READS, AmbientReads, ambient_reads

from ._common import _MISSING, _function_module, _text_digest
from ._source import (
    _NAME_SENSITIVE,
    _code_digest,
    _decorator_refs,
    _identity_text,
    _name_exposure,
    _normalized_source,
    _Ref,
    _verified_definition,
    _walk_code,
)

# ---------------------------------------------------------------------------
# Static analysis of one function (memoized per function object)
# ---------------------------------------------------------------------------

_ATTR_OPS: Final = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_GLOBAL_OPS: Final = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})


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
    dynamic: tuple[str, ...]  # eval/exec/globals/vars/locals/getattr/import uses
    decorator_refs: tuple[_Ref, ...]
    fallback_reason: str  # why source was not used ("" when it was)
    unseeded_rvs: bool  # reads .rvs other than as a call passing random_state=
    reads: AmbientReads = NO_READS  # environment variables and files it reads
    # Names it only mutates (LOG.append), with how (see _written_only_names).
    written_only: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    # Global names of its own scope, in the order their placeholders (@0, @1...)
    # replace them in the identity text: what each one is bound to is the
    # function's bindings component.
    global_order: tuple[str, ...] = ()
    # The digest of the normalized text with every name as written: used
    # instead of source_digest when reached code can observe names.
    literal_digest: str = ""
    # Names the code may observe as text: attributes and globals it stores by
    # name (pipeline.FACTOR = 10, global X), and identifiers inside its string
    # constants (setattr(m, "FACTOR", ...), exec("FACTOR = 1"), pydoc.locate).
    exposed_names: frozenset[str] = frozenset()
    # Reads names through introspection (__globals__, f_globals, co_names,
    # module __dict__, inspect.getsource...): renaming is observable.
    introspects: bool = False


_info_memo: weakref.WeakKeyDictionary[
    FunctionType, tuple[CodeType, _FunctionInfo, _FunctionInfo]
]
_info_memo = weakref.WeakKeyDictionary()
_info_lock = threading.Lock()


def _function_info(func: FunctionType, *, as_root: bool) -> _FunctionInfo:
    """
    Return the static analysis of *func* (as the decorated root or as a callee).

    Memoized on the function *and its code object*: ``%autoreload`` and
    hand-made swaps assign a new ``__code__`` to the same function, and the
    analysis of the old code must not describe it afterwards.
    """
    code = func.__code__
    memo = _info_memo.get(func)
    if memo is None or memo[0] is not code:
        root, callee = _analyze(func)
        memo = (code, root, callee)
        with _info_lock:
            _info_memo[func] = memo
    return memo[1] if as_root else memo[2]


def _code_name(func: FunctionType) -> str:
    """``module:qualname`` where the code was defined.

    ``functools.wraps`` copies the wrapped function's names onto the wrapper, so
    for wrappers the code object's own qualname (Python 3.11+) is used instead.
    """
    module = _function_module(func)
    qualname = func.__qualname__
    if hasattr(func, "__wrapped__"):
        qualname = getattr(func.__code__, "co_qualname", None) or qualname
    return f"{module}:{qualname}"


def _analyze(func: FunctionType) -> tuple[_FunctionInfo, _FunctionInfo]:
    code = func.__code__
    name = _code_name(func)
    refs, imports, attribute_names, dynamic = _scan_code(code, func)
    node, fallback = _verified_definition(func)
    signature = _signature_text(code)
    if node is None:
        docstring = (
            code.co_consts[0]
            if code.co_consts and isinstance(code.co_consts[0], str)
            else None
        )
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
            dynamic=dynamic,
            decorator_refs=(),
            fallback_reason=fallback,
            unseeded_rvs=_unseeded_rvs(None, code, refs, attribute_names),
            reads=_bytecode_reads(code),
        )
        return info, info
    docstring = (
        ast.get_docstring(node, clean=False)
        if not isinstance(node, ast.Lambda)
        else None
    )
    decorator_refs = _decorator_refs(node)
    root_text = _normalized_source(node, as_root=True)
    callee_text = _normalized_source(node, as_root=False)
    bound = frozenset(
        ref.name
        for ref in refs
        if ref.name in func.__globals__ and ref.name not in _NAME_SENSITIVE
    )
    root_identity, root_order = _identity_text(root_text, bound)
    callee_identity, callee_order = _identity_text(callee_text, bound)
    exposed, introspects = _name_exposure(code, refs, attribute_names)
    common = {
        "name": name,
        "docstring": docstring,
        "signature": signature,
        "refs": refs,
        "imports": imports,
        "attribute_names": attribute_names,
        "dynamic": dynamic,
        "fallback_reason": "",
        "unseeded_rvs": _unseeded_rvs(node, code, refs, attribute_names),
        "reads": ambient_reads(
            node,
            frozenset(
                ref.name
                for ref in refs
                if func.__globals__.get(ref.name, _MISSING) is os.environ
            ),
        ),
        "written_only": _written_only_names(node),
        "exposed_names": exposed,
        "introspects": introspects,
    }
    root = _FunctionInfo(
        source=root_text,
        source_digest=_text_digest(root_identity),
        literal_digest=_text_digest(root_text),
        decorator_refs=(),
        global_order=root_order,
        **common,  # type: ignore[arg-type]
    )
    callee = _FunctionInfo(
        source=callee_text,
        source_digest=_text_digest(callee_identity),
        literal_digest=_text_digest(callee_text),
        decorator_refs=decorator_refs,
        global_order=callee_order,
        **common,  # type: ignore[arg-type]
    )
    return root, callee


def _bytecode_reads(code: CodeType) -> AmbientReads:
    """
    What code without source reads from outside (lambdas, exec'd code).

    Without syntax the name is not tied to the read, so the guess is wide:
    when the code reads ``environ`` or ``getenv``, every string constant it
    holds counts as a variable it may read; when it calls a file reader, every
    string constant shaped like a file name (``"params.json"``) counts as a
    file it may read. A name that is not a variable digests as unset and a
    path that is not a file as missing, so extra names never cause a rerun.
    """
    names: set[str] = set()
    strings: dict[str, None] = {}
    for sub in _walk_code(code):
        names.update(sub.co_names)
        for const in sub.co_consts:
            if isinstance(const, str):
                strings[const] = None
    environment = tuple(strings) if names & {"environ", "getenv"} else ()
    files: tuple[str, ...] = ()
    if names & _BYTECODE_READERS or any(n.startswith("read_") for n in names):
        files = tuple(text for text in strings if _FILE_NAME.fullmatch(text))
    if not environment and not files:
        return NO_READS
    return AmbientReads(environment, files)


_BYTECODE_READERS: Final = frozenset(
    {"open", "read_text", "read_bytes", "load", "loadtxt", "genfromtxt", "fromfile"}
)
_FILE_NAME: Final = re.compile(r"[\w./\\-]*\w\.[A-Za-z0-9]{1,8}")


#: Methods that mutate a builtin container and whose result is not a read of
#: it when the call is a statement (``LOG.append(x)``). ``pop``/``remove`` are
#: left out: they raise or return depending on the content.
_MUTATORS: Final = frozenset(
    {"append", "extend", "add", "update", "insert", "clear", "discard"}
    | {"appendleft", "extendleft"}
)


def _written_only_names(node: ast.AST) -> Mapping[str, frozenset[str]]:
    """
    Names that *node*'s code only writes through, with how it writes them.

    A use is a write only when its effect cannot depend on what the value
    holds: ``X += v`` (``"+="``), ``X[k] = v`` (``"[]="``), ``X[k] += v``
    (``"[]+="``, a read of ``X[k]`` unless ``X`` defaults missing keys) or a
    statement ``X.append(v)`` (the method's name, one of :data:`_MUTATORS`).
    ``del X[k]``, ``X.a = v`` and any other load of the name (``return X``,
    ``f(X)``, ``X.get(k)``, ``X = X + 1``) are reads: they raise or compute
    depending on the content. Whether the ways a name is written suit its
    value's type is decided by :func:`_writable`, when the value is known.
    """
    write_uses: set[int] = set()
    written: dict[str, set[str]] = {}

    def base(target: ast.AST, how: str) -> None:
        if isinstance(target, ast.Name):
            written.setdefault(target.id, set()).add(how)
            write_uses.add(id(target))

    for sub in ast.walk(node):
        if isinstance(sub, ast.AugAssign):
            if isinstance(sub.target, ast.Name):
                base(sub.target, "+=")
            elif isinstance(sub.target, ast.Subscript):
                base(sub.target.value, "[]+=")
        elif isinstance(sub, (ast.Assign, ast.AnnAssign)) and sub.value is not None:
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            for target in targets:
                if isinstance(target, ast.Subscript):
                    base(target.value, "[]=")
        elif (
            isinstance(sub, ast.Expr)
            and isinstance(sub.value, ast.Call)
            and isinstance(sub.value.func, ast.Attribute)
            and sub.value.func.attr in _MUTATORS
        ):
            base(sub.value.func.value, sub.value.func.attr)
    if not written:
        return {}
    read = {
        sub.id
        for sub in ast.walk(node)
        if isinstance(sub, ast.Name)
        and isinstance(sub.ctx, ast.Load)
        and id(sub) not in write_uses
    }
    return {name: frozenset(hows) for name, hows in written.items() if name not in read}


#: How each type may be written without the write reading its content.
_WRITES_BY_TYPE: Final[Mapping[type, frozenset[str]]] = {
    int: frozenset({"+="}),
    float: frozenset({"+="}),
    complex: frozenset({"+="}),
    list: frozenset({"+=", "append", "extend", "insert", "clear"}),
    set: frozenset({"+=", "add", "update", "discard", "clear"}),
    dict: frozenset({"[]=", "update", "clear"}),
    collections.OrderedDict: frozenset({"[]=", "update", "clear"}),
    collections.Counter: frozenset({"[]=", "[]+=", "update", "clear", "+="}),
    collections.deque: frozenset(
        {"+=", "append", "appendleft", "extend", "extendleft", "clear"}
    ),
}


def _unseeded_rvs(
    node: ast.AST | None,
    code: CodeType,
    refs: tuple[_Ref, ...],
    attribute_names: frozenset[str],
) -> bool:
    """
    Whether the code may draw from numpy's global generator through ``.rvs``.

    A scipy distribution's ``rvs()`` without ``random_state=`` draws from the
    distribution's generator, numpy's global ``RandomState`` unless set. Every
    ``.rvs`` the code reads counts, except as the callee of a call passing
    ``random_state=`` (or ``**kwargs``, which may). Without source, a
    ``random_state`` keyword anywhere in the code counts as passing it.
    """
    if "rvs" not in attribute_names and not any("rvs" in ref.chain for ref in refs):
        return False
    if node is None:
        return not any(
            isinstance(const, tuple) and "random_state" in const
            for sub in _walk_code(code)
            for const in sub.co_consts
        )
    seeded: set[int] = set()
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "rvs"
            and any(kw.arg in (None, "random_state") for kw in call.keywords)
        ):
            seeded.add(id(call.func))
    return any(
        isinstance(sub, ast.Attribute) and sub.attr == "rvs" and id(sub) not in seeded
        for sub in ast.walk(node)
    )


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
) -> tuple[tuple[_Ref, ...], tuple[_Import, ...], frozenset[str], tuple[str, ...]]:
    """List global reads (with attribute chains), imports, attribute names, dynamic uses."""
    refs: dict[_Ref, None] = {}
    imports: dict[_Import, None] = {}
    attribute_names: set[str] = set()
    dynamic: dict[str, None] = {}
    package = func.__globals__.get("__package__")
    if not isinstance(package, str):
        package = _function_module(func).rpartition(".")[0]
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
                if ins.argval == "getattr" and not chain:
                    # getattr(obj, "name") reads the attribute "name" (every
                    # string of the call: the receiver may be a call itself).
                    for later in instructions[j : j + 12]:
                        if later.opname == "LOAD_CONST" and isinstance(
                            later.argval, str
                        ):
                            attribute_names.add(later.argval)
                constant = _constant_import(ins.argval, tuple(chain), instructions, j)
                if constant is not None:
                    # importlib.import_module("pkg.helpers"), __import__("helpers"),
                    # sys.modules["helpers"]: as static as an import statement.
                    found = _import_from_name(constant, package)
                    if found is not None:
                        imports[found] = None
                        i = j
                        continue
                use = _dynamic_use(ins.argval, tuple(chain), instructions, j)
                if use:
                    dynamic[use] = None
                i = j
                continue
            if ins.opname in _ATTR_OPS:
                attribute_names.add(str(ins.argval))
            elif ins.opname == "IMPORT_NAME":
                found = _import_from(instructions, i, package)
                if found is not None:
                    imports[found] = None
            i += 1
    if "import" in dynamic:
        # Module names built at run time usually start with a constant
        # ("plugins." + name): keep such constants as hints of the package.
        for sub in _walk_code(code):
            for const in sub.co_consts:
                if isinstance(const, str) and _MODULE_HINT.fullmatch(const):
                    dynamic[f"import-hint:{const.rstrip('.')}"] = None
    return tuple(refs), tuple(imports), frozenset(attribute_names), tuple(dynamic)


_MODULE_HINT: Final = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*\.?")


# Builtins through which code reaches names that static analysis cannot list.
_NAMESPACE_BUILTINS: Final = frozenset({"eval", "exec", "globals", "vars", "locals"})
_IMPORT_CALLS: Final = frozenset(
    {("__import__", ()), ("importlib", ("import_module",))}
)


def _dynamic_use(
    name: str, chain: tuple[str, ...], instructions: list[dis.Instruction], after: int
) -> str:
    """Name a dynamic access starting at a global read, or return ``""``."""
    if (name, chain) in _IMPORT_CALLS:
        return "import"
    if chain:
        return ""
    if name in _NAMESPACE_BUILTINS:
        return name
    if name == "getattr":
        # getattr(obj, "constant") is as static as obj.constant: look for the
        # string constant among the next few instructions (the receiver's loads).
        for ins in instructions[after : after + 4]:
            if ins.opname == "LOAD_CONST" and isinstance(ins.argval, str):
                return ""
            if ins.opname.startswith(("CALL", "PRECALL")):
                break
        return "getattr"
    return ""


#: Reads of a module by a name given as the next constant.
_CONSTANT_IMPORTS: Final = frozenset(
    {
        ("__import__", ()),
        ("importlib", ("import_module",)),
        ("sys", ("modules",)),
        ("sys", ("modules", "get")),
        ("pydoc", ("locate",)),
        ("locate", ()),
    }
)


def _constant_import(
    name: str, chain: tuple[str, ...], instructions: list[dis.Instruction], after: int
) -> str | None:
    """The module name of ``import_module("x")``-like code, when it is a constant."""
    if (name, chain) not in _CONSTANT_IMPORTS or after >= len(instructions):
        return None
    ins = instructions[after]
    if ins.opname != "LOAD_CONST" or not isinstance(ins.argval, str):
        return None
    following = instructions[after + 1] if after + 1 < len(instructions) else None
    if following is None:
        return None
    if chain == ("modules",):
        return (
            ins.argval if following.opname in ("BINARY_SUBSCR", "BINARY_OP") else None
        )
    # A call with that constant as its only argument (package= would follow).
    if following.opname.startswith(("PRECALL", "CALL")):
        return ins.argval
    return None


def _import_from_name(module: str, package: str) -> _Import | None:
    """An import of *module*; for a dotted object path (``pydoc.locate``), of its module."""
    try:
        name = importlib.util.resolve_name(module, package or None)
    except (ImportError, ValueError):
        return None
    parent, _, attribute = name.rpartition(".")
    if name in sys.modules or not parent:
        return _Import(name, ())
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        found = None
    if found is None and parent:
        return _Import(parent, (attribute,))  # "helpers.scale": scale of helpers
    return _Import(name, ())


def _import_from(
    instructions: list[dis.Instruction], i: int, package: str
) -> _Import | None:
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
        module = importlib.util.resolve_name(
            "." * level + str(ins.argval), package or None
        )
    except (ImportError, ValueError):
        return None
    return _Import(module, fromlist)
