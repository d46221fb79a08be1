"""
``prune``: delete expired entries, the least recently used beyond a size, or unreadable ones.

Age and size follow the policy of automatic eviction (:meth:`Store.evict`,
asked for a dry run, then deleted here); ``--dry-run`` lists each entry in
deletion order.

Imports: ``_store``, and ``cli._arguments``, ``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

from ._arguments import AddCommand, _byte_size, _duration
from ._render import Segment, _age, _output, _plural, _print_json, _size
from ._select import _TARGET_HELP, _catalogs, _resolve, _select


def add_command(add: AddCommand) -> None:
    """Declare ``prune`` and its options."""
    prune_cmd = add(
        "prune",
        "Delete expired entries, the least recently used beyond a size, or unreadable ones.",
    )
    prune_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {_TARGET_HELP}"
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


@dataclass(frozen=True)
class _Doomed:
    function_id: str
    key: str
    size_bytes: int
    why: str  # "older", "size" or "unreadable"
    written_at: float | None  # recorded write time (what --older-than reads)


def _prune(args: argparse.Namespace) -> int:
    if args.older_than is None and args.max_size is None and not args.unreadable:
        args.parser.error("prune needs --older-than, --max-size or --unreadable")
    store = _resolve(args)
    catalogs = _catalogs(store, _select(store, args))
    doomed: list[_Doomed] = []
    # The same policy as automatic eviction (Store.evict): entries written
    # before the cut-off go first, then the least recently used (last recorded
    # hit, else creation time) until the selection fits --max-size.
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
                        u.modified_at or None,
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
                    eviction.written_at,
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
