"""
What a command acts on: the cache directory, the functions, the entries.

Resolving the store from ``--dir`` (else ``$CHECKPOINTING_DIR``, else
``./.checkpointing``), a target (a function by full or partial name, or a key
prefix) to a :class:`_Selection`, the catalogs of a selection, one key from a
prefix, and reading one manifest for display. It changes when the way users
name functions, keys or the directory changes.

Commands reach the store only through :class:`EntryStore` (no paths, no
``os``), so they work on any store; only :func:`_resolve` builds a local
:class:`Store`.

Imports: ``_errors``, ``_catalog``, ``_store``, and ``_manifest`` and
``_protocol`` (types).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from checkpointing._errors import ConfigurationError, CorruptEntryError, StoreError
from checkpointing._settings import resolve_hmac_key
from checkpointing.store import _catalog
from checkpointing.store._open import is_url, open_store
from checkpointing.store._store import Store

if TYPE_CHECKING:
    from checkpointing._manifest import Manifest
    from checkpointing.store._catalog import FunctionCatalog, Unreadable
    from checkpointing.store._protocol import EntryStore

#: What a ``target`` argument may be (the help text of the commands taking one).
_TARGET_HELP: Final = (
    "a function ('module:qualname', 'module.qualname' or its last part) "
    "or a key prefix (4+ hex digits)"
)


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
    if is_url(directory):
        store = _open_url(args, directory)
        fs = store.filesystem
        if not fs.is_file(fs.join(fs.root, "CACHEDIR.TAG")):  # the first write's
            raise ConfigurationError(f"no cache at {directory}{source}")
        args.dir_option = f" --dir {shlex.quote(directory)}" if source == "" else ""
        return store
    # Absolute from here on: every message names the directory unambiguously,
    # whatever the working directory of whoever reads it.
    path = Path(directory).absolute()
    if not path.is_dir():
        raise ConfigurationError(f"no cache directory at {path}{source}")
    # Hints naming another command repeat the directory if it was given here.
    args.dir_option = f" --dir {shlex.quote(str(path))}" if source == "" else ""
    # Signed entries are checked (and unsigned ones refused) with the key the
    # programs use: `verify` must fail where a call would not load.
    return Store(path, hmac_key=resolve_hmac_key(None))


def _open_url(args: argparse.Namespace, url: str) -> Store:
    """
    The store at a URL ``--dir`` (signed with ``CHECKPOINTING_HMAC_KEY`` if set).

    Its warnings (an unsigned shared store) are printed as the CLI's own
    lines on standard error, not as Python warnings pointing into runpy.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = open_store(
            url,
            hmac_key=resolve_hmac_key(None),
            storage_options=dict(getattr(args, "storage_options", None) or []),
            where="--dir",
        )
    for warning in caught:
        text = str(warning.message).removeprefix("checkpointing: ")
        sys.stderr.write(f"checkpointing: warning: {text}\n")
    return store


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


def _select(store: EntryStore, args: argparse.Namespace) -> _Selection:
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
            if any(name.startswith(prefix) for name in store.manifest_names(fid))
        ]
        if hits:
            return _Selection(hits, prefix)
    raise ConfigurationError(
        f"no function or key matches {target!r} in {store.location()}; "
        f"'{args.prog} inspect{args.dir_option}' lists them"
    )


def _catalogs(store: EntryStore, selection: _Selection) -> list[FunctionCatalog]:
    """Read the catalog of every selected function, narrowed to the key prefix."""
    found = []
    for fid in selection.function_ids:
        catalog = store.catalog(fid)
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


def _find_key(store: EntryStore, prefix: str) -> tuple[str, str]:
    """Return ``(function id, key)`` of the one entry whose key starts with *prefix*."""
    if not _is_key_prefix(prefix):
        raise ConfigurationError(
            f"{prefix!r} is not a key prefix (4 or more hex digits)"
        )
    prefix = prefix.lower()
    found = [
        (fid, name)
        for fid in store.function_ids()
        for name in store.manifest_names(fid)
        if name.startswith(prefix)
    ]
    if not found:
        raise ConfigurationError(
            f"no entry has a key starting with {prefix!r} in {store.location()}"
        )
    if len(found) > 1:
        listed = ", ".join(f"{key[:12]} ({fid})" for fid, key in sorted(found)[:5])
        raise ConfigurationError(
            f"{prefix!r} matches {len(found)} entries ({listed}...); give more digits"
        )
    return found[0]


def _read_manifest(
    store: EntryStore, function_id: str, key: str
) -> Manifest | Unreadable | None:
    """The manifest of *key*, why it cannot be read, or ``None`` if it vanished."""
    try:
        raw = store.read_manifest_bytes(function_id, key)
    except StoreError as err:
        raise CorruptEntryError(err.path, _store_message(err)) from err
    if raw is None:
        return None
    return _catalog.classify(raw, store.manifest_location(function_id, key))


def _store_message(err: StoreError) -> str:
    """*err*'s message without the location it starts with."""
    return str(err).removeprefix(f"{err.path}: ")
