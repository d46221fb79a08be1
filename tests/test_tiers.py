"""Tests for checkpointing.store._tiers (tiered stores, neurotools' hierarchical_cacher)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import logging
import shutil
import textwrap
import threading
import time
from pathlib import Path

import pytest

import checkpointing.store._write_back as write_back_module
from checkpointing import (
    MISSING,
    ConfigurationError,
    CorruptEntryError,
    Store,
    StoreError,
    StoreWriteWarning,
    UntrustedDirectoryError,
    checkpoint,
)
from checkpointing.store import TieredStore

from .helpers import run_python
from .strategies import make_manifest

KEY = "0123456789abcdef" * 2
OTHER_KEY = "fedcba9876543210" * 2
FID = "pkg.module.func"


def _save(store, key=KEY, payload=b"payload", **fields):
    """Save one entry in *store* (a Store or a TieredStore); return its path."""
    manifest = make_manifest(key=key, function_id=FID, **fields)
    return store.save(manifest, payload, {})


def _save_with_file(store, key=KEY, content=b"hi"):
    manifest = make_manifest(key=key, function_id=FID)
    return store.save(
        manifest, b"", {}, outputs=[("value.txt", lambda f: f.write(content))]
    )


def _stores(tmp_path, count=2):
    return [Store(tmp_path / f"tier{i}") for i in range(count)]


def _corrupt(path):
    """Flip the last byte of an entry file (its payload): a checksum mismatch."""
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _unwritable(tmp_path):
    """A store whose root lies below a regular file: every write fails (even as root)."""
    (tmp_path / "a-file").write_text("x")
    return Store(tmp_path / "a-file" / "cache")


def _gate_copies(monkeypatch):
    """Make every Store.copy_entry wait for ``release``; ``started`` says one began."""
    started = threading.Event()
    release = threading.Event()
    original = Store.copy_entry

    def gated_copy(self, target, function_id, name):
        started.set()
        release.wait(10)
        return original(self, target, function_id, name)

    monkeypatch.setattr(Store, "copy_entry", gated_copy)
    return started, release


class TestConfiguration:
    def test_needs_two_tiers(self, tmp_path):
        """One tier is a plain Store, not a hierarchy."""
        with pytest.raises(ConfigurationError, match="at least 2 tiers"):
            TieredStore([Store(tmp_path)])

    def test_write_back_values(self, tmp_path):
        """An unknown write_back= names the valid values."""
        with pytest.raises(ConfigurationError, match="'sync' or 'background'"):
            TieredStore(_stores(tmp_path), write_back="later")

    @pytest.mark.parametrize("size", [0, -1, True, 1.5])
    def test_queue_size(self, tmp_path, size):
        """queue_size= is a positive int."""
        with pytest.raises(ConfigurationError, match="queue_size"):
            TieredStore(_stores(tmp_path), queue_size=size)

    def test_attributes_and_repr(self, tmp_path):
        """root is the fastest tier's; the repr names every tier and the mode."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow], write_back="background")
        assert fast.root == tiered.root
        assert (fast, slow) == tiered.tiers
        assert fast.fsync is tiered.fsync
        assert 0 == tiered.write_back_failures
        assert f"TieredStore([{fast!r}, {slow!r}], write_back='background')" == repr(
            tiered
        )


