"""
The numpy family: ``.npy`` for one array, ``.npz`` for several.

One reason to change: how numpy arrays are written, read, memory mapped and
checked. numpy is imported inside the methods, never at module import.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing.formats._common`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Final, final

from checkpointing._errors import ConfigurationError, SerializationError

from ._common import _Format, _import, _quote, _type_name

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "NumpyArchiveSerializer",
    "NumpySerializer",
]

# Marks an .npz written from a list or tuple (the zip archive's comment), so
# it comes back as one; an archive without it is read as a dict (numpy.savez).
_NPZ_KINDS: Final = {b"checkpointing:list": list, b"checkpointing:tuple": tuple}


def _check_array(
    np: ModuleType, value: object, serializer: str, where: str
) -> str | None:
    """Return what .npy changes about *value*, or raise if it cannot store it."""
    if isinstance(value, np.ma.MaskedArray):
        raise SerializationError(
            serializer,
            f"{where} is a masked array; .npy has no mask, so it would come back "
            f"unmasked: store data and mask as two arrays (serializer='npz') or "
            f"use serializer='pickle'",
        )
    if isinstance(value, np.generic):
        note: str | None = (
            f"{where}, a numpy.{type(value).__name__} scalar, comes back as a 0-d "
            f"numpy.ndarray (index it with [()] to get the scalar)"
        )
        dtype = np.asarray(value).dtype
    elif isinstance(value, np.ndarray):
        note = None
        if type(value) is not np.ndarray:
            note = (
                f"{where}, a {_type_name(value)}, comes back as a plain numpy.ndarray"
            )
        dtype = value.dtype
    else:
        raise SerializationError(
            serializer,
            f"{where} is a {_type_name(value)}, not a numpy.ndarray: "
            f"use serializer='pickle'",
        )
    # .npy stores object arrays, and the variable-width dtypes of numpy 2
    # (StringDType), only as a pickle; loads use allow_pickle=False.
    if dtype.hasobject or not getattr(type(dtype), "_legacy", True):
        raise SerializationError(
            serializer,
            f"{where} has dtype {dtype}, which .npy can only store by pickling "
            f"its Python objects: use serializer='pickle'",
        )
    return note


def _write_array(np: ModuleType, file: IO[bytes], value: Any, serializer: str) -> None:
    """Write one array (or numpy scalar) in the .npy format to *file*."""
    array = np.asarray(value)  # a plain ndarray view: no copy for subclasses
    try:
        # For a real file, write_array writes the data with ndarray.tofile,
        # from the array's own memory (no copy of a contiguous array).
        np.lib.format.write_array(file, array, allow_pickle=False)
    except (ValueError, TypeError) as err:
        raise SerializationError(serializer, f"cannot write the array: {err}") from err


def _read_array(np: ModuleType, file: IO[bytes], serializer: str) -> Any:
    """Read one .npy array from *file*, refusing pickled object arrays."""
    try:
        return np.lib.format.read_array(file, allow_pickle=False)
    except (ValueError, EOFError) as err:
        raise SerializationError(
            serializer, f"not a readable .npy file: {err}"
        ) from err


@final
class NumpySerializer(_Format):
    """
    Store one numpy array in the ``.npy`` format (numpy NEP 1).

    The file is a small header (dtype, shape, memory order) followed by the
    raw array bytes, written from the array's own memory: a C- or
    Fortran-contiguous array is not copied. Any numpy dtype without Python
    objects round-trips exactly, including byte order, structured dtypes,
    ``datetime64`` and fixed-width strings. Loading never unpickles
    (``allow_pickle=False``), and :meth:`load_mmap` maps the file instead of
    reading it.

    What does not come back exactly (``check`` says so):

    - a numpy scalar (``numpy.float64(1.0)``) comes back as a 0-d array;
    - a subclass (``numpy.matrix``, ``numpy.memmap``, ``numpy.recarray``)
      comes back as a plain ``numpy.ndarray``.

    Refused with :class:`~checkpointing.SerializationError`: anything that is
    not a numpy array or scalar, masked arrays (the mask would be lost), and
    arrays of dtype ``object`` or ``StringDType`` (they need pickle: use
    ``serializer="pickle"``).

    >>> NumpySerializer()
    NumpySerializer()
    """

    name = "numpy"
    suffix = ".npy"

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Args:
            value: The result about to be stored.

        Returns:
            A sentence for a scalar or an ndarray subclass; ``None`` for a
            plain ``numpy.ndarray``.

        Raises:
            SerializationError: If *value* is not a numpy array or scalar,
                is a masked array, or holds Python objects.
            ConfigurationError: If numpy is not installed.
        """
        return _check_array(_import("numpy", "numpy"), value, self.name, "the result")

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* as a ``.npy`` file.

        Raises:
            SerializationError: If *value* cannot be stored (see :meth:`check`).
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        _check_array(np, value, self.name, "the result")
        _write_array(np, file, value, self.name)

    def load(self, file: BinaryIO) -> Any:
        """
        Read the array written by :meth:`dump` into memory.

        Raises:
            SerializationError: If *file* is not a ``.npy`` file without pickles.
            ConfigurationError: If numpy is not installed.
        """
        return _read_array(_import("numpy", "numpy"), file, self.name)

    def load_mmap(self, path: str, mmap_mode: str) -> Any:
        """
        Map the stored ``.npy`` file into memory instead of reading it.

        Args:
            path: Path of the stored file.
            mmap_mode: ``"r"`` (read-only) or ``"c"`` (copy-on-write: writes
                change memory, never the file), as in :func:`numpy.load`.

        Returns:
            A ``numpy.memmap`` whose pages are read on first access.

        Raises:
            ConfigurationError: If *mmap_mode* is not ``"r"`` or ``"c"``, or
                numpy is not installed.
            SerializationError: If the file is not a ``.npy`` file.
        """
        if mmap_mode not in ("r", "c"):
            raise ConfigurationError(
                f"mmap_mode must be 'r' or 'c' (stored files are never written "
                f"through a map), got {mmap_mode!r}"
            )
        np = _import("numpy", "numpy")
        try:
            return np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
        except (ValueError, EOFError) as err:
            raise SerializationError(
                self.name, f"not a readable .npy file: {err}"
            ) from err


