"""Tests for checkpointing.store (the local store)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import os
import stat
import struct
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import checkpointing.store._local as store_module
from checkpointing import MISSING, CorruptEntryError, Store, StoreError, checkpoint

from .strategies import make_manifest

KEY = "0123456789abcdef" * 2
OTHER_KEY = "fedcba9876543210" * 2
FID = "pkg.module.func"
HEADER_SIZE = struct.calcsize("<4sHH16sQQ")


def _save(
    store: Store,
    key: str = KEY,
    payload: bytes = b"payload",
    *,
    blobs=None,
    function_id: str = FID,
    **fields,
):
    manifest = make_manifest(key=key, function_id=function_id, **fields)
    return store.save(manifest, payload, blobs or {})


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


class TestMissing:
    def test_repr_and_falsiness(self):
        """MISSING reads as MISSING and is falsy."""
        assert "MISSING" == repr(MISSING)
        assert not MISSING

    def test_singleton(self):
        """MISSING's type has exactly one instance."""
        assert type(MISSING)() is MISSING


class TestLoad:
    def test_absent_entry(self, tmp_path):
        """Loading a key that was never saved returns MISSING."""
        assert Store(tmp_path / "cache").load(FID, KEY) is MISSING

    def test_round_trip(self, tmp_path):
        """A saved payload loads back byte for byte."""
        store = Store(tmp_path)
        _save(store, payload=b"\x00\x01 value")
        assert b"\x00\x01 value" == store.load(FID, KEY)

    def test_round_trip_large_payload(self, tmp_path):
        """A payload above the small-read threshold (1 MiB) loads back unchanged."""
        store = Store(tmp_path)
        payload = bytes(range(256)) * (5 * 4096 + 3)  # ~5 MiB, not a round size
        _save(store, payload=payload)
        assert payload == store.load(FID, KEY)

    @pytest.mark.parametrize("where", [0, 4 << 20, -1])
    def test_large_payload_damage_is_detected(self, tmp_path, where):
        """Large entries are hashed chunk by chunk while read: a flip anywhere fails."""
        store = Store(tmp_path)
        payload = bytes(range(256)) * (5 * 4096 + 3)
        path = _save(store, payload=payload)
        data = bytearray(path.read_bytes())
        data[40 + where if where >= 0 else where] ^= 0x01
        path.write_bytes(bytes(data))
        with pytest.raises(CorruptEntryError, match="checksum"):
            store.load(FID, KEY)

    @settings(
        suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50
    )
    @given(st.binary(max_size=4096))
    def test_round_trip_any_payload(self, tmp_path, payload):
        """Every payload, empty included, loads back unchanged."""
        store = Store(tmp_path)
        _save(store, payload=payload)
        assert payload == store.load(FID, KEY)

    def test_root_below_a_file(self, tmp_path):
        """A store whose root lies under a regular file has no entries."""
        (tmp_path / "file").write_text("x")
        store = Store(tmp_path / "file" / "cache")
        assert [] == store.function_ids()
        assert [] == store.manifests(FID)

    def test_load_below_a_file_is_missing(self, tmp_path):
        """Loading from a root under a regular file is a miss, not a read error."""
        (tmp_path / "file").write_text("x")
        assert Store(tmp_path / "file" / "cache").load(FID, KEY) is MISSING


