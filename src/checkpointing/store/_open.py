"""
From a ``directory=`` or ``--dir`` value to a store: local paths and fsspec URLs.

A value with a scheme (``s3://bucket/prefix``, ``gs://``, ``az://``,
``memory://``, ``file://``) is a URL; anything else is a local path. A
``file://`` URL is a local path (local stores keep their file locks, memo and
``mmap``). Other URLs open an fsspec file system with *storage_options*
(credentials, endpoints: fsspec's own configuration, including its
``FSSPEC_<PROTOCOL>_<OPTION>`` environment variables, applies as well) and
build a store over it. Options are never written into entries, manifests or
messages: a location is shown as its URL only.

A missing backend is a :class:`~checkpointing.ConfigurationError` naming the
extra to install (``pip install "checkpointing[s3]"``).

One reason to change: which URLs open which stores. Imports
:mod:`checkpointing._errors`, :mod:`checkpointing._settings` and the store's
``_store`` and ``_fsspec``; fsspec lazily.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Mapping
from typing import Any, Final

from checkpointing._errors import (
    ConfigurationError,
    UnsignedStoreWarning,
    user_stacklevel,
)
from checkpointing._settings import resolve_lease_seconds

from ._fsspec import FsspecFileSystem
from ._store import Store

__all__ = ["EXTRAS", "check_location", "is_url", "open_filesystem", "open_store"]

_SCHEME: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")

#: Protocol -> the extra that installs its fsspec backend.
EXTRAS: Final = {
    "s3": "s3",
    "s3a": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "az": "azure",
    "abfs": "azure",
    "abfss": "azure",
    "adl": "azure",
}

#: A path that starts like ``s3:/bucket``: a URL after ``pathlib.Path``.
_MANGLED: Final = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):/(?!/)(.*)$")
_OBJECT_STORES: Final = frozenset(EXTRAS) | {
    "memory",
    "hdfs",
    "oss",
    "r2",
    "ftp",
    "sftp",
}

_warned: set[str] = set()
_warned_guard = threading.Lock()


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether *location* is a URL (``scheme://...``) rather than a local path."""
    return isinstance(location, str) and _SCHEME.match(location) is not None


