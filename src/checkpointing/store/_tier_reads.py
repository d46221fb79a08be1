"""
Tiered reads: the fastest tier that has an entry serves it, and gets copies.

:class:`_TierReads` is the part of :class:`~._tiers.TieredStore` that reads
entries: the tiers are tried fast to slow (a hit in the fastest tier goes
straight back: the hit path), a damaged copy is quarantined in its tier and
the next tier is tried, a hit in a slower tier is copied forward into every
faster tier, and the tier that served an entry is remembered for its result
files (:meth:`outputs`).

Changes when: the read order, quarantine on read or copy-forward changes.
May import: :mod:`checkpointing._errors`, the store's ``_protocol``,
``_store`` (types) and ``_write_back`` (:func:`_copy`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Final

from checkpointing._errors import (
    CorruptEntryError,
    SignatureMismatchError,
    StoreError,
    UntrustedDirectoryError,
)

from ._protocol import MISSING, _Missing
from ._store import Store
from ._write_back import _copy

logger = logging.getLogger("checkpointing")

#: Entries whose serving tier is remembered for :meth:`TieredStore.outputs`.
_SERVED_ENTRIES: Final = 1024


class _TierReads:
    """Reads tried fast to slow, with quarantine and copy-forward."""

    if TYPE_CHECKING:
        # Set by TieredStore.__init__, which combines this mixin.
        tiers: tuple[Store, ...]
        _lock: threading.Lock
        _served: OrderedDict[tuple[str, str], int]

    # -- reading -------------------------------------------------------------
    def load(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> memoryview | _Missing:
        """
        Return the verified payload of an entry from the fastest tier that has it.

        Tiers are tried fast to slow with :meth:`Store.load`. A hit in a
        slower tier is copied into every faster tier first (a failure to copy
        is logged, never raised: the value is still returned). A damaged entry
        in one tier does not hide a good copy in another: it is quarantined
        in its tier and the next tier is tried (the good copy then replaces
        it). A tier that cannot be read at all is skipped the same way, but
        left in place.

        Args:
            function_id: The function's directory name.
            name: The entry's name (32-character hex key or a readable name).
            max_age: Seconds; an entry written longer ago counts as missing.
            key: The hex key the entry must hold (see :meth:`Store.load`).

        Returns:
            The payload (a read-only view), or :data:`MISSING` if no tier has
            a valid entry.

        Raises:
            UntrustedDirectoryError: If a tier tried is not trusted (always
                raised at once, never skipped).
            StoreError: If no tier has the entry and one could not be read
                (raised in preference to a damaged entry, which was already
                moved aside).
            CorruptEntryError: If no tier has the entry and one had a damaged
                copy (now quarantined), so the caller recomputes and warns.
        """
        # The hit path: a hit in the fastest tier goes straight back. Anything
        # else (a miss, an error) goes the full way, which reads it again.
        try:
            payload = self.tiers[0].load(function_id, name, max_age=max_age, key=key)
        except StoreError:
            payload = MISSING
        if payload is not MISSING:
            if self._served:
                self._remember(function_id, name, 0)
            return payload

        def read(tier: Store) -> memoryview | _Missing:
            return tier.load(function_id, name, max_age=max_age, key=key)

        return self._read(function_id, name, read)

    def load_mapped(
        self,
        function_id: str,
        name: str,
        *,
        key: str | None = None,
        max_age: float | None = None,
        writable: bool = False,
    ) -> memoryview | _Missing:
        """
        Map an entry into memory from the fastest tier that has it.

        Same tier order, quarantine and copy-forward as :meth:`load`. After a
        hit in a slower tier has been copied forward, the entry is mapped
        from the fastest tier (local pages), else from the tier that has it.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            key: The hex key the entry must hold (see :meth:`Store.load`).
            max_age: Seconds; older entries are :data:`MISSING`.
            writable: Map copy-on-write instead of read-only.

        Returns:
            The mapped payload, or :data:`MISSING`.

        Raises:
            UntrustedDirectoryError: If a tier tried is not trusted.
            StoreError: As :meth:`load`.
            CorruptEntryError: As :meth:`load`.
        """

        def read(tier: Store) -> memoryview | _Missing:
            return tier.load_mapped(
                function_id, name, key=key, max_age=max_age, writable=writable
            )

        return self._read(function_id, name, read, remap=True)

    def _read(
        self,
        function_id: str,
        name: str,
        read: Callable[[Store], memoryview | _Missing],
        *,
        remap: bool = False,
    ) -> memoryview | _Missing:
        corrupt: CorruptEntryError | None = None
        failed: StoreError | None = None
        for index, tier in enumerate(self.tiers):
            try:
                payload = read(tier)
            except UntrustedDirectoryError:
                raise  # a security refusal, never "try elsewhere"
            except SignatureMismatchError as err:
                # Not ours to move aside (see SignatureMismatchError): skip it.
                logger.warning(
                    "entry %s/%s in tier %d (%s) is not signed with this key: %s",
                    function_id,
                    name,
                    index,
                    tier.location(),
                    err,
                )
                corrupt = corrupt or err
                continue
            except CorruptEntryError as err:
                logger.warning(
                    "damaged entry %s/%s in tier %d (%s): %s; quarantined",
                    function_id,
                    name,
                    index,
                    tier.location(),
                    err,
                )
                with contextlib.suppress(StoreError, OSError):
                    tier.quarantine(function_id, name)
                corrupt = corrupt or err
                continue
            except StoreError as err:
                logger.warning(
                    "cannot read %s/%s in tier %d (%s): %s",
                    function_id,
                    name,
                    index,
                    tier.location(),
                    err,
                )
                failed = failed or err
                continue
            if payload is MISSING:
                continue
            served = self._copy_forward(function_id, name, index)
            self._remember(function_id, name, served)
            if remap and served < index:
                # Map the local copy rather than the slow tier's file; if it
                # vanished meanwhile (evicted, cleared), keep the slow mapping.
                with contextlib.suppress(StoreError):
                    local = read(self.tiers[served])
                    if local is not MISSING:
                        return local
                self._remember(function_id, name, index)
            return payload
        # No tier has a good copy. A read failure wins over a damaged entry:
        # damaged copies are already moved aside, while a tier that could not
        # be read must not have its (perhaps good) entry quarantined by the caller.
        if failed is not None:
            raise failed
        if corrupt is not None:
            raise corrupt
        return MISSING

    def _copy_forward(self, function_id: str, name: str, index: int) -> int:
        """
        Copy the entry found in tier *index* into every faster tier.

        Returns:
            The fastest tier that now holds the entry.
        """
        if index == 0:
            return 0
        source = self.tiers[index]
        fastest = index
        for target_index in range(index - 1, -1, -1):
            target = self.tiers[target_index]
            try:
                copied = _copy(source, target, function_id, name)
            except UntrustedDirectoryError:
                raise  # the fast directory itself is unsafe: the caller must know
            except StoreError as err:
                # A full or read-only fast disk: the slow copy still serves.
                logger.warning(
                    "cannot copy %s/%s forward from tier %d (%s) to tier %d (%s): %s",
                    function_id,
                    name,
                    index,
                    source.location(),
                    target_index,
                    target.location(),
                    err,
                )
                continue
            if copied:
                fastest = target_index
                logger.debug(
                    "copied %s/%s forward from tier %d to tier %d",
                    function_id,
                    name,
                    index,
                    target_index,
                )
        return fastest

    def _remember(self, function_id: str, name: str, index: int) -> None:
        if index == 0:
            # The hit path: the default needs no entry, and no lock unless an
            # older entry (served by a slower tier) must go.
            if self._served:
                with self._lock:
                    self._served.pop((function_id, name), None)
            return
        with self._lock:
            served = self._served
            served[(function_id, name)] = index
            served.move_to_end((function_id, name))
            while len(served) > _SERVED_ENTRIES:
                served.popitem(last=False)

    def outputs(
        self,
        function_id: str,
        name: str,
        payload: memoryview,
        *,
        verify: bool = True,
        skip_checksum: Collection[str] = (),
    ) -> dict[str, str]:
        """
        Return the result files of an entry, checked, from the tier that serves it.

        The tier that served the last :meth:`load` of the entry is tried
        first (after a copy-forward, the fastest tier), then the others in
        order: the first tier whose files match the table in *payload* wins.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            payload: The entry's payload (from :meth:`load`): its file table.
            verify: Check every file's xxh3-64 checksum (see
                :meth:`Store.outputs`).
            skip_checksum: File names checked by size only (memory mapped).

        Returns:
            File name (e.g. ``"value.npy"``) to absolute path.

        Raises:
            CorruptEntryError: If no tier has all the files, matching the
                table (the first tier's error).
        """
        with self._lock:
            first = self._served.get((function_id, name), 0)
        others = [tier for i, tier in enumerate(self.tiers) if i != first]
        try:
            return self.tiers[first].outputs(
                function_id, name, payload, verify=verify, skip_checksum=skip_checksum
            )
        except CorruptEntryError as err:
            error = err
        for tier in others:
            with contextlib.suppress(CorruptEntryError):
                return tier.outputs(
                    function_id,
                    name,
                    payload,
                    verify=verify,
                    skip_checksum=skip_checksum,
                )
        raise error

    def is_valid(
        self,
        function_id: str,
        name: str,
        *,
        max_age: float | None = None,
        key: str | None = None,
    ) -> bool:
        """
        Return whether some tier has a complete, verified, unexpired entry.

        Nothing is copied forward: this only answers the question.

        Args:
            function_id: The function's directory name.
            name: The entry's name.
            max_age: Seconds; older entries do not count.
            key: The hex key the entry must hold (see :meth:`Store.load`).

        Returns:
            ``True`` if some tier would serve the entry.
        """
        # Each tier's own check: the entry and, for file serializers, its
        # result files (a damaged file in every tier is not a valid entry).
        return any(
            tier.is_valid(function_id, name, max_age=max_age, key=key)
            for tier in self.tiers
        )
