"""
Two processes on one bucket, at the store level (issue 14): no torn reads, no half entries.

A writer subprocess and a reader share one ``Store`` over ``s3://`` on the
moto server of ``tests/s3_server.py``; the subprocess reaches the server
through the environment alone (``S3Server.env``: fsspec's
``FSSPEC_S3_ENDPOINT_URL`` and the fake credentials), as a worker would.

* Torn reads are impossible: while one process rewrites one named entry with
  payloads from 1 B to 8 MiB, every load in another process is either
  ``MISSING`` or one whole payload of one write.
* A ``kill -9`` in the middle of a remote write leaves nothing a fresh store
  sees as an entry: no object until the upload completes (S3 publishes an
  object whole or not at all, a multipart upload only when completed), so
  the entry is ``MISSING``, every listed entry verifies, and a new save works.

The store classes are used directly (``Store.over(FsspecFileSystem(...))``),
below the decorator. All tests here are slow (subprocesses, up to 160 MiB).
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from checkpointing import MISSING, CorruptEntryError, Store, StoreError
from checkpointing.store import FsspecFileSystem

from .strategies import make_manifest

pytestmark = pytest.mark.slow

FID = "pkg.module.shared"
NAME = "shared-entry"
MiB = 1 << 20
#: Payload sizes the writer cycles through (1 B .. 8 MiB).
SIZES = [1, 7, 16, 1000, 64 * 1024 + 3, MiB, 3 * MiB + 1, 8 * MiB]
#: Seconds the torn-read test lets the writer and the reader race.
RACE_SECONDS = 12.0


def payload(number: int, size: int) -> bytes:
    """Bytes of write *number*: its (number, size) header repeated, cut at *size*."""
    if size < 16:
        return bytes([size]) * size  # too small for a header: its size repeated
    head = struct.pack("<QQ", number, size)
    return (head * (size // 16 + 1))[:size]


WRITER = """
import sys, time

import fsspec

from checkpointing.store import FsspecFileSystem
from checkpointing import Store
from tests.strategies import make_manifest
from tests.test_s3_store_processes import payload

root, seconds, sizes = sys.argv[1], float(sys.argv[2]), sys.argv[3]
sizes = [int(s) for s in sizes.split(",")]
# The endpoint comes from FSSPEC_S3_ENDPOINT_URL (fsspec's config), as on a worker.
fs = fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False)
store = Store.over(FsspecFileSystem(fs, root))
deadline = time.monotonic() + seconds
number = 0
while time.monotonic() < deadline:
    size = sizes[number % len(sizes)]
    manifest = make_manifest(
        key=f"{number + 1:032x}", function_id="pkg.module.shared", name="shared-entry",
        created_at=time.time(), value_size_bytes=size,
    )
    store.save(manifest, payload(number + 1, size), {})
    number += 1
    print("SAVED", number, size, flush=True)
print("DONE", number, flush=True)
"""

BIG_WRITER = """
import sys, time

import fsspec

from checkpointing.store import FsspecFileSystem
from checkpointing import Store
from tests.strategies import make_manifest

