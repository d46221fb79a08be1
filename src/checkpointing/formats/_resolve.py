"""
The resolver: turns the decorator's ``serializer=`` name or object into a serializer.

One reason to change: the table of built-in names (``"numpy"``,
``"pandas"``...), which library and extra each needs, and how an object is
checked against the :class:`~checkpointing.Serializer` and
:class:`~checkpointing.BytesSerializer` protocols.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing._serializers`, and
every family module of this package (their classes are the table's factories).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from typing import Final

from checkpointing._errors import ConfigurationError
from checkpointing._serializers import (
    BytesSerializer,
    CloudpickleSerializer,
    Serializer,
)

from ._common import _quote
from ._json import JsonSerializer
from ._numpy import NumpyArchiveSerializer, NumpySerializer
from ._pandas import PandasSerializer
from ._polars import PolarsSerializer
from ._text import TextSerializer

__all__ = [
    "resolve_serializer",
]

# name -> (factory, ((module, extra that installs it), ...)).
_NAMED: Final[
    dict[
        str,
        tuple[Callable[[], Serializer | BytesSerializer], tuple[tuple[str, str], ...]],
    ]
] = {
    "pickle": (CloudpickleSerializer, ()),
    "numpy": (NumpySerializer, (("numpy", "numpy"),)),
    "npz": (NumpyArchiveSerializer, (("numpy", "numpy"),)),
    "numpy-npz": (NumpyArchiveSerializer, (("numpy", "numpy"),)),
    "pandas": (
        functools.partial(PandasSerializer, "parquet"),
        (("pandas", "parquet"), ("pyarrow", "parquet")),
    ),
    "parquet": (
        functools.partial(PandasSerializer, "parquet"),
        (("pandas", "parquet"), ("pyarrow", "parquet")),
    ),
    "pandas-parquet": (
        functools.partial(PandasSerializer, "parquet"),
        (("pandas", "parquet"), ("pyarrow", "parquet")),
    ),
    "pandas-csv": (functools.partial(PandasSerializer, "csv"), (("pandas", "pandas"),)),
    "pandas-json": (
        functools.partial(PandasSerializer, "json"),
        (("pandas", "pandas"),),
    ),
    "polars": (functools.partial(PolarsSerializer, "parquet"), (("polars", "polars"),)),
    "polars-parquet": (
        functools.partial(PolarsSerializer, "parquet"),
        (("polars", "polars"),),
    ),
    "polars-csv": (functools.partial(PolarsSerializer, "csv"), (("polars", "polars"),)),
    "polars-json": (
        functools.partial(PolarsSerializer, "json"),
        (("polars", "polars"),),
    ),
    "json": (JsonSerializer, ()),
    "text": (TextSerializer, ()),
}


def _installed(module: str) -> bool:
    # find_spec locates the module without importing it: resolving a name
    # happens when the user's module is imported (at decoration), and
    # importing pandas there would cost a few hundred milliseconds. A module
    # set to None in sys.modules counts as missing, as for an import.
    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # in sys.modules without a __spec__: it is there
        return True


def resolve_serializer(spec: object, *, what: str) -> Serializer | BytesSerializer:
    """
    Return the serializer *spec* names, or *spec* itself if it is one.

    Args:
        spec: A name (``"pickle"``, ``"numpy"``, ``"npz"``, ``"pandas"`` or
            ``"parquet"`` for pandas Parquet, ``"pandas-csv"``,
            ``"pandas-json"``, ``"polars"`` for polars Parquet,
            ``"polars-csv"``, ``"polars-json"``, ``"json"``, ``"text"``, or
            a serializer's own name such as ``"pandas-parquet"``), or an
            object meeting the :class:`~checkpointing.Serializer` (file) or
            :class:`~checkpointing.BytesSerializer` protocol, returned as is.
        what: Where *spec* comes from, prefixed to error messages, e.g.
            ``"mymodule.f: serializer="``.

    Returns:
        A new serializer for a name; *spec* for an object.

    Raises:
        ConfigurationError: If *spec* is an unknown name, a class instead of
            an instance, or an object missing the protocol's members; or if
            the library a name needs is not installed (the message names
            the extra: ``pip install "checkpointing[parquet]"``).

    The libraries are located, not imported: that happens on first use.

    >>> resolve_serializer("json", what="mymodule.f: serializer=")
    JsonSerializer()
    """
    if isinstance(spec, str):
        if spec not in _NAMED:
            raise ConfigurationError(
                f"{what}{spec!r} is not a serializer name; use one of "
                f"{', '.join(map(repr, _NAMED))}, or pass a serializer object"
            )
        factory, needs = _NAMED[spec]
        for module, extra in needs:
            if not _installed(module):
                raise ConfigurationError(
                    f"{what}{spec!r} needs {module}, which is not installed: "
                    f'pip install "checkpointing[{extra}]"'
                )
        return factory()
    if isinstance(spec, type):
        raise ConfigurationError(
            f"{what}{spec.__qualname__} is a class; pass an instance: "
            f"{spec.__qualname__}()"
        )
    if isinstance(spec, (Serializer, BytesSerializer)):
        name = getattr(spec, "name", None)
        if not isinstance(name, str) or not name:
            raise ConfigurationError(
                f"{what}{_quote(spec)} has name {name!r}; a serializer's name "
                f"must be a non-empty str (it is part of every key)"
            )
        if isinstance(spec, Serializer) and not isinstance(spec.suffix, str):
            raise ConfigurationError(
                f"{what}{_quote(spec)} has suffix {spec.suffix!r}; it must be a str "
                f"such as '.npy' or ''"
            )
        return spec
    raise ConfigurationError(
        f"{what}{_quote(spec)} is not a serializer: pass one of "
        f"{', '.join(map(repr, _NAMED))}, or an object with name, suffix, "
        f"dump(value, file) and load(file) (or name, dumps(value) and loads(data))"
    )
