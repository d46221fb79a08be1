"""
The local file system: every ``os``, ``mmap`` and ``tempfile`` call of the store.

Every file is written to a unique temporary file in the destination directory
and moved into place with :func:`os.replace`, which is atomic on POSIX and
Windows: readers see the old file or the new one, never a prefix. Directories
are created owner-only (:func:`make_private_dirs`), nothing is written through
a symbolic link inside the store, and temporary files of dead writers are
reclaimed. Reads use the fewest system calls (the hit path), large ones into
huge pages with the checksum computed during the read.

One reason to change: how the local operating system is driven. Imports
:mod:`._filesystem` and :mod:`._format` (to hash an entry's payload while
reading it) and :mod:`._locks` (``flock``-based entry locks).
"""

# Plain os calls and strings, not pathlib: these run on the hit path.
# ruff: noqa: PTH102, PTH103, PTH105, PTH106, PTH108, PTH112, PTH113, PTH114
# ruff: noqa: PTH116, PTH118, PTH119, PTH120, PTH123, PTH208

from __future__ import annotations

import contextlib
import io
import mmap
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO, Final, final

import xxhash

from checkpointing._errors import StoreError

from ._filesystem import Listed, StatToken
from ._format import HEADER, MAGIC

if TYPE_CHECKING:
    from ._locks import EntryLock

__all__ = ["LocalFileSystem", "make_private_dirs"]

_REPLACE_RETRIES: Final = 5
# Not sys.platform: type checkers treat that as a constant and prune the branch.
_ON_WINDOWS: Final = os.name == "nt"
#: Temp files older than this are removed by the next writer even if their
#: writer may be alive (one day: no single write takes that long).
_STALE_TEMP_SECONDS: Final = 24 * 3600.0
_SMALL_READ: Final = 1 << 20
#: Large entries are read and checksummed in chunks of this many bytes: each
#: chunk is hashed while it is still in the CPU cache, so the checksum costs
#: no second pass over main memory (about 15% of a 1 GiB hit).
_HASH_CHUNK: Final = 4 << 20


def make_private_dirs(path: str | os.PathLike[str]) -> None:
    """
    Create *path* and its missing parents, each owner-only (mode ``0o700``).

    ``os.makedirs(mode=...)`` applies the mode to the last directory only
    (Python 3.7+); the cache root and function directories created on the
    way must not be readable or writable by others either.
    """
    missing = []
    current = os.fspath(path)
    # A relative path runs out of parents at "" (the working directory), which
    # exists: ``os.path.dirname("a")`` is ``""``, and ``os.mkdir("")`` fails.
    while current and not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory, 0o700)


def _writer_is_dead(temp_name: str) -> bool:
    """Whether the pid in ``.<file>.<pid>.<random>.tmp`` names no live process."""
    if os.name != "posix":
        return False  # no cheap liveness check: rely on the age rule
    parts = temp_name.split(".")
    if len(parts) < 5 or not parts[-3].isdigit():
        return False
    pid = int(parts[-3])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by someone else
    except OSError:
        return False
    return False


def _read_file(path: str) -> tuple[bytes | memoryview, os.stat_result, int | None]:
    """
    Read a whole file with the fewest system calls; return it, its status, a checksum.

    ``os.open`` + ``os.read`` is about twice as fast as ``open().read()`` for
    the small files of a cache hit; large files are read into one
    preallocated buffer (no intermediate copies), and when they start with an
    entry header the xxh3-64 of the payload it announces is computed chunk by
    chunk during the read (returned third; ``None`` for small files, which
    the store's verification hashes itself).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        status = os.fstat(fd)
        size = status.st_size
        if size < _SMALL_READ:
            data = os.read(fd, size + 1)
            # Entries are replaced, never rewritten in place, so a short read is
            # a damaged file (the checksum says so) and a long one a grown file.
            return (data + _read_rest(fd) if len(data) > size else data), status, None
        # Anonymous memory: zero pages come from the kernel on first touch,
        # where bytearray(size) would first write a GB of zeros itself.
        # MAP_PRIVATE: shared anonymous memory is shmem, which gets no huge pages.
        private = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)
        buffer = mmap.mmap(-1, size, flags=private) if private else mmap.mmap(-1, size)
        if hasattr(mmap, "MADV_HUGEPAGE"):
            # Transparent huge pages, as numpy uses for large arrays: far fewer
            # page faults while the file is read in (Linux only); 5x faster for 1 GiB.
            with contextlib.suppress(OSError):
                buffer.madvise(mmap.MADV_HUGEPAGE)
        view = memoryview(buffer)
        hasher = xxhash.xxh3_64()
        hashed = start = end = 0  # payload bytes [start, end) once the header is in
        with io.FileIO(fd, "r", closefd=False) as file:
            filled = 0
            while filled < size:
                count = file.readinto(view[filled : filled + _HASH_CHUNK])
                if not count:
                    break
                filled += count
                if not end and filled >= HEADER.size:
                    magic, _v, _f, _k, length, _c = HEADER.unpack_from(view)
                    if magic == MAGIC:
                        hashed = start = HEADER.size
                        end = start + length
                if end and hashed < min(filled, end):
                    stop = min(filled, end)
                    hasher.update(view[hashed:stop])
                    hashed = stop
            extra = file.read(1)  # the file grew since fstat: read the rest
        if extra:
            return bytes(view[:filled]) + extra + _read_rest(fd), status, None
        checksum = hasher.intdigest() if end and hashed == end else None
        return (view if filled == size else view[:filled]), status, checksum
    finally:
        os.close(fd)


def _read_rest(fd: int) -> bytes:
    parts = []
    while chunk := os.read(fd, _SMALL_READ):
        parts.append(chunk)
    return b"".join(parts)


def _file_checksum(path: str) -> int:
    """xxh3-64 of a whole file, read through a memory map (page cache speed)."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size == 0:
            return xxhash.xxh3_64_intdigest(b"")
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return xxhash.xxh3_64_intdigest(mapped)


