"""
A store's shared state: where its files are, and what its reads keep.

:class:`_StoreState` is the part of :class:`~._store.Store` every other part
uses: the file system and root, the paths of a function's files (checked
once per function), the trust check, and the in-memory memos that
:meth:`Store.load` serves hits from, with the one method that invalidates
them (``_forget`` and its change counter). Each other part of the store is a
mixin over it, in its own module, and :class:`~._store.Store` combines them:
the memo's invariant (every write and removal of this store calls
``_forget``) lives here, in one place.

Changes when: the state a store keeps, or where its files are, changes. May
import: :mod:`checkpointing._errors`, :mod:`checkpointing._manifest`,
:mod:`checkpointing._settings` and the store's ``_layout``, ``_format``,
``_filesystem``, ``_local``, ``_locks``, ``_catalog`` and ``_protocol``; no
other part of the store.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checkpointing._errors import UntrustedDirectoryError
from checkpointing._manifest import Manifest

from ._layout import (
    BLOBS,
    ENTRY_SUFFIX,
    FILES_SUFFIX,
    LOCKS,
    MANIFEST_SUFFIX,
    check_name,
)
from ._local import LocalFileSystem
from ._protocol import _Missing

if TYPE_CHECKING:
    from ._filesystem import FileSystem, StatToken
    from ._locks import EntryLock


class _StoreState:
    """The state a :class:`~._store.Store` keeps, and the paths of its files."""

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

    @property
    def filesystem(self) -> FileSystem:
        """The file system the store's files live in."""
        return self._fs

    def __repr__(self) -> str:
        if self._local:
            return f"Store({str(self.root)!r})"
        return f"Store({self._root_text!r}, filesystem={self._fs!r})"

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

    if TYPE_CHECKING:
        # The parts of the store call each other through self; each part is a
        # mixin in its own module (see the module docstring), so these
        # declarations tell the type checker what Store combines.
        def load(
            self,
            function_id: str,
            name: str,
            *,
            max_age: float | None = None,
            key: str | None = None,
        ) -> memoryview | _Missing: ...
        def outputs(
            self,
            function_id: str,
            name: str,
            payload: memoryview,
            *,
            verify: bool = True,
            skip_checksum: Collection[str] = (),
        ) -> dict[str, str]: ...
        def manifest(self, function_id: str, key: str) -> Manifest | None: ...
        def blob(self, digest: str) -> str | None: ...
        def function_ids(self) -> list[str]: ...
