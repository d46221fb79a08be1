"""
What a store holds: manifests, names, blobs and the catalog.

:class:`_StoreListing` reads a store's metadata for explanations, ``inspect``
and the CLI: manifests (one, all, or the nearest to a miss), the names of
functions and entries, raw manifest bytes and times, source blobs, and the
per-function catalog (see :mod:`._catalog`).

Changes when: what callers list or read about entries (not their values)
changes. May import: :mod:`checkpointing._errors`,
:mod:`checkpointing._manifest`, the store's ``_layout``, ``_catalog`` and
``_store_state``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from checkpointing._errors import CorruptEntryError, StoreError
from checkpointing._manifest import Manifest

from . import _catalog
from ._layout import (
    ENTRY_SUFFIX,
    MANIFEST_SUFFIX,
    check_name,
)
from ._store_state import _StoreState

if TYPE_CHECKING:
    from ._catalog import FunctionCatalog, Unreadable


class _StoreListing(_StoreState):
    """Listing and reading a store's manifests, names, blobs and catalog."""

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
        return self._read_manifests(self._manifest_paths(function_id))

    def _read_manifests(self, paths: Iterable[str]) -> list[Manifest]:
        """The manifests at *paths* that parse, oldest first (the rest skipped)."""
        found = []
        for path in paths:
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

        Without a catalog file (object stores: no atomic appends) the catalog
        would be built by reading every manifest, one request each: a miss
        with 1,000 entries on S3 took 8 s. There one listing gives the
        manifests' times, and the newest *limit* are read (the explanation
        then compares with recent entries rather than the best group).
        """
        if not self._fs.supports_append:
            return self._newest_manifests(function_id, limit)
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

    def _newest_manifests(self, function_id: str, limit: int) -> list[Manifest]:
        """The newest *limit* readable manifests of *function_id*, by one listing."""
        directory = self._fs.join(self._root_text, check_name(function_id, "function"))
        try:
            listing = self._fs.scan(directory, sizes=False)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as err:  # unreadable, or a server that does not answer
            raise StoreError(self._fs.location(directory), str(err)) from err
        files = [
            item
            for item in listing
            if not item.is_dir
            and item.name.endswith(MANIFEST_SUFFIX)
            and not item.name.startswith(".")
        ]
        files.sort(key=lambda item: item.modified, reverse=True)
        return self._read_manifests(
            self._fs.join(directory, item.name) for item in files[:limit]
        )

    def has_manifests(self, function_id: str) -> bool:
        """Return whether *function_id* has at least one manifest file."""
        return next(self._manifest_paths(function_id), None) is not None

    def _manifest_paths(self, function_id: str) -> Iterator[str]:
        directory = self._fs.join(self._root_text, check_name(function_id, "function"))
        names = self._listdir(directory)
        for name in names:
            if name.endswith(MANIFEST_SUFFIX) and not name.startswith("."):
                yield self._fs.join(directory, name)

    def _listdir(self, directory: str) -> list[str]:
        """``FileSystem.listdir``; a listing that fails is a :class:`StoreError`."""
        try:
            return self._fs.listdir(directory)
        except OSError as err:  # unreadable, or a server that does not answer
            raise StoreError(self._fs.location(directory), str(err)) from err

    def iter_manifest_files(self, function_id: str) -> Iterator[Path]:
        """Yield the manifest files of *function_id* (unordered)."""
        for path in self._manifest_paths(function_id):
            yield Path(path)

    def _names(self, function_id: str, suffix: str) -> list[str]:
        """The sorted names of *function_id*'s files ending in *suffix* (not hidden)."""
        directory = self._fs.join(self._root_text, check_name(function_id, "function"))
        return sorted(
            name[: -len(suffix)]
            for name in self._listdir(directory)
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
        except OSError as err:  # unreadable, or a server that does not answer
            raise StoreError(self._fs.location(self._root_text), str(err)) from err
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