class TestVerify:
    """Every kind of damage is detected by the header and checksum."""

    def _entry(self, tmp_path):
        store = Store(tmp_path)
        path = _save(store, payload=b"some payload bytes")
        return store, path

    def test_truncated_header(self, tmp_path):
        """A file shorter than the header is corrupt."""
        store, path = self._entry(tmp_path)
        path.write_bytes(path.read_bytes()[:10])
        with pytest.raises(CorruptEntryError, match="truncated"):
            store.load(FID, KEY)

    def test_truncated_payload(self, tmp_path):
        """A payload shorter than the header says is corrupt."""
        store, path = self._entry(tmp_path)
        path.write_bytes(path.read_bytes()[:-1])
        with pytest.raises(CorruptEntryError, match="header says"):
            store.load(FID, KEY)

    def test_bad_magic(self, tmp_path):
        """A file that does not start with the magic bytes is corrupt."""
        store, path = self._entry(tmp_path)
        path.write_bytes(b"XXXX" + path.read_bytes()[4:])
        with pytest.raises(CorruptEntryError, match="not a checkpointing entry"):
            store.load(FID, KEY)

    def test_other_format_version(self, tmp_path):
        """An entry written by another format version is refused."""
        store, path = self._entry(tmp_path)
        data = bytearray(path.read_bytes())
        data[4:6] = struct.pack("<H", 99)
        path.write_bytes(bytes(data))
        with pytest.raises(CorruptEntryError, match="format 99"):
            store.load(FID, KEY)

    def test_swapped_entry(self, tmp_path):
        """Another key's entry under this key's name is detected."""
        store = Store(tmp_path)
        _save(store, key=KEY, payload=b"one")
        other = _save(store, key=OTHER_KEY, payload=b"two")
        store.entry_path(FID, KEY).write_bytes(other.read_bytes())
        with pytest.raises(
            CorruptEntryError, match=f"holds the entry of key {OTHER_KEY}"
        ):
            store.load(FID, KEY)

    @pytest.mark.parametrize("offset", [0, 1, 7, -1])
    def test_flipped_payload_byte(self, tmp_path, offset):
        """A single flipped payload bit fails the checksum."""
        store, path = self._entry(tmp_path)
        data = bytearray(path.read_bytes())
        data[HEADER_SIZE + offset if offset >= 0 else offset] ^= 0x01
        path.write_bytes(bytes(data))
        with pytest.raises(CorruptEntryError, match="checksum mismatch"):
            store.load(FID, KEY)

    def test_corrupt_is_a_store_error(self, tmp_path):
        """CorruptEntryError is a StoreError carrying the entry path."""
        store, path = self._entry(tmp_path)
        path.write_bytes(b"")
        with pytest.raises(StoreError) as info:
            store.load(FID, KEY)
        assert str(path) == info.value.path


