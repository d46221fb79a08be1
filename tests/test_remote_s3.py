"""
``directory="s3://…"`` end to end, on a real S3 server (moto's server mode, a subprocess).

Through the public API: the decorator and the CLI on a bucket, the unsigned
warning, leases (single flight across processes, a dead holder's lease taken
over, a lost lease never deleting its successor's), a local tier in front of
the bucket (a repeat hit never touches the server), and failures: the server
gone or frozen during a write returns the value with a ``StoreWriteWarning``,
gone during a read recomputes. The server is ``tests/s3_server.py``'s.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from pathlib import Path

import pytest

from checkpointing import (
    CheckpointingWarning,
    StoreWriteWarning,
    UnsignedStoreWarning,
    checkpoint,
)
from checkpointing.store._leases import LeaseEntryLock
from checkpointing.store._s3 import S3Objects

from .test_decorator import CallLog

pytest.importorskip("s3fs")

#: A client that gives up quickly when the server is gone or frozen (the
#: defaults retry for about a minute, which is right for users, not tests).
FAST_FAILING = {
    "config_kwargs": {
        "retries": {"max_attempts": 1, "mode": "standard"},
        "connect_timeout": 1,
        "read_timeout": 2,
    },
}


def _options(bucket, **extra):
    return {"endpoint_url": bucket.server.endpoint_url, **extra}


@pytest.fixture
def signed(monkeypatch):
    """Entries are signed (no UnsignedStoreWarning): a team's configuration."""
    monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "team secret")


