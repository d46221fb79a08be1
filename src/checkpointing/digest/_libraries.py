"""
Which library fast path a type gets: numpy, pandas, pyarrow, polars, scipy, torch, pydantic.

A fast path is consulted only when its library is already in ``sys.modules``
(it is, if you hold one of its objects): no third-party library is imported by
this package. This module changes when a fast path is added or its classes
change. Imports: ``digest._encoder`` and the fast-path modules.
"""

from __future__ import annotations

import sys

from ._arrow import _arrow_array, _arrow_chunked_array, _arrow_table
from ._encoder import _Encode
from ._numpy import _numpy_array, _numpy_dtype, _numpy_scalar
from ._pandas import (
    _pandas_extension_array,
    _pandas_frame,
    _pandas_index,
    _pandas_series,
)
from ._polars import _polars_frame, _polars_series
from ._pydantic import _pydantic_model
from ._scipy import _scipy_sparse
from ._torch import _torch_tensor


def _text_attribute(obj: object, name: str) -> str:
    """``obj.<name>`` if it is a ``str``, else ``""`` (never raises)."""
    try:
        value = getattr(obj, name, "")
    except Exception:  # noqa: BLE001 - a property of a foreign object may raise anything
        return ""
    return value if isinstance(value, str) else ""


def _library_encoder(cls: type) -> _Encode | None:
    """The fast path for a numpy/pandas/pyarrow/polars/scipy/torch value, if any."""
    modules = sys.modules
    root = _text_attribute(cls, "__module__").partition(".")[0]
    # numpy, pandas and torch types are also subclassed by other libraries
    # (astropy's Quantity, geopandas' GeoDataFrame): check those by class.
    np = modules.get("numpy")
    if np is not None:
        if issubclass(cls, np.ndarray):
            return _numpy_array
        if issubclass(cls, np.generic):
            return _numpy_scalar
        if issubclass(cls, np.dtype):
            return _numpy_dtype
    if "pandas" in modules:
        pd = modules["pandas"]
        if issubclass(cls, pd.DataFrame):
            return _pandas_frame
        if issubclass(cls, pd.Series):
            return _pandas_series
        if issubclass(cls, pd.Index):
            return _pandas_index
        if issubclass(cls, pd.api.extensions.ExtensionArray):
            return _pandas_extension_array
    if root == "pyarrow" and "pyarrow" in modules:
        pa = modules["pyarrow"]
        if issubclass(cls, (pa.Table, pa.RecordBatch)):
            return _arrow_table
        if issubclass(cls, pa.ChunkedArray):
            return _arrow_chunked_array
        if issubclass(cls, pa.Array):
            return _arrow_array
    if root == "polars" and "polars" in modules:
        pl = modules["polars"]
        if issubclass(cls, pl.DataFrame):
            return _polars_frame
        if issubclass(cls, pl.Series):
            return _polars_series
    if root == "scipy" and "scipy.sparse" in modules:
        sparse = modules["scipy.sparse"]
        if issubclass(cls, (sparse.spmatrix, sparse.sparray)):
            return _scipy_sparse
    if "torch" in modules:
        torch = modules["torch"]
        if issubclass(cls, torch.Tensor):
            return _torch_tensor
    # pydantic.main, not pydantic: the package imports BaseModel lazily.
    if "pydantic.main" in modules:
        base_model = modules["pydantic.main"].BaseModel
        if issubclass(cls, base_model) and hasattr(cls, "__pydantic_fields__"):
            return _pydantic_model
    return None