class TestSave:
    def test_layout(self, tmp_path):
        """An entry is a .ckpt value, a .json manifest, blobs and a CACHEDIR.TAG."""
        root = tmp_path / "cache"
        store = Store(root)
        blob = "ab" + "c" * 30
        returned = _save(store, blobs={blob: "def f(): pass"})
        expected = [
            ".blobs/ab/" + blob + ".txt",
            "CACHEDIR.TAG",
            f"{FID}/.catalog.v1.tsv",  # the index of `inspect` (_catalog.py)
            f"{FID}/{KEY}.ckpt",
            f"{FID}/{KEY}.json",
        ]
        assert expected == _files(root)
        assert store.entry_path(FID, KEY) == returned
        assert (
            (root / "CACHEDIR.TAG")
            .read_bytes()
            .startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
        )

    def test_root_is_private(self, tmp_path):
        """A new cache root is created without group or other permissions."""
        root = tmp_path / "cache"
        _save(Store(root))
        assert 0 == stat.S_IMODE(root.stat().st_mode) & 0o077

    def test_manifest_read_back(self, tmp_path):
        """manifest() returns what save() wrote."""
        store = Store(tmp_path)
        manifest = make_manifest(key=KEY)
        store.save(manifest, b"v", {})
        assert manifest == store.manifest(FID, KEY)

    def test_blobs(self, tmp_path):
        """Blobs are content-addressed text; unknown blobs read as None."""
        store = Store(tmp_path)
        digest = "1" * 32
        _save(store, blobs={digest: "text ü"})
        assert "text ü" == store.blob(digest)
        assert store.blob("2" * 32) is None

    def test_existing_blob_kept(self, tmp_path):
        """A blob already on disk is not rewritten."""
        store = Store(tmp_path)
        digest = "1" * 32
        _save(store, blobs={digest: "first"})
        _save(store, key=OTHER_KEY, blobs={digest: "second"})
        assert "first" == store.blob(digest)

    def test_overwrite(self, tmp_path):
        """Saving a key again replaces its value."""
        store = Store(tmp_path)
        _save(store, payload=b"old")
        _save(store, payload=b"new")
        assert b"new" == store.load(FID, KEY)

    def test_no_temporary_files_remain(self, tmp_path):
        """After a save no .tmp file is left anywhere."""
        store = Store(tmp_path)
        _save(store)
        assert [] == [p for p in _files(tmp_path) if p.endswith(".tmp")]

    def test_fsync(self, tmp_path, monkeypatch):
        """With fsync=True every written file is fsynced before the rename."""
        synced = []
        real_fsync = os.fsync

        def counting_fsync(fd):
            synced.append(fd)
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", counting_fsync)
        store = Store(tmp_path / "cache", fsync=True)
        _save(store)
        # CACHEDIR.TAG, the value and the manifest.
        assert 3 == len(synced)

    def test_replace_failure_leaves_nothing(self, tmp_path, monkeypatch):
        """A failing rename raises StoreError and leaves no entry and no temp file."""
        store = Store(tmp_path)
        store.root.mkdir(exist_ok=True)

        def failing_replace(source, target):
            raise OSError("disk on fire")

        monkeypatch.setattr(store_module, "_replace", failing_replace)
        with pytest.raises(StoreError, match="disk on fire") as info:
            _save(store)
        assert isinstance(info.value.__cause__, OSError)
        assert [] == _files(tmp_path)

    def test_manifest_written_last(self, tmp_path, monkeypatch):
        """When the manifest write fails, the value is there but no manifest claims it."""
        store = Store(tmp_path)
        store.root.mkdir(exist_ok=True)
        real_replace = store_module._replace

        def replace_except_json(source, target):
            if str(target).endswith(".json"):
                raise OSError("no manifest for you")
            real_replace(source, target)

        monkeypatch.setattr(store_module, "_replace", replace_except_json)
        with pytest.raises(StoreError):
            _save(store)
        assert store.manifest(FID, KEY) is None
        assert [] == store.manifests(FID)
        assert ["CACHEDIR.TAG", f"{FID}/{KEY}.ckpt"] == _files(tmp_path)

    def test_root_below_a_file(self, tmp_path):
        """Saving under a regular file raises StoreError."""
        (tmp_path / "file").write_text("x")
        with pytest.raises(StoreError, match="cannot write entry"):
            _save(Store(tmp_path / "file" / "cache"))

    def test_non_hex_key(self, tmp_path):
        """A key that is not hex is refused with StoreError."""
        with pytest.raises(StoreError, match="invalid key"):
            _save(Store(tmp_path), key="z" * 32)


class TestNames:
    @pytest.mark.parametrize(
        "name", ["", ".", "..", ".hidden", "a/b", "a\\b", "a\0b", "x" * 201]
    )
    def test_unsafe_function_ids(self, tmp_path, name):
        """Names that could escape or hide in the store are refused."""
        store = Store(tmp_path)
        with pytest.raises(StoreError, match="invalid function name"):
            store.entry_path(name, KEY)
        with pytest.raises(StoreError, match="invalid function name"):
            store.clear(name)

    @pytest.mark.parametrize("key", ["", "../x", ".k"])
    def test_unsafe_keys(self, tmp_path, key):
        """Keys that could escape the function directory are refused."""
        with pytest.raises(StoreError, match="invalid key name"):
            Store(tmp_path).load(FID, key)

    def test_unsafe_blob(self, tmp_path):
        """Blob digests are checked like other names."""
        with pytest.raises(StoreError, match="invalid blob name"):
            Store(tmp_path).blob("../../etc/passwd")

    def test_repr(self, tmp_path):
        """A store shows its root."""
        assert f"Store({str(tmp_path)!r})" == repr(Store(tmp_path))


