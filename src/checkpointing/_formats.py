"""
Old module path of the built-in file serializers, kept for stored pickles.

The serializers live in :mod:`checkpointing.formats` (one module per family);
import them from there. A pickled serializer records its class by module path,
and serializers are pickled into stored data: a
:class:`~checkpointing.LazyResult` pickles its codec, and with it the
serializer of each output (``checkpointing._formats.NumpySerializer`` in data
written before the package existed). This module re-exports those classes,
and only those, so that such data still loads. Nothing else belongs here.

Imports: :mod:`checkpointing.formats`.
"""

from __future__ import annotations

# Pickles written before the split name these classes by this module's path.
from .formats import (
    CallableSerializer,
    JsonSerializer,
    NumpyArchiveSerializer,
    NumpySerializer,
    PandasSerializer,
    PolarsSerializer,
    TextSerializer,
)

__all__ = [
    "CallableSerializer",
    "JsonSerializer",
    "NumpyArchiveSerializer",
    "NumpySerializer",
    "PandasSerializer",
    "PolarsSerializer",
    "TextSerializer",
]
