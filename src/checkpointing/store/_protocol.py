"""
The entry store protocol: what the decorator, codecs, lazy results and the CLI use.

:class:`EntryStore` is implemented by :class:`~checkpointing.Store` (one cache
directory over a :class:`~._filesystem.FileSystem`: local, or fsspec) and by
:class:`~._tiers.TieredStore` (a hierarchy of stores). Callers see entries by
``(function_id, name)``; paths are a local store's extras, not part of this.

One reason to change: the contract between the store and its callers.
Imports only :mod:`checkpointing._manifest` and the store's
:mod:`._catalog` and :mod:`._locks` (types).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, BinaryIO, Final, NamedTuple, Protocol

if TYPE_CHECKING:
    from checkpointing._manifest import Manifest

    from ._catalog import FunctionCatalog, Unreadable
    from ._locks import EntryLock

__all__ = ["MISSING", "EntryStore", "Eviction"]


class _Missing:
    """The type of :data:`MISSING`."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


#: Returned by :meth:`Store.load` when no entry exists: a miss is not an exception.
MISSING: Final = _Missing()


class Eviction(NamedTuple):
    """
    One entry removed by :meth:`Store.evict` (``why``: ``expired`` or ``size``).

    ``written_at`` is when the store recorded the entry as written (epoch
    seconds), ``None`` if it has no readable manifest.
    """

    function_id: str
    key: str
    size_bytes: int
    why: str
    written_at: float | None = None


class EntryStore(Protocol):
    """
    A store of entries grouped by function: what callers of a store may use.

    A miss is :data:`MISSING`, never an exception; I/O failures raise
    :class:`~checkpointing.StoreError`, damaged entries
    :class:`~checkpointing.CorruptEntryError`. See :class:`~checkpointing.Store`
    for each method's full contract.
    """

    def load(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> memoryview | _Missing:
        """Return the verified payload of an entry, or :data:`MISSING`."""
        ...

    def load_mapped(
        self,
        function_id: str,
        name: str,
        *,
        key: str | None = None,
        max_age: float | None = None,
        writable: bool = False,
    ) -> memoryview | _Missing:
        """Map an entry's payload into memory (or read it), or :data:`MISSING`."""
        ...

    def outputs(
        self,
        function_id: str,
        name: str,
        payload: memoryview,
        *,
        verify: bool = True,
        skip_checksum: Collection[str] = (),
    ) -> dict[str, str]:
        """Return the checked result files of an entry: file name to location."""
        ...

    def is_valid(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> bool:
        """Return whether a complete, verified, unexpired entry exists."""
        ...

    def contains(self, function_id: str, key: str) -> bool:
        """Return whether an entry exists for *key* (not verified)."""
        ...

    def manifest(self, function_id: str, key: str) -> Manifest | None:
        """Return the manifest of *key*, or ``None``."""
        ...

    def manifests(self, function_id: str) -> list[Manifest]:
        """Return the readable manifests of *function_id*, oldest first."""
        ...

    def nearest_manifests(
        self,
        function_id: str,
        arguments_digest: str,
        fingerprint: str,
        *,
        limit: int = 32,
    ) -> list[Manifest]:
        """Return the manifests a miss is explained against."""
        ...

    def manifest_names(self, function_id: str) -> list[str]:
        """Return the names of the entries that have a manifest (readable or not), sorted."""
        ...

    def entry_names(self, function_id: str) -> list[str]:
        """Return the names of the entries that have an entry file, sorted."""
        ...

    def read_manifest_bytes(self, function_id: str, name: str) -> bytes | None:
        """Return an entry's manifest as stored (not parsed), or ``None``."""
        ...

    def manifest_modified(self, function_id: str, name: str) -> float | None:
        """Return when an entry's manifest file changed (epoch seconds), or ``None``."""
        ...

    def manifest_location(self, function_id: str, name: str) -> str:
        """Where an entry's manifest is, for messages: a path or URL."""
        ...

    def function_ids(self) -> list[str]:
        """Return the function directory names, sorted."""
        ...

    def blob(self, digest: str) -> str | None:
        """Return the source text stored under *digest*, or ``None``."""
        ...

    def save(
        self,
        manifest: Manifest,
        payload: bytes | Sequence[bytes | bytearray | memoryview],
        blobs: dict[str, str],
        *,
        outputs: Sequence[tuple[str, Callable[[BinaryIO], None]]] = (),
        replace: bool = True,
    ) -> object:
        """
        Write an entry atomically (result files, entry, manifest last).

        With ``replace=False``, an intact entry of the same key already
        there (another writer's, published meanwhile) may be kept instead
        (stores with conditional creation do so: the first writer wins).

        Returns where it was written (a local store: the entry file's
        :class:`~pathlib.Path`); callers of the protocol must not rely on it.
        """
        ...

    def record_hit(self, function_id: str) -> None:
        """Count a hit of *function_id* (in memory; written later)."""
        ...

    def delete(self, function_id: str, key: str) -> bool:
        """Delete one entry; return whether it existed."""
        ...

    def quarantine(self, function_id: str, key: str) -> str | None:
        """Move a damaged entry aside; return its new location (or ``None``)."""
        ...

    def copy_entry(self, target: EntryStore, function_id: str, name: str) -> bool:
        """Copy one verified entry into *target* through its public methods."""
        ...

    def evict(
        self,
        *,
        size_limit: int | None = None,
        max_age: float | None = None,
        dry_run: bool = False,
        function_ids: Collection[str] | None = None,
        protected: Collection[str] = (),
    ) -> list[Eviction]:
        """Delete expired entries, then least-recently-used ones down to a size."""
        ...

    def evict_if_due(
        self, *, size_limit: int | None, max_age: float | None, interval: float = 30.0
    ) -> list[Eviction]:
        """Run :meth:`evict` at most once per *interval* seconds."""
        ...

    def clear(self, function_id: str | None = None) -> int:
        """Delete the entries of one function (or all); return how many."""
        ...

    def size_bytes(self, function_id: str) -> int:
        """Return the bytes of the files of *function_id*."""
        ...

    def lock(self, function_id: str, name: str, timeout: float) -> EntryLock:
        """The lock a caller takes before computing the entry (single flight)."""
        ...

    def location(self, function_id: str | None = None, name: str | None = None) -> str:
        """The store's, a function's or an entry's location: a path or URL."""
        ...

    def catalog(self, function_id: str) -> FunctionCatalog:
        """Return the index of *function_id*'s entries (for ``inspect``, ``list``)."""
        ...

    def rebuild_catalog(
        self,
        function_id: str,
        manifests: Collection[tuple[Manifest, int]],
        unreadable: Collection[Unreadable] = (),
    ) -> None:
        """Replace the index of *function_id* by one built from *manifests*."""
        ...
