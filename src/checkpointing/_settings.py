"""
Process-wide defaults and the resolution of options at call time.

``defaults`` exists for compatibility with the older ``checkpointing``
package (same keys, same meaning). Options are resolved in one place, in this
order: the decorator's explicit argument, then the environment variable
(``CHECKPOINTING_DIR`` for the directory), then ``defaults``, then the
built-in value. Resolution happens at *call* time, so a pytest fixture that
sets ``CHECKPOINTING_DIR`` isolates functions decorated at import time.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal, cast

from ._errors import ConfigurationError

__all__ = [
    "DIRECTORY_ENV",
    "DISABLE_ENV",
    "RAW_ENVIRON",
    "REFRESH_ENV",
    "OnError",
    "caching_disabled",
    "defaults",
    "function_names",
    "refresh_requested",
    "resolve_directory",
    "resolve_on_error",
    "resolve_pickle_protocol",
]

OnError = Literal["warn", "raise", "ignore"]

#: Environment variable naming the cache directory.
DIRECTORY_ENV: Final = "CHECKPOINTING_DIR"
#: Environment variable holding the HMAC key that signs entries (UTF-8 text).
HMAC_KEY_ENV: Final = "CHECKPOINTING_HMAC_KEY"
#: Environment variable accepting cache directories others can write to ("1").
TRUST_DIRECTORY_ENV: Final = "CHECKPOINTING_TRUST_DIRECTORY"
#: Comma-separated functions to recompute (``module.func``, ``func``, shell
#: patterns such as ``pipeline.*``), or ``all``.
REFRESH_ENV: Final = "CHECKPOINTING_REFRESH"
#: The term of a lease on an object store, in seconds (default 30): a holder
#: rewrites it every third of that; a lease unchanged that long is taken over.
LEASE_SECONDS_ENV: Final = "CHECKPOINTING_LEASE_SECONDS"
#: A lease's term when the variable is not set, in seconds.
LEASE_SECONDS: Final = 30.0
#: ``1``/``true``/``yes``: bypass caching entirely (nothing read or written).
DISABLE_ENV: Final = "CHECKPOINTING_DISABLE"
_ON_ERROR_VALUES: Final = ("warn", "raise", "ignore")

_BUILTIN: Final[Mapping[str, Any]] = {
    "cache.filesystem.directory": ".checkpointing",
    "checkpoint.on_error": "warn",
    "cache.pickle_protocol": 5,
    # Seconds a miss waits for another process computing the same call before
    # computing it too (and saying so). One hour: long enough for real
    # experiments, short enough that a wedged process cannot block forever.
    "checkpoint.lock_timeout": 3600.0,
}


class _Defaults(dict[str, Any]):
    """A ``dict`` of process-wide defaults that refuses unknown keys and bad values."""

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, _validate(key, value))

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> _Defaults:  # type: ignore[override,misc]
        self.update(other)
        return self

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def reset(self) -> None:
        """Restore the built-in values."""
        self.clear()
        dict.update(self, _BUILTIN)


def _validate(key: str, value: Any) -> Any:
    if key not in _BUILTIN:
        raise ConfigurationError(
            f"unknown checkpointing default {key!r}; known keys: {', '.join(sorted(_BUILTIN))}"
        )
    if key == "checkpoint.on_error":
        return check_on_error(value, "defaults['checkpoint.on_error']")
    if key == "cache.pickle_protocol":
        return check_pickle_protocol(value, "defaults['cache.pickle_protocol']")
    if key == "checkpoint.lock_timeout":
        return check_lock_timeout(value, "defaults['checkpoint.lock_timeout']")
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise ConfigurationError(
            f"defaults[{key!r}] must be a non-empty path, got {value!r}"
        )
    return value


#: Process-wide defaults (keys ``cache.filesystem.directory``,
#: ``checkpoint.on_error``, ``cache.pickle_protocol``), as in the older
#: ``checkpointing`` package. Set them at the top of a script.
defaults: Final = _Defaults(_BUILTIN)


def check_on_error(value: object, where: str = "on_error") -> OnError:
    """Return *value* if it is a valid ``on_error`` policy, else raise ConfigurationError."""
    if value not in _ON_ERROR_VALUES:
        raise ConfigurationError(
            f"{where} must be one of {', '.join(map(repr, _ON_ERROR_VALUES))}, got {value!r}"
        )
    return value


def check_pickle_protocol(value: object, where: str = "cache_pickle_protocol") -> int:
    """Return *value* if it is a usable pickle protocol, else raise ConfigurationError."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (2 <= value <= pickle.HIGHEST_PROTOCOL)
    ):
        raise ConfigurationError(
            f"{where} must be an int from 2 to {pickle.HIGHEST_PROTOCOL}, got {value!r}"
        )
    return value


