"""
The text family: a ``str`` as a UTF-8 text file, byte for byte.

One reason to change: how a string result is checked, written and read.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing.formats._common`.
"""

from __future__ import annotations

from typing import Any, BinaryIO, final

from checkpointing._errors import SerializationError

from ._common import _Format, _type_name, _unencodable

__all__ = [
    "TextSerializer",
]


@final
class TextSerializer(_Format):
    """
    Store a ``str`` as a UTF-8 text file, byte for byte.

    Newlines are written as they are (no ``\\r\\n`` translation), so every
    string without lone surrogates round-trips exactly. A ``str`` subclass
    comes back as ``str`` (``check`` says so).

    Refused: anything that is not a ``str``, ``bytes`` included (decode it
    first, or use ``serializer="pickle"``), and strings with lone surrogates.

    >>> TextSerializer().check("héllo") is None
    True
    """

    name = "text"
    suffix = ".txt"

    def check(self, value: Any) -> str | None:
        """
        Return a note for a ``str`` subclass, ``None`` for a ``str``.

        Raises:
            SerializationError: If *value* is not a ``str`` or cannot be
                encoded as UTF-8.
        """
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise SerializationError(
                self.name,
                f"the result is {_type_name(value)}, not str: decode it "
                f"(value.decode('utf-8')), or use serializer='pickle'",
            )
        if not isinstance(value, str):
            raise SerializationError(
                self.name,
                f"the result is a {_type_name(value)}, not str: use "
                f"serializer='json' for plain data or serializer='pickle'",
            )
        if _unencodable(value):
            raise SerializationError(
                self.name, "the result has lone surrogates, which UTF-8 cannot encode"
            )
        if type(value) is not str:
            return f"the result, a {_type_name(value)}, comes back as str"
        return None

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* encoded as UTF-8.

        Raises:
            SerializationError: If *value* is not a ``str`` without lone
                surrogates.
        """
        self.check(value)
        file.write(value.encode("utf-8"))

    def load(self, file: BinaryIO) -> Any:
        """
        Read the text written by :meth:`dump`.

        Raises:
            SerializationError: If *file* is not valid UTF-8.
        """
        try:
            return file.read().decode("utf-8")
        except UnicodeDecodeError as err:
            raise SerializationError(self.name, f"not UTF-8 text: {err}") from err
