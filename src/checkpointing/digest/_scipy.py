"""
The scipy.sparse fast path: sparse matrices and arrays in a canonical form.

scipy is never imported here. Imports: ``digest._encoder``, ``digest._numpy``.
"""

from __future__ import annotations

from typing import Any

from ._encoder import (
    _Encoder,
    _shape,
    _text,
    _type_name,
    _typed,
)
from ._numpy import _array_body


def _scipy_sparse(enc: _Encoder, matrix: Any, depth: int) -> None:
    """
    The class, the shape, then the arrays of a canonical form: CSR, CSC and
    BSR with sorted indices and summed duplicates (copied only if they are
    not), COO with summed duplicates, other formats converted to CSR.
    Explicitly stored zeros count.
    """
    _typed(enc, f"scipy.sparse.{type(matrix).__name__}")
    enc.out.append(_text(_type_name(type(matrix))) + _shape(matrix.shape))
    fmt = matrix.format
    if fmt not in {"csr", "csc", "bsr", "coo"}:
        matrix = matrix.tocsr()
        fmt = "csr"
    if not matrix.has_canonical_format:
        matrix = matrix.copy()
        matrix.sum_duplicates()
    enc.out.append(_text(fmt))
    if fmt == "coo":
        coords = getattr(matrix, "coords", None) or (matrix.row, matrix.col)
        arrays = [*coords, matrix.data]
    else:
        arrays = [matrix.indptr, matrix.indices, matrix.data]
    for array in arrays:
        _array_body(enc, array, depth)