def _tree_size(path: str) -> int:
    """Total bytes of the regular files directly inside *path* (0 if unreadable)."""
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(path):
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def _replace(source: str, target: str) -> None:
    """:func:`os.replace`, retried briefly where Windows reports a file in use."""
    attempt = 0
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError:
            attempt += 1
            if not _ON_WINDOWS or attempt >= _REPLACE_RETRIES:
                raise
            time.sleep(0.01 * 2**attempt)


def _read_entry(
    path: str,
) -> tuple[bytes | memoryview, StatToken | None, float, int | None]:
    """Read a whole entry file (see ``FileSystem.read_entry``)."""
    data, status, checksum = _read_file(path)
    token = (status.st_ino, status.st_mtime_ns, status.st_ctime_ns, status.st_size)
    return data, token, max(status.st_mtime, status.st_ctime), checksum


@final
class LocalFileSystem:
    """
    The local (or mounted network) file system under one cache directory.

    Args:
        root: The cache directory; writes never go through a symbolic link
            between it and the file written (the root itself may be one).

    .. versionadded:: 0.3.0
    """

    sep = os.sep
    memo = True
    supports_append = True
    # Writers exclude each other with file locks, and entries are replaced by
    # rename: the store does not need create-only publication here.
    conditional_create = False

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)
        self._reclaimed: set[str] = set()  # directories swept of dead writers' temps

    def __repr__(self) -> str:
        return f"LocalFileSystem({self.root!r})"

    # The C function itself, not a method: the hit path's one call. (Looked
    # up on the class at each call, so a test may replace it.)
    stat = staticmethod(os.stat)
    # A function, not a method: the store binds it once.
    read_entry = staticmethod(_read_entry)

    def join(self, *parts: str) -> str:
        """Join path parts with :func:`os.path.join`."""
        return os.path.join(*parts)

    def location(self, path: str) -> str:
        """*path* itself."""
        return path

    def read_bytes(self, path: str) -> bytes:
        """Return the bytes of the file at *path*."""
        with open(path, "rb") as file:
            return file.read()

    def map(self, path: str, *, writable: bool) -> memoryview | None:
        """Map the file read-only (or copy-on-write); an empty file is not mapped."""
        with open(path, "rb") as file:
            if os.fstat(file.fileno()).st_size == 0:
                return memoryview(b"")
            access = mmap.ACCESS_COPY if writable else mmap.ACCESS_READ
            return memoryview(mmap.mmap(file.fileno(), 0, access=access))

    def is_file(self, path: str) -> bool:
        """Whether a regular file exists at *path*."""
        return os.path.isfile(path)

    def size(self, path: str) -> int:
        """Return the size of the file at *path* in bytes."""
        return os.stat(path).st_size

    def modified(self, path: str) -> float:
        """The file's modification time, epoch seconds."""
        return os.stat(path).st_mtime

    def checksum(self, path: str) -> int:
        """Return the xxh3-64 of the whole file at *path*."""
        return _file_checksum(path)

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
        Write what *writer* writes to a temp file, then rename it to *path* atomically.

        With *exclusive*, the temp file is hard-linked to *path* instead,
        which fails with ``FileExistsError`` if *path* exists.

        Readers see the old file or the new one, never a prefix. Returns the
        size in bytes and, with *checksum*, the xxh3-64 of the written file
        (read back from the page cache: writers such as ``torch.save`` or
        pyarrow seek and rewrite, so hashing what passes through ``write()``
        would not be the file's bytes); ``0`` without.
        """
        parent = os.path.dirname(path)
        if create_parents:
            make_private_dirs(parent)
        self._refuse_symlinks(parent)
        self._reclaim_temps(parent)
        # The writer's pid is in the name, so later writers can tell a dead
        # writer's leftovers from a live writer's file (see _reclaim_temps).
        fd, tmp = tempfile.mkstemp(
            dir=parent,
            prefix=f".{os.path.basename(path)}.{os.getpid()}.",
            suffix=".tmp",
        )
        try:
            with os.fdopen(fd, "wb") as file:
                writer(file)
                file.flush()
                if fsync:
                    os.fsync(file.fileno())
                size = os.fstat(file.fileno()).st_size  # writers may seek back
            digest = _file_checksum(tmp) if checksum else 0
            if exclusive:
                os.link(tmp, path)  # atomic; FileExistsError if there is one
                os.unlink(tmp)
            else:
                _replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return size, digest

    def copy_into(self, path: str, file: BinaryIO) -> tuple[int, int]:
        """Copy the file at *path* into *file*; return the size and xxh3-64 copied."""
        hasher = xxhash.xxh3_64()
        size = 0
        with open(path, "rb") as origin:
            while chunk := origin.read(_HASH_CHUNK):
                hasher.update(chunk)
                file.write(chunk)
                size += len(chunk)
        return size, hasher.intdigest()

    def append(self, path: str, text: str) -> None:
        """Append *text* with one ``write`` on an ``O_APPEND`` descriptor."""
        # O_NOFOLLOW: in a cache directory others can write to, a file replaced by
        # a symlink must not make us append to the file it points to.
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags, 0o600)
        try:
            # A short write (disk full) leaves a torn last line: it is ignored.
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)

    def listdir(self, path: str) -> list[str]:
        """Return the names in *path* (names only: no ``stat``), ``[]`` if missing."""
        try:
            return os.listdir(path)
        except (FileNotFoundError, NotADirectoryError):
            return []

    def scan(self, path: str, *, sizes: bool) -> list[Listed]:
        """List *path* with kinds (and sizes); entries that vanish are skipped."""
        found = []
        for entry in list(os.scandir(path)):
            try:
                is_dir = entry.is_dir()
                if not sizes:
                    size = 0
                elif is_dir:
                    size = _tree_size(entry.path)
                else:
                    size = entry.stat().st_size
            except OSError:
                continue
            found.append(Listed(entry.name, is_dir, size))
        return found

    def remove(self, path: str) -> None:
        """Delete the file at *path*."""
        os.unlink(path)

    def remove_tree(self, path: str, *, quiet: bool = False) -> None:
        """Delete a directory and its files (never through a symbolic link)."""
        if quiet:
            shutil.rmtree(path, ignore_errors=True)
            return
        if os.path.islink(path):
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(path)

    def remove_empty_dir(self, path: str) -> None:
        """Delete the directory *path* if it is empty."""
        with contextlib.suppress(OSError):
            os.rmdir(path)

    def move(self, source: str, target: str) -> None:
        """:func:`os.replace` *source* to *target*, creating its parent owner-only."""
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        os.replace(source, target)

    def make_dirs(self, path: str) -> None:
        """Create *path* and its missing parents, owner-only."""
        make_private_dirs(path)

    def untrusted(self, path: str) -> str | None:
        """
        Why *path* is unsafe to load pickles from, or ``None`` (always on Windows).

        On POSIX the directory must belong to the current user and must not
        be writable by group or others.

        Raises:
            OSError: If *path* cannot be examined (it may not exist yet).
        """
        if os.name != "posix":
            return None
        status = os.stat(path)
        if status.st_uid != os.geteuid():
            return (
                f"owned by uid {status.st_uid}, not by you (uid {os.geteuid()}): "
                "entries are pickles, and loading a pickle runs its code"
            )
        if status.st_mode & 0o022:
            return (
                f"writable by other users (mode {stat.filemode(status.st_mode)}): "
                "anyone could plant a pickle there; run chmod go-w on it"
            )
        return None

    def lock(self, path: str, timeout: float) -> EntryLock:
        """A ``filelock`` lock: held across processes, released when its holder dies."""
        from ._locks import FileLockEntryLock  # only misses lock

        return FileLockEntryLock(path, timeout, make_private_dirs)

    def _refuse_symlinks(self, directory: str) -> None:
        """Never write through a symbolic link inside the store (the root may be one)."""
        root = os.path.normpath(self.root)
        current = os.path.normpath(directory)
        while current != root and current != os.path.dirname(current):
            if os.path.islink(current):
                raise StoreError(
                    current,
                    "is a symbolic link inside the store: refusing to write",
                )
            current = os.path.dirname(current)

    def _reclaim_temps(self, directory: str) -> None:
        """
        Delete temporary files that dead writers left in *directory*.

        A writer killed mid-write (``kill -9``, OOM) leaves its temporary file;
        a crash loop must not fill the disk. Once per directory per process,
        before the first write there, temp files are removed when the pid in
        their name is not a live process (POSIX), or when they are older than
        :data:`_STALE_TEMP_SECONDS` (any platform, and names without a pid).
        """
        if directory in self._reclaimed:
            return
        self._reclaimed.add(directory)
        now = time.time()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if not (name.startswith(".") and name.endswith(".tmp")):
                continue
            with contextlib.suppress(OSError):
                if (
                    _writer_is_dead(name)
                    or now - entry.stat().st_mtime > _STALE_TEMP_SECONDS
                ):
                    os.unlink(entry.path)
