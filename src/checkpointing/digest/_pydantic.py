"""
The pydantic fast path: ``BaseModel`` instances (fields, extras, private attributes).

pydantic is never imported here. Imports: ``digest._encoder``.
"""

from __future__ import annotations

from typing import Any

from ._encoder import (
    _Encoder,
    _text,
    _type_name,
    _typed,
)


def _pydantic_model(enc: _Encoder, model: Any, depth: int) -> None:
    """
    The class, the field values (``__dict__``), the extra fields, the private
    attributes, and which fields were set explicitly. pydantic's ``==``
    ignores the last one, but ``model_dump(exclude_unset=True)`` does not, so
    ``Model()`` and ``Model(x=<the default>)`` are kept apart.
    """
    _typed(enc, "pydantic.BaseModel")
    enc.out.append(_text(_type_name(type(model))))
    enc.mapping(b"d", model.__dict__, depth + 1, attributes=True)
    enc.encode(dict(model.__pydantic_extra__ or {}), depth + 1)
    enc.encode(getattr(model, "__pydantic_private__", None), depth + 1)
    enc.encode(frozenset(model.__pydantic_fields_set__), depth + 1)
