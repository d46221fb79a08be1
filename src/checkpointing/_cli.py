"""
The command-line interface: ``python -m checkpointing inspect|list|clear``.

Everything here works from the cache directory alone: it never imports the
user's code. Exit codes follow click's convention: 0 success, 1 a handled
error (:class:`CheckpointingError`), 2 a usage error (argparse).
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._errors import CheckpointingError, ConfigurationError
from ._explain import Explanation
from ._manifest import Manifest
from ._store import Store

__all__ = ["main"]

_RECENT_RERUNS = 10


def main(argv: Sequence[str] | None = None) -> int:
    """
    Run the command-line interface and return the process exit code.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        0 on success, 1 on a handled error; usage errors exit with 2.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m checkpointing",
        description="Inspect and manage a checkpointing cache directory "
        "(never imports your code).",
    )
    commands = parser.add_subparsers(title="commands")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--dir",
            dest="directory",
            default=None,
            help="cache directory (default: $CHECKPOINTING_DIR or ./.checkpointing)",
        )
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        return sub

    inspect_cmd = add(
        "inspect",
        "Summarize the cache, or explain the entries of one function and why they reran.",
    )
    inspect_cmd.add_argument(
        "target",
        nargs="?",
        default=None,
        help="a cache directory, a function ('module:qualname', 'module.qualname' or "
        "its last part) or a key prefix",
    )
    inspect_cmd.set_defaults(run=_inspect)

    list_cmd = add("list", "List every entry: function, key, size, creation time.")
    list_cmd.add_argument("target", nargs="?", default=None, help="only this function")
    list_cmd.set_defaults(run=_list)

    clear_cmd = add("clear", "Delete the entries of one function, or of all functions.")
    clear_cmd.add_argument("target", nargs="?", default=None, help="only this function")
    clear_cmd.add_argument(
        "--yes", action="store_true", help="required to clear everything"
    )
    clear_cmd.set_defaults(run=_clear)
    return parser


# -- helpers --------------------------------------------------------------------


def _resolve(args: argparse.Namespace) -> tuple[Store, str | None]:
    """Return the store and the remaining target, treating a directory target as --dir."""
    target = args.target
    directory = args.directory
    if directory is None and target is not None and Path(target).is_dir():
        directory, target = target, None
    if directory is None:
        directory = os.environ.get("CHECKPOINTING_DIR") or ".checkpointing"
    path = Path(directory)
    if not path.is_dir():
        raise ConfigurationError(f"no cache directory at {path}")
    return Store(path), target


def _match_functions(store: Store, target: str) -> list[str]:
    ids = store.function_ids()
    wanted = target.replace(":", ".")
    exact = [fid for fid in ids if fid == wanted]
    if exact:
        return exact
    suffix = [
        fid for fid in ids if fid.endswith("." + wanted) or fid.split(".")[-1] == wanted
    ]
    return suffix


def _find(store: Store, target: str) -> tuple[list[str], str | None]:
    """Return (function ids, key prefix) matching *target*."""
    ids = _match_functions(store, target)
    if ids:
        return ids, None
    lowered = target.lower()
    if len(lowered) >= 4 and all(c in "0123456789abcdef" for c in lowered):
        hits = [
            fid
            for fid in store.function_ids()
            if any(p.name.startswith(lowered) for p in store.iter_manifest_files(fid))
        ]
        if hits:
            return hits, lowered
    raise ConfigurationError(
        f"no function or key matches {target!r} in {store.root}; "
        "run 'python -m checkpointing inspect' to list them"
    )


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


def _reason(manifest: Manifest) -> Explanation:
    return Explanation.from_json(
        manifest.reason or {"status": "miss", "cause": "unknown"}
    )


def _notes(manifest: Manifest) -> list[str]:
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


def _source_diff(
    store: Store, old_blob: str | None, new_blob: str | None, name: str
) -> list[str]:
    old = store.blob(old_blob) if old_blob else None
    new = store.blob(new_blob) if new_blob else None
    if old is None and new is None:
        return []
    return list(
        difflib.unified_diff(
            (old or "").splitlines(),
            (new or "").splitlines(),
            fromfile=f"{name} (before)",
            tofile=f"{name} (now)",
            lineterm="",
        )
    )


def _print_reason(
    store: Store, manifest: Manifest, first: str, indent: str, *, diffs: bool
) -> None:
    reason = _reason(manifest)
    docstring_only = " (docstring only)" if reason.docstring_only else ""
    print(f"{first}{reason.cause}{docstring_only}")
    for change in reason.changes:
        print(f"{indent}  - {change.describe()}")
        if diffs and change.kind in ("source", "callee"):
            for line in _source_diff(
                store, change.old_blob, change.new_blob, change.component
            ):
                print(f"{indent}      {line}")