def check_lock_timeout(value: object, where: str = "lock_timeout") -> float:
    """Return *value* as seconds if it is a non-negative number, else raise ConfigurationError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ConfigurationError(
            f"{where} must be a number of seconds >= 0, got {value!r}"
        )
    return float(value)


def check_ignore(
    ignore: Iterable[str], parameters: Iterable[str], function: str
) -> frozenset[str]:
    """Return *ignore* as a set after checking each name is a parameter of *function*."""
    if isinstance(ignore, str):
        ignore = (ignore,)
    names = frozenset(ignore)
    unknown = sorted(names - set(parameters))
    if unknown:
        raise ConfigurationError(
            f"ignore= names {unknown} are not parameters of {function}; "
            f"its parameters are {list(parameters)}"
        )
    return names


# os.environ.get costs ~0.4 µs (a Python-level Mapping.get, key encoding and
# value decoding) and every call reads up to three variables. On POSIX the
# mapping keeps its raw data in ``os.environ._data`` (bytes -> bytes, updated
# by every ``os.environ[...] = ...``, monkeypatch.setenv included), which a
# plain dict lookup reads in ~40 ns. Elsewhere, fall back to os.environ.get.
_RAW_ENVIRON: Final = getattr(os.environ, "_data", None) if os.name == "posix" else None
#: The raw environment mapping (bytes -> bytes) when it is a plain dict
#: (CPython on POSIX), else ``None``: the decorator's hit path reads it directly.
RAW_ENVIRON: Final[dict[bytes, bytes] | None] = (
    _RAW_ENVIRON if isinstance(_RAW_ENVIRON, dict) else None
)
_ENCODED_NAMES: dict[str, bytes] = {}


def getenv(name: str) -> str | None:
    """``os.environ.get(name)``, faster on POSIX; see the comment above."""
    if not isinstance(_RAW_ENVIRON, dict):
        return os.environ.get(name)
    key = _ENCODED_NAMES.get(name)
    if key is None:
        key = _ENCODED_NAMES[name] = os.fsencode(name)
    raw = _RAW_ENVIRON.get(key)
    return None if raw is None else os.fsdecode(raw)


def resolve_directory(explicit: str | os.PathLike[str] | None) -> str:
    """Return the cache directory path: explicit > ``CHECKPOINTING_DIR`` > defaults."""
    if explicit is not None:
        return os.fspath(explicit)
    env = getenv(DIRECTORY_ENV)
    if env:
        return env
    return str(
        os.fspath(
            defaults.get(
                "cache.filesystem.directory", _BUILTIN["cache.filesystem.directory"]
            )
        )
    )


def resolve_on_error(explicit: OnError | None) -> OnError:
    """Return the error policy: explicit > ``defaults['checkpoint.on_error']``."""
    if explicit is not None:
        return explicit
    return cast(
        OnError, defaults.get("checkpoint.on_error", _BUILTIN["checkpoint.on_error"])
    )


def resolve_lock_timeout(explicit: float | None) -> float:
    """Return the lock wait in seconds: explicit > ``defaults['checkpoint.lock_timeout']``."""
    if explicit is not None:
        return float(explicit)
    return float(
        defaults.get("checkpoint.lock_timeout", _BUILTIN["checkpoint.lock_timeout"])
    )


def resolve_hmac_key(explicit: bytes | str | None) -> bytes | None:
    """Return the entry-signing key: explicit > ``CHECKPOINTING_HMAC_KEY`` > none."""
    key = explicit if explicit is not None else getenv(HMAC_KEY_ENV) or None
    if isinstance(key, str):
        return key.encode("utf-8")
    return key


def resolve_lease_seconds() -> float:
    """
    Return a lease's term in seconds: ``CHECKPOINTING_LEASE_SECONDS`` > 30.

    Raises:
        ConfigurationError: If the variable is not a number > 0.
    """
    raw = getenv(LEASE_SECONDS_ENV)
    if not raw:
        return LEASE_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigurationError(
            f"{LEASE_SECONDS_ENV}={raw!r}: must be a number of seconds > 0"
        )
    return seconds


def resolve_trust_directory(*, explicit: bool) -> bool:
    """Return whether to accept directories others can write: explicit or the env var."""
    return explicit or (getenv(TRUST_DIRECTORY_ENV) or "") in ("1", "true", "yes")


def resolve_pickle_protocol(explicit: int | None) -> int:
    """Return the pickle protocol: explicit > ``defaults['cache.pickle_protocol']``."""
    if explicit is not None:
        return explicit
    return int(defaults.get("cache.pickle_protocol", _BUILTIN["cache.pickle_protocol"]))


_TRUE: Final = ("1", "true", "yes", "on")


def caching_disabled() -> bool:
    """Whether ``CHECKPOINTING_DISABLE`` asks to bypass caching (read at each call)."""
    raw = getenv(DISABLE_ENV)
    return raw is not None and raw.strip().lower() in _TRUE


_refresh_patterns: dict[str, tuple[str, ...]] = {}


def function_names(module: str, qualname: str) -> set[str]:
    """
    The names a user may give a function by: ``module.qualname``, ``qualname``,
    the bare name, and ``module.name`` (for functions nested in others).

    Matched by ``CHECKPOINTING_REFRESH`` and by ``scan(function=...)``.
    """
    name = qualname.rpartition(".")[2]
    return {f"{module}.{qualname}", qualname, name, f"{module}.{name}"}


def refresh_requested(module: str, qualname: str) -> bool:
    """
    Whether ``CHECKPOINTING_REFRESH`` names this function (read at each call).

    The variable holds comma-separated items, each matched as a shell
    pattern (:mod:`fnmatch`, case-sensitive) against ``module.qualname``,
    ``qualname``, the bare name, and ``module.name`` (for functions nested in
    others): ``prepare.load,train`` recomputes ``prepare.load`` and every
    function named ``train``;
    ``features.*`` every function of module ``features``; ``all`` or ``*``
    every checkpointed function.
    """
    raw = getenv(REFRESH_ENV)
    if not raw:
        return False
    patterns = _refresh_patterns.get(raw)
    if patterns is None:
        patterns = tuple(p.strip() for p in raw.split(",") if p.strip())
        if len(_refresh_patterns) > 64:
            _refresh_patterns.clear()
        _refresh_patterns[raw] = patterns
    import fnmatch

    candidates = function_names(module, qualname)
    for pattern in patterns:
        if pattern in ("all", "*") or pattern in candidates:
            return True
        if any(fnmatch.fnmatchcase(c, pattern) for c in candidates):
            return True
    return False
