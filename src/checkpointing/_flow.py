"""
One call flow for sync and async functions: lookup → lock → compute → save → warn.

:class:`CallFlow` adds to key building (:class:`~._plan.KeyPlanner`) the store
a call uses, the lookup of a stored result (the hit path, a plain method),
and the miss: :meth:`CallFlow._miss` is a generator that owns every decision
of a miss and yields only where the caller must act, the key's lock to take
and the function to run. Two small drivers run it: :meth:`CallFlow._call`
for plain functions and :meth:`CallFlow._acall` for coroutines (``await``);
they hold no logic of their own (sans-IO style).

All failures of the library itself go through one policy point
(:meth:`CallFlow._internal_failure`): ``on_error`` decides between raising,
warning and staying silent, and in the last two cases the function still runs
and its value is returned. Exceptions raised by the decorated function itself
always propagate unchanged.

One reason to change: what happens around a call. Imports ``_errors``,
``_explain``, ``_fingerprint``, ``_lazy``, ``_manifest``, ``_options``,
``_plan``, ``_settings``, ``_store_choice`` and ``store._protocol``
(``store._locks`` for types only).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import platform
import time
import warnings
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Final, cast

from ._errors import (
    AmbientStateWarning,
    CacheReadWarning,
    CheckpointingError,
    CheckpointingWarning,
    ConfigurationError,
    CorruptEntryError,
    LockTimeoutWarning,
    LossySerializationWarning,
    SerializationError,
    SignatureMismatchError,
    StoreWriteWarning,
    UntrustedDirectoryError,
    user_stacklevel,
)
from ._explain import FORCED, UNREADABLE, Explanation, explain
from ._fingerprint import main_module_name
from ._lazy import LazyResult
from ._manifest import Manifest
from ._options import CheckpointOptions
from ._plan import KeyPlan, KeyPlanner, component_records
from ._settings import (
    RAW_ENVIRON,
    OnError,
    caching_disabled,
    resolve_on_error,
)
from ._store_choice import StoreChoice
from .store._protocol import MISSING, EntryStore

if TYPE_CHECKING:
    from .store._locks import EntryLock  # a miss imports the lock module

__all__ = ["CallFlow", "logger"]

logger = logging.getLogger("checkpointing")


def _log_event(event: str, function_id: str, key: str, message: str = "") -> None:
    """
    Log a cache event: a DEBUG record with public ``checkpoint_*`` attributes.

    *event* is ``"hit"``, ``"miss"`` (the function body runs) or ``"store"``
    (its result was stored). The attributes are documented API (docs/testing.md)
    that the pytest plugin's ``checkpoint_calls`` records; the message is for
    people. Callers test ``logger.isEnabledFor(logging.DEBUG)`` first, so the
    hit path builds nothing when no one listens.
    """
    logger.debug(
        "%s %s key=%s%s",
        event,
        function_id,
        key,
        message,
        extra={
            "checkpoint_event": event,
            "checkpoint_function": function_id,
            "checkpoint_key": key,
        },
    )


#: (function id, component) pairs already warned about by _warn_changed_by_call.
_WARNED_CHANGED: set[tuple[str, str]] = set()

#: What :meth:`CallFlow._miss` yields: the lock to take, or this to run the
#: function (the driver sends its result back).
_RUN: Final = None


@functools.lru_cache(maxsize=1)
def _library_version() -> str:
    import importlib.metadata  # ~30 ms: only when the first entry is written

    try:
        return importlib.metadata.version("checkpointing")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class CallFlow(KeyPlanner, StoreChoice):
    """
    Run calls of *func* through the cache: load a stored result, or compute,
    store and return it. *options* were checked; *where* prefixes errors.

    Keys come from :class:`KeyPlanner`, the store and the key's lock from
    :class:`StoreChoice`; both are bases, not members, so that the hit path
    reads every attribute from this one object.
    """

    def __init__(
        self,
        func: Callable[..., Any],
        options: CheckpointOptions,
        where: str = "checkpoint",
    ) -> None:
        KeyPlanner.__init__(self, func, options, where)
        StoreChoice.__init__(self, options, where)
        self._on_error = options.on_error
        self._size_limit = options.size_limit
        max_age = options.max_age
        self._max_age = None if max_age is None else float(max_age)
        self._module = main_module_name(getattr(func, "__module__", None) or "")
        self._qualname = getattr(func, "__qualname__", None) or ""

    # -- the drivers -----------------------------------------------------------
    def _call(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
    ) -> Any:
        plan, store, value, reason = self._prepare(
            args, kwargs, force=force, lazy=lazy, mmap_mode=mmap_mode
        )
        if value is not MISSING:
            return value
        flow = self._miss(plan, store, reason, args, kwargs, force, lazy, mmap_mode)
        outcome: Any = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                return done.value
            try:
                outcome = (
                    self._func(*args, **kwargs) if step is _RUN else step.acquire()
                )
            except BaseException:
                flow.close()  # releases the lock, if taken
                raise

    async def _acall(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
    ) -> Any:
        plan, store, value, reason = self._prepare(
            args, kwargs, force=force, lazy=lazy, mmap_mode=mmap_mode
        )
        if value is not MISSING:
            return value
        function = cast(Callable[..., Awaitable[Any]], self._func)
        flow = self._miss(plan, store, reason, args, kwargs, force, lazy, mmap_mode)
        outcome: Any = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                return done.value
            try:
                if step is _RUN:
                    outcome = await function(*args, **kwargs)
                else:
                    outcome = await step.acquire_async()
            except BaseException:
                flow.close()  # releases the lock, if taken
                raise

    # -- the flow --------------------------------------------------------------
    def _prepare(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
    ) -> tuple[KeyPlan | None, EntryStore | None, Any, Explanation | None]:
        """Return ``(plan, store, stored value or MISSING, reason)``; plan is None when uncached.

        With *lazy*, the stored "value" is a :class:`LazyResult` on the entry.
        """
        if (
            RAW_ENVIRON is None or b"CHECKPOINTING_DISABLE" in RAW_ENVIRON
        ) and caching_disabled():
            return None, None, MISSING, None
        try:
            plan = self._plan(args, kwargs)
            store = self._store()
        except ConfigurationError:
            raise  # key= made an unusable name: the user's to fix, never silent
        except TypeError as err:
            policy = resolve_on_error(self._on_error)
            if isinstance(err, CheckpointingError) or self._arguments_fit(args, kwargs):
                # Not the caller's mistake: a failure of ours, under the policy.
                self._internal_failure(policy, err, "cannot build the key")
                return None, None, MISSING, None
            # Arguments that do not fit the signature: let the function raise
            # exactly the error a plain call would.
            return None, None, MISSING, None
        except Exception as err:  # noqa: BLE001 - the one policy point
            self._internal_failure(
                resolve_on_error(self._on_error), err, "cannot build the key"
            )
            return None, None, MISSING, None
        if force:
            return plan, store, MISSING, None
        try:
            value = self._lookup(plan, store, lazy, mmap_mode, args, kwargs)
        except CheckpointingError as err:
            return self._read_failure(plan, store, err)
        if value is MISSING:
            return plan, store, MISSING, None
        store.record_hit(plan.function_id)
        if logger.isEnabledFor(logging.DEBUG):
            _log_event("hit", self._function_id, plan.key)
        return plan, store, value, None

    def _lookup(
        self,
        plan: KeyPlan,
        store: EntryStore,
        lazy: bool,  # noqa: FBT001 - positional on the hit path
        mmap_mode: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """
        The stored result of *plan*, or MISSING: with *lazy*, a :class:`LazyResult`
        on the entry if it exists (nothing is read).

        Raises:
            CheckpointingError: If the entry exists but cannot be read.
        """
        if lazy:
            if not plan.codec.exists(
                store, plan.function_id, plan.name, key=plan.key, max_age=self._max_age
            ):
                return MISSING
            return self._handle(plan, store, mmap_mode, args, kwargs)
        return plan.codec.read(
            store,
            plan.function_id,
            plan.name,
            key=plan.key,
            max_age=self._max_age,
            mmap_mode=mmap_mode,
        )

    def _miss(
        self,
        plan: KeyPlan | None,
        store: EntryStore | None,
        reason: Explanation | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        force: bool,  # noqa: FBT001
        lazy: bool,  # noqa: FBT001
        mmap_mode: str | None,
    ) -> Generator[EntryLock | None, Any, Any]:
        """
        The call after :meth:`_prepare` found no stored result; returns its value.

        Yields the key's lock for the driver to take, then ``_RUN`` (``None``)
        for it to run the function and send back its result. A driver whose
        step raised closes the generator (the lock is released) and re-raises.
        """
        if plan is None or store is None:  # uncacheable call (the policy already spoke)
            result = yield _RUN
            return LazyResult.of_value(result) if lazy else result
        lock = self._key_lock(store, plan)
        yield lock
        try:
            stored = self._after_wait(
                plan,
                store,
                lock,
                force=force,
                lazy=lazy,
                mmap_mode=mmap_mode,
                args=args,
                kwargs=kwargs,
            )
            if stored is not MISSING:
                return stored
            if logger.isEnabledFor(logging.DEBUG):
                _log_event("miss", self._function_id, plan.key)
            start = time.perf_counter()
            result = yield _RUN
            elapsed = time.perf_counter() - start
            saved = self._save(plan, store, result, elapsed, reason, force=force)
            self._warn_changed_by_call(
                plan
            )  # after storing: an error filter loses nothing
            if lazy:
                return self._handle(
                    plan, store, mmap_mode, args, kwargs, MISSING if saved else result
                )
            return result
        finally:
            lock.release()

    def _read_failure(
        self, plan: KeyPlan, store: EntryStore, err: CheckpointingError
    ) -> tuple[KeyPlan | None, EntryStore | None, Any, Explanation | None]:
        """The outcome of a stored result that could not be read (never raised)."""
        policy = resolve_on_error(self._on_error)
        if isinstance(err, UntrustedDirectoryError):
            # Never load from (or write to) a directory others could plant in.
            self._internal_failure(policy, err, "the cache directory is not trusted")
            return None, None, MISSING, None
        if isinstance(err, SignatureMismatchError):
            # Intact, but not signed with our key: never loaded, and left in
            # place (a reader with a wrong key must not empty a shared store);
            # the recomputed result is written over it, signed.
            if policy != "ignore":
                warnings.warn(
                    f"checkpointing: stored result of {self._function_id} is not "
                    f"signed with this process's HMAC key ({err}); recomputing. "
                    "Every reader and writer of a store must use the same "
                    "CHECKPOINTING_HMAC_KEY",
                    CacheReadWarning,
                    stacklevel=user_stacklevel(),
                )
            return (
                plan,
                store,
                MISSING,
                Explanation("miss", UNREADABLE, (), plan.key, plan.key),
            )
        if isinstance(err, (CorruptEntryError, SerializationError)):
            # Damaged, swapped, or written by an incompatible library version:
            # never an exception to the caller; move it aside and recompute.
            return plan, store, MISSING, self._unreadable(plan, store, policy, err)
        # The file could not be read at all (permissions, I/O error): an
        # internal failure like any other; the entry itself stays in place.
        self._internal_failure(
            policy, err, "cannot read the stored result; recomputing", CacheReadWarning
        )
        return (
            plan,
            store,
            MISSING,
            Explanation("miss", UNREADABLE, (), plan.key, plan.key),
        )

    def _handle(
        self,
        plan: KeyPlan,
        store: EntryStore,
        mmap_mode: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        value: Any = MISSING,
    ) -> LazyResult[Any]:
        """A lazy handle on the entry of *plan* (holding *value* if it was not stored)."""
        return LazyResult(
            store,
            plan.function_id,
            plan.name,
            plan.key,
            plan.codec,
            mmap_mode=mmap_mode,
            value=value,
            recompute=functools.partial(
                self._call, args, kwargs, force=True, lazy=False, mmap_mode=mmap_mode
            ),
            unsaved=value is not MISSING,
        )

    def _arguments_fit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        try:
            self._signature.bind(*args, **kwargs)
        except TypeError:
            return False
        return True

    def _unreadable(
        self, plan: KeyPlan, store: EntryStore, policy: OnError, err: Exception
    ) -> Explanation:
        if policy != "ignore":
            warnings.warn(
                f"checkpointing: stored result of {self._function_id} could not be read "
                f"({err}); it was moved aside and is recomputed",
                CacheReadWarning,
                stacklevel=user_stacklevel(),
            )
        with contextlib.suppress(CheckpointingError):
            store.quarantine(plan.function_id, plan.name)
        return Explanation("miss", UNREADABLE, (), plan.key, plan.key)

    def _explain_miss(self, plan: KeyPlan, store: EntryStore) -> Explanation:
        return explain(
            plan.key,
            plan.fingerprint.digest,
            plan.arguments_digest,
            component_records(plan.fingerprint),
            plan.arguments,
            store.nearest_manifests(
                plan.function_id, plan.arguments_digest, plan.fingerprint.digest
            ),
        )

    def _warn_changed_by_call(self, plan: KeyPlan) -> None:
        """
        Warn, once per name, when the call changed state that its key was built from.

        A global that the reached code both reads and mutates (a memo dict, a
        running total) is an input, so its value before the call is in the
        key; after the call it differs, so the next call (and the next process,
        starting from the initial value) keys differently. The result is
        stored all the same; the warning names the global and the fix. Only
        computed after a miss: a hit never pays for it.
        """
        try:
            after = self._fingerprint().components
        except Exception:  # noqa: BLE001 - a warning must never fail the call
            return
        for name, component in after.items():
            before = plan.fingerprint.components.get(name)
            if before is None or before.digest == component.digest:
                continue
            if (
                component.kind == "ambient"
                or (self._function_id, name) in _WARNED_CHANGED
            ):
                continue  # random generators: their own warning at the walk
            _WARNED_CHANGED.add((self._function_id, name))
            short = name.rpartition(":")[2].partition(".")[0]
            warnings.warn(
                f"checkpointing: {self._function_id}: the call changed {name} "
                f"({before.summary} -> {component.summary}), which the code also reads, "
                "so it is part of the key: the next call starts from another value and "
                "computes again, and a new process starting from the first value gets "
                "results keyed by it. If it is a memo or a counter that does not change "
                f"results, leave it out with @checkpoint(ignore_code=[{short!r}]); if "
                "results depend on it, pass it as an argument or do not cache this function",
                AmbientStateWarning,
                stacklevel=user_stacklevel(),
            )

    def _after_wait(
        self,
        plan: KeyPlan,
        store: EntryStore,
        lock: EntryLock,
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """
        After waiting for the key's lock: the entry another caller wrote, or MISSING.

        Single flight: a caller that had to wait (or that lost a race to the
        lock) finds the result the holder stored and returns it instead of
        computing it again. A wait that timed out computes anyway, and says so.
        """
        if lock.contended and not lock.acquired:
            policy = resolve_on_error(self._on_error)
            if policy != "ignore":
                warnings.warn(
                    f"checkpointing: {self._function_id}: waited {lock.waited_seconds:.0f} s "
                    "for another process computing the same call (lock_timeout); "
                    "computing it here too",
                    LockTimeoutWarning,
                    stacklevel=user_stacklevel(),
                )
            return MISSING
        if force:
            return MISSING
        # Even without a wait: another caller may have stored the entry between
        # our first look and taking the lock (one failed open on a real miss).
        try:
            value = self._lookup(plan, store, lazy, mmap_mode, args, kwargs)
        except CheckpointingError:
            return MISSING  # damaged meanwhile: recompute (and overwrite)
        if value is not MISSING and logger.isEnabledFor(logging.DEBUG):
            _log_event("hit", self._function_id, plan.key, " (after wait)")
        return value

    def _save(
        self,
        plan: KeyPlan,
        store: EntryStore,
        result: Any,
        elapsed: float,
        reason: Explanation | None,
        *,
        force: bool,
    ) -> bool:
        """Store *result*; return whether it was stored (failures go through the policy)."""
        policy = resolve_on_error(self._on_error)
        # A plain miss (no entry was there: no reason yet) publishes create-only
        # where the store can: the first complete writer of a key wins. A forced
        # recompute, an unreadable entry or one that may have expired (max_age)
        # is replaced, or it would stay in place.
        replace = force or reason is not None or self._max_age is not None
        try:
            for problem in plan.codec.check(result):
                warnings.warn(
                    f"checkpointing: {self._function_id}: the result is stored as "
                    f"{plan.codec.name} and will not load back exactly: {problem}",
                    LossySerializationWarning,
                    stacklevel=user_stacklevel(),
                )
            if reason is None:
                reason = self._explain_miss(plan, store)
                if force:
                    reason = Explanation(
                        "miss",
                        FORCED,
                        reason.changes if not reason.hit else (),
                        plan.key,
                        reason.compared_with,
                    )
            payload, files, outputs = plan.codec.prepare(result)
            if plan.name != plan.key:
                self._warn_name_collision(plan, store)
            manifest = Manifest(
                key=plan.key,
                function_id=plan.function_id,
                module=self._module,
                qualname=self._qualname,
                fingerprint=plan.fingerprint.digest,
                arguments_digest=plan.arguments_digest,
                components=component_records(plan.fingerprint),
                arguments=plan.arguments,
                created_at=time.time(),
                compute_seconds=elapsed,
                value_size_bytes=sum(memoryview(chunk).nbytes for chunk in payload),
                serializer=plan.codec.name,
                python_version=platform.python_version(),
                library_version=_library_version(),
                reason=reason.to_json(),
                name="" if plan.name == plan.key else plan.name,
                outputs=outputs,
            )
            blobs = {
                c.digest: c.source
                for c in plan.fingerprint.components.values()
                if c.source
            }
            store.save(manifest, payload, blobs, outputs=files, replace=replace)
            if self._size_limit is not None or self._max_age is not None:
                store.evict_if_due(size_limit=self._size_limit, max_age=self._max_age)
        except Exception as err:  # noqa: BLE001 - the one policy point
            self._internal_failure(
                policy,
                err,
                "the result was returned but not stored",
                category=StoreWriteWarning,
            )
            return False
        if logger.isEnabledFor(logging.DEBUG):
            _log_event("store", self._function_id, plan.key, f": {reason.summary()}")
        return True

    def _warn_name_collision(self, plan: KeyPlan, store: EntryStore) -> None:
        """Warn when ``key=`` gives two argument sets of the same code one name."""
        try:
            previous = store.manifest(plan.function_id, plan.name)
        except CheckpointingError:
            return
        if (
            previous is not None
            and previous.fingerprint == plan.fingerprint.digest
            and previous.arguments_digest != plan.arguments_digest
        ):
            warnings.warn(
                f"checkpointing: {self._function_id}: key= names the results of "
                f"different arguments {plan.name!r}; each call overwrites the "
                "other's result (never returns it). Put every argument that "
                "changes the result in the key, e.g. key=string.Template('run_$seed')",
                CheckpointingWarning,
                stacklevel=user_stacklevel(),
            )

    def _internal_failure(
        self,
        policy: OnError,
        err: Exception,
        what: str,
        category: type[Warning] = CheckpointingWarning,
    ) -> None:
        if policy == "raise":
            raise err
        if policy == "warn":
            warnings.warn(
                f"checkpointing: {self._function_id}: {what}: {err}",
                category,
                stacklevel=user_stacklevel(),
            )