# -- commands -------------------------------------------------------------------


def _inspect(args: argparse.Namespace) -> int:
    store, target = _resolve(args)
    if target is None:
        return _inspect_summary(store, as_json=args.json)
    ids, key_prefix = _find(store, target)
    manifests = [
        m
        for fid in ids
        for m in store.manifests(fid)
        if key_prefix is None or m.key.startswith(key_prefix)
    ]
    manifests.sort(key=lambda m: m.created_at, reverse=True)
    if args.json:
        print(json.dumps([json.loads(m.to_json()) for m in manifests], indent=1))
        return 0
    for fid in ids:
        entries = [m for m in manifests if m.function_id == fid]
        noun = "entry" if len(entries) == 1 else "entries"
        print(f"{fid}  ({len(entries)} {noun}, {_size(store.size_bytes(fid))})")
        for note in _notes(entries[0]) if entries else ():
            print(f"  note: {note}")
        for m in entries:
            print(
                f"  {m.key[:12]}  {_when(m.created_at)}  computed in {m.compute_seconds:.3g} s, "
                f"{_size(m.value_size_bytes)}"
            )
            args_text = ", ".join(f"{k}={v.summary}" for k, v in m.arguments.items())
            print(f"    arguments: {args_text or '(none)'}")
            _print_reason(store, m, "    why: ", "      ", diffs=True)
    return 0


def _inspect_summary(store: Store, *, as_json: bool) -> int:
    rows: list[dict[str, Any]] = []
    all_manifests: list[Manifest] = []
    for fid in store.function_ids():
        manifests = store.manifests(fid)
        files = sum(1 for _ in store.iter_manifest_files(fid))
        all_manifests.extend(manifests)
        rows.append(
            {
                "function": fid,
                "entries": len(manifests),
                "unreadable": files - len(manifests),
                "size_bytes": store.size_bytes(fid),
                "last_computed": max((m.created_at for m in manifests), default=None),
            }
        )
    recent = sorted(all_manifests, key=lambda m: m.created_at, reverse=True)[
        :_RECENT_RERUNS
    ]
    if as_json:
        print(
            json.dumps(
                {
                    "directory": str(store.root),
                    "functions": rows,
                    "recent": [
                        {
                            "function": m.function_id,
                            "key": m.key,
                            "created_at": m.created_at,
                            "reason": dict(m.reason),
                        }
                        for m in recent
                    ],
                },
                indent=1,
            )
        )
        return 0
    print(f"cache directory: {store.root}")
    if not rows:
        print("(no entries)")
        return 0
    width = max(len("FUNCTION"), *(len(r["function"]) for r in rows))
    print(f"{'FUNCTION':<{width}}  {'ENTRIES':>7}  {'SIZE':>10}  LAST COMPUTED")
    for r in rows:
        last = _when(r["last_computed"]) if r["last_computed"] else "-"
        extra = f"  ({r['unreadable']} unreadable)" if r["unreadable"] else ""
        print(
            f"{r['function']:<{width}}  {r['entries']:>7}  {_size(r['size_bytes']):>10}  "
            f"{last}{extra}"
        )
    print()
    print("most recent computations (newest first):")
    for m in recent:
        print(
            f"  {_when(m.created_at)}  {m.function_id}  key {m.key[:12]}  "
            f"({m.compute_seconds:.3g} s)"
        )
        _print_reason(store, m, "      ", "      ", diffs=False)
    return 0


def _list(args: argparse.Namespace) -> int:
    store, target = _resolve(args)
    ids = _find(store, target)[0] if target else store.function_ids()
    manifests = [m for fid in ids for m in store.manifests(fid)]
    if args.json:
        print(json.dumps([json.loads(m.to_json()) for m in manifests], indent=1))
        return 0
    for m in manifests:
        print(
            f"{m.function_id}  {m.key}  {_size(m.value_size_bytes):>10}  {_when(m.created_at)}"
        )
    return 0


def _clear(args: argparse.Namespace) -> int:
    store, target = _resolve(args)
    if target is None and not args.yes:
        raise ConfigurationError("refusing to clear every function without --yes")
    ids = _find(store, target)[0] if target else [None]
    count = sum(store.clear(fid) for fid in ids)
    if args.json:
        print(json.dumps({"deleted": count}))
    else:
        print(f"deleted {count} {'entry' if count == 1 else 'entries'}")
    return 0
