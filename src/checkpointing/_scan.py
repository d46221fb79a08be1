"""
``checkpointing.scan``: the entries of a cache directory as records or a table.

After neurotools' ``scan_cachedir``: a person (or a notebook) browsing a
cache wants one row per stored result with the function, the arguments it was
called with, sizes and times, without importing the code that wrote it. Every
field comes from the manifests on disk.
"""

from __future__ import annotations

import datetime
import fnmatch
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from ._settings import function_names, resolve_directory, resolve_hmac_key
from .store._open import open_store

if TYPE_CHECKING:
    import pandas

__all__ = ["EntryRecord", "scan"]


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """
    One stored result, as :func:`scan` reports it.

    Attributes:
        function: ``module.qualname`` of the function that computed it.
        function_id: Directory name of the function in the store.
        name: Name of the entry's files (the key, or the readable ``key=`` name).
        key: 32-character hex key (code fingerprint + arguments + format).
        arguments: Parameter name to a short ``repr`` of the argument (at most
            ~200 characters; long values are truncated with ``...``).
        created_at: When the result was stored (timezone-aware UTC).
        compute_seconds: Wall-clock seconds the function ran.
        size_bytes: Bytes of the stored result (entry payload or result files).
        serializer: Format of the result (``"pickle"``, ``"numpy"``, ...).
        outputs: Output name to file name, for results stored as files.
        cause: Why it was computed, as ``inspect`` words it (``"first call"``,
            ``"code changed"``, ``"arguments changed"``, ``"forced rerun"``...).
        path: The entry file (``.ckpt``): :attr:`location` as a path.
        location: Where the entry is: its file's path (a URL for a remote
            store).
    """

    function: str
    function_id: str
    name: str
    key: str
    arguments: Mapping[str, str]
    created_at: datetime.datetime
    compute_seconds: float
    size_bytes: int
    serializer: str
    outputs: Mapping[str, str]
    cause: str
    path: Path
    location: str = ""


@overload
def scan(
    directory: str | os.PathLike[str] | None = None,
    *,
    function: str | None = None,
    as_frame: Literal[False] = False,
    storage_options: Mapping[str, Any] | None = None,
) -> list[EntryRecord]: ...
@overload
def scan(
    directory: str | os.PathLike[str] | None = None,
    *,
    function: str | None = None,
    as_frame: Literal[True],
    storage_options: Mapping[str, Any] | None = None,
) -> pandas.DataFrame: ...
def scan(
    directory: str | os.PathLike[str] | None = None,
    *,
    function: str | None = None,
    as_frame: bool = False,
    storage_options: Mapping[str, Any] | None = None,
) -> list[EntryRecord] | pandas.DataFrame:
    """
    List the stored results of a cache directory, oldest first.

    Args:
        directory: The cache directory (default: as ``@checkpoint`` resolves
            it: ``CHECKPOINTING_DIR``, then ``defaults``, then
            ``./.checkpointing``); an fsspec URL (``"s3://bucket/prefix"``)
            reads a remote store.
        function: Only functions whose ``module.qualname`` (or bare name)
            matches this shell pattern, e.g. ``"train"`` or ``"features.*"``.
        as_frame: Return a :class:`pandas.DataFrame` with one row per entry
            and one ``arg:<name>`` column per parameter (needs pandas).
        storage_options: Options for the fsspec backend of a URL directory
            (as ``@checkpoint(storage_options=...)``).

    Returns:
        :class:`EntryRecord` objects, or a DataFrame with the same fields.

    Raises:
        ImportError: If *as_frame* is true and pandas is not installed.
        ConfigurationError: If a URL's backend is not installed.

    Unreadable manifests (damaged, another format version) are skipped;
    ``python -m checkpointing verify`` reports them.
    """
    store = open_store(
        resolve_directory(directory),
        hmac_key=resolve_hmac_key(None),
        storage_options=storage_options,
        where="scan(directory=)",
    )
    records: list[EntryRecord] = []
    for function_id in store.function_ids():
        for manifest in store.manifests(function_id):
            full = f"{manifest.module}.{manifest.qualname}"
            if function is not None and not any(
                fnmatch.fnmatchcase(candidate, function)
                for candidate in (
                    *function_names(manifest.module, manifest.qualname),
                    function_id,
                )
            ):
                continue
            location = store.location(function_id, manifest.entry_name)
            records.append(
                EntryRecord(
                    function=full,
                    function_id=function_id,
                    name=manifest.entry_name,
                    key=manifest.key,
                    arguments={
                        name: record.summary
                        for name, record in manifest.arguments.items()
                    },
                    created_at=datetime.datetime.fromtimestamp(
                        manifest.created_at, tz=datetime.timezone.utc
                    ),
                    compute_seconds=manifest.compute_seconds,
                    size_bytes=manifest.value_size_bytes,
                    serializer=manifest.serializer,
                    outputs=dict(manifest.outputs),
                    cause=str(manifest.reason.get("cause", "")),
                    path=Path(location),
                    location=location,
                )
            )
    records.sort(key=lambda r: r.created_at)
    if not as_frame:
        return records
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for record in records:
        row = asdict(record)
        arguments = row.pop("arguments")
        row.update({f"arg:{name}": text for name, text in arguments.items()})
        rows.append(row)
    columns = [f.name for f in EntryRecord.__dataclass_fields__.values()]
    columns.remove("arguments")
    return pd.DataFrame(rows, columns=None if rows else columns)
