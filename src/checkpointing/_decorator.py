"""
``@checkpoint`` and the :class:`Checkpointed` wrapper: the composition root.

Call flow: resolve options → digest the arguments → fingerprint the code →
key → load from the store, or run the function and save its result with a
manifest that records why it ran. All failures of the library itself go
through one policy point (:meth:`Checkpointed._internal_failure`): ``on_error``
decides between raising, warning and staying silent, and in the last two cases
the function still runs and its value is returned. Exceptions raised by the
decorated function itself always propagate unchanged.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import logging
import os
import platform
import re
import time
import warnings
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from typing import (
    Any,
    Final,
    Generic,
    NamedTuple,
    ParamSpec,
    TypeVar,
    cast,
    final,
    overload,
)

import xxhash

from ._digest import digest_arguments, short_repr
from ._errors import (
    CacheReadWarning,
    CheckpointingError,
    CheckpointingWarning,
    ConfigurationError,
    CorruptEntryError,
    LockTimeoutWarning,
    SerializationError,
    StoreWriteWarning,
    UntrustedDirectoryError,
    user_stacklevel,
)
from ._explain import FORCED, UNREADABLE, Explanation, explain
from ._fingerprint import (
    Fingerprint,
    fingerprint_arguments,
    make_fingerprinter,
    merge_fingerprints,
)
from ._locks import KeyLock
from ._manifest import FORMAT_VERSION, ArgumentRecord, ComponentRecord, Manifest
from ._serializers import CloudpickleSerializer, CompressedSerializer, Serializer
from ._settings import (
    OnError,
    check_ignore,
    check_lock_timeout,
    check_on_error,
    check_pickle_protocol,
    resolve_directory,
    resolve_hmac_key,
    resolve_lock_timeout,
    resolve_on_error,
    resolve_pickle_protocol,
    resolve_trust_directory,
)
from ._store import MISSING, Store

__all__ = ["Checkpointed", "checkpoint"]

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger("checkpointing")

_UNSAFE_PATH_CHARS: Final = re.compile(r"[^A-Za-z0-9_.\-]")


class _Plan(NamedTuple):
    """Everything known about one call before it runs or loads.

    A ``NamedTuple``, not a frozen dataclass: it is built on every hit, and a
    tuple is built in C (a frozen dataclass pays ``object.__setattr__`` per field).
    """

    store: Store
    function_id: str
    key: str
    fingerprint: Fingerprint
    arguments_digest: str
    argument_digests: dict[str, str]
    argument_values: dict[str, object]
    serializer: Serializer

    @property
    def arguments(self) -> dict[str, ArgumentRecord]:
        """Per-parameter records; the reprs are only rendered when needed (a miss)."""
        return {
            name: ArgumentRecord(digest, short_repr(self.argument_values[name]))
            for name, digest in self.argument_digests.items()
        }


def _function_id(func: Callable[..., Any]) -> str:
    module = getattr(func, "__module__", None) or "unknown"
    qualname = str(
        getattr(func, "__qualname__", None) or getattr(func, "__name__", "fn")
    )
    qualname = qualname.replace("<locals>", "_locals_").replace("<lambda>", "_lambda_")
    return _UNSAFE_PATH_CHARS.sub("_", f"{module}.{qualname}")[:180]


@functools.lru_cache(maxsize=1)
def _library_version() -> str:
    import importlib.metadata  # ~30 ms: only when the first entry is written

    try:
        return importlib.metadata.version("checkpointing")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@final
class Checkpointed(Generic[P, R]):
    """
    A function whose results persist on disk, keyed by code and arguments.

    Created by :func:`checkpoint`; call it like the original function. It keeps
    the original's ``__name__``, ``__doc__``, signature and ``__wrapped__``,
    works on methods, and can be pickled (by reference when importable, else
    by value through cloudpickle).

    .. versionadded:: 0.1.0
    """

    __wrapped__: Callable[P, R]
    # Set by functools.update_wrapper; declared for type checkers.
    __name__: str
    __qualname__: str

    def __init__(
        self,
        func: Callable[P, R],
        *,
        directory: str | os.PathLike[str] | None = None,
        on_error: OnError | None = None,
        cache_pickle_protocol: int | None = None,
        ignore: Collection[str] = (),
        serializer: Serializer | None = None,
        include_docstrings: bool = True,
        fsync: bool = False,
        version: str | None = None,
        depends_on: Collection[object] = (),
        ignore_code: Collection[str] = (),
        lock_timeout: float | None = None,
        trust_directory: bool = False,
        hmac_key: bytes | str | None = None,
        size_limit: int | None = None,
        max_age: float | None = None,
        compress: str | None = None,
    ) -> None:
        if not callable(func):
            raise ConfigurationError(f"@checkpoint needs a function, got {func!r}")
        functools.update_wrapper(self, func)
        self.__wrapped__ = func
        self._func = func
        self._options: dict[str, Any] = {
            "directory": directory,
            "on_error": on_error,
            "cache_pickle_protocol": cache_pickle_protocol,
            "ignore": tuple(ignore) if not isinstance(ignore, str) else (ignore,),
            "serializer": serializer,
            "include_docstrings": include_docstrings,
            "fsync": fsync,
            "version": version,
            "depends_on": tuple(depends_on),
            "ignore_code": (ignore_code,)
            if isinstance(ignore_code, str)
            else tuple(ignore_code),
        }
        name = (
            f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
        )
        if on_error is not None:
            check_on_error(on_error)
        if cache_pickle_protocol is not None:
            check_pickle_protocol(cache_pickle_protocol)
            if serializer is not None:
                raise ConfigurationError(
                    f"{name}: pass either serializer= or cache_pickle_protocol=, not both"
                )
        if serializer is not None and not isinstance(serializer, Serializer):
            raise ConfigurationError(
                f"{name}: serializer= needs an object with name, dumps() and loads(), "
                f"got {serializer!r}"
            )
        try:
            self._signature = inspect.signature(func)
        except (TypeError, ValueError) as err:
            raise ConfigurationError(
                f"{name}: cannot read its signature ({err})"
            ) from err
        self._ignore = check_ignore(
            self._options["ignore"], self._signature.parameters, name
        )
        self._directory = directory
        self._on_error = on_error
        self._protocol = cache_pickle_protocol
        self._serializer = serializer
        self._include_docstrings = include_docstrings
        self._fsync = fsync
        if version is not None and (not isinstance(version, str) or not version):
            raise ConfigurationError(
                f"{name}: version= must be a non-empty str, got {version!r}"
            )
        if isinstance(depends_on, (str, os.PathLike)):
            raise ConfigurationError(
                f"{name}: depends_on= takes a list (a single path goes in a list: "
                f"depends_on=[{depends_on!r}])"
            )
        self._version = version
        if lock_timeout is not None:
            check_lock_timeout(lock_timeout)
        self._lock_timeout = lock_timeout
        self._trust_directory = trust_directory
        if hmac_key is not None and not isinstance(hmac_key, (bytes, str)):
            raise ConfigurationError(f"{name}: hmac_key= must be bytes or str")
        self._hmac_key = hmac_key
        if size_limit is not None and (
            isinstance(size_limit, bool)
            or not isinstance(size_limit, int)
            or size_limit < 0
        ):
            raise ConfigurationError(
                f"{name}: size_limit= must be a number of bytes >= 0"
            )
        if max_age is not None and (
            isinstance(max_age, bool)
            or not isinstance(max_age, (int, float))
            or max_age < 0
        ):
            raise ConfigurationError(
                f"{name}: max_age= must be a number of seconds >= 0"
            )
        self._compress = compress
        self._compressed: CompressedSerializer | None = None
        if compress is not None:
            CompressedSerializer(CloudpickleSerializer(), compress)  # validate now
        self._size_limit = size_limit
        self._max_age = None if max_age is None else float(max_age)
        self._depends_on: tuple[object, ...] = self._options["depends_on"]
        self._ignore_code = frozenset(self._options["ignore_code"])
        self._fingerprint = make_fingerprinter(
            func,
            include_docstrings=include_docstrings,
            ignore_code=self._ignore_code,
            depends_on=self._depends_on,
            version=version,
        )
        self._function_id = _function_id(inspect.unwrap(func))
        self._is_async = inspect.iscoroutinefunction(inspect.unwrap(func))
        if self._is_async:
            # Lets asyncio.iscoroutinefunction() (and frameworks using it) see us.
            self._is_coroutine = getattr(
                importlib.import_module("asyncio.coroutines"), "_is_coroutine", None
            )
        self._stores: dict[tuple[str, bytes | None, bool], Store] = {}

    # -- the public surface --------------------------------------------------
    def __repr__(self) -> str:
        return f"<checkpointed {self._function_id}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Return the stored result for these arguments, or run and store it."""
        if self._is_async:
            return cast(R, self._acall(args, kwargs, force=False))
        return self._call(args, kwargs, force=False)

    def rerun(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """
        Run the function even if a result is stored, and overwrite that result.

        Use it when something the fingerprint cannot see changed (a file read by
        the function, a remote service).
        """
        if self._is_async:
            return cast(R, self._acall(args, kwargs, force=True))
        return self._call(args, kwargs, force=True)

    def key(self, *args: P.args, **kwargs: P.kwargs) -> str:
        """
        Return the key (32-character hex) these arguments would be stored under.

        Raises:
            TypeError: If the arguments do not match the signature.
            CheckpointingError: If the key cannot be computed.
        """
        return self._plan(args, kwargs).key

    def is_cached(self, *args: P.args, **kwargs: P.kwargs) -> bool:
        """Return whether a call with these arguments would be a hit (nothing runs)."""
        plan = self._plan(args, kwargs)
        return plan.store.is_valid(plan.function_id, plan.key, max_age=self._max_age)

    def explain(self, *args: P.args, **kwargs: P.kwargs) -> Explanation:
        """
        Say whether a call with these arguments would hit, and if not, why.

        Nothing runs. A miss names every component (own source, callee, global,
        package, docstring) and argument that differs from the nearest stored
        entry of this function.

        Raises:
            TypeError: If the arguments do not match the signature.
            CheckpointingError: If the key cannot be computed.
        """
        plan = self._plan(args, kwargs)
        if plan.store.is_valid(plan.function_id, plan.key, max_age=self._max_age):
            return Explanation("hit", "hit", (), plan.key, plan.key)
        return self._explain_miss(plan)

    def clear(self) -> int:
        """
        Delete every stored result of this function in its current directory.

        Returns:
            The number of entries deleted.
        """
        return self._store().clear(self._function_id)

    @property
    def directory(self) -> Path:
        """The cache directory a call would use now (resolved at call time)."""
        return Path(resolve_directory(self._directory))

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return _BoundCheckpointed(self, instance)

    def __reduce__(self) -> tuple[Any, ...]:
        module = getattr(self._func, "__module__", None)
        qualname = getattr(self._func, "__qualname__", "")
        if module and "<locals>" not in qualname:
            try:
                target: Any = importlib.import_module(module)
                for part in qualname.split("."):
                    target = getattr(target, part)
            except (ImportError, AttributeError):
                target = None
            if target is self:
                return (_import_checkpointed, (module, qualname))
        return (_rebuild, (self._func, self._options))

    # -- internals -----------------------------------------------------------
    def _store(self) -> Store:
        directory = resolve_directory(self._directory)
        hmac_key = resolve_hmac_key(self._hmac_key)
        trust = resolve_trust_directory(explicit=self._trust_directory)
        memo_key = (directory, hmac_key, trust)
        store = self._stores.get(memo_key)
        if store is None:
            store = Store(
                directory, fsync=self._fsync, trust_directory=trust, hmac_key=hmac_key
            )
            self._stores[memo_key] = store
        return store

    def _resolved_serializer(self) -> Serializer:
        if self._serializer is not None:
            base = self._serializer
        else:
            base = _cloudpickle_serializer(resolve_pickle_protocol(self._protocol))
        if self._compress is None:
            return base
        wrapped = self._compressed
        if wrapped is None or wrapped.inner is not base:
            wrapped = self._compressed = CompressedSerializer(base, self._compress)
        return wrapped

    def _plan(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Plan:
        serializer = self._resolved_serializer()
        arguments_digest, per_parameter, values = digest_arguments(
            self._signature, args, kwargs, ignore=self._ignore
        )
        fingerprint = merge_fingerprints(
            self._fingerprint(),
            # Functions, methods and project objects passed as arguments: their code.
            fingerprint_arguments(values, include_docstrings=self._include_docstrings),
        )
        key = xxhash.xxh3_128_hexdigest(
            f"checkpointing/{FORMAT_VERSION}\0{fingerprint.digest}\0"
            f"{arguments_digest}\0{serializer.name}".encode()
        )
        return _Plan(
            self._store(),
            self._function_id,
            key,
            fingerprint,
            arguments_digest,
            per_parameter,
            values,
            serializer,
        )

    def _explain_miss(self, plan: _Plan) -> Explanation:
        return explain(
            plan.key,
            plan.fingerprint.digest,
            plan.arguments_digest,
            _component_records(plan.fingerprint),
            plan.arguments,
            plan.store.nearest_manifests(
                plan.function_id, plan.arguments_digest, plan.fingerprint.digest
            ),
        )

    def _prepare(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], *, force: bool
    ) -> tuple[_Plan | None, Any, Explanation | None]:
        """Return ``(plan, stored value or MISSING, reason)``; plan is None when uncached."""
        policy = resolve_on_error(self._on_error)
        try:
            plan = self._plan(args, kwargs)
        except TypeError as err:
            if isinstance(err, CheckpointingError) or self._arguments_fit(args, kwargs):
                # Not the caller's mistake: a failure of ours, under the policy.
                self._internal_failure(policy, err, "cannot build the key")
                return None, MISSING, None
            # Arguments that do not fit the signature: let the function raise
            # exactly the error a plain call would.
            return None, MISSING, None
        except Exception as err:  # noqa: BLE001 - the one policy point
            self._internal_failure(policy, err, "cannot build the key")
            return None, MISSING, None
        if force:
            return plan, MISSING, None
        try:
            raw = plan.store.load(plan.function_id, plan.key, max_age=self._max_age)
            if raw is MISSING:
                return plan, MISSING, None
            value = plan.serializer.loads(cast(memoryview, raw))
        except UntrustedDirectoryError as err:
            # Never load from (or write to) a directory others could plant in.
            self._internal_failure(policy, err, "the cache directory is not trusted")
            return None, MISSING, None
        except (CorruptEntryError, SerializationError) as err:
            # Damaged, swapped, or written by an incompatible library version:
            # never an exception to the caller; move it aside and recompute.
            return plan, MISSING, self._unreadable(plan, policy, err)
        except CheckpointingError as err:
            # The file could not be read at all (permissions, I/O error): an
            # internal failure like any other; the entry itself stays in place.
            self._internal_failure(
                policy,
                err,
                "cannot read the stored result; recomputing",
                CacheReadWarning,
            )
            return (
                plan,
                MISSING,
                Explanation("miss", UNREADABLE, (), plan.key, plan.key),
            )
        plan.store.record_hit(plan.function_id)
        logger.debug("hit %s key=%s", self._function_id, plan.key)
        return plan, value, None

    def _arguments_fit(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        try:
            self._signature.bind(*args, **kwargs)
        except TypeError:
            return False
        return True

    def _unreadable(self, plan: _Plan, policy: OnError, err: Exception) -> Explanation:
        if policy != "ignore":
            warnings.warn(
                f"checkpointing: stored result of {self._function_id} could not be read "
                f"({err}); it was moved aside and is recomputed",
                CacheReadWarning,
                stacklevel=user_stacklevel(),
            )
        with contextlib.suppress(CheckpointingError):
            plan.store.quarantine(plan.function_id, plan.key)
        return Explanation("miss", UNREADABLE, (), plan.key, plan.key)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any], *, force: bool) -> R:
        plan, value, reason = self._prepare(args, kwargs, force=force)
        if value is not MISSING:
            return cast(R, value)
        if plan is None:  # uncacheable call (the policy already spoke)
            return self._func(*args, **kwargs)
        lock = self._key_lock(plan)
        lock.acquire()
        try:
            stored = self._after_wait(plan, lock, force=force)
            if stored is not MISSING:
                return cast(R, stored)
            start = time.perf_counter()
            result = self._func(*args, **kwargs)
            elapsed = time.perf_counter() - start
            self._save(plan, result, elapsed, reason, force=force)
            return result
        finally:
            lock.release()

    async def _acall(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], *, force: bool
    ) -> Any:
        plan, value, reason = self._prepare(args, kwargs, force=force)
        if value is not MISSING:
            return value
        function = cast(Callable[..., Awaitable[Any]], self._func)
        if plan is None:
            return await function(*args, **kwargs)
        lock = self._key_lock(plan)
        await lock.acquire_async()
        try:
            stored = self._after_wait(plan, lock, force=force)
            if stored is not MISSING:
                return stored
            start = time.perf_counter()
            result = await function(*args, **kwargs)
            elapsed = time.perf_counter() - start
            self._save(plan, result, elapsed, reason, force=force)
            return result
        finally:
            lock.release()

    def _key_lock(self, plan: _Plan) -> KeyLock:
        timeout = resolve_lock_timeout(self._lock_timeout)
        return KeyLock(str(plan.store.root), plan.function_id, plan.key, timeout)

    def _after_wait(self, plan: _Plan, lock: KeyLock, *, force: bool) -> Any:
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
            raw = plan.store.load(plan.function_id, plan.key, max_age=self._max_age)
            if raw is MISSING:
                return MISSING  # the holder failed: compute it ourselves
            value = plan.serializer.loads(cast(memoryview, raw))
        except CheckpointingError:
            return MISSING  # damaged meanwhile: recompute (and overwrite)
        logger.debug("hit after wait %s key=%s", self._function_id, plan.key)
        return value

    def _save(
        self,
        plan: _Plan,
        result: Any,
        elapsed: float,
        reason: Explanation | None,
        *,
        force: bool,
    ) -> None:
        policy = resolve_on_error(self._on_error)
        try:
            if reason is None:
                reason = self._explain_miss(plan)
                if force:
                    reason = Explanation(
                        "miss",
                        FORCED,
                        reason.changes if not reason.hit else (),
                        plan.key,
                        reason.compared_with,
                    )
            dump_chunks = getattr(plan.serializer, "dump_chunks", None)
            payload = (
                dump_chunks(result)
                if dump_chunks is not None
                else [plan.serializer.dumps(result)]
            )
            manifest = Manifest(
                key=plan.key,
                function_id=plan.function_id,
                module=getattr(self._func, "__module__", "") or "",
                qualname=getattr(self._func, "__qualname__", "") or "",
                fingerprint=plan.fingerprint.digest,
                arguments_digest=plan.arguments_digest,
                components=_component_records(plan.fingerprint),
                arguments=plan.arguments,
                created_at=time.time(),
                compute_seconds=elapsed,
                value_size_bytes=sum(memoryview(chunk).nbytes for chunk in payload),
                serializer=plan.serializer.name,
                python_version=platform.python_version(),
                library_version=_library_version(),
                reason=reason.to_json(),
            )
            blobs = {
                c.digest: c.source
                for c in plan.fingerprint.components.values()
                if c.source
            }
            plan.store.save(manifest, payload, blobs)
            if self._size_limit is not None or self._max_age is not None:
                plan.store.evict_if_due(
                    size_limit=self._size_limit, max_age=self._max_age
                )
        except Exception as err:  # noqa: BLE001 - the one policy point
            self._internal_failure(
                policy,
                err,
                "the result was returned but not stored",
                category=StoreWriteWarning,
            )
            return
        logger.debug(
            "miss %s key=%s: %s", self._function_id, plan.key, reason.summary()
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


@final
class _BoundCheckpointed:
    # A Checkpointed method bound to an instance (``obj.method``). No class
    # docstring: ``__doc__`` is the property below, the method's own docstring.

    __slots__ = ("__func__", "__self__")

    @property
    def __doc__(self) -> str | None:  # type: ignore[override]
        return self.__func__.__doc__

    def __init__(self, func: Checkpointed[..., Any], instance: object) -> None:
        self.__func__ = func
        self.__self__ = instance

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__func__(self.__self__, *args, **kwargs)

    def rerun(self, *args: Any, **kwargs: Any) -> Any:
        """Bound form of :meth:`Checkpointed.rerun`."""
        return self.__func__.rerun(self.__self__, *args, **kwargs)

    def key(self, *args: Any, **kwargs: Any) -> str:
        """Bound form of :meth:`Checkpointed.key`."""
        return self.__func__.key(self.__self__, *args, **kwargs)

    def is_cached(self, *args: Any, **kwargs: Any) -> bool:
        """Bound form of :meth:`Checkpointed.is_cached`."""
        return self.__func__.is_cached(self.__self__, *args, **kwargs)

    def explain(self, *args: Any, **kwargs: Any) -> Explanation:
        """Bound form of :meth:`Checkpointed.explain`."""
        return self.__func__.explain(self.__self__, *args, **kwargs)

    def clear(self) -> int:
        """Same as :meth:`Checkpointed.clear` (all entries of the method)."""
        return self.__func__.clear()

    @property
    def __wrapped__(self) -> Any:
        return self.__func__.__wrapped__.__get__(self.__self__)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__func__, name)

    def __repr__(self) -> str:
        owner = short_repr(self.__self__, 60)
        return f"<bound checkpointed {self.__func__._function_id} of {owner}>"