@final
class NumpyArchiveSerializer(_Format):
    """
    Store several numpy arrays in one uncompressed ``.npz`` archive.

    Accepts a mapping of ``str`` to arrays, or a list or tuple of arrays.
    The file is the zip archive :func:`numpy.savez` writes (one ``.npy``
    member per array, ``arr_0``, ``arr_1``... for a list), so
    ``numpy.load`` reads it too. A list or tuple comes back as a list or
    tuple (the archive's comment records which); a mapping comes back as a
    ``dict`` in the same key order. Each array follows the rules of
    :class:`NumpySerializer`.

    What does not come back exactly (``check`` says so): a mapping that is
    not a ``dict`` (comes back as one), a list or tuple subclass (a named
    tuple comes back as a plain tuple), and the per-array cases of
    :class:`NumpySerializer`.

    Refused: non-``str`` keys, values that are not arrays, masked or object
    arrays.

    >>> NumpyArchiveSerializer().suffix
    '.npz'
    """

    name = "numpy-npz"
    suffix = ".npz"

    def check(self, value: Any) -> str | None:
        """
        Return what will not round-trip exactly, or ``None``.

        Raises:
            SerializationError: If *value* is not a mapping of ``str`` to
                arrays nor a list or tuple of arrays.
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        notes = [
            note
            for where, array in self._members(value)
            if (note := _check_array(np, array, self.name, where)) is not None
        ]
        if isinstance(value, Mapping) and type(value) is not dict:
            notes.insert(0, f"a {_type_name(value)} comes back as a dict")
        elif isinstance(value, (list, tuple)) and type(value) not in (list, tuple):
            base = "list" if isinstance(value, list) else "tuple"
            notes.insert(0, f"a {_type_name(value)} comes back as a plain {base}")
        return "; ".join(notes) or None

    def _members(self, value: Any) -> Iterator[tuple[str, Any]]:
        """Yield ``(where, array)`` for each member; raise for bad containers."""
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, str):
                    raise SerializationError(
                        self.name,
                        f"archive keys must be str, got {_quote(key)} "
                        f"({_type_name(key)})",
                    )
                yield f"result[{key!r}]", value[key]
        elif isinstance(value, (list, tuple)):
            for index, array in enumerate(value):
                yield f"result[{index}]", array
        else:
            raise SerializationError(
                self.name,
                f"the result is a {_type_name(value)}; .npz stores a dict of "
                f"arrays or a list or tuple of arrays (one array: "
                f"serializer='numpy'; anything else: serializer='pickle')",
            )

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* to *file* as an uncompressed ``.npz`` archive.

        Raises:
            SerializationError: If *value* cannot be stored (see :meth:`check`).
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        members = list(self._members(value))
        for where, array in members:
            _check_array(np, array, self.name, where)
        if isinstance(value, Mapping):
            names, comment = list(value), b""
        else:
            names = [f"arr_{index}" for index in range(len(members))]
            comment = b"checkpointing:" + (
                b"list" if isinstance(value, list) else b"tuple"
            )
        # Written member by member, as numpy.savez does, so that a list or
        # tuple can be marked in the archive's comment.
        with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED) as archive:
            for name, (_where, array) in zip(names, members, strict=True):
                with archive.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                    _write_array(np, member, array, self.name)
            archive.comment = comment

    def load(self, file: BinaryIO) -> Any:
        """
        Read the arrays written by :meth:`dump` (or by ``numpy.savez``).

        Returns:
            A ``dict`` of name to array, or a list or tuple of arrays if one
            was stored.

        Raises:
            SerializationError: If *file* is not an ``.npz`` archive of
                ``.npy`` members without pickles.
            ConfigurationError: If numpy is not installed.
        """
        np = _import("numpy", "numpy")
        arrays: dict[str, Any] = {}
        try:
            with zipfile.ZipFile(file) as archive:
                for info in archive.infolist():
                    if not info.filename.endswith(".npy"):
                        raise SerializationError(
                            self.name, f"unexpected archive member {info.filename!r}"
                        )
                    with archive.open(info) as member:
                        arrays[info.filename[:-4]] = _read_array(np, member, self.name)
                kind = _NPZ_KINDS.get(archive.comment)
        except (zipfile.BadZipFile, EOFError, ValueError) as err:
            raise SerializationError(
                self.name, f"not a readable .npz file: {err}"
            ) from err
        return arrays if kind is None else kind(arrays.values())
