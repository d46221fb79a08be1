"""
The numpy fast path: arrays (plain, memory-mapped, masked, subclasses), scalars, dtypes.

Array data is fed to the hasher in place; only non-contiguous views are copied,
one bounded block at a time. Also the object-item and string-block layouts
that the pandas and polars fast paths reuse for columns of Python objects.
numpy is never imported here: it is in ``sys.modules`` when a value of it is
met. Imports: ``digest._encoder``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any, Final

from ._encoder import (
    _BLOCK_BYTES,
    _INLINE_BYTES,
    _Encoder,
    _pack_len,
    _shape,
    _state,
    _text,
    _type_name,
    _typed,
)

_NUL: Final = "\x00"


def _numpy_array(enc: _Encoder, array: Any, depth: int) -> None:
    np = sys.modules["numpy"]
    cls = type(array)
    if cls is np.ndarray or isinstance(array, np.memmap):
        # A memmap is storage, not a different value: digest the data.
        _typed(enc, "numpy.ndarray")
        _array_body(enc, array.view(np.ndarray), depth)
        return
    if isinstance(array, np.ma.MaskedArray):
        _typed(enc, "numpy.ma.MaskedArray")
        enc.out.append(_text(_type_name(cls)))
        _array_body(enc, array.data, depth)
        _array_body(enc, np.ma.getmaskarray(array), depth)
        enc.encode(array.fill_value, depth + 1)
        enc.encode(bool(array.hardmask), depth + 1)
        return
    # Other subclasses (np.matrix, astropy's Quantity, ...): the class, the
    # data, then the instance attributes that make the subclass (e.g. a unit).
    _typed(enc, "numpy.ndarray subclass")
    enc.out.append(_text(_type_name(cls)))
    _array_body(enc, array.view(np.ndarray), depth)
    _state(enc, array, depth)


def _array_body(enc: _Encoder, array: Any, depth: int) -> None:
    """dtype, shape and contents of a base-class ndarray."""
    dtype = array.dtype
    names = dtype.names
    if names is not None:
        # Structured: field by field, so padding bytes (arbitrary memory) and
        # offsets (packed vs aligned) do not count, only names and values.
        enc.out.append(b"r" + _pack_len(len(names)) + _shape(array.shape))
        for name in names:
            title = dtype.fields[name][2] if len(dtype.fields[name]) > 2 else None
            enc.out.append(_text(name))
            enc.encode(title, depth + 1)
            _array_body(enc, array[name], depth)
        return
    if dtype.hasobject or dtype.kind == "T":
        # Object arrays item by item; numpy 2 StringDType holds pointers, not text.
        enc.out.append(b"o" + _text(repr(dtype)) + _shape(array.shape))
        items = array.ravel(order="C")
        if dtype.kind == "T":
            items = items.astype(object)
        _object_items(enc, items.tolist(), depth)
        return
    header = b"a" + _text(dtype.str) + _shape(array.shape) + _pack_len(array.nbytes)
    if array.nbytes <= _INLINE_BYTES:
        # Small arrays: one copy is cheaper than flushing for a separate update.
        enc.out.append(header + array.tobytes(order="C"))
        return
    enc.out.append(header)
    for block in _c_order_blocks(array):
        enc.write_buffer(block)


def _c_order_blocks(array: Any) -> Iterator[Any]:
    """
    Yield byte views that together are *array*'s data in C order.

    A C-contiguous array is yielded as is (no copy). Anything else is copied
    one block of at most ~1 MiB at a time, so a strided view hashes like its
    contiguous copy without ever holding the whole copy.
    """
    np = sys.modules["numpy"]
    if array.flags.c_contiguous or array.nbytes == 0:
        yield array.reshape(-1).view(np.uint8)
        return
    row_bytes = array.nbytes // array.shape[0]
    if row_bytes <= _BLOCK_BYTES:
        rows = max(1, _BLOCK_BYTES // max(row_bytes, 1))
        for start in range(0, array.shape[0], rows):
            block = np.ascontiguousarray(array[start : start + rows])
            yield block.reshape(-1).view(np.uint8)
    else:
        for row in array:
            yield from _c_order_blocks(row)


def _object_items(enc: _Encoder, items: list[Any], depth: int) -> None:
    """
    Encode the items of an object array (or column), exact ``str`` items in bulk.

    Layout: the count, then ``a`` + a string block (all items are ``str``),
    ``e`` + each item (no ``str``), or ``m`` + one byte per item (1 = ``str``)
    + a string block of the ``str`` items + each other item in order.
    """
    out = enc.out
    out.append(_pack_len(len(items)))
    types = set(map(type, items))
    if types == {str}:
        out.append(b"a")
        _string_block(enc, items)
    elif str not in types:
        out.append(b"e")
        enc.items(items, depth + 1)
    else:
        is_str = [type(item) is str for item in items]
        out.append(b"m")
        enc.write_buffer(bytes(is_str))
        _string_block(
            enc, [item for item, flag in zip(items, is_str, strict=True) if flag]
        )
        others = [item for item, flag in zip(items, is_str, strict=True) if not flag]
        enc.items(others, depth + 1)


def _string_block(enc: _Encoder, strings: list[str]) -> None:
    """
    Encode many ``str`` at C speed: joined by NUL when none contains NUL,
    else their lengths (code points, int64) and the concatenation.
    """
    count = len(strings)
    joined = _NUL.join(strings)
    if count == 0 or joined.count(_NUL) == count - 1:
        data = joined.encode("utf-8", "surrogatepass")
        enc.out.append(b"0" + _pack_len(len(data)))
    else:
        np = sys.modules["numpy"]
        lengths = np.fromiter(map(len, strings), dtype="<i8", count=count)
        data = "".join(strings).encode("utf-8", "surrogatepass")
        enc.out.append(b"1")
        enc.write_buffer(lengths)
        enc.out.append(_pack_len(len(data)))
    enc.write_buffer(data)


def _numpy_scalar(enc: _Encoder, scalar: Any, depth: int) -> None:
    _typed(enc, _type_name(type(scalar)))
    # The raw bits, as in arrays: NaN payloads and -0.0 count.
    data = scalar.tobytes()
    enc.out.append(_text(scalar.dtype.str) + _pack_len(len(data)) + data)


def _numpy_dtype(enc: _Encoder, dtype: Any, depth: int) -> None:
    _typed(enc, "numpy.dtype")
    enc.out.append(_text(_dtype_identity(dtype)))


def _dtype_identity(dtype: Any) -> str:
    if dtype.names is not None:
        return repr(dtype.descr)
    if dtype.kind == "T":
        return repr(dtype)
    return str(dtype.str)
