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
import string
import threading
import time
import warnings
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from pathlib import Path
from types import FunctionType
from typing import (
    Any,
    BinaryIO,
    Final,
    Generic,
    Literal,
    NamedTuple,
    ParamSpec,
    TypeVar,
    cast,
    final,
    overload,
)

import xxhash

from ._codec import (
    FilesCodec,
    InlineCodec,
    ResultCodec,
    check_mmap_mode,
    make_codec,
)
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
    StoreWriteWarning,
    UntrustedDirectoryError,
    user_stacklevel,
)
from ._explain import FORCED, UNREADABLE, Explanation, explain
from ._fingerprint import (
    Fingerprint,
    fingerprint_arguments,
    main_module_name,
    make_fingerprinter,
    merge_fingerprints,
)
from ._lazy import LazyResult
from ._locks import KeyLock
from ._manifest import FORMAT_VERSION, ArgumentRecord, ComponentRecord, Manifest
from ._serializers import (
    DEFAULT_PICKLE_PROTOCOL,
    BytesSerializer,
    CloudpickleSerializer,
    CompressedSerializer,
    Serializer,
)
from ._settings import (
    RAW_ENVIRON,
    OnError,
    caching_disabled,
    check_ignore,
    check_lock_timeout,
    check_on_error,
    check_pickle_protocol,
    defaults,
    refresh_requested,
    resolve_directory,
    resolve_hmac_key,
    resolve_lock_timeout,
    resolve_on_error,
    resolve_trust_directory,
)
from ._store import MISSING, Store, is_hex_key
from .digest import digest_arguments, short_repr

__all__ = ["Checkpointed", "checkpoint"]

P = ParamSpec("P")
R = TypeVar("R")

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


_UNSAFE_PATH_CHARS: Final = re.compile(r"[^A-Za-z0-9_.\-]")