@functools.lru_cache(maxsize=16)
def _cloudpickle_serializer(protocol: int) -> CloudpickleSerializer:
    return CloudpickleSerializer(protocol)


def _component_records(fingerprint: Fingerprint) -> dict[str, ComponentRecord]:
    return {
        name: ComponentRecord(
            c.kind, c.digest, c.summary, c.digest if c.source else None
        )
        for name, c in fingerprint.components.items()
    }


def _import_checkpointed(module: str, qualname: str) -> Any:
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


def _rebuild(
    func: Callable[..., Any], options: dict[str, Any]
) -> Checkpointed[..., Any]:
    return Checkpointed(func, **options)


@overload
def checkpoint(func: Callable[P, R], /) -> Checkpointed[P, R]: ...
@overload
def checkpoint(
    func: None = None,
    /,
    *,
    directory: str | os.PathLike[str] | None = None,
    on_error: OnError | None = None,
    cache_pickle_protocol: int | None = None,
    ignore: Collection[str] = (),
    serializer: Serializer | None = None,
    include_docstrings: bool = True,
    fsync: bool = False,
    version: str | None = None,
    depends_on: Collection[object] = (),
    ignore_code: Collection[str] = (),
    lock_timeout: float | None = None,
    trust_directory: bool = False,
    hmac_key: bytes | str | None = None,
    size_limit: int | None = None,
    max_age: float | None = None,
    compress: str | None = None,
) -> Callable[[Callable[P, R]], Checkpointed[P, R]]: ...
def checkpoint(
    func: Callable[P, R] | None = None,
    /,
    *,
    directory: str | os.PathLike[str] | None = None,
    on_error: OnError | None = None,
    cache_pickle_protocol: int | None = None,
    ignore: Collection[str] = (),
    serializer: Serializer | None = None,
    include_docstrings: bool = True,
    fsync: bool = False,
    version: str | None = None,
    depends_on: Collection[object] = (),
    ignore_code: Collection[str] = (),
    lock_timeout: float | None = None,
    trust_directory: bool = False,
    hmac_key: bytes | str | None = None,
    size_limit: int | None = None,
    max_age: float | None = None,
    compress: str | None = None,
) -> Checkpointed[P, R] | Callable[[Callable[P, R]], Checkpointed[P, R]]:
    """
    Persist a function's results on disk; rerun only when code or arguments change.

    Use as ``@checkpoint`` or ``@checkpoint(...)`` on plain functions, ``async``
    functions and methods. A call's key combines the *fingerprint* of the code
    (normalized source, docstring, signature, referenced globals' values,
    closures, and every project function reached, transitively; packages by
    version) with the *digest* of the bound arguments (defaults applied).

    Args:
        func: The function (when used without parentheses).
        directory: Cache directory. Resolved at each call: this argument, else
            the ``CHECKPOINTING_DIR`` environment variable, else
            ``defaults["cache.filesystem.directory"]`` (``./.checkpointing``).
        on_error: What to do when checkpointing itself fails (not the
            function): ``"warn"`` (default: warn, run the function, return its
            value), ``"raise"``, or ``"ignore"`` (run silently).
        cache_pickle_protocol: Pickle protocol for stored results (default 5,
            or ``defaults["cache.pickle_protocol"]``).
        ignore: Parameter names left out of the key (e.g. ``verbose``).
        serializer: A :class:`Serializer` instead of cloudpickle.
        include_docstrings: Whether docstring edits cause a rerun (default
            true: a docstring is part of the fingerprint by design).
        fsync: Whether to ``fsync`` every written file (slower, survives power
            loss; without it a crash can only lose an entry, never corrupt one).
        version: Pin the code identity to this string: the code is not
            analysed, so results are kept across any refactor (yours to judge)
            until the string changes. Arguments, ``depends_on`` and the Python
            version still count.
        depends_on: What the analysis cannot see: paths (a file's bytes, or
            every file under a directory, digested on every call), modules,
            functions or classes (their code is walked), other values
            (digested on every call).
        ignore_code: Names left out of the fingerprint: a global or closure
            variable name (``"calls"``, ``"logger"``) or a function or class
            (``"helpers:plot"``, ``"Model.debug"``); what is reachable only
            through them is left out too. Each change of this list reruns.
        lock_timeout: Seconds a miss waits while another thread or process
            computes the same call (single flight: it then loads that result).
            Default ``defaults["checkpoint.lock_timeout"]`` (3600). On timeout
            the call computes anyway, with a :class:`LockTimeoutWarning`.
        trust_directory: Accept a cache directory owned by another user or
            writable by group/others (refused by default on POSIX: entries are
            pickles, and loading one runs code). Also
            ``CHECKPOINTING_TRUST_DIRECTORY=1``.
        hmac_key: Sign every entry with HMAC-SHA256 under this key and refuse
            (as misses) entries that are unsigned or do not verify. Default:
            the ``CHECKPOINTING_HMAC_KEY`` environment variable, if set.
        size_limit: Bytes for the whole cache directory: after a result is
            stored, least-recently-used entries (of any function) are evicted
            until the directory fits (checked at most every 30 s per process).
        max_age: Seconds: an entry written longer ago is a miss (recomputed
            and overwritten) and is evicted with the size checks.
        compress: ``"zstd"`` or ``"lz4"`` to compress stored results (off by
            default; needs ``pip install "checkpointing[zstd]"`` or ``[lz4]``).
            Entries stay readable whatever the setting when read back.

    Returns:
        A :class:`Checkpointed` wrapper (or a decorator making one).

    Raises:
        ConfigurationError: If an option is invalid (raised at decoration).

    .. versionadded:: 0.1.0
    """
    options: dict[str, Any] = {
        "directory": directory,
        "on_error": on_error,
        "cache_pickle_protocol": cache_pickle_protocol,
        "ignore": ignore,
        "serializer": serializer,
        "include_docstrings": include_docstrings,
        "fsync": fsync,
        "version": version,
        "depends_on": depends_on,
        "ignore_code": ignore_code,
        "lock_timeout": lock_timeout,
        "trust_directory": trust_directory,
        "hmac_key": hmac_key,
        "size_limit": size_limit,
        "max_age": max_age,
        "compress": compress,
    }
    if func is not None:
        return Checkpointed(func, **options)

    def decorate(f: Callable[P, R]) -> Checkpointed[P, R]:
        return Checkpointed(f, **options)

    return decorate
