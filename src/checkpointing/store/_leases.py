"""
Leases: single flight across machines on object storage (S3 conditional writes).

A lease is a small object, ``<cache>/.locks/<function_id>/<name>.lock``, that
the caller of a miss creates only if it is absent (S3 ``PutObject`` with
``If-None-Match: *``) before computing. While it computes, a thread rewrites
the lease every third of its term, each time only if the lease is still the
one it wrote (``If-Match: <ETag>``), so its ETag changes. When it is done it
deletes the lease (``If-Match`` again, so it never deletes a successor's).

A waiter polls the lease with backoff (50 ms growing to 2 s). When the lease
is gone it tries to create its own. When the lease's ETag has not changed for
a whole term *by the waiter's own clock* (its holder died: ``kill -9``, a lost
machine), it takes the lease over with a conditional rewrite of that ETag;
of several waiters exactly one succeeds. No clocks are compared across
machines: a waiter measures how long it has seen the same ETag, never the
holder's timestamps.

The wait is bounded by the caller's ``lock_timeout``: past it the caller
computes without the lease (a duplicate computation, never a wrong result:
every entry is published atomically and verified on read). A holder that
loses its lease (it stalled for a whole term and was taken over) keeps
computing: its entry is as valid as the taker's.

Sources: Amazon S3 conditional writes (``If-None-Match`` on ``PutObject``,
2024-08; ``If-Match``, 2024-11; conditional ``DeleteObject``, 2025), as
described in the S3 User Guide, "Add preconditions to S3 operations with
conditional requests". moto's server mode implements the three.

One reason to change: how a lease is taken, kept and given back. Imports
:mod:`._locks` (``with`` support) and the default term from
:mod:`checkpointing._settings`; the object operations come from the file
system (:class:`ConditionalObjects`); the class implements ``_locks.EntryLock``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from typing import Final, Protocol, final

from checkpointing._settings import LEASE_SECONDS

from ._locks import HeldWhileInside

__all__ = ["LEASE_SECONDS", "ConditionalObjects", "LeaseEntryLock"]

# LEASE_SECONDS (imported above): a lease's term in seconds. A holder rewrites
# it every third of that, and a lease unchanged for a whole term is taken over;
# CHECKPOINTING_LEASE_SECONDS overrides it (_settings.resolve_lease_seconds).

_FIRST_POLL: Final = 0.05
_LAST_POLL: Final = 2.0


class ConditionalObjects(Protocol):
    """
    Conditional object operations of a store that supports them (S3).

    Tags are the store's ETags (opaque strings). Every method raises
    ``OSError`` for failures other than the conditions named.
    """

    def create(self, path: str, data: bytes) -> str | None:
        """Create the object only if absent; its tag, or ``None`` if it exists."""
        ...

    def replace(self, path: str, data: bytes, tag: str) -> str | None:
        """Rewrite the object only if its tag is *tag*; the new tag, or ``None``."""
        ...

    def tag(self, path: str) -> str | None:
        """The object's tag, or ``None`` if there is no object."""
        ...

    def delete(self, path: str, tag: str) -> None:
        """Delete the object only if its tag is still *tag* (else leave it)."""
        ...


