"""Lazy results (``fn.lazy``, ``lazy=True``) and memory-mapped hits (``mmap_mode=``)."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import mmap
import pickle
import subprocess
import sys
import textwrap

import pytest

from checkpointing import (
    CacheReadWarning,
    ConfigurationError,
    LazyResult,
    StoreError,
    checkpoint,
)


class CallLog(list):
    """A call log with a constant digest, so appending keeps the fingerprint."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


class TestLazy:
    def test_miss_then_hit_return_handles_and_load_on_demand(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path)
        def big(n):
            calls.append(n)
            return list(range(n))

        first = big.lazy(5)
        assert isinstance(first, LazyResult)
        assert [5] == calls
        second = big.lazy(5)
        assert not second.loaded  # a hit does not read the value
        assert [0, 1, 2, 3, 4] == second.load()
        assert second.loaded
        assert [5] == calls
        assert second.path.is_file()
        assert second.path.parent.parent == tmp_path
        manifest = second.manifest
        assert manifest is not None
        assert "5" == manifest.arguments["n"].summary
        assert second.key == big.key(5)

    def test_lazy_option_makes_every_call_lazy(self, tmp_path):
        @checkpoint(directory=tmp_path, lazy=True)
        def f(x):
            return x + 1

        handle = f(1)
        assert isinstance(handle, LazyResult)
        assert 2 == handle.load()
        assert 2 == f.using(lazy=False)(1)

    def test_handle_pickles_small_and_loads_in_another_process(self, tmp_path):
        @checkpoint(directory=tmp_path)
        def payload(n):
            return b"x" * n

        handle = payload.lazy(1_000_000)
        data = pickle.dumps(handle)
        assert len(data) < 2_000  # names, not the megabyte
        script = textwrap.dedent(
            """
            import pickle, sys
            handle = pickle.loads(sys.stdin.buffer.read())
            sys.stdout.write(str(len(handle.load())))
            """
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=data,
            capture_output=True,
            check=True,
        )
        assert b"1000000" == done.stdout

    def test_entry_gone_is_recomputed_in_process(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path)
        def f(x):
            calls.append(x)
            return x * 3

        f(2)
        handle = f.lazy(2)
        f.clear()
        assert 6 == handle.load()
        assert [2, 2] == calls

    def test_unpickled_handle_with_entry_gone_says_what_to_do(self, tmp_path):
        @checkpoint(directory=tmp_path)
        def f(x):
            return x

        handle = pickle.loads(pickle.dumps(f.lazy(2)))
        f.clear()
        with pytest.raises(StoreError, match="call the function again"):
            handle.load()

    def test_unstorable_value_lives_in_the_handle(self, tmp_path):
        import threading

        @checkpoint(directory=tmp_path)
        def f():
            return threading.Lock()

        with pytest.warns(Warning, match="not stored"):
            handle = f.lazy()
        assert handle.loaded

    def test_async_lazy(self, tmp_path):
        import asyncio

        @checkpoint(directory=tmp_path)
        async def f(x):
            return x * 2

        handle = asyncio.run(f.lazy(4))
        assert 8 == handle.load()


np = pytest.importorskip("numpy")


def _mapped(array) -> bool:
    base = array
    while base is not None:
        if isinstance(base, mmap.mmap):
            return True
        base = (
            getattr(base, "base", None)
            if not isinstance(base, memoryview)
            else base.obj
        )
    return False


def _stored_bytes(directory) -> dict[str, bytes]:
    """The bytes of every entry and result file under *directory*, by path."""
    return {
        str(path): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.suffix in (".ckpt", ".npy")
    }


