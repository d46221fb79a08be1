"""Size limits, expiry and least-recently-used eviction (store and decorator)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import os
import time

import pytest

from checkpointing import MISSING, ConfigurationError, Store, checkpoint

from .strategies import make_manifest

FID = "pkg.mod.func"


def _save(store: Store, index: int, size: int = 1000) -> str:
    key = f"{index:032x}"
    store.save(make_manifest(key=key, function_id=FID), b"x" * size, {})
    return key


def _age(store: Store, key: str, *, accessed: float, written: float) -> None:
    path = store.entry_path(FID, key)
    now = time.time()
    os.utime(path, (now - accessed, now - written))


class TestEvict:
    def test_least_recently_used_goes_first(self, tmp_path):
        """Over the limit, entries are evicted by oldest access until the store fits."""
        store = Store(tmp_path)
        keys = [_save(store, i) for i in range(4)]
        for key, hours in zip(keys, (1, 4, 2, 3), strict=True):
            _age(store, key, accessed=hours * 3600, written=5 * 3600)
        entry_size = sum(
            p.stat().st_size for p in (tmp_path / FID).glob(f"{keys[0]}.*")
        )
        evicted = store.evict(size_limit=2 * entry_size)
        assert [keys[1], keys[3]] == [e.key for e in evicted]
        assert {"size"} == {e.why for e in evicted}
        assert [keys[0], keys[2]] == sorted(k for k in keys if store.contains(FID, k))

    def test_expired_entries_go(self, tmp_path):
        """max_age removes entries written longer ago, whatever their access."""
        store = Store(tmp_path)
        old, new = _save(store, 1), _save(store, 2)
        _age(store, old, accessed=0, written=7200)
        evicted = store.evict(max_age=3600)
        assert [(old, "expired")] == [(e.key, e.why) for e in evicted]
        assert store.contains(FID, new)

    def test_dry_run_deletes_nothing(self, tmp_path):
        """dry_run reports without deleting."""
        store = Store(tmp_path)
        key = _save(store, 1)
        assert [key] == [e.key for e in store.evict(size_limit=0, dry_run=True)]
        assert store.contains(FID, key)

    def test_hit_refreshes_a_stale_access_time(self, tmp_path):
        """A hit on an entry not accessed for over an hour refreshes its access time."""
        store = Store(tmp_path)
        key = _save(store, 1)
        _age(store, key, accessed=7200, written=7200)
        before = store.entry_path(FID, key).stat()
        assert b"x" * 1000 == store.load(FID, key)
        after = store.entry_path(FID, key).stat()
        assert after.st_atime > before.st_atime + 3000
        assert after.st_mtime == before.st_mtime

    def test_load_with_max_age(self, tmp_path):
        """An entry older than max_age loads as missing; a younger one loads."""
        store = Store(tmp_path)
        key = _save(store, 1)
        _age(store, key, accessed=0, written=100)
        assert store.load(FID, key, max_age=50) is MISSING
        assert b"x" * 1000 == store.load(FID, key, max_age=150)
        assert b"x" * 1000 == store.load(FID, key)

    def test_max_age_applies_to_an_entry_read_before(self, tmp_path):
        """An entry already read still expires by max_age (whatever load() keeps)."""
        store = Store(tmp_path)
        key = _save(store, 1)
        _age(store, key, accessed=0, written=100)
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
        entry = next(tmp_path.rglob("*.ckpt"))
        old = time.time() - 120
        os.utime(entry, (old, old))
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
        entry = next(tmp_path.rglob("*.ckpt"))
        written = time.time() - 30
        os.utime(entry, (written, written))
        assert f.is_cached(1)
        assert (2, 1) == f(1)
        assert [1] == calls

    @pytest.mark.parametrize("options", [{"size_limit": -1}, {"max_age": "1h"}])
    def test_bad_limits(self, options):
        """Negative or non-numeric limits raise ConfigurationError."""
        with pytest.raises(ConfigurationError):
            checkpoint(**options)(lambda x: x)
