"""
Background write-back: copying new entries from the fastest tier to slower ones.

:class:`_WriteBack` is the part of :class:`~._tiers.TieredStore` that writes
an entry back to the slower tiers: one tier at a time (``_write_back_to``,
also used by a ``"sync"`` save), or through a bounded queue served by one
daemon thread that exits when idle (``"background"``), with :meth:`flush`
and an ``atexit`` hook that finishes the queue. Also :func:`_copy`, the one
way an entry goes from one tier to another (write-back and copy-forward).

Changes when: how or when entries reach the slower tiers changes. May import:
:mod:`checkpointing._errors` and the store's ``_store`` (types).
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import weakref
from collections import Counter
from typing import TYPE_CHECKING, Final

from checkpointing._errors import StoreError

if TYPE_CHECKING:
    from ._store import Store

logger = logging.getLogger("checkpointing")

#: Seconds the background thread waits for work before it exits (it is
#: restarted by the next write): an idle store holds no thread.
_IDLE_SECONDS: Final = 2.0

# Stores with background write-back, flushed at exit. Weak: a store nobody
# uses any more (and whose queue is empty: the thread holds the store while
# it works) is not kept alive just to be flushed.
_background_stores: weakref.WeakSet[_WriteBack] = weakref.WeakSet()
_exit_hook_lock = threading.Lock()
_exit_hook_registered: list[bool] = []


def _flush_at_exit() -> None:
    """Finish every queued write-back before the interpreter exits."""
    for store in list(_background_stores):
        store._drain()


def _register_exit_hook() -> None:
    with _exit_hook_lock:
        if not _exit_hook_registered:
            atexit.register(_flush_at_exit)
            _exit_hook_registered.append(True)


def _copy(source: Store, target: Store, function_id: str, name: str) -> bool:
    """
    Copy one entry from *source* to *target* (see :meth:`Store.copy_entry`).

    Raises:
        StoreError: If *target* cannot be written.
    """
    return source.copy_entry(target, function_id, name)


class _WriteBack:
    """Writing entries back to the slower tiers, now or by a background thread."""

    if TYPE_CHECKING:
        # Set by TieredStore.__init__, which combines this mixin.
        tiers: tuple[Store, ...]
        write_back_failures: int
        _lock: threading.Lock
        _done: threading.Condition
        _pending: int
        _pending_names: Counter[str]
        _queue: queue.Queue[tuple[str, str]]
        _thread: threading.Thread | None

    def _write_back_to(self, function_id: str, name: str, index: int) -> str | None:
        """Copy an entry from the fastest tier to tier *index*; return why it failed."""
        try:
            copied = _copy(self.tiers[0], self.tiers[index], function_id, name)
        except StoreError as err:
            reason = str(err)
        else:
            if copied:
                return None
            reason = "no verified entry in the fastest tier (evicted or replaced?)"
        with self._lock:
            self.write_back_failures += 1
        return reason

    def _submit(self, function_id: str, name: str) -> None:
        with self._lock:
            self._pending += 1
            self._pending_names[name] += 1
        # Outside the lock: a full queue blocks here until the thread takes an
        # item, and the thread needs the lock to report it done.
        self._queue.put((function_id, name))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work,
                    name=f"checkpointing-write-back-{self.tiers[0].root.name}",
                    daemon=True,
                )
                self._thread.start()

    def _work(self) -> None:
        """Body of the write-back thread: serve the queue until it stays empty."""
        while True:
            try:
                item = self._queue.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    # Under the lock, so a concurrent _submit either sees this
                    # thread still registered (and the item is served after
                    # the check below) or sees None and starts a new thread.
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            self._write_back_item(item)

    def _write_back_item(self, item: tuple[str, str]) -> None:
        function_id, name = item
        try:
            for index in range(1, len(self.tiers)):
                error = self._write_back_to(function_id, name, index)
                if error is not None:
                    logger.warning(
                        "checkpointing: %s/%s was not written back to tier %d (%s): %s",
                        function_id,
                        name,
                        index,
                        self.tiers[index].location(),
                        error,
                    )
        except Exception:
            # A thread has no caller to raise to: an unexpected error is logged
            # with its traceback and counted, and the thread goes on (if it
            # died, the bounded queue would block every later save).
            logger.exception("checkpointing: write-back of %s/%s failed", *item)
            with self._lock:
                self.write_back_failures += 1
        finally:
            self._queue.task_done()
            with self._lock:
                self._pending -= 1
                self._pending_names[name] -= 1
                if self._pending_names[name] <= 0:
                    del self._pending_names[name]
                self._done.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """
        Wait until every queued write-back has finished.

        Args:
            timeout: Seconds to wait at most; ``None`` waits as long as it takes.

        Returns:
            ``True`` if nothing is left to write back, ``False`` on timeout.
            Always ``True`` with ``write_back="sync"``.
        """
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, timeout)

    def _drain(self) -> None:
        """Serve the queue in this thread, then wait (the ``atexit`` flush)."""
        # Not flush(): the thread may have gone idle, and from an atexit hook
        # a new thread may not start (Python 3.12+ refuses at shutdown).
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            self._write_back_item(item)
        self.flush()
