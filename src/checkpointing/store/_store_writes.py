"""
A store's writes: an entry published atomically, manifest last.

:class:`_StoreWrites` writes an entry (:meth:`~._store.Store.save`): source
blobs, result files, the entry file (header, checksum, signature), then its
manifest, each atomically through the file system, and creates the cache
directory on the first write. Every file written goes through
``_write_atomic_with``, which calls ``_forget``.

Changes when: how or in what order an entry is written changes. May import:
:mod:`checkpointing._errors`, :mod:`checkpointing._manifest`, the store's
``_layout``, ``_format``, ``_catalog`` and ``_store_state``; ``xxhash``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import xxhash

from checkpointing._errors import CorruptEntryError, StoreError
from checkpointing._manifest import Manifest

from . import _catalog
from ._format import (
    FILE_TABLE_MAGIC,
    pack_header,
    signature,
    verify_entry,
)
from ._layout import (
    CACHEDIR_TAG,
    ENTRY_SUFFIX,
    FILES_SUFFIX,
    MANIFEST_SUFFIX,
    check_name,
)
from ._store_state import _StoreState


class _StoreWrites(_StoreState):
    """Atomic writes of a store's entries, blobs and result files."""

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
            replace: Whether this entry replaces one of the same key already
                there. ``False`` (a miss) on a file system with
                ``conditional_create`` (S3): the entry is created only if
                absent, and an intact entry of the same key written meanwhile
                by another writer is kept (the first complete writer wins, so
                two writers never interleave). Ignored elsewhere: the entry
                is replaced atomically (writers hold the key's lock).

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
                parts = [header, *chunks, signature(self._hmac_key, header, *chunks)]
            else:
                parts = [header, *chunks]
            published = self._publish_entry(entry, manifest.key, parts, replace)
            # The manifest goes last: a manifest on disk implies a complete entry.
            manifest_json = manifest.to_json()
            manifest_path = self._path(manifest.function_id, name, MANIFEST_SUFFIX)
            if published:
                self._write_atomic(manifest_path, manifest_json)
            else:
                # Another writer published this key's entry first: its manifest
                # follows (or, if it died in between, ours describes the key).
                with contextlib.suppress(FileExistsError):
                    self._write_atomic(manifest_path, manifest_json, exclusive=True)
                return Path(entry)
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

    def _publish_entry(
        self,
        entry: str,
        key: str,
        parts: Sequence[bytes | bytearray | memoryview],
        replace: bool,  # noqa: FBT001
    ) -> bool:
        """
        Publish an entry file; return whether this writer's entry is the one stored.

        Unless *replace*, where the file system has ``conditional_create``
        (S3), the entry is created only if absent, so two writers of one key never interleave:
        if a verified entry of the same key is there already (another
        writer's), it is kept and ``False`` returned. An entry of another key
        (a named entry of older code), a damaged one or one not signed with
        this store's key is replaced: the last complete writer wins.
        Elsewhere the entry is replaced atomically (writers hold the key's
        lock).
        """
        if replace or not self._fs.conditional_create:
            self._write_atomic(entry, *parts)
            return True
        try:
            self._write_atomic(entry, *parts, exclusive=True)
            return True
        except FileExistsError:
            pass
        self._forget(entry)
        try:
            data = self._fs.read_bytes(entry)
            stored, _ = verify_entry(entry, key, key, data, self._hmac_key)
            if stored == key:
                return False
        except (OSError, CorruptEntryError):
            pass  # gone meanwhile, damaged, or another key's signature: replace
        self._write_atomic(entry, *parts)
        return True

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
        exclusive: bool = False,
    ) -> tuple[int, int]:
        """
        Publish what *writer* writes as the file at *path* (see ``FileSystem.write_atomic``).

        Returns the size in bytes and, with *checksum*, the xxh3-64 of the
        written file; ``0`` without.
        """
        size, digest = self._fs.write_atomic(
            path, writer, fsync=self.fsync, checksum=checksum, exclusive=exclusive
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

    def _write_atomic(
        self,
        path: str,
        *chunks: bytes | bytearray | memoryview,
        exclusive: bool = False,
    ) -> None:
        """
        Write *chunks* so readers see the old file or the new one, never a prefix.

        Raises:
            FileExistsError: With *exclusive*, if *path* exists.
        """

        def write(file: BinaryIO) -> None:
            for chunk in chunks:
                file.write(chunk)

        self._write_atomic_with(path, write, checksum=False, exclusive=exclusive)
