"""
Tests for checkpointing.store._fsspec: a Store over fsspec's ``memory://``.

The in-memory file system stands in for the object stores to come: no mmap,
no stat validator, no atomic append (so no catalog file), no cross-process
lock. A store over it must behave like a local one all the same.

To build one in a test (or a contract-test class)::

    fs = fsspec.filesystem("memory")
    store = Store.over(FsspecFileSystem(fs, "/unique-root"), hmac_key=None)
    tiered = TieredStore([Store(tmp_path / "fast"), store])
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys
import threading
import time

import pytest

from checkpointing import MISSING, CorruptEntryError, Store, StoreError
from checkpointing.store import FsspecFileSystem, TieredStore
from checkpointing.store._locks import ProcessEntryLock

from .strategies import make_manifest

fsspec = pytest.importorskip("fsspec")

FID = "pkg.module.func"
KEY = "0123456789abcdef" * 2
OTHER_KEY = "fedcba9876543210" * 2
_ROOTS = itertools.count()


@pytest.fixture
def memory():
    """fsspec's memory file system (one global store: every test uses its own root)."""
    return fsspec.filesystem("memory")


def _store(memory, *, hmac_key: bytes | None = None, root: str | None = None) -> Store:
    root = root or f"/checkpointing-test-{next(_ROOTS)}-{time.monotonic_ns()}"
    return Store.over(FsspecFileSystem(memory, root), hmac_key=hmac_key)


@pytest.fixture
def store(memory):
    made = _store(memory)
    yield made
    if memory.exists(made.filesystem.root):
        memory.rm(made.filesystem.root, recursive=True)


def _save(store, key=KEY, payload=b"payload", **fields):
    manifest = make_manifest(key=key, function_id=FID, **fields)
    store.save(manifest, payload, {})
    return manifest