class _Unset:
    """Marks an option left unset (``None`` is a meaningful ``mmap_mode``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


_UNSET: Final = _Unset()

#: ``directory=``: one cache directory, or several from fast to slow (tiers).
Directory = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None
#: ``serializer=``: a name (``"numpy"``), a serializer object, or for
#: ``outputs=`` one per output (a sequence, or a mapping by output name).
SerializerSpec = (
    str
    | Serializer
    | BytesSerializer
    | Sequence[str | Serializer | BytesSerializer]
    | Mapping[str, str | Serializer | BytesSerializer]
    | None
)
#: ``key=``: a fixed name, a :class:`string.Template` (``{0}`` positional,
#: ``$name`` by parameter), or ``callable(args, kwargs) -> str``.
KeySpec = (
    str | string.Template | Callable[[tuple[Any, ...], dict[str, Any]], str] | None
)

#: Characters refused in readable entry names: path separators, NUL, and the
#: characters Windows forbids in file names, so a cache directory stays portable.
_FORBIDDEN_NAME_CHARS: Final = frozenset('/\\\0<>:"|?*')
_MAX_NAME_LENGTH: Final = 150
#: File names are limited to 255 bytes; the store adds suffixes and temp-file
#: parts (``.<name>.ckpt.<pid>.<random>.tmp``) to an entry's name.
_MAX_NAME_BYTES: Final = 200


def check_entry_name(name: object, function_id: str) -> str:
    """
    Validate a readable entry name made by ``key=``.

    The name becomes the stem of the entry's files inside the function's own
    directory, so it cannot collide with another function's entries; these
    rules keep it inside that directory and apart from hashed entries.

    Raises:
        ConfigurationError: If *name* is not a ``str``, is empty or longer
            than 150 characters or 200 UTF-8 bytes, contains a lone
            surrogate, a path separator, NUL, a control character or one of
            ``<>:"|?*``, starts with ``.`` (hidden and
            internal files) or ends with ``.`` or a space (Windows drops
            them), or is 32 hex characters (the form of a hashed key).
    """
    problem = None
    if not isinstance(name, str):
        problem = f"is a {type(name).__qualname__}, not a str"
    elif (
        not name
        or len(name) > _MAX_NAME_LENGTH
        or len(name.encode("utf-8", "replace")) > _MAX_NAME_BYTES
    ):
        problem = (
            f"must have 1 to {_MAX_NAME_LENGTH} characters "
            f"and at most {_MAX_NAME_BYTES} bytes in UTF-8"
        )
    elif any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        problem = "contains a lone surrogate (not valid UTF-8)"
    elif set(name) & _FORBIDDEN_NAME_CHARS or any(ord(c) < 32 for c in name):
        problem = 'contains a path separator, NUL, a control character or <>:"|?*'
    elif name.startswith("."):
        problem = "starts with '.' (reserved for the store's own files)"
    elif name.endswith((".", " ")):
        problem = "ends with '.' or a space"
    elif is_hex_key(name):
        problem = "has the form of a hashed key (32 hex digits)"
    if problem is not None:
        raise ConfigurationError(
            f"{function_id}: key= produced the entry name {name!r}, which {problem}; "
            "use letters, digits and -_=+,@ (e.g. 'lr=0.1_seed=3')"
        )
    return cast(str, name)


_TEMPLATE_FIELD: Final = re.compile(
    r"\{(?P<position>\d+)\}|\$(?:(?P<dollar>\$)|(?P<name>[_a-zA-Z][_a-zA-Z0-9]*)"
    r"|\{(?P<braced>[_a-zA-Z][_a-zA-Z0-9]*)\})"
)


def _expand_template(
    template: string.Template,
    args: tuple[Any, ...],
    bound: Mapping[str, Any],
    function_id: str,
) -> str:
    """
    Fill an ediblepickle key template: ``{0}`` is the first positional argument
    as passed, ``$name``/``${name}`` the argument bound to parameter *name*
    (passed by position or keyword, or its default), ``$$`` a ``$``.

    Raises:
        ConfigurationError: If a field names no positional argument or parameter.
    """

    def fill(match: re.Match[str]) -> str:
        if match.group("dollar"):
            return "$"
        position = match.group("position")
        if position is not None:
            index = int(position)
            if index >= len(args):
                raise ConfigurationError(
                    f"{function_id}: key= template field {{{index}}} needs at least "
                    f"{index + 1} positional arguments, the call passed {len(args)}"
                )
            return str(args[index])
        field = match.group("name") or match.group("braced")
        if field not in bound:
            raise ConfigurationError(
                f"{function_id}: key= template field ${field} is not a parameter; "
                f"parameters: {list(bound)}"
            )
        return str(bound[field])

    return _TEMPLATE_FIELD.sub(fill, template.template)


def _check_key_spec(spec: object, where: str) -> KeySpec:
    if spec is None or isinstance(spec, (str, string.Template)) or callable(spec):
        if isinstance(spec, str):
            check_entry_name(spec, where)
        return cast(KeySpec, spec)
    raise ConfigurationError(
        f"{where}: key= must be a str, a string.Template or a function "
        f"(args, kwargs) -> str, got {spec!r}"
    )


def _check_directory(directory: object, where: str) -> Any:
    """One directory, or a tuple of tiers (fast to slow) for a list of them."""
    if directory is None or isinstance(directory, (str, os.PathLike)):
        return directory
    if isinstance(directory, (list, tuple)) and all(
        isinstance(d, (str, os.PathLike)) for d in directory
    ):
        tiers = tuple(os.fspath(d) for d in directory)
        if len(tiers) == 1:
            return tiers[0]
        if len(set(tiers)) != len(tiers) or not tiers:
            raise ConfigurationError(f"{where}: directory= tiers must be distinct")
        return tiers
    raise ConfigurationError(
        f"{where}: directory= must be a path or a list of paths (fast to slow), "
        f"got {directory!r}"
    )


def _fixed_codec(
    where: str,
    serializer: object,
    pickler: object,
    unpickler: object,
    outputs: Sequence[str] | None,
    compress: str | None,
    pickler_mode: object = "binary",
) -> ResultCodec | None:
    """The codec fixed at decoration, or ``None`` for the default (pickle, inline)."""
    if (pickler is None) != (unpickler is None):
        raise ConfigurationError(
            f"{where}: pickler= and unpickler= go together (one writes the file, "
            "the other reads it back)"
        )
    if pickler_mode not in ("binary", "text"):
        raise ConfigurationError(
            f"{where}: pickler_mode= must be 'binary' or 'text', got {pickler_mode!r}"
        )
    if pickler_mode != "binary" and pickler is None:
        raise ConfigurationError(
            f"{where}: pickler_mode= says how pickler=/unpickler= get their file; "
            "pass them too"
        )
    if pickler is not None:
        if serializer is not None:
            raise ConfigurationError(
                f"{where}: pass either serializer= or pickler=/unpickler=, not both"
            )
        from .formats import CallableSerializer

        serializer = CallableSerializer(
            pickler,  # type: ignore[arg-type]
            unpickler,  # type: ignore[arg-type]
            mode=cast(Any, pickler_mode),
        )
    if serializer is None and outputs is None:
        return None
    from .formats import resolve_serializer

    codec = make_codec(
        cast(Any, "pickle" if serializer is None else serializer),
        outputs,
        where=where,
        resolve=functools.partial(resolve_serializer, what=f"{where}: serializer="),
    )
    if compress is not None and isinstance(codec, FilesCodec):
        raise ConfigurationError(
            f"{where}: compress= applies to results kept in the entry file "
            "(pickle); file formats such as Parquet compress themselves"
        )
    if compress is not None and isinstance(codec, InlineCodec):
        codec = InlineCodec(CompressedSerializer(codec.serializer, compress))
    return codec


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
    codec: ResultCodec
    name: str  # the entry's file name: the key, or the readable key= name

    @property
    def arguments(self) -> dict[str, ArgumentRecord]:
        """Per-parameter records; the reprs are only rendered when needed (a miss)."""
        return {
            name: ArgumentRecord(digest, short_repr(self.argument_values[name]))
            for name, digest in self.argument_digests.items()
        }


#: (function id, component) pairs already warned about by _warn_changed_by_call.
_WARNED_CHANGED: set[tuple[str, str]] = set()


def _signature_parts(func: object) -> tuple[object, object, object]:
    """What a function's signature is made of and may be replaced in place."""
    return (
        getattr(func, "__code__", None),
        getattr(func, "__defaults__", None),
        getattr(func, "__kwdefaults__", None),
    )


