"""
``checkpointing.Store``: write and read latency from 1 KiB to 100 MiB.

For each payload size, one group compares:

* ``save`` with ``fsync=False`` (the default) and ``fsync=True``: header +
  checksum, temporary file, ``os.replace`` for the entry, then the manifest
  the same way. Every round writes a new key, as a miss does; the previous
  round's files are deleted in the (untimed) setup so 100 MiB rounds do not
  pile up on disk;
* ``load``: open, read, verify header and xxh3-64 checksum, return the payload
  bytes (the file is in the page cache: this is a warm read);
* ``raw`` references with the same bytes: ``mkstemp + write + os.replace`` of
  one new file (and with ``fsync``), and ``open().read()``, i.e. what the
  store costs on top of the file system.
"""

# ruff: noqa: PTH105, PTH108, PTH118, PTH123
# (the raw references use os-level calls on purpose: they are the floor being measured)
from __future__ import annotations

import itertools
import os
import tempfile
import time

import pytest

from checkpointing import Manifest, Store

SIZES = {"1 KiB": 1 << 10, "1 MiB": 1 << 20, "100 MiB": 100 << 20}
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
def payloads():
    """Incompressible payloads of every size, built once."""
    return {name: os.urandom(size) for name, size in SIZES.items()}


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
    store = Store(tmp_path / "store", fsync=fsync)
    payload = payloads[size]
    keys = (f"{n:032x}" for n in itertools.count())
    written = []

    def setup():
        while written:  # untimed: keep at most one 100 MiB entry on disk
            store.delete(FUNCTION_ID, written.pop())
        key = next(keys)
        written.append(key)
        return (_manifest(len(payload), key), payload, {}), {}

    benchmark.pedantic(store.save, setup=setup, **_rounds(len(payload), fsync=fsync))
    assert store.load(FUNCTION_ID, written[0]) == payload


@pytest.mark.parametrize("size", list(SIZES))
def test_store_load(benchmark, tmp_path, payloads, size):
    """``Store.load``: read the entry, verify header and checksum, return the payload."""
    benchmark.group = f"store: {size}"
    store = Store(tmp_path / "store")
    payload = payloads[size]
    store.save(_manifest(len(payload)), payload, {})
    result = benchmark.pedantic(
        store.load, args=(FUNCTION_ID, KEY), **_rounds(len(payload), fsync=False)
    )
    assert len(result) == len(payload)


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
    written = []

    def setup():
        while written:
            os.unlink(written.pop())
        path = next(names)
        written.append(path)
        return (directory, path, payload), {"fsync": fsync}

    benchmark.pedantic(_raw_write, setup=setup, **_rounds(len(payload), fsync=fsync))


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
    assert len(result) == len(payloads[size])
