"""
The manifest: the JSON metadata stored beside every entry.

A manifest records everything needed to explain an entry from disk alone,
without importing the user's code: the digest of every fingerprint component
(with a short human-readable summary), the digest and short repr of every
argument, versions, sizes and timings, and the reason the entry was computed.

The JSON layout (``format_version`` 1) is documented in ``docs/how-it-works.md``.
This module only converts between :class:`Manifest` and JSON; it does no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ._errors import CorruptEntryError

__all__ = [
    "FORMAT_VERSION",
    "ArgumentRecord",
    "ComponentRecord",
    "Manifest",
]

#: Version of the on-disk layout (entry header, manifest JSON, key formula).
#: It is part of every key, so a layout change invalidates cleanly.
FORMAT_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class ComponentRecord:
    """
    One hashed component of a fingerprint, as stored in a manifest.

    Attributes:
        kind: One of ``source``, ``docstring``, ``signature``, ``callee``,
            ``defaults``, ``global``, ``closure``, ``class``, ``attribute``,
            ``extension``, ``package``, ``python``.
        digest: 32-character lowercase hex digest (xxh3_128) of the component.
        summary: Short human-readable form: a value's truncated repr, a
            package version, or ``""``.
        blob: Digest of the normalized source text kept in the store's blob
            directory (``source``/``callee`` kinds), or ``None``.
    """

    kind: str
    digest: str
    summary: str = ""
    blob: str | None = None


@dataclass(frozen=True, slots=True)
class ArgumentRecord:
    """
    The digest and a short repr of one bound argument.

    Attributes:
        digest: 32-character lowercase hex digest of the argument's value.
        summary: Truncated ``repr`` of the value (at most ~200 characters).
    """

    digest: str
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Manifest:
    """
    Metadata of one entry.

    Attributes:
        key: 32-character hex key of the entry.
        function_id: Directory name of the function inside the store.
        module: ``__module__`` of the function (``"__main__"`` for scripts).
        qualname: ``__qualname__`` of the function.
        fingerprint: 32-character hex digest over all *components*.
        arguments_digest: 32-character hex digest over all *arguments*.
        components: Component name (e.g. ``"callee:helpers:scale"``) to record.
        arguments: Parameter name to record, after binding and ``ignore=``.
        created_at: Creation time, seconds since the Unix epoch (UTC).
        compute_seconds: Wall-clock seconds the function took to run.
        value_size_bytes: Size of the serialized value in bytes.
        serializer: Name of the serializer that wrote the value.
        python_version: ``platform.python_version()`` of the writer.
        library_version: checkpointing version of the writer.
        reason: Why this entry was computed: the JSON form of an
            :class:`~checkpointing.Explanation` (``status``, ``cause``,
            ``changes``, ``compared_with``).
        format_version: Layout version, :data:`FORMAT_VERSION` when written.
        name: The readable name the entry's files are stored under
            (``@checkpoint(key=...)``), or ``""`` when they are named by *key*.
        outputs: For results stored as files: output name (``"value"`` for a
            single result) to the file name inside ``<name>.files/``
            (e.g. ``{"dataset": "dataset.parquet"}``); empty for a result kept
            in the entry file itself.
    """

    key: str
    function_id: str
    module: str
    qualname: str
    fingerprint: str
    arguments_digest: str
    components: Mapping[str, ComponentRecord]
    arguments: Mapping[str, ArgumentRecord]
    created_at: float
    compute_seconds: float
    value_size_bytes: int
    serializer: str
    python_version: str
    library_version: str
    reason: Mapping[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    name: str = ""
    outputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def entry_name(self) -> str:
        """The name of the entry's files: :attr:`name` if set, else :attr:`key`."""
        return self.name or self.key

    def to_json(self) -> bytes:
        """Return the manifest as UTF-8 JSON bytes (1-space indent, arguments in order)."""
        data: dict[str, Any] = {
            "format_version": self.format_version,
            "key": self.key,
            "function_id": self.function_id,
            "module": self.module,
            "qualname": self.qualname,
            "fingerprint": self.fingerprint,
            "arguments_digest": self.arguments_digest,
            "components": {
                name: _record_to_json(self.components[name])
                for name in sorted(self.components)
            },
            "arguments": {
                name: {"digest": rec.digest, "summary": rec.summary}
                for name, rec in self.arguments.items()
            },
            "created_at": self.created_at,
            "compute_seconds": self.compute_seconds,
            "value_size_bytes": self.value_size_bytes,
            "serializer": self.serializer,
            "python_version": self.python_version,
            "library_version": self.library_version,
            "reason": dict(self.reason),
        }
        if self.name:
            data["name"] = self.name
        if self.outputs:
            data["outputs"] = dict(self.outputs)
        # Not sort_keys: arguments keep the signature's order.
        return json.dumps(data, indent=1).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes, *, path: str = "<manifest>") -> Manifest:
        """
        Parse manifest JSON bytes.

        Args:
            raw: The bytes of a ``.json`` manifest file.
            path: Where the bytes came from, for error messages.

        Returns:
            The parsed manifest.

        Raises:
            CorruptEntryError: If *raw* is not a manifest of a known format.
        """
        try:
            data = json.loads(raw)
            version = int(data["format_version"])
        except (ValueError, KeyError, TypeError) as err:
            raise CorruptEntryError(path, f"unreadable manifest ({err})") from err
        if version != FORMAT_VERSION:
            raise CorruptEntryError(
                path,
                f"written by manifest format {version}; this version of "
                f"checkpointing reads format {FORMAT_VERSION}",
            )
        try:
            return cls(
                key=str(data["key"]),
                function_id=str(data["function_id"]),
                module=str(data["module"]),
                qualname=str(data["qualname"]),
                fingerprint=str(data["fingerprint"]),
                arguments_digest=str(data["arguments_digest"]),
                components={
                    str(name): ComponentRecord(
                        kind=str(rec["kind"]),
                        digest=str(rec["digest"]),
                        summary=str(rec.get("summary", "")),
                        blob=rec.get("blob"),
                    )
                    for name, rec in data["components"].items()
                },
                arguments={
                    str(name): ArgumentRecord(
                        digest=str(rec["digest"]), summary=str(rec.get("summary", ""))
                    )
                    for name, rec in data["arguments"].items()
                },
                created_at=float(data["created_at"]),
                compute_seconds=float(data["compute_seconds"]),
                value_size_bytes=int(data["value_size_bytes"]),
                serializer=str(data["serializer"]),
                python_version=str(data["python_version"]),
                library_version=str(data["library_version"]),
                reason=dict(data.get("reason") or {}),
                format_version=version,
                name=str(data.get("name") or ""),
                outputs={
                    str(k): str(v) for k, v in (data.get("outputs") or {}).items()
                },
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise CorruptEntryError(path, f"incomplete manifest ({err})") from err


def _record_to_json(rec: ComponentRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": rec.kind, "digest": rec.digest}
    if rec.summary:
        out["summary"] = rec.summary
    if rec.blob is not None:
        out["blob"] = rec.blob
    return out
