"""
``verify``: check every entry's manifest and checksum; rebuild the catalogs.

Reads every selected manifest and value file (and output files), reports
damaged entries and value files without a manifest, optionally moves damaged
entries to ``.quarantine/``, and rewrites each fully verified function's
catalog from the manifests it just read. Exits 1 if damage remains.

Imports: ``_catalog``, ``_errors``, ``_manifest``, ``_protocol``, and
``cli._arguments``, ``cli._describe``, ``cli._render``, ``cli._select``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from checkpointing._errors import CheckpointingError, StoreError
from checkpointing._manifest import Manifest
from checkpointing.store import _catalog
from checkpointing.store._protocol import MISSING

from ._arguments import AddCommand
from ._describe import _unreadable_reason
from ._render import _output, _plural, _print_json
from ._select import _TARGET_HELP, _resolve, _select, _Selection

if TYPE_CHECKING:
    from checkpointing.store._catalog import Unreadable
    from checkpointing.store._protocol import EntryStore


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
        (fid, [name for name in store.manifest_names(fid) if selection.keeps(name)])
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
    store: EntryStore,
    fid: str,
    key: str,
    manifests: list[tuple[Manifest, int]],
    unreadable: list[Unreadable],
) -> _Problem | None:
    try:
        raw = store.read_manifest_bytes(fid, key)
        if raw is None:  # deleted meanwhile
            return None
        found = _catalog.classify(raw, store.manifest_location(fid, key))
        if not isinstance(found, Manifest):
            # It records no time: the catalog keeps its file's instead.
            modified = store.manifest_modified(fid, key)
            if modified is None:  # pragma: no cover - deleted meanwhile
                return None
            unreadable.append(found._replace(modified_at=modified))
            return _Problem(fid, key, "manifest", _unreadable_reason(found))
    except StoreError as err:  # the OSError behind it says why
        return _Problem(fid, key, "manifest", f"cannot read: {err.__cause__ or err}")
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
        return _Problem(fid, key, "entry", _entry_message(store, fid, key, err))
    return None


def _entry_message(
    store: EntryStore, fid: str, key: str, err: CheckpointingError
) -> str:
    """*err*'s message, without the entry's location if it starts with it."""
    # A store names the entry by its location, or by its path in the file
    # system the location is a URL of (a store over fsspec): either is cut.
    if isinstance(err, StoreError) and store.location(fid, key).endswith(err.path):
        return str(err).removeprefix(f"{err.path}: ")
    return str(err)


def _orphans(store: EntryStore, fid: str, selection: _Selection) -> list[_Problem]:
    """Value files without a manifest: a writer stopped between the two."""
    # Entry files first: an entry written meanwhile has its manifest (written
    # last) by the time the manifests are listed, so it is no orphan.
    entries = store.entry_names(fid)
    with_manifest = set(store.manifest_names(fid))
    return [
        _Problem(
            fid,
            name,
            "no manifest",
            "value file without manifest (hits still work)",
        )
        for name in entries
        if name not in with_manifest and selection.keeps(name)
    ]