class TestRead:
    def test_miss_everywhere(self, tmp_path):
        """No tier has the entry: MISSING, and nothing is created."""
        tiered = TieredStore(_stores(tmp_path))
        assert tiered.load(FID, KEY) is MISSING
        assert not (tmp_path / "tier0").exists()

    def test_slow_hit_is_copied_forward(self, tmp_path):
        """A hit in the slow tier lands in the fast tier; it serves once the slow copy is gone."""
        fast, slow = _stores(tmp_path)
        _save(slow, payload=b"from slow")
        assert b"from slow" == TieredStore([fast, slow]).load(FID, KEY)
        assert fast.entry_path(FID, KEY).is_file()
        assert fast.manifest(FID, KEY) == slow.manifest(FID, KEY)
        shutil.rmtree(slow.root)
        again = TieredStore([Store(fast.root), Store(slow.root)])
        assert b"from slow" == again.load(FID, KEY)

    def test_copied_into_every_faster_tier(self, tmp_path):
        """A hit in the third tier is copied into the first two."""
        tiers = _stores(tmp_path, 3)
        _save(tiers[2])
        assert b"payload" == TieredStore(tiers).load(FID, KEY)
        assert [True, True, True] == [t.contains(FID, KEY) for t in tiers]

    def test_copy_keeps_the_write_time(self, tmp_path):
        """The copy keeps the recorded write time, so max_age counts from the first write."""
        fast, slow = _stores(tmp_path)
        written = time.time() - 100
        _save(slow, created_at=written)
        tiered = TieredStore([fast, slow])
        assert b"payload" == tiered.load(FID, KEY, max_age=1000)
        assert fast.contains(FID, KEY)
        copied = fast.manifest(FID, KEY)
        assert copied is not None
        assert written == copied.created_at
        assert tiered.load(FID, KEY, max_age=50) is MISSING
        assert fast.load(FID, KEY, max_age=50) is MISSING

    def test_expired_slow_entry_is_not_copied(self, tmp_path):
        """An entry older than max_age in the slow tier is a miss, not a copy."""
        fast, slow = _stores(tmp_path)
        _save(slow, created_at=time.time() - 100)
        assert TieredStore([fast, slow]).load(FID, KEY, max_age=10) is MISSING
        assert not fast.contains(FID, KEY)

    def test_copy_needs_the_manifest_and_entry_of_one_key(self, tmp_path):
        """A named entry whose manifest names another key (a rewrite) is not copied."""
        fast, slow = _stores(tmp_path)
        _save(slow, key=KEY, name="latest", payload=b"old")
        newer = make_manifest(key=OTHER_KEY, function_id=FID, name="latest")
        slow.manifest_path(FID, "latest").write_bytes(newer.to_json())
        assert not slow.copy_entry(fast, FID, "latest")
        assert not fast.contains(FID, "latest")

    def test_result_file_changed_during_the_copy_is_not_copied(
        self, tmp_path, monkeypatch
    ):
        """A result file replaced after verification stops the copy before its entry."""
        fast, slow = _stores(tmp_path)
        _save_with_file(slow, content=b"original")
        real = slow.outputs

        def outputs_then_replace(*args, **kwargs):
            found = real(*args, **kwargs)
            (slow.files_path(FID, KEY) / "value.txt").write_bytes(b"replaced")
            return found

        monkeypatch.setattr(slow, "outputs", outputs_then_replace)
        with pytest.raises(StoreError, match="changed while it was copied"):
            slow.copy_entry(fast, FID, KEY)
        assert not fast.contains(FID, KEY)

    def test_corrupt_fast_copy_does_not_hide_slow_copy(self, tmp_path):
        """A damaged fast entry is quarantined and replaced by the good slow one."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered, payload=b"good")
        _corrupt(fast.entry_path(FID, KEY))
        reader = TieredStore([Store(fast.root), Store(slow.root)])
        assert b"good" == reader.load(FID, KEY)
        assert list((fast.root / ".quarantine").glob("*.ckpt"))
        assert b"good" == Store(fast.root).load(FID, KEY)  # repaired by the copy

    def test_corrupt_everywhere_raises(self, tmp_path):
        """With no good copy the first damage is raised (the decorator recomputes)."""
        fast, slow = _stores(tmp_path)
        _save(TieredStore([fast, slow]))
        _corrupt(fast.entry_path(FID, KEY))
        _corrupt(slow.entry_path(FID, KEY))
        reader = TieredStore([Store(fast.root), Store(slow.root)])
        with pytest.raises(CorruptEntryError) as info:
            reader.load(FID, KEY)
        assert str(fast.root) in info.value.path
        assert not fast.contains(FID, KEY)
        assert not slow.contains(FID, KEY)
        assert reader.load(FID, KEY) is MISSING  # both were moved aside

    def test_unreadable_tier_is_skipped(self, tmp_path, monkeypatch):
        """A tier that cannot be read does not hide the next tier's copy."""
        fast, slow = _stores(tmp_path)
        _save(slow)

        def failing_load(*args, **kwargs):
            raise StoreError(str(fast.root), "simulated I/O error")

        monkeypatch.setattr(fast, "load", failing_load)
        tiered = TieredStore([fast, slow])
        assert b"payload" == tiered.load(FID, KEY)
        slow.delete(FID, KEY)
        with pytest.raises(StoreError, match="simulated I/O error"):
            tiered.load(FID, KEY)

    def test_read_failure_wins_over_damage(self, tmp_path, monkeypatch):
        """Damage (moved aside) and a read failure: the read failure is raised."""
        fast, slow = _stores(tmp_path)
        _save(TieredStore([fast, slow]))
        _corrupt(fast.entry_path(FID, KEY))

        def failing_load(*args, **kwargs):
            raise StoreError(str(slow.root), "simulated I/O error")

        monkeypatch.setattr(slow, "load", failing_load)
        with pytest.raises(StoreError, match="simulated") as info:
            TieredStore([Store(fast.root), slow]).load(FID, KEY)
        assert not isinstance(info.value, CorruptEntryError)
        assert slow.entry_path(FID, KEY).is_file()  # not quarantined

    def test_untrusted_directory_propagates(self, tmp_path, monkeypatch):
        """An untrusted tier is never skipped over, even if another has the entry."""
        fast, slow = _stores(tmp_path)
        _save(slow)

        def untrusted(*args, **kwargs):
            raise UntrustedDirectoryError(str(fast.root), "writable by others")

        monkeypatch.setattr(fast, "load", untrusted)
        with pytest.raises(UntrustedDirectoryError):
            TieredStore([fast, slow]).load(FID, KEY)

    def test_failed_copy_forward_still_returns(self, tmp_path, caplog):
        """A fast tier that cannot be written: the slow value is returned, and logged."""
        slow = Store(tmp_path / "slow")
        _save(slow)
        tiered = TieredStore([_unwritable(tmp_path), slow])
        with caplog.at_level(logging.WARNING, logger="checkpointing"):
            assert b"payload" == tiered.load(FID, KEY)
        assert "cannot copy" in caplog.text

    def test_load_mapped_maps_the_fast_copy(self, tmp_path):
        """load_mapped copies forward, then maps the fast tier's file."""
        fast, slow = _stores(tmp_path)
        _save(slow, payload=b"mapped value")
        tiered = TieredStore([fast, slow])
        assert b"mapped value" == tiered.load_mapped(FID, KEY)
        assert fast.contains(FID, KEY)
        shutil.rmtree(slow.root)
        assert b"mapped value" == tiered.load_mapped(FID, KEY)

    def test_load_mapped_falls_back_to_the_slow_mapping(self, tmp_path, monkeypatch):
        """If the fresh local copy cannot be mapped, the slow tier's mapping serves."""
        fast, slow = _stores(tmp_path)
        _save_with_file(slow)
        monkeypatch.setattr(fast, "load_mapped", lambda *args, **kwargs: MISSING)
        tiered = TieredStore([fast, slow])
        payload = tiered.load_mapped(FID, KEY)
        assert fast.contains(FID, KEY)  # copied all the same
        found = tiered.outputs(FID, KEY, payload)
        assert found["value.txt"].startswith(str(slow.root))  # the serving tier

    def test_named_entry_of_other_key_is_a_miss(self, tmp_path):
        """key= is passed to every tier: a named entry holding another key is MISSING."""
        fast, slow = _stores(tmp_path)
        _save(slow, name="result")
        tiered = TieredStore([fast, slow])
        assert tiered.load(FID, "result", key=OTHER_KEY) is MISSING
        assert b"payload" == tiered.load(FID, "result", key=KEY)


