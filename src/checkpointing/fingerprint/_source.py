"""A function's source: verified, normalized, identity text, name exposure."""

from __future__ import annotations

import ast
import dis
import inspect
import linecache
import re
import symtable
import threading
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import CodeType, FunctionType
from typing import Final, cast

import xxhash

from checkpointing.digest import digest_value

from ._common import _text_digest

# ---------------------------------------------------------------------------
# The source of one function, as static analysis reads it
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """A global name read by a function, with the attribute chain read from it."""

    name: str
    chain: tuple[str, ...]


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
        hasher.update(
            repr(
                (
                    c.co_names,
                    c.co_varnames,
                    c.co_freevars,
                    c.co_cellvars,
                    c.co_argcount,
                    c.co_posonlyargcount,
                    c.co_kwonlyargcount,
                    c.co_flags,
                )
            ).encode()
        )
        for const in c.co_consts:
            if isinstance(const, CodeType):
                hasher.update(b"<code>")
                feed(const)
            else:
                hasher.update(digest_value(const).encode())

    feed(code)
    return hasher.hexdigest()


# -- reading and verifying source --------------------------------------------

_compiled_memo: dict[
    tuple[str, str], tuple[ast.Module, dict[str, list[CodeType]]] | None
] = {}
_compiled_lock = threading.Lock()


def _compile_text(
    filename: str, text: str
) -> tuple[ast.Module, dict[str, list[CodeType]]] | None:
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


def _index_codes(
    code: CodeType, prefix: str, index: dict[str, list[CodeType]], *, is_function: bool
) -> None:
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
    for x, y in zip(a.co_consts, b.co_consts, strict=False):
        if isinstance(x, CodeType) or isinstance(y, CodeType):
            if not (
                isinstance(x, CodeType) and isinstance(y, CodeType) and _same_code(x, y)
            ):
                return False
        elif _constant_form(x) != _constant_form(y):
            return False
    return True


def _constant_form(value: object) -> object:
    """
    A comparable form of a code constant that does not depend on the hash seed.

    ``repr`` of a ``frozenset`` (what ``x in {"a", "b", "c"}`` compiles to)
    lists its elements in hash order, which changes with ``PYTHONHASHSEED``:
    compared by repr, the same function failed its source check in about one
    process in four. Elements are compared as a sorted tuple of their forms.
    """
    if isinstance(value, frozenset):
        return ("frozenset", tuple(sorted(map(repr, map(_constant_form, value)))))
    if isinstance(value, tuple):
        return ("tuple", tuple(map(_constant_form, value)))
    return (type(value).__name__, repr(value))


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
    shipped = _shipped_sources.get(func)
    if shipped is not None:
        return _shipped_definition(func, *shipped)
    filename = code.co_filename
    lines = linecache.getlines(filename, func.__globals__)
    guessed = not lines  # the module's file, tried for code without a file
    if guessed:
        filename = _module_file(func, filename)
        lines = linecache.getlines(filename, func.__globals__) if filename else []
    if not lines:
        return None, ""
    compiled = _compile_text(filename, "".join(lines))
    if compiled is None:
        return None, f"the source file {filename} does not parse"
    tree, index = compiled
    qualname = getattr(code, "co_qualname", func.__qualname__)
    candidates = index.get(qualname, [])
    match = next((c for c in candidates if _same_code(c, code)), None)
    if match is None and not guessed and not filename.startswith("<"):
        # linecache keeps a file's text until asked to check it: after an
        # edit and importlib.reload (or %autoreload) it still serves the text
        # of the first import, which no longer matches the live code.
        linecache.checkcache(filename)
        fresh = linecache.getlines(filename, func.__globals__)
        compiled = _compile_text(filename, "".join(fresh)) if fresh else None
        if compiled is not None:
            tree, index = compiled
            candidates = index.get(qualname, [])
            match = next((c for c in candidates if _same_code(c, code)), None)
    if match is None and guessed:
        # Code made by exec() in the module (dataclass methods, namedtuples):
        # the module's file never held it, which is no sign of an edit.
        return None, ""
    if match is None:
        return None, (
            f"the source of {qualname} in {filename} differs from the loaded code "
            "(was the file edited after import?)"
        )
    return _node_of(tree, code, match), ""


