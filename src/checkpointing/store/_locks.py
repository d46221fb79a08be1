"""
Per-entry locks, so that concurrent identical calls compute once (single flight).

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

:class:`EntryLock` is what the decorator uses; a file system picks the
implementation (``FileSystem.lock``): :class:`FileLockEntryLock` on a local
file system, :class:`ProcessEntryLock` where no cross-process lock exists
(in-memory and object stores, until leases): there two processes may both
compute the same call, and both store the same entry. Duplicates are possible,
never a wrong result: every entry is written atomically and verified on read.

One reason to change: how concurrent callers of one entry exclude each other.
Imports no other module of the package (``filelock`` lazily, on a miss).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Protocol, final

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = ["EntryLock", "FileLockEntryLock", "HeldWhileInside", "ProcessEntryLock"]

_POLL_SECONDS: Final = 0.05


class EntryLock(Protocol):
    """
    The lock of one entry, taken by a caller before computing it on a miss.

    Attributes:
        acquired: Whether the lock is held (after :meth:`acquire`).
        contended: Whether another holder had it when it was first tried.
        waited_seconds: How long :meth:`acquire` waited, in seconds.
    """

    acquired: bool
    contended: bool
    waited_seconds: float

    def acquire(self) -> bool:
        """Wait up to the lock's timeout; return whether the lock is held."""
        ...

    async def acquire_async(self) -> bool:
        """:meth:`acquire` for coroutines, without blocking the event loop."""
        ...

    def release(self) -> None:
        """Release the lock if it is held; never raises."""
        ...


class HeldWhileInside:
    """
    ``with lock:`` for an entry lock: :meth:`acquire` on entry, release on exit.

    A base of every :class:`EntryLock` implementation (here and in
    ``_leases``): ``acquire`` and ``release`` are theirs.
    """

    def acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


@final
class FileLockEntryLock(HeldWhileInside):
    """
    The lock of one entry in a local cache directory: a ``filelock.FileLock``.

    Args:
        path: The lock file (``<root>/.locks/<function_id>/<name>.lock``).
        timeout: Seconds to wait for another holder (``0``: do not wait).
        make_dirs: Creates the lock file's missing parent directories
            (owner-only), called on the first :meth:`acquire`.

    After :meth:`acquire`, :attr:`acquired` says whether the lock is held and
    :attr:`waited_seconds` how long the wait took. A lock that cannot be
    created at all (read-only or vanished directory) is simply not acquired:
    the caller computes without it, and the store reports the write failure.
    """

    def __init__(
        self, path: str, timeout: float, make_dirs: Callable[[str], None]
    ) -> None:
        self.path = path
        self._make_dirs = make_dirs
        self.timeout = timeout
        self.acquired = False
        self.contended = False
        self.waited_seconds = 0.0
        self._lock: Any = None

    def _make(self) -> Any:
        from filelock import FileLock  # only misses pay for importing filelock

        self._make_dirs(os.path.dirname(self.path))  # noqa: PTH120
        # thread_local=False: one lock object is used by one caller only;
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


# (lock registry key) -> [threading.Lock, users]: one lock object per entry
# while anyone holds or waits for it.
_process_locks: dict[tuple[str, str], list[Any]] = {}
_process_locks_guard = threading.Lock()


@final
class ProcessEntryLock(HeldWhileInside):
    """
    The lock of one entry within this process only (threads and coroutines).

    For file systems without a cross-process lock (``memory://``, object
    stores until leases): callers in this process compute an entry once;
    callers in two processes may both compute it. Duplicates are possible,
    never a wrong result (writes are atomic, reads verified).

    Args:
        scope: What the entry lives in (a store's location), so that two
            stores never share a lock.
        name: The entry within *scope* (``"<function_id>/<name>"``).
        timeout: Seconds to wait for another holder (``0``: do not wait).
    """

    def __init__(self, scope: str, name: str, timeout: float) -> None:
        self._id = (scope, name)
        self.timeout = timeout
        self.acquired = False
        self.contended = False
        self.waited_seconds = 0.0
        self._lock: threading.Lock | None = None

    def _enter(self) -> threading.Lock:
        with _process_locks_guard:
            slot = _process_locks.setdefault(self._id, [threading.Lock(), 0])
            slot[1] += 1
            return slot[0]  # type: ignore[no-any-return]

    def _leave(self) -> None:
        with _process_locks_guard:
            slot = _process_locks.get(self._id)
            if slot is not None:
                slot[1] -= 1
                if slot[1] <= 0:
                    del _process_locks[self._id]

    def acquire(self) -> bool:
        """Wait up to ``timeout`` seconds for the lock; return whether it is held."""
        start = time.monotonic()
        lock = self._enter()
        if not lock.acquire(blocking=False):
            self.contended = True
            # threading refuses timeouts past TIMEOUT_MAX (inf): wait as long as it takes.
            wait = (
                -1.0 if self.timeout > threading.TIMEOUT_MAX else max(self.timeout, 0.0)
            )
            if not lock.acquire(timeout=wait):
                self._leave()
                self.waited_seconds = time.monotonic() - start
                return False
        self._lock = lock
        self.acquired = True
        self.waited_seconds = time.monotonic() - start
        return True

    async def acquire_async(self) -> bool:
        """:meth:`acquire` for coroutines: polls without blocking the event loop."""
        import asyncio

        start = time.monotonic()
        lock = self._enter()
        while not lock.acquire(blocking=False):
            self.contended = True
            if time.monotonic() - start >= self.timeout:
                self._leave()
                self.waited_seconds = time.monotonic() - start
                return False
            await asyncio.sleep(_POLL_SECONDS)
        self._lock = lock
        self.acquired = True
        self.waited_seconds = time.monotonic() - start
        return True

    def release(self) -> None:
        """Release the lock if it is held."""
        if self.acquired and self._lock is not None:
            self._lock.release()
            self._lock = None
            self.acquired = False
            self._leave()
