"""Size limits, expiry and least-recently-used eviction (store and decorator)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import dataclasses
import gc
import os
import time
import weakref
from pathlib import Path

import pytest

from checkpointing import MISSING, ConfigurationError, Manifest, Store, checkpoint
from checkpointing.store import _catalog

from .strategies import make_manifest

FID = "pkg.mod.func"


def _save(store: Store, index: int, size: int = 1000, *, written: float = 0) -> str:
    """Save an entry recorded as written *written* seconds ago."""
    key = f"{index:032x}"
    # Whole seconds: every manifest has the same size (the limits are exact).
    created_at = float(int(time.time() - written))
    manifest = make_manifest(key=key, function_id=FID, created_at=created_at)
    store.save(manifest, b"x" * size, {})
    return key


def _hit(store: Store, key: str, *, seconds_ago: float) -> None:
    """Record a hit of *key* *seconds_ago* (as a process flushing its hits does)."""
    _catalog.record_accesses(
        store.filesystem, str(store.root), FID, {key: time.time() - seconds_ago}
    )


def _backdate(manifest_path: Path, seconds: float) -> None:
    """Rewrite a manifest as if its entry had been written *seconds* earlier."""
    manifest = Manifest.from_json(manifest_path.read_bytes())
    older = dataclasses.replace(manifest, created_at=manifest.created_at - seconds)
    manifest_path.write_bytes(older.to_json())


class TestEvict:
    def test_least_recently_used_goes_first(self, tmp_path):
        """Over the limit, entries are evicted by oldest recorded hit until the store fits."""
        store = Store(tmp_path)
        keys = [_save(store, i, written=5 * 3600) for i in range(4)]
        for key, hours in zip(keys, (1, 4, 2, 3), strict=True):
            _hit(store, key, seconds_ago=hours * 3600)
        entry_size = sum(
            p.stat().st_size for p in (tmp_path / FID).glob(f"{keys[0]}.*")
        )
        evicted = store.evict(size_limit=2 * entry_size)
        assert [keys[1], keys[3]] == [e.key for e in evicted]
        assert {"size"} == {e.why for e in evicted}
        assert [keys[0], keys[2]] == sorted(k for k in keys if store.contains(FID, k))

    def test_expired_entries_go(self, tmp_path):
        """max_age removes entries written longer ago, whatever their last hit."""
        store = Store(tmp_path)
        old, new = _save(store, 1, written=7200), _save(store, 2)
        _hit(store, old, seconds_ago=0)
        evicted = store.evict(max_age=3600)
        assert [(old, "expired")] == [(e.key, e.why) for e in evicted]
        assert store.contains(FID, new)

    def test_entry_without_manifest_ages_by_its_file(self, tmp_path):
        """A crash's orphan (entry file, no manifest) ages by its file's time."""
        store = Store(tmp_path)
        orphan, kept = _save(store, 1), _save(store, 2, written=600)
        store.manifest_path(FID, orphan).unlink()
        entry = store.entry_path(FID, orphan)
        old = time.time() - 7200
        os.utime(entry, (old, old))
        assert [(orphan, "expired")] == [
            (e.key, e.why) for e in store.evict(max_age=3600, dry_run=True)
        ]
        size = sum(p.stat().st_size for p in (tmp_path / FID).glob("0*"))
        evicted = store.evict(size_limit=size - 1)
        assert [orphan] == [e.key for e in evicted]
        assert store.contains(FID, kept)

    def test_write_in_flight_is_not_evicted(self, tmp_path):
        """An entry whose manifest is not written yet is young, not expired or least used."""
        store = Store(tmp_path)
        older, in_flight = _save(store, 1, written=600), _save(store, 2)
        store.manifest_path(FID, in_flight).unlink()  # its writer is about to add it
        assert [] == store.evict(max_age=3600, dry_run=True)
        size = sum(p.stat().st_size for p in (tmp_path / FID).glob("0*"))
        assert [older] == [e.key for e in store.evict(size_limit=size - 1)]
        assert store.contains(FID, in_flight)

    def test_dry_run_deletes_nothing(self, tmp_path):
        """dry_run reports without deleting."""
        store = Store(tmp_path)
        key = _save(store, 1)
        assert [key] == [e.key for e in store.evict(size_limit=0, dry_run=True)]
        assert store.contains(FID, key)

    def test_hit_is_recorded_not_written_to_the_entry(self, tmp_path):
        """A hit is remembered by the store (catalog), not by the entry file's times."""
        store = Store(tmp_path)
        key = _save(store, 1, written=7200)
        before = store.entry_path(FID, key).stat()
        start = time.time()
        assert b"x" * 1000 == store.load(FID, key)
        after = store.entry_path(FID, key).stat()
        assert (before.st_mtime_ns, before.st_ctime_ns) == (
            after.st_mtime_ns,
            after.st_ctime_ns,
        )
        assert key not in store.catalog(FID).accessed  # in memory until a flush
        store.evict(dry_run=True)  # eviction writes pending hits down first
        assert start <= store.catalog(FID).accessed[key] <= time.time()

    def test_hits_of_a_collected_store_are_written_down(self, tmp_path):
        """A store is not kept alive by its hits; its last hit times are appended."""
        store = Store(tmp_path)
        key = _save(store, 1, written=7200)
        assert b"x" * 1000 == store.load(FID, key)
        store.record_hit(FID)  # as the decorator does on a hit
        alive = weakref.ref(store)
        del store
        gc.collect()
        assert alive() is None
        assert key in Store(tmp_path).catalog(FID).accessed

    def test_reads_without_hits_write_no_recency(self, tmp_path):
        """A store that records no hits (verify, a lazy result's worker) appends nothing."""
        store = Store(tmp_path)
        key = _save(store, 1)
        catalog = tmp_path / FID / _catalog.CATALOG_NAME
        before = catalog.read_bytes()
        assert b"x" * 1000 == store.load(FID, key)
        del store
        gc.collect()
        assert before == catalog.read_bytes()

    def test_recent_hit_protects_an_old_entry(self, tmp_path):
        """A hit in this process counts for eviction at once (before any flush)."""
        store = Store(tmp_path)
        old = _save(store, 1, written=7200)
        new = _save(store, 2, written=3600)
        assert b"x" * 1000 == store.load(FID, old)
        size = sum(p.stat().st_size for p in (tmp_path / FID).glob("0*"))
        evicted = store.evict(size_limit=size - 1, dry_run=True)
        assert [new] == [e.key for e in evicted]

    def test_load_with_max_age(self, tmp_path):
        """An entry older than max_age loads as missing; a younger one loads."""
        store = Store(tmp_path)
        key = _save(store, 1, written=100)
        assert store.load(FID, key, max_age=50) is MISSING
        assert b"x" * 1000 == store.load(FID, key, max_age=150)
        assert b"x" * 1000 == store.load(FID, key)

    def test_max_age_applies_to_an_entry_read_before(self, tmp_path):
        """An entry already read still expires by max_age (whatever load() keeps)."""
        store = Store(tmp_path)
        key = _save(store, 1, written=100)
        assert b"x" * 1000 == store.load(FID, key)
        assert store.load(FID, key, max_age=50) is MISSING
        assert b"x" * 1000 == store.load(FID, key, max_age=150)