def _local_path(url: str) -> str:
    """The path of a ``file://`` URL."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ConfigurationError(
            f"directory={url!r}: a file:// URL names a local path "
            "(file:///absolute/path); for another host use its own protocol"
        )
    return unquote(parts.path)


def _check_url(url: str, where: str) -> None:
    """Refuse a URL whose path could escape its prefix."""
    path = _SCHEME.sub("", url)
    segments = path.split("/")
    if any(s in (".", "..") for s in segments) or "\\" in path or "\0" in path:
        raise ConfigurationError(
            f"{where}: {url!r} has '.' or '..' segments (or a backslash): a store "
            "URL names its prefix exactly"
        )
    if not path.strip("/"):
        raise ConfigurationError(
            f"{where}: {url!r} names no bucket or path (e.g. s3://bucket/prefix)"
        )


def _missing_extra(
    url: str, protocol: str, where: str, detail: str
) -> ConfigurationError:
    extra = EXTRAS.get(protocol, "fsspec")
    return ConfigurationError(
        f"{where} {url!r}: {detail}: pip install 'checkpointing[{extra}]'"
    )


def check_location(location: object, where: str = "directory=") -> None:
    """
    Check a URL directory without opening it (at decoration: no network).

    Local paths pass, except one that is a URL mangled into a path
    (``Path("s3://b/x")`` is ``s3:/b/x``: it would create a local folder
    named ``s3:``). A URL must not escape its prefix, and fsspec and the
    protocol's backend must be installed (found, not imported).

    Raises:
        ConfigurationError: Naming the extra to install, or the problem.
    """
    if isinstance(location, os.PathLike) or (
        isinstance(location, str) and not is_url(location)
    ):
        mangled = _MANGLED.match(os.fspath(location))
        if mangled and mangled.group(1).lower() in _OBJECT_STORES:
            raise ConfigurationError(
                f"{where} {os.fspath(location)!r} looks like a URL that became a path "
                "(pathlib.Path turns '://' into ':/'): pass the URL as a str, "
                f"e.g. '{mangled.group(1)}://{mangled.group(2)}'"
            )
        return
    if not isinstance(location, str):
        return
    if location.lower().startswith("file://"):
        _local_path(location)
        return
    _check_url(location, where)
    from importlib.util import find_spec

    match = _SCHEME.match(location)
    protocol = match.group(1).lower() if match else ""
    if find_spec("fsspec") is None:
        raise _missing_extra(location, protocol, where, "needs fsspec")
    from fsspec.registry import known_implementations, registry

    if protocol in registry:
        return
    known = known_implementations.get(protocol)
    if known is None:
        raise ConfigurationError(
            f"{where} {location!r}: fsspec knows no {protocol}:// file system"
        )
    module = str(known["class"]).partition(".")[0]
    if find_spec(module) is None:
        raise _missing_extra(
            location,
            protocol,
            where,
            f"the {protocol}:// backend ({module}) is not installed",
        )


def open_filesystem(
    url: str,
    storage_options: Mapping[str, Any] | None = None,
    *,
    where: str = "directory=",
) -> FsspecFileSystem:
    """
    Open the fsspec file system of *url* (its root is the URL's path).

    Args:
        url: ``protocol://path``, e.g. ``"s3://bucket/prefix"``.
        storage_options: Keyword arguments for the backend (``endpoint_url``,
            ``key``/``secret``, ``anon``, ...); ``None`` for none.
        where: What the URL was given as, for messages.

    Raises:
        ConfigurationError: If fsspec or the protocol's backend is not
            installed (naming the extra), the protocol is unknown, or the
            URL could escape its prefix.
    """
    _check_url(url, where)
    match = _SCHEME.match(url)
    protocol = match.group(1).lower() if match else ""
    extra = EXTRAS.get(protocol, "fsspec")
    try:
        import fsspec
    except ImportError as err:
        raise ConfigurationError(
            f"{where} {url!r} needs fsspec: pip install 'checkpointing[{extra}]'"
        ) from err
    options = dict(storage_options or {})
    if protocol != "memory":
        # Listings change under us (other writers): never serve them from a cache.
        options.setdefault("use_listings_cache", False)
    try:
        fs, root = fsspec.core.url_to_fs(url, **options)
    except ImportError as err:
        raise ConfigurationError(
            f"{where} {url!r}: the {protocol}:// backend is not installed: "
            f"pip install 'checkpointing[{extra}]' ({err})"
        ) from err
    except ValueError as err:
        raise ConfigurationError(
            f"{where} {url!r}: fsspec cannot open it ({err})"
        ) from err
    except TypeError as err:
        raise ConfigurationError(
            f"{where} {url!r}: storage_options= not accepted by the "
            f"{protocol}:// backend ({err})"
        ) from err
    return FsspecFileSystem(fs, root, lease_seconds=resolve_lease_seconds())


def open_store(
    location: str | os.PathLike[str],
    *,
    fsync: bool = False,
    trust_directory: bool = False,
    hmac_key: bytes | None = None,
    storage_options: Mapping[str, Any] | None = None,
    where: str = "directory=",
) -> Store:
    """
    The store at *location*: a local directory, or any fsspec URL.

    A remote store (not ``memory://``) used without *hmac_key* warns once
    per location and process (:class:`~checkpointing.UnsignedStoreWarning`).

    Raises:
        ConfigurationError: As :func:`open_filesystem`, for URLs.
    """
    if not is_url(location):
        check_location(location, where)  # "s3:/bucket" from CHECKPOINTING_DIR too
        return Store(
            location, fsync=fsync, trust_directory=trust_directory, hmac_key=hmac_key
        )
    url = str(location)
    if url.lower().startswith("file://"):
        return Store(
            _local_path(url),
            fsync=fsync,
            trust_directory=trust_directory,
            hmac_key=hmac_key,
        )
    filesystem = open_filesystem(url, storage_options, where=where)
    if hmac_key is None and filesystem.shared:
        warn_unsigned(filesystem.location(filesystem.root))
    return Store.over(
        filesystem, fsync=fsync, trust_directory=trust_directory, hmac_key=hmac_key
    )


def warn_unsigned(location: str) -> None:
    """Warn once per process that the store at *location* is used unsigned."""
    with _warned_guard:
        if location in _warned:
            return
        _warned.add(location)
    warnings.warn(
        f"checkpointing: the shared store {location} is used without an HMAC key: "
        "anyone who can write to it could plant a pickle that runs when loaded. "
        "Set CHECKPOINTING_HMAC_KEY (the same secret for every reader and writer)",
        UnsignedStoreWarning,
        stacklevel=user_stacklevel(),
    )