class TestOutputs:
    def test_files_are_copied_forward(self, tmp_path):
        """An entry with result files arrives in the fast tier with its files."""
        fast, slow = _stores(tmp_path)
        _save_with_file(slow)
        tiered = TieredStore([fast, slow])
        payload = tiered.load(FID, KEY)
        found = tiered.outputs(FID, KEY, payload)
        assert ["value.txt"] == list(found)
        assert found["value.txt"].startswith(str(fast.root))
        assert b"hi" == fast.files_path(FID, KEY).joinpath("value.txt").read_bytes()

    def test_damaged_fast_files_fall_back(self, tmp_path):
        """If the serving tier's files are damaged, another tier's good files are used."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save_with_file(tiered)
        payload = tiered.load(FID, KEY)
        fast.files_path(FID, KEY).joinpath("value.txt").write_bytes(b"HI")
        found = tiered.outputs(FID, KEY, payload)
        assert found["value.txt"].startswith(str(slow.root))

    def test_no_good_files_anywhere(self, tmp_path):
        """Missing files in every tier raise the serving tier's CorruptEntryError."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save_with_file(tiered)
        payload = tiered.load(FID, KEY)
        for tier in (fast, slow):
            shutil.rmtree(tier.files_path(FID, KEY))
        with pytest.raises(CorruptEntryError, match="missing") as info:
            tiered.outputs(FID, KEY, payload)
        assert str(fast.root) in info.value.path


