"""
Tests for checkpointing.store._fsspec on S3: what a store costs in requests, and why.

Counted in the request log of the moto server (``tests/s3_server.py``), so
every number is requests a real server answered. Then a server that went
away: reads and writes fail with ``StoreError``, not botocore's own error
(listings do not yet: a strict xfail). Then s3fs's listings cache (on by
default, no expiry): a store sees another writer's entries and removals in
its listings and ``contains``. Also the one local fallback
of :meth:`FsspecFileSystem._publish_under_made_parent` (a parent removed
since it was made).
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import time

import pytest

from checkpointing import MISSING, Store, StoreError
from checkpointing.store import FsspecFileSystem

from .strategies import make_manifest

fsspec = pytest.importorskip("fsspec")

FID = "pkg.module.func"
KEY = "0123456789abcdef" * 2
OTHER_KEY = "fedcba9876543210" * 2
MiB = 1 << 20


def _save(store, key=KEY, payload=b"payload"):
    manifest = make_manifest(key=key, function_id=FID, created_at=time.time())
    store.save(manifest, payload, {})


def _store(fs, bucket):
    return Store.over(FsspecFileSystem(fs, f"{bucket.name}/cache"))


class TestRequestsOverS3:
    """A hit, a miss and a save cost the fewest requests S3 allows."""

    def test_a_hit_is_one_get(self, s3_bucket):
        store = _store(s3_bucket.fs, s3_bucket)
        _save(store)
        since = s3_bucket.server.log_offset()
        assert b"payload" == bytes(store.load(FID, KEY))
        assert [("GET", f"/{s3_bucket.name}/cache/{FID}/{KEY}.ckpt")] == (
            s3_bucket.server.requests(since)
        )

    def test_a_miss_is_one_get(self, s3_bucket):
        """No HEAD first, and no listing to ask whether the key is a directory."""
        store = _store(s3_bucket.fs, s3_bucket)
        _save(store)
        since = s3_bucket.server.log_offset()
        assert store.load(FID, OTHER_KEY) is MISSING
        assert [("GET", f"/{s3_bucket.name}/cache/{FID}/{OTHER_KEY}.ckpt")] == (
            s3_bucket.server.requests(since)
        )

    def test_a_later_save_is_two_puts(self, s3_bucket):
        """Entry then manifest; no ``HEAD /bucket`` per file for a directory S3 lacks."""
        store = _store(s3_bucket.fs, s3_bucket)
        _save(store)
        since = s3_bucket.server.log_offset()
        _save(store, OTHER_KEY)
        prefix = f"/{s3_bucket.name}/cache/{FID}/{OTHER_KEY}"
        assert [("PUT", f"{prefix}.ckpt"), ("PUT", f"{prefix}.json")] == (
            s3_bucket.server.requests(since)
        )

    def test_a_large_entry_is_read_with_one_unranged_get(self, s3_bucket):
        """
        Above s3fs's block size, still one GET: never parts of two versions.

        s3fs reads a file larger than its block size (50 MiB by default; 1 MiB
        here) in concurrent ranged GETs after a HEAD. A writer replacing the
        object between two parts would give a mix, rejected as damage.
        """
        import s3fs

        fs = s3fs.S3FileSystem(
            endpoint_url=s3_bucket.server.endpoint_url,
            skip_instance_cache=True,
            use_listings_cache=False,
            default_block_size=MiB,
        )
        store = _store(fs, s3_bucket)
        payload = bytes(range(256)) * (3 * MiB // 256)
        _save(store, payload=payload)
        since = s3_bucket.server.log_offset()
        assert payload == bytes(store.load(FID, KEY))
        assert [("GET", f"/{s3_bucket.name}/cache/{FID}/{KEY}.ckpt")] == (
            s3_bucket.server.requests(since)
        )


def test_a_parent_removed_since_it_was_made_is_made_again(tmp_path):
    """Another process removed the function's directory: the next write makes it again."""
    local = fsspec.filesystem("file")
    writer = Store.over(FsspecFileSystem(local, str(tmp_path / "cache")))
    _save(writer)
    other = Store.over(FsspecFileSystem(local, str(tmp_path / "cache")))
    assert 1 == other.clear(FID)
    assert not (tmp_path / "cache" / FID).exists()
    _save(writer, OTHER_KEY, b"again")
    assert b"again" == bytes(other.load(FID, OTHER_KEY))


def _impatient(server):
    """A store client that tries once and gives up after 1 s (no 6 s of retries)."""
    import s3fs

    fs = s3fs.S3FileSystem(
        endpoint_url=server.endpoint_url,
        skip_instance_cache=True,
        use_listings_cache=False,
        config_kwargs={
            "connect_timeout": 1,
            "read_timeout": 1,
            "retries": {"max_attempts": 1},
        },
    )
    fs.retries = 1  # s3fs's own retry loop (a class attribute, no argument)
    return fs


class TestServerGone:
    """A server that went away is a StoreError (an OSError inside), not botocore's."""

    @pytest.fixture
    def store(self, s3_bucket):
        store = _store(_impatient(s3_bucket.server), s3_bucket)
        _save(store)
        s3_bucket.server.stop()  # s3_bucket starts it again afterwards
        return store

    def test_a_load_is_a_store_error(self, store):
        with pytest.raises(StoreError) as raised:
            store.load(FID, KEY)
        assert isinstance(raised.value.__cause__, ConnectionError)
        assert "no answer from the server" in str(raised.value)

    def test_a_save_is_a_store_error(self, store):
        with pytest.raises(StoreError) as raised:
            _save(store, OTHER_KEY)
        assert isinstance(raised.value.__cause__, ConnectionError)

    def test_a_listing_is_a_store_error(self, store):
        with pytest.raises(StoreError):
            store.manifests(FID)


class TestListingsCache:
    """A store lists what the bucket holds now, though s3fs caches listings by default."""

    @pytest.fixture
    def stores(self, s3_bucket):
        import s3fs

        cached = s3fs.S3FileSystem(  # s3fs's defaults: listings kept forever
            endpoint_url=s3_bucket.server.endpoint_url, skip_instance_cache=True
        )
        assert cached.dircache.use_listings_cache
        return _store(cached, s3_bucket), _store(s3_bucket.fs, s3_bucket)

    def test_another_writers_entries_are_listed(self, stores):
        reader, writer = stores
        _save(writer)
        assert [KEY] == [m.key for m in reader.manifests(FID)]
        _save(writer, OTHER_KEY)
        assert {KEY, OTHER_KEY} == {m.key for m in reader.manifests(FID)}
        assert [FID] == reader.function_ids()
        assert {KEY, OTHER_KEY} == set(reader.entry_names(FID))

    def test_another_writers_removals_are_seen(self, stores):
        reader, writer = stores
        _save(writer)
        assert [FID] == reader.function_ids()
        assert 1 == writer.clear()
        assert [] == reader.function_ids()
        assert [] == reader.manifests(FID)

    def test_contains_sees_another_writers_changes(self, stores):
        """is_file is not answered from a listing cached before the change."""
        reader, writer = stores
        _save(writer)
        assert [KEY] == [m.key for m in reader.manifests(FID)]  # listing cached
        assert reader.contains(FID, KEY)
        _save(writer, OTHER_KEY)
        assert writer.delete(FID, KEY)
        assert not reader.contains(FID, KEY)
        assert reader.contains(FID, OTHER_KEY)
        assert reader.size_bytes(FID) == writer.size_bytes(FID)
