"""
``checkpointing.Store``: write and read latency from 1 KiB to 100 MiB.

For each payload size, one group compares:

* ``save`` with ``fsync=False`` (the default) and ``fsync=True``: header +
  checksum, temporary file, ``os.replace`` for the entry, then the manifest
  the same way. Every round writes a new key, as a miss does; the previous
  round's files are deleted in the (untimed) setup so 100 MiB rounds do not
  pile up on disk;
* ``load`` from a new ``Store`` object each round: open, read, verify header
  and xxh3-64 checksum, return the payload (the file is in the page cache:
  a warm read). This is the work of the first hit of an entry in a process;
* ``load`` repeated on one ``Store``: what later hits pay. Small entries
  (64 KiB and less in this tree) are then served from the bytes the store
  kept after one ``stat``, once the file is a few seconds old (the entry is
  aged ``benchlib.AGE_SECONDS`` before timing); larger ones are read again;
* ``raw`` references with the same bytes: ``mkstemp + write + os.replace`` of
  one new file (and with ``fsync``), and ``open().read()``, i.e. what the
  store costs on top of the file system.

Checked outside the timed region: every entry a timed ``save`` wrote loads
back equal through a new ``Store`` (nothing in memory), every timed ``load``
returned the payload, every raw write left a file of the right size. Under
``--benchmark-disable`` the payloads are small (the ids keep their names).
"""

# ruff: noqa: PTH105, PTH108, PTH116, PTH118, PTH123
# (the raw references use os-level calls on purpose: they are the floor being measured)
from __future__ import annotations

import itertools
import os
import tempfile
import time

import pytest
from benchlib import age

from checkpointing import Manifest, Store

SIZES = {"1 KiB": 1 << 10, "1 MiB": 1 << 20, "100 MiB": 100 << 20}
#: Sizes used by the smoke run (``--benchmark-disable``), by the same names.
SMOKE_SIZES = {"1 KiB": 1 << 10, "1 MiB": 8 << 10, "100 MiB": 96 << 10}

FUNCTION_ID = "bench.store"
KEY = "0123456789abcdef0123456789abcdef"


def _rounds(size: int, *, fsync: bool) -> dict[str, int]:
    """Fixed rounds for the large cases (each 100 MiB round writes 100 MiB)."""
    if size >= 100 << 20:
        return {"rounds": 5 if fsync else 10, "warmup_rounds": 1}
    if fsync:
        return {"rounds": 50, "warmup_rounds": 2}
    return {"rounds": 200, "warmup_rounds": 5}


@pytest.fixture(scope="module")
def payloads(smoke):
    """Incompressible payloads of every size, built once."""
    sizes = SMOKE_SIZES if smoke else SIZES
    return {name: os.urandom(size) for name, size in sizes.items()}


def _manifest(size: int, key: str = KEY) -> Manifest:
    return Manifest(
        key=key,
        function_id=FUNCTION_ID,
        module="bench",
        qualname="store",
        fingerprint="0" * 32,
        arguments_digest="1" * 32,
        components={},
        arguments={},
        created_at=time.time(),
        compute_seconds=0.0,
        value_size_bytes=size,
        serializer="pickle",
        python_version="3",
        library_version="0",
    )


@pytest.mark.parametrize("fsync", [False, True], ids=["fsync-off", "fsync-on"])
@pytest.mark.parametrize("size", list(SIZES))
def test_store_save(benchmark, tmp_path, payloads, size, fsync):
    """``Store.save`` of a new key: entry (header + payload) and manifest, each atomic."""
    benchmark.group = f"store: {size}"
    root = tmp_path / "store"
    store = Store(root, fsync=fsync)
    payload = payloads[size]
    keys = (f"{n:032x}" for n in itertools.count())
    written: list[str] = []
    checked = 0

    def check_and_delete():
        nonlocal checked
        while written:  # untimed: keep at most one 100 MiB entry on disk
            key = written.pop()
            assert Store(root).load(FUNCTION_ID, key) == payload, "not stored"
            checked += 1
            store.delete(FUNCTION_ID, key)

    def setup():
        check_and_delete()
        key = next(keys)
        written.append(key)
        return (_manifest(len(payload), key), payload, {}), {}

    benchmark.pedantic(store.save, setup=setup, **_rounds(len(payload), fsync=fsync))
    check_and_delete()
    assert checked >= 1


