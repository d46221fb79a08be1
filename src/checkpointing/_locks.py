"""
Per-key locks, so that concurrent identical calls compute once (single flight).

On a miss, the caller takes the lock of its key before computing; a second
caller of the same key waits on it, then finds the entry written and loads it.
Hits never lock, and different keys never wait on each other.

The locks are ``filelock.FileLock`` objects (``flock(2)`` on POSIX,
``LockFileEx`` on Windows): the operating system releases them when the
holding process dies, however it dies, so a crashed computation never blocks
anyone. They live in ``<cache>/.locks/<function_id>/<key>.lock``; the files
(empty) stay after release and are reused by the next miss of the same key
(what filelock does on POSIX; removing them would race a waiter). On file
systems without working ``flock`` (some NFS setups) filelock falls back to
existence-based soft locks, whose files a killed holder leaves behind; the
wait is bounded by the timeout either way.
"""

from __future__ import annotations

import contextlib
import os
import time
from types import TracebackType
from typing import Any, Final, final

__all__ = ["KeyLock"]

_POLL_SECONDS: Final = 0.05


def make_private_dirs(path: str | os.PathLike[str]) -> None:
    """
    Create *path* and its missing parents, each owner-only (mode ``0o700``).

    ``os.makedirs(mode=...)`` applies the mode to the last directory only
    (Python 3.7+); the cache root and function directories created on the
    way must not be readable or writable by others either.
    """
    missing = []
    current = os.fspath(path)
    # A relative path runs out of parents at "" (the working directory), which
    # exists: ``os.path.dirname("a")`` is ``""``, and ``os.mkdir("")`` fails.
    while current and not os.path.isdir(current):  # noqa: PTH112
        missing.append(current)
        parent = os.path.dirname(current)  # noqa: PTH120
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(directory, 0o700)  # noqa: PTH102


@final
class KeyLock:
    """
    The lock of one key of one function in one cache directory.

    Args:
        root: The cache directory.
        function_id: The function's directory name in the store.
        key: The 32-character hex key.
        timeout: Seconds to wait for another holder (``0``: do not wait).

    After :meth:`acquire`, :attr:`acquired` says whether the lock is held and
    :attr:`waited_seconds` how long the wait took. A lock that cannot be
    created at all (read-only or vanished directory) is simply not acquired:
    the caller computes without it, and the store reports the write failure.
    """

    def __init__(self, root: str, function_id: str, key: str, timeout: float) -> None:
        self.path = os.path.join(root, ".locks", function_id, key + ".lock")  # noqa: PTH118
        self.timeout = timeout
        self.acquired = False
        self.contended = False
        self.waited_seconds = 0.0
        self._lock: Any = None

    def _make(self) -> Any:
        from filelock import FileLock  # only misses pay for importing filelock

        make_private_dirs(os.path.dirname(self.path))  # noqa: PTH120
        # thread_local=False: one KeyLock object is used by one caller only;
        # each caller opens its own descriptor, so threads exclude each other.
        return FileLock(self.path, thread_local=False)

    def acquire(self) -> bool:
        """Wait up to ``timeout`` seconds for the lock; return whether it is held."""
        from filelock import Timeout

        start = time.monotonic()
        try:
            self._lock = self._make()
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                self.contended = True
                self._lock.acquire(timeout=self.timeout, poll_interval=_POLL_SECONDS)
        except Timeout:
            self.acquired = False
        except OSError:
            self.acquired = False  # no lock possible here: compute unlocked
        else:
            self.acquired = True
        self.waited_seconds = time.monotonic() - start
        return self.acquired

    async def acquire_async(self) -> bool:
        """:meth:`acquire` for coroutines: polls without blocking the event loop."""
        import asyncio

        from filelock import Timeout

        start = time.monotonic()
        try:
            self._lock = self._make()
        except OSError:
            return False
        while True:
            try:
                self._lock.acquire(timeout=0)
            except Timeout:
                self.contended = True
                if time.monotonic() - start >= self.timeout:
                    break
                await asyncio.sleep(_POLL_SECONDS)
            except OSError:
                break
            else:
                self.acquired = True
                break
        self.waited_seconds = time.monotonic() - start
        return self.acquired

    def release(self) -> None:
        """Release the lock if it is held (never raises for a vanished file)."""
        if self.acquired and self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.release()
            self.acquired = False

    def __enter__(self) -> KeyLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
