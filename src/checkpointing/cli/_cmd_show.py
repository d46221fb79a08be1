"""
``show``: one entry in full (manifest, checksum status, components, reason).

Imports: ``_errors``, ``_manifest``, ``_store``, and ``cli._arguments``,
``cli._describe``, ``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse

from checkpointing._errors import (
    CheckpointingError,
    ConfigurationError,
    CorruptEntryError,
)
from checkpointing._manifest import Manifest
from checkpointing.store._protocol import MISSING

from ._arguments import AddCommand
from ._describe import _print_reason, _reason_json, _unreadable_reason
from ._render import Segment, _output, _print_json, _seconds, _size, _when
from ._select import _find_key, _read_manifest, _resolve


def add_command(add: AddCommand) -> None:
    """Declare ``show`` and its options."""
    show_cmd = add("show", "Show one entry: manifest, components, arguments, reason.")
    show_cmd.add_argument("key", help="a key or a unique key prefix (4+ hex digits)")
    show_cmd.set_defaults(run=_show)


def _show(args: argparse.Namespace) -> int:
    store = _resolve(args)
    fid, key = _find_key(store, args.key)
    found = _read_manifest(store, fid, key)
    if found is None:  # pragma: no cover - deleted between two reads
        raise ConfigurationError(f"entry {key} vanished")
    if not isinstance(found, Manifest):
        raise CorruptEntryError(
            store.manifest_location(fid, key), _unreadable_reason(found)
        )
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
