"""
A store's upkeep: recorded hits, copies, quarantine, deletion and eviction.

:class:`_StoreUpkeep` does what keeps a cache directory in shape after its
entries were written: it records hits (counts and times, appended to the
catalogs at exit, every :data:`_HIT_FLUSH` hits and before eviction),
copies verified entries to another store (tiers), moves damaged entries
aside, deletes entries, evicts by age and size (the policy is
:mod:`._eviction`), clears functions and measures their size.

Changes when: how entries are removed, copied or aged changes. May import:
:mod:`checkpointing._errors`, :mod:`checkpointing._manifest`, the store's
``_layout``, ``_format``, ``_filesystem``, ``_catalog``, ``_eviction``,
``_protocol`` and ``_store_state``.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
import weakref
from collections.abc import Collection
from typing import TYPE_CHECKING, BinaryIO, Final

from checkpointing._errors import CorruptEntryError, StoreError

from . import _catalog
from ._format import (
    FILE_TABLE_MAGIC,
    parse_table,
)
from ._layout import (
    BLOBS,
    ENTRY_SUFFIX,
    FILES_SUFFIX,
    MANIFEST_SUFFIX,
    QUARANTINE,
    check_name,
)
from ._protocol import Eviction, _Missing
from ._store_state import _StoreState

if TYPE_CHECKING:
    from ._filesystem import FileSystem
    from ._protocol import EntryStore

# Stores that recorded hits (counts in Store._hits, times in Store._accessed;
# registered by Store.record_hit, the decorator's hits). Weak: a store nobody
# uses any more is collected, and its finalizer appends what it recorded; the
# finalizers of the stores still alive run at exit (weakref.finalize's atexit).
_stores_with_hits: weakref.WeakSet[_StoreUpkeep] = weakref.WeakSet()
_HIT_FLUSH: Final = 1000


def _register_hits(store: _StoreUpkeep) -> None:
    if store._finalizer is None:
        _stores_with_hits.add(store)
        # Not the store itself (that would keep it alive): what its flush needs.
        store._finalizer = weakref.finalize(
            store,
            _append_records,
            store._fs,
            store._root_text,
            store._prefixes,
            store._hits,
            store._accessed,
        )


def _flush_hits() -> None:
    """Append every pending hit count and hit time to its catalog (as at exit); never raises."""
    for store in list(_stores_with_hits):
        store._flush_records()


def _append_records(
    fs: FileSystem,
    root: str,
    prefixes: dict[str, str],
    hits: dict[str, int],
    accessed: dict[str, float],
) -> None:
    """
    Append a store's pending hit counts and last hit times to its catalogs; never raises.

    The dictionaries are emptied (copied first: a hit recorded by another
    thread meanwhile is at worst left out). Without appends (no catalog file)
    the hit times stay: the store's own evictions read them.
    """
    counts = hits.copy()
    hits.clear()
    times: dict[str, float] = {}
    if fs.supports_append:
        times = accessed.copy()
        accessed.clear()
    by_function: dict[str, dict[str, float]] = {}
    if times:
        functions = {prefix: fid for fid, prefix in prefixes.items()}
        for path, when in times.items():
            head, separator, tail = path.rpartition(fs.sep)
            function_id = functions.get(head + separator)
            if function_id is not None and tail.endswith(ENTRY_SUFFIX):
                name = tail[: -len(ENTRY_SUFFIX)]
                by_function.setdefault(function_id, {})[name] = when
    for function_id in sorted(counts.keys() | by_function.keys()):
        _catalog.record_hits(
            fs,
            root,
            function_id,
            counts.get(function_id, 0),
            by_function.get(function_id),
        )


class _StoreUpkeep(_StoreState):
    """Hit records, copies, quarantine, deletion, eviction and clearing."""

    def record_hit(self, function_id: str) -> None:
        """
        Count a hit of *function_id* for ``inspect``, without writing anything now.

        Counts stay in memory and are appended to the function's catalog when
        the process exits (``atexit``), when the store is garbage collected,
        or every :data:`_HIT_FLUSH` hits, so a hit costs a dictionary update.
        Hits of killed processes are not counted.

        The times :meth:`load` remembers (each entry's last read) are appended
        with them: a store that records hits makes its reads the entries'
        recency for least-recently-used eviction. A store that never does (the
        CLI's ``verify``, a worker loading lazy results) writes no recency
        down; its reads still count for its own :meth:`evict`.
        """
        hits = self._hits
        count = hits.get(function_id, 0) + 1
        if count >= _HIT_FLUSH:
            hits[function_id] = count
            self._flush_records()
            return
        if not hits:
            _register_hits(self)
        hits[function_id] = count

    def _flush_records(self) -> None:
        """Append pending hit counts and last hit times to the catalogs; never raises."""
        _append_records(
            self._fs, self._root_text, self._prefixes, self._hits, self._accessed
        )

    # -- copying (tiers) -----------------------------------------------------
    def copy_entry(self, target: EntryStore, function_id: str, name: str) -> bool:
        """
        Copy one entry (result files, entry, manifest, source blobs) to *target*.

        The entry is verified here first (checksums of the entry and of its
        result files): a damaged entry is never propagated. It is then
        written with *target*'s :meth:`save` (any :class:`EntryStore`):
        result files, entry, manifest last, each atomically, so a reader of
        *target* never sees a partial entry. The manifest travels unchanged,
        creation time included, so the copy expires when the original does.
        Used by tiered stores to copy hits forward and write results back.

        Returns:
            Whether an entry was copied (``False``: no verified entry here).

        Raises:
            StoreError: If *target* cannot be written.
        """
        try:
            # The manifest first, then the entry that must hold its key: a
            # rewrite meanwhile (a named entry of other code or arguments)
            # makes the pair disagree, and nothing is copied, never a value
            # under another entry's key.
            manifest = self.manifest(function_id, name)
            if manifest is None:
                return False
            payload = self.load(function_id, name, key=manifest.key)
            if isinstance(payload, _Missing):
                return False
            table = (
                parse_table(self._path(function_id, name, ENTRY_SUFFIX), payload)
                if bytes(payload[:4]) == FILE_TABLE_MAGIC
                else []
            )
            files = self.outputs(function_id, name, payload) if table else {}
        except (CorruptEntryError, StoreError):
            return False
        blobs = {}
        for component in manifest.components.values():
            if component.blob and (text := self.blob(component.blob)) is not None:
                blobs[component.blob] = text
        outputs = [
            (
                item["file"],
                functools.partial(
                    self._copy_checked,
                    files[item["file"]],
                    int(item["size"]),
                    int(item["xxh3_64"]),
                ),
            )
            for item in table
        ]
        try:
            target.save(manifest, [payload], blobs, outputs=outputs)
        except OSError as err:  # a source file vanished while it was copied
            raise StoreError(
                target.location(function_id, name), f"cannot copy entry: {err}"
            ) from err
        return True

    def _copy_checked(
        self, source: str, size: int, checksum: int, file: BinaryIO
    ) -> None:
        """
        Copy a result file into *file*, checking it against the entry's table.

        Raises:
            StoreError: If the bytes copied are not those the table describes
                (the file was replaced after the entry was verified): the
                copy is abandoned before its entry is written.
        """
        copied = self._fs.copy_into(source, file)
        if copied != (size, checksum):
            raise StoreError(
                self._fs.location(source),
                "changed while it was copied (not the file its entry describes)",
            )

    # -- removing ------------------------------------------------------------
    def quarantine(self, function_id: str, key: str) -> str | None:
        """
        Move a damaged entry and its manifest aside; return the entry's new location.

        Returns ``None`` when there was nothing to move. Never raises for a
        file that vanished meanwhile (another process may have fixed it).
        """
        fs = self._fs
        target_dir = fs.join(self._root_text, QUARANTINE)
        moved: str | None = None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for suffix in (ENTRY_SUFFIX, MANIFEST_SUFFIX, FILES_SUFFIX):
            source = self._path(function_id, key, suffix)
            target = fs.join(
                target_dir, f"{function_id}.{stamp}.{os.getpid()}.{key}{suffix}"
            )
            try:
                fs.move(source, target)
            except FileNotFoundError:
                continue
            except OSError:
                with contextlib.suppress(OSError):
                    if suffix == FILES_SUFFIX:
                        fs.remove_tree(source)
                    else:
                        fs.remove(source)
                continue
            finally:
                self._forget(source)
            if suffix == ENTRY_SUFFIX:
                moved = fs.location(target)
        return moved

    def delete(self, function_id: str, key: str) -> bool:
        """Delete one entry and its manifest; return whether an entry existed."""
        existed = False
        for suffix in (MANIFEST_SUFFIX, ENTRY_SUFFIX):
            path = self._path(function_id, key, suffix)
            try:
                self._fs.remove(path)
                existed = existed or suffix == ENTRY_SUFFIX
            except FileNotFoundError:
                continue
            except OSError as err:
                raise StoreError(
                    self._fs.location(path), f"cannot delete: {err}"
                ) from err
            finally:
                self._forget(path)
        files = self._path(function_id, key, FILES_SUFFIX)
        try:
            self._fs.remove_tree(files)
        except OSError as err:
            raise StoreError(self._fs.location(files), f"cannot delete: {err}") from err
        return existed

    def evict(
        self,
        *,
        size_limit: int | None = None,
        max_age: float | None = None,
        dry_run: bool = False,
        function_ids: Collection[str] | None = None,
        protected: Collection[str] = (),
    ) -> list[Eviction]:
        """
        Delete expired entries, then least-recently-used ones down to a size.

        Ages and recency are the store's records, not file times: an entry
        was written at its manifest's creation time, and last used at the
        later of that and its last recorded hit (hits of this process are
        appended to the catalog first; other processes append theirs when
        they exit or every 1,000 hits). An entry file without a manifest (left
        by a crash) has no recorded time: it counts as expired, and as least
        recently used unless a hit was recorded. The policy is
        :func:`._eviction.select_evictions`.

        Args:
            size_limit: Bytes: entries (value and manifest files) are deleted,
                least recently used first, until the whole store is at most
                this size. ``None``: no limit.
            max_age: Seconds: entries written longer ago are deleted first.
            dry_run: Only report what would be deleted.
            function_ids: Only consider these functions (default: all); the
                size limit then applies to their entries alone.
            protected: Keys never evicted here; their files still count
                toward *size_limit*.

        Returns:
            The evicted entries, in deletion order.

        Raises:
            StoreError: If an entry cannot be deleted.
        """
        pending = dict(self._accessed)  # hits not in a catalog (yet)
        self._flush_records()
        from ._eviction import select_evictions  # the policy: loaded when used

        doomed = select_evictions(
            self._fs,
            self._root_text,
            self.function_ids() if function_ids is None else sorted(function_ids),
            size_limit=size_limit,
            max_age=max_age,
            protected=protected,
            pending=pending,
            now=time.time(),
        )
        if not dry_run:
            for eviction in doomed:
                self.delete(eviction.function_id, eviction.key)
        return doomed

    def evict_if_due(
        self, *, size_limit: int | None, max_age: float | None, interval: float = 30.0
    ) -> list[Eviction]:
        """
        Run :meth:`evict` after a write, at most once per *interval* seconds.

        Called by the decorator after each stored result when ``size_limit=``
        or ``max_age=`` is set: the first write of a process always checks, so
        a store over its limit shrinks right away; later writes check every
        *interval* seconds (a scan costs one listing and one catalog read per
        function).

        Never on a shared remote store (``FsspecFileSystem.shared``: S3, GCS,
        ...): one client's limits must not delete a team's entries, and a
        bucket listing at every miss costs. There the limits apply to the
        local tier in front, and ``checkpointing prune --dir URL`` evicts
        explicitly. ``max_age`` still makes expired entries misses.
        """
        if getattr(self._fs, "shared", False):
            return []
        now = time.monotonic()
        if now - self._last_eviction < interval:
            return []
        self._last_eviction = now
        return self.evict(size_limit=size_limit, max_age=max_age)

    def clear(self, function_id: str | None = None) -> int:
        """
        Delete the entries of one function (or of all functions when ``None``).

        Returns:
            The number of entries deleted.

        Raises:
            StoreError: If a file cannot be deleted.
        """
        fs = self._fs
        ids = [function_id] if function_id is not None else self.function_ids()
        count = 0
        for fid in ids:
            directory = fs.join(self._root_text, check_name(fid, "function"))
            try:
                listing = fs.scan(directory, sizes=False)
            except (FileNotFoundError, NotADirectoryError):
                continue
            for item in listing:
                path = fs.join(directory, item.name)
                if item.name.endswith(FILES_SUFFIX) and not item.name.startswith("."):
                    try:
                        fs.remove_tree(path)
                    except OSError as err:
                        raise StoreError(
                            fs.location(path), f"cannot delete: {err}"
                        ) from err
                    continue
                if item.name.endswith((MANIFEST_SUFFIX, ENTRY_SUFFIX, ".tmp")):
                    try:
                        fs.remove(path)
                    except FileNotFoundError:
                        continue
                    except OSError as err:
                        raise StoreError(
                            fs.location(path), f"cannot delete: {err}"
                        ) from err
                    finally:
                        self._forget(path)
                    count += item.name.endswith(ENTRY_SUFFIX)
            _catalog.forget(fs, directory)  # catalog hook (issue 4): the index goes too
            fs.remove_empty_dir(directory)
        if function_id is None:
            # Everything is gone: the sources kept for explanations and the
            # quarantined entries go too (per function they may be shared).
            for extra in (BLOBS, QUARANTINE):
                fs.remove_tree(fs.join(self._root_text, extra), quiet=True)
        return count

    def size_bytes(self, function_id: str) -> int:
        """Return the total size in bytes of the files of *function_id*."""
        directory = self._fs.join(self._root_text, check_name(function_id, "function"))
        try:
            listing = self._fs.scan(directory, sizes=True)
        except (FileNotFoundError, NotADirectoryError):
            return 0
        return sum(item.size for item in listing)