class TestMmapMode:
    def test_read_only_hit_maps_the_arrays(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path, mmap_mode="r")
        def make(n):
            calls.append(n)
            return {"weights": np.arange(n, dtype=np.float64), "n": n}

        first = make(200_000)
        hit = make(200_000)
        assert [200_000] == calls
        np.testing.assert_array_equal(first["weights"], hit["weights"])
        assert _mapped(hit["weights"])
        assert not hit["weights"].flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            hit["weights"][0] = 1.0

    @pytest.mark.parametrize("serializer", [None, "numpy"])
    @pytest.mark.parametrize("mode", ["r", "c"])
    def test_hit_is_a_map_that_never_changes_the_stored_file(
        self, tmp_path, mode, serializer
    ):
        """A hit maps the stored file: "r" refuses writes, "c" keeps them in memory."""
        calls = CallLog()
        options = {} if serializer is None else {"serializer": serializer}

        @checkpoint(directory=tmp_path, mmap_mode=mode, **options)
        def make():
            calls.append(1)
            return np.zeros(100_000)

        make()
        stored = _stored_bytes(tmp_path)
        assert stored  # the entry (and, for numpy, its .npy file)
        hit = make()
        assert [1] == calls
        assert _mapped(hit)
        if mode == "r":
            assert not hit.flags.writeable
            with pytest.raises(ValueError, match="read-only"):
                hit[:] = 7.0
        else:
            assert hit.flags.writeable
            hit[:] = 7.0
            assert 7.0 == hit[-1]  # the write took effect in this process...
        assert stored == _stored_bytes(tmp_path)  # ...and never reached the file
        again = make()
        assert [1] == calls
        assert _mapped(again)
        np.testing.assert_array_equal(np.zeros(100_000), again)

    def test_per_call_mmap(self, tmp_path):
        @checkpoint(directory=tmp_path)
        def make():
            return np.ones(100_000)

        make()
        assert _mapped(make.using(mmap_mode="r")())
        assert not _mapped(make())

    def test_damaged_stream_is_detected_and_recomputed(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path, mmap_mode="r")
        def make():
            calls.append(1)
            return [np.ones(100_000), "tail"]

        make()
        entry = next(p for p in tmp_path.rglob("*.ckpt"))
        data = bytearray(entry.read_bytes())
        index = data.index(b"tail")
        data[index] = ord("T")
        entry.write_bytes(bytes(data))
        with pytest.warns(CacheReadWarning):
            value = make()
        assert "tail" == value[1]
        assert 2 == len(calls)

    def test_truncated_entry_is_detected(self, tmp_path):
        @checkpoint(directory=tmp_path, mmap_mode="r")
        def make():
            return np.ones(100_000)

        make()
        entry = next(p for p in tmp_path.rglob("*.ckpt"))
        entry.write_bytes(entry.read_bytes()[:-100])
        with pytest.warns(CacheReadWarning):
            np.testing.assert_array_equal(np.ones(100_000), make())

    def test_signed_store_verifies_everything(self, tmp_path):
        @checkpoint(directory=tmp_path, mmap_mode="r", hmac_key=b"secret")
        def make():
            return np.ones(100_000)

        make()
        np.testing.assert_array_equal(np.ones(100_000), make())

    @pytest.mark.parametrize("mode", ["r+", "w+", "rw", 1])
    def test_writing_modes_refused(self, mode):
        with pytest.raises(ConfigurationError, match="mmap_mode"):
            checkpoint(mmap_mode=mode)(lambda: 1)  # type: ignore[call-overload]


class TestMmapModeVerifiesWhatItDoesNotMap:
    def test_pickled_result_without_arrays_is_fully_verified(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path, mmap_mode="r")
        def make():
            calls.append(1)
            return {"label": "original"}

        make()
        entry = next(tmp_path.rglob("*.ckpt"))
        data = entry.read_bytes().replace(b"original", b"ORIGINAL")
        entry.write_bytes(data)
        with pytest.warns(CacheReadWarning, match="checksum"):
            assert {"label": "original"} == make()
        assert 2 == len(calls)

    def test_result_files_that_are_not_mapped_are_checksummed(self, tmp_path):
        @checkpoint(directory=tmp_path, serializer="json", mmap_mode="r")
        def make():
            return {"label": "original"}

        make()
        stored = next(tmp_path.rglob("value.json"))
        stored.write_text(stored.read_text("utf-8").replace("original", "ORIGINAL"))
        with pytest.warns(CacheReadWarning, match="checksum"):
            assert {"label": "original"} == make()
