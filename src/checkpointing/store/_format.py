"""
The entry file format: header, checksum, HMAC signature, file table, verification.

An entry file starts with a header: magic ``b"CKPT"``, the format version, the
16-byte key, the payload length and its xxh3-64 checksum. A read verifies all
of them, so a truncated, bit-flipped or swapped file (another key's entry under
this name) is detected and reported instead of being decoded. With an HMAC key,
an HMAC-SHA256 signature of header and payload follows the payload. The files
of a file serializer are checked against the size and xxh3-64 recorded in the
entry's table (:data:`FILE_TABLE_MAGIC` + JSON) before they are decoded.

One reason to change: the bytes of an entry file. Pure: no I/O. Imports only
:mod:`checkpointing._errors`, :mod:`checkpointing._manifest` (the format
version) and :mod:`._layout`.
"""

from __future__ import annotations

import mmap
import struct
from typing import Any, Final

import xxhash

from checkpointing._errors import CorruptEntryError, SignatureMismatchError, StoreError
from checkpointing._manifest import FORMAT_VERSION

from ._layout import check_name, is_hex_key

__all__ = [
    "FILE_TABLE_MAGIC",
    "FLAG_SIGNED",
    "HEADER",
    "MAGIC",
    "SIGNATURE_SIZE",
    "pack_header",
    "parse_table",
    "signature",
    "verify_entry",
]

MAGIC: Final = b"CKPT"
HEADER: Final = struct.Struct(
    "<4sHH16sQQ"
)  # magic, format, flags, key, length, xxh3_64
#: Payload of an entry whose value lives in files: this magic, then JSON
#: ``{"files": [{"file", "size", "xxh3_64"}, ...]}``.
FILE_TABLE_MAGIC: Final = b"CKPF"
#: Header flag: an HMAC-SHA256 signature of header and payload follows the payload.
FLAG_SIGNED: Final = 0x1
SIGNATURE_SIZE: Final = 32


def signature(key: bytes, *parts: bytes | bytearray | memoryview) -> bytes:
    """HMAC-SHA256 (RFC 2104) of the concatenated *parts*: 32 bytes."""
    import hashlib  # only signed stores pay for importing hashlib
    import hmac

    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(part)
    return mac.digest()


def pack_header(key_hex: str, length: int, checksum: int, *, signed: bool) -> bytes:
    """
    The 40-byte header of an entry holding *length* payload bytes.

    Raises:
        ValueError: If *key_hex* is not hexadecimal.
    """
    return HEADER.pack(
        MAGIC,
        FORMAT_VERSION,
        FLAG_SIGNED if signed else 0,
        bytes.fromhex(key_hex),
        length,
        checksum,
    )


def parse_table(path: str, payload: bytes | memoryview) -> list[dict[str, Any]]:
    """
    Decode a file table payload (:data:`FILE_TABLE_MAGIC` + JSON).

    Raises:
        CorruptEntryError: If the payload holds no readable table.
    """
    import json

    if bytes(payload[:4]) != FILE_TABLE_MAGIC:
        raise CorruptEntryError(path, "entry holds no file table")
    try:
        table = json.loads(bytes(payload[4:]))["files"]
        for item in table:
            check_name(str(item["file"]), "result file")
            int(item["size"])
            int(item["xxh3_64"])
    except (ValueError, KeyError, TypeError, StoreError) as err:
        raise CorruptEntryError(path, f"unreadable file table ({err})") from err
    return list(table)


def verify_entry(
    path: str,
    name: str,
    key: str | None,
    data: bytes | memoryview | mmap.mmap,
    hmac_key: bytes | None,
    *,
    checksum: bool = True,
    computed: int | None = None,
) -> tuple[str, memoryview]:
    """Check an entry's bytes; return ``(stored key, payload view)``.

    *computed* is the payload's xxh3-64 if the reader hashed it already.
    A result for another *key* than expected is ``(stored key, empty view)``:
    the caller's miss, nothing else is checked.

    Raises:
        CorruptEntryError: If the bytes are not a complete, intact entry of
            this format (or not signed with *hmac_key* when it is given).
    """
    if len(data) < HEADER.size:
        raise CorruptEntryError(str(path), "truncated entry header")
    magic, version, flags, stored_key, length, expected = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise CorruptEntryError(str(path), "not a checkpointing entry")
    if version != FORMAT_VERSION:
        raise CorruptEntryError(
            str(path),
            f"written by entry format {version}, expected {FORMAT_VERSION}",
        )
    stored = stored_key.hex()
    if stored != name and is_hex_key(name):
        # A hex-named file holds exactly its own key: anything else is a
        # swapped file. (A readable name may hold any key: see Store.load().)
        raise CorruptEntryError(str(path), f"holds the entry of key {stored}")
    signed = bool(flags & FLAG_SIGNED)
    end = HEADER.size + length
    trailer = SIGNATURE_SIZE if signed else 0
    if len(data) != end + trailer:
        raise CorruptEntryError(
            str(path),
            f"entry is {len(data)} bytes, header says {end + trailer}",
        )
    if key is not None and stored != key:
        return stored, memoryview(b"")  # the caller's miss: nothing to check
    payload = memoryview(data)[HEADER.size : end]
    if (
        checksum
        and (computed if computed is not None else xxhash.xxh3_64_intdigest(payload))
        != expected
    ):
        raise CorruptEntryError(str(path), "checksum mismatch")
    if hmac_key is not None:
        if not signed:
            raise SignatureMismatchError(
                str(path), "unsigned entry, and an HMAC key is set: refused"
            )
        import hmac

        mac = signature(hmac_key, memoryview(data)[:end])
        if not hmac.compare_digest(mac, bytes(memoryview(data)[end:])):
            raise SignatureMismatchError(str(path), "HMAC signature mismatch: refused")
    return stored, payload  # a view: no copy of a large payload
