"""
The layout of a cache directory: which relative path holds what, and valid names.

Layout (``format_version`` 1)::

    <root>/
        CACHEDIR.TAG                  marks the directory as a cache (backup tools skip it)
        <function_id>/                one directory per function ("module.qualname")
            <name>.ckpt               entry: 40-byte header + serialized value
            <name>.json               manifest, written after the value
            <name>.files/<output><suffix>
                                      results stored by file serializers (numpy,
                                      parquet, json, ...): the .ckpt entry then
                                      holds their table (sizes and checksums)
            .catalog.v1.tsv           index of the manifests for `inspect` (_catalog.py)
        .blobs/<d[:2]>/<d>.txt        normalized sources, content-addressed by digest d
        .locks/<function_id>/<name>.lock
                                      per-entry locks (_locks.py, local file systems)
        .quarantine/                  damaged entries moved aside (never deleted silently)

One reason to change: the names and places of the files. Pure: no I/O.
Imports only :mod:`checkpointing._errors`.
"""

from __future__ import annotations

from typing import Final

from checkpointing._errors import StoreError

__all__ = [
    "BLOBS",
    "CACHEDIR_TAG",
    "ENTRY_SUFFIX",
    "FILES_SUFFIX",
    "LOCKS",
    "MANIFEST_SUFFIX",
    "QUARANTINE",
    "check_name",
    "is_hex_key",
]

ENTRY_SUFFIX: Final = ".ckpt"
MANIFEST_SUFFIX: Final = ".json"
FILES_SUFFIX: Final = ".files"
BLOBS: Final = ".blobs"
QUARANTINE: Final = ".quarantine"
LOCKS: Final = ".locks"
CACHEDIR_TAG: Final = (
    b"Signature: 8a477f597d28d172789f06886806bc55\n"
    b"# This file is a cache directory tag created by checkpointing.\n"
    b"# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_HEX: Final = frozenset("0123456789abcdef")


def is_hex_key(name: str) -> bool:
    """Whether *name* has the form of a key: 32 lowercase hex characters."""
    return len(name) == 32 and not set(name) - _HEX


def check_name(name: str, what: str) -> str:
    """
    Refuse names that could escape the store or hide files; return *name*.

    Raises:
        StoreError: If *name* is empty, ``.``/``..``, starts with a dot,
            contains a path separator or NUL, or is over 200 characters.
    """
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or "/" in name
        or "\\" in name
        or "\0" in name
        or len(name) > 200
    ):
        raise StoreError(name, f"invalid {what} name for a store path")
    return name