@pytest.mark.parametrize("size", list(SIZES))
def test_store_load(benchmark, tmp_path, payloads, size):
    """``Store.load`` from a new ``Store`` each round: read, verify header and checksum."""
    benchmark.group = f"store: {size}"
    root = tmp_path / "store"
    payload = payloads[size]
    Store(root).save(_manifest(len(payload)), payload, {})
    loaded: list = []
    checked = 0

    def check():
        nonlocal checked
        while loaded:  # untimed; one result at a time (100 MiB each)
            assert loaded.pop() == payload
            checked += 1

    def setup():
        check()
        return (Store(root), FUNCTION_ID, KEY), {}

    def load(store, function_id, key):
        loaded.append(store.load(function_id, key))

    benchmark.pedantic(load, setup=setup, **_rounds(len(payload), fsync=False))
    check()
    assert checked >= 1


@pytest.fixture(scope="module")
def aged_store(tmp_path_factory, payloads, smoke):
    """A store holding one entry per size, written :data:`AGE_SECONDS` ago."""
    store = Store(tmp_path_factory.mktemp("aged") / "store")
    keys = {}
    for index, (name, payload) in enumerate(payloads.items()):
        keys[name] = f"{index + 1:032x}"
        store.save(_manifest(len(payload), keys[name]), payload, {})
    age(time.monotonic(), smoke=smoke)
    return store, keys


@pytest.mark.parametrize("size", list(SIZES))
def test_store_load_repeated(benchmark, aged_store, payloads, size):
    """``Store.load`` again on the same ``Store`` (what later hits pay; see the docstring)."""
    benchmark.group = f"store: {size}"
    store, keys = aged_store
    payload = payloads[size]
    assert store.load(FUNCTION_ID, keys[size]) == payload
    result = benchmark.pedantic(
        store.load, args=(FUNCTION_ID, keys[size]), **_rounds(len(payload), fsync=False)
    )
    assert result == payload


def _raw_write(directory: str, path: str, payload: bytes, *, fsync: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "wb") as file:
        file.write(payload)
        if fsync:
            file.flush()
            os.fsync(file.fileno())
    os.replace(tmp, path)


@pytest.mark.parametrize("fsync", [False, True], ids=["fsync-off", "fsync-on"])
@pytest.mark.parametrize("size", list(SIZES))
def test_raw_write_replace(benchmark, tmp_path, payloads, size, fsync):
    """Reference: ``mkstemp + write (+ fsync) + os.replace`` of the same bytes to a new name."""
    benchmark.group = f"store: {size}"
    payload = payloads[size]
    directory = os.fspath(tmp_path)
    names = (os.path.join(directory, f"raw{n}.bin") for n in itertools.count())
    written: list[str] = []
    checked = 0

    def check_and_delete():
        nonlocal checked
        while written:
            path = written.pop()
            assert os.stat(path).st_size == len(payload)
            checked += 1
            os.unlink(path)

    def setup():
        check_and_delete()
        path = next(names)
        written.append(path)
        return (directory, path, payload), {"fsync": fsync}

    benchmark.pedantic(_raw_write, setup=setup, **_rounds(len(payload), fsync=fsync))
    check_and_delete()
    assert checked >= 1


def _raw_read(path: str) -> bytes:
    with open(path, "rb") as file:
        return file.read()


@pytest.mark.parametrize("size", list(SIZES))
def test_raw_read(benchmark, tmp_path, payloads, size):
    """Reference: ``open().read()`` of a file of the same size (page cache, warm)."""
    benchmark.group = f"store: {size}"
    path = tmp_path / "raw.bin"
    path.write_bytes(payloads[size])
    result = benchmark.pedantic(
        _raw_read, args=(os.fspath(path),), **_rounds(len(payloads[size]), fsync=False)
    )
    assert result == payloads[size]
