"""
The JSON family: plain data as human-readable JSON (RFC 8259), in UTF-8.

One reason to change: what JSON stores, refuses and changes (the walk that
``check`` runs over a value), and how the file is written and read.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing.formats._common`.
"""

from __future__ import annotations

import json
import math
from typing import Any, BinaryIO, final

from checkpointing._errors import SerializationError

from ._common import _Format, _quote, _type_name, _unencodable

__all__ = [
    "JsonSerializer",
]


class _JsonWalk:
    """One walk of a value: the notes found so far and the containers entered."""

    def __init__(self, serializer: str) -> None:
        self.serializer = serializer
        self.notes: dict[str, str] = {}  # one note per kind, at its first place
        self.active: set[int] = set()  # ids of the containers being walked

    def note(self, kind: str, text: str) -> None:
        self.notes.setdefault(kind, text)

    def refuse(self, where: str, problem: str) -> SerializationError:
        return SerializationError(self.serializer, f"{where} {problem}")

    def walk(self, value: object, where: str) -> None:
        if value is None or type(value) in (bool, int):
            return
        if isinstance(value, str):
            if type(value) is not str:
                self.note(
                    "subclass", f"{where}, a {_type_name(value)}, comes back as str"
                )
            if _unencodable(value):
                raise self.refuse(
                    where, "has lone surrogates, which UTF-8 cannot encode"
                )
            return
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            base = "int" if isinstance(value, int) else "float"
            if type(value) is not int and type(value) is not float:
                self.note(
                    "subclass", f"{where}, a {_type_name(value)}, comes back as {base}"
                )
            if isinstance(value, float) and not math.isfinite(value):
                self.note(
                    "nan",
                    f"{where} is {value!r}, written as NaN/Infinity: Python reads it "
                    f"back, but strict JSON (RFC 8259) parsers refuse the file",
                )
            return
        if isinstance(value, (list, tuple, dict)):
            if id(value) in self.active:
                raise self.refuse(
                    where, "is a container it is inside of (a circular reference)"
                )
            self.active.add(id(value))
            if isinstance(value, dict):
                self._walk_dict(value, where)
            else:
                if isinstance(value, tuple):
                    self.note("tuple", f"tuples come back as lists (first at {where})")
                elif type(value) is not list:
                    self.note(
                        "subclass",
                        f"{where}, a {_type_name(value)}, comes back as list",
                    )
                for index, item in enumerate(value):
                    self.walk(item, f"{where}[{index}]")
            self.active.discard(id(value))
            return
        if isinstance(value, (set, frozenset)):
            raise self.refuse(
                where, "is a set, which JSON has no form for: return a sorted list"
            )
        if isinstance(value, (bytes, bytearray)):
            raise self.refuse(
                where,
                "is bytes, which JSON has no form for: decode it, or use serializer='pickle'",
            )
        raise self.refuse(
            where,
            f"is a {_type_name(value)}; JSON stores only dict, list, str, int, float, "
            f"bool and None: use serializer='pickle'",
        )

    def _walk_dict(self, value: dict[Any, Any], where: str) -> None:
        if type(value) is not dict:
            self.note("subclass", f"{where}, a {_type_name(value)}, comes back as dict")
        seen: dict[str, object] = {}
        for key, item in value.items():
            if isinstance(key, str):
                text = key
                if _unencodable(key):
                    raise self.refuse(where, f"has key {key!r} with lone surrogates")
            elif key is None or isinstance(key, (bool, int, float)):
                # The names json.dumps gives these keys.
                text = json.dumps(key)
                self.note(
                    "key",
                    f"non-str dict keys come back as strings (first at {where}: "
                    f"{_quote(key)} as {text!r})",
                )
            else:
                raise self.refuse(
                    where,
                    f"has key {_quote(key)} ({_type_name(key)}); JSON keys are strings "
                    f"(str, int, float, bool and None keys are converted)",
                )
            if text in seen:
                raise self.refuse(
                    where,
                    f"has keys {_quote(seen[text])} and {_quote(key)}, which are both "
                    f"{text!r} in JSON",
                )
            seen[text] = key
            self.walk(item, f"{where}[{key!r}]")


@final
class JsonSerializer(_Format):
    """
    Store plain data as human-readable JSON (RFC 8259), in UTF-8.

    Written with ``json.dumps(value, indent=1, ensure_ascii=False)``: dicts
    keep their key order, text is not escaped, and the file is meant to be
    read by people and other tools. ``NaN`` and ``Infinity`` are written as
    such (``allow_nan=True``, Python's default), which Python reads back but
    strict JSON parsers refuse.

    What does not come back exactly (``check`` says so): tuples come back as
    lists; ``int``, ``float``, ``bool`` and ``None`` dict keys come back as
    strings (``1`` as ``"1"``); subclasses of ``dict``, ``list``, ``str``,
    ``int`` and ``float`` (``OrderedDict``, ``IntEnum``, ``numpy.float64``)
    come back as the base type. ``check`` also notes NaN and infinities.

    Refused: sets (return a sorted list), bytes, any other type (use
    ``serializer="pickle"``), circular references, keys that collide once
    converted (``1`` and ``"1"``), and strings with lone surrogates.

    >>> JsonSerializer().check({"a": (1, 2)})
    "tuples come back as lists (first at result['a'])"
    """

    name = "json"
    suffix = ".json"

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Raises:
            SerializationError: If *value* holds something JSON cannot store.
        """
        walk = _JsonWalk(self.name)
        try:
            walk.walk(value, "result")
        except RecursionError as err:
            raise SerializationError(
                self.name, "the result is nested too deeply"
            ) from err
        return "; ".join(walk.notes.values()) or None

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* as indented UTF-8 JSON, ending with a newline.

        Raises:
            SerializationError: If *value* cannot be stored (see :meth:`check`).
        """
        # The walk refuses what json.dumps would write wrongly (colliding
        # keys) and says where a problem is; its cost is small next to the
        # pure-Python encoder that indent= selects.
        self.check(value)
        try:
            text = json.dumps(value, indent=1, ensure_ascii=False, allow_nan=True)
            data = (text + "\n").encode("utf-8")
        except (TypeError, ValueError, RecursionError) as err:
            raise SerializationError(self.name, f"cannot write JSON: {err}") from err
        file.write(data)

    def load(self, file: BinaryIO) -> Any:
        """
        Read the value written by :meth:`dump`.

        Raises:
            SerializationError: If *file* is not valid JSON text.
        """
        try:
            return json.loads(file.read())
        except (ValueError, RecursionError) as err:
            raise SerializationError(self.name, f"not readable JSON: {err}") from err