def _node_of(
    tree: ast.Module, code: CodeType, match: CodeType
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The definition in *tree* that compiled to *match* (the live *code*'s twin)."""
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == code.co_name
            and _first_line(node) == match.co_firstlineno
        ):
            return node
    return None


# -- source sent along with a function pickled by value ----------------------

#: Functions unpickled by value, with the file name and text their pickling
#: process read their source from (see :func:`ship_source`).
_shipped_sources: weakref.WeakKeyDictionary[FunctionType, tuple[str, str]] = (
    weakref.WeakKeyDictionary()
)


def ship_source(func: FunctionType, filename: str, text: str) -> None:
    """
    Use *text* (the whole file *filename*, as another process read it) for *func*.

    A function pickled by value (a script's, a notebook's) arrives in a worker
    that may have no copy of its file. Its pickling process sends the text it
    read, and the worker's walk reads that text instead of looking for a
    file: the worker computes the keys the client does. The text is still
    verified: it must compile to *func*'s very code, else *func* is identified
    by its bytecode, with an :class:`~checkpointing.IncompleteFingerprintWarning`.
    """
    _shipped_sources[func] = (filename, text)


def source_excerpt(func: object) -> tuple[str, str, dict[int, str | None]] | None:
    """
    Return ``(filename, text, lines)``: where the walk reads *func*'s source.

    *lines* maps the 1-based line numbers of *text* needed to verify and
    analyse *func* to ``None`` (keep the line) or a replacement line. Kept:
    *func*'s definition with its decorators, the headers of the classes
    around it, the whole function or block around it (a closure, an ``if``).
    Replaced: each import of the module's top level, by the import alone
    (``import time``): the compiler reads ``time.sleep()`` differently when
    ``time`` is a module, and an import inside ``try:`` stands alone at the
    same line. Every other line can go (:func:`excerpt`). ``None`` when the
    walk found no verified source (a lambda, code made by ``exec``, a
    missing or edited file).
    """
    if not isinstance(func, FunctionType):
        return None
    node, _ = _verified_definition(func)
    if node is None or isinstance(node, ast.Lambda):
        return None
    shipped = _shipped_sources.get(func)
    if shipped is not None:
        filename, text = shipped
    else:
        filename = func.__code__.co_filename
        lines = linecache.getlines(filename, func.__globals__)
        if not lines:
            filename = _module_file(func, filename)
            lines = linecache.getlines(filename, func.__globals__) if filename else []
        text = "".join(lines)
    compiled = _compile_text(filename, text)
    if compiled is None:
        return None
    tree = compiled[0]
    path = _path_to(tree, node)
    if path is None:
        return None
    needed: dict[int, str | None] = {}
    for statement in _module_imports(tree):
        needed[statement.lineno] = ast.unparse(statement)
    # Class headers (decorators to the colon) down to the first enclosing
    # function or block (if, try, with...), which is kept whole.
    whole: ast.stmt = node
    for ancestor in path:
        if not isinstance(ancestor, ast.ClassDef):
            whole = cast(ast.stmt, ancestor)
            break
        first = _first_line(ancestor)
        needed.update(
            dict.fromkeys(range(first, max(first, ancestor.body[0].lineno - 1) + 1))
        )
    needed.update(dict.fromkeys(_lines_of(whole)))
    return filename, text, needed


def decorator_lines(func: object) -> range:
    """
    Return the line numbers of the decorators of *func*'s verified definition.

    Empty when it has none, or no verified source. The decorators of a
    checkpointed function are not part of its fingerprint (they are the
    caller's business), and ``@checkpoint(hmac_key="...")`` may hold a secret:
    a by-value pickle leaves those lines out of the source it sends.
    """
    if not isinstance(func, FunctionType):
        return range(0)
    node, _ = _verified_definition(func)
    if node is None or isinstance(node, ast.Lambda) or not node.decorator_list:
        return range(0)
    return range(_first_line(node), node.lineno)


def _module_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports of the module's scope, in blocks too; not in functions or classes."""
    pending: list[ast.AST] = list(tree.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            yield statement
        elif (
            isinstance(statement, ast.stmt)
            and not isinstance(
                statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            )
        ) or isinstance(statement, ast.excepthandler | ast.match_case):
            pending.extend(ast.iter_child_nodes(statement))


def excerpt(text: str, lines: Mapping[int, str | None]) -> str:
    """
    Return *text* with only *lines*: kept (``None``) or replaced; others emptied.

    Line positions are kept, so the excerpt compiles to code with the same
    line numbers as the whole text.
    """
    out = []
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        end = "\n" if line.endswith("\n") else ""
        if number not in lines:
            out.append(end)
        else:
            replacement = lines[number]
            out.append(line if replacement is None else replacement + end)
    return "".join(out)


def _lines_of(node: ast.stmt) -> range:
    first = (
        _first_line(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        else node.lineno
    )
    return range(first, (node.end_lineno or node.lineno) + 1)


def _path_to(tree: ast.AST, target: ast.AST) -> list[ast.AST] | None:
    """The chain of nodes from *tree* down to *target* (excluded), outermost first."""
    for child in ast.iter_child_nodes(tree):
        if child is target:
            return []
        if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            below = _path_to(child, target)
            if below is not None:
                return [child, *below]
        elif isinstance(child, ast.stmt):
            below = _path_to(child, target)  # an if/try/with block holding it
            if below is not None:
                return [child, *below]
    return None


def _shipped_definition(
    func: FunctionType, filename: str, text: str
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef | None, str]:
    """:func:`_verified_definition` from the text sent with *func* (no file read)."""
    code = func.__code__
    qualname = getattr(code, "co_qualname", func.__qualname__)
    compiled = _compile_text(filename, text)
    if compiled is not None:
        tree, index = compiled
        candidates = index.get(qualname, [])
        match = next((c for c in candidates if _same_code(c, code)), None)
        if match is not None:
            node = _node_of(tree, code, match)
            if node is not None:
                return node, ""
    return None, (
        f"the source of {qualname} sent from {filename} by the process that "
        "pickled it does not compile to the code loaded here (another Python "
        "version?)"
    )


def _module_file(func: FunctionType, filename: str) -> str:
    """
    The file of *func*'s module when its code names no readable file, else ``""``.

    cloudpickle (3.1.3 and later) rebuilds functions it pickles by value with
    ``co_filename = "<dynamic-code>"``, but keeps ``__file__`` in their globals.
    Reading the module's file there keeps the key independent of how the
    function travelled; :func:`_verified_definition` still checks that the text
    compiles to this very code, so a different or edited file is never used.
    """
    if not filename.startswith("<"):
        return ""  # a real path that linecache could not read: nothing better
    module_file = func.__globals__.get("__file__")
    if not isinstance(module_file, str) or module_file.startswith("<"):
        return ""
    return module_file


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
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
        for arg in (
            *node.args.posonlyargs,
            *node.args.args,
            *node.args.kwonlyargs,
            node.args.vararg,
            node.args.kwarg,
        ):
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
            return ast.Assign(
                targets=[node.target], value=node.value, lineno=node.lineno
            )
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)


def _normalized_source(node: ast.AST, *, as_root: bool) -> str:
    import copy

    clone = copy.deepcopy(node)
    normalized = _Normalizer(as_root=as_root).visit(clone)
    return ast.unparse(ast.fix_missing_locations(normalized))


# Nodes that open a scope of their own, and calls that expose local names as strings.
_SCOPE_NODES: Final = (
    ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
)  # fmt: skip
_NAMESPACE_CALLS: Final = frozenset(
    {"locals", "vars", "eval", "exec", "dir", "globals"}
)


#: Names through which code observes other names as text (frames, code objects,
#: namespaces, source): a walk reaching any of them keeps every name literal.
_INTROSPECTION: Final = frozenset(
    {
        "__globals__",
        "__dict__",
        "__code__",
        "f_globals",
        "f_locals",
        "f_code",
        "co_names",
        "co_varnames",
        "co_consts",
        "_getframe",
        "currentframe",
        "stack",
        "getsource",
        "getsourcelines",
        "getmembers",
        "getclosurevars",
        "locate",
        "globals",
        "vars",
        "locals",
        "dir",
        "eval",
        "exec",
        "setattr",
        "delattr",
        "hasattr",
    }
)
_NAME_STORES: Final = frozenset(
    {"STORE_ATTR", "DELETE_ATTR", "STORE_GLOBAL", "DELETE_GLOBAL"}
)
_IDENTIFIER: Final = re.compile(r"[A-Za-z_]\w*")


def _name_exposure(
    code: CodeType, refs: tuple[_Ref, ...], attribute_names: frozenset[str]
) -> tuple[frozenset[str], bool]:
    """
    Names the code can observe as text, and whether it introspects namespaces.

    Renaming a global by position is only sound when no code can tell the
    names apart: code that stores an attribute or global by name
    (``pipeline.FACTOR = 10``, ``global X``), spells a name in a string
    (``setattr(m, "FACTOR", 1)``, ``exec``, ``pydoc.locate``) or reads frames,
    code objects or namespaces can.
    """
    exposed: set[str] = set()
    names: set[str] = set(attribute_names)
    for sub in _walk_code(code):
        names.update(sub.co_names)
        for const in sub.co_consts:
            if isinstance(const, str) and len(const) < 10_000:
                exposed.update(_IDENTIFIER.findall(const))
        for ins in dis.get_instructions(sub):
            if ins.opname in _NAME_STORES and isinstance(ins.argval, str):
                exposed.add(ins.argval)
    names.update(ref.name for ref in refs)
    for ref in refs:
        names.update(ref.chain)
    return frozenset(exposed), bool(names & _INTROSPECTION)


#: Global names never replaced by placeholders: the code's text reads them as
#: names (``globals()["x"]``-style access goes through these).
_NAME_SENSITIVE: Final = frozenset({"__name__", "__file__", "__spec__", "__package__"})


def _identity_text(
    text: str, global_names: frozenset[str] = frozenset()
) -> tuple[str, tuple[str, ...]]:
    """
    Return the text that identifies a normalized definition, and its global order.

    Renaming a local variable does not change what a function computes, so the
    locals of the definition's own scope are renamed by order of first use
    (to ``$0``, ``$1``...: not valid identifiers, so they can never meet a real
    name). The displayed source keeps the real names. Local renaming is skipped
    whenever it could be unsafe: ``global``/``nonlocal``, ``match``,
    ``locals()``/``vars()``/``eval``/``exec``/``dir()``/``globals()``, a local
    also read by a nested scope (closures, comprehensions, lambdas), or a local
    bound by ``import``.

    *global_names* (names the function reads from its module, bound there)
    are replaced the same way, by ``@0``, ``@1``... in order of first use, and
    returned in that order: what each is bound to goes into the function's
    ``bindings`` component, so renaming a constant or an import alias (with
    every use) keeps the key, while binding a name to another object changes
    it. The same unsafe cases leave every name as written (an empty order).
    """
    try:
        tree = ast.parse(text)
        table = symtable.symtable(text, "<checkpointing>", "exec")
    except (SyntaxError, ValueError):
        return text, ()
    if len(tree.body) != 1 or not isinstance(
        tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)
    ):
        return text, ()
    definition = tree.body[0]
    function_tables = [
        child for child in table.get_children() if child.get_name() == definition.name
    ]
    if len(function_tables) != 1:
        return text, ()
    function_table = function_tables[0]
    imported: set[str] = set()
    for node in ast.walk(definition):
        if isinstance(node, (ast.Global, ast.Nonlocal, ast.Match)):
            return text, ()
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _NAMESPACE_CALLS
        ):
            return text, ()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imported.update(a.asname or a.name.partition(".")[0] for a in node.names)
    symbols = function_table.get_symbols()
    candidates = {
        symbol.get_name()
        for symbol in symbols
        if symbol.is_local()
        and not symbol.is_parameter()
        and not symbol.is_global()
        and not symbol.is_namespace()
    } - imported
    if candidates & _free_in_children(function_table):
        candidates = set()
    globals_here = {
        symbol.get_name()
        for symbol in symbols
        if symbol.is_global() and not symbol.is_local()
    } & global_names
    if not candidates and not globals_here:
        return text, ()
    renames: dict[str, str] = {}
    order: list[str] = []

    def rename(name: str) -> str:
        if name in candidates:
            return renames.setdefault(name, f"${len(renames)}")
        if name in globals_here:
            if name not in order:
                order.append(name)
            return f"@{order.index(name)}"
        return name

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            node.id = rename(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            node.name = rename(node.name)
        if isinstance(node, _SCOPE_NODES):
            # Only the parts evaluated in *this* scope: decorators, defaults,
            # bases, and a comprehension's first iterable.
            for part in _outer_parts(node):
                visit(part)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in definition.body:
        visit(statement)
    return ast.unparse(definition), tuple(order)


def _outer_parts(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return [
            *node.decorator_list,
            *node.args.defaults,
            *filter(None, node.args.kw_defaults),
        ]
    if isinstance(node, ast.Lambda):
        return [*node.args.defaults, *filter(None, node.args.kw_defaults)]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return [node.generators[0].iter]
    return []


def _free_in_children(table: symtable.SymbolTable) -> set[str]:
    """Names that any nested scope reads from an enclosing scope."""
    free: set[str] = set()
    for child in table.get_children():
        free.update(s.get_name() for s in child.get_symbols() if s.is_free())
        free |= _free_in_children(child)
    return free


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