class TestListing:
    def test_function_ids_sorted_without_hidden(self, tmp_path):
        """function_ids lists function directories sorted, skipping dot directories."""
        store = Store(tmp_path)
        for fid in ["b.f", "a.g", "c.h"]:
            _save(store, function_id=fid, blobs={"1" * 32: "x"})
        store.quarantine("c.h", KEY)
        assert ["a.g", "b.f", "c.h"] == store.function_ids()

    def test_function_ids_of_missing_root(self, tmp_path):
        """A store whose root does not exist lists nothing."""
        assert [] == Store(tmp_path / "nope").function_ids()

    def test_manifests_oldest_first_skipping_damaged(self, tmp_path):
        """manifests() returns readable manifests by creation time."""
        store = Store(tmp_path)
        _save(store, key=OTHER_KEY, created_at=20.0)
        _save(store, key=KEY, created_at=10.0)
        third = "2" * 32
        _save(store, key=third, created_at=30.0)
        store.manifest_path(FID, third).write_text("{broken")
        assert [KEY, OTHER_KEY] == [m.key for m in store.manifests(FID)]
        assert 3 == len(list(store.iter_manifest_files(FID)))

    def test_names_and_raw_manifests(self, tmp_path, monkeypatch):
        """Damaged manifests are listed and read as stored; I/O failures are StoreErrors."""
        store = Store(tmp_path)
        _save(store, key=KEY)
        _save(store, key=OTHER_KEY)
        store.manifest_path(FID, OTHER_KEY).write_text("{broken")
        (tmp_path / FID / f".{KEY}.json").write_text("{}")  # hidden: not an entry
        assert sorted([KEY, OTHER_KEY]) == store.manifest_names(FID)
        assert sorted([KEY, OTHER_KEY]) == store.entry_names(FID)
        assert b"{broken" == store.read_manifest_bytes(FID, OTHER_KEY)
        path = store.manifest_path(FID, KEY)
        assert path.stat().st_mtime == store.manifest_modified(FID, KEY)
        assert str(path) == store.manifest_location(FID, KEY)

        def refuse(self, path):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(store_module.LocalFileSystem, "read_bytes", refuse)
        monkeypatch.setattr(store_module.LocalFileSystem, "modified", refuse)
        for read in (store.read_manifest_bytes, store.manifest_modified):
            with pytest.raises(StoreError) as raised:
                read(FID, KEY)
            assert str(path) == raised.value.path
            assert "cannot read manifest: [Errno 13]" in str(raised.value)
            assert isinstance(raised.value.__cause__, PermissionError)

    def test_manifest_absent_and_corrupt(self, tmp_path):
        """manifest() returns None when absent and raises when damaged."""
        store = Store(tmp_path)
        assert store.manifest(FID, KEY) is None
        _save(store)
        store.manifest_path(FID, KEY).write_text("{broken")
        with pytest.raises(CorruptEntryError):
            store.manifest(FID, KEY)

    def test_contains(self, tmp_path):
        """contains() tells whether an entry file exists."""
        store = Store(tmp_path)
        assert not store.contains(FID, KEY)
        _save(store)
        assert store.contains(FID, KEY)

    def test_size_bytes(self, tmp_path):
        """size_bytes() sums the files of one function; 0 when absent."""
        store = Store(tmp_path)
        assert 0 == store.size_bytes(FID)
        _save(store, payload=b"x" * 100)
        expected = sum(p.stat().st_size for p in (tmp_path / FID).iterdir())
        assert expected == store.size_bytes(FID)
        assert HEADER_SIZE + 100 < expected