class TestWriteBack:
    def test_sync_write_reaches_every_tier(self, tmp_path):
        """With write_back="sync" the slow tier has the entry when save returns."""
        fast, slow = _stores(tmp_path)
        path = TieredStore([fast, slow]).save(
            make_manifest(key=KEY, function_id=FID), b"value", {}
        )
        assert fast.entry_path(FID, KEY) == path
        assert b"value" == Store(slow.root).load(FID, KEY)
        assert slow.manifest(FID, KEY) is not None

    def test_sync_write_copies_files(self, tmp_path):
        """Result files are written back with their entry."""
        fast, slow = _stores(tmp_path)
        _save_with_file(TieredStore([fast, slow]))
        payload = slow.load(FID, KEY)
        found = slow.outputs(FID, KEY, payload)
        assert b"hi" == Path(found["value.txt"]).read_bytes()

    def test_unwritable_slow_tier_warns(self, tmp_path):
        """A slow tier that cannot be written: a warning naming it; the fast copy serves."""
        fast = Store(tmp_path / "fast")
        slow = _unwritable(tmp_path)
        tiered = TieredStore([fast, slow])
        with pytest.warns(StoreWriteWarning, match="not written back to tier 1") as rec:
            _save(tiered)
        assert str(slow.root) in str(rec[0].message)
        assert rec[0].filename == __file__  # points at the caller, not the library
        assert 1 == tiered.write_back_failures
        assert b"payload" == tiered.load(FID, KEY)

    def test_fast_write_failure_raises(self, tmp_path):
        """If the fastest tier cannot be written, save raises and writes nothing back."""
        slow = Store(tmp_path / "slow")
        tiered = TieredStore([_unwritable(tmp_path), slow])
        with pytest.raises(StoreError):
            _save(tiered)
        assert not slow.contains(FID, KEY)

    def test_background_write_reaches_slow_tier_after_flush(self, tmp_path):
        """With write_back="background" the entry reaches the slow tier by flush()."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow], write_back="background")
        for number in range(5):
            _save(tiered, key=f"{number:032x}", payload=b"v%d" % number)
        assert tiered.flush(timeout=10)
        assert [b"v%d" % n for n in range(5)] == [
            Store(slow.root).load(FID, f"{n:032x}") for n in range(5)
        ]
        assert 0 == tiered.write_back_failures

    def test_sync_flush_is_immediate(self, tmp_path):
        """Nothing is ever queued in sync mode."""
        assert TieredStore(_stores(tmp_path)).flush(timeout=0)

    def test_bounded_queue_blocks(self, tmp_path, monkeypatch):
        """A full queue makes save wait (back-pressure), and flush() can time out."""
        started, release = _gate_copies(monkeypatch)
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow], write_back="background", queue_size=1)
        try:
            _save(tiered, key=f"{1:032x}")  # taken by the thread, which waits
            assert started.wait(5)
            _save(tiered, key=f"{2:032x}")  # fills the queue
            third = threading.Thread(target=_save, args=(tiered, f"{3:032x}"))
            third.start()
            third.join(0.3)
            assert third.is_alive()  # blocked on the full queue
            assert not tiered.flush(timeout=0.05)
        finally:
            release.set()
        third.join(5)
        assert not third.is_alive()
        assert tiered.flush(timeout=10)
        assert all(slow.contains(FID, f"{n:032x}") for n in (1, 2, 3))

    def test_background_failure_is_counted_not_raised(self, tmp_path, caplog):
        """A failed background write-back is logged and counted; the thread goes on."""
        fast = Store(tmp_path / "fast")
        tiered = TieredStore([fast, _unwritable(tmp_path)], write_back="background")
        with caplog.at_level(logging.WARNING, logger="checkpointing"):
            _save(tiered, key=f"{1:032x}")
            _save(tiered, key=f"{2:032x}")
            assert tiered.flush(timeout=10)
        assert 2 == tiered.write_back_failures
        assert "not written back to tier 1" in caplog.text
        assert fast.contains(FID, f"{2:032x}")

    def test_unexpected_error_in_thread_is_logged(self, tmp_path, monkeypatch, caplog):
        """Even a non-store error in the thread is logged and counted, never raised."""

        def broken_copy(self, target, function_id, name):
            raise RuntimeError("bug")

        monkeypatch.setattr(Store, "copy_entry", broken_copy)
        tiered = TieredStore(_stores(tmp_path), write_back="background")
        with caplog.at_level(logging.ERROR, logger="checkpointing"):
            _save(tiered)
            assert tiered.flush(timeout=10)
        assert 1 == tiered.write_back_failures
        assert "RuntimeError: bug" in caplog.text

    def test_idle_thread_exits_and_restarts(self, tmp_path, monkeypatch):
        """The write-back thread ends when idle; the next save starts a new one."""
        monkeypatch.setattr(write_back_module, "_IDLE_SECONDS", 0.01)
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow], write_back="background")
        _save(tiered, key=KEY)
        assert tiered.flush(timeout=10)
        deadline = time.monotonic() + 5
        while tiered._thread is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tiered._thread is None
        _save(tiered, key=OTHER_KEY)
        assert tiered.flush(timeout=10)
        assert slow.contains(FID, KEY)
        assert slow.contains(FID, OTHER_KEY)

    def test_entry_gone_before_write_back(self, tmp_path, monkeypatch, caplog):
        """An entry deleted from the fast tier before its write-back ran is a failure."""
        started, release = _gate_copies(monkeypatch)
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow], write_back="background")
        try:
            _save(tiered)
            assert started.wait(5)
            fast.delete(FID, KEY)
        finally:
            release.set()
        with caplog.at_level(logging.WARNING, logger="checkpointing"):
            assert tiered.flush(timeout=10)
        assert 1 == tiered.write_back_failures
        assert "no verified entry" in caplog.text
        assert not slow.contains(FID, KEY)

    def test_atexit_flushes_the_queue(self, tmp_path):
        """A script that exits right after background saves still writes them back."""
        script = tmp_path / "script.py"
        script.write_text(
            textwrap.dedent(
                """
                import sys
                import time

                from checkpointing._manifest import Manifest
                from checkpointing import Store
                from checkpointing.store import TieredStore

                original = Store.copy_entry

                def slow_copy(self, target, function_id, name):
                    time.sleep(0.2)  # longer than the script takes to exit
                    return original(self, target, function_id, name)

                Store.copy_entry = slow_copy
                fast, slow = Store(sys.argv[1]), Store(sys.argv[2])
                tiered = TieredStore([fast, slow], write_back="background")
                for number in range(3):
                    manifest = Manifest(
                        key=f"{number:032x}", function_id="pkg.f", module="pkg",
                        qualname="f", fingerprint="f" * 32,
                        arguments_digest="a" * 32, components={}, arguments={},
                        created_at=0.0, compute_seconds=0.0, value_size_bytes=2,
                        serializer="pickle", python_version="3",
                        library_version="0",
                    )
                    tiered.save(manifest, b"v%d" % number, {})
                print("SAVED", [slow.contains("pkg.f", f"{n:032x}") for n in range(3)])
                """
            )
        )
        fast, slow = tmp_path / "fast", tmp_path / "slow"
        completed = run_python([str(script), str(fast), str(slow)], cwd=tmp_path)
        assert "SAVED [False, False, False]" in completed.stdout  # still queued
        store = Store(slow)
        assert [b"v0", b"v1", b"v2"] == [
            store.load("pkg.f", f"{n:032x}") for n in range(3)
        ]


class TestEviction:
    def test_evicts_the_fast_tier_only(self, tmp_path):
        """Size limits apply to the fast tier; the slow tier keeps everything."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered, key=KEY)
        _save(tiered, key=OTHER_KEY)
        evicted = tiered.evict(size_limit=0)
        assert {KEY, OTHER_KEY} == {e.key for e in evicted}
        assert not fast.contains(FID, KEY)
        assert slow.contains(FID, KEY)
        assert b"payload" == tiered.load(FID, KEY)  # copied forward again
        assert fast.contains(FID, KEY)

    def test_evict_if_due_is_rate_limited(self, tmp_path):
        """The first call evicts; the next within the interval does nothing."""
        tiered = TieredStore(_stores(tmp_path))
        _save(tiered)
        assert 1 == len(tiered.evict_if_due(size_limit=0, max_age=None))
        _save(tiered)
        assert [] == tiered.evict_if_due(size_limit=0, max_age=None)

    def test_pending_write_back_is_not_evicted(self, tmp_path, monkeypatch):
        """An entry still waiting for its write-back is protected from eviction."""
        started, release = _gate_copies(monkeypatch)
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow], write_back="background")
        try:
            _save(tiered)
            assert started.wait(5)
            assert [] == tiered.evict(size_limit=0)
        finally:
            release.set()
        assert tiered.flush(timeout=10)
        assert slow.contains(FID, KEY)
        assert 1 == len(tiered.evict(size_limit=0))


