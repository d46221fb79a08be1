"""
The decorator's options, declared once: :class:`CheckpointOptions`.

Every ``@checkpoint(...)`` option is one field here, with its type, its
default and its checks (``__post_init__``); the ``checkpoint`` overload lists
the same names for type checkers and IDEs, and ``tests/test_options.py``
checks that the two stay equal. Adding an option is one field here, one
keyword in that overload, one line in ``checkpoint``'s docstring, and its use.

One reason to change: what an option may be. Checks that need the function
(``ignore=`` against its parameters) or build something (the result codec)
live where the function is known (``_plan``). Imports ``_errors``,
``_settings``, ``_codec``, ``_serializers`` and ``_entry_names``.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import InitVar, dataclass
from typing import Any, BinaryIO, Final, Literal, cast

from ._codec import check_mmap_mode
from ._entry_names import check_entry_name
from ._errors import ConfigurationError
from ._serializers import (
    BytesSerializer,
    CloudpickleSerializer,
    CompressedSerializer,
    Serializer,
)
from ._settings import (
    OnError,
    check_lock_timeout,
    check_on_error,
    check_pickle_protocol,
)
from .store._open import check_location

__all__ = [
    "OPTION_NAMES",
    "CheckpointOptions",
    "Directory",
    "KeySpec",
    "SerializerSpec",
    "check_option_names",
    "option_parameters",
]

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


@dataclass(frozen=True, slots=True)
class CheckpointOptions:
    """
    Every option of ``@checkpoint``, checked: the meaning of each is in
    :func:`checkpoint`'s docstring.

    Built by :class:`Checkpointed` from the keywords it was given; *where*
    (``"module.qualname"`` of the function) prefixes the error messages.
    ``ignore``, ``depends_on`` and ``ignore_code`` are normalized to tuples
    (a single ``str`` to a 1-tuple for ``ignore`` and ``ignore_code``),
    ``directory`` to one path or a tuple of distinct tier paths.

    Raises:
        ConfigurationError: If an option is invalid, in the order the checks
            below run.
    """

    directory: Directory = None
    on_error: OnError | None = None
    cache_pickle_protocol: int | None = None
    ignore: Collection[str] = ()
    serializer: SerializerSpec = None
    include_docstrings: bool = True
    fsync: bool = False
    version: str | None = None
    depends_on: Collection[object] = ()
    ignore_code: Collection[str] = ()
    lock_timeout: float | None = None
    trust_directory: bool = False
    hmac_key: bytes | str | None = None
    size_limit: int | None = None
    max_age: float | None = None
    compress: str | None = None
    key: KeySpec = None
    pickler: Callable[[Any, BinaryIO], None] | None = None
    unpickler: Callable[[BinaryIO], Any] | None = None
    pickler_mode: Literal["binary", "text"] = "binary"
    outputs: Sequence[str] | None = None
    refresh: bool | Callable[[], bool] = False
    lazy: bool = False
    mmap_mode: str | None = None
    write_back: str = "sync"
    storage_options: Mapping[str, Any] | None = None
    where: InitVar[str] = "checkpoint"

    def __post_init__(self, where: str) -> None:
        ignore = self.ignore
        ignore_code = self.ignore_code
        depends_on = self.depends_on  # checked as given (a str is iterable)
        object.__setattr__(
            self, "ignore", tuple(ignore) if not isinstance(ignore, str) else (ignore,)
        )
        object.__setattr__(self, "depends_on", tuple(depends_on))
        object.__setattr__(
            self,
            "ignore_code",
            (ignore_code,) if isinstance(ignore_code, str) else tuple(ignore_code),
        )
        name = where
        if self.on_error is not None:
            check_on_error(self.on_error)
        if self.cache_pickle_protocol is not None:
            check_pickle_protocol(self.cache_pickle_protocol)
            if self.serializer is not None:
                raise ConfigurationError(
                    f"{name}: pass either serializer= or cache_pickle_protocol=, not both"
                )
        pickler, unpickler, pickler_mode = (
            self.pickler,
            self.unpickler,
            self.pickler_mode,
        )
        if (pickler is None) != (unpickler is None):
            raise ConfigurationError(
                f"{name}: pickler= and unpickler= go together (one writes the file, "
                "the other reads it back)"
            )
        if pickler_mode not in ("binary", "text"):
            raise ConfigurationError(
                f"{name}: pickler_mode= must be 'binary' or 'text', got {pickler_mode!r}"
            )
        if pickler_mode != "binary" and pickler is None:
            raise ConfigurationError(
                f"{name}: pickler_mode= says how pickler=/unpickler= get their file; "
                "pass them too"
            )
        if pickler is not None and self.serializer is not None:
            raise ConfigurationError(
                f"{name}: pass either serializer= or pickler=/unpickler=, not both"
            )
        object.__setattr__(self, "key", _check_key_spec(self.key, name))
        refresh = self.refresh
        if not isinstance(refresh, bool) and not callable(refresh):
            raise ConfigurationError(
                f"{name}: refresh= must be a bool or a function of no arguments "
                f"returning one, got {refresh!r}"
            )
        object.__setattr__(self, "mmap_mode", check_mmap_mode(self.mmap_mode, name))
        write_back = self.write_back
        if write_back not in ("sync", "background"):
            raise ConfigurationError(
                f"{name}: write_back= must be 'sync' or 'background', got {write_back!r}"
            )
        object.__setattr__(self, "directory", _check_directory(self.directory, name))
        storage_options = self.storage_options
        if storage_options is not None:
            if not isinstance(storage_options, Mapping) or not all(
                isinstance(k, str) for k in storage_options
            ):
                raise ConfigurationError(
                    f"{name}: storage_options= must be a dict of fsspec options "
                    "(str keys)"
                )
            object.__setattr__(self, "storage_options", dict(storage_options))
        version = self.version
        if version is not None and (not isinstance(version, str) or not version):
            raise ConfigurationError(
                f"{name}: version= must be a non-empty str, got {version!r}"
            )
        if isinstance(depends_on, (str, os.PathLike)):
            raise ConfigurationError(
                f"{name}: depends_on= takes a list (a single path goes in a list: "
                f"depends_on=[{depends_on!r}])"
            )
        if self.lock_timeout is not None:
            check_lock_timeout(self.lock_timeout)
        hmac_key = self.hmac_key
        if hmac_key is not None and not isinstance(hmac_key, (bytes, str)):
            raise ConfigurationError(f"{name}: hmac_key= must be bytes or str")
        size_limit = self.size_limit
        if size_limit is not None and (
            isinstance(size_limit, bool)
            or not isinstance(size_limit, int)
            or size_limit < 0
        ):
            raise ConfigurationError(
                f"{name}: size_limit= must be a number of bytes >= 0"
            )
        max_age = self.max_age
        if max_age is not None and (
            isinstance(max_age, bool)
            or not isinstance(max_age, (int, float))
            or max_age < 0
        ):
            raise ConfigurationError(
                f"{name}: max_age= must be a number of seconds >= 0"
            )
        if self.compress is not None:
            CompressedSerializer(CloudpickleSerializer(), self.compress)  # validate now

    def as_dict(self) -> dict[str, Any]:
        """Return ``{option: value}`` (shallow; what ``Checkpointed(func, **it)`` takes)."""
        return {name: getattr(self, name) for name in OPTION_NAMES}


#: The option names, in declaration order.
OPTION_NAMES: Final = tuple(f.name for f in dataclasses.fields(CheckpointOptions))


def option_parameters() -> tuple[inspect.Parameter, ...]:
    """The options as keyword-only parameters, for ``__signature__``: one per field."""
    return tuple(
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=field.default,
            annotation=field.type,
        )
        for field in dataclasses.fields(CheckpointOptions)
    )


def check_option_names(options: Mapping[str, object], function: str) -> None:
    """
    Refuse keywords that are not options, as Python would for *function*.

    Raises:
        TypeError: ``"<function>() got an unexpected keyword argument 'x'"``.
    """
    for name in options:
        if name not in OPTION_NAMES:
            raise TypeError(f"{function}() got an unexpected keyword argument {name!r}")


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
        check_location(directory, f"{where}: directory=")
        return directory
    if isinstance(directory, (list, tuple)) and all(
        isinstance(d, (str, os.PathLike)) for d in directory
    ):
        tiers = tuple(os.fspath(d) for d in directory)
        for tier in tiers:
            check_location(tier, f"{where}: directory=")
        if len(tiers) == 1:
            return tiers[0]
        if len(set(tiers)) != len(tiers) or not tiers:
            raise ConfigurationError(f"{where}: directory= tiers must be distinct")
        return tiers
    raise ConfigurationError(
        f"{where}: directory= must be a path or a list of paths (fast to slow), "
        f"got {directory!r}"
    )
