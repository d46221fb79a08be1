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

One reason to change: how tiers combine (read order, copy-forward,
write-back). Long because :class:`TieredStore` implements the whole
:class:`~._protocol.EntryStore` protocol, each method stating its own tier
rule; the background write-back shares its queue and counters with
:meth:`TieredStore.evict` (entries still queued are never evicted).
Imports :mod:`checkpointing._errors`, :mod:`checkpointing._manifest` and the
store's :mod:`._protocol`, :mod:`._store`, :mod:`._catalog` and :mod:`._locks`
(types).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import threading
import time
import warnings
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final, final

from checkpointing._errors import (
    ConfigurationError,
    CorruptEntryError,
    StoreError,
    StoreWriteWarning,
    UntrustedDirectoryError,
    user_stacklevel,
)
from checkpointing._manifest import Manifest

from ._protocol import MISSING, Eviction, _Missing
from ._store import Store

if TYPE_CHECKING:
    from ._catalog import FunctionCatalog, Unreadable
    from ._locks import EntryLock
    from ._protocol import EntryStore

__all__ = ["WRITE_BACK_MODES", "TieredStore"]

logger = logging.getLogger("checkpointing")

#: The valid values of ``write_back=``.
WRITE_BACK_MODES: Final = ("sync", "background")
#: Seconds the background thread waits for work before it exits (it is
#: restarted by the next write): an idle store holds no thread.
_IDLE_SECONDS: Final = 2.0
#: Entries whose serving tier is remembered for :meth:`TieredStore.outputs`.
_SERVED_ENTRIES: Final = 1024

# Stores with background write-back, flushed at exit. Weak: a store nobody
# uses any more (and whose queue is empty: the thread holds the store while
# it works) is not kept alive just to be flushed.
_background_stores: weakref.WeakSet[TieredStore] = weakref.WeakSet()
_exit_hook_lock = threading.Lock()
_exit_hook_registered: list[bool] = []


def _flush_at_exit() -> None:
    """Finish every queued write-back before the interpreter exits."""
    for store in list(_background_stores):
        store._drain()


def _register_exit_hook() -> None:
    with _exit_hook_lock:
        if not _exit_hook_registered:
            atexit.register(_flush_at_exit)
            _exit_hook_registered.append(True)


def _copy(source: Store, target: Store, function_id: str, name: str) -> bool:
    """
    Copy one entry from *source* to *target* (see :meth:`Store.copy_entry`).

    Raises:
        StoreError: If *target* cannot be written.
    """
    return source.copy_entry(target, function_id, name)