class TestDelegation:
    def test_clear_clears_every_tier(self, tmp_path):
        """clear() empties both tiers and returns the largest per-tier count."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered, key=KEY)
        _save(slow, key=OTHER_KEY)
        assert 2 == tiered.clear(FID)
        assert [] == fast.manifests(FID)
        assert [] == slow.manifests(FID)
        assert tiered.load(FID, KEY) is MISSING

    def test_clear_raises_after_trying_every_tier(self, tmp_path, monkeypatch):
        """A tier that cannot be cleared does not stop the others."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered)

        def failing_clear(function_id=None):
            raise StoreError(str(fast.root), "simulated")

        monkeypatch.setattr(fast, "clear", failing_clear)
        with pytest.raises(StoreError, match="simulated"):
            tiered.clear()
        assert not slow.contains(FID, KEY)

    def test_delete_raises_after_trying_every_tier(self, tmp_path, monkeypatch):
        """A tier that cannot delete does not stop the others."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered)

        def failing_delete(function_id, key):
            raise StoreError(str(fast.root), "simulated")

        monkeypatch.setattr(fast, "delete", failing_delete)
        with pytest.raises(StoreError, match="simulated"):
            tiered.delete(FID, KEY)
        assert not slow.contains(FID, KEY)

    def test_delete_and_quarantine_every_tier(self, tmp_path):
        """delete() and quarantine() act on every tier."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered, key=KEY)
        _save(tiered, key=OTHER_KEY)
        assert tiered.delete(FID, KEY)
        assert not tiered.contains(FID, KEY)
        assert not tiered.delete(FID, KEY)
        moved = tiered.quarantine(FID, OTHER_KEY)
        assert moved is not None
        assert str(fast.root) in str(moved)
        assert not slow.contains(FID, OTHER_KEY)
        assert tiered.quarantine(FID, OTHER_KEY) is None

    def test_reads_come_from_the_tier_that_has_it(self, tmp_path):
        """manifest, paths, is_valid and blob find an entry only the slow tier has."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        assert tiered.manifest(FID, KEY) is None
        assert fast.entry_path(FID, KEY) == tiered.entry_path(FID, KEY)
        assert not tiered.is_valid(FID, KEY)
        manifest = make_manifest(key=KEY, function_id=FID)
        slow.save(manifest, b"value", {"b" * 32: "def f(): pass\n"})
        assert manifest == tiered.manifest(FID, KEY)
        assert slow.entry_path(FID, KEY) == tiered.entry_path(FID, KEY)
        assert slow.manifest_path(FID, KEY) == tiered.manifest_path(FID, KEY)
        assert slow.files_path(FID, KEY) == tiered.files_path(FID, KEY)
        assert tiered.is_valid(FID, KEY)
        assert not tiered.is_valid(FID, KEY, max_age=-1)
        assert "def f(): pass\n" == tiered.blob("b" * 32)
        assert tiered.blob("c" * 32) is None
        assert not fast.contains(FID, KEY)  # none of these copied anything

    def test_is_valid_skips_an_unreadable_tier(self, tmp_path, monkeypatch):
        """is_valid answers from the next tier when one cannot be read."""
        fast, slow = _stores(tmp_path)
        _save(slow)

        def failing_load(*args, **kwargs):
            raise StoreError(str(fast.root), "simulated")

        monkeypatch.setattr(fast, "load", failing_load)
        assert TieredStore([fast, slow]).is_valid(FID, KEY, key=KEY)

    def test_damaged_manifest_does_not_hide_a_good_one(self, tmp_path):
        """A damaged fast manifest falls back to the slow one; damaged everywhere raises."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered)
        fast.manifest_path(FID, KEY).write_text("{not json")
        assert KEY == tiered.manifest(FID, KEY).key
        slow.manifest_path(FID, KEY).write_text("{not json")
        with pytest.raises(CorruptEntryError):
            tiered.manifest(FID, KEY)

    def test_listings_are_unions(self, tmp_path):
        """function_ids, manifests and manifest files cover every tier, each once."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered, key=KEY, created_at=2.0)
        _save(slow, key=OTHER_KEY, created_at=1.0)
        slow.save(make_manifest(key=KEY, function_id="other.func"), b"x", {})
        assert ["other.func", FID] == tiered.function_ids()
        assert [OTHER_KEY, KEY] == [m.key for m in tiered.manifests(FID)]
        assert 2 == len(list(tiered.iter_manifest_files(FID)))
        assert fast.size_bytes(FID) == tiered.size_bytes(FID)

    def test_names_are_unions(self, tmp_path):
        """manifest_names and entry_names cover every tier, each name once."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(tiered, key=KEY)
        _save(slow, key=OTHER_KEY)
        fast.save(make_manifest(key="ab" * 16, function_id=FID), b"x", {})
        slow.manifest_path(FID, OTHER_KEY).unlink()
        assert [KEY, "ab" * 16] == tiered.manifest_names(FID)
        assert [KEY, "ab" * 16, OTHER_KEY] == tiered.entry_names(FID)

    def test_raw_manifest_from_the_fastest_tier_that_has_one(
        self, tmp_path, monkeypatch
    ):
        """read_manifest_bytes and manifest_modified skip a tier without it or failing."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        _save(slow)
        raw = slow.manifest_path(FID, KEY).read_bytes()
        modified = slow.manifest_path(FID, KEY).stat().st_mtime
        assert raw == tiered.read_manifest_bytes(FID, KEY)
        assert modified == tiered.manifest_modified(FID, KEY)
        assert str(slow.manifest_path(FID, KEY)) == tiered.manifest_location(FID, KEY)
        assert tiered.read_manifest_bytes(FID, OTHER_KEY) is None
        assert tiered.manifest_modified(FID, OTHER_KEY) is None

        def failing(*args):
            raise StoreError(str(fast.root), "simulated")

        monkeypatch.setattr(fast, "read_manifest_bytes", failing)
        monkeypatch.setattr(fast, "manifest_modified", failing)
        assert raw == tiered.read_manifest_bytes(FID, KEY)
        assert modified == tiered.manifest_modified(FID, KEY)
        with pytest.raises(StoreError, match="simulated"):
            tiered.read_manifest_bytes(FID, OTHER_KEY)
        with pytest.raises(StoreError, match="simulated"):
            tiered.manifest_modified(FID, OTHER_KEY)

    def test_nearest_manifests_from_the_fastest_tier_that_knows(self, tmp_path):
        """The fast tier answers when it has any manifest; else the slow one."""
        fast, slow = _stores(tmp_path)
        tiered = TieredStore([fast, slow])
        assert [] == tiered.nearest_manifests(FID, "a" * 32, "f" * 32)
        _save(slow, key=OTHER_KEY)
        assert [OTHER_KEY] == [
            m.key for m in tiered.nearest_manifests(FID, "a" * 32, "f" * 32)
        ]
        _save(fast, key=KEY)
        assert [KEY] == [
            m.key for m in tiered.nearest_manifests(FID, "a" * 32, "f" * 32)
        ]

    def test_record_hit_goes_to_the_fast_tier(self, tmp_path, monkeypatch):
        """Hits are counted in the fastest tier's catalog."""
        fast, slow = _stores(tmp_path)
        seen = []
        monkeypatch.setattr(fast, "record_hit", seen.append)
        TieredStore([fast, slow]).record_hit(FID)
        assert [FID] == seen


