"""
``list``: every entry (function, key, size, creation time, cause), from the catalogs.

Imports: ``_catalog`` (types), and ``cli._arguments``, ``cli._describe``,
``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._arguments import AddCommand
from ._describe import _unreadable_reason
from ._render import Segment, _output, _print_json, _size, _when
from ._select import _TARGET_HELP, _catalogs, _resolve, _select

if TYPE_CHECKING:
    from checkpointing.store._catalog import FunctionCatalog


def add_command(add: AddCommand) -> None:
    """Declare ``list`` and its options."""
    list_cmd = add(
        "list", "List every entry: function, key, size, creation time, cause."
    )
    list_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {_TARGET_HELP}"
    )
    list_cmd.set_defaults(run=_list)


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
