"""
The store contract (tests/store_contract.py) run against each store implementation.

Each class supplies the hooks of :class:`~tests.store_contract.StoreContract`
for one implementation: the local :class:`~checkpointing.Store`, a
:class:`~checkpointing.store.TieredStore` of two local stores, a ``Store`` over
fsspec's in-memory file system (``memory://``, the stand-in for object
storage), a tiered store of a local directory in front of ``memory://``, and
the same two over ``s3://`` on a real S3 server (moto's server mode, started by
``tests/s3_server.py``; each test gets a fresh bucket). Tests of
behaviour that differs by design (a tiered store serves a good copy past a
damaged one, evicts from its fastest tier only) live here, in the class of the
implementation they describe.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from checkpointing import MISSING, Store
from checkpointing.store import FsspecFileSystem, TieredStore

from .store_contract import FID, KEY, OTHER_KEY, StoreContract


def _flip_middle_byte(path: Path, *, skip: int = 0) -> None:
    """Invert one byte in the middle of *path* after its first *skip* bytes."""
    data = bytearray(path.read_bytes())
    data[skip + (len(data) - skip) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


#: Bytes of an entry file's header (magic, format, flags, key, length, checksum).
_ENTRY_HEADER = 40


def _flip_middle_of(store: Store, path: str, *, skip: int = 0) -> None:
    """Invert one byte of the file at *path* in *store*'s file system (any kind)."""
    filesystem = store.filesystem
    if isinstance(filesystem, FsspecFileSystem):
        data = bytearray(filesystem.fs.cat_file(path))
        data[skip + (len(data) - skip) // 2] ^= 0xFF
        filesystem.fs.pipe_file(path, bytes(data))
    else:
        _flip_middle_byte(Path(path), skip=skip)


def _corrupt_entry(store: Store, function_id: str, name: str) -> None:
    _flip_middle_of(store, store.location(function_id, name), skip=_ENTRY_HEADER)


def _corrupt_output(store: Store, function_id: str, name: str, file_name: str) -> None:
    _flip_middle_of(store, str(store.files_path(function_id, name) / file_name))


#: Roots of ``memory://`` stores: fsspec's memory file system is one global
#: tree, so every store gets its own root, removed after its test.
_MEMORY_ROOTS = itertools.count()


class _MemoryRoots:
    """Hands out fresh ``memory://`` roots and removes them after each test."""

    @pytest.fixture(autouse=True)
    def _memory_cleanup(self):
        fsspec = pytest.importorskip("fsspec")
        self.memory = fsspec.filesystem("memory")
        self.roots: list[str] = []
        yield
        for root in self.roots:
            if self.memory.exists(root):
                self.memory.rm(root, recursive=True)

    def memory_store(self, *, hmac_key=None, root=None):
        if root is None:
            root = f"/contract-{next(_MEMORY_ROOTS)}"
            self.roots.append(root)
        return Store.over(FsspecFileSystem(self.memory, root), hmac_key=hmac_key)


class TestLocalStoreContract(StoreContract):
    """The contract for one local cache directory."""

    def make_store(self, tmp_path, *, hmac_key=None):
        return Store(tmp_path / "cache", hmac_key=hmac_key)

    def reopen(self, store, *, hmac_key=None):
        return Store(store.root, hmac_key=hmac_key)

    def corrupt(self, store, function_id, name):
        _corrupt_entry(store, function_id, name)

    def corrupt_output(self, store, function_id, name, file_name):
        _corrupt_output(store, function_id, name, file_name)

    def read_output(self, location):
        return Path(location).read_bytes()

    # -- by design: one directory --------------------------------------------------
    def test_evicted_entries_are_gone(self, tmp_path):
        """Eviction deletes: an evicted entry is a miss afterwards."""
        store = self.make_store(tmp_path)
        self.save(store, KEY)
        self.save(store, OTHER_KEY)
        assert 2 == len(store.evict(size_limit=0))
        assert store.load(FID, KEY) is MISSING
        assert not store.contains(FID, OTHER_KEY)
        assert [] == store.manifests(FID)


class TestTieredStoreContract(StoreContract):
    """The contract for a tiered store of two local directories (fast, slow)."""

    def make_store(self, tmp_path, *, hmac_key=None):
        return TieredStore(
            [
                Store(tmp_path / "fast", hmac_key=hmac_key),
                Store(tmp_path / "slow", hmac_key=hmac_key),
            ]
        )

    def reopen(self, store, *, hmac_key=None):
        return TieredStore(
            [Store(tier.root, hmac_key=hmac_key) for tier in store.tiers]
        )

    def corrupt(self, store, function_id, name):
        for tier in store.tiers:
            _corrupt_entry(tier, function_id, name)

    def corrupt_output(self, store, function_id, name, file_name):
        for tier in store.tiers:
            _corrupt_output(tier, function_id, name, file_name)

    def read_output(self, location):
        return Path(location).read_bytes()

    # -- by design: copies in several tiers ----------------------------------------
    def test_damaged_fast_copy_is_served_from_the_slow_tier(self, tmp_path):
        """A damaged copy in the fast tier is quarantined; the slow copy serves."""
        store = self.make_store(tmp_path)
        self.save(store, payload=b"good value " * 50)
        fast, _slow = store.tiers
        _corrupt_entry(fast, FID, KEY)
        assert b"good value " * 50 == bytes(store.load(FID, KEY))
        assert b"good value " * 50 == bytes(fast.load(FID, KEY))  # repaired
        assert store.is_valid(FID, KEY)

    def test_damaged_fast_output_is_served_from_the_slow_tier(self, tmp_path):
        """outputs() falls back to a tier whose files match the table."""
        store = self.make_store(tmp_path)
        write = self._writer(b"0123456789" * 10)
        self.save(store, payload=b"", writers=[("value.bin", write)])
        _corrupt_output(store.tiers[0], FID, KEY, "value.bin")
        found = store.outputs(FID, KEY, store.load(FID, KEY))
        assert b"0123456789" * 10 == self.read_output(found["value.bin"])

    def test_eviction_applies_to_the_fast_tier_only(self, tmp_path):
        """Evicted entries stay in the slow tier and are copied forward on a hit."""
        store = self.make_store(tmp_path)
        self.save(store, KEY, payload=b"archived")
        before = store.size_bytes(FID)
        assert [KEY] == [e.key for e in store.evict(size_limit=0)]
        fast, _slow = store.tiers
        assert fast.load(FID, KEY) is MISSING
        assert store.size_bytes(FID) < before  # the fast tier's bytes
        assert store.contains(FID, KEY)
        assert b"archived" == bytes(store.load(FID, KEY))
        assert b"archived" == bytes(fast.load(FID, KEY))  # copied forward

    def test_a_slow_tier_entry_is_found_by_a_fresh_store(self, tmp_path):
        """An entry only the slow tier holds is listed, valid and loaded."""
        store = self.make_store(tmp_path)
        manifest = self.save(store, payload=b"shared")
        store.tiers[0].clear()
        reader = self.reopen(store)
        assert [FID] == reader.function_ids()
        assert [manifest] == reader.manifests(FID)
        assert reader.is_valid(FID, KEY)
        assert b"shared" == bytes(reader.load_mapped(FID, KEY))

    def test_clear_counts_distinct_entries(self, tmp_path):
        """clear() counts each result once, though every tier held a copy."""
        store = self.make_store(tmp_path)
        self.save(store, KEY)
        self.save(store, OTHER_KEY)
        store.tiers[0].delete(FID, OTHER_KEY)  # evicted locally, archived
        assert 2 == store.clear(FID)
        assert [] == store.function_ids()


class TestMemoryStoreContract(_MemoryRoots, StoreContract):
    """The contract for a store over fsspec's ``memory://`` (object-storage stand-in)."""

    def make_store(self, tmp_path, *, hmac_key=None):
        return self.memory_store(hmac_key=hmac_key)

    def reopen(self, store, *, hmac_key=None):
        return self.memory_store(hmac_key=hmac_key, root=store.filesystem.root)

    def corrupt(self, store, function_id, name):
        _corrupt_entry(store, function_id, name)

    def corrupt_output(self, store, function_id, name, file_name):
        _corrupt_output(store, function_id, name, file_name)

    def read_output(self, location):
        return self.memory.cat_file(location)


class TestLocalOverMemoryContract(_MemoryRoots, StoreContract):
    """The contract for a local directory in front of ``memory://`` (a remote's shape)."""

    def make_store(self, tmp_path, *, hmac_key=None):
        return TieredStore(
            [
                Store(tmp_path / "local", hmac_key=hmac_key),
                self.memory_store(hmac_key=hmac_key),
            ]
        )

    def reopen(self, store, *, hmac_key=None):
        local, remote = store.tiers
        return TieredStore(
            [
                Store(local.root, hmac_key=hmac_key),
                self.memory_store(hmac_key=hmac_key, root=remote.filesystem.root),
            ]
        )

    def corrupt(self, store, function_id, name):
        for tier in store.tiers:
            _corrupt_entry(tier, function_id, name)

    def corrupt_output(self, store, function_id, name, file_name):
        for tier in store.tiers:
            _corrupt_output(tier, function_id, name, file_name)

    def read_output(self, location):
        if location.startswith("/contract-"):
            return self.memory.cat_file(location)
        return Path(location).read_bytes()


class _S3Roots:
    """Stores over a fresh bucket of the test's moto server (``s3_bucket``)."""

    @pytest.fixture(autouse=True)
    def _bucket(self, s3_bucket):
        self.bucket = s3_bucket

    def s3_store(self, *, hmac_key=None, root=None):
        if root is None:
            root = f"{self.bucket.name}/contract-{next(_MEMORY_ROOTS)}"
        # One client for all stores of a test: it keeps no listings or
        # instance cache, so a reopened store shares only its connections (a
        # new client per store costs 0.1 s; test_s3_server covers fresh ones).
        return Store.over(FsspecFileSystem(self.bucket.fs, root), hmac_key=hmac_key)

    def read_s3(self, location):
        return self.bucket.fs.cat_file(location)


class TestS3StoreContract(_S3Roots, StoreContract):
    """The contract for a store over ``s3://`` on a real (moto) S3 server."""

    automatic_eviction = False  # shared: only an explicit prune evicts

    def make_store(self, tmp_path, *, hmac_key=None):
        return self.s3_store(hmac_key=hmac_key)

    def reopen(self, store, *, hmac_key=None):
        return self.s3_store(hmac_key=hmac_key, root=store.filesystem.root)

    def corrupt(self, store, function_id, name):
        _corrupt_entry(store, function_id, name)

    def corrupt_output(self, store, function_id, name, file_name):
        _corrupt_output(store, function_id, name, file_name)

    def read_output(self, location):
        return self.read_s3(location)


class TestLocalOverS3Contract(_S3Roots, StoreContract):
    """The contract for a local directory in front of ``s3://`` (issue 14's tiers)."""

    def make_store(self, tmp_path, *, hmac_key=None):
        return TieredStore(
            [
                Store(tmp_path / "local", hmac_key=hmac_key),
                self.s3_store(hmac_key=hmac_key),
            ]
        )

    def reopen(self, store, *, hmac_key=None):
        local, remote = store.tiers
        return TieredStore(
            [
                Store(local.root, hmac_key=hmac_key),
                self.s3_store(hmac_key=hmac_key, root=remote.filesystem.root),
            ]
        )

    def corrupt(self, store, function_id, name):
        for tier in store.tiers:
            _corrupt_entry(tier, function_id, name)

    def corrupt_output(self, store, function_id, name, file_name):
        for tier in store.tiers:
            _corrupt_output(tier, function_id, name, file_name)

    def read_output(self, location):
        if location.startswith(f"{self.bucket.name}/"):
            return self.read_s3(location)
        return Path(location).read_bytes()