root, size = sys.argv[1], int(sys.argv[2])
fs = fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False)
store = Store.over(FsspecFileSystem(fs, root))
# A small entry first: the root, its tag and the function's directory are
# made, so the next request after SAVING is the big entry's upload.
warm_up = make_manifest(key="c" * 32, function_id="pkg.module.shared", created_at=time.time())
store.save(warm_up, b"warm-up", {})
data = bytes(range(256)) * (size // 256)
manifest = make_manifest(
    key="b" * 32, function_id="pkg.module.shared", created_at=time.time(),
    value_size_bytes=size,
)
print("SAVING", flush=True)
store.save(manifest, data, {})
print("SAVED", flush=True)
"""


def _decode(value: bytes) -> tuple[int, int] | None:
    """The (write number, size) a payload claims; ``None`` for a headerless small one."""
    if len(value) < 16:
        return None
    number, size = struct.unpack("<QQ", value[:16])
    return number, size


def _start(script: str, args: list[str], server, tmp_path: Path) -> subprocess.Popen:
    """Run *script* in a new interpreter that knows the server only from its env."""
    path = tmp_path / "child.py"
    path.write_text(script, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent  # so the child imports tests.*
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "FSSPEC_"))
    }
    env.update(server.env)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p
    )
    return subprocess.Popen(
        [sys.executable, str(path), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _store(bucket, prefix: str) -> Store:
    return Store.over(
        FsspecFileSystem(bucket.server.filesystem(), f"{bucket.name}/{prefix}")
    )


def _every_listed_entry_verifies(store: Store) -> list[str]:
    """What a ``verify`` would check: each listed entry and manifest; return the names."""
    names = []
    for function_id in store.function_ids():
        listed = set(store.entry_names(function_id)) | set(
            store.manifest_names(function_id)
        )
        for name in sorted(listed):
            assert store.is_valid(function_id, name), (function_id, name)
            names.append(name)
    return names


def test_a_reader_never_sees_a_torn_entry(s3_bucket, tmp_path):
    """Loads racing rewrites of one name (1 B .. 8 MiB) get MISSING or one whole write."""
    writer = _start(
        WRITER,
        [
            "/".join((s3_bucket.name, "race")),
            str(RACE_SECONDS),
            ",".join(map(str, SIZES)),
        ],
        s3_bucket.server,
        tmp_path,
    )
    reader = _store(s3_bucket, "race")
    outcomes = {"missing": 0, "missing_after_a_hit": 0, "store_error": 0}
    sizes_seen: set[int] = set()
    numbers_seen: set[int] = set()
    try:
        while writer.poll() is None:
            try:
                value = reader.load(FID, NAME)
            except CorruptEntryError as err:  # a torn object would end here
                pytest.fail(f"a load saw a damaged entry: {err}")
            except StoreError:  # documented; counted, and bounded below
                outcomes["store_error"] += 1
                continue
            if value is MISSING:
                outcomes["missing"] += 1
                outcomes["missing_after_a_hit"] += bool(sizes_seen)
                continue
            data = bytes(value)
            claimed = _decode(data)
            if claimed is None:
                assert data == payload(0, len(data)), "a small payload of no write"
            else:
                number, size = claimed
                assert size == len(data), f"write {number}: {len(data)} of {size} bytes"
                assert data == payload(number, size), f"write {number}: mixed bytes"
                numbers_seen.add(number)
            sizes_seen.add(len(data))
        out, err = writer.communicate(timeout=60)
        print("torn-read race:", outcomes, "hits of writes", len(numbers_seen))
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.communicate()
    assert 0 == writer.returncode, err
    written = int(out.split("DONE ")[1])
    assert written >= 2 * len(SIZES), f"the writer made only {written} writes"
    assert 0 == outcomes["store_error"], outcomes
    # A name rewritten in place never vanishes in between (one PUT replaces it).
    assert 0 == outcomes["missing_after_a_hit"], outcomes
    # The race was real: the reader saw several writes, small and large.
    assert len(numbers_seen) >= 3, (numbers_seen, outcomes)
    assert len(sizes_seen) >= 3, sizes_seen
    assert max(sizes_seen) > MiB, sizes_seen
    # Afterwards the entry is the writer's last one, whole.
    last = reader.load(FID, NAME)
    assert last is not MISSING
    assert payload(written, SIZES[(written - 1) % len(SIZES)]) == bytes(last)
    assert [NAME] == _every_listed_entry_verifies(reader)


def _uploads(bucket) -> list[dict]:
    return bucket.fs.call_s3("list_multipart_uploads", Bucket=bucket.name).get(
        "Uploads", []
    )


def _wait_for_a_request_in_flight(
    port: int, writer: subprocess.Popen, deadline: float
) -> None:
    """
    Wait until bytes of a request to the (paused) server on *port* wait in a socket.

    Reads ``/proc/net/tcp`` (Linux): a socket on the server's port with a
    receive queue (the listening socket: a connection not yet accepted; a
    connection: request bytes not yet read), or the client's end of a
    connection with a send queue, holds a request the frozen server has not
    taken. Seen here: the upload's new connection waits in the accept queue.
    Elsewhere, waits one second (the writer builds its entry in well under
    that).
    """
    table = Path("/proc/net/tcp")
    if not table.exists():  # pragma: no cover - not Linux
        time.sleep(1.0)
        return
    while True:
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rpartition(":")[2], 16)
            remote_port = int(fields[2].rpartition(":")[2], 16)
            unsent, unread = (int(n, 16) for n in fields[4].split(":"))
            if (remote_port == port and unsent) or (local_port == port and unread):
                return
        assert writer.poll() is None, writer.stderr.read()
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.01)


def _entry_objects(bucket, prefix: str) -> list[str]:
    found = bucket.fs.find(f"{bucket.name}/{prefix}")
    return [path for path in found if path.endswith((".ckpt", ".json"))]


@pytest.mark.parametrize(
    ("size", "multipart"),
    [(64 * MiB, False), (160 * MiB, True)],
    ids=["64MiB-one-put", "160MiB-multipart"],
)
def test_kill_9_during_a_remote_write_leaves_no_entry(
    s3_bucket, tmp_path, size, multipart
):
    """A writer killed mid-upload leaves MISSING, nothing half-written, a working store."""
    prefix = f"killed-{size}"
    writer = _start(
        BIG_WRITER,
        [f"{s3_bucket.name}/{prefix}", str(size)],
        s3_bucket.server,
        tmp_path,
    )
    try:
        assert "SAVING" == writer.stdout.readline().strip(), writer.stderr.read()
        deadline = time.monotonic() + 60
        if multipart:
            # s3fs uploads 100 MiB and more in 50 MiB parts: kill while one is open.
            while not _uploads(s3_bucket):
                assert writer.poll() is None, writer.stderr.read()
                assert time.monotonic() < deadline, "no multipart upload started"
                time.sleep(0.005)
        else:
            # One PUT: freeze the server, so that the upload cannot complete,
            # and kill once the request waits in a socket. (Which of its bytes
            # left the client is not pinned: botocore sends a large PutObject
            # with "Expect: 100-continue". The multipart case kills with
            # parts stored on the server.)
            s3_bucket.server.pause()
            _wait_for_a_request_in_flight(s3_bucket.server.port, writer, deadline)
            time.sleep(0.2)
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        s3_bucket.server.resume()
        if writer.poll() is None:
            writer.kill()
        writer.communicate()
    assert -signal.SIGKILL == writer.returncode
    if multipart:
        assert _uploads(s3_bucket), "the kill came after the upload completed"
    fresh = _store(s3_bucket, prefix)
    # Nothing of the big entry is visible: no object, and nothing to list.
    assert fresh.load(FID, "b" * 32) is MISSING
    assert not fresh.contains(FID, "b" * 32)
    assert [] == [p for p in _entry_objects(s3_bucket, prefix) if "/bbbb" in p]
    assert ["c" * 32] == [m.key for m in fresh.manifests(FID)]
    assert ["c" * 32] == _every_listed_entry_verifies(fresh)
    # The store still works: a new save of the same entry, then a load.
    manifest = make_manifest(key="b" * 32, function_id=FID, created_at=time.time())
    fresh.save(manifest, b"after the crash", {})
    assert b"after the crash" == bytes(_store(s3_bucket, prefix).load(FID, "b" * 32))
    assert ["b" * 32, "c" * 32] == _every_listed_entry_verifies(fresh)
