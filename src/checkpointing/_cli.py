"""
The command line: ``checkpointing <command>`` or ``python -m checkpointing <command>``.

Commands: ``inspect`` (summary, or why the entries of a function were
computed), ``graph`` (what a fingerprint covers), ``list``, ``show``,
``clear``, ``prune`` and ``verify``. Everything works from the cache
directory alone: this module never imports the user's code. Summaries, lists
and pruning read the per-function catalogs (``_catalog.py``), so they stay fast
on caches of 100,000 entries; manifests are read only for what is displayed.

``--dir``, ``--json`` and ``--color`` go before or after the command (after it,
they win). Messages name the cache directory by its absolute path, and usage
lines name the program the way it was run.

Output is plain text when standard output is not a terminal, under
``NO_COLOR`` or with ``--color never``; otherwise colours and tables come from
``rich`` if it is installed (``pip install 'checkpointing[cli]'``), imported
only here and only then. ``--json`` gives machine-readable output everywhere.

Exit codes follow click's convention: 0 success, 1 a handled error
(:class:`CheckpointingError`, or problems found by ``verify``), 2 a usage
error (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import heapq
import importlib.util
import json
import os
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, cast

from . import _catalog
from ._errors import CheckpointingError, ConfigurationError, CorruptEntryError
from ._explain import Explanation, source_diff
from ._manifest import FORMAT_VERSION, Manifest
from ._store import MISSING, Store

if TYPE_CHECKING:
    from ._catalog import CatalogEntry, FunctionCatalog, Unreadable

__all__ = ["main"]

#: How many recent computations the summary shows.
_RECENT: Final = 10
#: How many entries ``inspect TARGET`` shows by default (``--limit``, ``--all``).
_DEFAULT_LIMIT: Final = 20
#: ``verify`` shows a progress bar from this many entries on (on a terminal).
_PROGRESS_FROM: Final = 500
#: Longest summary shown in a graph node.
_GRAPH_SUMMARY: Final = 40


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command-line interface and return the process exit code.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 on a handled error; usage errors exit with 2.
    """
    parser = _parser(_prog())
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    args.prog = parser.prog
    try:
        return int(args.run(args))
    except CheckpointingError as err:
        sys.stderr.write(f"checkpointing: error: {err}\n")
        return 1
    except BrokenPipeError:
        # ``inspect | head`` closed the pipe: stop quietly, as Unix tools do.
        # Point stdout at devnull so the interpreter's final flush cannot fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _prog() -> str:
    """
    Name the program as the user ran it, for usage lines and hints.

    Under ``python -m checkpointing``, ``sys.argv[0]`` is the full path of
    ``checkpointing/__main__.py``; otherwise it is the console script
    (``checkpointing``, ``checkpointing.exe``) or whatever program calls
    :func:`main`, named as argparse would name it. ``python -c`` and embedded
    interpreters leave nothing usable there: then it is ``checkpointing``.
    """
    argv0 = sys.argv[0] if sys.argv else ""
    path = Path(argv0)
    if path.name == "__main__.py" and path.parent.name == "checkpointing":
        return "python -m checkpointing"
    if not path.name or argv0.startswith("-"):
        return "checkpointing"
    return path.name


# -- parsing ---------------------------------------------------------------------


def _parser(prog: str = "checkpointing") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Inspect and manage a checkpointing cache directory "
        "(never imports your code).",
        epilog="--dir, --json and --color go before or after the command; "
        "given in both places, the one after the command wins.",
    )
    _add_common_options(parser, top_level=True)
    commands = parser.add_subparsers(title="commands")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_common_options(sub, top_level=False)
        sub.set_defaults(parser=sub)
        return sub

    target_help = (
        "a function ('module:qualname', 'module.qualname' or its last part) "
        "or a key prefix (4+ hex digits)"
    )
    inspect_cmd = add(
        "inspect",
        "Summarize the cache, or explain the entries of one function and why they ran.",
    )
    inspect_cmd.add_argument(
        "target", nargs="?", default=None, help=f"a cache directory, or {target_help}"
    )
    inspect_cmd.add_argument(
        "--limit",
        type=_count,
        default=None,
        help=f"entries shown per function (default {_DEFAULT_LIMIT}; all with --json)",
    )
    inspect_cmd.add_argument("--all", action="store_true", help="show every entry")
    inspect_cmd.set_defaults(run=_inspect)

    graph_cmd = add("graph", "Print the components a function's fingerprint covers.")
    graph_cmd.add_argument("target", help=target_help)
    graph_cmd.add_argument(
        "--format",
        choices=("text", "dot", "mermaid"),
        default="text",
        help="a tree (default), Graphviz DOT or a Mermaid flowchart",
    )
    graph_cmd.set_defaults(run=_graph)

    list_cmd = add(
        "list", "List every entry: function, key, size, creation time, cause."
    )
    list_cmd.add_argument("target", nargs="?", default=None, help=f"only {target_help}")
    list_cmd.set_defaults(run=_list)

    show_cmd = add("show", "Show one entry: manifest, components, arguments, reason.")
    show_cmd.add_argument("key", help="a key or a unique key prefix (4+ hex digits)")
    show_cmd.set_defaults(run=_show)

    clear_cmd = add(
        "clear", "Delete the entries of a function, a key prefix, or everything."
    )
    clear_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {target_help}"
    )
    clear_cmd.add_argument(
        "--yes", action="store_true", help="required to clear everything"
    )
    clear_cmd.set_defaults(run=_clear)

    prune_cmd = add(
        "prune",
        "Delete expired entries, the least recently used beyond a size, or unreadable ones.",
    )
    prune_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {target_help}"
    )
    prune_cmd.add_argument(
        "--older-than",
        type=_duration,
        default=None,
        metavar="AGE",
        help="delete entries written more than AGE ago (30d, 12h, 90m, 45s, 2w)",
    )
    prune_cmd.add_argument(
        "--max-size",
        type=_byte_size,
        default=None,
        metavar="SIZE",
        help="then delete the least recently used entries until at most SIZE remain (500M, 2GiB)",
    )
    prune_cmd.add_argument(
        "--unreadable",
        action="store_true",
        help="delete entries whose manifest cannot be read (older format, damaged)",
    )
    prune_cmd.add_argument(
        "--dry-run", action="store_true", help="only say what would go"
    )
    prune_cmd.set_defaults(run=_prune)

    verify_cmd = add(
        "verify", "Check every entry's checksum and manifest; rebuild the catalogs."
    )
    verify_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {target_help}"
    )
    verify_cmd.add_argument(
        "--quarantine",
        action="store_true",
        help="move damaged entries to .quarantine/ (they are recomputed when next called)",
    )
    verify_cmd.set_defaults(run=_verify)
    return parser


