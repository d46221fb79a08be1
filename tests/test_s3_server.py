"""
The S3 server the suite runs against (tests/s3_server.py), and the facts we rely on.

The store's remote leases and create-only writes (issue 14) rely on the
server honouring conditional requests. These tests pin what moto's server
mode does with them, through s3fs as the library uses it, so that a moto or
s3fs upgrade that changes them fails here and not somewhere deep in a lease:

* ``PutObject`` with ``If-None-Match: *`` (s3fs ``pipe_file(mode="create")``)
  on an existing key fails with ``FileExistsError``.
* ``PutObject`` with a stale ``If-Match`` fails with HTTP 412, which s3fs
  raises as a plain ``OSError`` (errno ``EINVAL``, *not* ``FileExistsError``),
  chained from botocore's ``ClientError`` with code ``PreconditionFailed``.
* ``PutObject`` with ``If-Match`` on a missing key fails with
  ``FileNotFoundError`` (code ``NoSuchKey``) and creates nothing.
* ``DeleteObject`` with ``If-Match`` is honoured: a stale ETag fails the same
  way and keeps the object, the current one deletes it.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from .s3_server import CREDENTIALS, S3Server


def _error_code(error: BaseException) -> str | None:
    """The S3 error code (``PreconditionFailed``) of botocore's error behind *error*."""
    cause = error.__cause__
    response = getattr(cause, "response", None)
    return None if response is None else response["Error"]["Code"]


# -- the fixtures --------------------------------------------------------------------
def test_server_answers_on_localhost(s3_server):
    """The server is a live process answering HTTP on its port."""
    assert s3_server.running
    assert f"http://127.0.0.1:{s3_server.port}" == s3_server.endpoint_url
    with urllib.request.urlopen(s3_server.endpoint_url, timeout=5) as response:
        assert 200 == response.status
        assert b"ListAllMyBucketsResult" in response.read()


def test_fake_credentials_are_set_for_the_session(s3_server):
    """The credentials are in os.environ while the server runs, and in its env."""
    for name, value in CREDENTIALS.items():
        assert value == os.environ[name]
        assert value == s3_server.env[name]
    assert s3_server.endpoint_url == s3_server.env["FSSPEC_S3_ENDPOINT_URL"]


def test_bucket_is_fresh_and_empty(s3_bucket):
    """Each test gets an empty bucket of its own."""
    assert s3_bucket.fs.exists(s3_bucket.name)
    assert [] == s3_bucket.fs.ls(s3_bucket.name)
    assert f"s3://{s3_bucket.name}/a/b" == s3_bucket.url("a/b")


def test_filesystem_round_trip(s3_bucket):
    """Bytes written through one file system are read through a fresh one."""
    s3_bucket.fs.pipe_file(f"{s3_bucket.name}/dir/value", b"\x00hello\xff")
    other = s3_bucket.server.filesystem()
    assert other is not s3_bucket.fs
    assert b"\x00hello\xff" == other.cat_file(f"{s3_bucket.name}/dir/value")


