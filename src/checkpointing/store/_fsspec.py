"""
A file system over fsspec: any ``fsspec.AbstractFileSystem`` under one root.

Object stores (S3, GCS, Azure) and fsspec's ``memory://`` have no ``mmap``,
no atomic appends and no stat validators. So a store over one reads every
entry in full on every hit (no in-memory memo), keeps no catalog file
(listings are built from the manifests) and maps nothing (``mmap_mode=``
reads instead). Files are published with one ``pipe_file`` each, which object
stores make visible atomically (whole object or nothing; a multipart upload
appears only when completed).

What each backend guarantees (see ``docs/remote.md``):

* ``s3`` (s3fs): create-only writes (``If-None-Match: *``) and leases
  (:mod:`._leases`) for single flight across machines.
* ``memory``: create-only writes (within the process, the only place it
  exists); locks within the process.
* any other: the last complete writer of an entry wins, readers verify
  checksums; locks within the process only, so two machines may compute the
  same call (duplicates, never a wrong result).

fsspec is an optional dependency (``pip install checkpointing[fsspec]``): this
module never imports it; the caller passes a file system object.

One reason to change: how fsspec is driven. Imports :mod:`._filesystem`
(types), :mod:`._locks`, :mod:`._leases` and :mod:`._s3`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO, final

import xxhash

from ._filesystem import Listed, StatResult, StatToken
from ._leases import LEASE_SECONDS, LeaseEntryLock
from ._locks import EntryLock, ProcessEntryLock
from ._s3 import S3Objects

__all__ = ["FsspecFileSystem"]


def _name(path: str) -> str:
    return path.rstrip("/").rpartition("/")[2]


def protocols(fs: Any) -> tuple[str, ...]:
    """The protocol names of an fsspec file system (``("s3", "s3a")``)."""
    protocol = getattr(fs, "protocol", ())
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


@final
class FsspecFileSystem:
    """
    A :class:`~._filesystem.FileSystem` over an fsspec file system.

    Args:
        fs: An ``fsspec.AbstractFileSystem`` (e.g. ``fsspec.filesystem("memory")``).
        root: The cache directory inside *fs* (a protocol prefix such as
            ``memory://`` is removed).
        lease_seconds: The term of a lease on S3, in seconds (see
            :mod:`._leases`).

    Build a store over it with ``Store.over(FsspecFileSystem(fs, "/cache"))``,
    or let ``@checkpoint(directory="s3://bucket/prefix")`` build one.

    .. versionadded:: 0.3.0
    """

    sep = "/"
    memo = False
    supports_append = False

    def __init__(
        self, fs: Any, root: str, *, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.fs = fs
        self.root = fs._strip_protocol(root).rstrip("/") or "/"
        self.lease_seconds = lease_seconds
        names = protocols(fs)
        self._objects = S3Objects(fs) if "s3" in names else None
        self.conditional_create = self._objects is not None or "memory" in names
        #: Whether others share this store (all but memory://): no automatic
        #: eviction (see ``Store.evict_if_due``), an unsigned use warns.
        self.shared = "memory" not in names

    def __repr__(self) -> str:
        return f"FsspecFileSystem({self.location(self.root)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            FsspecFileSystem,
            (self.fs, self.root),
            {"lease_seconds": self.lease_seconds},
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.lease_seconds = state["lease_seconds"]

    def join(self, *parts: str) -> str:
        """Join path parts with ``/``."""
        return "/".join(parts)

    def location(self, path: str) -> str:
        """*path* as a URL (``memory://...``)."""
        return str(self.fs.unstrip_protocol(path))

    def stat(self, path: str) -> StatResult | None:
        """No validator: every read goes to the file system."""
        return None

    def read_entry(
        self, path: str
    ) -> tuple[bytes | memoryview, StatToken | None, float, int | None]:
        """Read a whole entry file (no validator, no time, no checksum)."""
        return self.read_bytes(path), None, 0.0, None

    def read_bytes(self, path: str) -> bytes:
        """Return the bytes of the file at *path*."""
        return bytes(self.fs.cat_file(path))

    def map(self, path: str, *, writable: bool) -> memoryview | None:
        """Not supported: ``None`` (the store reads instead)."""
        return None

    def is_file(self, path: str) -> bool:
        """Whether a file exists at *path*."""
        try:
            return bool(self.fs.isfile(path))
        except OSError:
            return False

    def size(self, path: str) -> int:
        """Return the size of the file at *path* in bytes."""
        info = self.fs.info(path)
        if info.get("type") != "file":
            raise IsADirectoryError(path)
        return int(info["size"])

    def modified(self, path: str) -> float:
        """The file's modification time if fsspec knows it, else ``0.0``."""
        try:
            return float(self.fs.modified(path).timestamp())
        except FileNotFoundError:
            raise  # no file is not "no time": the protocol's FileNotFoundError
        except (NotImplementedError, OSError, AttributeError, ValueError):
            return 0.0

    def checksum(self, path: str) -> int:
        """Return the xxh3-64 of the whole file at *path*."""
        return xxhash.xxh3_64_intdigest(self.read_bytes(path))

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
        Collect what *writer* writes in memory, then publish it with one ``pipe_file``.

        With *exclusive*, ``pipe_file(mode="create")``: S3's ``If-None-Match: *``
        (atomic on the server), fsspec's check-then-write elsewhere.

        Raises:
            FileExistsError: With *exclusive*, if *path* exists.
        """
        buffer = io.BytesIO()
        writer(buffer)
        data = buffer.getvalue()
        parent = path.rpartition("/")[0]
        if parent and create_parents:
            self.fs.makedirs(parent, exist_ok=True)
        elif parent and not self.fs.isdir(parent):
            raise FileNotFoundError(parent)
        if exclusive:
            self.fs.pipe_file(path, data, mode="create")
        else:
            self.fs.pipe_file(path, data)
        return len(data), xxhash.xxh3_64_intdigest(data) if checksum else 0

    def copy_into(self, path: str, file: BinaryIO) -> tuple[int, int]:
        """Copy the file at *path* into *file*; return the size and xxh3-64 copied."""
        data = self.read_bytes(path)
        file.write(data)
        return len(data), xxhash.xxh3_64_intdigest(data)

    def append(self, path: str, text: str) -> None:
        """Not supported (no atomic appends): always raises OSError."""
        raise OSError(f"{self.location(path)}: appends are not supported")

    def listdir(self, path: str) -> list[str]:
        """Return the names in *path*, ``[]`` if missing."""
        try:
            return [_name(p) for p in self.fs.ls(path, detail=False)]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def scan(self, path: str, *, sizes: bool) -> list[Listed]:
        """List *path* with kinds (and sizes: a directory's files directly inside)."""
        if not self.fs.isdir(path):
            raise FileNotFoundError(path)
        found = []
        for info in self.fs.ls(path, detail=True):
            is_dir = info.get("type") == "directory"
            size = 0
            if sizes:
                if is_dir:
                    size = sum(
                        int(inner.get("size") or 0)
                        for inner in self.fs.ls(info["name"], detail=True)
                        if inner.get("type") == "file"
                    )
                else:
                    size = int(info.get("size") or 0)
            found.append(Listed(_name(info["name"]), is_dir, size))
        return found

    def remove(self, path: str) -> None:
        """Delete the file at *path*."""
        if not self.fs.isfile(path):
            raise FileNotFoundError(path)
        self.fs.rm_file(path)

    def remove_tree(self, path: str, *, quiet: bool = False) -> None:
        """Delete the directory *path* and its contents; a missing one is fine."""
        try:
            if self.fs.exists(path):
                self.fs.rm(path, recursive=True)
        except FileNotFoundError:
            return
        except OSError:
            if not quiet:
                raise

    def remove_empty_dir(self, path: str) -> None:
        """Delete the directory *path* if it is empty."""
        try:
            if self.fs.isdir(path) and not self.fs.ls(path, detail=False):
                self.fs.rmdir(path)
        except OSError:
            return

    def move(self, source: str, target: str) -> None:
        """Move a file or directory to *target*."""
        if not self.fs.exists(source):
            raise FileNotFoundError(source)
        parent = target.rpartition("/")[0]
        if parent:
            self.fs.makedirs(parent, exist_ok=True)
        self.fs.mv(source, target, recursive=True)

    def make_dirs(self, path: str) -> None:
        """Create *path* and its parents (no permissions to set)."""
        self.fs.makedirs(path, exist_ok=True)

    def untrusted(self, path: str) -> str | None:
        """``None``: access to a remote store is the credentials' business."""
        return None

    def read_prefix(self, path: str, size: int) -> bytes:
        """Return the first *size* bytes of the file at *path* (a ranged read)."""
        return bytes(self.fs.cat_file(path, start=0, end=size))

    def lock(self, path: str, timeout: float) -> EntryLock:
        """A lease on S3 (:mod:`._leases`); elsewhere a lock within this process."""
        if self._objects is not None:
            return LeaseEntryLock(self._objects, path, timeout, self.lease_seconds)
        return ProcessEntryLock(self.location(self.root), path, timeout)
