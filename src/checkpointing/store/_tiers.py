"""
Tiered stores: a hierarchy of cache directories, from fast to slow.

A :class:`TieredStore` puts a fast cache directory (a local SSD) in front of
slower ones (a network directory shared by a team or a cluster) and presents
the methods the decorator calls on a :class:`~checkpointing.Store`, so
``@checkpoint(directory=[fast, slow])`` works like a single directory:

* a read tries the tiers fast to slow; a hit in a slower tier is copied
  forward into every faster tier, so the next read is local;
* a write goes to the fastest tier, then is written back to every slower tier,
  right away (``write_back="sync"``) or by one background thread
  (``write_back="background"``);
* size and age limits (eviction) apply to the fastest tier only.

Copies use :meth:`Store.copy_entry`: verified first, then written with the
target tier's public :meth:`~Store.save` (each file atomically, manifest last),
so a reader of any tier never sees a partial entry. The manifest travels with
the entry, creation time included: an entry expires at the same time in every
tier, without touching file times.

The idea comes from neurotools' ``hierarchical_cacher`` (a disk cache over a
list of paths "from the fast (default or main) cache to slower", with
``write_back`` copying new values to the slower caches); there, write-back of
caches mapped to the file system was left to "a background rsync loop".

One reason to change: how tiers combine into one :class:`~._protocol.EntryStore`
(each method stating its own tier rule: listing, writing, removal,
eviction). :class:`TieredStore` combines the parts that change for other
reasons: :mod:`._tier_reads` (read order, quarantine, copy-forward) and
:mod:`._write_back` (the write-back to slower tiers, its queue and thread,
whose counters :meth:`TieredStore.evict` reads: entries still queued are
never evicted). Imports :mod:`checkpointing._errors`,
:mod:`checkpointing._manifest` and the store's :mod:`._protocol`,
:mod:`._store`, :mod:`._tier_reads`, :mod:`._write_back`, :mod:`._catalog`
and :mod:`._locks` (types).
"""

from __future__ import annotations

import queue
import threading
import time
import warnings
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final, final

from checkpointing._errors import (
    ConfigurationError,
    StoreError,
    StoreWriteWarning,
    user_stacklevel,
)
from checkpointing._manifest import Manifest

from ._protocol import Eviction
from ._store import Store
from ._tier_reads import _TierReads
from ._write_back import _background_stores, _register_exit_hook, _WriteBack

if TYPE_CHECKING:
    from ._catalog import FunctionCatalog, Unreadable
    from ._locks import EntryLock
    from ._protocol import EntryStore

__all__ = ["WRITE_BACK_MODES", "TieredStore"]

#: The valid values of ``write_back=``.
WRITE_BACK_MODES: Final = ("sync", "background")


