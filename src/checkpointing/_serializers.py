"""
Serializers: turn a function's result into bytes and back.

The default, :class:`CloudpickleSerializer`, uses cloudpickle so that lambdas,
closures and classes defined in ``__main__`` round-trip. cloudpickle is
imported on first use, keeping ``import checkpointing`` cheap.
"""

from __future__ import annotations

import pickle
import struct
from typing import Any, Final, Protocol, final, runtime_checkable

from ._errors import ConfigurationError, SerializationError

__all__ = ["DEFAULT_PICKLE_PROTOCOL", "CloudpickleSerializer", "Serializer"]

#: Protocol 5 (PEP 574) handles large buffers efficiently; it is the default
#: of the older ``checkpointing`` package too.
DEFAULT_PICKLE_PROTOCOL: Final = 5

# Framed payload for values with out-of-band buffers (PEP 574): magic, buffer
# count, pickle-stream length, then one u64 length per buffer; the stream; then
# each buffer, starting on a 64-byte boundary of the payload. A plain pickle
# stream starts with b"\x80" (the PROTO opcode), so the two never collide.
_FRAME_MAGIC: Final = b"CKPB"
_FRAME_HEAD: Final = struct.Struct("<4sIQ")
_ALIGN: Final = 64

Chunk = bytes | bytearray | memoryview


@runtime_checkable
class Serializer(Protocol):
    """
    What the store needs from a serializer.

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
        head = _FRAME_HEAD.pack(_FRAME_MAGIC, len(raws), len(stream)) + struct.pack(
            f"<{len(raws)}Q", *(raw.nbytes for raw in raws)
        )
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
            view = memoryview(data)
            if bytes(view[:4]) != _FRAME_MAGIC:
                return pickle.loads(view)
            stream, buffers = _unframe(view)
            return pickle.loads(stream, buffers=buffers)
        except SerializationError:
            raise
        except Exception as err:  # corrupt or incompatible pickle
            raise SerializationError(self.name, f"cannot unpickle: {err}") from err


def _unframe(view: memoryview) -> tuple[memoryview, list[Chunk]]:
    """Split a framed payload into its pickle stream and its buffers."""
    _magic, count, stream_length = _FRAME_HEAD.unpack_from(view)
    lengths = struct.unpack_from(f"<{count}Q", view, _FRAME_HEAD.size)
    offset = _FRAME_HEAD.size + 8 * count
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
        buffers.append(bytearray(buffer) if view.readonly else buffer)
        offset += length
    return stream, buffers
