"""
Inputs that code reads from outside the program: environment variables and files.

A function that computes ``x * int(os.environ["FACTOR"])`` or parses
``Path("params.json").read_text()`` has inputs that neither its arguments nor
its code show. This module finds them in the syntax of one function:

- an **environment variable** read by a constant name: ``os.environ["X"]``,
  ``os.environ.get("X", d)``, ``os.getenv("X")``, ``"X" in os.environ``,
  ``environ.setdefault("X", d)`` (also through ``from os import environ``);
- a **file** opened for reading by a constant path: ``open("a.csv")`` (not in
  a writing mode), ``Path("a.json").read_text()``, ``np.load("a.npy")``,
  ``pd.read_csv("a.csv")`` and the other readers in :data:`FILE_READERS`;
- a **directory** listed or a pattern matched by a constant:
  ``os.listdir("data")``, ``glob.glob("data/*.csv")``, ``Path("d").glob("*")``.

The same reads with a *computed* name or path (``os.environ[name]``,
``open(path)``, ``pd.read_csv(f"{root}/a.csv")``), and ``os.environ`` used as
a whole (``os.environ.items()``, ``dict(os.environ)``), are returned with the
source text of the expression, so that the fingerprint can evaluate simple
ones (constants and globals joined with ``/``, ``os.path.join``, f-strings)
and warn about the rest by name. The
fingerprint digests what it finds at call time (see ``_fingerprint``); this
module only reads syntax, and never imports the libraries it names.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Final

__all__ = ["FILE_READERS", "AmbientReads", "ambient_reads"]

#: Callees whose first argument is a path read: ``name`` (any receiver) or
#: ``receiver.name`` (that receiver only; the usual import aliases).
FILE_READERS: Final = frozenset(
    {
        "open",
        "io.open",
        "np.load",
        "np.loadtxt",
        "np.genfromtxt",
        "np.fromfile",
        "np.memmap",
        "numpy.load",
        "numpy.loadtxt",
        "numpy.genfromtxt",
        "numpy.fromfile",
        "numpy.memmap",
        "torch.load",
        "joblib.load",
        "h5py.File",
        "xr.open_dataset",
        "xarray.open_dataset",
        "Image.open",
        "imageio.imread",
        "iio.imread",
        "plt.imread",
        "cv2.imread",
        "sf.read",
        "soundfile.read",
        "nib.load",
        "nibabel.load",
        "gzip.open",
        "bz2.open",
        "lzma.open",
        "codecs.open",
        "linecache.getline",
        "linecache.getlines",
    }
)

#: Receivers whose ``read_*`` functions read a path (``pd.read_csv(path)``).
_READ_STAR_RECEIVERS: Final = frozenset(
    {"pd", "pandas", "pl", "polars", "gpd", "geopandas", "pq", "feather", "sio"}
)

_PATH_CALLEES: Final = frozenset({"Path", "pathlib.Path", "PurePath"})

#: Methods of ``os.environ`` whose first argument is a name that is read.
_ENVIRON_READ_METHODS: Final = frozenset({"get", "setdefault", "pop", "__getitem__"})
#: Methods of ``os.environ`` that only write.
_ENVIRON_WRITE_METHODS: Final = frozenset(
    {"update", "clear", "__setitem__", "__delitem__"}
)
#: Calls listing a directory or matching a pattern given as their first argument.
_LISTING_CALLS: Final = frozenset(
    {
        "os.listdir",
        "os.scandir",
        "os.walk",
        "glob.glob",
        "glob.iglob",
        "listdir",
        "glob",
    }
)
#: Path methods listing a directory (``Path("data").glob("*.csv")``).
_LISTING_METHODS: Final = frozenset({"glob", "rglob", "iterdir"})
#: Keywords that name the path a reader reads.
_PATH_KEYWORDS: Final = (
    "file",
    "path",
    "fname",
    "filename",
    "filepath_or_buffer",
    "path_or_buf",
    "source",
    "io",
)
_FILE_NAME: Final = re.compile(r"[\w./\\-]*\w\.[A-Za-z0-9]{1,8}")
_WRITE_MODE_LETTERS: Final = frozenset("wax")


@dataclass(frozen=True, slots=True)
class AmbientReads:
    """
    What one function reads from outside the program, found in its syntax.

    Attributes:
        environment: names of environment variables read by a constant name,
            in order of first appearance.
        files: paths (as written: relative paths are relative to the working
            directory at call time) of files read by a constant path.
        listings: directories listed (``os.listdir("data")``) or glob patterns
            matched (``glob.glob("data/*.csv")``) by a constant.
        computed: reads whose name or path is computed, as pairs of the read's
            source text (``open(path)``, ``os.environ[name]``) and the source
            text of the name or path expression (``None`` when there is none:
            ``os.environ`` used as a whole). The fingerprint evaluates simple
            expressions of constants and globals (``Path(ROOT) / "a.csv"``)
            and warns about the rest.
        computed_kinds: ``"environment"``, ``"file"`` or ``"listing"`` for
            each of *computed*.
    """

    environment: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    computed: tuple[tuple[str, str | None], ...] = ()
    computed_kinds: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.environment or self.files or self.computed or self.listings)


NO_READS: Final = AmbientReads()


def ambient_reads(
    node: ast.AST, environ_names: frozenset[str] = frozenset()
) -> AmbientReads:
    """
    Find environment variables, files and directories that *node*'s code reads.

    Args:
        node: a function's (or lambda's) syntax tree. Its body is searched,
            nested functions included; decorators and defaults are not (they
            run where the function is defined).
        environ_names: other global names bound to ``os.environ`` in the
            function's module (``ENV = os.environ``).

    Returns:
        :class:`AmbientReads` (:data:`NO_READS` when there are none).
    """
    body = getattr(node, "body", node)
    statements = body if isinstance(body, list) else [body]
    collector = _Collector(environ_names | {"environ"})
    nodes = [sub for statement in statements for sub in ast.walk(statement)]
    for sub in nodes:  # names bound to open files first: with open(...) as f
        if (
            isinstance(sub, ast.withitem)
            and isinstance(sub.optional_vars, ast.Name)
            and isinstance(sub.context_expr, ast.Call)
        ):
            collector.file_objects.add(sub.optional_vars.id)
    for sub in nodes:
        collector.visit_node(sub)
    for sub in nodes:
        if collector.is_environ(sub) and id(sub) not in collector.consumed:
            collector.note_computed(ast.Name("os.environ"), None, "environment")
    return collector.result()


class _Collector:
    def __init__(self, environ_names: frozenset[str]) -> None:
        self.environ_names = environ_names
        self.environment: dict[str, None] = {}
        self.files: dict[str, None] = {}
        self.listings: dict[str, None] = {}
        self.computed: dict[tuple[str, str | None], str] = {}
        self.consumed: set[int] = set()  # os.environ nodes of recognized uses
        self.file_objects: set[str] = set()

    def result(self) -> AmbientReads:
        if not (self.environment or self.files or self.computed or self.listings):
            return NO_READS
        return AmbientReads(
            tuple(self.environment),
            tuple(self.files),
            tuple(self.computed),
            tuple(self.computed.values()),
            tuple(self.listings),
        )

    def is_environ(self, node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id in self.environ_names) or (
            isinstance(node, ast.Attribute) and node.attr == "environ"
        )

    def visit_node(self, sub: ast.AST) -> None:
        if isinstance(sub, ast.Subscript) and self.is_environ(sub.value):
            self.consumed.add(id(sub.value))
            if isinstance(sub.ctx, ast.Load):
                self.note(sub.slice, sub, self.environment, "environment")
        elif (
            isinstance(sub, ast.Compare)
            and len(sub.ops) == 1
            and isinstance(sub.ops[0], (ast.In, ast.NotIn))
            and self.is_environ(sub.comparators[0])
        ):
            self.consumed.add(id(sub.comparators[0]))
            self.note(sub.left, sub, self.environment, "environment")
        elif isinstance(sub, ast.Call):
            self.call(sub)

    def call(self, call: ast.Call) -> None:
        callee = _dotted(call.func)
        if callee is None:
            return
        last = callee.rpartition(".")[2]
        receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
        first = call.args[0] if call.args else None
        if receiver is not None and self.is_environ(receiver):
            self.consumed.add(id(receiver))
            if last in _ENVIRON_READ_METHODS and first is not None:
                self.note(first, call, self.environment, "environment")
            elif last not in _ENVIRON_WRITE_METHODS:  # items(), copy(), keys()...
                self.note_computed(call, None, "environment")
            return
        if last == "getenv":
            if first is not None:
                self.note(first, call, self.environment, "environment")
            return
        if callee in _LISTING_CALLS:
            if first is not None:
                self.note(first, call, self.listings, "listing")
            return
        if (
            receiver is not None
            and last in _LISTING_METHODS
            and _is_path_like(receiver)
        ):
            if first is None:
                self.note(receiver, call, self.listings, "listing")
            else:  # Path("data").glob("*.csv") matches "data/*.csv"
                joined = ast.BinOp(receiver, ast.Div(), first)
                self.note(joined, call, self.listings, "listing")
            return
        if receiver is not None and last in ("read_text", "read_bytes"):
            self.note(receiver, call, self.files, "file")  # PARAMS.read_text()
            return
        if (
            receiver is not None
            and last == "open"
            and (not call.args or _is_mode(call.args[0]))
            and _is_path_like(receiver)
        ):
            if not _writes(call, mode_position=0):  # Path("a.json").open()
                self.note(receiver, call, self.files, "file")
            return
        if _is_file_reader(callee, last):
            if last == "open" and _writes(call, mode_position=1):
                return
            path = first if first is not None else _keyword(call, _PATH_KEYWORDS)
            if path is not None:
                self.note(path, call, self.files, "file")
            return
        if (
            last == "read"
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and _FILE_NAME.fullmatch(first.value)
        ):
            self.files[first.value] = None  # configparser's parser.read("x.ini")

    def note(
        self, value: ast.AST, site: ast.AST, constant: dict[str, None], kind: str
    ) -> None:
        if (
            isinstance(value, ast.Call)
            and _dotted(value.func) in _PATH_CALLEES
            and len(value.args) == 1
            and not value.keywords
        ):
            value = value.args[0]  # Path("a.csv") is "a.csv"
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            constant[value.value] = None
        elif isinstance(value, ast.Name) and value.id in self.file_objects:
            return  # tomllib.load(f) with f from `with open(...) as f`: seen there
        else:
            self.note_computed(site, value, kind)

    def note_computed(self, site: ast.AST, value: ast.AST | None, kind: str) -> None:
        expression = None if value is None else ast.unparse(value)
        self.computed[(_describe(site), expression)] = kind


def _is_mode(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and set(node.value) <= set("rwxabt+")
    )


def _is_path_like(node: ast.AST) -> bool:
    """A Path(...) call, a path joined with ``/``, or a (dotted) name."""
    if isinstance(node, ast.Call):
        return _dotted(node.func) in _PATH_CALLEES
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Div)
    return _dotted_name(node) is not None


def _is_file_reader(callee: str, last: str) -> bool:
    if callee in FILE_READERS:
        return True
    receiver = callee.rpartition(".")[0]
    return last.startswith("read_") and receiver in _READ_STAR_RECEIVERS


def _dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` when *node* is a chain of names only, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _describe(site: ast.AST) -> str:
    text = ast.unparse(site)
    return text if len(text) <= 80 else text[:77] + "..."


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of names; the last name alone for other receivers."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif not parts:
        return None
    return ".".join(reversed(parts))


def _keyword(call: ast.Call, names: tuple[str, ...]) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return None


def _writes(call: ast.Call, *, mode_position: int) -> bool:
    """Whether an ``open`` call's mode (constant) writes; computed modes count as reads."""
    mode: ast.expr | None = (
        call.args[mode_position] if len(call.args) > mode_position else None
    )
    if mode is None:
        mode = _keyword(call, ("mode",))
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return bool(_WRITE_MODE_LETTERS & set(mode.value)) and "+" not in mode.value
    return False