@final
class TieredStore(_TierReads, _WriteBack):
    """
    A hierarchy of stores, fastest first, used like one :class:`Store`.

    Reads try the tiers from fast to slow and copy a hit forward into every
    faster tier; writes go to the fastest tier and are written back to every
    slower tier. Locks (single flight) and eviction use the fastest tier, so
    they are per machine when the fast tier is a local disk.

    Adapted from neurotools' ``hierarchical_cacher(fast_to_slow,
    write_back=True)``, with verified, atomic copies and a bounded
    background write-back queue.

    Args:
        tiers: The stores, fastest first (e.g. a local SSD directory, then a
            shared network directory). At least two.
        write_back: When a new entry reaches the slower tiers: ``"sync"``
            (default) copies it before :meth:`save` returns; ``"background"``
            queues it for one daemon thread, so the caller only pays for the
            fast write. Queued write-backs are finished at interpreter exit
            (``atexit``) or by :meth:`flush`.
        queue_size: Entries (not bytes) the background queue holds. A save
            that finds it full waits for a free slot (back-pressure), so a
            fast producer cannot outrun a slow network disk without bound.

    Attributes:
        tiers: The stores, fastest first (a tuple).
        root: The fastest tier's directory (locks live there).
        write_back: ``"sync"`` or ``"background"``.
        queue_size: Capacity of the background queue, in entries.
        write_back_failures: Number of write-backs that failed (a slower
            tier could not be written, or the entry had left the fastest tier
            before its background write-back ran).

    Raises:
        ConfigurationError: If fewer than two tiers are given, *write_back* is
            not one of ``"sync"``, ``"background"``, or *queue_size* is not a
            positive integer.

    .. versionadded:: 0.2.0
    """

    def __init__(
        self,
        tiers: Sequence[Store],
        *,
        write_back: str = "sync",
        queue_size: int = 64,
    ) -> None:
        self.tiers: tuple[Store, ...] = tuple(tiers)
        if len(self.tiers) < 2:
            raise ConfigurationError(
                f"a tiered store needs at least 2 tiers, got {len(self.tiers)}; "
                "use a Store for a single directory"
            )
        if write_back not in WRITE_BACK_MODES:
            raise ConfigurationError(
                f"write_back= must be 'sync' or 'background', got {write_back!r}"
            )
        if isinstance(queue_size, bool) or not isinstance(queue_size, int):
            raise ConfigurationError(
                f"queue_size= must be an int, got {type(queue_size).__name__}"
            )
        if queue_size < 1:
            raise ConfigurationError(
                f"queue_size= must be at least 1, got {queue_size}"
            )
        self.write_back = write_back
        self.queue_size = queue_size
        self.write_back_failures = 0
        self._lock = threading.Lock()
        # Signalled whenever a queued write-back finishes (see flush()).
        self._done = threading.Condition(self._lock)
        self._pending = 0  # write-backs queued or running
        self._pending_names: Counter[str] = Counter()  # protected from eviction
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue(maxsize=queue_size)
        self._thread: threading.Thread | None = None
        # (function_id, name) -> index of the tier that served the last load.
        self._served: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._last_eviction = -float("inf")  # time.monotonic() of evict_if_due
        if write_back == "background":
            _register_exit_hook()
            _background_stores.add(self)

    def __repr__(self) -> str:
        tiers = ", ".join(repr(tier) for tier in self.tiers)
        return f"TieredStore([{tiers}], write_back={self.write_back!r})"

    @property
    def root(self) -> Path:
        """The fastest tier's directory: locks and ``Checkpointed.directory``."""
        return self.tiers[0].root

    @property
    def fsync(self) -> bool:
        """Whether the fastest tier fsyncs its files (each tier has its own)."""
        return self.tiers[0].fsync

    def location(self, function_id: str | None = None, name: str | None = None) -> str:
        """
        Return the location of the fastest tier, or of a function in it.

        An entry's location is in the fastest tier that has it (else in the
        fastest tier), as :meth:`entry_path`.

        Raises:
            StoreError: If a name is not a valid file name.
        """
        if function_id is not None and name is not None:
            return self._holder(function_id, name).location(function_id, name)
        return self.tiers[0].location(function_id, name)

    def lock(self, function_id: str, name: str, timeout: float) -> EntryLock:
        """Return the entry's lock in the fastest tier (per machine when it is local)."""
        return self.tiers[0].lock(function_id, name, timeout)

    def catalog(self, function_id: str) -> FunctionCatalog:
        """Return the index of *function_id* in the fastest tier (what ``inspect`` shows)."""
        return self.tiers[0].catalog(function_id)

    def rebuild_catalog(
        self,
        function_id: str,
        manifests: Collection[tuple[Manifest, int]],
        unreadable: Collection[Unreadable] = (),
    ) -> None:
        """Replace the index of *function_id* in the fastest tier."""
        self.tiers[0].rebuild_catalog(function_id, manifests, unreadable)

    def copy_entry(self, target: EntryStore, function_id: str, name: str) -> bool:
        """
        Copy one entry from the fastest tier that has it into *target*.

        Returns:
            Whether an entry was copied.

        Raises:
            StoreError: If *target* cannot be written.
        """
        return self._holder(function_id, name).copy_entry(target, function_id, name)

    # -- paths ---------------------------------------------------------------
    def _holder(self, function_id: str, name: str) -> Store:
        """The fastest tier with an entry file for *name*, else the fastest tier."""
        for tier in self.tiers:
            if tier.contains(function_id, name):
                return tier
        return self.tiers[0]

    def entry_path(self, function_id: str, key: str) -> Path:
        """
        Return the entry file of *key* in the fastest tier that has one.

        Without an entry in any tier, the path in the fastest tier (where
        :meth:`save` would write it).

        Raises:
            StoreError: If a name is not a valid file name.
        """
        return self._holder(function_id, key).entry_path(function_id, key)

    def manifest_path(self, function_id: str, key: str) -> Path:
        """
        Return the manifest of *key* in the fastest tier that has its entry.

        Raises:
            StoreError: If a name is not a valid file name.
        """
        return self._holder(function_id, key).manifest_path(function_id, key)

    def files_path(self, function_id: str, name: str) -> Path:
        """
        Return the result-file directory of *name* in the fastest tier that has its entry.

        Raises:
            StoreError: If a name is not a valid file name.
        """
        return self._holder(function_id, name).files_path(function_id, name)

    def contains(self, function_id: str, key: str) -> bool:
        """Return whether any tier has an entry file for *key* (not verified)."""
        return any(tier.contains(function_id, key) for tier in self.tiers)

    def manifest(self, function_id: str, key: str) -> Manifest | None:
        """
        Return the manifest of *key* from the fastest tier that has one.

        Returns:
            The manifest, or ``None`` if no tier has one.

        Raises:
            CorruptEntryError: If no tier has a readable manifest and one has
                a damaged one.
            StoreError: If no tier has a readable manifest and one could not
                be read.
        """
        error: StoreError | None = None
        for tier in self.tiers:
            try:
                found = tier.manifest(function_id, key)
            except StoreError as err:
                error = error or err
                continue
            if found is not None:
                return found
        if error is not None:
            raise error
        return None

    def manifests(self, function_id: str) -> list[Manifest]:
        """
        Return the readable manifests of *function_id* in all tiers, oldest first.

        An entry present in several tiers is listed once, with the fastest
        tier's manifest.
        """
        found: dict[str, Manifest] = {}
        for tier in self.tiers:
            for manifest in tier.manifests(function_id):
                found.setdefault(manifest.entry_name, manifest)
        return sorted(found.values(), key=lambda m: m.created_at)

    def nearest_manifests(
        self,
        function_id: str,
        arguments_digest: str,
        fingerprint: str,
        *,
        limit: int = 32,
    ) -> list[Manifest]:
        """
        Return the manifests a miss is explained against, from one tier.

        The fastest tier holding any manifest of *function_id* answers (see
        :meth:`Store.nearest_manifests`): a miss then reads no slow tier
        when the fast one knows the function.
        """
        for tier in self.tiers:
            if tier.has_manifests(function_id):
                return tier.nearest_manifests(
                    function_id, arguments_digest, fingerprint, limit=limit
                )
        return []

    def iter_manifest_files(self, function_id: str) -> Iterator[Path]:
        """Yield each entry's manifest file once, from the fastest tier that has it."""
        seen: set[str] = set()
        for tier in self.tiers:
            for path in tier.iter_manifest_files(function_id):
                if path.name not in seen:
                    seen.add(path.name)
                    yield path

    def manifest_names(self, function_id: str) -> list[str]:
        """Return the names of the entries with a manifest in any tier, sorted, each once."""
        return sorted(
            {name for tier in self.tiers for name in tier.manifest_names(function_id)}
        )

    def entry_names(self, function_id: str) -> list[str]:
        """Return the names of the entries with an entry file in any tier, sorted, each once."""
        return sorted(
            {name for tier in self.tiers for name in tier.entry_names(function_id)}
        )

    def read_manifest_bytes(self, function_id: str, name: str) -> bytes | None:
        """
        Return the raw manifest of *name* from the fastest tier that has one.

        Returns:
            The bytes, or ``None`` if no tier has a manifest of *name*.

        Raises:
            StoreError: If no tier has a readable manifest file and one could
                not be read.
        """
        error: StoreError | None = None
        for tier in self.tiers:
            try:
                raw = tier.read_manifest_bytes(function_id, name)
            except StoreError as err:
                error = error or err
                continue
            if raw is not None:
                return raw
        if error is not None:
            raise error
        return None

    def manifest_modified(self, function_id: str, name: str) -> float | None:
        """
        Return when the manifest of *name* changed, in the fastest tier that has one.

        Raises:
            StoreError: If no tier has its time and one could not be read.
        """
        error: StoreError | None = None
        for tier in self.tiers:
            try:
                modified = tier.manifest_modified(function_id, name)
            except StoreError as err:
                error = error or err
                continue
            if modified is not None:
                return modified
        if error is not None:
            raise error
        return None

    def manifest_location(self, function_id: str, name: str) -> str:
        """
        Return the manifest of *name* in the fastest tier that has its entry.

        The tier :meth:`location` names for the entry, as :meth:`manifest_path`.

        Raises:
            StoreError: If a name is not a valid file name.
        """
        return self._holder(function_id, name).manifest_location(function_id, name)

    def function_ids(self) -> list[str]:
        """Return the function directory names of all tiers, sorted, each once."""
        return sorted({fid for tier in self.tiers for fid in tier.function_ids()})

    def blob(self, digest: str) -> str | None:
        """Return the source text stored under *digest* in the fastest tier that has it."""
        for tier in self.tiers:
            text = tier.blob(digest)
            if text is not None:
                return text
        return None

    def record_hit(self, function_id: str) -> None:
        """Count a hit of *function_id* in the fastest tier's catalog (for ``inspect``)."""
        self.tiers[0].record_hit(function_id)

    def size_bytes(self, function_id: str) -> int:
        """Return the bytes of *function_id* in the fastest tier (what eviction limits)."""
        return self.tiers[0].size_bytes(function_id)

    # -- writing -------------------------------------------------------------
    def save(
        self,
        manifest: Manifest,
        payload: bytes | Sequence[bytes | bytearray | memoryview],
        blobs: dict[str, str],
        *,
        outputs: Sequence[tuple[str, Callable[[BinaryIO], None]]] = (),
        replace: bool = True,
    ) -> Path:
        """
        Write an entry to the fastest tier, then write it back to the slower ones.

        With ``write_back="sync"`` each slower tier gets a verified copy
        before this returns; a tier that cannot be written gets a
        :class:`StoreWriteWarning` (naming it) and the entry stays in the
        faster tiers. With ``"background"`` the entry is queued for the
        write-back thread; this waits only while the queue is full.

        Args:
            manifest: The entry's manifest (see :meth:`Store.save`).
            payload: Serialized value, bytes or a sequence of chunks.
            blobs: Digest to normalized source text.
            outputs: ``(file name, writer)`` pairs for results stored as files.
            replace: See :meth:`Store.save`.

        Returns:
            The path of the entry file in the fastest tier.

        Raises:
            StoreError: If the fastest tier cannot be written (nothing is
                written back then).
            SerializationError: Raised by a writer, unchanged.
        """
        path = self.tiers[0].save(
            manifest, payload, blobs, outputs=outputs, replace=replace
        )
        function_id, name = manifest.function_id, manifest.entry_name
        if self.write_back == "sync":
            for index in range(1, len(self.tiers)):
                error = self._write_back_to(function_id, name, index)
                if error is not None:
                    warnings.warn(
                        f"checkpointing: {function_id}/{name} was not written back "
                        f"to tier {index} ({self.tiers[index].location()}): {error}; "
                        f"it stays in {self.tiers[0].location()}",
                        StoreWriteWarning,
                        stacklevel=user_stacklevel(),
                    )
        else:
            self._submit(function_id, name)
        return path

    # -- removing ------------------------------------------------------------
    def clear(self, function_id: str | None = None) -> int:
        """
        Delete the entries of one function (or of all) in every tier.

        Queued write-backs are finished first, so none recreates an entry in
        a slower tier after it was cleared. Every tier is cleared even if one
        fails.

        Returns:
            The largest count of entries deleted from one tier. Once write-back
            is complete the slowest tier holds every entry, so this is the
            number of distinct results deleted.

        Raises:
            StoreError: The first tier's failure, after all tiers were tried.
        """
        self.flush()
        counts: list[int] = []
        error: StoreError | None = None
        for tier in self.tiers:
            try:
                counts.append(tier.clear(function_id))
            except StoreError as err:
                error = error or err
        if error is not None:
            raise error
        return max(counts)

    def delete(self, function_id: str, key: str) -> bool:
        """
        Delete one entry in every tier; return whether any tier had it.

        Raises:
            StoreError: The first tier's failure, after all tiers were tried.
        """
        self.flush()
        existed = False
        error: StoreError | None = None
        for tier in self.tiers:
            try:
                existed = tier.delete(function_id, key) or existed
            except StoreError as err:
                error = error or err
        if error is not None:
            raise error
        return existed

    def quarantine(self, function_id: str, key: str) -> str | None:
        """
        Move a damaged entry aside in every tier (the copies are the same bytes).

        Returns:
            The new location of the first tier's entry that was moved, or ``None``.
        """
        moved: str | None = None
        for tier in self.tiers:
            path = tier.quarantine(function_id, key)
            moved = moved or path
        return moved

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
        Evict from the fastest tier only (see :meth:`Store.evict`).

        Limits protect the local disk; the slower tiers are the archive that
        evicted entries are copied back from. Entries still waiting for their
        background write-back are never evicted (they would be lost).

        Args:
            size_limit: Bytes the fastest tier may hold.
            max_age: Seconds; older entries are deleted first.
            dry_run: Only report what would be deleted.
            function_ids: Only consider these functions.
            protected: Entry names never evicted.

        Returns:
            The evicted entries, in deletion order.

        Raises:
            StoreError: If an entry cannot be deleted.
        """
        with self._lock:
            pending = set(self._pending_names)
        return self.tiers[0].evict(
            size_limit=size_limit,
            max_age=max_age,
            dry_run=dry_run,
            function_ids=function_ids,
            protected=pending.union(protected),
        )

    def evict_if_due(
        self, *, size_limit: int | None, max_age: float | None, interval: float = 30.0
    ) -> list[Eviction]:
        """
        Run :meth:`evict` (fastest tier only) at most once per *interval* seconds.

        Raises:
            StoreError: If an entry cannot be deleted.
        """
        now = time.monotonic()
        with self._lock:
            if now - self._last_eviction < interval:
                return []
            self._last_eviction = now
        return self.evict(size_limit=size_limit, max_age=max_age)
