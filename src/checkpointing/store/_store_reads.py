"""
A store's verified reads: the hit path.

:class:`_StoreReads` reads entries back (:meth:`~._store.Store.load`, the
hit path, and :meth:`~._store.Store.load_mapped`), checks an entry's result
files (:meth:`~._store.Store.outputs`) and tells whether an entry is there.
It keeps the verified bytes of small entries in the memo of
:class:`~._store_state._StoreState` under the racy-timestamp rule
(:data:`_RACY_SECONDS`).

Changes when: how an entry is read or verified, or when read bytes may be
kept, changes. May import: :mod:`checkpointing._errors`, the store's
``_layout``, ``_format``, ``_protocol`` and ``_store_state``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Collection
from typing import Final

from checkpointing._errors import CorruptEntryError, StoreError

from ._format import (
    FILE_TABLE_MAGIC,
    parse_table,
    verify_entry,
)
from ._layout import (
    ENTRY_SUFFIX,
    FILES_SUFFIX,
    MANIFEST_SUFFIX,
    check_name,
    is_hex_key,
)
from ._protocol import MISSING, _Missing
from ._store_state import _StoreState

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


class _StoreReads(_StoreState):
    """Verified reads of a store's entries (the hit path)."""

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
