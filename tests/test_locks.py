"""Tests for checkpointing.store._locks and single-flight calls."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from checkpointing import ConfigurationError, LockTimeoutWarning, Store, checkpoint

KEY = "0123456789abcdef" * 2


class Counter:
    """A thread-safe call counter the fingerprint identifies by a constant digest."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1

    def __checkpoint_digest__(self) -> str:
        return "counter"


class TestKeyLock:
    def test_exclusive_and_released(self, tmp_path):
        """A second holder of the same key waits; after release it gets the lock."""
        first = Store(tmp_path).lock("m.f", KEY, timeout=0)
        second = Store(tmp_path).lock("m.f", KEY, timeout=0)
        assert first.acquire()
        assert not second.acquire()
        assert second.contended
        first.release()
        assert second.acquire()
        second.release()

    def test_other_keys_do_not_wait(self, tmp_path):
        """Locks of different keys are independent."""
        first = Store(tmp_path).lock("m.f", KEY, timeout=0)
        other = Store(tmp_path).lock("m.f", "f" * 32, timeout=0)
        assert first.acquire()
        assert other.acquire()
        assert not other.contended
        first.release()
        other.release()

    def test_unwritable_root_is_not_acquired(self, tmp_path):
        """Where no lock file can exist, the lock is simply not held (no exception)."""
        blocker = tmp_path / "file"
        blocker.write_text("x")
        lock = Store(blocker / "cache").lock("m.f", KEY, timeout=0)
        assert not lock.acquire()
        lock.release()


class TestSingleFlight:
    def test_threads_compute_once(self, checkpoint_dir):
        """Eight threads asking for the same call compute it once and all get the value."""
        counter = Counter()

        @checkpoint
        def slow(x):
            counter.add()
            time.sleep(0.2)
            return x * 2

        results = []
        threads = [
            threading.Thread(target=lambda: results.append(slow(21))) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [42] * 8 == results
        assert 1 == counter.count

    def test_timeout_computes_and_warns(self, checkpoint_dir):
        """A holder that outlasts lock_timeout: the waiter computes anyway, with a warning."""
        counter = Counter()

        @checkpoint(lock_timeout=0.1)
        def f(x):
            counter.add()
            return x + 1

        held = Store(f.directory).lock(f._function_id, f.key(1), timeout=0)
        assert held.acquire()
        try:
            with pytest.warns(LockTimeoutWarning, match="waited"):
                assert 2 == f(1)
        finally:
            held.release()
        assert 1 == counter.count
        assert 2 == f(1)  # stored by the waiter
        assert 1 == counter.count

    def test_async_waits_without_blocking_the_loop(self, checkpoint_dir):
        """Concurrent coroutines of one call compute it once."""
        counter = Counter()

        @checkpoint
        async def f(x):
            counter.add()
            await asyncio.sleep(0.2)
            return x * 3

        async def main():
            return await asyncio.gather(*(f(2) for _ in range(4)))

        assert [6] * 4 == asyncio.run(main())
        assert 1 == counter.count

    @pytest.mark.parametrize("value", [-1, "soon", True])
    def test_bad_lock_timeout(self, value):
        """lock_timeout must be a non-negative number of seconds."""
        with pytest.raises(ConfigurationError, match="lock_timeout"):
            checkpoint(lock_timeout=value)(lambda x: x)
