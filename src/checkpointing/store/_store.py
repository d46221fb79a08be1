"""
The store: entries grouped by function, over a file system.

A :class:`Store` is one cache directory (see :mod:`._layout` for what goes
where and :mod:`._format` for the bytes of an entry). It does all its I/O
through a :class:`~._filesystem.FileSystem`: :class:`~._local.LocalFileSystem`
by default, or any fsspec file system (:class:`~._fsspec.FsspecFileSystem`).
Every file is published atomically: readers see the old file or the new one,
never a prefix. The store knows nothing about functions: ``function_id`` and
``name`` are opaque. An entry's *name* is its 32-character hex *key* by
default, or a readable name chosen with ``@checkpoint(key=...)``; a named
entry's header still holds the hex key, and a read that expects another key
is a miss (the code or the arguments behind that name changed), never a stale
value.

Times are the store's own records, never file times: an entry's age is the
creation time in its manifest, its recency the last hit this store recorded
(kept in memory on the hit path, appended to the catalog at exit, every
1,000 hits and before eviction). File systems without such times (object
stores) then behave like local ones.

One reason to change: the store's behaviour (what a save, load, removal
does). Why one long module: :class:`Store` is one object whose reads and writes
share private state that must stay consistent: the in-memory payload and
manifest-time memos that :meth:`Store.load` serves hits from are invalidated
by every write and removal of the same store (``_forget`` and its change
counter), which is what makes the memo sound where file times are not.
Split across modules, that invariant would have no single place; the parts
that change for other reasons live below it (layout, format, I/O, catalog,
eviction policy, locks). Imports :mod:`checkpointing._errors`,
:mod:`checkpointing._manifest`, :mod:`checkpointing._settings` and the lower
store modules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import time
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final, final

import xxhash

from checkpointing._errors import CorruptEntryError, StoreError, UntrustedDirectoryError
from checkpointing._manifest import Manifest
from checkpointing._settings import resolve_hmac_key

from . import _catalog
from ._format import (
    FILE_TABLE_MAGIC,
    pack_header,
    parse_table,
    signature,
    verify_entry,
)
from ._layout import (
    BLOBS,
    CACHEDIR_TAG,
    ENTRY_SUFFIX,
    FILES_SUFFIX,
    LOCKS,
    MANIFEST_SUFFIX,
    QUARANTINE,
    check_name,
    is_hex_key,
)
from ._local import LocalFileSystem
from ._protocol import MISSING, Eviction, _Missing

if TYPE_CHECKING:
    from ._catalog import FunctionCatalog, Unreadable
    from ._filesystem import FileSystem, StatToken
    from ._locks import EntryLock
    from ._protocol import EntryStore

__all__ = ["FILE_TABLE_MAGIC", "MISSING", "Eviction", "Store", "is_hex_key"]

#: load() keeps the verified bytes of up to this many recent small entries
#: (at most _RECENT_MAX_BYTES each, so at most 16 MiB per store).
_RECENT_ENTRIES: Final = 256
_RECENT_MAX_BYTES: Final = 64 * 1024
#: Seconds: load() keeps an entry's bytes in memory only if the file last
#: changed (the later of its modification and change times) more than this
#: long before the read began: git's rule for "racily clean" index entries.
#: A file changed within the margin is read from disk on every hit, because
#: its (inode, times, size) cannot tell it from a rewrite in the same clock
#: tick. The margin is the sum of: timestamp granularity up to 2 s (FAT;
#: ext4 with 128-byte inodes, HFS+ and many NFS servers have 1 s), the
#: kernel's coarse clock lagging time.time() by up to one tick (<= 10 ms),
#: and up to about 1 s of skew between the clock that stamps the file (an
#: NFS server's) and this process's clock. Clocks further apart than that
#: (no NTP) are outside what the fast path assumes; a server clock *ahead*
#: of ours is always safe (the file only looks newer).
_RACY_SECONDS: Final = 3.0


def _rebuild_store(
    root: str,
    fsync: bool,  # noqa: FBT001
    trust_directory: bool,  # noqa: FBT001
    filesystem: FileSystem | None = None,
) -> Store:
    return Store(
        root,
        fsync=fsync,
        trust_directory=trust_directory,
        hmac_key=resolve_hmac_key(None),
        filesystem=filesystem,
    )


# Stores that recorded hits (counts in Store._hits, times in Store._accessed;
# registered by Store.record_hit, the decorator's hits). Weak: a store nobody
# uses any more is collected, and its finalizer appends what it recorded; the
# finalizers of the stores still alive run at exit (weakref.finalize's atexit).
_stores_with_hits: weakref.WeakSet[Store] = weakref.WeakSet()
_HIT_FLUSH: Final = 1000


def _register_hits(store: Store) -> None:
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


@final
class Store:
    """
    A cache directory holding entries grouped by function.

    Args:
        root: The cache directory (``~`` expands to the home directory);
            created (mode 0o700) on the first write. With *filesystem*, the
            directory's path inside that file system.
        fsync: Whether to ``fsync`` each file before it is renamed into place.
            Off by default: a crash may then lose a recent entry (it is
            recomputed), but checksums make a corrupt read impossible.
        trust_directory: Load entries even from a directory that other users
            can write to (see :class:`~checkpointing.UntrustedDirectoryError`).
        hmac_key: Sign every entry written and refuse entries without a valid
            signature (HMAC-SHA256); ``None``: no signatures.
        filesystem: Where the files live (default: the local file system
            under *root*); see :meth:`over`.

    The store never raises on a missing entry (:data:`MISSING` is returned);
    it raises :class:`StoreError` for I/O failures and
    :class:`CorruptEntryError` for damaged entries.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        fsync: bool = False,
        trust_directory: bool = False,
        hmac_key: bytes | None = None,
        filesystem: FileSystem | None = None,
    ) -> None:
        if filesystem is None:
            # "~/cache" means the home directory, as in a shell: a folder named
            # "~" in the working directory is never what was meant.
            self.root = Path(os.path.expanduser(os.fspath(root)))  # noqa: PTH111
            self._root_text = os.fspath(self.root)
            filesystem = LocalFileSystem(self._root_text)
        else:
            self._root_text = os.fspath(root)
            self.root = Path(self._root_text)
        self._fs: FileSystem = filesystem
        self._local = isinstance(filesystem, LocalFileSystem)
        # Bound once: the miss path calls it without attribute lookups.
        self._read_entry = filesystem.read_entry
        self.fsync = fsync
        self.trust_directory = trust_directory
        self._hmac_key = hmac_key or None
        self._trusted = trust_directory  # set once the root passed _check_trust
        self._checked: set[str] = set()  # keys already validated (hot path)
        self._prefixes: dict[str, str] = {}  # function_id -> "<root>/<function_id>/"
        self._root_ready = False  # root created and tagged (see _ensure_root)
        self._hits: dict[str, int] = {}  # function_id -> hits not yet in the catalog
        # Entry file path -> time of its last hit, not yet in the catalog.
        # Never replaced (only emptied): the finalizer holds these dictionaries.
        self._accessed: dict[str, float] = {}
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._last_eviction = -float("inf")  # time.monotonic() of the last evict_if_due
        # Verified payloads of small entries read recently, by path, with the
        # file's stat token they were read at, their stored key and, if the
        # manifest was read with them, its (created_at, key): see load().
        self._recent: dict[
            str, tuple[StatToken, str, memoryview, tuple[float, str] | None]
        ] = {}
        # Entry files this store replaced or removed so far: a read that saw
        # the count change while it read keeps nothing (see _forget).
        self._changes = 0

    @classmethod
    def over(
        cls,
        filesystem: FileSystem,
        *,
        fsync: bool = False,
        trust_directory: bool = False,
        hmac_key: bytes | None = None,
    ) -> Store:
        """
        A store whose cache directory is *filesystem*'s root.

        For example ``Store.over(FsspecFileSystem(fsspec.filesystem("memory"),
        "/cache"))``: a store in memory, as a remote one would be.
        """
        return cls(
            filesystem.root,
            fsync=fsync,
            trust_directory=trust_directory,
            hmac_key=hmac_key,
            filesystem=filesystem,
        )

    @property
    def filesystem(self) -> FileSystem:
        """The file system the store's files live in."""
        return self._fs

    def __repr__(self) -> str:
        if self._local:
            return f"Store({str(self.root)!r})"
        return f"Store({self._root_text!r}, filesystem={self._fs!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The HMAC key is a secret: it is not pickled. The rebuilt store reads
        # CHECKPOINTING_HMAC_KEY in the process that unpickles it (a worker).
        if self._local:
            return (_rebuild_store, (self._root_text, self.fsync, self.trust_directory))
        return (
            _rebuild_store,
            (self._root_text, self.fsync, self.trust_directory, self._fs),
        )

    # -- paths ---------------------------------------------------------------
    def _prefix(self, function_id: str) -> str:
        """``"<root>/<function_id>/"``, checked once per function."""
        prefix = self._prefixes.get(function_id)
        if prefix is None:
            prefix = self._fs.join(
                self._root_text, check_name(function_id, "function"), ""
            )
            self._prefixes[function_id] = prefix
        return prefix

    def _path(self, function_id: str, name: str, suffix: str) -> str:
        return self._prefix(function_id) + check_name(name, "key") + suffix

    def _blob_path(self, digest: str) -> str:
        return self._fs.join(self._root_text, BLOBS, digest[:2], f"{digest}.txt")

    def entry_path(self, function_id: str, key: str) -> Path:
        """Return the path of the entry file for *key* (it may not exist)."""
        return Path(self._path(function_id, key, ENTRY_SUFFIX))

    def manifest_path(self, function_id: str, key: str) -> Path:
        """Return the path of the manifest for *key* (it may not exist)."""
        return Path(self._path(function_id, key, MANIFEST_SUFFIX))

    def files_path(self, function_id: str, name: str) -> Path:
        """Return the directory of an entry's result files (it may not exist)."""
        return Path(self._path(function_id, name, FILES_SUFFIX))

    def location(self, function_id: str | None = None, name: str | None = None) -> str:
        """
        Return where the store, a function or an entry lives: a path or a URL.

        Args:
            function_id: A function's directory (default: the store's root).
            name: An entry of *function_id*: its entry file.

        Raises:
            StoreError: If a name is not a valid file name.
        """
        if function_id is None:
            return self._fs.location(self._root_text)
        if name is None:
            return self._fs.location(
                self._fs.join(self._root_text, check_name(function_id, "function"))
            )
        return self._fs.location(self._path(function_id, name, ENTRY_SUFFIX))

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
        Return the verified payload of an entry (a zero-copy view), or :data:`MISSING`.

        Args:
            function_id: The function's directory name.
            name: The entry's name: its 32-character hex key, or a readable
                name (``@checkpoint(key=...)``).
            max_age: Seconds; an entry written longer ago counts as missing
                (it is recomputed and overwritten). The time written is the
                creation time in the entry's manifest: an entry without a
                readable manifest counts as missing too.
            key: The hex key the entry must hold (default: *name* when it is
                a hex key, else any). A named entry holding another key is
                :data:`MISSING`: the code or arguments behind the name changed.

        A hit is remembered in memory as the entry's last use (for
        least-recently-used eviction; see :meth:`record_hit`); nothing is
        written on a hit.

        Raises:
            CorruptEntryError: If the entry exists but fails verification.
            StoreError: If the file exists but cannot be read.
        """
        # Plain strings, not pathlib: this is the hit path (pathlib costs ~5 µs).
        prefix = self._prefixes.get(function_id)
        if prefix is None:  # "<root>/<function_id>/", checked once per function
            prefix = self._prefix(function_id)
        checked = self._checked
        if name not in checked:
            if len(checked) > 100_000:
                checked.clear()
            checked.add(check_name(name, "key"))
        path = prefix + name + ENTRY_SUFFIX
        if key is None and is_hex_key(name):
            key = name
        now = time.time()  # before the stat and the read: see _RACY_SECONDS
        try:
            # One stat, then the verified bytes of a small entry from memory if
            # the file is the very file read before (same inode, modification
            # and change times, size). A stat costs ~2 µs; open + fstat + read
            # + close ~5 µs. Why the validator is sound: see below, where
            # entries are kept. File systems without a validator (status
            # None) keep nothing, so nothing is found for them here.
            status = self._fs.stat(path)
            recent = self._recent.get(path)
            if recent is not None and recent[0] == (
                status.st_ino,  # type: ignore[union-attr]
                status.st_mtime_ns,  # type: ignore[union-attr]
                status.st_ctime_ns,  # type: ignore[union-attr]
                status.st_size,  # type: ignore[union-attr]
            ):
                if key is not None and recent[1] != key:
                    return MISSING  # a named entry of other code or arguments
                if max_age is None:
                    self._accessed[path] = now  # see record_hit()
                    return recent[2]
                kept = recent[3]  # (created_at, key) from the manifest, if read
                if kept is not None:
                    if now - kept[0] > max_age or kept[1] != recent[1]:
                        return MISSING
                    self._accessed[path] = now
                    return recent[2]
                # Its manifest was not read with it: read both, below.
            written = None
            if max_age is not None:
                # The manifest before the entry: a manifest is written after
                # its entry, so one as new as the entry read next (or older)
                # gives its time, never a newer one (which would make an
                # expired entry look fresh).
                written = self._written_at(prefix, name)
                if written is None or now - written[0] > max_age:
                    return MISSING
                if key is not None and written[1] != key:
                    return MISSING  # the manifest of other code or arguments
            changes = self._changes
            data, token, changed_at, checksum = self._read_entry(path)
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        except OSError as err:
            raise StoreError(
                self._fs.location(path), f"cannot read entry: {err}"
            ) from err
        if not self._trusted:
            self._check_trust()  # once per store: before the first entry is decoded
        stored_key, payload = verify_entry(
            path, name, key, data, self._hmac_key, computed=checksum
        )
        if key is not None and stored_key != key:
            return MISSING  # a named entry of other code or arguments
        if written is not None and written[1] != stored_key:
            return MISSING  # an entry and a manifest of two writes
        # Keep the bytes only if the file's status identifies them for good
        # (the racy-timestamp rule, see _RACY_SECONDS). This file was opened
        # after *now*. Whatever takes its place later is either a file that
        # existed beside it (a temporary file renamed over it: another inode)
        # or a change made after *now*: a file created once this one was
        # freed (ext4 may give it the same inode), a write in place, a utime.
        # Such a change gets a change time later than now - _RACY_SECONDS,
        # and utime cannot set a change time back. A file whose times are
        # older than that margin thus differs from any successor in inode or
        # change time, even at equal size: inode reuse is harmless. A newer
        # file may share a successor's times (one clock tick) and is read
        # again on every hit instead. This store's own writes and removals
        # also drop the bytes (_forget), which holds even where file times
        # never change at all. The manifest's time kept with them is the
        # entry's or older (it was read first): at worst an entry expires
        # early, never late.
        if (
            token is not None
            and payload.nbytes <= _RECENT_MAX_BYTES
            and now - changed_at > _RACY_SECONDS
            and changes == self._changes
        ):
            recent_entries = self._recent
            if len(recent_entries) >= _RECENT_ENTRIES:
                # Oldest first; another thread may be evicting too (tiers'
                # write-back thread loads while callers do): never an error.
                with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                    del recent_entries[next(iter(recent_entries))]
            recent_entries[path] = (token, stored_key, payload, written)
        self._accessed[path] = now  # see record_hit()
        return payload

    def _written_at(self, prefix: str, name: str) -> tuple[float, str] | None:
        """
        ``(created_at, key)`` of an entry as its manifest records them, or ``None``.

        ``None`` when the manifest is missing or unreadable: the entry's age
        is unknown.
        """
        try:
            raw = self._fs.read_bytes(prefix + name + MANIFEST_SUFFIX)
            document = json.loads(raw)
            return float(document["created_at"]), str(document["key"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

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
        Map an entry into memory and return its payload without reading it.

        For ``@checkpoint(mmap_mode=...)``: the header (magic, format, key,
        length against the file size) is checked, the payload checksum is not
        (that would read every byte; the serializer checks what it decodes,
        see :meth:`CloudpickleSerializer.loads_mapped`). With an HMAC key set
        the whole entry is verified as in :meth:`load` (signatures cover every
        byte), so mapping saves nothing there. A file system that cannot map
        reads the entry instead (and verifies it in full).

        Args:
            function_id: The function's directory name.
            name: The entry's name (see :meth:`load`).
            key: The hex key the entry must hold (see :meth:`load`).
            max_age: Seconds; older entries are :data:`MISSING`.
            writable: Map copy-on-write (``mmap.ACCESS_COPY``: writes stay in
                this process) instead of read-only.

        Raises:
            CorruptEntryError: If the header does not match the file.
            StoreError: If the file exists but cannot be mapped.
        """
        if self._hmac_key is not None:
            return self.load(function_id, name, max_age=max_age, key=key)
        prefix = self._prefix(function_id)
        path = prefix + check_name(name, "key") + ENTRY_SUFFIX
        if key is None and is_hex_key(name):
            key = name
        now = time.time()
        written = None
        if max_age is not None:  # the manifest first: see load()
            written = self._written_at(prefix, name)
            if written is None or now - written[0] > max_age:
                return MISSING
            if key is not None and written[1] != key:
                return MISSING
            key = written[1]
        try:
            mapped = self._fs.map(path, writable=writable)
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        except OSError as err:
            raise StoreError(
                self._fs.location(path), f"cannot map entry: {err}"
            ) from err
        if mapped is None:  # this file system cannot map: read and verify
            payload = self.load(function_id, name, max_age=max_age, key=key)
            if writable and not isinstance(payload, _Missing):
                return memoryview(bytearray(payload))
            return payload
        if not self._trusted:
            self._check_trust()
        stored_key, payload = verify_entry(
            path, name, key, mapped, self._hmac_key, checksum=False
        )
        if key is not None and stored_key != key:
            return MISSING
        self._accessed[path] = now  # see record_hit()
        return payload

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
        Return the files of a file-serializer entry, by file name, after checking them.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            payload: The entry's payload (from :meth:`load`): its file table.
            verify: Check every file's xxh3-64 checksum (reads each file
                once). Sizes are always checked.
            skip_checksum: File names checked by size only: files about to be
                memory mapped, which must not be read in full.

        Returns:
            File name (e.g. ``"value.npy"``) to absolute path.

        Raises:
            CorruptEntryError: If a file is missing, or its size or checksum
                differs from the table (a damaged or swapped file).
        """
        path = self._path(function_id, name, ENTRY_SUFFIX)
        table = parse_table(path, payload)
        fs = self._fs
        directory = self._path(function_id, name, FILES_SUFFIX)
        found: dict[str, str] = {}
        for item in table:
            file_path = fs.join(directory, item["file"])
            try:
                size = fs.size(file_path)
            except OSError as err:
                raise CorruptEntryError(
                    file_path, f"result file missing ({err.strerror or err})"
                ) from err
            if size != item["size"]:
                raise CorruptEntryError(
                    file_path, f"is {size} bytes, the entry says {item['size']}"
                )
            if (
                verify
                and item["file"] not in skip_checksum
                and fs.checksum(file_path) != item["xxh3_64"]
            ):
                raise CorruptEntryError(file_path, "checksum mismatch")
            found[item["file"]] = file_path
        return found

    def _check_trust(self) -> None:
        """
        Refuse a cache directory that someone else could have planted pickles in.

        Loading a pickle runs code, so on POSIX the directory must belong to the
        current user and must not be writable by group or others. Checked once
        per :class:`Store` (before the first entry is loaded or written).

        Raises:
            UntrustedDirectoryError: If the directory fails either test and
                ``trust_directory`` was not given.
        """
        if self._trusted:
            return
        try:
            reason = self._fs.untrusted(self._root_text)
        except OSError:
            return  # not there yet: it will be created owner-only
        if reason is not None:
            raise UntrustedDirectoryError(self._root_text, reason)
        self._trusted = True

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

    def is_valid(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> bool:
        """Return whether a complete, verified (unexpired) entry exists (see :meth:`load`)."""
        try:
            payload = self.load(function_id, name, max_age=max_age, key=key)
            if payload is MISSING:
                return False
            if bytes(memoryview(payload)[:4]) == FILE_TABLE_MAGIC:  # type: ignore[arg-type]
                self.outputs(function_id, name, payload)  # type: ignore[arg-type]
        except StoreError:
            return False
        return True

    def contains(self, function_id: str, key: str) -> bool:
        """Return whether an entry file exists for *key* (not verified)."""
        return self._fs.is_file(self._path(function_id, key, ENTRY_SUFFIX))

    def manifest(self, function_id: str, key: str) -> Manifest | None:
        """
        Return the manifest of *key*, or ``None`` if there is none.

        Raises:
            CorruptEntryError: If the manifest exists but cannot be parsed.
            StoreError: If it exists but cannot be read.
        """
        path = self._path(function_id, key, MANIFEST_SUFFIX)
        try:
            raw = self._fs.read_bytes(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as err:
            raise StoreError(path, f"cannot read manifest: {err}") from err
        return Manifest.from_json(raw, path=path)

    def manifests(self, function_id: str) -> list[Manifest]:
        """
        Return the readable manifests of *function_id*, oldest first.

        Unreadable manifests (another format version, damaged) are skipped;
        :meth:`iter_manifest_files` lists them all.
        """
        found = []
        for path in self._manifest_paths(function_id):
            try:
                found.append(Manifest.from_json(self._fs.read_bytes(path), path=path))
            except (CorruptEntryError, OSError):
                continue
        found.sort(key=lambda m: m.created_at)
        return found

    def nearest_manifests(
        self,
        function_id: str,
        arguments_digest: str,
        fingerprint: str,
        *,
        limit: int = 32,
    ) -> list[Manifest]:
        """
        Return the manifests a miss is explained against, without reading them all.

        Small functions (at most *limit* entries) return every manifest. Larger
        ones use the catalog to read only the newest *limit* entries of the
        best group: same arguments (so the code changed), else same code (so
        the arguments changed), else all — the groups :func:`explain` prefers.
        A miss of a function with 100,000 entries then reads 32 manifests and
        one directory listing, not 100,000 files.
        """
        catalog = self.catalog(function_id)
        entries = list(catalog.entries.values())
        if len(entries) <= limit:
            return self.manifests(function_id)
        same_arguments = [e for e in entries if e.arguments_digest == arguments_digest]
        same_code = [e for e in entries if e.fingerprint == fingerprint]
        group = same_arguments or same_code or entries
        newest = sorted(group, key=lambda e: e.created_at, reverse=True)[:limit]
        found = []
        for entry in newest:
            try:
                manifest = self.manifest(function_id, entry.key)
            except (CorruptEntryError, StoreError):
                continue
            if manifest is not None:
                found.append(manifest)
        return found

    def has_manifests(self, function_id: str) -> bool:
        """Return whether *function_id* has at least one manifest file."""
        return next(self._manifest_paths(function_id), None) is not None

    def _manifest_paths(self, function_id: str) -> Iterator[str]:
        directory = self._fs.join(self._root_text, check_name(function_id, "function"))
        names = self._fs.listdir(directory)
        for name in names:
            if name.endswith(MANIFEST_SUFFIX) and not name.startswith("."):
                yield self._fs.join(directory, name)

    def iter_manifest_files(self, function_id: str) -> Iterator[Path]:
        """Yield the manifest files of *function_id* (unordered)."""
        for path in self._manifest_paths(function_id):
            yield Path(path)

    def _names(self, function_id: str, suffix: str) -> list[str]:
        """The sorted names of *function_id*'s files ending in *suffix* (not hidden)."""
        directory = self._fs.join(self._root_text, check_name(function_id, "function"))
        return sorted(
            name[: -len(suffix)]
            for name in self._fs.listdir(directory)
            if name.endswith(suffix) and not name.startswith(".")
        )

    def manifest_names(self, function_id: str) -> list[str]:
        """
        Return the names of *function_id*'s entries that have a manifest, sorted.

        Readable or not (another format version, damaged): what
        :meth:`iter_manifest_files` lists, as entry names.
        """
        return self._names(function_id, MANIFEST_SUFFIX)

    def entry_names(self, function_id: str) -> list[str]:
        """
        Return the names of *function_id*'s entries that have an entry file, sorted.

        With or without a manifest: an entry file whose manifest is missing
        (a writer stopped between the two) still serves hits.
        """
        return self._names(function_id, ENTRY_SUFFIX)

    def read_manifest_bytes(self, function_id: str, name: str) -> bytes | None:
        """
        Return the raw bytes of an entry's manifest, or ``None`` if it has none.

        For callers that classify manifests themselves (``verify``, ``show``):
        bytes that do not parse are returned as they are.

        Raises:
            StoreError: If the manifest exists but cannot be read (the
                :class:`OSError` is its cause).
        """
        path = self._path(function_id, name, MANIFEST_SUFFIX)
        try:
            return self._fs.read_bytes(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as err:
            raise StoreError(
                self._fs.location(path), f"cannot read manifest: {err}"
            ) from err

    def manifest_modified(self, function_id: str, name: str) -> float | None:
        """
        Return when an entry's manifest file last changed, or ``None`` if it has none.

        Epoch seconds, ``0.0`` if the file system keeps no times. Only for
        reports on manifests that cannot be read: entry ages come from the
        times the manifests record.

        Raises:
            StoreError: If the manifest exists but its time cannot be read.
        """
        path = self._path(function_id, name, MANIFEST_SUFFIX)
        try:
            return self._fs.modified(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as err:
            raise StoreError(
                self._fs.location(path), f"cannot read manifest: {err}"
            ) from err

    def manifest_location(self, function_id: str, name: str) -> str:
        """
        Return where an entry's manifest is, for messages: a path or a URL.

        Raises:
            StoreError: If a name is not a valid file name.
        """
        return self._fs.location(self._path(function_id, name, MANIFEST_SUFFIX))

    def function_ids(self) -> list[str]:
        """Return the names of the function directories, sorted."""
        try:
            listing = self._fs.scan(self._root_text, sizes=False)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(
            item.name
            for item in listing
            if item.is_dir and not item.name.startswith(".")
        )

    def blob(self, digest: str) -> str | None:
        """Return the text stored under *digest* by :meth:`save`, or ``None``."""
        check_name(digest, "blob")
        try:
            text = self._fs.read_bytes(self._blob_path(digest)).decode("utf-8")
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None
        # As a text-mode read always did: universal newlines.
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def catalog(self, function_id: str) -> FunctionCatalog:
        """
        Return the index of *function_id*'s entries, checked against its listing.

        Locally read from the function's catalog file (and repaired: manifests
        it lacks are indexed); elsewhere built from the manifests. See
        :mod:`checkpointing.store._catalog`.
        """
        return _catalog.read_function(
            self._fs, self._root_text, check_name(function_id, "function")
        )

    def rebuild_catalog(
        self,
        function_id: str,
        manifests: Collection[tuple[Manifest, int]],
        unreadable: Collection[Unreadable] = (),
    ) -> None:
        """
        Replace the index of *function_id* by one built from *manifests*.

        Args:
            function_id: The function's directory name.
            manifests: Every readable manifest with its file size in bytes.
            unreadable: Every manifest that could not be read.
        """
        _catalog.rebuild(
            self._fs,
            self._root_text,
            check_name(function_id, "function"),
            manifests,
            unreadable,
        )

    def lock(self, function_id: str, name: str, timeout: float) -> EntryLock:
        """
        Return the lock a caller takes before computing an entry (single flight).

        Locally a file lock in ``<root>/.locks/`` (held across processes);
        on file systems without one, a lock within this process only.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            timeout: Seconds to wait for another holder (``0``: do not wait).
        """
        path = self._fs.join(
            self._root_text,
            LOCKS,
            check_name(function_id, "function"),
            check_name(name, "key") + ".lock",
        )
        return self._fs.lock(path, timeout)

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
        Write an entry atomically: blobs, result files, the entry, then the manifest.

        Args:
            manifest: The entry's manifest (its ``function_id`` and ``name``
                name the files; its ``key`` goes in the entry header; its
                ``created_at`` is the entry's recorded age).
            payload: Serialized value: bytes, or a sequence of chunks written
                one after the other without being joined (large buffers are
                written from their own memory). Ignored when *outputs* is
                given: the payload is then the table of the result files.
            blobs: Digest to text of normalized sources to keep (written once).
            outputs: ``(file name, writer)`` pairs for results stored as files
                (``<name>.files/<file name>``): each writer gets a fresh
                temporary file opened ``"wb"``; the file is checksummed
                (xxh3-64) and renamed into place before the entry is written.

        Returns:
            The path of the entry file.

        Raises:
            StoreError: If any file cannot be written; nothing partial remains
                readable (result files without their entry are never read).
            SerializationError: Raised by a writer, unchanged.
        """
        name = manifest.entry_name
        entry = self._path(manifest.function_id, name, ENTRY_SUFFIX)
        try:
            self._ensure_root()
            for digest, text in blobs.items():
                check_name(digest, "blob")
                path = self._blob_path(digest)
                if not self._fs.is_file(path):
                    self._write_atomic(path, text.encode("utf-8"))
            if outputs:
                table, total = self._write_outputs(manifest.function_id, name, outputs)
                payload = [table]
                manifest = dataclasses.replace(manifest, value_size_bytes=total)
            chunks = (
                [payload] if isinstance(payload, (bytes, bytearray)) else list(payload)
            )
            checksum = xxhash.xxh3_64()
            length = 0
            for chunk in chunks:
                checksum.update(chunk)
                length += memoryview(chunk).nbytes
            header = pack_header(
                manifest.key,
                length,
                checksum.intdigest(),
                signed=self._hmac_key is not None,
            )
            if self._hmac_key is not None:
                # Header fields and payload are signed together, so neither a
                # payload nor a header (key, length) can be swapped in alone.
                mac = signature(self._hmac_key, header, *chunks)
                self._write_atomic(entry, header, *chunks, mac)
            else:
                self._write_atomic(entry, header, *chunks)
            # The manifest goes last: a manifest on disk implies a complete entry.
            manifest_json = manifest.to_json()
            self._write_atomic(
                self._path(manifest.function_id, name, MANIFEST_SUFFIX),
                manifest_json,
            )
            # Catalog hook (issue 4): index the entry for `inspect`. Never raises.
            _catalog.record_entry(
                self._fs, self._root_text, manifest, len(manifest_json)
            )
        except OSError as err:
            raise StoreError(
                self._fs.location(entry), f"cannot write entry: {err}"
            ) from err
        except ValueError as err:  # a key that is not hex
            raise StoreError(self._fs.location(entry), f"invalid key: {err}") from err
        return Path(entry)

    def _write_outputs(
        self,
        function_id: str,
        name: str,
        outputs: Sequence[tuple[str, Callable[[BinaryIO], None]]],
    ) -> tuple[bytes, int]:
        """Write an entry's result files; return the file table payload and bytes."""
        directory = self._path(function_id, name, FILES_SUFFIX)
        table = []
        total = 0
        for file_name, writer in outputs:
            check_name(file_name, "result file")
            target = self._fs.join(directory, file_name)
            size, checksum = self._write_atomic_with(target, writer)
            table.append({"file": file_name, "size": size, "xxh3_64": checksum})
            total += size
        payload = FILE_TABLE_MAGIC + json.dumps({"files": table}).encode("utf-8")
        return payload, total

    def _write_atomic_with(
        self,
        path: str,
        writer: Callable[[BinaryIO], None],
        *,
        checksum: bool = True,
    ) -> tuple[int, int]:
        """
        Publish what *writer* writes as the file at *path* (see ``FileSystem.write_atomic``).

        Returns the size in bytes and, with *checksum*, the xxh3-64 of the
        written file; ``0`` without.
        """
        size, digest = self._fs.write_atomic(
            path, writer, fsync=self.fsync, checksum=checksum
        )
        self._forget(path)
        return size, digest

    def _ensure_root(self) -> None:
        """Create the root owner-only and tag it as a cache (once per store)."""
        self._check_trust()
        if self._root_ready:
            return
        self._fs.make_dirs(self._root_text)
        # Also when the root exists already: a lock may have created it.
        tag = self._fs.join(self._root_text, "CACHEDIR.TAG")
        if not self._fs.is_file(tag):
            self._write_atomic(tag, CACHEDIR_TAG)
        self._root_ready = True

    def _write_atomic(self, path: str, *chunks: bytes | bytearray | memoryview) -> None:
        """Write *chunks* so readers see the old file or the new one, never a prefix."""

        def write(file: BinaryIO) -> None:
            for chunk in chunks:
                file.write(chunk)

        self._write_atomic_with(path, write, checksum=False)

    def _forget(self, path: str) -> None:
        """
        Drop the bytes :meth:`load` keeps of the file at *path*, after it changed.

        Called after every file this store replaces or removes, so the store's
        own writes never depend on timestamps. Counting the changes also stops
        a load that was reading meanwhile (another thread) from keeping what
        it read: it might be the file just replaced.
        """
        self._changes += 1
        self._recent.pop(path, None)

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
        """
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
