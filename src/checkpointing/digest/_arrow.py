"""
The pyarrow fast path: Array, ChunkedArray, Table and RecordBatch.

Values are digested as independent streams (validity, lengths, data) fed chunk
by chunk, so the chunking does not change the digest; the pandas and polars
fast paths reuse ``_arrow_values`` for Arrow-backed columns. pyarrow is never
imported here. Imports: ``digest._encoder``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, Final

from ._encoder import (
    _Encoder,
    _pack_len,
    _text,
    _typed,
)

#: Lengths of Arrow strings computed at once (8 bytes each: 512 KiB).
_LENGTH_BLOCK: Final = 1 << 16


def _arrow_array(enc: _Encoder, array: Any, depth: int) -> None:
    _typed(enc, "pyarrow.Array")
    _arrow_values(enc, [array], array.type, depth)


def _arrow_chunked_array(enc: _Encoder, array: Any, depth: int) -> None:
    _typed(enc, "pyarrow.ChunkedArray")
    _arrow_values(enc, array.chunks, array.type, depth)


def _arrow_table(enc: _Encoder, table: Any, depth: int) -> None:
    pa = sys.modules["pyarrow"]
    is_table = isinstance(table, pa.Table)
    _typed(enc, "pyarrow.Table" if is_table else "pyarrow.RecordBatch")
    schema = table.schema
    enc.encode(_arrow_metadata(schema.metadata), depth + 1)
    enc.out.append(_pack_len(len(schema)) + _pack_len(table.num_rows))
    for position, field in enumerate(schema):
        enc.out.append(_text(field.name) + (b"T" if field.nullable else b"F"))
        enc.encode(_arrow_metadata(field.metadata), depth + 1)
        column = table.column(position)
        _arrow_values(enc, column.chunks if is_table else [column], field.type, depth)


def _arrow_metadata(metadata: Mapping[bytes, bytes] | None) -> dict[bytes, bytes]:
    return dict(metadata or {})


def _arrow_values(
    enc: _Encoder, chunks: list[Any], arrow_type: Any, depth: int
) -> None:
    """
    The type, the length, then digests of independent streams (validity,
    lengths, data) fed chunk by chunk: the chunking does not change the digest.
    """
    pa = sys.modules["pyarrow"]
    types = pa.types
    length = sum(len(chunk) for chunk in chunks)
    nulls = sum(chunk.null_count for chunk in chunks)
    enc.out.append(_text(str(arrow_type)) + _pack_len(length) + _pack_len(nulls))
    if isinstance(arrow_type, pa.BaseExtensionType):
        enc.out.append(_text(arrow_type.extension_name))
        enc.encode(arrow_type.__arrow_ext_serialize__(), depth + 1)
        chunks = [chunk.storage for chunk in chunks]
        arrow_type = arrow_type.storage_type
    if nulls:
        validity = _Encoder(enc._active)
        for chunk in chunks:
            validity.write_buffer(chunk.is_valid().to_numpy(zero_copy_only=False))
        enc.out.append(validity.digest())
        chunks = [chunk.drop_null() if chunk.null_count else chunk for chunk in chunks]
    if types.is_null(arrow_type):
        return
    if types.is_dictionary(arrow_type):
        # Each chunk may carry its own dictionary: digest the decoded values.
        decoded = [chunk.dictionary_decode() for chunk in chunks]
        _arrow_values(enc, decoded, arrow_type.value_type, depth)
        return
    if types.is_string_view(arrow_type) or types.is_binary_view(arrow_type):
        target = (
            pa.large_string() if types.is_string_view(arrow_type) else pa.large_binary()
        )
        chunks = [chunk.cast(target) for chunk in chunks]
        arrow_type = target
    data = _Encoder(enc._active)
    if types.is_boolean(arrow_type):
        enc.out.append(b"1")
        for chunk in chunks:
            data.write_buffer(chunk.to_numpy(zero_copy_only=False))
    elif _is_binary_like(types, arrow_type):
        np = sys.modules["numpy"]
        enc.out.append(b"2")
        lengths = _Encoder(enc._active)
        large = types.is_large_string(arrow_type) or types.is_large_binary(arrow_type)
        offset_type = np.int64 if large else np.int32
        # Lengths, not offsets: they do not depend on where a chunk starts.
        # Computed block by block into one small buffer (a fresh array the
        # size of the column would cost more in page faults than the hashing).
        block = np.empty(_LENGTH_BLOCK, dtype="<i8")
        for chunk in chunks:
            if not len(chunk):
                continue
            buffers = chunk.buffers()
            offsets = np.frombuffer(buffers[1], dtype=offset_type)
            offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
            for start in range(0, len(chunk), _LENGTH_BLOCK):
                stop = min(start + _LENGTH_BLOCK, len(chunk))
                out = block[: stop - start]
                np.subtract(offsets[start + 1 : stop + 1], offsets[start:stop], out=out)
                lengths.write_buffer(out)
            data.write_buffer(
                memoryview(buffers[2])[int(offsets[0]) : int(offsets[-1])]
            )
        enc.out.append(lengths.digest())
    elif _byte_width(arrow_type):
        width = _byte_width(arrow_type)
        enc.out.append(b"3")
        for chunk in chunks:
            if len(chunk):
                start = chunk.offset * width
                data.write_buffer(
                    memoryview(chunk.buffers()[1])[start : start + len(chunk) * width]
                )
    else:
        # Nested and rare types (lists, structs, maps, unions, ...): item by item.
        enc.out.append(b"4")
        for chunk in chunks:
            data.items(chunk.to_pylist(), depth + 1)
    enc.out.append(data.digest())


def _is_binary_like(types: Any, arrow_type: Any) -> bool:
    return bool(
        types.is_string(arrow_type)
        or types.is_large_string(arrow_type)
        or types.is_binary(arrow_type)
        or types.is_large_binary(arrow_type)
    )


def _byte_width(arrow_type: Any) -> int:
    """Bytes per value of a fixed-width type; 0 for other types."""
    try:
        bits = arrow_type.bit_width
    except ValueError:
        return 0
    return int(bits) // 8 if bits % 8 == 0 else 0