class TestDecoratorLimits:
    def test_size_limit_applied_after_writes(self, tmp_path):
        """The first stored result of a process evicts least-recently-used entries to fit."""

        @checkpoint(directory=tmp_path)
        def filler(i):
            return b"y" * 10_000 + bytes([i])

        for i in range(6):
            filler(i)  # ~60 KB, no limit on this function

        @checkpoint(directory=tmp_path, size_limit=30_000)
        def limited(i):
            return b"z" * 1_000 + bytes([i])

        limited(1)
        total = sum(
            p.stat().st_size
            for p in tmp_path.glob("*/*.*")
            if p.suffix in (".ckpt", ".json")
        )
        assert total <= 30_000
        assert limited.is_cached(1)  # the newest entry is the most recently used

    def test_max_age_recomputes(self, tmp_path):
        """An entry older than max_age is recomputed, and the new result stored."""
        calls = []

        @checkpoint(directory=tmp_path, max_age=60, ignore_code=["calls"])
        def f(x):
            calls.append(x)
            return x + 1, len(calls)

        assert (2, 1) == f(1)
        _backdate(next(tmp_path.rglob("*.json")), 120)
        assert not f.is_cached(1)
        assert (2, 2) == f(1)
        assert [1, 1] == calls
        assert f.is_cached(1)
        assert (2, 2) == f(1)
        assert [1, 1] == calls

    def test_max_age_keeps_a_younger_entry(self, tmp_path):
        """An entry younger than max_age is a hit: the body does not run."""
        calls = []

        @checkpoint(directory=tmp_path, max_age=60, ignore_code=["calls"])
        def f(x):
            calls.append(x)
            return x + 1, len(calls)

        assert (2, 1) == f(1)
        _backdate(next(tmp_path.rglob("*.json")), 30)
        assert f.is_cached(1)
        assert (2, 1) == f(1)
        assert [1] == calls

    @pytest.mark.parametrize("options", [{"size_limit": -1}, {"max_age": "1h"}])
    def test_bad_limits(self, options):
        """Negative or non-numeric limits raise ConfigurationError."""
        with pytest.raises(ConfigurationError):
            checkpoint(**options)(lambda x: x)