class TestRemoving:
    def test_quarantine(self, tmp_path):
        """quarantine() moves entry and manifest into .quarantine."""
        store = Store(tmp_path)
        _save(store)
        location = store.quarantine(FID, KEY)
        assert location is not None
        moved = Path(location)
        assert tmp_path / ".quarantine" == moved.parent
        assert moved.name.endswith(f"{KEY}.ckpt")
        assert 2 == len(list(moved.parent.iterdir()))
        assert not store.contains(FID, KEY)
        assert store.manifest(FID, KEY) is None

    def test_quarantine_nothing(self, tmp_path):
        """quarantine() of an absent entry returns None."""
        assert Store(tmp_path).quarantine(FID, KEY) is None

    def test_delete(self, tmp_path):
        """delete() removes one entry and reports whether it existed."""
        store = Store(tmp_path)
        _save(store)
        _save(store, key=OTHER_KEY)
        assert store.delete(FID, KEY)
        assert not store.delete(FID, KEY)
        assert store.contains(FID, OTHER_KEY)

    def test_clear_one_function(self, tmp_path):
        """clear(fid) deletes that function's entries and temp files and counts entries."""
        store = Store(tmp_path)
        _save(store)
        _save(store, key=OTHER_KEY)
        _save(store, function_id="other.func")
        (tmp_path / FID / f".{KEY}.ckpt.123.tmp").write_bytes(b"partial")
        assert 2 == store.clear(FID)
        assert not (tmp_path / FID).exists()
        assert ["other.func"] == store.function_ids()

    def test_clear_all(self, tmp_path):
        """clear() deletes the entries of every function."""
        store = Store(tmp_path)
        _save(store)
        _save(store, function_id="other.func")
        assert 2 == store.clear()
        assert [] == store.function_ids()
        assert 0 == store.clear()

    def test_clear_all_removes_blobs_and_quarantine(self, tmp_path):
        """clear() also deletes kept sources and quarantined entries; clear(fid) keeps blobs."""
        store = Store(tmp_path)
        _save(store, blobs={"b" * 32: "def f(): pass"})
        _save(store, function_id="other.func")
        store.quarantine("other.func", KEY)
        store.clear(FID)
        assert "def f(): pass" == store.blob("b" * 32)
        store.clear()
        assert store.blob("b" * 32) is None
        assert not (tmp_path / ".quarantine").exists()

    def test_clear_keeps_foreign_files(self, tmp_path):
        """Files clear() does not own stay, and so does their directory."""
        store = Store(tmp_path)
        _save(store)
        (tmp_path / FID / "notes.txt").write_text("mine")
        assert 1 == store.clear(FID)
        assert (tmp_path / FID / "notes.txt").exists()

    def test_clear_missing(self, tmp_path):
        """Clearing a function without entries deletes nothing."""
        assert 0 == Store(tmp_path / "nope").clear(FID)


class TestTempReclaim:
    def test_dead_writers_temps_are_removed(self, tmp_path):
        """The first write into a directory removes temps of dead pids and old temps."""
        import os
        import subprocess
        import sys
        import time

        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
        dead_pid = int(dead.stdout)
        directory = tmp_path / FID
        directory.mkdir(parents=True)
        from_dead = directory / f".{KEY}.ckpt.{dead_pid}.abcd1234.tmp"
        from_live = directory / f".{KEY}.ckpt.{os.getppid()}.abcd1234.tmp"
        ancient = directory / f".{KEY}.json.abcd1234.tmp"  # no pid: the age rule
        for path in (from_dead, from_live, ancient):
            path.write_bytes(b"partial")
        old = time.time() - 2 * 24 * 3600
        os.utime(ancient, (old, old))
        _save(Store(tmp_path))
        assert not from_dead.exists()
        assert not ancient.exists()
        assert from_live.exists()  # a live writer's file is never touched


class TestNearestManifests:
    def test_small_functions_return_everything(self, tmp_path):
        """Up to the limit, every manifest is returned (exact explanations)."""
        store = Store(tmp_path)
        for i in range(3):
            _save(store, key=f"{i:032x}", arguments_digest=f"{i:032x}")
        assert 3 == len(store.nearest_manifests(FID, "f" * 32, "e" * 32, limit=5))

    def test_large_functions_read_only_the_best_group(self, tmp_path):
        """Past the limit, only the newest entries with the same arguments are read."""
        store = Store(tmp_path)
        for i in range(12):
            same = i % 3 == 0
            _save(
                store,
                key=f"{i:032x}",
                arguments_digest=("a" if same else "b") * 32,
                fingerprint=f"{i:032x}",
                created_at=1_700_000_000.0 + i,
            )
        found = store.nearest_manifests(FID, "a" * 32, "c" * 32, limit=3)
        assert [f"{i:032x}" for i in (9, 6, 3)] == [m.key for m in found]
        by_code = store.nearest_manifests(FID, "z" * 32, f"{4:032x}", limit=3)
        assert [f"{4:032x}"] == [m.key for m in by_code]


