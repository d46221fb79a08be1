"""Tests for checkpointing._flow: one call flow, driven for sync and async calls."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import asyncio

import pytest

from checkpointing import checkpoint


class CallLog(list):
    """Records calls; a constant digest keeps it out of the key (see test_decorator)."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


def _lock_is_free(cp, *args) -> bool:
    """Whether another caller could take the key's lock of this call at once."""
    plan = cp._plan(args, {})
    lock = cp._store().lock(plan.function_id, plan.name, 0)
    lock.acquire()
    try:
        return lock.acquired and not lock.contended
    finally:
        lock.release()


class TestSync:
    def test_error_of_the_function_propagates_and_frees_the_lock(self, cache_dir):
        @checkpoint
        def fail(x):
            raise KeyError(x)

        with pytest.raises(KeyError) as info:
            fail(1)
        assert (1,) == info.value.args
        assert _lock_is_free(fail, 1)

    def test_stop_iteration_stays_itself(self, cache_dir):
        """The flow is a generator; the function's StopIteration is not turned
        into a RuntimeError (PEP 479) on its way out."""

        @checkpoint
        def stop(x):
            raise StopIteration(x)

        with pytest.raises(StopIteration):
            stop(1)
        assert _lock_is_free(stop, 1)

    def test_miss_then_hit(self, cache_dir):
        calls = CallLog()

        @checkpoint
        def double(x):
            calls.append(x)
            return 2 * x

        assert (4, 4) == (double(2), double(2))
        assert [2] == calls


class TestAsync:
    def test_miss_then_hit(self, cache_dir):
        calls = CallLog()

        @checkpoint
        async def double(x):
            calls.append(x)
            await asyncio.sleep(0)
            return 2 * x

        assert 4 == asyncio.run(double(2))
        assert 4 == asyncio.run(double(2))
        assert [2] == calls

    def test_error_of_the_function_propagates_and_frees_the_lock(self, cache_dir):
        @checkpoint
        async def fail(x):
            await asyncio.sleep(0)
            raise KeyError(x)

        with pytest.raises(KeyError):
            asyncio.run(fail(1))
        assert _lock_is_free(fail, 1)

    def test_cancelled_call_frees_the_lock(self, cache_dir):
        @checkpoint
        async def slow(x):
            await asyncio.sleep(60)
            return x

        async def main():
            task = asyncio.create_task(slow(1))
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(main())
        assert _lock_is_free(slow, 1)
