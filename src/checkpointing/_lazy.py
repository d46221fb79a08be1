"""
Lazy results: a handle on a stored entry whose value loads on first access.

``fn.lazy(*args)`` (or ``@checkpoint(lazy=True)``) computes and stores the
result if needed, then returns a :class:`LazyResult` instead of the value, as
joblib's ``call_and_shelve`` and curifactory's ``Lazy`` outputs do: a pipeline
can pass a large result along (to another process, too) without reading it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, final

from ._errors import CorruptEntryError, StoreError
from .store._protocol import MISSING, _Missing

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._codec import ResultCodec
    from ._manifest import Manifest
    from .store._protocol import EntryStore

__all__ = ["LazyResult"]

R = TypeVar("R")


@final
class LazyResult(Generic[R]):
    """
    A stored result that is read from disk when :meth:`load` is first called.

    Returned by ``fn.lazy(...)`` and by every call of a function decorated
    with ``lazy=True``. The value is read once and then kept; the handle
    itself holds only names (store directory, function, entry), so it pickles
    in a few hundred bytes and can be sent to worker processes, which load
    the value from the shared cache directory themselves.

    Attributes:
        function_id: The function's directory name in the store.
        name: The entry's name (its hex key, or the readable ``key=`` name).
        key: The entry's 32-character hex key.

    .. versionadded:: 0.1.0
    """

    __slots__ = (
        "_codec",
        "_lock",
        "_mmap_mode",
        "_recompute",
        "_store",
        "_unsaved",
        "_value",
        "function_id",
        "key",
        "name",
    )

    def __init__(
        self,
        store: EntryStore | None,
        function_id: str,
        name: str,
        key: str,
        codec: ResultCodec | None,
        *,
        mmap_mode: str | None = None,
        value: Any = MISSING,
        recompute: Callable[[], R] | None = None,
        unsaved: bool = False,
    ) -> None:
        self._store = store
        self.function_id = function_id
        self.name = name
        self.key = key
        self._codec = codec
        self._mmap_mode = mmap_mode
        self._value = value
        self._recompute = recompute
        self._unsaved = unsaved  # the value could not be stored: it lives here
        self._lock = threading.Lock()

    @classmethod
    def of_value(cls, value: R) -> LazyResult[R]:
        """A handle on a value that was not stored (``CHECKPOINTING_DISABLE=1``)."""
        return cls(None, "", "", "", None, value=value, unsaved=True)

    @property
    def location(self) -> str:
        """
        Where the entry is: its file's path, or a URL for a remote store (it may be gone).

        Raises:
            StoreError: If the result was not stored (caching disabled).
        """
        return self._stored().location(self.function_id, self.name)

    @property
    def path(self) -> Path:
        """
        The entry file (``<dir>/<function_id>/<name>.ckpt``; it may be gone).

        Raises:
            StoreError: If the result was not stored (caching disabled).
        """
        return Path(self.location)

    @property
    def directory(self) -> Path:
        """The cache directory holding the entry (see :attr:`path` for errors)."""
        return Path(self._stored().location())

    @property
    def manifest(self) -> Manifest | None:
        """The entry's metadata (arguments, sizes, times, reason), or ``None`` if gone."""
        if self._store is None:
            return None
        try:
            return self._store.manifest(self.function_id, self.name)
        except (CorruptEntryError, StoreError):
            return None

    def _stored(self) -> EntryStore:
        if self._store is None:
            raise StoreError(
                "<memory>", "this result was not stored (caching is disabled)"
            )
        return self._store

    @property
    def loaded(self) -> bool:
        """Whether the value is in memory already."""
        return not isinstance(self._value, _Missing)

    def load(self) -> R:
        """
        Return the value, reading it from the store on the first call.

        Returns:
            The function's result (with ``mmap_mode=``, arrays are memory
            mapped and read lazily as well).

        Raises:
            StoreError: If the entry is gone (cleared, evicted) or damaged and
                the handle cannot recompute it: a handle unpickled in another
                process only knows where the entry was. Call the function
                again. In the process that created the handle, a missing or
                damaged entry is recomputed (as ``fn.rerun`` would: without a
                warning, and the new result overwrites the entry).
        """
        with self._lock:
            if not isinstance(self._value, _Missing):
                return self._value  # type: ignore[no-any-return]
            if self._store is None or self._codec is None:
                raise StoreError("<memory>", "this handle holds no stored result")
            try:
                value = self._codec.read(
                    self._store,
                    self.function_id,
                    self.name,
                    key=self.key,
                    max_age=None,
                    mmap_mode=self._mmap_mode,
                )
            except (CorruptEntryError, StoreError) as err:
                value = self._fallback(f"cannot be read ({err})")
            else:
                if isinstance(value, _Missing):
                    value = self._fallback("is gone (cleared or evicted)")
            self._value = value
            return value  # type: ignore[no-any-return]

    def _fallback(self, what: str) -> Any:
        if self._recompute is None:
            raise StoreError(
                self.location,
                f"the stored result of {self.function_id} {what}; call the "
                "function again to recompute it",
            )
        return self._recompute()

    def __reduce__(self) -> tuple[Any, ...]:
        # Names only; a value that could not be stored travels with the handle.
        value = self._value if self._unsaved else MISSING
        return (
            _rebuild,
            (
                self._store,
                self.function_id,
                self.name,
                self.key,
                self._codec,
                self._mmap_mode,
                value,
            ),
        )

    def __repr__(self) -> str:
        state = "loaded" if self.loaded else "on disk"
        return f"<LazyResult {self.function_id} {self.name} ({state})>"


def _rebuild(
    store: EntryStore | None,
    function_id: str,
    name: str,
    key: str,
    codec: ResultCodec | None,
    mmap_mode: str | None,
    value: Any,
) -> LazyResult[Any]:
    return LazyResult(
        store,
        function_id,
        name,
        key,
        codec,
        mmap_mode=mmap_mode,
        value=value,
        unsaved=not isinstance(value, _Missing),
    )