class _Log(list):
    """A call log with a constant digest, so appending keeps the fingerprint."""

    def __checkpoint_digest__(self) -> str:
        return "_Log"


#: The fields of os.stat_result beyond its ten-item tuple that this platform fills.
_STATUS_EXTRA = (
    "st_atime",
    "st_mtime",
    "st_ctime",
    "st_atime_ns",
    "st_mtime_ns",
    "st_ctime_ns",
    "st_blksize",
    "st_blocks",
    "st_rdev",
    "st_flags",
    "st_gen",
    "st_birthtime",
    "st_file_attributes",
    "st_reparse_tag",
)


def _status(
    real: os.stat_result, *, mtime_ns: int, ctime_ns: int, ino: int | None = None
) -> os.stat_result:
    """*real* with other modification and change times (and inode)."""
    fields = list(real[: os.stat_result.n_sequence_fields])
    fields[1] = real.st_ino if ino is None else ino
    fields[8] = mtime_ns // 1_000_000_000
    fields[9] = ctime_ns // 1_000_000_000
    extra = {name: getattr(real, name) for name in _STATUS_EXTRA if hasattr(real, name)}
    extra.update(
        st_mtime=mtime_ns / 1e9,
        st_mtime_ns=mtime_ns,
        st_ctime=ctime_ns / 1e9,
        st_ctime_ns=ctime_ns,
    )
    return os.stat_result(fields, extra)


class _StatusOs:
    """The ``os`` module as store/_local.py sees it, with stat() and fstat() rewritten."""

    def __init__(self, rewrite) -> None:
        self._rewrite = rewrite

    def __getattr__(self, name):
        return getattr(os, name)

    def stat(self, path, *args, **kwargs):
        return self._rewrite(os.stat(path, *args, **kwargs))  # noqa: PTH116 (the os call itself)

    def fstat(self, fd):
        return self._rewrite(os.fstat(fd))


def _patch_status(monkeypatch, rewrite) -> None:
    """Make the local file system report every file's status through *rewrite*."""
    fake = _StatusOs(rewrite)
    monkeypatch.setattr(store_module, "os", fake)  # fstat() of reads
    # The hit path's stat() is os.stat itself, held by the class.
    monkeypatch.setattr(store_module.LocalFileSystem, "stat", staticmethod(fake.stat))


@pytest.fixture
def one_second_timestamps(monkeypatch):
    """
    Make the store see a filesystem with one-second timestamps that reuses inodes.

    Modification and change times are rounded down to whole seconds (ext4
    with 128-byte inodes, HFS+, many NFS servers) and every file has the same
    inode (ext4 hands a freed inode to the next new file). The seconds start
    when the fixture is set up, so a test's writes fall in one second
    whatever the wall clock says: a test straddling a real second boundary
    would otherwise pass on broken code by luck.
    """
    origin = time.time_ns()

    def rounded(ns: int) -> int:
        return origin + (ns - origin) // 1_000_000_000 * 1_000_000_000

    def rewrite(real: os.stat_result) -> os.stat_result:
        mtime, ctime = rounded(real.st_mtime_ns), rounded(real.st_ctime_ns)
        return _status(real, mtime_ns=mtime, ctime_ns=ctime, ino=1)

    _patch_status(monkeypatch, rewrite)


@pytest.fixture
def frozen_timestamps(monkeypatch):
    """
    Make the store see files that never change status: one inode, times of 2001.

    No validator can tell a rewrite here (some FUSE and overlay filesystems
    report fixed times): only the store's own bookkeeping of its writes can.
    """
    old = 1_000_000_000 * 1_000_000_000

    def rewrite(real: os.stat_result) -> os.stat_result:
        return _status(real, mtime_ns=old, ctime_ns=old, ino=1)

    _patch_status(monkeypatch, rewrite)


