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
  ``pd.read_csv("a.csv")`` and the other readers in :data:`FILE_READERS`.

The same reads with a *computed* name or path (``os.environ[name]``,
``open(path)``, ``pd.read_csv(f"{root}/a.csv")``) are returned as
descriptions, so that the fingerprint can warn about them by name. The
fingerprint digests what it finds at call time (see ``_fingerprint``); this
module only reads syntax, and never imports the libraries it names.
"""

from __future__ import annotations

import ast
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
        "yaml.safe_load_file",
        "tomllib.load",
    }
)

#: Receivers whose ``read_*`` functions read a path (``pd.read_csv(path)``).
_READ_STAR_RECEIVERS: Final = frozenset(
    {"pd", "pandas", "pl", "polars", "gpd", "geopandas", "pq", "feather", "sio"}
)

#: ``Path(...).<method>()`` calls that read the file.
_PATH_READ_METHODS: Final = frozenset({"read_text", "read_bytes", "open"})
_PATH_CALLEES: Final = frozenset({"Path", "pathlib.Path", "PurePath"})

#: Methods of ``os.environ`` whose first argument is a name that is read.
_ENVIRON_READ_METHODS: Final = frozenset({"get", "setdefault", "pop", "__getitem__"})
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
        computed: reads whose name or path is computed, as pairs of the
            read's source text (``open(path)``, ``os.environ[name]``) and,
            when the name or path is a plain (dotted) name, that name: the
            fingerprint resolves it, and a global holding a constant
            (``PARAMS = Path("params.json")``) is then read like a constant.
        computed_kinds: ``"environment"`` or ``"file"`` for each of *computed*.
    """

    environment: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    computed: tuple[tuple[str, str | None], ...] = ()
    computed_kinds: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.environment or self.files or self.computed)


NO_READS: Final = AmbientReads()


def ambient_reads(node: ast.AST) -> AmbientReads:
    """
    Find environment variables and files that *node*'s code reads.

    Args:
        node: a function's (or lambda's) syntax tree; nested functions and
            classes defined inside it are searched too (they run as part of it
            or are reached as callees, where they are searched again).

    Returns:
        :class:`AmbientReads` (:data:`NO_READS` when there are none).
    """
    environment: dict[str, None] = {}
    files: dict[str, None] = {}
    computed: dict[tuple[str, str | None], str] = {}
    # The body only: decorators and defaults run where the function is defined
    # (a decorator's lambdas are code of their own, walked as such).
    body = getattr(node, "body", node)
    statements = body if isinstance(body, list) else [body]
    for sub in (sub for statement in statements for sub in ast.walk(statement)):
        if isinstance(sub, ast.Subscript) and _is_environ(sub.value):
            if isinstance(sub.ctx, ast.Load):
                _note(sub.slice, sub, environment, computed, "environment")
        elif isinstance(sub, ast.Compare) and _is_environ_membership(sub):
            _note(sub.left, sub, environment, computed, "environment")
        elif isinstance(sub, ast.Call):
            _call(sub, environment, files, computed)
    if not (environment or files or computed):
        return NO_READS
    return AmbientReads(
        tuple(environment), tuple(files), tuple(computed), tuple(computed.values())
    )


def _call(
    call: ast.Call,
    environment: dict[str, None],
    files: dict[str, None],
    computed: dict[tuple[str, str | None], str],
) -> None:
    callee = _dotted(call.func)
    if callee is None:
        return
    last = callee.rpartition(".")[2]
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    first = call.args[0] if call.args else None
    if last == "getenv" or (
        receiver is not None and _is_environ(receiver) and last in _ENVIRON_READ_METHODS
    ):
        if first is not None:
            _note(first, call, environment, computed, "environment")
        return
    if receiver is not None and last in _PATH_READ_METHODS and not call.args[1:]:
        # Path("a.json").read_text(), or PARAMS.read_text() with a global Path.
        if last == "open" and _writes(call, mode_position=0):
            return
        if _is_path_call(receiver):
            assert isinstance(receiver, ast.Call)
            _note(receiver.args[0], call, files, computed, "file")
        elif last != "open" and _dotted_name(receiver) is not None:
            _note(receiver, call, files, computed, "file")
        return
    if _is_file_reader(callee, last):
        if last == "open" and _writes(call, mode_position=1):
            return
        path = first if first is not None else _keyword(call, ("file", "path", "fname"))
        if path is None:
            return
        if _is_path_call(path):
            assert isinstance(path, ast.Call)
            path = path.args[0]
        _note(path, call, files, computed, "file")


def _is_file_reader(callee: str, last: str) -> bool:
    if callee in FILE_READERS:
        return True
    receiver = callee.rpartition(".")[0]
    return last.startswith("read_") and receiver in _READ_STAR_RECEIVERS


def _note(
    value: ast.AST,
    site: ast.AST,
    constant: dict[str, None],
    computed: dict[tuple[str, str | None], str],
    kind: str,
) -> None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        constant[value.value] = None
    else:
        computed[(_describe(site), _dotted_name(value))] = kind


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


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Name) and node.id == "environ") or (
        isinstance(node, ast.Attribute) and node.attr == "environ"
    )


def _is_environ_membership(node: ast.Compare) -> bool:
    return (
        len(node.ops) == 1
        and isinstance(node.ops[0], (ast.In, ast.NotIn))
        and _is_environ(node.comparators[0])
    )


def _is_path_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and bool(node.args)
        and _dotted(node.func) in _PATH_CALLEES
    )


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
