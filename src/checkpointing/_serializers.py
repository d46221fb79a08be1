"""
Serializers: turn a function's result into bytes and back.

The default, :class:`CloudpickleSerializer`, uses cloudpickle so that lambdas,
closures and classes defined in ``__main__`` round-trip. cloudpickle is
imported on first use, keeping ``import checkpointing`` cheap.
"""

from __future__ import annotations

import pickle
from typing import Any, Final, Protocol, final, runtime_checkable

from ._errors import ConfigurationError, SerializationError

__all__ = ["DEFAULT_PICKLE_PROTOCOL", "CloudpickleSerializer", "Serializer"]

#: Protocol 5 (PEP 574) handles large buffers efficiently; it is the default
#: of the older ``checkpointing`` package too.
DEFAULT_PICKLE_PROTOCOL: Final = 5


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
        import cloudpickle

        try:
            return cloudpickle.dumps(value, protocol=self.protocol)  # type: ignore[no-any-return]
        except Exception as err:
            raise SerializationError(
                self.name, f"cannot pickle a {type(value).__qualname__}: {err}"
            ) from err

    def loads(self, data: bytes | memoryview) -> Any:
        """Unpickle *data*; raise :class:`SerializationError` on failure."""
        try:
            return pickle.loads(data)
        except Exception as err:
            raise SerializationError(self.name, f"cannot unpickle: {err}") from err