@pytest.fixture
def file_reads(monkeypatch) -> list[str]:
    """Record every entry file the store reads from disk (not from memory)."""
    reads: list[str] = []
    real = store_module._read_file

    def recording(path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(store_module, "_read_file", recording)
    return reads


def _age(monkeypatch, seconds: float, *, ino: int | None = None) -> None:
    """Make the store see every file as modified and changed *seconds* earlier."""
    shift = int(seconds * 1e9)

    def rewrite(real: os.stat_result) -> os.stat_result:
        mtime, ctime = real.st_mtime_ns - shift, real.st_ctime_ns - shift
        return _status(real, mtime_ns=mtime, ctime_ns=ctime, ino=ino)

    _patch_status(monkeypatch, rewrite)


class TestRecentPayloads:
    """
    The verified bytes of small entries kept in memory, served after one stat.

    The fast path must be exactly as correct as reading the file: these tests
    run it under the filesystems that defeat a (inode, time, size) validator.
    """

    def test_old_unchanged_entry_is_served_from_memory(
        self, tmp_path, monkeypatch, file_reads
    ):
        """A hit on an entry written long ago and unchanged reads no file."""
        store = Store(tmp_path)
        _save(store, payload=b"value")
        _age(monkeypatch, 3600)
        assert b"value" == store.load(FID, KEY)
        assert b"value" == store.load(FID, KEY)
        assert b"value" == store.load(FID, KEY)
        assert 1 == len(file_reads)

    def test_entry_kept_in_memory_still_expires_by_max_age(
        self, tmp_path, monkeypatch, file_reads
    ):
        """max_age applies to bytes served from memory as to bytes read from disk."""
        store = Store(tmp_path)
        # The age is the manifest's creation time, not a file time.
        _save(store, payload=b"value", created_at=time.time() - 100)
        _age(monkeypatch, 100)
        assert b"value" == store.load(FID, KEY)  # read, and kept in memory
        assert 1 == len(file_reads)
        # The first load with max_age reads the manifest, then the entry again
        # (the manifest first: it is never newer than the entry read after it).
        assert b"value" == store.load(FID, KEY, max_age=500)
        assert 2 == len(file_reads)
        assert b"value" == store.load(FID, KEY, max_age=500)
        assert 2 == len(file_reads)  # from memory, the manifest's time with it
        assert store.load(FID, KEY, max_age=50) is MISSING

    def test_freshly_written_entry_is_read_each_time(self, tmp_path, file_reads):
        """An entry written within the timestamp margin is read from disk on every hit."""
        store = Store(tmp_path)
        _save(store, payload=b"value")
        assert b"value" == store.load(FID, KEY)
        assert b"value" == store.load(FID, KEY)
        assert 2 == len(file_reads)

    def test_rerun_in_the_same_second_is_seen(self, tmp_path, one_second_timestamps):
        """A hit, three reruns within one second, then a hit: the last rerun's value."""
        calls = _Log()

        @checkpoint(directory=tmp_path)
        def count(x):
            calls.append(x)
            return len(calls)  # 1, 2, 3, 4: equal sizes once pickled

        assert 1 == count(0)
        assert 1 == count(0)
        assert 2 == count.rerun(0)
        assert 3 == count.rerun(0)
        assert 4 == count.rerun(0)
        assert 4 == count(0)

    def test_other_process_rewrite_in_the_same_second_is_seen(
        self, tmp_path, one_second_timestamps
    ):
        """Another writer's same-size rewrite in the same second is read, not the old bytes."""
        reader = Store(tmp_path)  # stands in for one process
        writer = Store(tmp_path)  # ... and this one for another
        _save(writer, payload=b"value-1")
        assert b"value-1" == reader.load(FID, KEY)
        _save(writer, payload=b"value-2")
        assert b"value-2" == reader.load(FID, KEY)

    def test_damage_in_place_in_the_same_second_is_detected(
        self, tmp_path, one_second_timestamps
    ):
        """Bytes changed in place (same inode, size and second) fail verification."""
        store = Store(tmp_path)
        path = _save(store, payload=b"value")
        assert b"value" == store.load(FID, KEY)
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
        with pytest.raises(CorruptEntryError):
            store.load(FID, KEY)

    def test_modification_time_set_back_is_seen(self, tmp_path, monkeypatch):
        """A successor given its predecessor's inode, size and mtime differs in ctime."""
        _age(monkeypatch, 3600, ino=1)  # old files, and the freed inode reused
        reader = Store(tmp_path)
        writer = Store(tmp_path)
        path = _save(writer, payload=b"value-1")
        written = path.stat()
        assert b"value-1" == reader.load(FID, KEY)
        time.sleep(0.02)  # a later tick of the kernel's file clock (1-10 ms)
        _save(writer, payload=b"value-2")
        # As tiers do when they copy an entry forward: keep the source's time.
        os.utime(path, ns=(written.st_atime_ns, written.st_mtime_ns))
        assert b"value-2" == reader.load(FID, KEY)

    def test_bytes_read_during_an_own_write_are_not_kept(
        self, tmp_path, frozen_timestamps, monkeypatch
    ):
        """A load that overlaps this store's rewrite (another thread) keeps nothing."""
        store = Store(tmp_path)
        _save(store, payload=b"value-1")
        real = store_module._read_file

        def read_then_rewrite(path):
            read = real(path)
            monkeypatch.setattr(store_module, "_read_file", real)
            _save(store, payload=b"value-2")  # lands after the read, before keeping
            return read

        monkeypatch.setattr(store_module, "_read_file", read_then_rewrite)
        assert b"value-1" == store.load(FID, KEY)
        assert b"value-2" == store.load(FID, KEY)

    def test_own_save_replaces_the_kept_bytes(self, tmp_path, frozen_timestamps):
        """save() drops this store's copy even when the file's status cannot change."""
        store = Store(tmp_path)
        _save(store, payload=b"value-1")
        assert b"value-1" == store.load(FID, KEY)
        _save(store, payload=b"value-2")
        assert b"value-2" == store.load(FID, KEY)

    @pytest.mark.parametrize(
        "remove",
        [
            pytest.param(lambda store: store.delete(FID, KEY), id="delete"),
            pytest.param(lambda store: store.clear(FID), id="clear-function"),
            pytest.param(lambda store: store.clear(), id="clear-all"),
            pytest.param(lambda store: store.evict(size_limit=0), id="evict"),
            pytest.param(lambda store: store.quarantine(FID, KEY), id="quarantine"),
        ],
    )
    def test_own_removal_drops_the_kept_bytes(
        self, tmp_path, frozen_timestamps, remove
    ):
        """After this store removes an entry, a same-status file written by another is read."""
        store = Store(tmp_path)
        other = Store(tmp_path)  # another process: its writes are invisible here
        _save(store, payload=b"value-1")
        assert b"value-1" == store.load(FID, KEY)
        remove(store)
        _save(other, payload=b"value-2")
        assert b"value-2" == store.load(FID, KEY)

    def test_copy_into_the_store_drops_the_kept_bytes(
        self, tmp_path, frozen_timestamps
    ):
        """copy_entry() into a store (tiers' copy forward) drops that store's copy."""
        store = Store(tmp_path / "fast")
        source = Store(tmp_path / "slow")
        _save(store, payload=b"value-1")
        assert b"value-1" == store.load(FID, KEY)
        _save(source, payload=b"value-2")
        assert source.copy_entry(store, FID, KEY)
        assert b"value-2" == store.load(FID, KEY)

    def test_deleted_entry_is_missing(self, tmp_path):
        """A cached entry deleted on disk is a miss."""
        store = Store(tmp_path)
        _save(store)
        assert store.load(FID, KEY)
        store.delete(FID, KEY)
        assert store.load(FID, KEY) is MISSING
