"""
The eviction policy: which entries go, by recorded age, recency and size.

Ages and recency are times the store records, never file times (object
stores have none, and copies between tiers would reset them): an entry was
written at the creation time its manifest records (the catalog indexes it),
and last used at its last recorded hit (``A`` lines of the catalog, plus the
hits of this process not appended yet), or at its creation if later. An
entry file without a manifest has no recorded time (a crash left it, or its
manifest is being written this very moment): it counts as expired for
``max_age`` (a read with ``max_age`` cannot serve it either) and as least
recently used unless a hit was recorded. Deleting one mid-write costs a
recomputation, never a wrong result: a manifest without its entry is a miss.

One reason to change: the policy. Pure but for reading listings and catalogs
through the store's file system. Imports the store's :mod:`._layout`,
:mod:`._filesystem` (types), :mod:`._catalog` and :mod:`._protocol`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from . import _catalog
from ._layout import ENTRY_SUFFIX, check_name
from ._protocol import Eviction

if TYPE_CHECKING:
    from ._filesystem import FileSystem

__all__ = ["select_evictions"]


def select_evictions(
    fs: FileSystem,
    root: str,
    function_ids: Collection[str],
    *,
    size_limit: int | None,
    max_age: float | None,
    protected: Collection[str],
    pending: Mapping[str, float],
    now: float,
) -> list[Eviction]:
    """
    Return the entries to delete, in deletion order (nothing is deleted here).

    Args:
        fs: The store's file system.
        root: The cache directory.
        function_ids: The functions to consider; *size_limit* applies to
            their entries alone.
        size_limit: Bytes the considered entries may occupy (entry, manifest
            and result files); ``None``: no limit.
        max_age: Seconds: entries recorded as written longer ago go first.
        protected: Entry names never chosen; their files still count
            toward *size_limit*.
        pending: Entry file path to its last hit (epoch seconds), for hits
            not in a catalog yet.
        now: The current time, epoch seconds.

    Returns:
        Expired entries (``why="expired"``), then least recently used ones
        (``why="size"``) until the rest fits *size_limit*.
    """
    # (last used, function_id, key, size, written)
    live: list[tuple[float, str, str, int, float | None]] = []
    fixed = 0  # bytes of protected entries
    doomed: list[Eviction] = []
    for function_id in function_ids:
        directory = fs.join(root, check_name(function_id, "function"))
        try:
            listing = fs.scan(directory, sizes=True)
        except OSError:
            continue
        sizes: dict[str, int] = {}
        present: list[str] = []
        for item in listing:
            name = item.name
            if name.startswith("."):
                continue
            key, _, suffix = name.rpartition(".")
            if suffix not in ("ckpt", "json", "files"):
                continue
            sizes[key] = sizes.get(key, 0) + item.size
            if suffix == "ckpt":
                present.append(key)
        if not present:
            continue
        catalog = _catalog.read_function(fs, root, function_id)
        prefix = fs.join(directory, "")
        for key in sorted(present):
            recorded = catalog.entries.get(key)
            written: float | None = None
            if recorded is not None:
                written = recorded.created_at
            elif key in catalog.unreadable:
                # No recorded time: the manifest file's, where the file system keeps one.
                written = catalog.unreadable[key].modified_at or None
            else:
                # An entry file without a manifest: a crash's orphan, or another
                # process's write whose manifest lands next (the entry goes first).
                # Its file's time stands in, so a write in flight is young and
                # recently used, never expired or evicted first; an orphan ages.
                written = _file_time(fs, prefix + key + ENTRY_SUFFIX)
            if key in protected:
                fixed += sizes[key]
            elif max_age is not None and (written is None or now - written > max_age):
                doomed.append(
                    Eviction(function_id, key, sizes[key], "expired", written)
                )
            else:
                used = max(
                    catalog.accessed.get(key, 0.0),
                    pending.get(prefix + key + ENTRY_SUFFIX, 0.0),
                    0.0 if written is None else written,
                )
                live.append((used, function_id, key, sizes[key], written))
    if size_limit is not None:
        total = fixed + sum(item[3] for item in live)
        live.sort()
        for _used, function_id, key, size, written in live:
            if total <= size_limit:
                break
            doomed.append(Eviction(function_id, key, size, "size", written))
            total -= size
    return doomed


def _file_time(fs: FileSystem, path: str) -> float | None:
    """The file's modification time (epoch seconds), ``None`` if it has none or is gone."""
    try:
        return fs.modified(path) or None
    except OSError:
        return None