@pytest.mark.parametrize(
    "endpoint_variable", ["FSSPEC_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"]
)
def test_env_reaches_a_subprocess(s3_bucket, endpoint_variable):
    """Either endpoint variable of ``server.env`` alone lets a child open ``s3://`` URLs."""
    s3_bucket.fs.pipe_file(f"{s3_bucket.name}/greeting", b"from the parent")
    script = (
        "import fsspec, sys\n"
        "with fsspec.open(sys.argv[1], 'rb') as f:\n"
        "    sys.stdout.write(f.read().decode())\n"
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "FSSPEC_"))
    }
    server_env = dict(s3_bucket.server.env)
    for other in {"FSSPEC_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} - {
        endpoint_variable
    }:
        del server_env[other]
    done = subprocess.run(
        [sys.executable, "-c", script, s3_bucket.url("greeting")],
        env={**env, **server_env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    assert "from the parent" == done.stdout


# -- conditional writes: the facts leases rely on ---------------------------------------
def test_create_only_put_fails_on_an_existing_key(s3_bucket):
    """``pipe_file(mode="create")`` (If-None-Match: *) creates once, then refuses."""
    fs, path = s3_bucket.fs, f"{s3_bucket.name}/lease"
    fs.pipe_file(path, b"first", mode="create")
    with pytest.raises(FileExistsError) as raised:
        fs.pipe_file(path, b"second", mode="create")
    assert "PreconditionFailed" == _error_code(raised.value)
    assert b"first" == fs.cat_file(path)


def test_put_with_the_current_etag_replaces(s3_bucket):
    """``PutObject`` with ``IfMatch=`` the current ETag succeeds and returns a new ETag."""
    fs, bucket = s3_bucket.fs, s3_bucket.name
    fs.pipe_file(f"{bucket}/lease", b"v1")
    etag = fs.info(f"{bucket}/lease")["ETag"]
    response = fs.call_s3(
        "put_object", Bucket=bucket, Key="lease", Body=b"v2", IfMatch=etag
    )
    assert etag != response["ETag"]
    assert b"v2" == fs.cat_file(f"{bucket}/lease")


def test_put_with_a_stale_etag_fails_with_oserror_einval(s3_bucket):
    """A stale ``IfMatch=`` is HTTP 412: s3fs raises ``OSError(EINVAL)``, not FileExistsError."""
    fs, bucket = s3_bucket.fs, s3_bucket.name
    fs.pipe_file(f"{bucket}/lease", b"v1")
    stale = fs.info(f"{bucket}/lease")["ETag"]
    fs.pipe_file(f"{bucket}/lease", b"v2 by another holder")
    with pytest.raises(OSError) as raised:
        fs.call_s3("put_object", Bucket=bucket, Key="lease", Body=b"v3", IfMatch=stale)
    assert not isinstance(raised.value, FileExistsError)
    assert errno.EINVAL == raised.value.errno
    assert "PreconditionFailed" == _error_code(raised.value)
    assert b"v2 by another holder" == fs.cat_file(f"{bucket}/lease")


def test_put_with_if_match_on_a_missing_key_fails(s3_bucket):
    """``IfMatch=`` on a missing key fails with FileNotFoundError (NoSuchKey), creating nothing."""
    fs, bucket = s3_bucket.fs, s3_bucket.name
    with pytest.raises(FileNotFoundError) as raised:
        fs.call_s3("put_object", Bucket=bucket, Key="gone", Body=b"x", IfMatch='"0"')
    assert "NoSuchKey" == _error_code(raised.value)
    assert not fs.exists(f"{bucket}/gone")


def test_delete_with_if_match_is_honoured(s3_bucket):
    """``DeleteObject`` with a stale ``IfMatch=`` fails and keeps the object; current deletes."""
    fs, bucket = s3_bucket.fs, s3_bucket.name
    fs.pipe_file(f"{bucket}/lease", b"v1")
    stale = fs.info(f"{bucket}/lease")["ETag"]
    fs.pipe_file(f"{bucket}/lease", b"v2")
    with pytest.raises(OSError) as raised:
        fs.call_s3("delete_object", Bucket=bucket, Key="lease", IfMatch=stale)
    assert "PreconditionFailed" == _error_code(raised.value)
    assert fs.exists(f"{bucket}/lease")
    current = fs.info(f"{bucket}/lease")["ETag"]
    fs.call_s3("delete_object", Bucket=bucket, Key="lease", IfMatch=current)
    assert not fs.exists(f"{bucket}/lease")


# -- faults ----------------------------------------------------------------------------
def _impatient_filesystem(server):
    """An s3fs file system that tries once and waits at most 1 s per request."""
    import s3fs

    fs = s3fs.S3FileSystem(
        endpoint_url=server.endpoint_url,
        skip_instance_cache=True,
        use_listings_cache=False,
        config_kwargs={
            "connect_timeout": 1,
            "read_timeout": 1,
            "retries": {"max_attempts": 1},
        },
    )
    fs.retries = 1  # s3fs's own retry loop (a class attribute, no argument)
    return fs


def test_stop_and_start_keep_the_port_and_lose_the_state(s3_server, s3_bucket):
    """
    A restarted server answers on the same port, empty (moto keeps state in memory).

    While it is down, s3fs raises botocore's ``EndpointConnectionError``,
    which is *not* an ``OSError``: code that maps ``OSError`` to a store error
    does not catch a server that went away.
    """
    from botocore.exceptions import EndpointConnectionError

    port = s3_server.port
    s3_bucket.fs.pipe_file(f"{s3_bucket.name}/value", b"before")
    s3_server.stop()
    assert not s3_server.running
    with pytest.raises(EndpointConnectionError) as raised:
        _impatient_filesystem(s3_server).cat_file(f"{s3_bucket.name}/value")
    assert not isinstance(raised.value, OSError)
    s3_server.start()
    assert port == s3_server.port
    assert not s3_server.filesystem().exists(s3_bucket.name)


def test_a_paused_server_times_out_and_resumes_with_its_state(s3_server, s3_bucket):
    """While paused, requests time out; after resume(), the data is still there."""
    path = f"{s3_bucket.name}/value"
    s3_bucket.fs.pipe_file(path, b"kept")
    impatient = _impatient_filesystem(s3_server)
    s3_server.pause()
    try:
        with pytest.raises(OSError) as raised:  # botocore's ReadTimeoutError
            impatient.cat_file(path)
        assert "timeout" in type(raised.value).__name__.lower()
    finally:
        s3_server.resume()
    assert b"kept" == s3_server.filesystem().cat_file(path)


def test_a_server_that_cannot_start_fails_with_its_stderr(tmp_path):
    """A taken port: start() raises OSError quoting the server's own complaint."""
    pytest.importorskip("moto.server", reason="moto's server mode: moto[server]")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = S3Server(port=taken.getsockname()[1], log=tmp_path / "moto.log")
        with pytest.raises(OSError) as raised:
            server.start(timeout=30)
    assert not server.running
    assert "exited with" in str(raised.value)
    assert "address already in use" in str(raised.value).lower()