def _add_common_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """
    Add ``--dir``, ``--json`` and ``--color`` to the main parser or a command.

    Each is accepted before the command (``checkpointing --dir X inspect``)
    and after it. argparse parses a command's options into a fresh namespace
    and copies every attribute over the main parser's, defaults included: the
    command's copies default to ``SUPPRESS`` (nothing set unless given), so an
    option given before the command survives, and one given after it wins.
    """
    parser.add_argument(
        "--dir",
        dest="directory",
        metavar="DIRECTORY",
        default=None if top_level else argparse.SUPPRESS,
        help="cache directory (default: $CHECKPOINTING_DIR, else ./.checkpointing)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="machine-readable output",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto" if top_level else argparse.SUPPRESS,
        help="colours and tables (auto: on a terminal without NO_COLOR, "
        "if rich is installed)",
    )


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count >= 0, got {text!r}")
    return value


_DURATION_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SIZE_UNITS: Final = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kib": 1024,
    "kb": 1000,
    "m": 1024**2,
    "mib": 1024**2,
    "mb": 1000**2,
    "g": 1024**3,
    "gib": 1024**3,
    "gb": 1000**3,
    "t": 1024**4,
    "tib": 1024**4,
    "tb": 1000**4,
}


def _duration(text: str) -> float:
    """Parse ``30d``, ``12h``, ``90m``, ``45s`` or ``2w`` into seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a number and a unit (s, m, h, d, w), such as 30d, got {text!r}"
        )
    return float(match[1]) * _DURATION_UNITS[match[2]]


def _byte_size(text: str) -> int:
    """Parse ``500M`` (binary: MiB), ``2GiB``, ``10GB`` (decimal) or bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text.lower())
    if match is None or match[2] not in _SIZE_UNITS:
        raise argparse.ArgumentTypeError(
            f"expected a size such as 500M, 2GiB, 10GB or a number of bytes, got {text!r}"
        )
    return int(float(match[1]) * _SIZE_UNITS[match[2]])


# -- output ----------------------------------------------------------------------

#: A piece of a line: text, or (text, style name).
Segment = str | tuple[str, str]

#: Style names used by the commands, and how rich renders them.
_STYLES: Final = {
    "function": "bold",
    "key": "yellow",
    "cause": "bold magenta",
    "component": "cyan",
    "old": "red",
    "new": "green",
    "hunk": "blue",
    "dim": "dim",
    "ok": "green",
    "problem": "bold red",
    "note": "yellow",
}


@dataclass
class _Node:
    """One node of a tree: a label and children."""

    label: list[Segment]
    children: list[_Node] = field(default_factory=list)


class _Plain:
    """Plain text: what scripts, pipes, ``NO_COLOR`` and ``--color never`` get."""

    def __init__(self, file: IO[str]) -> None:
        self.file = file

    def line(self, *segments: Segment) -> None:
        self.file.write(_text(segments) + "\n")

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Segment]],
        right: Sequence[int] = (),
        indent: int = 0,
    ) -> None:
        """Aligned columns (*right*: indices of right-aligned columns)."""
        cells = [list(headers), *([_text([c]) for c in row] for row in rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
        for row in cells:
            parts = [
                cell.rjust(width) if i in right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths, strict=True))
            ]
            self.file.write(" " * indent + "  ".join(parts).rstrip() + "\n")

    def tree(self, root: _Node) -> None:
        try:
            "├└│".encode(getattr(self.file, "encoding", None) or "utf-8")
            branch, last, pipe = "├── ", "└── ", "│   "
        except (UnicodeEncodeError, LookupError):
            branch, last, pipe = "|-- ", "`-- ", "|   "
        self.line(*root.label)

        def walk(node: _Node, prefix: str) -> None:
            for i, child in enumerate(node.children):
                is_last = i == len(node.children) - 1
                self.line(prefix + (last if is_last else branch), *child.label)
                walk(child, prefix + ("    " if is_last else pipe))

        walk(root, "")

    @contextlib.contextmanager
    def progress(self, total: int, label: str) -> Iterator[Callable[[], None]]:
        """A progress bar on standard error; nothing in plain mode."""
        yield lambda: None


class _Rich(_Plain):
    """Colours and tables through rich (imported only when this is used)."""

    def __init__(self, file: IO[str], *, force: bool) -> None:
        super().__init__(file)
        from rich.console import Console
        from rich.theme import Theme

        theme = Theme(_STYLES)
        self._console = Console(
            file=file,
            force_terminal=True if force else None,
            theme=theme,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=True,
        )
        self._errors = Console(stderr=True, theme=theme, highlight=False, markup=False)

    def _rich_text(self, segments: Sequence[Segment]) -> Any:
        from rich.text import Text

        text = Text()
        for segment in segments:
            if isinstance(segment, str):
                text.append(segment)
            else:
                text.append(segment[0], style=segment[1])
        return text

    def line(self, *segments: Segment) -> None:
        self._console.print(self._rich_text(segments))

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Segment]],
        right: Sequence[int] = (),
        indent: int = 0,
    ) -> None:
        from rich import box
        from rich.padding import Padding
        from rich.table import Table

        table = Table(
            box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold"
        )
        for i, header in enumerate(headers):
            if i in right:
                table.add_column(header, justify="right", no_wrap=True)
            else:
                table.add_column(header, no_wrap=True)
        for row in rows:
            table.add_row(*(self._rich_text([cell]) for cell in row))
        self._console.print(
            Padding(table, (0, 0, 0, indent), expand=False), soft_wrap=False
        )

    def tree(self, root: _Node) -> None:
        from rich.tree import Tree

        def build(node: _Node, into: Any) -> None:
            for child in node.children:
                build(child, into.add(self._rich_text(child.label)))

        top = Tree(self._rich_text(root.label), guide_style="dim")
        build(root, top)
        self._console.print(top, soft_wrap=False)

    @contextlib.contextmanager
    def progress(self, total: int, label: str) -> Iterator[Callable[[], None]]:
        if total < _PROGRESS_FROM or not self._errors.is_terminal:
            yield lambda: None
            return
        from rich.progress import Progress

        with Progress(console=self._errors, transient=True) as bar:
            task = bar.add_task(label, total=total)
            yield lambda: bar.advance(task)