def _function_id(func: Callable[..., Any]) -> str:
    module = main_module_name(getattr(func, "__module__", None) or "unknown")
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
        directory: Directory = None,
        on_error: OnError | None = None,
        cache_pickle_protocol: int | None = None,
        ignore: Collection[str] = (),
        serializer: SerializerSpec = None,
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
        key: KeySpec = None,
        pickler: Callable[[Any, BinaryIO], None] | None = None,
        unpickler: Callable[[BinaryIO], Any] | None = None,
        pickler_mode: Literal["binary", "text"] = "binary",
        outputs: Sequence[str] | None = None,
        refresh: bool | Callable[[], bool] = False,
        lazy: bool = False,
        mmap_mode: str | None = None,
        write_back: str = "sync",
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
            "lock_timeout": lock_timeout,
            "trust_directory": trust_directory,
            "hmac_key": hmac_key,
            "size_limit": size_limit,
            "max_age": max_age,
            "compress": compress,
            "key": key,
            "pickler": pickler,
            "unpickler": unpickler,
            "pickler_mode": pickler_mode,
            "outputs": outputs,
            "refresh": refresh,
            "lazy": lazy,
            "mmap_mode": mmap_mode,
            "write_back": write_back,
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
        self._fixed_codec = _fixed_codec(
            name, serializer, pickler, unpickler, outputs, compress, pickler_mode
        )
        self._key_spec = _check_key_spec(key, name)
        if not isinstance(refresh, bool) and not callable(refresh):
            raise ConfigurationError(
                f"{name}: refresh= must be a bool or a function of no arguments "
                f"returning one, got {refresh!r}"
            )
        self._refresh = refresh
        self._lazy = bool(lazy)
        self._mmap_mode = check_mmap_mode(mmap_mode, name)
        if write_back not in ("sync", "background"):
            raise ConfigurationError(
                f"{name}: write_back= must be 'sync' or 'background', got {write_back!r}"
            )
        self._write_back = write_back
        self._inline_codecs: dict[int, InlineCodec] = {}
        try:
            self._signature_source = inspect.unwrap(func)
            self._signature_memo = (
                *_signature_parts(self._signature_source),
                inspect.signature(func),
            )
        except (TypeError, ValueError) as err:
            raise ConfigurationError(
                f"{name}: cannot read its signature ({err})"
            ) from err
        self._ignore = check_ignore(
            self._options["ignore"], self._signature.parameters, name
        )
        self._directory = _check_directory(directory, name)
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
            # A pickler's code decides the stored bytes: fingerprint it too.
            depends_on=self._depends_on
            + ((pickler, unpickler) if pickler is not None else ()),
            version=version,
        )
        self._function_id = _function_id(inspect.unwrap(func))
        self._is_async = inspect.iscoroutinefunction(inspect.unwrap(func))
        if self._is_async:
            # Lets asyncio.iscoroutinefunction() (and frameworks using it) see us.
            self._is_coroutine = getattr(
                importlib.import_module("asyncio.coroutines"), "_is_coroutine", None
            )
        self._stores: dict[tuple[Any, bytes | None, bool], Store] = {}
        self._stores_by_setting: dict[tuple[Any, ...], Store] = {}
        self._module = main_module_name(getattr(func, "__module__", None) or "")
        self._qualname = getattr(func, "__qualname__", None) or ""

    # -- the public surface --------------------------------------------------
    def __repr__(self) -> str:
        return f"<checkpointed {self._function_id}>"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Return the stored result for these arguments, or run and store it.

        With ``lazy=True`` the return value is a :class:`LazyResult` instead.
        """
        force = self._refresh_requested()
        if self._is_async:
            return cast(
                R,
                self._acall(
                    args,
                    kwargs,
                    force=force,
                    lazy=self._lazy,
                    mmap_mode=self._mmap_mode,
                ),
            )
        return cast(
            R,
            self._call(
                args, kwargs, force=force, lazy=self._lazy, mmap_mode=self._mmap_mode
            ),
        )

    def rerun(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """
        Run the function even if a result is stored, and overwrite that result.

        Use it when something the fingerprint cannot see changed (a file read by
        the function, a remote service).
        """
        if self._is_async:
            return cast(
                R,
                self._acall(
                    args, kwargs, force=True, lazy=self._lazy, mmap_mode=self._mmap_mode
                ),
            )
        return cast(
            R,
            self._call(
                args, kwargs, force=True, lazy=self._lazy, mmap_mode=self._mmap_mode
            ),
        )

    def lazy(self, *args: P.args, **kwargs: P.kwargs) -> LazyResult[R]:
        """
        Make sure the result is stored, and return a handle instead of the value.

        The result is computed and stored if needed (as a call would), but a
        stored result is not read: :meth:`LazyResult.load` reads it on first
        use (joblib's ``call_and_shelve``, curifactory's ``Lazy``). The handle
        pickles to a few hundred bytes and loads in other processes too.

        Returns:
            A :class:`LazyResult` (for ``async`` functions, an awaitable of one).

        Raises:
            Whatever the function raises when it runs.
        """
        force = self._refresh_requested()
        if self._is_async:
            return cast(
                "LazyResult[R]",
                self._acall(
                    args, kwargs, force=force, lazy=True, mmap_mode=self._mmap_mode
                ),
            )
        return cast(
            "LazyResult[R]",
            self._call(args, kwargs, force=force, lazy=True, mmap_mode=self._mmap_mode),
        )

    def using(
        self,
        *,
        refresh: bool | None = None,
        lazy: bool | None = None,
        mmap_mode: str | _Unset | None = _UNSET,
    ) -> Callable[P, Any]:
        """
        Return this function with per-call overrides: ``fn.using(refresh=True)(x)``.

        Args:
            refresh: ``True``: recompute and overwrite (as :meth:`rerun`);
                ``False``: ignore ``refresh=`` and ``CHECKPOINTING_REFRESH``
                for these calls; ``None``: the function's setting.
            lazy: Return a :class:`LazyResult` (``True``) or the value.
            mmap_mode: ``None``, ``"r"`` or ``"c"`` for these calls.

        Returns:
            A callable taking the function's own arguments (so no argument
            name of the function can clash with these options).

        Raises:
            ConfigurationError: If an option is invalid.
        """
        if refresh is not None and not isinstance(refresh, bool):
            raise ConfigurationError(
                f"{self._function_id}: using(refresh=) takes a bool"
            )
        chosen_mmap = (
            self._mmap_mode
            if isinstance(mmap_mode, _Unset)
            else check_mmap_mode(mmap_mode, self._function_id)
        )
        chosen_lazy = self._lazy if lazy is None else bool(lazy)

        def call(*args: P.args, **kwargs: P.kwargs) -> Any:
            force = self._refresh_requested() if refresh is None else refresh
            if self._is_async:
                return self._acall(
                    args, kwargs, force=force, lazy=chosen_lazy, mmap_mode=chosen_mmap
                )
            return self._call(
                args, kwargs, force=force, lazy=chosen_lazy, mmap_mode=chosen_mmap
            )

        functools.update_wrapper(call, self)
        return call

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
        return plan.store.is_valid(
            plan.function_id, plan.name, max_age=self._max_age, key=plan.key
        )

    def explain(self, *args: P.args, **kwargs: P.kwargs) -> Explanation:
        """
        Say whether a call with these arguments would hit, and if not, why.

        Nothing runs. A miss names every component (own source, callee, global,
        package, docstring) and argument that differs from the nearest stored
        entry of this function. A call that ``refresh=`` or
        ``CHECKPOINTING_REFRESH`` would force is a miss with cause
        ``"forced rerun"``, as the call itself would be.

        Raises:
            TypeError: If the arguments do not match the signature.
            CheckpointingError: If the key cannot be computed.
        """
        plan = self._plan(args, kwargs)
        if self._refresh_requested():
            return Explanation("miss", FORCED, (), plan.key, plan.key)
        if plan.store.is_valid(
            plan.function_id, plan.name, max_age=self._max_age, key=plan.key
        ):
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
        """The cache directory a call would use now (the fastest tier's, with tiers)."""
        return Path(self._store().root)

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return _BoundCheckpointed(self, instance)

    def __dask_tokenize__(self) -> tuple[str, ...]:
        """
        Dask's name for this function in task keys: its id and code fingerprint.

        Dask otherwise tokenizes by pickling, which is slower; the fingerprint
        also changes the token after an edit, as a new function would.
        """
        return (
            "checkpointing.Checkpointed",
            self._function_id,
            self._fingerprint().digest,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """
        Pickle by reference when the function is importable, else by value.

        Functions of ``__main__`` (a script, a notebook) always go by value:
        a worker process (loky, Dask, spawn) has another ``__main__``. The
        by-value payload is made with cloudpickle whatever pickler asked, so
        plain :mod:`pickle` (``multiprocessing``) ships them too; a function
        that refers to itself (recursion) is rebuilt as one object.
        """
        module = getattr(self._func, "__module__", None)
        qualname = getattr(self._func, "__qualname__", "")
        if (
            module
            and "<locals>" not in qualname
            and main_module_name(module).partition(".")[0] != "__main__"
        ):
            try:
                target: Any = importlib.import_module(module)
                for part in qualname.split("."):
                    target = getattr(target, part)
            except (ImportError, AttributeError):
                target = None
            if target is self:
                return (_import_checkpointed, (module, qualname))
        return _reduce_by_value(self, self._func, self._options)

    # -- internals -----------------------------------------------------------
    def _refresh_requested(self) -> bool:
        """Whether this call must recompute: ``refresh=`` or ``CHECKPOINTING_REFRESH``."""
        refresh = self._refresh
        if refresh is True or (refresh is not False and bool(refresh())):
            return True
        if RAW_ENVIRON is not None and b"CHECKPOINTING_REFRESH" not in RAW_ENVIRON:
            return False  # the hit path: one dict lookup
        return refresh_requested(self._module, self._qualname)

    def _store(self) -> Store:
        """The store a call uses now (memoized on the settings that choose it)."""
        if RAW_ENVIRON is None:
            return self._resolve_store()
        # The hit path: the raw values of the variables and the default that
        # decide the store, read without decoding (~0.2 µs instead of ~0.7 µs).
        memo = (
            RAW_ENVIRON.get(b"CHECKPOINTING_DIR"),
            RAW_ENVIRON.get(b"CHECKPOINTING_HMAC_KEY"),
            RAW_ENVIRON.get(b"CHECKPOINTING_TRUST_DIRECTORY"),
            defaults.get("cache.filesystem.directory"),
        )
        store = self._stores_by_setting.get(memo)
        if store is None:
            store = self._resolve_store()
            if len(self._stores_by_setting) > 64:
                self._stores_by_setting.clear()
            self._stores_by_setting[memo] = store
        return store

    def _resolve_store(self) -> Store:
        directory = self._directory
        resolved: Any = (
            resolve_directory(directory)
            if not isinstance(directory, tuple)
            else directory
        )
        hmac_key = resolve_hmac_key(self._hmac_key)
        trust = resolve_trust_directory(explicit=self._trust_directory)
        memo_key = (resolved, hmac_key, trust)
        store = self._stores.get(memo_key)
        if store is None:
            if isinstance(resolved, tuple):
                from ._tiers import TieredStore

                tiers = [
                    Store(
                        path,
                        fsync=self._fsync,
                        trust_directory=trust,
                        hmac_key=hmac_key,
                    )
                    for path in resolved
                ]
                store = cast(Store, TieredStore(tiers, write_back=self._write_back))
            else:
                store = Store(
                    resolved,
                    fsync=self._fsync,
                    trust_directory=trust,
                    hmac_key=hmac_key,
                )
            self._stores[memo_key] = store
        return store

    def _codec(self) -> ResultCodec:
        """How results are stored; the default pickle protocol is resolved per call."""
        fixed = self._fixed_codec
        if fixed is not None:
            return fixed
        protocol = self._protocol
        if protocol is None:  # resolve_pickle_protocol, inlined for the hit path
            protocol = defaults.get("cache.pickle_protocol", DEFAULT_PICKLE_PROTOCOL)
        codec = self._inline_codecs.get(protocol)
        if codec is None:
            base: BytesSerializer = _cloudpickle_serializer(protocol)
            if self._compress is not None:
                base = CompressedSerializer(base, self._compress)
            codec = self._inline_codecs[protocol] = InlineCodec(base)
        return codec

    @property
    def _signature(self) -> inspect.Signature:
        """
        The signature as the function is now.

        ``%autoreload``, hand-made hot swaps and plain assignments replace
        ``__code__``, ``__defaults__`` or ``__kwdefaults__`` of the decorated
        function in place; a signature read once at decoration would then bind
        a call with the old defaults and key it like the old call. Three
        identity checks per call (~0.1 µs) keep it current.
        """
        memo = self._signature_memo
        source = self._signature_source
        if type(source) is FunctionType:
            if (
                source.__code__ is memo[0]
                and source.__defaults__ is memo[1]
                and source.__kwdefaults__ is memo[2]
            ):
                return memo[3]
        elif _signature_parts(source) == memo[:3]:
            return memo[3]
        signature = inspect.signature(self._func)
        self._signature_memo = (*_signature_parts(source), signature)
        return signature

    def _plan(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Plan:
        codec = self._codec()
        # self._signature, inlined for the hit path (a property costs ~0.1 µs).
        memo = self._signature_memo
        source = self._signature_source
        if (
            type(source) is FunctionType
            and source.__code__ is memo[0]
            and source.__defaults__ is memo[1]
            and source.__kwdefaults__ is memo[2]
        ):
            signature = memo[3]
        else:
            signature = self._signature
        arguments_digest, per_parameter, values = digest_arguments(
            signature, args, kwargs, ignore=self._ignore
        )
        fingerprint = merge_fingerprints(
            self._fingerprint(),
            # Functions, methods and project objects passed as arguments: their code.
            fingerprint_arguments(
                values,
                include_docstrings=self._include_docstrings,
                ignore_code=self._ignore_code,
            ),
        )
        key = xxhash.xxh3_128_hexdigest(
            f"checkpointing/{FORMAT_VERSION}\0{fingerprint.digest}\0"
            f"{arguments_digest}\0{codec.name}".encode()
        )
        name = key if self._key_spec is None else self._entry_name(args, kwargs)
        return _Plan(
            self._store(),
            self._function_id,
            key,
            fingerprint,
            arguments_digest,
            per_parameter,
            values,
            codec,
            name,
        )

    def _entry_name(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        """The readable entry name ``key=`` gives these arguments (validated)."""
        spec = self._key_spec
        if isinstance(spec, str):
            name = spec
        elif isinstance(spec, string.Template):
            bound = self._signature.bind(*args, **kwargs)
            bound.apply_defaults()
            name = _expand_template(spec, args, bound.arguments, self._function_id)
        else:
            try:
                name = cast(Callable[..., Any], spec)(args, kwargs)
            except Exception as err:  # the user's key function: say so, clearly
                raise ConfigurationError(
                    f"{self._function_id}: the key= function raised "
                    f"{type(err).__name__}: {err}"
                ) from err
        return check_entry_name(name, self._function_id)

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
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
    ) -> tuple[_Plan | None, Any, Explanation | None]:
        """Return ``(plan, stored value or MISSING, reason)``; plan is None when uncached.

        With *lazy*, the stored "value" is a :class:`LazyResult` on the entry.
        """
        if (
            RAW_ENVIRON is None or b"CHECKPOINTING_DISABLE" in RAW_ENVIRON
        ) and caching_disabled():
            return None, MISSING, None
        try:
            plan = self._plan(args, kwargs)
        except ConfigurationError:
            raise  # key= made an unusable name: the user's to fix, never silent
        except TypeError as err:
            policy = resolve_on_error(self._on_error)
            if isinstance(err, CheckpointingError) or self._arguments_fit(args, kwargs):
                # Not the caller's mistake: a failure of ours, under the policy.
                self._internal_failure(policy, err, "cannot build the key")
                return None, MISSING, None
            # Arguments that do not fit the signature: let the function raise
            # exactly the error a plain call would.
            return None, MISSING, None
        except Exception as err:  # noqa: BLE001 - the one policy point
            self._internal_failure(
                resolve_on_error(self._on_error), err, "cannot build the key"
            )
            return None, MISSING, None
        if force:
            return plan, MISSING, None
        try:
            if lazy:
                if not plan.codec.exists(
                    plan.store,
                    plan.function_id,
                    plan.name,
                    key=plan.key,
                    max_age=self._max_age,
                ):
                    return plan, MISSING, None
                value: Any = self._handle(plan, mmap_mode, args, kwargs)
            else:
                value = plan.codec.read(
                    plan.store,
                    plan.function_id,
                    plan.name,
                    key=plan.key,
                    max_age=self._max_age,
                    mmap_mode=mmap_mode,
                )
                if value is MISSING:
                    return plan, MISSING, None
        except CheckpointingError as err:
            return self._read_failure(plan, err)
        plan.store.record_hit(plan.function_id)
        if logger.isEnabledFor(logging.DEBUG):
            _log_event("hit", self._function_id, plan.key)
        return plan, value, None

    def _read_failure(
        self, plan: _Plan, err: CheckpointingError
    ) -> tuple[_Plan | None, Any, Explanation | None]:
        """The outcome of a stored result that could not be read (never raised)."""
        policy = resolve_on_error(self._on_error)
        if isinstance(err, UntrustedDirectoryError):
            # Never load from (or write to) a directory others could plant in.
            self._internal_failure(policy, err, "the cache directory is not trusted")
            return None, MISSING, None
        if isinstance(err, (CorruptEntryError, SerializationError)):
            # Damaged, swapped, or written by an incompatible library version:
            # never an exception to the caller; move it aside and recompute.
            return plan, MISSING, self._unreadable(plan, policy, err)
        # The file could not be read at all (permissions, I/O error): an
        # internal failure like any other; the entry itself stays in place.
        self._internal_failure(
            policy, err, "cannot read the stored result; recomputing", CacheReadWarning
        )
        return plan, MISSING, Explanation("miss", UNREADABLE, (), plan.key, plan.key)

    def _handle(
        self,
        plan: _Plan,
        mmap_mode: str | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        value: Any = MISSING,
    ) -> LazyResult[Any]:
        """A lazy handle on the entry of *plan* (holding *value* if it was not stored)."""
        return LazyResult(
            plan.store,
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

    def _unreadable(self, plan: _Plan, policy: OnError, err: Exception) -> Explanation:
        if policy != "ignore":
            warnings.warn(
                f"checkpointing: stored result of {self._function_id} could not be read "
                f"({err}); it was moved aside and is recomputed",
                CacheReadWarning,
                stacklevel=user_stacklevel(),
            )
        with contextlib.suppress(CheckpointingError):
            plan.store.quarantine(plan.function_id, plan.name)
        return Explanation("miss", UNREADABLE, (), plan.key, plan.key)

    def _call(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
    ) -> Any:
        plan, value, reason = self._prepare(
            args, kwargs, force=force, lazy=lazy, mmap_mode=mmap_mode
        )
        if value is not MISSING:
            return value
        if plan is None:  # uncacheable call (the policy already spoke)
            result = self._func(*args, **kwargs)
            return LazyResult.of_value(result) if lazy else result
        lock = self._key_lock(plan)
        lock.acquire()
        try:
            stored = self._after_wait(
                plan,
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
            result = self._func(*args, **kwargs)
            elapsed = time.perf_counter() - start
            saved = self._save(plan, result, elapsed, reason, force=force)
            self._warn_changed_by_call(
                plan
            )  # after storing: an error filter loses nothing
            if lazy:
                return self._handle(
                    plan, mmap_mode, args, kwargs, MISSING if saved else result
                )
            return result
        finally:
            lock.release()

    async def _acall(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        force: bool,
        lazy: bool,
        mmap_mode: str | None,
    ) -> Any:
        plan, value, reason = self._prepare(
            args, kwargs, force=force, lazy=lazy, mmap_mode=mmap_mode
        )
        if value is not MISSING:
            return value
        function = cast(Callable[..., Awaitable[Any]], self._func)
        if plan is None:
            result = await function(*args, **kwargs)
            return LazyResult.of_value(result) if lazy else result
        lock = self._key_lock(plan)
        await lock.acquire_async()
        try:
            stored = self._after_wait(
                plan,
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
            result = await function(*args, **kwargs)
            elapsed = time.perf_counter() - start
            saved = self._save(plan, result, elapsed, reason, force=force)
            self._warn_changed_by_call(
                plan
            )  # after storing: an error filter loses nothing
            if lazy:
                return self._handle(
                    plan, mmap_mode, args, kwargs, MISSING if saved else result
                )
            return result
        finally:
            lock.release()

    def _warn_changed_by_call(self, plan: _Plan) -> None:
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

    def _key_lock(self, plan: _Plan) -> KeyLock:
        timeout = resolve_lock_timeout(self._lock_timeout)
        return KeyLock(str(plan.store.root), plan.function_id, plan.name, timeout)

    def _after_wait(
        self,
        plan: _Plan,
        lock: KeyLock,
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
            if lazy:
                if not plan.codec.exists(
                    plan.store,
                    plan.function_id,
                    plan.name,
                    key=plan.key,
                    max_age=self._max_age,
                ):
                    return MISSING
                handle = self._handle(plan, mmap_mode, args, kwargs)
                if logger.isEnabledFor(logging.DEBUG):
                    _log_event("hit", self._function_id, plan.key, " (after wait)")
                return handle
            value = plan.codec.read(
                plan.store,
                plan.function_id,
                plan.name,
                key=plan.key,
                max_age=self._max_age,
                mmap_mode=mmap_mode,
            )
        except CheckpointingError:
            return MISSING  # damaged meanwhile: recompute (and overwrite)
        if value is not MISSING and logger.isEnabledFor(logging.DEBUG):
            _log_event("hit", self._function_id, plan.key, " (after wait)")
        return value

    def _save(
        self,
        plan: _Plan,
        result: Any,
        elapsed: float,
        reason: Explanation | None,
        *,
        force: bool,
    ) -> bool:
        """Store *result*; return whether it was stored (failures go through the policy)."""
        policy = resolve_on_error(self._on_error)
        try:
            for problem in plan.codec.check(result):
                warnings.warn(
                    f"checkpointing: {self._function_id}: the result is stored as "
                    f"{plan.codec.name} and will not load back exactly: {problem}",
                    LossySerializationWarning,
                    stacklevel=user_stacklevel(),
                )
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
            payload, files, outputs = plan.codec.prepare(result)
            if plan.name != plan.key:
                self._warn_name_collision(plan)
            manifest = Manifest(
                key=plan.key,
                function_id=plan.function_id,
                module=self._module,
                qualname=self._qualname,
                fingerprint=plan.fingerprint.digest,
                arguments_digest=plan.arguments_digest,
                components=_component_records(plan.fingerprint),
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
            plan.store.save(manifest, payload, blobs, outputs=files)
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
            return False
        if logger.isEnabledFor(logging.DEBUG):
            _log_event("store", self._function_id, plan.key, f": {reason.summary()}")
        return True

    def _warn_name_collision(self, plan: _Plan) -> None:
        """Warn when ``key=`` gives two argument sets of the same code one name."""
        try:
            previous = plan.store.manifest(plan.function_id, plan.name)
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

    def lazy(self, *args: Any, **kwargs: Any) -> Any:
        """Bound form of :meth:`Checkpointed.lazy`."""
        return self.__func__.lazy(self.__self__, *args, **kwargs)

    def using(self, **options: Any) -> Callable[..., Any]:
        """Bound form of :meth:`Checkpointed.using`."""
        return functools.partial(self.__func__.using(**options), self.__self__)

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
    """Rebuild from a pickle written before by-value payloads (kept for old pickles)."""
    return Checkpointed(func, **options)


# By-value pickling of a checkpointed function (see Checkpointed.__reduce__).
# While one is being pickled, its token is here, so that a reference to it from
# its own code (recursion) pickles as "the object being rebuilt"; while one is
# being unpickled, its not-yet-initialized object is here under that token.
_by_value = threading.local()


def _by_value_slots(name: str) -> dict[Any, Any]:
    slots: dict[Any, Any] | None = getattr(_by_value, name, None)
    if slots is None:
        slots = {}
        setattr(_by_value, name, slots)
    return slots


def _reduce_by_value(
    obj: Checkpointed[..., Any], func: Callable[..., Any], options: dict[str, Any]
) -> tuple[Any, ...]:
    import cloudpickle

    pickling = _by_value_slots("pickling")
    token = pickling.get(id(obj))
    if token is not None:
        return (_being_rebuilt, (token,))
    # Deterministic (Dask tokenizes a task by pickling it twice and comparing),
    # and unique among the objects one payload can hold.
    token = f"{id(obj):x}"
    pickling[id(obj)] = token
    try:
        payload = cloudpickle.dumps((func, options))
    finally:
        del pickling[id(obj)]
    return (_rebuild_by_value, (token, payload))


def _rebuild_by_value(token: str, payload: bytes) -> Checkpointed[..., Any]:
    import cloudpickle

    obj: Checkpointed[..., Any] = Checkpointed.__new__(Checkpointed)
    rebuilding = _by_value_slots("rebuilding")
    rebuilding[token] = obj
    try:
        func, options = cloudpickle.loads(payload)
    finally:
        del rebuilding[token]
    obj.__init__(func, **options)
    return obj


def _being_rebuilt(token: str) -> Checkpointed[..., Any]:
    obj: Checkpointed[..., Any] = _by_value_slots("rebuilding")[token]
    return obj


@overload
def checkpoint(func: Callable[P, R], /) -> Checkpointed[P, R]: ...
@overload
def checkpoint(
    func: None = None,
    /,
    *,
    directory: Directory = None,
    on_error: OnError | None = None,
    cache_pickle_protocol: int | None = None,
    ignore: Collection[str] = (),
    serializer: SerializerSpec = None,
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
    key: KeySpec = None,
    pickler: Callable[[Any, BinaryIO], None] | None = None,
    unpickler: Callable[[BinaryIO], Any] | None = None,
    pickler_mode: Literal["binary", "text"] = "binary",
    outputs: Sequence[str] | None = None,
    refresh: bool | Callable[[], bool] = False,
    lazy: bool = False,
    mmap_mode: str | None = None,
    write_back: str = "sync",
) -> Callable[[Callable[P, R]], Checkpointed[P, R]]: ...
def checkpoint(
    func: Callable[P, R] | None = None,
    /,
    *,
    directory: Directory = None,
    on_error: OnError | None = None,
    cache_pickle_protocol: int | None = None,
    ignore: Collection[str] = (),
    serializer: SerializerSpec = None,
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
    key: KeySpec = None,
    pickler: Callable[[Any, BinaryIO], None] | None = None,
    unpickler: Callable[[BinaryIO], Any] | None = None,
    pickler_mode: Literal["binary", "text"] = "binary",
    outputs: Sequence[str] | None = None,
    refresh: bool | Callable[[], bool] = False,
    lazy: bool = False,
    mmap_mode: str | None = None,
    write_back: str = "sync",
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
            A list of directories, fast to slow, makes *tiers* (see
            ``docs/tiers.md``): reads try them in order and copy hits forward,
            writes go to the first and are written back to the others.
        on_error: What to do when checkpointing itself fails (not the
            function): ``"warn"`` (default: warn, run the function, return its
            value), ``"raise"``, or ``"ignore"`` (run silently).
        cache_pickle_protocol: Pickle protocol for stored results (default 5,
            or ``defaults["cache.pickle_protocol"]``).
        ignore: Parameter names left out of the key (e.g. ``verbose``).
        serializer: How results are stored (``docs/formats.md``): ``"pickle"``
            (cloudpickle, the default, kept in the entry file), ``"numpy"``
            (``.npy``, memory-mappable), ``"npz"``, ``"pandas"``/``"parquet"``,
            ``"pandas-csv"``, ``"pandas-json"``, ``"polars"``, ``"polars-csv"``,
            ``"polars-json"``, ``"json"``, ``"text"``, or a
            :class:`Serializer` / :class:`BytesSerializer` object. With
            *outputs*, one per output (a sequence, or a mapping by output
            name; the rest use pickle). Part of the key: changing it reruns.
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
            through them is left out too. Also an environment variable or a
            file the code reads (``"env:VERBOSE"``, ``"file:notes.txt"``), or
            a computed read the fingerprint warned about, as the warning
            spells it. Each change of this list reruns.
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
        key: A readable name for the entry's files instead of the hex key
            (``docs/keys.md``): a ``str``; a :class:`string.Template` whose
            ``{0}`` is the first positional argument and ``$name`` the
            argument of parameter *name*; or ``callable(args, kwargs) -> str``.
            The fingerprint still guards the entry: a name whose stored entry
            came from other code or arguments is a miss, and is overwritten.
            Names are validated (no separators, no leading dot, ...).
        pickler: ``pickler(value, file)`` writing the result to an open
            binary file (ediblepickle form, e.g. ``numpy.save``); needs
            *unpickler*, ``unpickler(file) -> value``. Their code is part of
            the fingerprint.
        unpickler: See *pickler*.
        pickler_mode: ``"binary"`` (default) or ``"text"``: how the file
            *pickler* and *unpickler* get is opened. ``"text"`` gives both a
            UTF-8 text file (newlines as they are), for functions that
            ``write(str)`` and read ``str``. Part of the key.
        outputs: Names of the elements of a returned tuple, e.g.
            ``("dataset", "metrics")``: each is stored as its own file with
            its own serializer (curifactory style).
        refresh: ``True``, or a function of no arguments evaluated at each
            call (``lambda: config.REFRESH``): recompute and overwrite.
            ``CHECKPOINTING_REFRESH=module.func,other`` (or ``all``) does the
            same from the environment; ``CHECKPOINTING_DISABLE=1`` bypasses
            caching entirely. See ``docs/refresh.md``.
        lazy: Return a :class:`LazyResult` whose value loads on first
            ``.load()`` instead of the value (``fn.lazy(...)`` per call).
        mmap_mode: ``"r"`` (read-only) or ``"c"`` (copy-on-write): numpy
            arrays in a hit are memory mapped from the entry, so a 1 GB array
            opens in milliseconds and is read lazily. Array bytes are then not
            checksummed at load (``checkpointing verify`` does it).
        write_back: With tiers: ``"sync"`` (default: a miss returns once every
            tier has the entry) or ``"background"`` (a thread writes slower
            tiers from a bounded queue, flushed at exit).

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
        "key": key,
        "pickler": pickler,
        "unpickler": unpickler,
        "pickler_mode": pickler_mode,
        "outputs": outputs,
        "refresh": refresh,
        "lazy": lazy,
        "mmap_mode": mmap_mode,
        "write_back": write_back,
    }
    if func is not None:
        return cast(Checkpointed[P, R], _decorated(func, options))

    def decorate(f: Callable[P, R]) -> Checkpointed[P, R]:
        return cast(Checkpointed[P, R], _decorated(f, options))

    return decorate


def _decorated(func: Any, options: dict[str, Any]) -> Any:
    """
    Wrap *func*; ``classmethod`` and ``staticmethod`` objects are wrapped inside.

    ``@checkpoint`` above ``@classmethod`` is as natural to write as below it:
    both orders give ``classmethod(Checkpointed(function))``, whose key binds
    the class like any other first argument.
    """
    if isinstance(func, (classmethod, staticmethod)):
        return type(func)(Checkpointed(func.__func__, **options))
    return Checkpointed(func, **options)