def _flip(memory, path: str, skip: int = 40) -> None:
    data = bytearray(memory.cat_file(path))
    data[skip + (len(data) - skip) // 2] ^= 0xFF
    memory.pipe_file(path, bytes(data))


class TestReadWrite:
    def test_missing_entry_is_missing(self, store):
        """A store over an empty root answers MISSING, not an error."""
        assert store.load(FID, KEY) is MISSING
        assert not store.contains(FID, KEY)
        assert store.manifest(FID, KEY) is None
        assert [] == store.function_ids()

    @pytest.mark.parametrize("size", [0, 1, 70_000, 2 << 20])
    def test_save_then_load(self, store, size):
        """The payload comes back byte for byte (no memo, no mmap: always read)."""
        payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
        manifest = _save(store, payload=payload)
        assert payload == bytes(store.load(FID, KEY))
        assert payload == bytes(store.load(FID, KEY))
        assert store.contains(FID, KEY)
        assert store.is_valid(FID, KEY)
        assert manifest == store.manifest(FID, KEY)
        assert [manifest] == store.manifests(FID)
        assert [FID] == store.function_ids()

    def test_chunks_and_blobs(self, store):
        """A payload given as chunks is joined; blobs round-trip."""
        manifest = make_manifest(key=KEY, function_id=FID)
        store.save(
            manifest, [b"ab", bytearray(b"cd"), memoryview(b"ef")], {"b" * 32: "src"}
        )
        assert b"abcdef" == bytes(store.load(FID, KEY))
        assert "src" == store.blob("b" * 32)
        assert store.blob("c" * 32) is None

    def test_overwrite_seen_by_another_store_object(self, store, memory):
        """A rewrite is read back by a fresh store over the same root."""
        _save(store, payload=b"old")
        assert b"old" == bytes(store.load(FID, KEY))
        _save(store, payload=b"new")
        assert b"new" == bytes(store.load(FID, KEY))
        again = _store(memory, root=store.filesystem.root)
        assert b"new" == bytes(again.load(FID, KEY))

    def test_named_entry_of_another_key_is_missing(self, store):
        """A readable name holding another key is a miss."""
        _save(store, key=KEY, name="latest")
        assert b"payload" == bytes(store.load(FID, "latest", key=KEY))
        assert store.load(FID, "latest", key=OTHER_KEY) is MISSING

    def test_load_mapped_reads_instead(self, store):
        """memory:// cannot map: load_mapped reads (and copy-on-write gets a copy)."""
        _save(store, payload=b"mapped")
        assert b"mapped" == bytes(store.load_mapped(FID, KEY))
        view = store.load_mapped(FID, KEY, writable=True)
        view[0] = ord("M")  # writable, and the stored entry is unchanged
        assert b"mapped" == bytes(store.load(FID, KEY))

    def test_outputs(self, store, memory):
        """Result files are written, listed and checked through the file system."""
        manifest = make_manifest(key=KEY, function_id=FID)
        store.save(
            manifest, b"", {}, outputs=[("value.txt", lambda f: f.write(b"hello"))]
        )
        found = store.outputs(FID, KEY, store.load(FID, KEY))
        assert b"hello" == memory.cat_file(found["value.txt"])
        assert 5 == store.manifest(FID, KEY).value_size_bytes
        _flip(memory, found["value.txt"], skip=0)
        with pytest.raises(CorruptEntryError):
            store.outputs(FID, KEY, store.load(FID, KEY))

    def test_invalid_names_are_refused(self, store):
        """Names that could escape the root raise StoreError, as locally."""
        for name in ("", "..", "a/b", ".hidden"):
            with pytest.raises(StoreError):
                store.load(FID, name)
        with pytest.raises(StoreError):
            store.load("../up", KEY)

    def test_location_is_a_url(self, store):
        """Locations name the file system: memory://<root>/<function>/<name>.ckpt."""
        assert store.location().startswith("memory://")
        assert store.location(FID, KEY).endswith(f"/{FID}/{KEY}.ckpt")

    def test_store_pickles_with_its_file_system(self, store):
        """A pickled memory store comes back over the same root, not a local one."""
        _save(store, payload=b"shared")
        clone = pickle.loads(pickle.dumps(store))
        assert store.filesystem.root == clone.filesystem.root
        assert b"shared" == bytes(clone.load(FID, KEY))


class TestIntegrity:
    def test_corruption_is_detected_and_quarantined(self, store, memory):
        """A flipped payload byte raises CorruptEntryError; quarantine moves it aside."""
        _save(store, payload=b"v" * 1000)
        _flip(memory, store.location(FID, KEY))
        with pytest.raises(CorruptEntryError):
            store.load(FID, KEY)
        assert not store.is_valid(FID, KEY)
        moved = store.quarantine(FID, KEY)
        assert moved is not None
        assert "/.quarantine/" in moved
        assert store.load(FID, KEY) is MISSING

    def test_hmac_signature_is_verified(self, memory):
        """An entry signed with one key is refused by a store with another or none."""
        writer = _store(memory, hmac_key=b"k1")
        _save(writer, payload=b"signed")
        root = writer.filesystem.root
        assert b"signed" == bytes(
            _store(memory, hmac_key=b"k1", root=root).load(FID, KEY)
        )
        with pytest.raises(CorruptEntryError, match="HMAC"):
            _store(memory, hmac_key=b"k2", root=root).load(FID, KEY)
        unsigned = _store(memory)
        _save(unsigned)
        with pytest.raises(CorruptEntryError, match="unsigned"):
            _store(memory, hmac_key=b"k1", root=unsigned.filesystem.root).load(FID, KEY)


class TestRemoving:
    def test_delete(self, store):
        """delete() removes an entry; a second delete finds nothing."""
        _save(store)
        assert store.delete(FID, KEY)
        assert store.load(FID, KEY) is MISSING
        assert not store.delete(FID, KEY)

    def test_clear(self, store):
        """clear() counts and removes every entry, blobs too."""
        manifest = make_manifest(key=KEY, function_id=FID)
        store.save(manifest, b"1", {"b" * 32: "text"})
        _save(store, key=OTHER_KEY)
        assert 2 == store.clear(FID)
        assert [] == store.function_ids()
        _save(store)
        assert 1 == store.clear()
        assert store.blob("b" * 32) is None

    def test_size_bytes(self, store):
        """size_bytes() grows with each entry."""
        assert 0 == store.size_bytes(FID)
        _save(store)
        one = store.size_bytes(FID)
        _save(store, key=OTHER_KEY)
        assert one < store.size_bytes(FID)


class TestRecordedTimes:
    """Ages and recency come from the store's records: memory:// has no file times."""

    def test_max_age_uses_the_manifest_time(self, store):
        """An entry recorded as written 100 s ago expires at max_age=50, not at 150."""
        _save(store, created_at=time.time() - 100)
        assert store.load(FID, KEY, max_age=50) is MISSING
        assert b"payload" == bytes(store.load(FID, KEY, max_age=150))
        assert not store.is_valid(FID, KEY, max_age=50)

    def test_evict_expired(self, store):
        """evict(max_age=...) removes entries by recorded write time."""
        _save(store, key=KEY, created_at=time.time() - 7200)
        _save(store, key=OTHER_KEY, created_at=time.time())
        evicted = store.evict(max_age=3600)
        assert [(KEY, "expired")] == [(e.key, e.why) for e in evicted]
        assert store.contains(FID, OTHER_KEY)

    def test_evict_least_recently_used(self, store):
        """Over the limit, the entry hit longest ago (or never) goes first."""
        written = float(int(time.time() - 3600))
        _save(store, key=KEY, created_at=written)
        _save(store, key=OTHER_KEY, created_at=written + 1)
        assert b"payload" == bytes(store.load(FID, KEY))  # KEY is now the recent one
        size = store.size_bytes(FID)
        evicted = store.evict(size_limit=size - 1)
        assert [OTHER_KEY] == [e.key for e in evicted]
        assert store.contains(FID, KEY)

    def test_catalog_is_built_from_the_manifests(self, store):
        """Without appends there is no catalog file; the listing still works."""
        first = _save(store, key=KEY)
        _save(store, key=OTHER_KEY)
        catalog = store.catalog(FID)
        assert {KEY, OTHER_KEY} == set(catalog.entries)
        assert first.created_at == catalog.entries[KEY].created_at
        assert not store.filesystem.fs.exists(
            f"{store.filesystem.root}/{FID}/.catalog.v1.tsv"
        )
        store.record_hit(FID)  # counted in memory; never an error


class TestLocks:
    def test_lock_is_in_process(self, store):
        """memory:// locks exclude threads of this process (ProcessEntryLock)."""
        first = store.lock(FID, KEY, timeout=0)
        second = store.lock(FID, KEY, timeout=0)
        assert isinstance(first, ProcessEntryLock)
        assert first.acquire()
        assert not second.acquire()
        assert second.contended
        first.release()
        assert second.acquire()
        second.release()

    def test_waiter_gets_the_lock_when_released(self, store):
        """A waiting caller acquires the lock once its holder releases it."""
        holder = store.lock(FID, KEY, timeout=0)
        assert holder.acquire()
        timer = threading.Timer(0.05, holder.release)
        timer.start()
        waiter = store.lock(FID, KEY, timeout=5)
        assert waiter.acquire()
        assert waiter.waited_seconds > 0
        waiter.release()
        timer.join()

    def test_unbounded_timeout(self, store):
        """lock_timeout=inf waits as long as it takes (no OverflowError)."""
        lock = store.lock(FID, KEY, timeout=float("inf"))
        assert lock.acquire()
        lock.release()
        holder = store.lock(FID, KEY, timeout=0)
        assert holder.acquire()
        timer = threading.Timer(0.05, holder.release)
        timer.start()
        waiter = store.lock(FID, KEY, timeout=float("inf"))
        assert waiter.acquire()
        waiter.release()
        timer.join()

    def test_async_lock(self, store):
        """acquire_async polls without blocking the loop."""
        import asyncio

        async def run():
            held = store.lock(FID, KEY, timeout=0)
            assert await held.acquire_async()
            other = store.lock(FID, KEY, timeout=0.1)
            assert not await other.acquire_async()
            held.release()
            assert await other.acquire_async()
            other.release()

        asyncio.run(run())


class TestTiers:
    def test_local_tier_in_front_of_memory(self, tmp_path, store):
        """A tiered store writes back to memory:// and copies forward from it."""
        fast = Store(tmp_path / "fast")
        tiered = TieredStore([fast, store])
        manifest = make_manifest(key=KEY, function_id=FID, created_at=time.time() - 100)
        tiered.save(manifest, b"tiered", {})
        assert b"tiered" == bytes(store.load(FID, KEY))  # written back
        fast.clear()
        assert b"tiered" == bytes(tiered.load(FID, KEY))  # copied forward
        assert fast.contains(FID, KEY)
        # The recorded write time travels with the copy.
        assert manifest.created_at == fast.manifest(FID, KEY).created_at
        assert tiered.load(FID, KEY, max_age=50) is MISSING


def test_import_checkpointing_does_not_import_fsspec():
    """fsspec is optional: importing the library (and its store) never loads it."""
    code = (
        "import sys, checkpointing\n"
        "from checkpointing import Store, checkpoint\n"
        "import checkpointing.store._fsspec\n"
        "print('fsspec' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "False" == out.stdout.strip()