class TestDecoratorOnS3:
    def test_miss_then_hit(self, s3_bucket, signed):
        calls = CallLog()

        @checkpoint(
            directory=s3_bucket.url("cache"), storage_options=_options(s3_bucket)
        )
        def double(x):
            calls.append(x)
            return 2 * x

        assert 4 == double(2) == double(2)
        assert [2] == calls
        objects = s3_bucket.fs.find(f"{s3_bucket.name}/cache")
        assert any(o.endswith(f"{double.key(2)}.ckpt") for o in objects)
        assert any(o.endswith(f"{double.key(2)}.json") for o in objects)
        # The lease is gone once the call is done.
        assert not [o for o in objects if "/.locks/" in o]

    def test_unsigned_store_warns_once(self, s3_bucket, monkeypatch):
        monkeypatch.delenv("CHECKPOINTING_HMAC_KEY", raising=False)

        @checkpoint(directory=s3_bucket.url("u"), storage_options=_options(s3_bucket))
        def f(x):
            return x

        with pytest.warns(UnsignedStoreWarning, match="CHECKPOINTING_HMAC_KEY"):
            f(1)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnsignedStoreWarning)
            f(2)  # the same store: not again

    def test_entries_are_signed_and_refused_under_another_key(
        self, s3_bucket, monkeypatch
    ):
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "team secret")
        calls = CallLog()

        def make():
            @checkpoint(
                directory=s3_bucket.url("s"), storage_options=_options(s3_bucket)
            )
            def f(x):
                calls.append(x)
                return x

            return f

        make()(1)
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "another key")
        with pytest.warns(CheckpointingWarning, match="not signed with this process"):
            make()(1)
        assert [1, 1] == calls
        # Not quarantined: the (re)signed entry is in place, nothing moved aside.
        objects = s3_bucket.fs.find(s3_bucket.name)
        assert not [o for o in objects if "/.quarantine/" in o]

    def test_cli_on_the_bucket(self, s3_bucket, signed, tmp_path):
        """python -m checkpointing list/verify/inspect --dir s3://… in a fresh process."""

        @checkpoint(directory=s3_bucket.url("cli"), storage_options=_options(s3_bucket))
        def f(x):
            return x + 1

        f(1)
        f(2)
        env = {**os.environ, **s3_bucket.server.env}
        run = [sys.executable, "-m", "checkpointing"]
        listed = subprocess.run(
            [*run, "list", "--json", "--dir", s3_bucket.url("cli")],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        assert 2 == len(json.loads(listed.stdout))
        verified = subprocess.run(
            [*run, "verify", "--dir", s3_bucket.url("cli")],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=True,
        )
        assert "2 ok, 0 problems" in verified.stdout
        # A reader with another key: the entries do not verify.
        wrong = subprocess.run(
            [*run, "verify", "--dir", s3_bucket.url("cli")],
            capture_output=True,
            text=True,
            env={**env, "CHECKPOINTING_HMAC_KEY": "not the team's"},
            cwd=tmp_path,
            timeout=60,
        )
        assert 0 != wrong.returncode
        assert "signature" in wrong.stdout + wrong.stderr
        assert [] == list(tmp_path.iterdir())  # no local folder named "s3:"


class TestLeases:
    """LeaseEntryLock on the server: create-only, refreshed, taken over, never stolen back."""

    def _lock(self, bucket, timeout=0.0, term=30.0, name="k.lock"):
        return LeaseEntryLock(
            S3Objects(bucket.fs), f"{bucket.name}/.locks/f/{name}", timeout, term
        )

    def test_one_holder_at_a_time(self, s3_bucket):
        first = self._lock(s3_bucket)
        assert first.acquire()
        second = self._lock(s3_bucket, timeout=0.3)
        assert not second.acquire()
        assert second.contended
        assert 0.3 <= second.waited_seconds < 5
        first.release()
        assert second.acquire()
        second.release()
        assert not s3_bucket.fs.exists(f"{s3_bucket.name}/.locks/f/k.lock")

    def test_a_waiter_gets_the_lease_when_it_is_released(self, s3_bucket):
        first = self._lock(s3_bucket)
        assert first.acquire()
        timer = threading.Timer(0.5, first.release)
        timer.start()
        second = self._lock(s3_bucket, timeout=10)
        assert second.acquire()
        assert 0.3 < second.waited_seconds < 5
        assert not second.taken_over
        second.release()
        timer.join()

    def test_a_refreshed_lease_is_not_taken_over(self, s3_bucket):
        """A live holder rewrites its lease every third of the term: waiters keep waiting."""
        holder = self._lock(s3_bucket, term=0.6)
        assert holder.acquire()
        waiter = self._lock(s3_bucket, timeout=2.0, term=0.6)
        assert not waiter.acquire()  # 2 s > 3 terms, and still not taken over
        assert not holder.lost
        holder.release()

    def test_a_dead_holders_lease_is_taken_over(self, s3_bucket):
        """A lease nobody refreshes (its holder was killed) is taken after one term."""
        path = f"{s3_bucket.name}/.locks/f/k.lock"
        s3_bucket.fs.pipe_file(path, b'{"holder": "a killed process"}')
        waiter = self._lock(s3_bucket, timeout=10, term=0.5)
        assert waiter.acquire()
        assert waiter.taken_over
        assert 0.5 <= waiter.waited_seconds < 5
        waiter.release()

    def test_a_lost_lease_never_deletes_its_successors(self, s3_bucket):
        """A holder that stalled past its term and was taken over releases nothing."""
        path = f"{s3_bucket.name}/.locks/f/k.lock"
        holder = self._lock(s3_bucket, term=0.6)
        assert holder.acquire()
        s3_bucket.fs.pipe_file(path, b'{"holder": "the successor"}')  # taken over
        deadline = time.monotonic() + 5
        while not holder.lost and time.monotonic() < deadline:
            time.sleep(0.05)
        assert holder.lost
        holder.release()
        assert b'{"holder": "the successor"}' == s3_bucket.fs.cat_file(path)

    def test_a_killed_process_lease_expires(self, s3_bucket, tmp_path):
        """kill -9 a real holder: its lease is taken over after one term."""
        script = tmp_path / "hold.py"
        script.write_text(
            textwrap.dedent(
                f"""
                import sys, time
                import s3fs
                from checkpointing.store._leases import LeaseEntryLock
                from checkpointing.store._s3 import S3Objects
                fs = s3fs.S3FileSystem(endpoint_url={s3_bucket.server.endpoint_url!r},
                                       skip_instance_cache=True, use_listings_cache=False)
                lock = LeaseEntryLock(S3Objects(fs), {s3_bucket.name!r} + "/.locks/f/k.lock",
                                      0.0, 1.0)
                assert lock.acquire()
                print("HELD", flush=True)
                time.sleep(600)
                """
            )
        )
        env = {**os.environ, **s3_bucket.server.env}
        holder = subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, env=env, text=True
        )
        try:
            assert "HELD" == holder.stdout.readline().strip()
            waiter = self._lock(s3_bucket, timeout=0.0, term=1.0)
            assert not waiter.acquire()  # alive: refreshed
            holder.kill()
            holder.wait()
            waiter = self._lock(s3_bucket, timeout=15, term=1.0)
            assert waiter.acquire()
            assert waiter.taken_over
            waiter.release()
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()


_SINGLE_FLIGHT = """\
import sys, time
from pathlib import Path
from checkpointing import checkpoint

LOG = Path(sys.argv[1])

@checkpoint(directory=sys.argv[2], lock_timeout=60)
def slow(x):
    with LOG.open("a") as log:
        log.write(f"COMPUTE {x}\\n")
    time.sleep(1.5)
    return x * 10

Path(sys.argv[3]).touch()  # ready
while not Path(sys.argv[4]).exists():
    time.sleep(0.01)
print("RESULT", slow(7), flush=True)
"""


