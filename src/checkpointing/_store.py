"""
The on-disk store: directory layout, atomic writes, integrity checks, listing.

Layout of a cache directory (``format_version`` 1)::

    <root>/
        CACHEDIR.TAG                  marks the directory as a cache (backup tools skip it)
        <function_id>/                one directory per function ("module.qualname")
            <name>.ckpt               entry: 40-byte header + serialized value
            <name>.json               manifest, written after the value
            <name>.files/<output><suffix>
                                      results stored by file serializers (numpy,
                                      parquet, json, ...): the .ckpt entry then
                                      holds their table (sizes and checksums)
            .catalog.v1.tsv           index of the manifests for `inspect` (_catalog.py)
        .blobs/<d[:2]>/<d>.txt        normalized sources, content-addressed by digest d
        .quarantine/                  damaged entries moved aside (never deleted silently)

An entry file starts with a header: magic ``b"CKPT"``, the format version, the
16-byte key, the payload length and its xxh3-64 checksum. A read verifies all
of them, so a truncated, bit-flipped or swapped file (another key's entry under
this name) is detected and reported instead of being decoded. The files of a
file serializer are checked against the size and xxh3-64 recorded in the
entry's table before they are decoded.

Every file is written to a unique temporary file in the destination directory
and moved into place with :func:`os.replace`, which is atomic on POSIX and
Windows: readers see the old file or the new one, never a prefix. The store
knows nothing about functions: ``function_id`` and ``name`` are opaque. An
entry's *name* is its 32-character hex *key* by default, or a readable name
chosen with ``@checkpoint(key=...)``; a named entry's header still holds the
hex key, and a read that expects another key is a miss (the code or the
arguments behind that name changed), never a stale value.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import mmap
import os
import shutil
import stat
import struct
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final, NamedTuple, final

import xxhash

from . import _catalog
from ._errors import CorruptEntryError, StoreError, UntrustedDirectoryError
from ._locks import make_private_dirs
from ._manifest import FORMAT_VERSION, Manifest
from ._settings import resolve_hmac_key

__all__ = ["FILE_TABLE_MAGIC", "MISSING", "Store", "is_hex_key"]


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

_MAGIC: Final = b"CKPT"
_HEADER: Final = struct.Struct(
    "<4sHH16sQQ"
)  # magic, format, flags, key, length, xxh3_64
_ENTRY_SUFFIX: Final = ".ckpt"
_MANIFEST_SUFFIX: Final = ".json"
_FILES_SUFFIX: Final = ".files"
#: Payload of an entry whose value lives in files: this magic, then JSON
#: ``{"files": [{"file", "size", "xxh3_64"}, ...]}``.
FILE_TABLE_MAGIC: Final = b"CKPF"
_HEX: Final = frozenset("0123456789abcdef")
_BLOBS: Final = ".blobs"
_QUARANTINE: Final = ".quarantine"
_CACHEDIR_TAG: Final = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by checkpointing.\n"
    b"# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_REPLACE_RETRIES: Final = 5
#: Header flag: an HMAC-SHA256 signature of header and payload follows the payload.
_FLAG_SIGNED: Final = 0x1
_SIGNATURE_SIZE: Final = 32
# Not sys.platform: type checkers treat that as a constant and prune the branch.
_ON_WINDOWS: Final = os.name == "nt"


def _signature(key: bytes, *parts: bytes | memoryview) -> bytes:
    """HMAC-SHA256 (RFC 2104) of the concatenated *parts*: 32 bytes."""
    import hashlib  # only signed stores pay for importing hashlib
    import hmac

    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.digest()


def is_hex_key(name: str) -> bool:
    """Whether *name* has the form of a key: 32 lowercase hex characters."""
    return len(name) == 32 and not set(name) - _HEX


def _check_name(name: str, what: str) -> str:
    """Refuse names that could escape the store or hide files."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or len(name) > 200
    ):
        raise StoreError(name, f"invalid {what} name for a store path")
    return name


#: Temp files older than this are removed by the next writer even if their
#: writer may be alive (one day: no single write takes that long).
_STALE_TEMP_SECONDS: Final = 24 * 3600.0


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


_SMALL_READ: Final = 1 << 20
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
#: Seconds: a hit refreshes its entry's access time when it is older than this
#: (once an hour at most, so hits stay read-mostly).
_ACCESS_RESOLUTION: Final = 3600.0


#: Large entries are read and checksummed in chunks of this many bytes: each
#: chunk is hashed while it is still in the CPU cache, so the checksum costs
#: no second pass over main memory (about 15% of a 1 GiB hit).
_HASH_CHUNK: Final = 4 << 20


