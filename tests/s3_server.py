"""
A real S3-compatible server for the tests: moto in server mode, in its own process.

A pytest plugin (registered by ``tests/conftest.py``'s ``pytest_plugins``)
with two fixtures:

* ``s3_server`` (session): one ``python -m moto.server -p PORT`` subprocess
  on a free localhost port, started on first use and terminated at the end of
  the session, as the s3fs and pandas test suites do. While it runs, the fake
  credentials of :data:`CREDENTIALS` are set in ``os.environ`` (and restored
  afterwards), so boto3, s3fs and every subprocess a test starts find them.
  The fixture's value is an :class:`S3Server`: its ``endpoint_url``, the
  ``env`` a subprocess needs to reach it, a fresh ``filesystem()`` (or the
  session's shared ``admin()`` one), ``stop()`` / ``start()`` (same port,
  empty again) and ``pause()`` / ``resume()`` (SIGSTOP: requests hang, state
  kept) for fault tests, and its request log (``log_offset()``,
  ``requests(since)``) to count what a store asked.
* ``s3_bucket`` (function): a fresh, uniquely named, empty bucket on that
  server, an :class:`S3Bucket`; emptied and deleted after the test.

Both skip (``pytest.importorskip``) when s3fs or moto's server mode (moto,
flask, werkzeug) is not installed. Nothing here is a mock: every request is
HTTP to a real server process.

Known server facts (moto 5.2.6, pinned in ``tests/test_s3_server.py``):
``PutObject`` honours ``If-None-Match: *`` (s3fs ``pipe_file(mode="create")``
raises ``FileExistsError`` on an existing key) and ``If-Match`` (a stale ETag
fails with HTTP 412, which s3fs raises as a plain ``OSError``, errno
``EINVAL``, chained from botocore's ``ClientError`` with code
``PreconditionFailed``); ``If-Match`` on a missing key is ``FileNotFoundError``
(``NoSuchKey``); ``DeleteObject`` honours ``If-Match`` the same way. While the
server is stopped, s3fs raises botocore's ``EndpointConnectionError``, which
is *not* an ``OSError``. A server that is stopped and started again is empty:
moto keeps its state in memory only.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CREDENTIALS", "S3Bucket", "S3Server"]

#: Fake credentials and region for the session (moto accepts any).
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    # No instance-metadata lookups (a 1 s timeout each when no credentials).
    "AWS_EC2_METADATA_DISABLED": "true",
}

#: Seconds a starting server may take to answer before the session fails.
START_TIMEOUT = 30.0
#: Ports tried before giving up (another process may take a free port first).
PORT_ATTEMPTS = 5


def _free_port() -> int:
    """A localhost TCP port nobody listens on right now (it may be taken later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class S3Server:
    """
    A moto server subprocess on ``127.0.0.1:port``.

    Attributes:
        port: The TCP port; it stays the same across :meth:`stop` / :meth:`start`.
        log: The file the server's standard error (its request log) goes to.
    """

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _admin: Any = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """
        Environment variables a subprocess needs to reach this server.

        The credentials, plus ``FSSPEC_S3_ENDPOINT_URL``: fsspec reads
        ``FSSPEC_<PROTOCOL>_<OPTION>`` variables at import into its config,
        so ``fsspec.filesystem("s3")`` and ``s3://`` URLs in that process
        get ``endpoint_url=`` without code. Also ``AWS_ENDPOINT_URL_S3``,
        which botocore itself reads. Merge into ``os.environ`` for a child.
        """
        return {
            **CREDENTIALS,
            "FSSPEC_S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
        }

    def filesystem(self) -> Any:
        """A fresh ``s3fs.S3FileSystem`` on this server (no instance or listings cache)."""
        import s3fs

        return s3fs.S3FileSystem(
            endpoint_url=self.endpoint_url,
            key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            secret=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            skip_instance_cache=True,
            use_listings_cache=False,
        )

    def admin(self) -> Any:
        """
        The session's shared ``s3fs.S3FileSystem`` on this server (no caches).

        One client for the session's bookkeeping (buckets), since a new one
        costs about 0.1 s; a new one after :meth:`start`, whose server is new.
        """
        if self._admin is None:
            self._admin = self.filesystem()
        return self._admin

    @property
    def running(self) -> bool:
        """Whether the server process is alive (it may be paused)."""
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """
        Start the server on :attr:`port` and wait until it answers HTTP.

        Raises:
            OSError: it did not answer within *timeout* seconds, or exited
                (for example: the port is taken); the message holds the end
                of its standard error.
        """
        if self.running:
            return
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,  # a file, not a pipe: a full pipe would block the server
                env={**os.environ, **CREDENTIALS},
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            code = self.process.poll()
            if code is not None or time.monotonic() > deadline:
                self.stop()
                status = "timed out" if code is None else f"exited with {code}"
                raise OSError(
                    f"moto server on port {self.port} {status}; "
                    f"its stderr ends with:\n{self.stderr_tail()}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Terminate the server (all buckets are lost: moto keeps them in memory)."""
        process, self.process = self.process, None
        self._admin = None
        if process is None:
            return
        if process.poll() is None:
            if hasattr(signal, "SIGCONT"):  # a paused server would not act on SIGTERM
                process.send_signal(signal.SIGCONT)
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections hang, state is kept."""
        if not hasattr(signal, "SIGSTOP"):  # pragma: no cover - Windows
            pytest.skip("pausing a process needs SIGSTOP")
        assert self.process is not None, "the server is not running"
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT)."""
        if self.process is not None and hasattr(signal, "SIGCONT"):
            self.process.send_signal(signal.SIGCONT)

    def log_offset(self, *, settle: float = 0.2) -> int:
        """
        Where the request log ends now: pass it to :meth:`requests` later.

        Waits until the log stays the same for *settle* seconds (requests
        answered before the call are logged just after their answer).
        """
        size = -1
        while True:
            try:
                now = self.log.stat().st_size
            except FileNotFoundError:
                now = 0
            if now == size:
                return size
            size = now
            time.sleep(settle)

    def requests(self, since: int = 0, *, settle: float = 0.2) -> list[tuple[str, str]]:
        """
        The ``(method, path with query)`` of each request logged after offset *since*.

        The server logs a request once it has answered it, so the log is read
        again until it stays the same for *settle* seconds.
        """
        text, seen = "", -1
        while True:
            with self.log.open("rb") as log:
                log.seek(since)
                text = log.read().decode(errors="replace")
            if len(text) == seen:
                break
            seen = len(text)
            time.sleep(settle)
        return [(match.group(1), match.group(2)) for match in _REQUEST.finditer(text)]

    def stderr_tail(self, size: int = 4000) -> str:
        """The last *size* characters of the server's standard error."""
        try:
            return self.log.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):
                return True
        except (urllib.error.URLError, OSError):
            return False


@dataclass(frozen=True)
class S3Bucket:
    """
    An empty bucket on the test server, for one test.

    Attributes:
        name: The bucket's name (``ckpt-<n>-<hex>``, unique in the session).
        server: The server it lives on.
        fs: An ``s3fs.S3FileSystem`` on that server (no caches).
    """

    name: str
    server: S3Server
    fs: Any

    def url(self, path: str = "") -> str:
        """``s3://<name>/<path>``."""
        return f"s3://{self.name}/{path}"


_BUCKETS = itertools.count()
#: A request in werkzeug's log line: ``... "GET /bucket/key HTTP/1.1" 200 -``
#: (an error's line has colour codes around the request).
_REQUEST = re.compile(r"([A-Z]+) (/\S*) HTTP/[0-9.]+")


def _start_server(log_dir: Path) -> S3Server:
    errors = []
    for _ in range(PORT_ATTEMPTS):
        server = S3Server(port=_free_port(), log=log_dir / "moto-server.log")
        try:
            server.start()
        except OSError as error:  # the port was taken meanwhile: try another
            errors.append(str(error))
            continue
        return server
    raise OSError("\n\n".join(errors))


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """A moto S3 server subprocess for the session, with fake credentials set."""
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server", reason="moto's server mode: moto[server]")
    with (
        tempfile.TemporaryDirectory(prefix="ckpt-moto-") as log_dir,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in CREDENTIALS.items():
            patch.setenv(name, value)
        server = _start_server(Path(log_dir))
        try:
            yield server
        finally:
            server.stop()


def _empty_and_delete(bucket: S3Bucket) -> None:
    """Abort unfinished multipart uploads, delete every object, then the bucket."""
    fs = bucket.fs
    uploads = fs.call_s3("list_multipart_uploads", Bucket=bucket.name)
    for upload in uploads.get("Uploads", []):
        fs.call_s3(
            "abort_multipart_upload",
            Bucket=bucket.name,
            Key=upload["Key"],
            UploadId=upload["UploadId"],
        )
    fs.rm(bucket.name, recursive=True)  # objects, then the bucket itself


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> Iterator[S3Bucket]:
    """A fresh empty bucket on ``s3_server``; emptied and deleted after the test."""
    if not s3_server.running:  # a fault test before this one stopped it
        s3_server.start()
    fs = s3_server.admin()
    name = f"ckpt-{next(_BUCKETS)}-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    yield S3Bucket(name, s3_server, fs)
    if not s3_server.running:  # the test stopped the server: the bucket is gone
        s3_server.start()
        return
    s3_server.resume()  # a no-op unless the test left it paused
    fs = s3_server.admin()
    if fs.exists(name):
        _empty_and_delete(S3Bucket(name, s3_server, fs))
