"""
Serializers: turn a function's result into bytes and back.

The default, :class:`CloudpickleSerializer`, uses cloudpickle so that lambdas,
closures and classes defined in ``__main__`` round-trip. cloudpickle is
imported on first use, keeping ``import checkpointing`` cheap.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any, BinaryIO, Final, Protocol, final, runtime_checkable

from ._errors import ConfigurationError, SerializationError

__all__ = [
    "CODECS",
    "DEFAULT_PICKLE_PROTOCOL",
    "BytesSerializer",
    "CloudpickleSerializer",
    "CompressedSerializer",
    "Serializer",
]

#: Protocol 5 (PEP 574) handles large buffers efficiently; it is the default
#: of the older ``checkpointing`` package too.
DEFAULT_PICKLE_PROTOCOL: Final = 5

# Framed payload for values with out-of-band buffers (PEP 574): magic, buffer
# count, pickle-stream length, then one u64 length per buffer; the stream; then
# each buffer, starting on a 64-byte boundary of the payload. A plain pickle
# stream starts with b"\x80" (the PROTO opcode), so the two never collide.
_FRAME_MAGIC: Final = b"CKPB"
_FRAME_HEAD: Final = struct.Struct("<4sIQ")
# The same frame with the xxh3-64 of the pickle stream after its length, so a
# memory-mapped read (mmap_mode=) can verify the stream without reading the
# buffers (written since 0.1.0; "CKPB" frames stay readable).
_FRAME_MAGIC_SUMMED: Final = b"CKPC"
_FRAME_HEAD_SUMMED: Final = struct.Struct("<4sIQQ")
_ALIGN: Final = 64

Chunk = bytes | bytearray | memoryview


@runtime_checkable
class Serializer(Protocol):
    """
    A file format for stored results: the protocol for custom serializers.

    A serializer writes a value to an open binary file and reads it back.
    The store gives ``dump`` a fresh temporary file in the cache directory
    (a real, seekable file opened ``"wb"``) and renames it into place after
    checksumming it; ``load`` gets the stored file opened ``"rb"`` after the
    checksum was verified. Libraries that write to file objects
    (``numpy.save``, ``DataFrame.to_parquet``, ``torch.save``) fit directly.

    Attributes:
        name: Short stable name recorded in every manifest and part of every
            key (e.g. ``"numpy"``, ``"pandas-parquet"``): changing a
            function's serializer reruns it. Include any option that changes
            the stored bytes.
        suffix: File suffix of the stored file, with its dot (``".npy"``),
            or ``""``.

    Optional methods, used when present:

    - ``check(value) -> str | None``: called before ``dump``; return a
      sentence describing what will not round-trip exactly (``"tuples are
      stored as lists"``), which is shown as a
      :class:`~checkpointing.LossySerializationWarning`, or ``None``. Raise
      :class:`~checkpointing.SerializationError` for a value the format
      cannot store at all.
    - ``load_mmap(path, mmap_mode) -> value``: open the stored file memory
      mapped (``mmap_mode`` is ``"r"`` or ``"c"``, as in ``numpy.load``).

    Example (a complete custom serializer)::

        class TorchSerializer:
            name = "torch"
            suffix = ".pt"

            def dump(self, value, file):
                torch.save(value, file)

            def load(self, file):
                return torch.load(file, weights_only=False)
    """

    name: str
    suffix: str

    def dump(self, value: Any, file: BinaryIO) -> None:
        """Write *value* to *file*; raise :class:`SerializationError` on failure."""
        ...

    def load(self, file: BinaryIO) -> Any:
        """Read the value written by :meth:`dump` from *file*."""
        ...


@runtime_checkable
class BytesSerializer(Protocol):
    """
    A serializer to and from ``bytes`` (stored inside the entry file itself).

    The default pickle serializer is one; so is any object with a ``name``,
    ``dumps(value) -> bytes`` and ``loads(data) -> value``. Its bytes are
    kept in the ``.ckpt`` entry file, behind the entry header, which is the
    fastest layout for small results.

    Attributes:
        name: Short stable name recorded in every manifest (e.g. ``"pickle"``).
    """

    name: str

    def dumps(self, value: Any) -> bytes:
        """Return *value* as bytes; raise :class:`SerializationError` on failure."""
        ...

    def loads(self, data: bytes | memoryview) -> Any:
        """Return the value encoded in *data* (bytes or a read-only view of them).

        Raise :class:`SerializationError` on failure.
        """
        ...


@final
class CloudpickleSerializer:
    """
    Serialize with cloudpickle at a chosen pickle protocol.

    Args:
        protocol: Pickle protocol number, 2 to ``pickle.HIGHEST_PROTOCOL``.

    Raises:
        ConfigurationError: If *protocol* is not supported by this Python.

    >>> s = CloudpickleSerializer()
    >>> s.loads(s.dumps({"a": [1, 2]}))
    {'a': [1, 2]}
    """

    name = "pickle"
    suffix = ".pkl"

    def __init__(self, protocol: int = DEFAULT_PICKLE_PROTOCOL) -> None:
        if (
            not isinstance(protocol, int)
            or not 2 <= protocol <= pickle.HIGHEST_PROTOCOL
        ):
            raise ConfigurationError(
                f"cache_pickle_protocol must be an int from 2 to "
                f"{pickle.HIGHEST_PROTOCOL}, got {protocol!r}"
            )
        self.protocol = protocol

    def __repr__(self) -> str:
        return f"CloudpickleSerializer(protocol={self.protocol})"

    def dumps(self, value: Any) -> bytes:
        """Pickle *value* with cloudpickle; raise :class:`SerializationError` on failure."""
        return b"".join(self.dump_chunks(value))

    def dump_chunks(self, value: Any) -> list[Chunk]:
        """
        Pickle *value* as a list of chunks to be written one after the other.

        With protocol 5, large buffers (numpy arrays, ``bytearray``,
        ``PickleBuffer``) stay *out of band* (PEP 574): the chunks are a small
        frame, the pickle stream, and views of the buffers themselves, so a
        1 GB array is written from its own memory, never copied into one big
        ``bytes`` object. Values without such buffers are one plain stream.

        Raises:
            SerializationError: If *value* cannot be pickled.
        """
        import cloudpickle

        buffers: list[pickle.PickleBuffer] = []
        try:
            if self.protocol < 5:
                return [cloudpickle.dumps(value, protocol=self.protocol)]
            stream = cloudpickle.dumps(
                value, protocol=self.protocol, buffer_callback=buffers.append
            )
            raws = [buffer.raw() for buffer in buffers]
        except BufferError:  # a non-contiguous buffer: keep everything in band
            return [cloudpickle.dumps(value, protocol=self.protocol)]
        except Exception as err:  # any pickling failure is ours to report
            raise SerializationError(
                self.name, f"cannot pickle a {type(value).__qualname__}: {err}"
            ) from err
        if not raws:
            return [stream]
        import xxhash

        head = _FRAME_HEAD_SUMMED.pack(
            _FRAME_MAGIC_SUMMED,
            len(raws),
            len(stream),
            xxhash.xxh3_64_intdigest(stream),
        ) + struct.pack(f"<{len(raws)}Q", *(raw.nbytes for raw in raws))
        chunks: list[Chunk] = [head, stream]
        offset = len(head) + len(stream)
        for raw in raws:
            padding = -offset % _ALIGN
            if padding:
                chunks.append(bytes(padding))
                offset += padding
            chunks.append(raw)
            offset += raw.nbytes
        return chunks

    def loads(self, data: bytes | memoryview) -> Any:
        """
        Unpickle *data*; raise :class:`SerializationError` on failure.

        Out-of-band buffers are handed to ``pickle.loads`` as views of *data*:
        a large array is not copied again after the file read.
        """
        try:
            # A plain pickle stream starts with the PROTO opcode: the hit path.
            if data[:1] == b"\x80":
                return pickle.loads(data)
            view = memoryview(decompress(data))  # written with compress=: any codec
            if bytes(view[:4]) not in (_FRAME_MAGIC, _FRAME_MAGIC_SUMMED):
                return pickle.loads(view)
            stream, buffers = _unframe(view)
            return pickle.loads(stream, buffers=buffers)
        except SerializationError:
            raise
        except Exception as err:  # corrupt or incompatible pickle
            raise SerializationError(self.name, f"cannot unpickle: {err}") from err

    def can_map(self, view: memoryview) -> bool:
        """Whether :meth:`loads_mapped` can decode *view* without reading its buffers.

        Only payloads with out-of-band buffers and a stream checksum (``CKPC``
        frames) qualify; anything else must be read and verified in full.
        """
        return bytes(view[:4]) == _FRAME_MAGIC_SUMMED

    def loads_mapped(self, view: memoryview) -> Any:
        """
        Unpickle a payload that lives in a memory map, without reading its buffers.

        Out-of-band buffers (numpy arrays) become views of *view*, so a 1 GB
        array "loads" in microseconds and its pages are read on first access.
        The pickle stream is checked against the xxh3-64 stored in its frame;
        the buffers are not checksummed (that would read them all): a bit flip
        inside an array's bytes goes unnoticed here (``verify`` finds it).

        Raises:
            SerializationError: If the stream's checksum fails or it cannot be
                unpickled.
        """
        import xxhash

        if not self.can_map(view):
            raise SerializationError(
                self.name, "payload has no checksummed frame: read it in full"
            )
        try:
            stream, buffers = _unframe(view, copy_readonly=False)
            expected = _FRAME_HEAD_SUMMED.unpack_from(view)[3]
            if xxhash.xxh3_64_intdigest(stream) != expected:
                raise SerializationError(self.name, "pickle stream checksum mismatch")
            return pickle.loads(stream, buffers=buffers)
        except SerializationError:
            raise
        except Exception as err:  # corrupt or incompatible pickle
            raise SerializationError(self.name, f"cannot unpickle: {err}") from err

    def dump(self, value: Any, file: BinaryIO) -> None:
        """Write *value* to an open binary file (the file form, for ``outputs=``)."""
        for chunk in self.dump_chunks(value):
            file.write(chunk)

    def load(self, file: BinaryIO) -> Any:
        """Read a value written by :meth:`dump` from an open binary file."""
        return self.loads(file.read())


def _unframe(
    view: memoryview, *, copy_readonly: bool = True
) -> tuple[memoryview, list[Chunk]]:
    """Split a framed payload into its pickle stream and its buffers."""
    if bytes(view[:4]) == _FRAME_MAGIC_SUMMED:
        _magic, count, stream_length, _sum = _FRAME_HEAD_SUMMED.unpack_from(view)
        offset = _FRAME_HEAD_SUMMED.size
    else:
        _magic, count, stream_length = _FRAME_HEAD.unpack_from(view)
        offset = _FRAME_HEAD.size
    lengths = struct.unpack_from(f"<{count}Q", view, offset)
    offset += 8 * count
    stream = view[offset : offset + stream_length]
    offset += stream_length
    buffers: list[Chunk] = []
    for length in lengths:
        offset += -offset % _ALIGN
        if offset + length > len(view):
            raise SerializationError(
                "pickle", "framed payload shorter than its buffers"
            )
        buffer = view[offset : offset + length]
        # Arrays rebuilt on read-only memory would be read-only; values pickled
        # in band come back writable, so keep that promise (small reads only:
        # large entries are read into writable memory already).
        buffers.append(bytearray(buffer) if copy_readonly and view.readonly else buffer)
        offset += length
    return stream, buffers


#: Codecs for ``@checkpoint(compress=...)``: name -> (extra to install, module).
CODECS: Final = {"zstd": ("zstd", "zstandard"), "lz4": ("lz4", "lz4.frame")}
_COMPRESSED_MAGIC: Final = b"CKPZ"
_COMPRESSED_HEAD: Final = struct.Struct("<4s8sQ")  # magic, codec name, raw length


@final
class CompressedSerializer:
    """
    Compress what another serializer writes (zstd or lz4; off by default).

    Args:
        inner: The serializer whose bytes are compressed.
        codec: ``"zstd"`` (better ratio) or ``"lz4"`` (faster).
        level: Codec level (zstd 1-22, default 3; lz4 0-16, default 0).

    Raises:
        ConfigurationError: If *codec* is unknown or its library is missing
            (the message names the extra: ``pip install "checkpointing[zstd]"``).

    The stored bytes start with ``b"CKPZ"``, the codec name and the length of
    the uncompressed bytes, so a reader always knows how to decode an entry,
    whatever the decorator's current setting. Out-of-band buffers are joined
    before compressing (one copy): compression trades speed for disk.
    """

    def __init__(
        self, inner: BytesSerializer, codec: str, level: int | None = None
    ) -> None:
        if codec not in CODECS:
            raise ConfigurationError(
                f"compress= must be one of {sorted(CODECS)} or None, got {codec!r}"
            )
        extra, module = CODECS[codec]
        try:
            import importlib

            importlib.import_module(module)
        except ImportError as err:
            raise ConfigurationError(
                f"compress={codec!r} needs {module.partition('.')[0]}: "
                f'pip install "checkpointing[{extra}]"'
            ) from err
        self.inner = inner
        self.codec = codec
        self.level = level
        self.name = inner.name  # the value format is the inner one's

    def __repr__(self) -> str:
        return (
            f"CompressedSerializer({self.inner!r}, {self.codec!r}, level={self.level})"
        )

    def dumps(self, value: Any) -> bytes:
        """Serialize with the inner serializer, then compress."""
        dump_chunks = getattr(self.inner, "dump_chunks", None)
        raw = b"".join(dump_chunks(value)) if dump_chunks else self.inner.dumps(value)
        if self.codec == "zstd":
            import zstandard

            body = zstandard.ZstdCompressor(level=self.level or 3).compress(raw)
        else:
            import lz4.frame

            body = lz4.frame.compress(raw, compression_level=self.level or 0)
        head = _COMPRESSED_HEAD.pack(_COMPRESSED_MAGIC, self.codec.encode(), len(raw))
        return head + body

    def loads(self, data: bytes | memoryview) -> Any:
        """Decompress (any codec, whatever this serializer's), then deserialize."""
        return self.inner.loads(decompress(data))


def decompress(data: bytes | memoryview) -> bytes | memoryview:
    """Undo :class:`CompressedSerializer`; return uncompressed data unchanged."""
    view = memoryview(data)
    if bytes(view[:4]) != _COMPRESSED_MAGIC:
        return data
    _magic, raw_codec, length = _COMPRESSED_HEAD.unpack_from(view)
    codec = raw_codec.rstrip(b"\0").decode("ascii", "replace")
    body = view[_COMPRESSED_HEAD.size :]
    try:
        if codec == "zstd":
            import zstandard

            raw = zstandard.ZstdDecompressor().decompress(body, max_output_size=length)
        elif codec == "lz4":
            import lz4.frame

            raw = lz4.frame.decompress(body)
        else:
            raise SerializationError("compressed", f"unknown codec {codec!r}")
    except ImportError as err:
        extra = CODECS.get(codec, (codec, codec))[0]
        raise SerializationError(
            "compressed",
            f"entry compressed with {codec}, which is not installed: "
            f'pip install "checkpointing[{extra}]"',
        ) from err
    except SerializationError:
        raise
    except Exception as err:  # corrupt compressed data
        raise SerializationError("compressed", f"cannot decompress: {err}") from err
    if len(raw) != length:
        raise SerializationError("compressed", "decompressed length does not match")
    return raw