def _read_file(path: str) -> tuple[bytes | memoryview, os.stat_result, int | None]:
    """
    Read a whole file with the fewest system calls; return it, its status, a checksum.

    ``os.open`` + ``os.read`` is about twice as fast as ``open().read()`` for
    the small files of a cache hit; large files are read into one
    preallocated buffer (no intermediate copies), and when they start with an
    entry header the xxh3-64 of the payload it announces is computed chunk by
    chunk during the read (returned third; ``None`` for small files, which
    :meth:`Store._verify` hashes itself).
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
                if not end and filled >= _HEADER.size:
                    magic, _v, _f, _k, length, _c = _HEADER.unpack_from(view)
                    if magic == _MAGIC:
                        hashed = start = _HEADER.size
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


def _parse_table(path: str, payload: bytes | memoryview) -> list[dict[str, Any]]:
    """Decode a file table payload (:data:`FILE_TABLE_MAGIC` + JSON)."""
    import json

    if bytes(payload[:4]) != FILE_TABLE_MAGIC:
        raise CorruptEntryError(path, "entry holds no file table")
    try:
        table = json.loads(bytes(payload[4:]))["files"]
        for item in table:
            _check_name(str(item["file"]), "result file")
            int(item["size"])
            int(item["xxh3_64"])
    except (ValueError, KeyError, TypeError, StoreError) as err:
        raise CorruptEntryError(path, f"unreadable file table ({err})") from err
    return list(table)


def _rebuild_store(root: str, fsync: bool, trust_directory: bool) -> Store:  # noqa: FBT001
    return Store(
        root,
        fsync=fsync,
        trust_directory=trust_directory,
        hmac_key=resolve_hmac_key(None),
    )


def _copy_from(source: str, file: BinaryIO) -> None:
    """Copy the bytes of the file at *source* into the open *file*."""
    with open(source, "rb") as origin:
        shutil.copyfileobj(origin, file, 1 << 20)


def _tree_size(path: str) -> int:
    """Total bytes of the regular files directly inside *path* (0 if unreadable)."""
    total = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(path):
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    total += entry.stat(follow_symlinks=False).st_size
    return total


def _remove_files_dir(path: Path) -> None:
    """Delete an entry's ``.files`` directory (never through a symbolic link)."""
    if path.is_symlink():
        with contextlib.suppress(OSError):
            path.unlink()
        return
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        return
    except OSError as err:
        raise StoreError(str(path), f"cannot delete: {err}") from err


def _replace(source: str, target: Path) -> None:
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


class Eviction(NamedTuple):
    """One entry removed by :meth:`Store.evict` (``why``: ``expired`` or ``size``)."""

    function_id: str
    key: str
    size_bytes: int
    why: str


# Stores holding hits counted but not yet appended to a catalog (Store._hits);
# kept alive until exit so that no count is lost (a few stores per process).
_stores_with_hits: set[Store] = set()
_HIT_FLUSH: Final = 1000
_hit_flush_registered: list[bool] = []


def _register_hits(store: Store) -> None:
    _stores_with_hits.add(store)
    if not _hit_flush_registered:
        import atexit

        atexit.register(_flush_hits)
        _hit_flush_registered.append(True)


def _flush_hits() -> None:
    """Append every pending hit count to its catalog (at exit); never raises."""
    for store in list(_stores_with_hits):
        for function_id, count in list(store._hits.items()):
            if count:
                _catalog.record_hits(store._root_text, function_id, count)
        store._hits.clear()