class CallLog(list):
    """Records calls; a constant digest keeps it out of the key (see test_decorator)."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


def _wait_for(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class TestDecoratorTiers:
    def test_lost_fast_directory_is_refilled_from_slow(self, tmp_path):
        """A hit served by the slow tier is copied forward; the body runs once."""
        fast, slow = tmp_path / "fast", tmp_path / "slow"
        calls = CallLog()

        @checkpoint(directory=[fast, slow], write_back="sync")
        def square(x):
            calls.append(x)
            return x * x

        assert 9 == square(3)
        assert list(slow.rglob("*.ckpt"))  # written back
        shutil.rmtree(fast)
        assert 9 == square(3)
        assert [3] == calls
        assert list(fast.rglob("*.ckpt"))  # copied forward
        assert fast == square.directory

    def test_slow_only_reader_sees_background_write_back(self, tmp_path):
        """A function using only the slow directory hits what the tiers wrote back."""
        fast, slow = tmp_path / "fast", tmp_path / "slow"
        calls = CallLog()

        def cube(x):
            calls.append(x)
            return x**3

        tiered = checkpoint(directory=[fast, slow], write_back="background")(cube)
        assert 8 == tiered(2)
        assert _wait_for(lambda: list(slow.rglob("*.json")))
        slow_only = checkpoint(directory=slow)(cube)
        assert 8 == slow_only(2)
        assert [2] == calls

    def test_bad_write_back_is_rejected(self, tmp_path):
        """write_back= is checked at decoration time."""
        with pytest.raises(ConfigurationError, match="write_back"):
            checkpoint(directory=[tmp_path / "a", tmp_path / "b"], write_back="no")(len)
