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

:class:`Store` combines one mixin a concern, each in its own module over the
shared state of :mod:`._store_state` (paths, the memos :meth:`Store.load`
serves hits from, and ``_forget``, which every write and removal calls):
:mod:`._store_reads` (verified reads, the hit path), :mod:`._store_writes`
(atomic writes), :mod:`._store_listing` (manifests, names, catalog) and
:mod:`._store_upkeep` (hit records, copies, quarantine, deletion, eviction).
This module keeps the class, :meth:`Store.over`, pickling, and the names
other modules and users' pickles import from it (``_rebuild_store``).

Changes when: which parts make a store, or how a store is pickled, changes.
May import: :mod:`checkpointing._settings` and the store's ``_store_*``
modules and the lower store modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, final

from checkpointing._settings import resolve_hmac_key

from ._format import FILE_TABLE_MAGIC
from ._layout import is_hex_key
from ._protocol import MISSING, Eviction
from ._store_listing import _StoreListing
from ._store_reads import _StoreReads
from ._store_upkeep import _StoreUpkeep
from ._store_writes import _StoreWrites

if TYPE_CHECKING:
    from ._filesystem import FileSystem

__all__ = ["FILE_TABLE_MAGIC", "MISSING", "Eviction", "Store", "is_hex_key"]


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


@final
class Store(_StoreReads, _StoreWrites, _StoreListing, _StoreUpkeep):
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

    def __reduce__(self) -> tuple[Any, ...]:
        # The HMAC key is a secret: it is not pickled. The rebuilt store reads
        # CHECKPOINTING_HMAC_KEY in the process that unpickles it (a worker).
        if self._local:
            return (_rebuild_store, (self._root_text, self.fsync, self.trust_directory))
        return (
            _rebuild_store,
            (self._root_text, self.fsync, self.trust_directory, self._fs),
        )