@final
class Store:
    """
    A cache directory holding entries grouped by function.

    Args:
        root: The cache directory (``~`` expands to the home directory);
            created (mode 0o700) on the first write.
        fsync: Whether to ``fsync`` each file before it is renamed into place.
            Off by default: a crash may then lose a recent entry (it is
            recomputed), but checksums make a corrupt read impossible.

    The store never raises on a missing entry (:data:`MISSING` is returned);
    it raises :class:`StoreError` for I/O failures and
    :class:`CorruptEntryError` for damaged entries.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        fsync: bool = False,
        trust_directory: bool = False,
        hmac_key: bytes | None = None,
    ) -> None:
        # "~/cache" means the home directory, as in a shell: a folder named
        # "~" in the working directory is never what was meant.
        self.root = Path(os.path.expanduser(os.fspath(root)))
        self.fsync = fsync
        self.trust_directory = trust_directory
        self._hmac_key = hmac_key or None
        self._trusted = trust_directory  # set once the root passed _check_trust
        self._root_text = os.fspath(self.root)
        self._checked: set[str] = set()  # keys already validated (hot path)
        self._prefixes: dict[str, str] = {}  # function_id -> "<root>/<function_id>/"
        self._reclaimed: set[str] = set()  # directories swept of dead writers' temps
        self._root_ready = False  # root created and tagged (see _ensure_root)
        self._hits: dict[str, int] = {}  # function_id -> hits not yet in the catalog
        self._last_eviction = -float("inf")  # time.monotonic() of the last evict_if_due
        # Verified payloads of small entries read recently, by path, with the
        # (inode, mtime_ns, ctime_ns, size) they were read at: see load().
        self._recent: dict[str, tuple[tuple[int, int, int, int], str, memoryview]] = {}
        # Entry files this store replaced or removed so far: a read that saw
        # the count change while it read keeps nothing (see _forget).
        self._changes = 0

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The HMAC key is a secret: it is not pickled. The rebuilt store reads
        # CHECKPOINTING_HMAC_KEY in the process that unpickles it (a worker).
        return (_rebuild_store, (self._root_text, self.fsync, self.trust_directory))

    # -- paths ---------------------------------------------------------------
    def entry_path(self, function_id: str, key: str) -> Path:
        """Return the path of the entry file for *key* (it may not exist)."""
        return (
            self.root
            / _check_name(function_id, "function")
            / (_check_name(key, "key") + _ENTRY_SUFFIX)
        )

    def manifest_path(self, function_id: str, key: str) -> Path:
        """Return the path of the manifest for *key* (it may not exist)."""
        return (
            self.root
            / _check_name(function_id, "function")
            / (_check_name(key, "key") + _MANIFEST_SUFFIX)
        )

    def files_path(self, function_id: str, name: str) -> Path:
        """Return the directory of an entry's result files (it may not exist)."""
        return (
            self.root
            / _check_name(function_id, "function")
            / (_check_name(name, "key") + _FILES_SUFFIX)
        )

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
                (it is recomputed and overwritten).
            key: The hex key the entry must hold (default: *name* when it is
                a hex key, else any). A named entry holding another key is
                :data:`MISSING`: the code or arguments behind the name changed.

        The entry's access time is refreshed at most once per hour
        (:data:`_ACCESS_RESOLUTION`), so least-recently-used eviction works
        without a write on every hit, even on ``noatime`` mounts.

        Raises:
            CorruptEntryError: If the entry exists but fails verification.
            StoreError: If the file exists but cannot be read.
        """
        # Plain strings, not pathlib: this is the hit path (pathlib costs ~5 µs).
        prefix = self._prefixes.get(function_id)
        if prefix is None:  # "<root>/<function_id>/", checked once per function
            prefix = os.path.join(
                self._root_text, _check_name(function_id, "function"), ""
            )
            self._prefixes[function_id] = prefix
        checked = self._checked
        if name not in checked:
            if len(checked) > 100_000:
                checked.clear()
            checked.add(_check_name(name, "key"))
        path = prefix + name + _ENTRY_SUFFIX
        if key is None and is_hex_key(name):
            key = name
        now = time.time()  # before the stat and the read: see _RACY_SECONDS
        try:
            # One stat, then the verified bytes of a small entry from memory if
            # the file is the very file read before (same inode, modification
            # and change times, size). A stat costs ~2 µs; open + fstat + read
            # + close ~5 µs. Why the validator is sound: see below, where
            # entries are kept.
            status = os.stat(path)
            recent = self._recent.get(path)
            if recent is not None and recent[0] == (
                status.st_ino,
                status.st_mtime_ns,
                status.st_ctime_ns,
                status.st_size,
            ):
                if key is not None and recent[1] != key:
                    return MISSING  # a named entry of other code or arguments
                payload = recent[2]
            else:
                changes = self._changes
                data, status, checksum = _read_file(path)
                payload = None
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        except OSError as err:
            raise StoreError(path, f"cannot read entry: {err}") from err
        if max_age is not None and now - status.st_mtime > max_age:
            return MISSING
        touched = False
        if now - status.st_atime > _ACCESS_RESOLUTION:
            with contextlib.suppress(OSError):
                os.utime(path, ns=(time.time_ns(), status.st_mtime_ns))
                touched = True  # the change time moved: nothing to keep below
        if payload is not None:
            return payload
        if not self._trusted:
            self._check_trust()  # once per store: before the first entry is decoded
        stored_key, payload = self._verify(path, name, key, data, computed=checksum)
        if key is not None and stored_key != key:
            return MISSING  # a named entry of other code or arguments
        # Keep the bytes only if the file's status identifies them for good
        # (the racy-timestamp rule, see _RACY_SECONDS). This file was opened
        # after *now*. Whatever takes its place later is either a file that
        # existed beside it (a temporary file renamed over it: another inode)
        # or a change made after *now*: a file created once this one was
        # freed (ext4 may give it the same inode), a write in place, a utime.
        # Such a change gets a change time later than now - _RACY_SECONDS,
        # and utime cannot set a change time back (tiers set the modification
        # time back). A file whose times are older than that margin thus
        # differs from any successor in inode or change time, even at equal
        # size: inode reuse is harmless. A newer file may share a successor's
        # times (one clock tick) and is read again on every hit instead.
        # This store's own writes and removals also drop the bytes (_forget),
        # which holds even where file times never change at all.
        if (
            payload.nbytes <= _RECENT_MAX_BYTES
            and not touched
            and now - max(status.st_mtime, status.st_ctime) > _RACY_SECONDS
            and changes == self._changes
        ):
            recent_entries = self._recent
            if len(recent_entries) >= _RECENT_ENTRIES:
                # Oldest first; another thread may be evicting too (tiers'
                # write-back thread loads while callers do): never an error.
                with contextlib.suppress(KeyError, RuntimeError, StopIteration):
                    del recent_entries[next(iter(recent_entries))]
            identity = (
                status.st_ino,
                status.st_mtime_ns,
                status.st_ctime_ns,
                status.st_size,
            )
            recent_entries[path] = (identity, stored_key, payload)
        return payload

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
        byte), so mapping saves nothing there.

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
        path = self.entry_path(function_id, name)
        if key is None and is_hex_key(name):
            key = name
        try:
            with open(path, "rb") as file:
                status = os.fstat(file.fileno())
                if status.st_size < _HEADER.size:
                    raise CorruptEntryError(str(path), "truncated entry header")
                access = mmap.ACCESS_COPY if writable else mmap.ACCESS_READ
                mapped = mmap.mmap(file.fileno(), 0, access=access)
        except (FileNotFoundError, NotADirectoryError):
            return MISSING
        except OSError as err:
            raise StoreError(str(path), f"cannot map entry: {err}") from err
        if max_age is not None and time.time() - status.st_mtime > max_age:
            return MISSING
        if not self._trusted:
            self._check_trust()
        stored_key, payload = self._verify(str(path), name, key, mapped, checksum=False)
        if key is not None and stored_key != key:
            return MISSING
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
        path = self.entry_path(function_id, name)
        table = _parse_table(str(path), payload)
        directory = os.path.join(self._root_text, function_id, name + _FILES_SUFFIX)
        found: dict[str, str] = {}
        for item in table:
            file_path = os.path.join(directory, item["file"])
            try:
                size = os.stat(file_path).st_size
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
                and _file_checksum(file_path) != item["xxh3_64"]
            ):
                raise CorruptEntryError(file_path, "checksum mismatch")
            found[item["file"]] = file_path
        return found

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
        if self._trusted or os.name != "posix":
            self._trusted = True
            return
        try:
            status = os.stat(self._root_text)
        except OSError:
            return  # not there yet: it will be created owner-only
        if status.st_uid != os.geteuid():
            raise UntrustedDirectoryError(
                self._root_text,
                f"owned by uid {status.st_uid}, not by you (uid {os.geteuid()}): "
                "entries are pickles, and loading a pickle runs its code",
            )
        if status.st_mode & 0o022:
            raise UntrustedDirectoryError(
                self._root_text,
                f"writable by other users (mode {stat.filemode(status.st_mode)}): "
                "anyone could plant a pickle there; run chmod go-w on it",
            )
        self._trusted = True

    def _verify(
        self,
        path: str,
        name: str,
        key: str | None,
        data: bytes | memoryview | mmap.mmap,
        *,
        checksum: bool = True,
        computed: int | None = None,
    ) -> tuple[str, memoryview]:
        """Check an entry's bytes; return ``(stored key, payload view)``.

        *computed* is the payload's xxh3-64 if the reader hashed it already.
        """
        if len(data) < _HEADER.size:
            raise CorruptEntryError(str(path), "truncated entry header")
        magic, version, flags, stored_key, length, expected = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise CorruptEntryError(str(path), "not a checkpointing entry")
        if version != FORMAT_VERSION:
            raise CorruptEntryError(
                str(path),
                f"written by entry format {version}, expected {FORMAT_VERSION}",
            )
        stored = stored_key.hex()
        if stored != name and is_hex_key(name):
            # A hex-named file holds exactly its own key: anything else is a
            # swapped file. (A readable name may hold any key: see load().)
            raise CorruptEntryError(str(path), f"holds the entry of key {stored}")
        signed = bool(flags & _FLAG_SIGNED)
        end = _HEADER.size + length
        trailer = _SIGNATURE_SIZE if signed else 0
        if len(data) != end + trailer:
            raise CorruptEntryError(
                str(path),
                f"entry is {len(data)} bytes, header says {end + trailer}",
            )
        if key is not None and stored != key:
            return stored, memoryview(b"")  # the caller's miss: nothing to check
        payload = memoryview(data)[_HEADER.size : end]
        if (
            checksum
            and (
                computed if computed is not None else xxhash.xxh3_64_intdigest(payload)
            )
            != expected
        ):
            raise CorruptEntryError(str(path), "checksum mismatch")
        if self._hmac_key is not None:
            if not signed:
                raise CorruptEntryError(
                    str(path), "unsigned entry, and an HMAC key is set: refused"
                )
            import hmac

            signature = _signature(self._hmac_key, memoryview(data)[:end])
            if not hmac.compare_digest(signature, bytes(memoryview(data)[end:])):
                raise CorruptEntryError(str(path), "HMAC signature mismatch: refused")
        return stored, payload  # a view: no copy of a large payload

    def record_hit(self, function_id: str) -> None:
        """
        Count a hit of *function_id* for ``inspect``, without writing anything now.

        Counts stay in memory and are appended to the function's catalog when
        the process exits (``atexit``) or every :data:`_HIT_FLUSH` hits, so a
        hit costs a dictionary update. Hits of killed processes are not counted.
        """
        hits = self._hits
        count = hits.get(function_id, 0) + 1
        if count >= _HIT_FLUSH:
            _catalog.record_hits(self._root_text, function_id, count)
            count = 0
        elif not hits:
            _register_hits(self)
        hits[function_id] = count

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
        return self.entry_path(function_id, key).is_file()

    def manifest(self, function_id: str, key: str) -> Manifest | None:
        """
        Return the manifest of *key*, or ``None`` if there is none.

        Raises:
            CorruptEntryError: If the manifest exists but cannot be parsed.
        """
        path = self.manifest_path(function_id, key)
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as err:
            raise StoreError(str(path), f"cannot read manifest: {err}") from err
        return Manifest.from_json(raw, path=str(path))

    def manifests(self, function_id: str) -> list[Manifest]:
        """
        Return the readable manifests of *function_id*, oldest first.

        Unreadable manifests (another format version, damaged) are skipped;
        :meth:`iter_manifest_files` lists them all.
        """
        found = []
        for path in self.iter_manifest_files(function_id):
            try:
                found.append(Manifest.from_json(path.read_bytes(), path=str(path)))
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
        """
        _check_name(function_id, "function")
        catalog = _catalog.read_function(self.root, function_id)
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

    def iter_manifest_files(self, function_id: str) -> Iterator[Path]:
        """Yield the manifest files of *function_id* (unordered)."""
        directory = self.root / _check_name(function_id, "function")
        try:
            entries = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            if entry.name.endswith(_MANIFEST_SUFFIX) and not entry.name.startswith("."):
                yield Path(entry.path)

    def function_ids(self) -> list[str]:
        """Return the names of the function directories, sorted."""
        try:
            entries = list(os.scandir(self.root))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(
            e.name for e in entries if e.is_dir() and not e.name.startswith(".")
        )

    def blob(self, digest: str) -> str | None:
        """Return the text stored under *digest* by :meth:`put_blob`, or ``None``."""
        _check_name(digest, "blob")
        try:
            return (self.root / _BLOBS / digest[:2] / f"{digest}.txt").read_text(
                "utf-8"
            )
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None

    # -- writing -------------------------------------------------------------
    def save(
        self,
        manifest: Manifest,
        payload: bytes | Sequence[bytes | bytearray | memoryview],
        blobs: dict[str, str],
        *,
        outputs: Sequence[tuple[str, Callable[[BinaryIO], None]]] = (),
    ) -> Path:
        """
        Write an entry atomically: blobs, result files, the entry, then the manifest.

        Args:
            manifest: The entry's manifest (its ``function_id`` and ``name``
                name the files; its ``key`` goes in the entry header).
            payload: Serialized value: bytes, or a sequence of chunks written
                one after the other without being joined (large buffers are
                written from their own memory). Ignored when *outputs* is
                given: the payload is then the table of the result files.
            blobs: Digest to text of normalized sources to keep (written once).
            outputs: ``(file name, writer)`` pairs for results stored as files
                (``<name>.files/<file name>``): each writer gets a fresh
                temporary file opened ``"wb"``; the file is checksummed
                (xxh3-64) and renamed into place before the entry is written.

        Returns:
            The path of the entry file.

        Raises:
            StoreError: If any file cannot be written; nothing partial remains
                readable (result files without their entry are never read).
            SerializationError: Raised by a writer, unchanged.
        """
        name = manifest.entry_name
        entry = self.entry_path(manifest.function_id, name)
        try:
            self._ensure_root()
            for digest, text in blobs.items():
                _check_name(digest, "blob")
                path = self.root / _BLOBS / digest[:2] / f"{digest}.txt"
                if not path.exists():
                    self._write_atomic(path, text.encode("utf-8"))
            if outputs:
                table, total = self._write_outputs(entry, outputs)
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
            header = _HEADER.pack(
                _MAGIC,
                FORMAT_VERSION,
                _FLAG_SIGNED if self._hmac_key is not None else 0,
                bytes.fromhex(manifest.key),
                length,
                checksum.intdigest(),
            )
            if self._hmac_key is not None:
                # Header fields and payload are signed together, so neither a
                # payload nor a header (key, length) can be swapped in alone.
                signature = _signature(self._hmac_key, header, *chunks)
                self._write_atomic(entry, header, *chunks, signature)
            else:
                self._write_atomic(entry, header, *chunks)
            # The manifest goes last: a manifest on disk implies a complete entry.
            manifest_json = manifest.to_json()
            self._write_atomic(
                self.manifest_path(manifest.function_id, name),
                manifest_json,
            )
            # Catalog hook (issue 4): index the entry for `inspect`. Never raises.
            _catalog.record_entry(self.root, manifest, len(manifest_json))
        except OSError as err:
            raise StoreError(str(entry), f"cannot write entry: {err}") from err
        except ValueError as err:  # a key that is not hex
            raise StoreError(str(entry), f"invalid key: {err}") from err
        return entry

    def _write_outputs(
        self, entry: Path, outputs: Sequence[tuple[str, Callable[[BinaryIO], None]]]
    ) -> tuple[bytes, int]:
        """Write result files next to *entry*; return the file table payload and bytes."""
        import json

        directory = entry.with_name(entry.name[: -len(_ENTRY_SUFFIX)] + _FILES_SUFFIX)
        table = []
        total = 0
        for file_name, writer in outputs:
            _check_name(file_name, "result file")
            target = directory / file_name
            size, checksum = self._write_atomic_with(target, writer)
            table.append({"file": file_name, "size": size, "xxh3_64": checksum})
            total += size
        payload = FILE_TABLE_MAGIC + json.dumps({"files": table}).encode("utf-8")
        return payload, total

    def _write_atomic_with(
        self,
        path: Path,
        writer: Callable[[BinaryIO], None],
        *,
        checksum: bool = True,
    ) -> tuple[int, int]:
        """
        Write what *writer* writes to a temp file, then rename it to *path* atomically.

        Readers see the old file or the new one, never a prefix. Returns the
        size in bytes and, with *checksum*, the xxh3-64 of the written file
        (read back from the page cache: writers such as ``torch.save`` or
        pyarrow seek and rewrite, so hashing what passes through ``write()``
        would not be the file's bytes); ``0`` without.
        """
        make_private_dirs(path.parent)
        self._refuse_symlinks(path.parent)
        self._reclaim_temps(path.parent)
        # The writer's pid is in the name, so later writers can tell a dead
        # writer's leftovers from a live writer's file (see _reclaim_temps).
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as file:
                writer(file)
                file.flush()
                if self.fsync:
                    os.fsync(file.fileno())
                size = os.fstat(file.fileno()).st_size  # writers may seek back
            digest = _file_checksum(tmp) if checksum else 0
            _replace(tmp, path)
            self._forget(path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return size, digest

    def _ensure_root(self) -> None:
        """Create the root owner-only and tag it as a cache (once per store)."""
        self._check_trust()
        if self._root_ready:
            return
        make_private_dirs(self.root)
        # Also when the root exists already: a lock may have created it.
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            self._write_atomic(tag, _CACHEDIR_TAG)
        self._root_ready = True

    def _write_atomic(
        self, path: Path, *chunks: bytes | bytearray | memoryview
    ) -> None:
        """Write *chunks* so readers see the old file or the new one, never a prefix."""

        def write(file: BinaryIO) -> None:
            for chunk in chunks:
                file.write(chunk)

        self._write_atomic_with(path, write, checksum=False)

    def _forget(self, path: str | os.PathLike[str]) -> None:
        """
        Drop the bytes :meth:`load` keeps of the file at *path*, after it changed.

        Called after every file this store replaces or removes, so the store's
        own writes never depend on timestamps. Counting the changes also stops
        a load that was reading meanwhile (another thread) from keeping what
        it read: it might be the file just replaced.
        """
        self._changes += 1
        self._recent.pop(os.fspath(path), None)

    def _refuse_symlinks(self, directory: Path) -> None:
        """Never write through a symbolic link inside the store (the root may be one)."""
        current = directory
        while current != self.root and current != current.parent:
            if current.is_symlink():
                raise StoreError(
                    str(current),
                    "is a symbolic link inside the store: refusing to write",
                )
            current = current.parent

    def _reclaim_temps(self, directory: Path) -> None:
        """
        Delete temporary files that dead writers left in *directory*.

        A writer killed mid-write (``kill -9``, OOM) leaves its temporary file;
        a crash loop must not fill the disk. Once per directory per process,
        before the first write there, temp files are removed when the pid in
        their name is not a live process (POSIX), or when they are older than
        :data:`_STALE_TEMP_SECONDS` (any platform, and names without a pid).
        """
        marker = str(directory)
        if marker in self._reclaimed:
            return
        self._reclaimed.add(marker)
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

    # -- copying (tiers) -----------------------------------------------------
    def copy_entry(self, target: Store, function_id: str, name: str) -> bool:
        """
        Copy one entry (result files, entry file, manifest, source blobs) to *target*.

        The files are copied as they are (no decoding), each atomically, in the
        order :meth:`save` writes them (result files, entry, manifest last),
        so a reader of *target* never sees a partial entry. The entry is
        verified here first (checksums of the entry and of its result files):
        a damaged entry is never propagated. Used by tiered stores to copy
        hits forward and write results back.

        Returns:
            Whether an entry was copied (``False``: no verified entry here).

        Raises:
            StoreError: If *target* cannot be written.
        """
        try:
            payload = self.load(function_id, name)
            if payload is MISSING:
                return False
            payload = memoryview(payload)  # type: ignore[arg-type]
            files = (
                self.outputs(function_id, name, payload)
                if bytes(payload[:4]) == FILE_TABLE_MAGIC
                else {}
            )
            manifest = self.manifest(function_id, name)
        except (CorruptEntryError, StoreError):
            return False
        if manifest is None:
            return False
        blobs = {}
        for component in manifest.components.values():
            if component.blob and (text := self.blob(component.blob)) is not None:
                blobs[component.blob] = text
        target_entry = target.entry_path(function_id, name)
        source_entry = self.entry_path(function_id, name)
        try:
            target._ensure_root()
            for digest, text in blobs.items():
                path = target.root / _BLOBS / digest[:2] / f"{digest}.txt"
                if not path.exists():
                    target._write_atomic(path, text.encode("utf-8"))
            files_dir = target.files_path(function_id, name)
            for file_name, source in files.items():
                target._write_atomic_with(
                    files_dir / file_name, functools.partial(_copy_from, source)
                )
            target._write_atomic_with(
                target_entry, functools.partial(_copy_from, str(source_entry))
            )
            manifest_json = manifest.to_json()
            target._write_atomic(target.manifest_path(function_id, name), manifest_json)
            _catalog.record_entry(target.root, manifest, len(manifest_json))
        except OSError as err:
            raise StoreError(str(target_entry), f"cannot copy entry: {err}") from err
        return True

    # -- removing ------------------------------------------------------------
    def quarantine(self, function_id: str, key: str) -> Path | None:
        """
        Move a damaged entry and its manifest aside; return the new entry path.

        Returns ``None`` when there was nothing to move. Never raises for a
        file that vanished meanwhile (another process may have fixed it).
        """
        target_dir = self.root / _QUARANTINE
        moved: Path | None = None
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for source in (
            self.entry_path(function_id, key),
            self.manifest_path(function_id, key),
            self.files_path(function_id, key),
        ):
            target = target_dir / f"{function_id}.{stamp}.{os.getpid()}.{source.name}"
            try:
                target_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.replace(source, target)
            except FileNotFoundError:
                continue
            except OSError:
                with contextlib.suppress(OSError):
                    if source.is_dir() and not source.is_symlink():
                        shutil.rmtree(source)
                    else:
                        source.unlink()
                continue
            finally:
                self._forget(source)
            if source.suffix == _ENTRY_SUFFIX:
                moved = target
        return moved

    def delete(self, function_id: str, key: str) -> bool:
        """Delete one entry and its manifest; return whether an entry existed."""
        existed = False
        for path in (
            self.manifest_path(function_id, key),
            self.entry_path(function_id, key),
        ):
            try:
                path.unlink()
                existed = existed or path.suffix == _ENTRY_SUFFIX
            except FileNotFoundError:
                continue
            except OSError as err:
                raise StoreError(str(path), f"cannot delete: {err}") from err
            finally:
                self._forget(path)
        _remove_files_dir(self.files_path(function_id, key))
        return existed

    def evict(
        self,
        *,
        size_limit: int | None = None,
        max_age: float | None = None,
        dry_run: bool = False,
        function_ids: Collection[str] | None = None,
        protected: Collection[str] = (),
    ) -> list[Eviction]:
        """
        Delete expired entries, then least-recently-used ones down to a size.

        Args:
            size_limit: Bytes: entries (value and manifest files) are deleted,
                least recently used first (access time, see :meth:`load`),
                until the whole store is at most this size. ``None``: no limit.
            max_age: Seconds: entries written longer ago are deleted first.
            dry_run: Only report what would be deleted.
            function_ids: Only consider these functions (default: all); the
                size limit then applies to their entries alone.
            protected: Keys never evicted here; their files still count
                toward *size_limit*.

        Returns:
            The evicted entries, in deletion order.

        Raises:
            StoreError: If an entry cannot be deleted.
        """
        now = time.time()
        live: list[tuple[float, str, str, int]] = []  # (atime, function_id, key, size)
        fixed = 0  # bytes of protected entries
        doomed: list[Eviction] = []
        selected = self.function_ids() if function_ids is None else sorted(function_ids)
        for function_id in selected:
            directory = os.path.join(
                self._root_text, _check_name(function_id, "function")
            )
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            sizes: dict[str, int] = {}
            times: dict[str, tuple[float, float]] = {}
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                key, _, suffix = name.rpartition(".")
                if suffix == "files":  # results of a file serializer
                    sizes[key] = sizes.get(key, 0) + _tree_size(entry.path)
                    continue
                if suffix not in ("ckpt", "json"):
                    continue
                try:
                    status = entry.stat()
                except OSError:
                    continue
                sizes[key] = sizes.get(key, 0) + status.st_size
                if suffix == "ckpt":
                    times[key] = (
                        max(status.st_atime, status.st_mtime),
                        status.st_mtime,
                    )
            for key, (accessed, written) in times.items():
                if key in protected:
                    fixed += sizes[key]
                elif max_age is not None and now - written > max_age:
                    doomed.append(Eviction(function_id, key, sizes[key], "expired"))
                else:
                    live.append((accessed, function_id, key, sizes[key]))
        if size_limit is not None:
            total = fixed + sum(size for *_, size in live)
            live.sort()
            for _accessed, function_id, key, size in live:
                if total <= size_limit:
                    break
                doomed.append(Eviction(function_id, key, size, "size"))
                total -= size
        if not dry_run:
            for eviction in doomed:
                self.delete(eviction.function_id, eviction.key)
        return doomed

    def evict_if_due(
        self, *, size_limit: int | None, max_age: float | None, interval: float = 30.0
    ) -> list[Eviction]:
        """
        Run :meth:`evict` after a write, at most once per *interval* seconds.

        Called by the decorator after each stored result when ``size_limit=``
        or ``max_age=`` is set: the first write of a process always checks, so
        a store over its limit shrinks right away; later writes check every
        *interval* seconds (a scan costs one ``stat`` per entry).
        """
        now = time.monotonic()
        if now - self._last_eviction < interval:
            return []
        self._last_eviction = now
        return self.evict(size_limit=size_limit, max_age=max_age)

    def clear(self, function_id: str | None = None) -> int:
        """
        Delete the entries of one function (or of all functions when ``None``).

        Returns:
            The number of entries deleted.

        Raises:
            StoreError: If a file cannot be deleted.
        """
        ids = [function_id] if function_id is not None else self.function_ids()
        count = 0
        for fid in ids:
            directory = self.root / _check_name(fid, "function")
            try:
                entries = list(os.scandir(directory))
            except (FileNotFoundError, NotADirectoryError):
                continue
            for entry in entries:
                if entry.name.endswith(_FILES_SUFFIX) and not entry.name.startswith(
                    "."
                ):
                    _remove_files_dir(Path(entry.path))
                    continue
                if entry.name.endswith((_MANIFEST_SUFFIX, _ENTRY_SUFFIX, ".tmp")):
                    try:
                        os.unlink(entry.path)
                    except FileNotFoundError:
                        continue
                    except OSError as err:
                        raise StoreError(entry.path, f"cannot delete: {err}") from err
                    finally:
                        self._forget(entry.path)
                    count += entry.name.endswith(_ENTRY_SUFFIX)
            _catalog.forget(directory)  # catalog hook (issue 4): the index goes too
            with contextlib.suppress(OSError):
                directory.rmdir()
        if function_id is None:
            # Everything is gone: the sources kept for explanations and the
            # quarantined entries go too (per function they may be shared).
            for extra in (_BLOBS, _QUARANTINE):
                shutil.rmtree(self.root / extra, ignore_errors=True)
        return count

    def size_bytes(self, function_id: str) -> int:
        """Return the total size in bytes of the files of *function_id*."""
        directory = self.root / _check_name(function_id, "function")
        total = 0
        try:
            for entry in os.scandir(directory):
                with contextlib.suppress(OSError):
                    if entry.name.endswith(_FILES_SUFFIX) and entry.is_dir(
                        follow_symlinks=False
                    ):
                        total += _tree_size(entry.path)
                    else:
                        total += entry.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return 0
        return total