def _text(segments: Sequence[Segment]) -> str:
    return "".join(s if isinstance(s, str) else s[0] for s in segments)


def _output(args: argparse.Namespace) -> _Plain:
    """Plain output unless colours are wanted, possible and rich is installed."""
    mode = args.color
    stream = sys.stdout
    if mode == "never":
        return _Plain(stream)
    if mode == "auto" and (
        os.environ.get("NO_COLOR")  # https://no-color.org: set and not empty
        or os.environ.get("TERM") == "dumb"
        or not stream.isatty()
    ):
        return _Plain(stream)
    if importlib.util.find_spec("rich") is None:
        if mode == "always":
            raise ConfigurationError(
                "--color always needs rich: pip install 'checkpointing[cli]'"
            )
        return _Plain(stream)
    return _Rich(stream, force=mode == "always")


def _print_json(data: object) -> int:
    sys.stdout.write(json.dumps(data, indent=1) + "\n")
    return 0


# -- resolving the directory and the target ---------------------------------------


def _resolve(args: argparse.Namespace, *, directory_target: bool = False) -> Store:
    """Return the store; with *directory_target*, an existing directory as target is --dir."""
    directory = args.directory
    target = getattr(args, "target", None)
    if (
        directory_target
        and directory is None
        and target is not None
        and Path(target).is_dir()
    ):
        directory, args.target = target, None
    source = ""
    if directory is None:
        directory = os.environ.get("CHECKPOINTING_DIR")
        source = " (from $CHECKPOINTING_DIR)"
    if not directory:
        directory = ".checkpointing"
        source = (
            " (the default: ./.checkpointing in the working directory; run this "
            "from the directory your program ran in, or give --dir DIRECTORY "
            "or set CHECKPOINTING_DIR)"
        )
    # Absolute from here on: every message names the directory unambiguously,
    # whatever the working directory of whoever reads it.
    path = Path(directory).absolute()
    if not path.is_dir():
        raise ConfigurationError(f"no cache directory at {path}{source}")
    # Hints naming another command repeat the directory if it was given here.
    args.dir_option = f" --dir {shlex.quote(str(path))}" if source == "" else ""
    return Store(path)


def _match_functions(ids: Sequence[str], target: str) -> list[str]:
    wanted = target.replace(":", ".")
    exact = [fid for fid in ids if fid == wanted]
    if exact:
        return exact
    return [
        fid for fid in ids if fid.endswith("." + wanted) or fid.split(".")[-1] == wanted
    ]


def _is_key_prefix(text: str) -> bool:
    return len(text) >= 4 and all(c in "0123456789abcdef" for c in text.lower())


@dataclass(frozen=True)
class _Selection:
    """The functions a target names, and the key prefix it gives (if any)."""

    function_ids: list[str]
    key_prefix: str | None = None

    def keeps(self, key: str) -> bool:
        return self.key_prefix is None or key.startswith(self.key_prefix)


def _select(store: Store, args: argparse.Namespace) -> _Selection:
    """Resolve ``args.target``: every function, matching functions, or a key prefix."""
    target = args.target
    ids = store.function_ids()
    if target is None:
        return _Selection(ids)
    matched = _match_functions(ids, target)
    if matched:
        return _Selection(matched)
    if _is_key_prefix(target):
        prefix = target.lower()
        hits = [
            fid
            for fid in ids
            if any(p.name.startswith(prefix) for p in store.iter_manifest_files(fid))
        ]
        if hits:
            return _Selection(hits, prefix)
    raise ConfigurationError(
        f"no function or key matches {target!r} in {store.root}; "
        f"'{args.prog} inspect{args.dir_option}' lists them"
    )


def _catalogs(store: Store, selection: _Selection) -> list[FunctionCatalog]:
    """Read the catalog of every selected function, narrowed to the key prefix."""
    found = []
    for fid in selection.function_ids:
        catalog = _catalog.read_function(store.root, fid)
        if selection.key_prefix is not None:
            catalog = _catalog.FunctionCatalog(
                fid,
                {k: e for k, e in catalog.entries.items() if selection.keeps(k)},
                {k: u for k, u in catalog.unreadable.items() if selection.keeps(k)},
                catalog.computations,
                catalog.hits,
            )
        found.append(catalog)
    return found


