"""
Built-in file serializers: numpy, pandas, polars, JSON, text, and callables.

Each class here meets the :class:`~checkpointing.Serializer` protocol: it
writes one value to an open binary file (``dump``) and reads it back
(``load``). Its optional ``check(value)`` says, before anything is written,
what will not come back exactly (shown as a
:class:`~checkpointing.LossySerializationWarning`) and raises
:class:`~checkpointing.SerializationError` for values the format cannot store.

===================  ==============  ========  ======================
serializer=          name            suffix    class
===================  ==============  ========  ======================
"pickle"             pickle          .pkl      CloudpickleSerializer
"numpy"              numpy           .npy      NumpySerializer
"npz"                numpy-npz       .npz      NumpyArchiveSerializer
"pandas", "parquet"  pandas-parquet  .parquet  PandasSerializer
"pandas-csv"         pandas-csv      .csv      PandasSerializer
"pandas-json"        pandas-json     .json     PandasSerializer
"polars"             polars-parquet  .parquet  PolarsSerializer
"polars-csv"         polars-csv      .csv      PolarsSerializer
"polars-json"        polars-json     .json     PolarsSerializer
"json"               json            .json     JsonSerializer
"text"               text            .txt      TextSerializer
===================  ==============  ========  ======================

Each serializer's own name (``"numpy-npz"``, ``"pandas-parquet"``...)
resolves to it too.

numpy, pandas, pyarrow and polars are imported inside the methods that use
them, never at module import: ``import checkpointing`` stays cheap.
:func:`resolve_serializer` turns a name into a serializer and checks that
the library it needs is installed.

The package, one module per serializer family, lowest layer first (each
module imports only those above it, plus :mod:`checkpointing._errors`):

- ``_common``: optional imports, message helpers, the ``_Format`` base
  (equality, hash and repr from the configuration).
- ``_frames``: what pandas and polars share (``FrameFormat``, row diffs).
- ``_numpy``: :class:`NumpySerializer` (``.npy``) and
  :class:`NumpyArchiveSerializer` (``.npz``).
- ``_pandas``: :class:`PandasSerializer` (Parquet, CSV, JSON).
- ``_polars``: :class:`PolarsSerializer` (Parquet, CSV, JSON).
- ``_json``: :class:`JsonSerializer`.
- ``_text``: :class:`TextSerializer`.
- ``_callable``: :class:`CallableSerializer` (``pickler=``/``unpickler=``).
- ``_resolve``: :func:`resolve_serializer` and its table of names
  (``_NAMED``); it also imports :mod:`checkpointing._serializers` for
  ``"pickle"`` and the two protocols.
- ``__init__`` (this file): re-exports only.

A new serializer family goes in its own module here (``_<family>.py``,
subclassing ``_Format`` from ``_common``; its optional library imported with
``_common._import`` inside the methods, never at module level). The resolver
finds it by name only through ``_NAMED`` in ``_resolve.py``: add one row per
name, ``name: (factory, ((module, extra), ...))``, where the pairs list the
libraries :func:`resolve_serializer` locates (without importing them) and
the ``pip install "checkpointing[extra]"`` advice it gives when one is
missing. Then re-export the class here and give the module its row in
``ALLOWED_IMPORTS`` (``tests/test_public_api.py``). A serializer *object*
needs no registration: the resolver accepts anything that meets the
:class:`~checkpointing.Serializer` or :class:`~checkpointing.BytesSerializer`
protocol.

Instances of these classes can be pickled into stored data (a
:class:`~checkpointing.LazyResult` pickles its codec, serializers included),
which records their class by module path: ``checkpointing._formats``
re-exports the classes for data pickled before this package existed.
"""

from __future__ import annotations

from ._callable import CallableSerializer, PicklerMode
from ._frames import FrameFormat
from ._json import JsonSerializer
from ._numpy import NumpyArchiveSerializer, NumpySerializer
from ._pandas import PandasSerializer
from ._polars import PolarsSerializer
from ._resolve import resolve_serializer
from ._text import TextSerializer

__all__ = [
    "CallableSerializer",
    "FrameFormat",
    "JsonSerializer",
    "NumpyArchiveSerializer",
    "NumpySerializer",
    "PandasSerializer",
    "PicklerMode",
    "PolarsSerializer",
    "TextSerializer",
    "resolve_serializer",
]
