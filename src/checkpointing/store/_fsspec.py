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

import contextlib
import io
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, Concatenate, ParamSpec, TypeVar, final

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


def _listed_time(info: dict[str, Any]) -> float:
    """A listing's modification time of a file, in epoch seconds (``0.0`` if none)."""
    for field in ("LastModified", "mtime", "created", "last_modified", "updated"):
        value = info.get(field)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return 0.0


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    """
    A backend's "no answer from the server" errors that are not ``OSError``.

    s3fs raises botocore's ``EndpointConnectionError`` (a server that is
    gone) and its kin, which callers catching ``OSError`` miss. Taken from
    :data:`sys.modules` when the backend has loaded them: never imported here.
    """
    botocore = sys.modules.get("botocore.exceptions")
    if botocore is None:
        return ()
    return (botocore.ConnectionError, botocore.HTTPClientError)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _answering(
    method: Callable[Concatenate[FsspecFileSystem, str, _P], _R],
) -> Callable[Concatenate[FsspecFileSystem, str, _P], _R]:
    """Make a method raise ``ConnectionError`` for a server that does not answer."""

    def wrapper(
        self: FsspecFileSystem, path: str, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
        try:
            return method(self, path, *args, **kwargs)
        except _unreachable_errors() as err:
            raise self._unreachable(path, err) from err

    wrapper.__name__, wrapper.__doc__ = method.__name__, method.__doc__
    wrapper.__qualname__ = method.__qualname__
    return wrapper


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
        self._made: set[str] = set()  # parents made (see _publish_under_made_parent)

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
        """Return the bytes of the file at *path* (one whole read, see :meth:`_cat_whole`)."""
        return bytes(self._cat_whole(path))

    def _cat_whole(self, path: str) -> Any:
        """
        Read the file at *path* with one request: one version of it, whole.

        s3fs (``max_concurrency`` > 1, its default) asks for the size first
        and reads a file larger than its block size (50 MiB) in ranged parts
        fetched concurrently: parts of two versions when a writer replaces
        the object meanwhile, which the checksum then rejects as a damaged
        entry. A single ``GetObject`` returns one whole version, and costs one
        request on a hit and one on a miss (404) instead of two. A server that
        does not answer is a ``ConnectionError`` (an ``OSError``), not the
        client library's own error.
        """
        try:
            if getattr(self.fs, "max_concurrency", 1) > 1:  # s3fs
                return self.fs.cat_file(path, max_concurrency=1)
            return self.fs.cat_file(path)
        except _unreachable_errors() as err:
            raise self._unreachable(path, err) from err

    def _unreachable(self, path: str, error: BaseException) -> ConnectionError:
        """The ``OSError`` for *error*, a server that did not answer about *path*."""
        return ConnectionError(
            f"{self.location(path)}: no answer from the server: {error}"
        )

    def map(self, path: str, *, writable: bool) -> memoryview | None:
        """Not supported: ``None`` (the store reads instead)."""
        return None

    @_answering
    def is_file(self, path: str) -> bool:
        """Whether a file exists at *path*."""
        self._fresh(path)
        try:
            return bool(self.fs.isfile(path))
        except OSError:
            return False

    @_answering
    def size(self, path: str) -> int:
        """Return the size of the file at *path* in bytes."""
        self._fresh(path)
        info = self.fs.info(path)
        if info.get("type") != "file":
            raise IsADirectoryError(path)
        return int(info["size"])

    @_answering
    def modified(self, path: str) -> float:
        """The file's modification time if fsspec knows it, else ``0.0``."""
        self._fresh(path)
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
            self._publish_under_made_parent(parent, path, data, exclusive=exclusive)
        else:
            if parent and not self.fs.isdir(parent):
                raise FileNotFoundError(parent)
            with self._answer_for(path):
                self._pipe(path, data, exclusive=exclusive)
        return len(data), xxhash.xxh3_64_intdigest(data) if checksum else 0

    def _pipe(self, path: str, data: bytes, *, exclusive: bool) -> None:
        """``pipe_file``, create-only (``mode="create"``) with *exclusive*."""
        if exclusive:
            self.fs.pipe_file(path, data, mode="create")
        else:
            self.fs.pipe_file(path, data)

    @contextlib.contextmanager
    def _answer_for(self, path: str) -> Iterator[None]:
        """Turn the backend's "no answer" errors about *path* into ``ConnectionError``."""
        try:
            yield
        except _unreachable_errors() as err:
            raise self._unreachable(path, err) from err

    def _publish_under_made_parent(
        self, parent: str, path: str, data: bytes, *, exclusive: bool
    ) -> None:
        """
        Write *data* to *path*, making its *parent* once per file system object.

        ``makedirs`` costs a request on object stores (s3fs checks that the
        bucket exists, and creates a missing one) for no directory at all: a
        store writes two or three files per save. So a parent made once is
        remembered; if it was removed since (by this process or another), the
        write fails with ``FileNotFoundError`` and is done again after a new
        ``makedirs``. A server that does not answer is a ``ConnectionError``.

        On S3 there are no directories, and s3fs's ``makedirs`` would create
        a missing *bucket*: a typo in a URL must fail (``FileNotFoundError``,
        ``NoSuchBucket``), not create a bucket. So nothing is made there.
        """
        if self._objects is not None:
            with self._answer_for(path):
                self._pipe(path, data, exclusive=exclusive)
            return
        try:
            if parent not in self._made:
                self.fs.makedirs(parent, exist_ok=True)
                self._made.add(parent)
            try:
                self._pipe(path, data, exclusive=exclusive)
            except FileNotFoundError:
                self.fs.makedirs(parent, exist_ok=True)
                self._pipe(path, data, exclusive=exclusive)
        except _unreachable_errors() as err:
            raise self._unreachable(path, err) from err

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
            return [_name(p) for p in self._ls(path, detail=False)]
        except (FileNotFoundError, NotADirectoryError):
            return []

    @_answering
    def _ls(self, path: str, *, detail: bool) -> list[Any]:
        """
        List *path* as it is now: never from the file system's listings cache.

        s3fs keeps every listing for the life of its object by default
        (``use_listings_cache=True``, no expiry) and drops it only on its own
        writes: a store would never list another process's new entries, nor
        miss its removed ones. Dropping the cached listing of *path* (and its
        parents) first costs nothing where there is no cache.
        """
        self._fresh(path)
        return list(self.fs.ls(path, detail=detail))

    def _fresh(self, path: str) -> None:
        """
        Drop what the file system's listings cache knows of *path* and its parents.

        fsspec answers ``isfile``, ``info``, ``exists`` and ``isdir`` from a
        cached listing of the parent when it has one (s3fs keeps them by
        default, see :meth:`_ls`): without this, an entry another process
        wrote or removed since would be missing or present here for good.
        """
        self.fs.invalidate_cache(path)

    @_answering
    def scan(self, path: str, *, sizes: bool) -> list[Listed]:
        """List *path* with kinds (and sizes: a directory's files directly inside)."""
        self._fresh(path)
        if not self.fs.isdir(path):
            raise FileNotFoundError(path)
        found = []
        for info in self._ls(path, detail=True):
            is_dir = info.get("type") == "directory"
            size = 0
            if sizes:
                if is_dir:
                    size = sum(
                        int(inner.get("size") or 0)
                        for inner in self._ls(info["name"], detail=True)
                        if inner.get("type") == "file"
                    )
                else:
                    size = int(info.get("size") or 0)
            found.append(Listed(_name(info["name"]), is_dir, size, _listed_time(info)))
        return found

    @_answering
    def remove(self, path: str) -> None:
        """Delete the file at *path*."""
        self._fresh(path)
        if not self.fs.isfile(path):
            raise FileNotFoundError(path)
        self.fs.rm_file(path)

    @_answering
    def remove_tree(self, path: str, *, quiet: bool = False) -> None:
        """Delete the directory *path* and its contents; a missing one is fine."""
        self._fresh(path)
        try:
            if self.fs.exists(path):
                self.fs.rm(path, recursive=True)
        except FileNotFoundError:
            return
        except OSError:
            if not quiet:
                raise

    @_answering
    def remove_empty_dir(self, path: str) -> None:
        """Delete the directory *path* if it is empty."""
        self._fresh(path)
        try:
            if self.fs.isdir(path) and not self.fs.ls(path, detail=False):
                self.fs.rmdir(path)
        except OSError:
            return

    @_answering
    def move(self, source: str, target: str) -> None:
        """Move a file or directory to *target*."""
        self._fresh(source)
        if not self.fs.exists(source):
            raise FileNotFoundError(source)
        parent = target.rpartition("/")[0]
        if parent and self._objects is None:
            self.fs.makedirs(parent, exist_ok=True)
        self.fs.mv(source, target, recursive=True)

    @_answering
    def make_dirs(self, path: str) -> None:
        """Create *path* and its parents (no permissions to set; nothing on S3)."""
        if self._objects is None:  # S3: no directories, and never a new bucket
            self.fs.makedirs(path, exist_ok=True)

    def untrusted(self, path: str) -> str | None:
        """``None``: access to a remote store is the credentials' business."""
        return None

    @_answering
    def read_prefix(self, path: str, size: int) -> bytes:
        """Return the first *size* bytes of the file at *path* (a ranged read)."""
        return bytes(self.fs.cat_file(path, start=0, end=size))

    def lock(self, path: str, timeout: float) -> EntryLock:
        """A lease on S3 (:mod:`._leases`); elsewhere a lock within this process."""
        if self._objects is not None:
            return LeaseEntryLock(self._objects, path, timeout, self.lease_seconds)
        return ProcessEntryLock(self.location(self.root), path, timeout)
