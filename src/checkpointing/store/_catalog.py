"""
The catalog: a per-function index of the entries in a cache directory.

``python -m checkpointing inspect`` must answer in under two seconds on a cache
of 100,000 entries, and parsing 100,000 JSON manifests takes about ten. So
every function directory also holds ``.catalog.v1.tsv``, with one line per
entry written: what the summary, ``list`` and ``prune`` need (key, creation
time, sizes, digests, compute time, cause). The manifests stay the source of
truth; the catalog is derived from them and never trusted blindly.

Format (version 1; UTF-8; one record per ``\\n``-terminated line; fields
separated by tabs)::

    +  key  created_at  value_size  manifest_size  arguments_digest  fingerprint
       compute_seconds  cause                      (one line; an entry just written)
    =  the same fields: an entry indexed from its manifest (repair, rebuild)
    !  key  modified_at  manifest_size  format_version or -  message
    C  computations (carried over by a compaction)
    H  hits (counted in memory by a process, appended when it exits or
       every 1,000 hits: a hit itself never writes)
    A  key  accessed_at: the last hit of an entry (recorded in memory by a
       process, appended with the hit counts and before eviction); least
       recently used eviction orders entries by it, or by their creation time

Times are seconds since the Unix epoch, sizes bytes. ``+`` lines are appended
by :meth:`Store.save <checkpointing.Store.save>` with one ``write`` on an
``O_APPEND`` descriptor. POSIX sets the offset to the end of the file and
writes with no other modification in between, so the lines of concurrent
writers never interleave on a local file system; a record is about 200 bytes,
written in one call. Lines of an unknown type are ignored, so new record types
can be added later without a new file name.

Why it stays right:

* **Every read checks the directory listing.** The function directory is
  listed (names only: one ``listdir``, no ``stat``) and only keys with a
  manifest on disk count. A manifest without a line (a crash between the
  manifest and the append, a writer of an older version, an append lost where
  ``O_APPEND`` is not atomic: NFS, Windows) is read and indexed (``=``); a line
  without a manifest (a deleted or quarantined entry, ``rm``) is dropped.
* **A torn line is ignored.** A line that does not have its exact shape (the
  torn tail of a crashed append, a fragment glued to the next record, zeros
  left by a power loss) is skipped, and the listing check indexes its entry
  again from the manifest.
* **The last line of a key wins.** A rerun that rewrote an entry appends a
  newer line.

What it cannot see: an entry rewritten under the *same* key by a process that
died before appending, or by an older version of checkpointing, keeps its
older line until ``python -m checkpointing verify`` rebuilds the catalog.

A file with mostly dead lines is compacted: rewritten to a temporary file and
moved into place, unless it grew meanwhile; the count of computations whose
lines were dropped is kept in a ``C`` line.

The catalog is a local accelerator behind the store: every read and write goes
through the store's :class:`~._filesystem.FileSystem`. A file system without
atomic appends (``supports_append`` false: object stores, ``memory://``)
keeps no catalog file: its catalog is built from the manifests on every read.

One reason to change: the index file's format and repair rules (long because
reading, repairing and compacting must agree on every line type). Imports
:mod:`checkpointing._errors`, :mod:`checkpointing._manifest` and the store's
:mod:`._layout` and :mod:`._filesystem` (types).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Final, NamedTuple, final

from checkpointing._errors import CorruptEntryError
from checkpointing._manifest import FORMAT_VERSION, Manifest

if TYPE_CHECKING:
    from ._filesystem import FileSystem

__all__ = [
    "CATALOG_NAME",
    "CatalogEntry",
    "FunctionCatalog",
    "Unreadable",
    "classify",
    "forget",
    "read_function",
    "rebuild",
    "record_accesses",
    "record_entry",
    "record_hits",
]

#: File name of the catalog inside a function directory. The version is in the
#: name: a new layout starts a new file and the old one is ignored.
CATALOG_NAME: Final = ".catalog.v1.tsv"
_MANIFEST_SUFFIX: Final = ".json"  # 5 characters: sliced as such below
#: Longest cause or message kept in a line (a record stays one small write).
_MAX_TEXT: Final = 160
#: Compact when the file has more than twice as many lines as live entries and
#: at least this many dead lines.
_COMPACT_SLACK: Final = 1000


_NUMBER: Final = r"\d+(?:\.\d+)?(?:e[+-]\d+)?"  # repr() of a finite float >= 0
_KEY: Final = r"[^\t\n]+"
_DIGEST: Final = r"[0-9a-f]{32}"
_TEXT: Final = r"[^\t\n]*"


@functools.cache
def _pattern(kind: str) -> re.Pattern[str]:
    """The exact shape of one kind of line (compiled on first use, not at import)."""
    shapes = {
        "entry": rf"([+=])\t({_KEY})\t({_NUMBER})\t(\d+)\t(\d+)\t({_DIGEST})"
        rf"\t({_DIGEST})\t({_NUMBER})\t({_TEXT})",
        "unreadable": rf"!\t({_KEY})\t({_NUMBER})\t(\d+)\t(-|\d+)\t({_TEXT})",
        "carried": r"C\t(\d+)",
        "hits": r"H\t(\d+)",
        "accessed": rf"A\t({_KEY})\t({_NUMBER})",
    }
    return re.compile(rf"^{shapes[kind]}\n", re.MULTILINE)


class CatalogEntry(NamedTuple):
    """
    One readable entry, as the catalog records it.

    Attributes:
        key: 32-character hex key.
        created_at: When the entry was written, seconds since the Unix epoch.
        value_size_bytes: Size of the serialized value in bytes.
        manifest_size_bytes: Size of the manifest file in bytes.
        arguments_digest: 32-character hex digest of the arguments.
        fingerprint: 32-character hex digest of the code.
        compute_seconds: Wall-clock seconds the function ran.
        cause: Why it was computed (``"first call"``, ``"code changed"``...).
    """

    key: str
    created_at: float
    value_size_bytes: int
    manifest_size_bytes: int
    arguments_digest: str
    fingerprint: str
    compute_seconds: float
    cause: str

    @property
    def size_bytes(self) -> int:
        """Bytes the entry occupies: its value and its manifest."""
        return self.value_size_bytes + self.manifest_size_bytes


class Unreadable(NamedTuple):
    """
    An entry whose manifest cannot be read.

    Attributes:
        key: The manifest's file name without ``.json``.
        modified_at: The manifest's modification time (epoch seconds).
        manifest_size_bytes: Size of the manifest file in bytes.
        format_version: The ``format_version`` the manifest declares, or
            ``None`` if it cannot be parsed that far.
        message: Why it cannot be read.
    """

    key: str
    modified_at: float
    manifest_size_bytes: int
    format_version: int | None
    message: str

    @property
    def older_format(self) -> bool:
        """Whether an older format version of checkpointing wrote it."""
        return self.format_version is not None and self.format_version < FORMAT_VERSION

    @property
    def newer_format(self) -> bool:
        """Whether a newer format version of checkpointing wrote it."""
        return self.format_version is not None and self.format_version > FORMAT_VERSION


@final
@dataclass(frozen=True, slots=True)
class FunctionCatalog:
    """
    The entries of one function directory, checked against its listing.

    Attributes:
        function_id: The function's directory name.
        entries: Key to entry, for every readable manifest on disk.
        unreadable: Key to record, for every manifest that cannot be read.
        computations: How many times a result was stored (every miss,
            reruns included) since the catalog was created or the function
            was cleared; at least ``len(entries)``.
        hits: How many calls were answered from the store, as counted by
            processes that exited normally (or passed 1,000 hits) since then.
        accessed: Key to the time of its last recorded hit (epoch seconds),
            for the entries hit since they were written.
    """

    function_id: str
    entries: Mapping[str, CatalogEntry]
    unreadable: Mapping[str, Unreadable]
    computations: int
    hits: int = 0
    accessed: Mapping[str, float] = field(default_factory=dict)

    @property
    def size_bytes(self) -> int:
        """Bytes of every value and manifest, readable or not."""
        readable = sum(
            e.value_size_bytes + e.manifest_size_bytes for e in self.entries.values()
        )
        return readable + sum(u.manifest_size_bytes for u in self.unreadable.values())

    @property
    def last_computed(self) -> float | None:
        """Creation time of the newest readable entry, or ``None``."""
        return max((e.created_at for e in self.entries.values()), default=None)

    def newest(self, count: int | None = None) -> list[CatalogEntry]:
        """Return the *count* newest readable entries (all if ``None``), newest first."""
        ordered = sorted(
            self.entries.values(), key=lambda e: e.created_at, reverse=True
        )
        return ordered if count is None else ordered[:count]


# -- writing ---------------------------------------------------------------------


def record_entry(
    fs: FileSystem, root: str, manifest: Manifest, manifest_size_bytes: int
) -> None:
    """
    Append the line of an entry just written; never raises.

    Args:
        fs: The store's file system.
        root: The cache directory.
        manifest: The entry's manifest, already on disk.
        manifest_size_bytes: Size of the manifest file in bytes.
    """
    if not fs.supports_append:
        return
    line = _entry_line("+", _entry_of(manifest, manifest_size_bytes))
    # An index must never fail the save: a missing line is indexed from the
    # manifest by the next read.
    with contextlib.suppress(OSError):
        _append(fs, fs.join(root, manifest.function_id, CATALOG_NAME), line)


def record_hits(
    fs: FileSystem,
    root: str,
    function_id: str,
    count: int,
    accessed: Mapping[str, float] | None = None,
) -> None:
    """
    Append a count of hits of *function_id*, and last hit times; never raises.

    Args:
        fs: The store's file system.
        root: The cache directory.
        function_id: The function's directory name.
        count: Hits to add to the function's count (``0``: none).
        accessed: Entry name to the time of its last hit (epoch seconds).
    """
    if not fs.supports_append:
        return
    parts = [f"H\t{count}\n"] if count else []
    parts.extend(
        f"A\t{name}\t{_number(when)}\n" for name, when in (accessed or {}).items()
    )
    if parts:
        with contextlib.suppress(OSError):
            _append(fs, fs.join(root, function_id, CATALOG_NAME), "".join(parts))


def record_accesses(
    fs: FileSystem, root: str, function_id: str, accessed: Mapping[str, float]
) -> None:
    """Append the last hit times of entries of *function_id*; never raises."""
    record_hits(fs, root, function_id, 0, accessed)


def forget(fs: FileSystem, directory: str) -> None:
    """Delete the catalog of a function *directory* that is being cleared."""
    with contextlib.suppress(OSError):
        fs.remove(fs.join(directory, CATALOG_NAME))


def _append(fs: FileSystem, path: str, text: str) -> None:
    """Append *text* with one write (``O_APPEND`` on a local file system)."""
    fs.append(path, text)


def _clean(text: str) -> str:
    return " ".join(text.split())[:_MAX_TEXT]


def _number(value: float) -> str:
    # repr() round-trips a float. A value the line pattern does not accept
    # (nan, inf, negative) is written as 0.0: a line that is always skipped
    # would have its entry re-indexed from the manifest on every read.
    return repr(float(value)) if math.isfinite(value) and value >= 0 else "0.0"


def _entry_of(manifest: Manifest, manifest_size_bytes: int) -> CatalogEntry:
    return CatalogEntry(
        manifest.entry_name,
        manifest.created_at,
        manifest.value_size_bytes,
        manifest_size_bytes,
        manifest.arguments_digest,
        manifest.fingerprint,
        manifest.compute_seconds,
        str(manifest.reason.get("cause", "")),
    )


def _entry_line(op: str, entry: CatalogEntry) -> str:
    return (
        f"{op}\t{entry.key}\t{_number(entry.created_at)}\t{max(entry.value_size_bytes, 0)}"
        f"\t{max(entry.manifest_size_bytes, 0)}\t{entry.arguments_digest}"
        f"\t{entry.fingerprint}\t{_number(entry.compute_seconds)}\t{_clean(entry.cause)}\n"
    )


def _unreadable_line(record: Unreadable) -> str:
    version = (
        "-" if record.format_version is None else str(max(record.format_version, 0))
    )
    return (
        f"!\t{record.key}\t{_number(record.modified_at)}\t{record.manifest_size_bytes}"
        f"\t{version}\t{_clean(record.message)}\n"
    )


# -- reading ---------------------------------------------------------------------


class _Parsed:
    """What the lines of one catalog file say, before the listing check."""

    # A plain class: a dataclass costs ~0.5 ms at import, on every `import checkpointing`.
    __slots__ = (
        "accessed",
        "carried",
        "computed",
        "entries",
        "hits",
        "lines",
        "unreadable",
    )

    def __init__(
        self,
        entries: dict[str, CatalogEntry],
        computed: set[tuple[str, str]],
        lines: int,
    ) -> None:
        self.entries = entries
        self.unreadable: dict[str, Unreadable] = {}
        self.computed = computed  # (key, created_at as written): one per computation
        self.carried = 0
        self.hits = 0
        self.accessed: dict[str, float] = {}
        self.lines = lines


def _parse(raw: bytes) -> _Parsed:
    text = raw.decode("utf-8", "replace")
    # One pattern per kind of line: a single pattern with alternatives is
    # slower, and this runs over 100,000 lines in the time budget of inspect.
    rows = _pattern("entry").findall(text)
    entries = {
        r[1]: CatalogEntry(
            r[1], float(r[2]), int(r[3]), int(r[4]), r[5], r[6], float(r[7]), r[8]
        )
        for r in rows
    }
    # One computation per (key, time as written): a repair that raced the
    # append of the same write does not count twice; a rerun does.
    computed = {(r[1], r[2]) for r in rows}
    parsed = _Parsed(entries, computed, len(rows))
    if text.startswith("C\t") or "\nC\t" in text:
        counts = _pattern("carried").findall(text)
        parsed.carried = sum(int(n) for n in counts)
        parsed.lines += len(counts)
    if text.startswith("H\t") or "\nH\t" in text:
        counts = _pattern("hits").findall(text)
        parsed.hits = sum(int(n) for n in counts)
        parsed.lines += len(counts)
    if text.startswith("A\t") or "\nA\t" in text:
        accessed = parsed.accessed
        for key, when in _pattern("accessed").findall(text):
            parsed.lines += 1
            seconds = float(when)
            if seconds > accessed.get(key, 0.0):
                accessed[key] = seconds
    if text.startswith("!\t") or "\n!\t" in text:
        for match in _pattern("unreadable").finditer(text):
            parsed.lines += 1
            key, modified, size, version, message = match.groups()
            if key in entries and _last_entry_line(text, key) > match.start():
                continue  # rewritten (and readable) since it was found unreadable
            entries.pop(key, None)
            parsed.unreadable[key] = Unreadable(
                key,
                float(modified),
                int(size),
                None if version == "-" else int(version),
                message,
            )
    return parsed


def _last_entry_line(text: str, key: str) -> int:
    """Offset of the last ``+``/``=`` line of *key* (rare: only on conflicts)."""
    return max(
        text.rfind(f"\n{op}\t{key}\t") + 1
        or (0 if text.startswith(f"{op}\t{key}\t") else -1)
        for op in "+="
    )


def _read_bytes(fs: FileSystem, path: str) -> bytes:
    if not fs.supports_append:
        return b""  # no catalog file: everything is indexed from the manifests
    try:
        return fs.read_bytes(path)
    except OSError:  # missing (nothing indexed yet) or unreadable: rebuild in memory
        return b""


def read_function(
    fs: FileSystem, root: str, function_id: str, *, repair: bool = True
) -> FunctionCatalog:
    """
    Return the entries of *function_id*, indexing the manifests the catalog lacks.

    Args:
        fs: The store's file system.
        root: The cache directory.
        function_id: The function's directory name.
        repair: Whether to write back what was learned: append the lines of
            manifests found unindexed, compact a file of mostly dead lines.
            Write failures (a read-only cache) are ignored.

    Returns:
        The function's readable and unreadable entries (none if the directory
        does not exist).
    """
    directory = fs.join(root, function_id)
    on_disk = _manifest_keys(fs, directory)
    path = fs.join(directory, CATALOG_NAME)
    raw = _read_bytes(fs, path)
    parsed = _parse(raw)
    entries = parsed.entries
    if entries.keys() - on_disk:  # lines of deleted entries: drop them
        entries = {k: e for k, e in entries.items() if k in on_disk}
    unreadable = {k: u for k, u in parsed.unreadable.items() if k in on_disk}
    new_lines: list[str] = []
    for key in sorted(on_disk - entries.keys() - unreadable.keys()):
        found, persist = _index_manifest(fs, directory, key)
        if isinstance(found, CatalogEntry):
            entries[key] = found
            parsed.computed.add((key, _number(found.created_at)))
            new_lines.append(_entry_line("=", found))
        elif found is not None:
            unreadable[key] = found
            if persist:
                new_lines.append(_unreadable_line(found))
    catalog = FunctionCatalog(
        function_id,
        entries,
        unreadable,
        parsed.carried + len(parsed.computed),
        parsed.hits,
        {k: t for k, t in parsed.accessed.items() if k in entries},
    )
    if not fs.supports_append:
        return catalog
    if repair and new_lines:
        # Appending is safe next to concurrent writers; rewriting is not.
        with contextlib.suppress(OSError):
            _append(fs, path, "".join(new_lines))
    elif repair:
        live = len(entries) + len(unreadable)
        if parsed.lines > 2 * live and parsed.lines - live >= _COMPACT_SLACK:
            _rewrite(fs, path, catalog, expected_size=len(raw))
    return catalog


def rebuild(
    fs: FileSystem,
    root: str,
    function_id: str,
    manifests: Iterable[tuple[Manifest, int]],
    unreadable: Iterable[Unreadable] = (),
) -> None:
    """
    Replace the catalog of *function_id* by one built from *manifests*.

    ``verify`` calls it after reading every manifest: this also corrects the
    lines of entries rewritten under the same key without an append.

    Args:
        fs: The store's file system.
        root: The cache directory.
        function_id: The function's directory name.
        manifests: Every readable manifest with its file size in bytes.
        unreadable: Every manifest that could not be read.
    """
    if not fs.supports_append:
        return
    path = fs.join(root, function_id, CATALOG_NAME)
    old = _parse(_read_bytes(fs, path))
    entries = {m.key: _entry_of(m, size) for m, size in manifests}
    computations = max(old.carried + len(old.computed), len(entries))
    catalog = FunctionCatalog(
        function_id,
        entries,
        {u.key: u for u in unreadable},
        computations,
        old.hits,
        {k: t for k, t in old.accessed.items() if k in entries},
    )
    _rewrite(fs, path, catalog, expected_size=None)


def classify(raw: bytes, path: str) -> Manifest | Unreadable:
    """
    Parse manifest bytes, or say why they cannot be read.

    Args:
        raw: The bytes of a manifest file.
        path: Its path; its stem is the key of an :class:`Unreadable`.

    Returns:
        The manifest, or an :class:`Unreadable` with the declared format
        version (modification time 0: the caller knows it if it matters).
    """
    try:
        return Manifest.from_json(raw, path=path)
    except CorruptEntryError as err:
        base = path.replace("\\", "/").rpartition("/")[2]
        key = base[: -len(_MANIFEST_SUFFIX)]
        return Unreadable(
            key, 0.0, len(raw), _declared_version(raw), _message(err, path)
        )


def _manifest_keys(fs: FileSystem, directory: str) -> set[str]:
    names = fs.listdir(directory)  # names only: no DirEntry objects, no stat
    return {n[:-5] for n in names if n[-5:] == _MANIFEST_SUFFIX and n[0] != "."}


def _index_manifest(
    fs: FileSystem, directory: str, key: str
) -> tuple[CatalogEntry | Unreadable | None, bool]:
    """
    Read one manifest for the catalog.

    Returns ``(record, persist)``: ``None`` if the file vanished meanwhile;
    an I/O error is reported but not persisted (it may be transient).
    """
    path = fs.join(directory, key + _MANIFEST_SUFFIX)
    try:
        raw = fs.read_bytes(path)
        modified = fs.modified(path)
    except (FileNotFoundError, NotADirectoryError):
        return None, False
    except OSError as err:
        return Unreadable(
            key, 0.0, 0, None, f"cannot read: {err.strerror or err}"
        ), False
    found = classify(raw, path)
    if isinstance(found, Unreadable):
        return found._replace(modified_at=modified), True
    return _entry_of(found, len(raw)), True


def _declared_version(raw: bytes) -> int | None:
    try:
        version = json.loads(raw)["format_version"]
    except (ValueError, KeyError, TypeError):
        return None
    return version if type(version) is int else None


def _message(err: CorruptEntryError, path: str) -> str:
    text = str(err)
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def _rewrite(
    fs: FileSystem, path: str, catalog: FunctionCatalog, *, expected_size: int | None
) -> None:
    """
    Write *catalog* to a new file and move it into place; never raises.

    With *expected_size*, the file is replaced only if it still has that size,
    so an append by another process meanwhile is not lost (one that slips in
    between the check and the rename is indexed again from its manifest).
    """
    carried = max(catalog.computations - len(catalog.entries), 0)
    parts = [f"C\t{carried}\n"] if carried else []
    if catalog.hits:
        parts.append(f"H\t{catalog.hits}\n")
    ordered = sorted(catalog.entries.values(), key=lambda e: e.created_at)
    parts.extend(_entry_line("=", e) for e in ordered)
    parts.extend(_unreadable_line(u) for u in catalog.unreadable.values())
    parts.extend(
        f"A\t{key}\t{_number(when)}\n"
        for key, when in catalog.accessed.items()
        if key in catalog.entries
    )
    data = "".join(parts).encode("utf-8")

    def write(file: BinaryIO) -> None:
        file.write(data)

    if expected_size is not None and _size(fs, path) != expected_size:
        return
    # The temporary file's name holds the pid: the store reclaims a dead
    # writer's leftovers.
    with contextlib.suppress(OSError):
        fs.write_atomic(path, write, fsync=False, checksum=False, create_parents=False)


def _size(fs: FileSystem, path: str) -> int:
    try:
        return fs.size(path)
    except FileNotFoundError:
        return 0
    except OSError:
        return -1
