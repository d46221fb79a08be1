"""
``verify``: check every entry's manifest and checksum; rebuild the catalogs.

Reads every selected manifest and value file (and output files), reports
damaged entries and value files without a manifest, optionally moves damaged
entries to ``.quarantine/``, and rewrites each fully verified function's
catalog from the manifests it just read. Exits 1 if damage remains.

Imports: ``_catalog``, ``_errors``, ``_manifest``, ``_store``, and
``cli._arguments``, ``cli._describe``, ``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from checkpointing._errors import CheckpointingError
from checkpointing._manifest import Manifest
from checkpointing.store import _catalog
from checkpointing.store._protocol import MISSING
from checkpointing.store._store import Store

from ._arguments import AddCommand
from ._describe import _unreadable_reason
from ._render import _output, _plural, _print_json
from ._select import _TARGET_HELP, _resolve, _select, _Selection

if TYPE_CHECKING:
    from checkpointing.store._catalog import Unreadable


def add_command(add: AddCommand) -> None:
    """Declare ``verify`` and its options."""
    verify_cmd = add(
        "verify", "Check every entry's checksum and manifest; rebuild the catalogs."
    )
    verify_cmd.add_argument(
        "target", nargs="?", default=None, help=f"only {_TARGET_HELP}"
    )
    verify_cmd.add_argument(
        "--quarantine",
        action="store_true",
        help="move damaged entries to .quarantine/ (they are recomputed when next called)",
    )
    verify_cmd.set_defaults(run=_verify)


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
                store.rebuild_catalog(fid, manifests, unreadable)
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