@final
class TieredStore:
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

    # -- reading -------------------------------------------------------------
    def load(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> memoryview | _Missing:
        """
        Return the verified payload of an entry from the fastest tier that has it.

        Tiers are tried fast to slow with :meth:`Store.load`. A hit in a
        slower tier is copied into every faster tier first (a failure to copy
        is logged, never raised: the value is still returned). A damaged entry
        in one tier does not hide a good copy in another: it is quarantined
        in its tier and the next tier is tried (the good copy then replaces
        it). A tier that cannot be read at all is skipped the same way, but
        left in place.

        Args:
            function_id: The function's directory name.
            name: The entry's name (32-character hex key or a readable name).
            max_age: Seconds; an entry written longer ago counts as missing.
            key: The hex key the entry must hold (see :meth:`Store.load`).

        Returns:
            The payload (a read-only view), or :data:`MISSING` if no tier has
            a valid entry.

        Raises:
            UntrustedDirectoryError: If a tier tried is not trusted (always
                raised at once, never skipped).
            StoreError: If no tier has the entry and one could not be read
                (raised in preference to a damaged entry, which was already
                moved aside).
            CorruptEntryError: If no tier has the entry and one had a damaged
                copy (now quarantined), so the caller recomputes and warns.
        """
        # The hit path: a hit in the fastest tier goes straight back. Anything
        # else (a miss, an error) goes the full way, which reads it again.
        try:
            payload = self.tiers[0].load(function_id, name, max_age=max_age, key=key)
        except StoreError:
            payload = MISSING
        if payload is not MISSING:
            if self._served:
                self._remember(function_id, name, 0)
            return payload

        def read(tier: Store) -> memoryview | _Missing:
            return tier.load(function_id, name, max_age=max_age, key=key)

        return self._read(function_id, name, read)

    def load_mapped(
        self,
        function_id: str,
        name: str,
        *,
        key: str | None = None,
        max_age: float | None = None,
        writable: bool = False,
    ) -> memoryview | _Missing:
        """
        Map an entry into memory from the fastest tier that has it.

        Same tier order, quarantine and copy-forward as :meth:`load`. After a
        hit in a slower tier has been copied forward, the entry is mapped
        from the fastest tier (local pages), else from the tier that has it.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            key: The hex key the entry must hold (see :meth:`Store.load`).
            max_age: Seconds; older entries are :data:`MISSING`.
            writable: Map copy-on-write instead of read-only.

        Returns:
            The mapped payload, or :data:`MISSING`.

        Raises:
            UntrustedDirectoryError: If a tier tried is not trusted.
            StoreError: As :meth:`load`.
            CorruptEntryError: As :meth:`load`.
        """

        def read(tier: Store) -> memoryview | _Missing:
            return tier.load_mapped(
                function_id, name, key=key, max_age=max_age, writable=writable
            )

        return self._read(function_id, name, read, remap=True)

    def _read(
        self,
        function_id: str,
        name: str,
        read: Callable[[Store], memoryview | _Missing],
        *,
        remap: bool = False,
    ) -> memoryview | _Missing:
        corrupt: CorruptEntryError | None = None
        failed: StoreError | None = None
        for index, tier in enumerate(self.tiers):
            try:
                payload = read(tier)
            except UntrustedDirectoryError:
                raise  # a security refusal, never "try elsewhere"
            except CorruptEntryError as err:
                logger.warning(
                    "damaged entry %s/%s in tier %d (%s): %s; quarantined",
                    function_id,
                    name,
                    index,
                    tier.location(),
                    err,
                )
                with contextlib.suppress(StoreError, OSError):
                    tier.quarantine(function_id, name)
                corrupt = corrupt or err
                continue
            except StoreError as err:
                logger.warning(
                    "cannot read %s/%s in tier %d (%s): %s",
                    function_id,
                    name,
                    index,
                    tier.location(),
                    err,
                )
                failed = failed or err
                continue
            if payload is MISSING:
                continue
            served = self._copy_forward(function_id, name, index)
            self._remember(function_id, name, served)
            if remap and served < index:
                # Map the local copy rather than the slow tier's file; if it
                # vanished meanwhile (evicted, cleared), keep the slow mapping.
                with contextlib.suppress(StoreError):
                    local = read(self.tiers[served])
                    if local is not MISSING:
                        return local
                self._remember(function_id, name, index)
            return payload
        # No tier has a good copy. A read failure wins over a damaged entry:
        # damaged copies are already moved aside, while a tier that could not
        # be read must not have its (perhaps good) entry quarantined by the caller.
        if failed is not None:
            raise failed
        if corrupt is not None:
            raise corrupt
        return MISSING

    def _copy_forward(self, function_id: str, name: str, index: int) -> int:
        """
        Copy the entry found in tier *index* into every faster tier.

        Returns:
            The fastest tier that now holds the entry.
        """
        if index == 0:
            return 0
        source = self.tiers[index]
        fastest = index
        for target_index in range(index - 1, -1, -1):
            target = self.tiers[target_index]
            try:
                copied = _copy(source, target, function_id, name)
            except UntrustedDirectoryError:
                raise  # the fast directory itself is unsafe: the caller must know
            except StoreError as err:
                # A full or read-only fast disk: the slow copy still serves.
                logger.warning(
                    "cannot copy %s/%s forward from tier %d (%s) to tier %d (%s): %s",
                    function_id,
                    name,
                    index,
                    source.location(),
                    target_index,
                    target.location(),
                    err,
                )
                continue
            if copied:
                fastest = target_index
                logger.debug(
                    "copied %s/%s forward from tier %d to tier %d",
                    function_id,
                    name,
                    index,
                    target_index,
                )
        return fastest

    def _remember(self, function_id: str, name: str, index: int) -> None:
        if index == 0:
            # The hit path: the default needs no entry, and no lock unless an
            # older entry (served by a slower tier) must go.
            if self._served:
                with self._lock:
                    self._served.pop((function_id, name), None)
            return
        with self._lock:
            served = self._served
            served[(function_id, name)] = index
            served.move_to_end((function_id, name))
            while len(served) > _SERVED_ENTRIES:
                served.popitem(last=False)

    def outputs(
        self,
        function_id: str,
        name: str,
        payload: memoryview,
        *,
        verify: bool = True,
        skip_checksum: Collection[str] = (),
    ) -> dict[str, str]:
        """
        Return the result files of an entry, checked, from the tier that serves it.

        The tier that served the last :meth:`load` of the entry is tried
        first (after a copy-forward, the fastest tier), then the others in
        order: the first tier whose files match the table in *payload* wins.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            payload: The entry's payload (from :meth:`load`): its file table.
            verify: Check every file's xxh3-64 checksum (see
                :meth:`Store.outputs`).
            skip_checksum: File names checked by size only (memory mapped).

        Returns:
            File name (e.g. ``"value.npy"``) to absolute path.

        Raises:
            CorruptEntryError: If no tier has all the files, matching the
                table (the first tier's error).
        """
        with self._lock:
            first = self._served.get((function_id, name), 0)
        others = [tier for i, tier in enumerate(self.tiers) if i != first]
        try:
            return self.tiers[first].outputs(
                function_id, name, payload, verify=verify, skip_checksum=skip_checksum
            )
        except CorruptEntryError as err:
            error = err
        for tier in others:
            with contextlib.suppress(CorruptEntryError):
                return tier.outputs(
                    function_id,
                    name,
                    payload,
                    verify=verify,
                    skip_checksum=skip_checksum,
                )
        raise error

    def is_valid(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> bool:
        """
        Return whether some tier has a complete, verified, unexpired entry.

        Nothing is copied forward: this only answers the question.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            max_age: Seconds; older entries do not count.
            key: The hex key the entry must hold (see :meth:`Store.load`).

        Returns:
            ``True`` if some tier would serve the entry.
        """
        # Each tier's own check: the entry and, for file serializers, its
        # result files (a damaged file in every tier is not a valid entry).
        return any(
            tier.is_valid(function_id, name, max_age=max_age, key=key)
            for tier in self.tiers
        )

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

        Returns:
            The path of the entry file in the fastest tier.

        Raises:
            StoreError: If the fastest tier cannot be written (nothing is
                written back then).
            SerializationError: Raised by a writer, unchanged.
        """
        path = self.tiers[0].save(manifest, payload, blobs, outputs=outputs)
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

    def _write_back_to(self, function_id: str, name: str, index: int) -> str | None:
        """Copy an entry from the fastest tier to tier *index*; return why it failed."""
        try:
            copied = _copy(self.tiers[0], self.tiers[index], function_id, name)
        except StoreError as err:
            reason = str(err)
        else:
            if copied:
                return None
            reason = "no verified entry in the fastest tier (evicted or replaced?)"
        with self._lock:
            self.write_back_failures += 1
        return reason

    def _submit(self, function_id: str, name: str) -> None:
        with self._lock:
            self._pending += 1
            self._pending_names[name] += 1
        # Outside the lock: a full queue blocks here until the thread takes an
        # item, and the thread needs the lock to report it done.
        self._queue.put((function_id, name))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work,
                    name=f"checkpointing-write-back-{self.tiers[0].root.name}",
                    daemon=True,
                )
                self._thread.start()

    def _work(self) -> None:
        """Body of the write-back thread: serve the queue until it stays empty."""
        while True:
            try:
                item = self._queue.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    # Under the lock, so a concurrent _submit either sees this
                    # thread still registered (and the item is served after
                    # the check below) or sees None and starts a new thread.
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            self._write_back_item(item)

    def _write_back_item(self, item: tuple[str, str]) -> None:
        function_id, name = item
        try:
            for index in range(1, len(self.tiers)):
                error = self._write_back_to(function_id, name, index)
                if error is not None:
                    logger.warning(
                        "checkpointing: %s/%s was not written back to tier %d (%s): %s",
                        function_id,
                        name,
                        index,
                        self.tiers[index].location(),
                        error,
                    )
        except Exception:
            # A thread has no caller to raise to: an unexpected error is logged
            # with its traceback and counted, and the thread goes on (if it
            # died, the bounded queue would block every later save).
            logger.exception("checkpointing: write-back of %s/%s failed", *item)
            with self._lock:
                self.write_back_failures += 1
        finally:
            self._queue.task_done()
            with self._lock:
                self._pending -= 1
                self._pending_names[name] -= 1
                if self._pending_names[name] <= 0:
                    del self._pending_names[name]
                self._done.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """
        Wait until every queued write-back has finished.

        Args:
            timeout: Seconds to wait at most; ``None`` waits as long as it takes.

        Returns:
            ``True`` if nothing is left to write back, ``False`` on timeout.
            Always ``True`` with ``write_back="sync"``.
        """
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def _drain(self) -> None:
        """Serve the queue in this thread, then wait (the ``atexit`` flush)."""
        # Not flush(): the thread may have gone idle, and from an atexit hook
        # a new thread may not start (Python 3.12+ refuses at shutdown).
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._write_back_item(item)
        self.flush()

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