def test_two_processes_compute_a_key_once(s3_bucket, tmp_path):
    """Two machines (processes) miss the same key at once: one computes, one loads."""
    script = tmp_path / "flight.py"
    script.write_text(_SINGLE_FLIGHT)
    log, go = tmp_path / "compute.log", tmp_path / "go"
    env = {
        **os.environ,
        **s3_bucket.server.env,
        "CHECKPOINTING_HMAC_KEY": "team secret",
    }
    procs = []
    for i in range(2):
        ready = tmp_path / f"ready{i}"
        procs.append(
            (
                subprocess.Popen(
                    [
                        sys.executable,
                        str(script),
                        str(log),
                        s3_bucket.url("flight"),
                        str(ready),
                        str(go),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=env,
                ),
                ready,
            )
        )
    deadline = time.monotonic() + 60
    while not all(ready.exists() for _, ready in procs):
        assert time.monotonic() < deadline, "the scripts did not start"
        time.sleep(0.02)
    go.touch()
    outputs = [proc.communicate(timeout=120) for proc, _ in procs]
    for (proc, _), (out, err) in zip(procs, outputs, strict=True):
        assert 0 == proc.returncode, err
        assert "RESULT 70" in out
        assert "Warning" not in err, err
    assert ["COMPUTE 7"] == log.read_text().splitlines()


class TestLocalTierInFront:
    def test_a_repeat_hit_never_touches_the_server(self, s3_bucket, signed, tmp_path):
        """Remote hit copied locally; with the server gone the next call is a local hit."""
        calls = CallLog()
        local = tmp_path / "local"

        def make():
            @checkpoint(
                directory=[str(local), s3_bucket.url("tiers")],
                storage_options=_options(s3_bucket, **FAST_FAILING),
            )
            def f(x):
                calls.append(x)
                return x * 3

            return f

        assert 6 == make()(2)  # computed: in both tiers
        for path in sorted(local.rglob("*"), reverse=True):  # a new machine
            if path.is_file():
                path.unlink()
        assert 6 == make()(2)  # the bucket's entry, copied forward (verified)
        assert [2] == calls
        assert list(local.rglob("*.ckpt"))
        s3_bucket.server.stop()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert 6 == make()(2)  # a local hit: no request at all
        assert [2] == calls


class TestServerFailures:
    def test_server_gone_during_a_write_returns_the_value(self, s3_bucket, signed):
        server = s3_bucket.server

        @checkpoint(
            directory=s3_bucket.url("gone"),
            storage_options=_options(s3_bucket, **FAST_FAILING),
            ignore_code=["server"],
        )
        def f(x):
            server.stop()  # the server dies while the function computes
            return x + 100

        start = time.monotonic()
        with pytest.warns(StoreWriteWarning):
            assert 101 == f(1)
        assert time.monotonic() - start < 60

    @pytest.mark.slow  # each request waits for its read timeout: ~50 s in all
    def test_server_frozen_during_a_write_returns_the_value(self, s3_bucket, signed):
        """A timeout (the server stops answering) is a write failure, not a hang."""
        server = s3_bucket.server

        @checkpoint(
            directory=s3_bucket.url("frozen"),
            storage_options=_options(s3_bucket, **FAST_FAILING),
            ignore_code=["server"],
        )
        def f(x):
            server.pause()
            return x + 200

        try:
            start = time.monotonic()
            with pytest.warns(StoreWriteWarning):
                assert 201 == f(1)
            assert time.monotonic() - start < 60
        finally:
            server.resume()

    def test_server_gone_during_a_read_recomputes(self, s3_bucket, signed):
        calls = CallLog()

        def make():
            @checkpoint(
                directory=s3_bucket.url("read"),
                storage_options=_options(s3_bucket, **FAST_FAILING),
            )
            def f(x):
                calls.append(x)
                return x - 1

            return f

        assert 0 == make()(1)
        s3_bucket.server.stop()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert 0 == make()(1)  # recomputed, not an exception
        assert [1, 1] == calls
        assert any(issubclass(w.category, CheckpointingWarning) for w in caught)


def test_lease_path_stays_inside_the_prefix(s3_bucket, signed):
    """Names that could escape the prefix are refused before any request."""
    from checkpointing import ConfigurationError

    with pytest.raises(ConfigurationError):

        @checkpoint(directory=s3_bucket.url("a/../b"))
        def f(x):
            return x

    with pytest.raises(ConfigurationError, match="path separator"):

        @checkpoint(directory=s3_bucket.url("named"), key="../escape")
        def g(x):
            return x

    @checkpoint(directory=s3_bucket.url("named"), key=lambda args, kwargs: args[0])
    def h(x):
        return x

    with pytest.raises(ConfigurationError, match="path separator"):
        h("../../escape")
    assert not s3_bucket.fs.exists(f"{s3_bucket.name}/escape")


def test_no_local_folder_named_s3(s3_bucket, signed, tmp_path, monkeypatch):
    """The bug that opened the issue: s3://… once created ./s3: silently."""
    monkeypatch.chdir(tmp_path)

    @checkpoint(directory=s3_bucket.url("x"), storage_options=_options(s3_bucket))
    def f(x):
        return x

    f(1)
    assert not Path("s3:").exists()
    assert [] == list(tmp_path.iterdir())


def test_a_missing_bucket_is_never_created(s3_bucket, signed):
    """A typo in the bucket name fails the write (value returned), creates nothing."""
    missing = s3_bucket.name + "-typo"

    @checkpoint(
        directory=f"s3://{missing}/cache",
        storage_options=_options(s3_bucket),
    )
    def f(x):
        return x * 5

    with pytest.warns(StoreWriteWarning, match=missing):
        assert 10 == f(2)
    assert not s3_bucket.fs.exists(missing)