# -- formatting helpers ------------------------------------------------------------


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _size(num_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if num_bytes < 1024 or unit == "GiB":
            return (
                f"{num_bytes:.0f} {unit}" if unit == "B" else f"{num_bytes:.1f} {unit}"
            )
        num_bytes /= 1024
    return f"{num_bytes:.1f} TiB"  # pragma: no cover


def _seconds(seconds: float) -> str:
    """Format a compute time: ``<1 ms``, ``250 ms``, ``4.2 s``, ``3 min 5 s``, ``2 h 10 min``."""
    if seconds < 0.001:
        return "<1 ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"


def _age(seconds: float) -> str:
    """Format an age in the units ``--older-than`` takes: ``45s``, ``90m``, ``12h``, ``30d``."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{round(seconds / size, 1):g}{unit}"
    return f"{seconds:.0f}s"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _unreadable_reason(record: Unreadable) -> str:
    if record.older_format:
        return (
            f"written by an older format version (manifest format {record.format_version}; "
            f"this version reads format {FORMAT_VERSION})"
        )
    if record.newer_format:
        return (
            f"written by a newer format version (manifest format {record.format_version}; "
            f"this version reads format {FORMAT_VERSION}): upgrade checkpointing"
        )
    return record.message


def _unreadable_notes(catalog: FunctionCatalog) -> list[str]:
    records = list(catalog.unreadable.values())
    older = sum(u.older_format for u in records)
    newer = sum(u.newer_format for u in records)
    damaged = len(records) - older - newer
    notes = []
    if older:
        notes.append(
            f"{_plural(older, 'entry', 'entries')} written by an older format version "
            f"(this version reads format {FORMAT_VERSION}); a call recomputes "
            "its result; 'prune --unreadable' deletes them"
        )
    if newer:
        notes.append(
            f"{_plural(newer, 'entry', 'entries')} written by a newer format version of "
            "checkpointing; upgrade to read them"
        )
    if damaged:
        notes.append(
            f"{_plural(damaged, 'entry', 'entries')} with a damaged manifest; "
            "'verify' tells more, 'prune --unreadable' deletes them"
        )
    return notes


def _coverage_notes(manifest: Manifest) -> list[str]:
    """What the newest entry says about the fingerprint's own coverage."""
    notes = []
    for name, record in sorted(manifest.components.items()):
        if record.kind == "dynamic":
            notes.append(f"{name.partition(':')[2]} {record.summary}")
        elif record.kind == "version":
            notes.append(f"code identity pinned by version={record.summary!r}")
        elif record.kind == "option":
            notes.append(
                f"left out of the fingerprint (ignore_code=): {record.summary}"
            )
        elif record.kind == "file":
            notes.append(f"depends on {name.partition(':')[2]}")
    return notes


def _reason(manifest: Manifest) -> Explanation:
    return Explanation.from_json(
        manifest.reason or {"status": "miss", "cause": "unknown"}
    )


def _change_segments(description: str, component: str) -> list[Segment]:
    """Colour the component name and the old/new values of a ``describe()`` line."""
    rest = (
        description[len(component) :]
        if description.startswith(component)
        else description
    )
    segments: list[Segment] = [(component, "component")] if rest != description else []
    head, arrow, new = rest.partition(" -> ")
    if arrow:
        verb, colon, old = head.partition(": ")
        segments += [verb + colon, (old, "old"), arrow, (new, "new")]
    else:
        segments.append(rest)
    return segments


def _diff_segments(line: str) -> list[Segment]:
    if line.startswith(("+++", "---")):
        return [(line, "dim")]
    if line.startswith("+"):
        return [(line, "new")]
    if line.startswith("-"):
        return [(line, "old")]
    if line.startswith("@@"):
        return [(line, "hunk")]
    return [line]


def _diff(
    store: Store, old_blob: str | None, new_blob: str | None, name: str
) -> list[str]:
    old = store.blob(old_blob) if old_blob else None
    new = store.blob(new_blob) if new_blob else None
    if (old_blob and old is None) or (new_blob and new is None):
        return ["(source text not kept in .blobs/: no diff)"]
    return source_diff(old, new, name)


def _print_reason(
    out: _Plain,
    store: Store,
    manifest: Manifest,
    first: str,
    indent: str,
    *,
    diffs: bool,
) -> None:
    reason = _reason(manifest)
    docstring_only = " (docstring only)" if reason.docstring_only else ""
    out.line(first, (reason.cause + docstring_only, "cause"))
    if diffs and reason.compared_with and reason.compared_with != manifest.key:
        out.line(
            indent,
            ("  compared with entry ", "dim"),
            (reason.compared_with[:12], "key"),
        )
    for change in reason.changes:
        out.line(indent, "  - ", *_change_segments(change.describe(), change.component))
        if diffs and change.kind in ("source", "callee"):
            for line in _diff(
                store, change.old_blob, change.new_blob, change.component
            ):
                out.line(indent, "      ", *_diff_segments(line))


def _reason_json(store: Store, manifest: Manifest) -> dict[str, Any]:
    """The manifest as JSON, with a ``diff`` (list of lines) on every source change."""
    data: dict[str, Any] = json.loads(manifest.to_json())
    for change in data.get("reason", {}).get("changes", []):
        if change.get("kind") in ("source", "callee"):
            change["diff"] = _diff(
                store,
                change.get("old_blob"),
                change.get("new_blob"),
                change["component"],
            )
    return data


# -- inspect -------------------------------------------------------------------------


def _inspect(args: argparse.Namespace) -> int:
    store = _resolve(args, directory_target=True)
    if args.target is None:
        return _inspect_summary(store, args)
    selection = _select(store, args)
    catalogs = _catalogs(store, selection)
    limit = None if args.all else args.limit
    if args.json:
        entries = [
            (catalog.function_id, entry)
            for catalog in catalogs
            for entry in catalog.newest(limit)
        ]
        entries.sort(key=lambda pair: pair[1].created_at, reverse=True)
        manifests = [store.manifest(fid, entry.key) for fid, entry in entries]
        return _print_json([_reason_json(store, m) for m in manifests if m is not None])
    out = _output(args)
    for catalog in catalogs:
        _inspect_function(
            out,
            store,
            catalog,
            _DEFAULT_LIMIT if limit is None else limit,
            matching=selection.key_prefix is not None,
        )
    return 0


def _inspect_function(
    out: _Plain, store: Store, catalog: FunctionCatalog, limit: int, *, matching: bool
) -> None:
    fid = catalog.function_id
    count = len(catalog.entries)
    if matching:  # a key prefix: the function's history is not what was asked for
        counts = _plural(count, "matching entry", "matching entries")
    else:
        counts = f"{_plural(count, 'entry', 'entries')}, {_size(catalog.size_bytes)}, "
        counts += _plural(catalog.computations, "miss", "misses")
    out.line((fid, "function"), f"  ({counts})")
    shown = catalog.newest(limit)
    found = [_read_manifest(store, fid, e.key) for e in shown]
    manifests = [m for m in found if isinstance(m, Manifest)]
    for note in _coverage_notes(manifests[0]) if manifests else ():
        out.line("  ", ("note: ", "note"), note)
    for note in _unreadable_notes(catalog):
        out.line("  ", ("note: ", "note"), note)
    for m in found:
        if isinstance(m, Manifest):
            out.line(
                "  ",
                (m.key[:12], "key"),
                f"  {_when(m.created_at)}  computed in {_seconds(m.compute_seconds)}, "
                f"{_size(m.value_size_bytes)}",
            )
            args_text = ", ".join(f"{k}={v.summary}" for k, v in m.arguments.items())
            out.line("    arguments: ", args_text or "(none)")
            _print_reason(out, store, m, "    why: ", "      ", diffs=True)
        elif m is not None:  # damaged since it was indexed: 'verify' tells more
            _print_unreadable(out, m)
    if count > len(shown):
        out.line(
            ("  ... ", "dim"),
            (f"{count - len(shown)} older entries not shown (--limit N, --all)", "dim"),
        )
    for record in sorted(catalog.unreadable.values(), key=lambda u: u.key):
        _print_unreadable(out, record)


def _print_unreadable(out: _Plain, record: Unreadable) -> None:
    out.line(
        "  ",
        (record.key[:12], "key"),
        "  ",
        ("unreadable: ", "problem"),
        _unreadable_reason(record),
    )


def _read_manifest(
    store: Store, function_id: str, key: str
) -> Manifest | Unreadable | None:
    """The manifest of *key*, why it cannot be read, or ``None`` if it vanished."""
    path = store.manifest_path(function_id, key)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise CorruptEntryError(str(path), f"cannot read manifest: {err}") from err
    return _catalog.classify(raw, str(path))


def _inspect_summary(store: Store, args: argparse.Namespace) -> int:
    catalogs = [_catalog.read_function(store.root, fid) for fid in store.function_ids()]
    # The newest few per function first: no tuple per entry of a large cache.
    newest = heapq.nlargest(
        _RECENT,
        (
            (e.created_at, c.function_id, e.key)
            for c in catalogs
            for e in heapq.nlargest(_RECENT, c.entries.values(), key=_created)
        ),
    )
    found = [_read_manifest(store, fid, key) for _, fid, key in newest]
    recent = [m for m in found if isinstance(m, Manifest)]
    if args.json:
        return _print_json(
            {
                "directory": str(store.root),
                "functions": [_summary_row(c) for c in catalogs],
                # Hits are counted per process and appended when it exits:
                # those of killed processes are missing (see docs/cli.md).
                "hits_recorded": True,
                "recent": [
                    {
                        "function": m.function_id,
                        "key": m.key,
                        "created_at": m.created_at,
                        "compute_seconds": m.compute_seconds,
                        "reason": dict(m.reason),
                    }
                    for m in recent
                ],
            }
        )
    out = _output(args)
    out.line("cache directory: ", (str(store.root), "function"))
    if not catalogs:
        out.line("(no entries)")
        return 0
    rows: list[list[Segment]] = []
    for c in catalogs:
        last = c.last_computed
        note = f"{len(c.unreadable)} unreadable" if c.unreadable else ""
        rows.append(
            [
                (c.function_id, "function"),
                str(len(c.entries)),
                _size(c.size_bytes),
                str(c.hits),
                str(c.computations),
                _when(last) if last is not None else "-",
                (note, "problem") if note else "",
            ]
        )
    headers = ["FUNCTION", "ENTRIES", "SIZE", "HITS", "MISSES", "LAST COMPUTED"]
    if any(c.unreadable for c in catalogs):
        headers.append("NOTE")
    out.table(headers, [row[: len(headers)] for row in rows], right=(1, 2, 3, 4))
    for c in catalogs:
        for note in _unreadable_notes(c):
            out.line(("note: ", "note"), f"{c.function_id}: {note}")
    if recent:
        out.line()
        out.line("most recent computations (newest first):")
    for m in recent:
        out.line(
            f"  {_when(m.created_at)}  ",
            (m.function_id, "function"),
            "  key ",
            (m.key[:12], "key"),
            f"  ({_seconds(m.compute_seconds)})",
        )
        _print_reason(out, store, m, "      ", "      ", diffs=False)
    return 0


def _created(entry: CatalogEntry) -> float:
    return entry.created_at


def _summary_row(catalog: FunctionCatalog) -> dict[str, Any]:
    records = catalog.unreadable.values()
    return {
        "function": catalog.function_id,
        "entries": len(catalog.entries),
        "unreadable": len(records),
        "older_format": sum(u.older_format for u in records),
        "size_bytes": catalog.size_bytes,
        "misses": catalog.computations,
        "hits": catalog.hits,
        "code_versions": len({e.fingerprint for e in catalog.entries.values()}),
        "last_computed": catalog.last_computed,
    }


# -- graph ---------------------------------------------------------------------------

#: Component kinds of the decorated function itself (names without a module).
_OWN_KINDS: Final = ("source", "signature", "docstring")


def _graph_tree(manifest: Manifest) -> _Node:
    """Group a manifest's components: own code, per module, packages, declared, Python."""
    own: list[_Node] = []
    modules: dict[str, list[_Node]] = {}
    packages: list[_Node] = []
    declared: list[_Node] = []
    python: list[_Node] = []
    for name, record in sorted(manifest.components.items()):
        summary = record.summary
        if len(summary) > _GRAPH_SUMMARY:
            summary = summary[: _GRAPH_SUMMARY - 3] + "..."
        label: list[Segment] = [(name, "component")]
        if summary:
            label += ["  ", (summary, "dim")]
        node = _Node(label)
        kind, _, rest = name.partition(":")
        if not rest and kind in _OWN_KINDS:
            own.append(node)
        elif kind == "python":
            python.append(node)
        elif kind == "package":
            packages.append(node)
        elif record.kind in ("callee", "global", "docstring", "defaults", "closure",
                             "class", "attribute", "extension"):  # fmt: skip
            modules.setdefault(rest.partition(":")[0] or "?", []).append(node)
        else:  # depends_on files and values, version=, ignore_code=
            declared.append(node)
    root = _Node(
        [
            (manifest.function_id, "function"),
            ("  entry ", "dim"),
            (manifest.key[:12], "key"),
            ("  " + _when(manifest.created_at), "dim"),
        ]
    )
    groups: list[tuple[str, list[_Node]]] = [("own code", own)]
    groups += [(f"module {module}", nodes) for module, nodes in sorted(modules.items())]
    groups += [
        ("packages", packages),
        ("declared (depends_on, version, ignore_code)", declared),
    ]
    for title, nodes in groups:
        if nodes:
            root.children.append(_Node([(title, "function")], nodes))
    root.children.extend(python)
    return root


def _graph(args: argparse.Namespace) -> int:
    store = _resolve(args)
    selection = _select(store, args)
    catalogs = [c for c in _catalogs(store, selection) if c.entries]
    if len(catalogs) != 1:
        names = (
            ", ".join(c.function_id for c in catalogs) or "none with readable entries"
        )
        raise ConfigurationError(
            f"{args.target!r} must name one function; it matches: {names}"
        )
    catalog = catalogs[0]
    manifest = store.manifest(catalog.function_id, catalog.newest(1)[0].key)
    if manifest is None:  # pragma: no cover - deleted between two reads
        raise ConfigurationError(f"the newest entry of {catalog.function_id} vanished")
    tree = _graph_tree(manifest)
    if args.json:
        return _print_json(
            {
                "function": manifest.function_id,
                "key": manifest.key,
                "created_at": manifest.created_at,
                "tree": _node_json(tree),
            }
        )
    if args.format == "dot":
        sys.stdout.write(_dot(tree))
    elif args.format == "mermaid":
        sys.stdout.write(_mermaid(tree))
    else:
        _output(args).tree(tree)
    return 0


def _node_json(node: _Node) -> dict[str, Any]:
    return {
        "label": _text(node.label),
        "children": [_node_json(c) for c in node.children],
    }


def _flatten(tree: _Node) -> list[tuple[str, str, str | None, bool]]:
    """Return ``(id, label, parent id, has children)`` per node, depth first."""
    found: list[tuple[str, str, str | None, bool]] = []

    def walk(node: _Node, parent: str | None) -> None:
        node_id = f"n{len(found)}"
        # The root is labelled with the function alone: no key or time in a picture.
        label = _text(node.label[:1] if parent is None else node.label)
        found.append((node_id, label, parent, bool(node.children)))
        for child in node.children:
            walk(child, node_id)

    walk(tree, None)
    return found


def _dot(tree: _Node) -> str:
    def quote(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    nodes = _flatten(tree)
    lines = [
        f"digraph {quote(nodes[0][1])} {{",
        "  rankdir=LR;",
        '  node [shape=box, fontname="Helvetica"];',
    ]
    for node_id, label, parent, grouping in nodes:
        shape = (
            ""
            if parent is None
            else ", shape=folder"
            if grouping
            else ", style=rounded"
        )
        style = ", style=bold" if parent is None else ""
        lines.append(f"  {node_id} [label={quote(label)}{shape}{style}];")
        if parent is not None:
            lines.append(f"  {parent} -> {node_id};")
    return "\n".join([*lines, "}"]) + "\n"


def _mermaid(tree: _Node) -> str:
    def quote(text: str) -> str:
        # Inside a quoted Mermaid label, "#...;" is an entity code: escape "#"
        # first, then the characters that would end the label or read as HTML.
        for char, code in (
            ("#", "#35;"),
            ('"', "#quot;"),
            ("<", "#lt;"),
            (">", "#gt;"),
        ):
            text = text.replace(char, code)
        return f'"{text}"'

    lines = ["flowchart LR"]
    for node_id, label, parent, grouping in _flatten(tree):
        if parent is None:
            lines.append(f"  {node_id}[[{quote(label)}]]")
            continue
        shape = "[{}]" if grouping else "({})"
        lines.append(f"  {node_id}{shape.format(quote(label))}")
        lines.append(f"  {parent} --> {node_id}")
    return "\n".join(lines) + "\n"


# -- list, show ------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    store = _resolve(args)
    catalogs = _catalogs(store, _select(store, args))
    if args.json:
        return _print_json([row for c in catalogs for row in _list_rows(c)])
    rows: list[list[Segment]] = []
    for c in catalogs:
        for e in sorted(c.entries.values(), key=lambda e: e.created_at):
            rows.append(
                [
                    (c.function_id, "function"),
                    (e.key, "key"),
                    _size(e.value_size_bytes),
                    _when(e.created_at),
                    e.cause,
                ]
            )
        for u in sorted(c.unreadable.values(), key=lambda u: u.key):
            rows.append(
                [
                    (c.function_id, "function"),
                    (u.key, "key"),
                    "-",
                    _when(u.modified_at) if u.modified_at else "-",
                    ("unreadable", "problem"),
                ]
            )
    out = _output(args)
    if not rows:  # a header alone reads like a failure
        out.line("(no entries)")
        return 0
    out.table(["FUNCTION", "KEY", "SIZE", "CREATED", "CAUSE"], rows, right=(2,))
    return 0


def _list_rows(catalog: FunctionCatalog) -> Iterator[dict[str, Any]]:
    for e in sorted(catalog.entries.values(), key=lambda e: e.created_at):
        yield {
            "function_id": catalog.function_id,
            "key": e.key,
            "readable": True,
            "created_at": e.created_at,
            "value_size_bytes": e.value_size_bytes,
            "manifest_size_bytes": e.manifest_size_bytes,
            "compute_seconds": e.compute_seconds,
            "cause": e.cause,
            "fingerprint": e.fingerprint,
            "arguments_digest": e.arguments_digest,
        }
    for u in sorted(catalog.unreadable.values(), key=lambda u: u.key):
        yield {
            "function_id": catalog.function_id,
            "key": u.key,
            "readable": False,
            "format_version": u.format_version,
            "error": _unreadable_reason(u),
        }


def _find_key(store: Store, prefix: str) -> tuple[str, str]:
    """Return ``(function id, key)`` of the one entry whose key starts with *prefix*."""
    if not _is_key_prefix(prefix):
        raise ConfigurationError(
            f"{prefix!r} is not a key prefix (4 or more hex digits)"
        )
    prefix = prefix.lower()
    found = [
        (fid, path.stem)
        for fid in store.function_ids()
        for path in store.iter_manifest_files(fid)
        if path.name.startswith(prefix)
    ]
    if not found:
        raise ConfigurationError(
            f"no entry has a key starting with {prefix!r} in {store.root}"
        )
    if len(found) > 1:
        listed = ", ".join(f"{key[:12]} ({fid})" for fid, key in sorted(found)[:5])
        raise ConfigurationError(
            f"{prefix!r} matches {len(found)} entries ({listed}...); give more digits"
        )
    return found[0]


def _show(args: argparse.Namespace) -> int:
    store = _resolve(args)
    fid, key = _find_key(store, args.key)
    found = _read_manifest(store, fid, key)
    if found is None:  # pragma: no cover - deleted between two reads
        raise ConfigurationError(f"entry {key} vanished")
    if not isinstance(found, Manifest):
        path = store.manifest_path(fid, key)
        raise CorruptEntryError(str(path), _unreadable_reason(found))
    manifest = found
    try:
        status = "missing" if store.load(fid, key) is MISSING else "ok"
        problem = None
    except CheckpointingError as err:
        status, problem = "damaged", str(err)
    if args.json:
        return _print_json(
            {
                "manifest": _reason_json(store, manifest),
                "entry": status,
                "error": problem,
            }
        )
    out = _output(args)
    m = manifest
    out.line("entry ", (m.key, "key"), "  of ", (m.function_id, "function"))
    out.line(f"  function:    {m.module}:{m.qualname}")
    out.line(
        f"  created:     {_when(m.created_at)}, computed in {_seconds(m.compute_seconds)}"
    )
    status_style = "ok" if status == "ok" else "problem"
    out.line(
        f"  value:       {_size(m.value_size_bytes)}, serializer {m.serializer}, checksum ",
        (status if problem is None else f"{status}: {problem}", status_style),
    )
    out.line(
        f"  written by:  checkpointing {m.library_version}, Python {m.python_version}, "
        f"format {m.format_version}"
    )
    out.line(f"  fingerprint: {m.fingerprint}")
    out.line(f"  arguments:   {m.arguments_digest}")
    for name, record in m.arguments.items():
        out.line(f"    {name} = {record.summary}")
    out.line(f"  components ({len(m.components)}):")
    rows: list[list[Segment]] = [
        [(name, "component"), record.kind, (record.summary, "dim")]
        for name, record in sorted(m.components.items())
    ]
    out.table(["NAME", "KIND", "SUMMARY"], rows, indent=4)
    _print_reason(out, store, m, "  why: ", "    ", diffs=True)
    return 0


# -- clear, prune ----------------------------------------------------------------------


def _clear(args: argparse.Namespace) -> int:
    store = _resolve(args)
    if args.target is None and not args.yes:
        raise ConfigurationError("refusing to clear every function without --yes")
    if args.target is None:
        count = store.clear()
    else:
        selection = _select(store, args)
        if selection.key_prefix is None:
            count = sum(store.clear(fid) for fid in selection.function_ids)
        else:
            count = sum(
                store.delete(fid, path.stem)
                for fid in selection.function_ids
                for path in list(store.iter_manifest_files(fid))
                if selection.keeps(path.stem)
            )
    if args.json:
        return _print_json({"deleted": count})
    _output(args).line(f"deleted {_plural(count, 'entry', 'entries')}")
    return 0


@dataclass(frozen=True)
class _Doomed:
    function_id: str
    key: str
    size_bytes: int
    why: str  # "older", "size" or "unreadable"
    written_at: float | None  # mtime of the entry file (what --older-than reads)


def _prune(args: argparse.Namespace) -> int:
    if args.older_than is None and args.max_size is None and not args.unreadable:
        args.parser.error("prune needs --older-than, --max-size or --unreadable")
    store = _resolve(args)
    catalogs = _catalogs(store, _select(store, args))
    doomed: list[_Doomed] = []
    # The same policy as automatic eviction (Store.evict): entries written
    # before the cut-off go first, then the least recently used (access time,
    # refreshed by hits at most hourly) until the selection fits --max-size.
    selected = [c.function_id for c in catalogs]
    unreadable = set()
    for c in catalogs:
        for u in c.unreadable.values():
            unreadable.add(u.key)
            if args.unreadable:
                doomed.append(
                    _Doomed(
                        c.function_id,
                        u.key,
                        u.manifest_size_bytes,
                        "unreadable",
                        _written_at(store, c.function_id, u.key),
                    )
                )
    if args.older_than is not None or args.max_size is not None:
        # Unreadable entries are --unreadable's business; while they stay,
        # their files count toward --max-size.
        for eviction in store.evict(
            size_limit=args.max_size,
            max_age=args.older_than,
            dry_run=True,
            function_ids=selected,
            protected=unreadable,  # with --unreadable they are already doomed above
        ):
            doomed.append(
                _Doomed(
                    eviction.function_id,
                    eviction.key,
                    eviction.size_bytes,
                    "older" if eviction.why == "expired" else "size",
                    _written_at(store, eviction.function_id, eviction.key),
                )
            )
    gone = {(d.function_id, d.key) for d in doomed}
    kept = [
        (e.created_at, c.function_id, e)
        for c in catalogs
        for e in c.entries.values()
        if (c.function_id, e.key) not in gone
    ]
    if not args.dry_run:
        for d in doomed:
            store.delete(d.function_id, d.key)
    freed = sum(d.size_bytes for d in doomed)
    remaining = sum(e.size_bytes for _, _, e in kept)
    if args.json:
        return _print_json(
            {
                "dry_run": args.dry_run,
                "deleted": len(doomed),
                "freed_bytes": freed,
                "remaining": len(kept),
                "remaining_bytes": remaining,
                "entries": [
                    {
                        "function_id": d.function_id,
                        "key": d.key,
                        "why": d.why,
                        "size_bytes": d.size_bytes,
                        "written_at": d.written_at,
                    }
                    for d in doomed
                ],
            }
        )
    out = _output(args)
    if args.dry_run and doomed:
        # A dry run is for deciding: show each entry, in deletion order.
        now = time.time()
        why = {
            "older": f"older than {_age(args.older_than or 0)}",
            "size": f"least recently used beyond {_size(args.max_size or 0)}",
            "unreadable": "unreadable manifest",
        }
        rows: list[list[Segment]] = [
            [
                (d.function_id, "function"),
                (d.key, "key"),
                _size(d.size_bytes),
                "-" if d.written_at is None else _age(max(0.0, now - d.written_at)),
                why[d.why],
            ]
            for d in doomed
        ]
        out.table(["FUNCTION", "KEY", "SIZE", "AGE", "WHY"], rows, right=(2, 3))
    verb = "would delete" if args.dry_run else "deleted"
    out.line(
        f"{verb} {_plural(len(doomed), 'entry', 'entries')} ({_size(freed)}); "
        f"{_plural(len(kept), 'readable entry', 'readable entries')} ({_size(remaining)}) "
        f"{'would remain' if args.dry_run else 'remain'}"
    )
    return 0


def _written_at(store: Store, function_id: str, key: str) -> float | None:
    """When the entry was written: its entry file's (else its manifest's) mtime."""
    for path in (
        store.entry_path(function_id, key),
        store.manifest_path(function_id, key),
    ):
        with contextlib.suppress(OSError):
            return path.stat().st_mtime
    return None


# -- verify ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    function_id: str
    key: str
    what: str  # "manifest", "entry", "no manifest"
    message: str


def _verify(args: argparse.Namespace) -> int:
    store = _resolve(args)
    selection = _select(store, args)
    work = [
        (
            fid,
            sorted(
                p.stem
                for p in store.iter_manifest_files(fid)
                if selection.keeps(p.stem)
            ),
        )
        for fid in selection.function_ids
    ]
    total = sum(len(keys) for _, keys in work)
    out = _output(args)
    problems: list[_Problem] = []
    checked = 0
    with out.progress(total, "verifying") as advance:
        for fid, keys in work:
            manifests: list[tuple[Manifest, int]] = []
            unreadable: list[Unreadable] = []
            for key in keys:
                advance()
                checked += 1
                problem = _verify_entry(store, fid, key, manifests, unreadable)
                if problem is not None:
                    problems.append(problem)
            problems.extend(_orphans(store, fid, selection))
            if selection.key_prefix is None:
                # Every manifest was just read: the catalog is rebuilt from them.
                _catalog.rebuild(store.root, fid, manifests, unreadable)
    if args.quarantine:
        for p in problems:
            if p.what != "no manifest":
                store.quarantine(p.function_id, p.key)
    damaged = [p for p in problems if p.what != "no manifest"]
    if args.json:
        _print_json(
            {
                "checked": checked,
                "ok": checked - len(damaged),
                "quarantined": args.quarantine,
                "problems": [
                    {
                        "function_id": p.function_id,
                        "key": p.key,
                        "what": p.what,
                        "message": p.message,
                    }
                    for p in problems
                ],
            }
        )
    else:
        out.line(
            f"verified {_plural(checked, 'entry', 'entries')} of "
            f"{_plural(len(work), 'function')}: ",
            (f"{checked - len(damaged)} ok", "ok"),
            ", ",
            (_plural(len(damaged), "problem"), "problem" if damaged else "ok"),
        )
        for p in problems:
            out.line(
                "  ",
                (p.function_id, "function"),
                "  ",
                (p.key[:12], "key"),
                f"  {p.what}: ",
                (p.message, "problem" if p.what != "no manifest" else "note"),
            )
        if damaged and args.quarantine:
            out.line(f"moved {_plural(len(damaged), 'damaged entry', 'damaged entries')} "
                     "to .quarantine/")  # fmt: skip
        elif damaged:
            out.line(
                "move them aside with 'verify --quarantine' (they are recomputed when called)"
            )
    return 1 if damaged and not args.quarantine else 0


def _verify_entry(
    store: Store,
    fid: str,
    key: str,
    manifests: list[tuple[Manifest, int]],
    unreadable: list[Unreadable],
) -> _Problem | None:
    path = store.manifest_path(fid, key)
    try:
        raw = path.read_bytes()
        modified = path.stat().st_mtime
    except FileNotFoundError:  # deleted meanwhile
        return None
    except OSError as err:
        return _Problem(fid, key, "manifest", f"cannot read: {err}")
    found = _catalog.classify(raw, str(path))
    if not isinstance(found, Manifest):
        unreadable.append(found._replace(modified_at=modified))
        return _Problem(fid, key, "manifest", _unreadable_reason(found))
    manifests.append((found, len(raw)))
    try:
        payload = store.load(fid, key)
        if payload is MISSING:
            return _Problem(
                fid, key, "entry", "missing: the manifest has no value file"
            )
        if found.outputs:  # results stored as files: check each file's checksum
            store.outputs(fid, key, cast(memoryview, payload))
    except CheckpointingError as err:
        return _Problem(
            fid, key, "entry", str(err).removeprefix(f"{store.entry_path(fid, key)}: ")
        )
    return None


def _orphans(store: Store, fid: str, selection: _Selection) -> list[_Problem]:
    """Value files without a manifest: a writer stopped between the two."""
    directory = store.root / fid
    try:
        names = {entry.name for entry in os.scandir(directory)}
    except OSError:  # pragma: no cover - deleted meanwhile
        return []
    return [
        _Problem(
            fid,
            name[:-5],
            "no manifest",
            "value file without manifest (hits still work)",
        )
        for name in sorted(names)
        if name.endswith(".ckpt")
        and not name.startswith(".")
        and name[:-5] + ".json" not in names
        and selection.keeps(name[:-5])
    ]
