"""
The file system protocol: the I/O primitives a :class:`~checkpointing.Store` needs.

A store computes paths (strings in the file system's own namespace, joined
with :attr:`FileSystem.sep`) and calls these primitives; it never calls
``os`` itself. Two implementations: :class:`~._local.LocalFileSystem` (``os``,
``mmap``, atomic rename, ``flock``) and :class:`~._fsspec.FsspecFileSystem`
(any fsspec file system; tested with ``memory://``). A new backend (S3 with
leases) is a new module implementing this protocol, not a new store.

Errors: a missing file raises :class:`FileNotFoundError` (or
:class:`NotADirectoryError`), any other failure an :class:`OSError`; the store
turns them into misses or :class:`~checkpointing.StoreError`.

One reason to change: the I/O contract between the store and its backends.
Imports only :mod:`._locks` (the lock type a file system hands out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, Protocol

if TYPE_CHECKING:
    from ._locks import EntryLock

__all__ = ["FileSystem", "Listed", "StatResult", "StatToken"]

#: What identifies one version of a file for the in-memory payload memo:
#: ``(st_ino, st_mtime_ns, st_ctime_ns, st_size)`` of its :class:`StatResult`.
StatToken = tuple[int, int, int, int]


class StatResult(Protocol):
    """The fields of a file's status the store's memo validates (``os.stat_result``)."""

    @property
    def st_ino(self) -> int: ...
    @property
    def st_mtime_ns(self) -> int: ...
    @property
    def st_ctime_ns(self) -> int: ...
    @property
    def st_size(self) -> int: ...


class Listed(NamedTuple):
    """
    One name in a directory listing.

    Attributes:
        name: The file or directory name (no path).
        is_dir: Whether it is a directory (or a symbolic link to one).
        size: Bytes: a file's size; for a directory, the total size of the
            regular files directly inside it (``0`` unless sizes were asked).
        modified: A file's modification time in seconds since the epoch, if
            the listing gives it for free (object stores' listings do);
            ``0.0`` otherwise. Only an ordering hint, never an entry's age.
    """

    name: str
    is_dir: bool
    size: int
    modified: float = 0.0


class FileSystem(Protocol):
    """
    The primitives a store reads and writes entries with.

    Attributes:
        root: The cache directory, a path in this file system.
        sep: The path separator (``os.sep`` locally, ``"/"`` for URLs).
        memo: Whether :meth:`stat` identifies file versions, so that a
            store may keep verified bytes in memory between reads.
        supports_append: Whether :meth:`append` is atomic for concurrent
            writers (the catalog is kept only then).
        conditional_create: Whether ``write_atomic(exclusive=True)`` is one
            atomic create-if-absent that writers on other machines respect
            (S3 ``If-None-Match``); the store then publishes entries
            create-only (see ``Store.save``).
    """

    root: str
    sep: str
    memo: bool
    supports_append: bool
    conditional_create: bool

    def join(self, *parts: str) -> str:
        """Join path parts with :attr:`sep`."""
        ...

    def location(self, path: str) -> str:
        """*path* as a user reads it in a message: a path or a URL."""
        ...

    def stat(self, path: str) -> StatResult | None:
        """
        The status of the file at *path*, or ``None`` without :attr:`memo`.

        The hit path's one call: locally :func:`os.stat` itself (no Python
        frame in between). Its ``(st_ino, st_mtime_ns, st_ctime_ns,
        st_size)`` is the :data:`StatToken` of the file's version.

        Raises:
            FileNotFoundError: If there is no such file (with :attr:`memo`).
        """
        ...

    def read_entry(
        self, path: str
    ) -> tuple[bytes | memoryview, StatToken | None, float, int | None]:
        """
        Read a whole entry file.

        Returns:
            ``(data, token, changed_at, checksum)``: the bytes; the file's
            :data:`StatToken` as read (``None`` without :attr:`memo`); the
            last time the file changed, seconds since the epoch (``0.0``
            when unknown); the xxh3-64 of the payload the header announces
            if the reader hashed it on the way (large files), else ``None``.
        """
        ...

    def read_bytes(self, path: str) -> bytes:
        """Return the bytes of the file at *path*."""
        ...

    def map(self, path: str, *, writable: bool) -> memoryview | None:
        """
        Map the file at *path* into memory (copy-on-write if *writable*).

        Returns:
            The mapped bytes, or ``None`` if this file system cannot map
            (the caller reads the file instead).
        """
        ...

    def is_file(self, path: str) -> bool:
        """Whether a regular file exists at *path* (never raises)."""
        ...

    def size(self, path: str) -> int:
        """Return the size of the file at *path* in bytes."""
        ...

    def modified(self, path: str) -> float:
        """
        The file's modification time, epoch seconds (``0.0`` if not kept).

        Only for reports on files the store cannot read (no recorded time):
        entry ages and recency come from times the store records.
        """
        ...

    def checksum(self, path: str) -> int:
        """Return the xxh3-64 of the whole file at *path*."""
        ...

    def write_atomic(
        self,
        path: str,
        writer: Callable[[BinaryIO], None],
        *,
        fsync: bool,
        checksum: bool,
        create_parents: bool = True,
        exclusive: bool = False,
    ) -> tuple[int, int]:
        """
        Publish what *writer* writes as the file at *path*, atomically.

        Readers see the old file or the new one, never a prefix. Missing
        parent directories are created (owner-only where that applies)
        unless *create_parents* is false (then the write fails). With
        *exclusive*, the file is created only if absent, in one atomic step
        where :attr:`conditional_create` says so.

        Returns:
            ``(size in bytes, xxh3-64 of the file or 0 without checksum)``.

        Raises:
            FileExistsError: With *exclusive*, if *path* exists.
        """
        ...

    def copy_into(self, path: str, file: BinaryIO) -> tuple[int, int]:
        """
        Copy the bytes of the file at *path* into the open *file*.

        Returns:
            ``(size in bytes, xxh3-64)`` of the bytes copied.
        """
        ...

    def append(self, path: str, text: str) -> None:
        """Append *text* (UTF-8) with one write (only if :attr:`supports_append`)."""
        ...

    def listdir(self, path: str) -> list[str]:
        """Return the names in the directory *path* (``[]`` if it is missing)."""
        ...

    def scan(self, path: str, *, sizes: bool) -> list[Listed]:
        """
        List the directory *path* with kinds (and sizes if *sizes*).

        Raises:
            FileNotFoundError: If *path* is missing (or NotADirectoryError).
        """
        ...

    def remove(self, path: str) -> None:
        """Delete the file at *path*."""
        ...

    def remove_tree(self, path: str, *, quiet: bool = False) -> None:
        """
        Delete the directory *path* and its contents (a link: only the link).

        A missing directory is not an error; with *quiet*, nothing is.
        """
        ...

    def remove_empty_dir(self, path: str) -> None:
        """Delete the directory *path* if it is empty; never raises."""
        ...

    def move(self, source: str, target: str) -> None:
        """Move a file or directory to *target*, creating its parent."""
        ...

    def make_dirs(self, path: str) -> None:
        """Create the directory *path* and its missing parents (owner-only)."""
        ...

    def untrusted(self, path: str) -> str | None:
        """Why loading pickles from *path* is unsafe (someone else can write), or ``None``."""
        ...

    def lock(self, path: str, timeout: float) -> EntryLock:
        """The lock of one entry, its lock file at *path* (see :mod:`._locks`)."""
        ...