@final
class LeaseEntryLock(HeldWhileInside):
    """
    The lock of one entry on an object store: a lease (see the module docstring).

    Args:
        objects: The store's conditional object operations.
        path: The lease object's path.
        timeout: Seconds to wait for another holder (``0``: do not wait).
        term: The lease's term in seconds (> 0).

    Attributes:
        acquired: Whether the lease is held.
        contended: Whether another holder had it when it was first tried.
        waited_seconds: How long :meth:`acquire` waited, in seconds.
        taken_over: Whether it was taken over from a holder that stopped
            refreshing it.
        lost: Whether, while held, another caller took it over (this one
            stalled for a whole term).
    """

    def __init__(
        self, objects: ConditionalObjects, path: str, timeout: float, term: float
    ) -> None:
        self._objects = objects
        self.path = path
        self.timeout = timeout
        self.term = term
        self.acquired = False
        self.contended = False
        self.taken_over = False
        self.lost = False
        self.waited_seconds = 0.0
        self._tag: str | None = None
        self._beats = 0
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"LeaseEntryLock({self.path!r}, acquired={self.acquired})"

    def _body(self) -> bytes:
        self._beats += 1
        return json.dumps(
            {"holder": self._holder, "term_seconds": self.term, "beat": self._beats},
            sort_keys=True,
        ).encode("utf-8")

    def _try(self, seen: dict[str, float]) -> bool:
        """One attempt: create, or take over a lease unchanged for a term."""
        tag = self._objects.create(self.path, self._body())
        if tag is not None:
            self._tag = tag
            return True
        current = self._objects.tag(self.path)
        if current is None:
            return False  # released between the two calls: try again next poll
        now = time.monotonic()
        first_seen = seen.setdefault(current, now)
        if now - first_seen < self.term:
            return False
        tag = self._objects.replace(self.path, self._body(), current)
        if tag is None:
            seen.pop(current, None)  # refreshed or taken by another waiter
            return False
        self._tag = tag
        self.taken_over = True
        return True

    def acquire(self) -> bool:
        """Wait up to ``timeout`` seconds for the lease; return whether it is held."""
        start = time.monotonic()
        seen: dict[str, float] = {}
        delay = _FIRST_POLL
        try:
            while True:
                if self._try(seen):
                    self._hold()
                    break
                self.contended = True
                left = self.timeout - (time.monotonic() - start)
                if left <= 0:
                    break
                time.sleep(min(delay, left))
                delay = min(delay * 1.5, _LAST_POLL)
        except OSError:
            self.acquired = False  # no lease possible (server down): compute unlocked
        self.waited_seconds = time.monotonic() - start
        return self.acquired

    async def acquire_async(self) -> bool:
        """:meth:`acquire` for coroutines: polls without blocking the event loop."""
        import asyncio

        start = time.monotonic()
        seen: dict[str, float] = {}
        delay = _FIRST_POLL
        try:
            while True:
                if await asyncio.to_thread(self._try, seen):
                    self._hold()
                    break
                self.contended = True
                left = self.timeout - (time.monotonic() - start)
                if left <= 0:
                    break
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 1.5, _LAST_POLL)
        except OSError:
            self.acquired = False
        self.waited_seconds = time.monotonic() - start
        return self.acquired

    def _hold(self) -> None:
        self.acquired = True
        self._stop.clear()
        self._refresher = threading.Thread(
            target=self._refresh, name="checkpointing-lease", daemon=True
        )
        self._refresher.start()

    def _refresh(self) -> None:
        """Rewrite the lease every third of its term until released or lost."""
        while not self._stop.wait(self.term / 3):
            with self._guard:
                tag = self._tag
            if tag is None:
                return
            try:
                # Outside the guard: release() never waits for the server.
                new = self._objects.replace(self.path, self._body(), tag)
            except OSError:
                continue  # a server hiccup: try again at the next beat
            with self._guard:
                if new is None:
                    self.lost = True  # taken over: keep computing, stop refreshing
                    self._tag = None
                    return
                if self._tag is None:  # released meanwhile: give this one back
                    self._give_back(new)
                    return
                self._tag = new

    def _give_back(self, tag: str) -> None:
        with contextlib.suppress(OSError):  # a lease left behind expires
            self._objects.delete(self.path, tag)

    def release(self) -> None:
        """
        Stop refreshing and delete the lease if it is still ours; never raises.

        Never waits for a refresh in flight (a server that stopped answering
        must not hold the caller): that refresh gives its lease back itself.
        """
        if not self.acquired:
            return
        self._stop.set()
        self._refresher = None
        with self._guard:
            tag, self._tag = self._tag, None
        if tag is not None:
            self._give_back(tag)
        self.acquired = False
