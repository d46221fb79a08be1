"""
``inspect``: summarize the cache, or explain the entries of some functions.

Without a target: one row per function (entries, size, hits, misses, last
computed) and the newest computations with their causes, all from the
catalogs. With a target: the newest entries of each function it names, with
arguments, cause, changes and source diffs.

Imports: ``_catalog``, ``_manifest``, ``_protocol`` (types), and ``cli._arguments``,
``cli._describe``, ``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse
import heapq
from typing import TYPE_CHECKING, Any, Final

from checkpointing._manifest import Manifest

from ._arguments import AddCommand, _count
from ._describe import (
    _coverage_notes,
    _print_reason,
    _reason_json,
    _unreadable_notes,
    _unreadable_reason,
)
from ._render import (
    Segment,
    _output,
    _Plain,
    _plural,
    _print_json,
    _seconds,
    _size,
    _when,
)
from ._select import _TARGET_HELP, _catalogs, _read_manifest, _resolve, _select

if TYPE_CHECKING:
    from checkpointing.store._catalog import CatalogEntry, FunctionCatalog, Unreadable
    from checkpointing.store._protocol import EntryStore


#: How many recent computations the summary shows.
_RECENT: Final = 10

#: How many entries ``inspect TARGET`` shows by default (``--limit``, ``--all``).
_DEFAULT_LIMIT: Final = 20


def add_command(add: AddCommand) -> None:
    """Declare ``inspect`` and its options."""
    inspect_cmd = add(
        "inspect",
        "Summarize the cache, or explain the entries of one function and why they ran.",
    )
    inspect_cmd.add_argument(
        "target", nargs="?", default=None, help=f"a cache directory, or {_TARGET_HELP}"
    )
    inspect_cmd.add_argument(
        "--limit",
        type=_count,
        default=None,
        help=f"entries shown per function (default {_DEFAULT_LIMIT}; all with --json)",
    )
    inspect_cmd.add_argument("--all", action="store_true", help="show every entry")
    inspect_cmd.set_defaults(run=_inspect)


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
    out: _Plain,
    store: EntryStore,
    catalog: FunctionCatalog,
    limit: int,
    *,
    matching: bool,
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


def _inspect_summary(store: EntryStore, args: argparse.Namespace) -> int:
    catalogs = [store.catalog(fid) for fid in store.function_ids()]
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
                "directory": store.location(),
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
    out.line("cache directory: ", (store.location(), "function"))
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
