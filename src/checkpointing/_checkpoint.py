"""
``checkpoint``: the decorator, with its typed overloads and the documentation
of every option.

The overload with keywords lists the fields of :class:`CheckpointOptions`
(``_options``) for type checkers and IDEs (``tests/test_options.py`` checks
they stay equal); the implementation takes ``**options`` and hands them to
:class:`Checkpointed`.

One reason to change: how the decorator is spelled and documented. Imports
``_decorator``, ``_options`` and ``_settings`` (a type).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, BinaryIO, Literal, ParamSpec, TypeVar, cast, overload

from ._decorator import Checkpointed
from ._options import (
    Directory,
    KeySpec,
    SerializerSpec,
    check_option_names,
    option_parameters,
)
from ._settings import OnError

__all__ = ["checkpoint"]

P = ParamSpec("P")
R = TypeVar("R")


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
    storage_options: Mapping[str, Any] | None = None,
) -> Callable[[Callable[P, R]], Checkpointed[P, R]]: ...
def checkpoint(
    func: Callable[P, R] | None = None, /, **options: Any
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
            writes go to the first and are written back to the others. Any
            of them may be an fsspec URL (``"s3://bucket/prefix"``,
            ``"gs://..."``, ``"memory://..."``; see ``docs/remote.md``):
            install the backend's extra (``checkpointing[s3]``).
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
        storage_options: Keyword arguments for the fsspec backend of URL
            directories (``{"endpoint_url": ..., "profile": ...}``), as
            ``fsspec.filesystem`` takes them. Never written to entries,
            manifests or messages. Prefer the environment or fsspec's config
            for credentials: this dict travels with a function pickled by
            value (to a worker).

    Returns:
        A :class:`Checkpointed` wrapper (or a decorator making one).

    Raises:
        ConfigurationError: If an option is invalid (raised at decoration).

    .. versionadded:: 0.1.0
    """
    check_option_names(options, "checkpoint")
    if func is not None:
        return cast(Checkpointed[P, R], _decorated(func, options))

    def decorate(f: Callable[P, R]) -> Checkpointed[P, R]:
        return cast(Checkpointed[P, R], _decorated(f, options))

    return decorate


# What inspect.signature() and help() show: one keyword per option, as the
# overload lists them (the implementation takes **options and checks them).
checkpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            "func",
            inspect.Parameter.POSITIONAL_ONLY,
            default=None,
            annotation="Callable[P, R] | None",
        ),
        *option_parameters(),
    ],
    return_annotation=(
        "Checkpointed[P, R] | Callable[[Callable[P, R]], Checkpointed[P, R]]"
    ),
)


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
