"""
How the CLI's output looks: plain text, rich colours and tables, or JSON.

Commands describe lines as *segments* (text, or text and a style name), tables
and trees; :class:`_Plain` writes them as plain text (pipes, ``NO_COLOR``,
``--color never``) and :class:`_Rich` through ``rich`` (imported only here and
only when used). Also the formats of values (times, sizes, durations, ages,
counted nouns). It changes when the look of the output changes, never for
what a command does.

Imports: ``_errors`` only (``--color always`` without rich is a
:class:`ConfigurationError`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Final

from checkpointing._errors import ConfigurationError

#: ``verify`` shows a progress bar from this many entries on (on a terminal).
_PROGRESS_FROM: Final = 500

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
    """
    Format a compute time: ``<1 ms``, ``250 ms``, ``4.2 s``, ``3 min 5 s``, ``2 h 10 min``.

    >>> _seconds(0.25), _seconds(185)
    ('250 ms', '3 min 5 s')
    """
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
    """
    Format an age in the units ``--older-than`` takes: ``45s``, ``90m``, ``12h``, ``30d``.

    >>> _age(5400)
    '1.5h'
    """
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{round(seconds / size, 1):g}{unit}"
    return f"{seconds:.0f}s"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
