"""
Result codecs: how a function's result maps onto the files of one entry.

Two layouts, chosen once per decorated function:

- :class:`InlineCodec`: a :class:`~checkpointing.BytesSerializer` (pickle by
  default) writes the result into the entry file itself, behind its header.
  One file to read on a hit: the fastest layout, and the default.
- :class:`FilesCodec`: one file per output in ``<name>.files/``, each written
  by a file :class:`~checkpointing.Serializer` (numpy ``.npy``, Parquet, JSON,
  text, a user's ``pickler=``...); the entry file then holds the table of
  their sizes and checksums. ``outputs=("dataset", "metrics")`` gives one file
  per element of the returned tuple (curifactory's per-output cachers).

A codec's :attr:`name` is part of every key: changing how a result is stored
recomputes it rather than decoding old files with a new format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final, final

from ._errors import ConfigurationError, SerializationError
from ._serializers import BytesSerializer, Serializer
from .store._format import FILE_TABLE_MAGIC
from .store._protocol import MISSING, EntryStore, _Missing

__all__ = [
    "SINGLE_OUTPUT",
    "FilesCodec",
    "InlineCodec",
    "ResultCodec",
    "as_file_serializer",
    "check_mmap_mode",
    "make_codec",
]

#: Output name of a function without ``outputs=``: its file is ``value<suffix>``.
SINGLE_OUTPUT: Final = "value"
_MMAP_MODES: Final = (None, "r", "c")


def check_mmap_mode(value: object, where: str) -> str | None:
    """
    Validate ``mmap_mode=``: ``None``, ``"r"`` (read-only) or ``"c"`` (copy-on-write).

    ``"r+"`` and ``"w+"`` (numpy's other modes) would write into the stored
    entry, changing the cached result for every later call: refused.

    Raises:
        ConfigurationError: For any other value.
    """
    if value not in _MMAP_MODES:
        raise ConfigurationError(
            f"{where}: mmap_mode= must be None, 'r' (read-only) or 'c' "
            f"(copy-on-write), got {value!r}; 'r+'/'w+' would modify the stored result"
        )
    return value


@final
class _BytesAsFile:
    """Adapts a bytes serializer to the file protocol (for one of several outputs)."""

    suffix = ".bin"

    def __init__(self, inner: BytesSerializer) -> None:
        self.inner = inner
        self.name = inner.name

    def dump(self, value: Any, file: BinaryIO) -> None:
        file.write(self.inner.dumps(value))

    def load(self, file: BinaryIO) -> Any:
        return self.inner.loads(file.read())


@final
class InlineCodec:
    """
    The result is serialized into the entry file (one file per entry).

    Args:
        serializer: Writes the result as bytes (``dumps``/``loads``).
    """

    inline = True

    def __init__(self, serializer: BytesSerializer) -> None:
        self.serializer = serializer
        self.name = serializer.name  # unchanged since 0.1.0: old keys stay valid

    def __repr__(self) -> str:
        return f"InlineCodec({self.serializer!r})"

    def check(self, value: Any) -> list[str]:
        check = getattr(self.serializer, "check", None)
        message = check(value) if check is not None else None
        return [message] if message else []

    def read(
        self,
        store: EntryStore,
        function_id: str,
        name: str,
        *,
        key: str,
        max_age: float | None,
        mmap_mode: str | None,
    ) -> Any:
        """Return the stored value, or :data:`MISSING`; corrupt entries raise."""
        if mmap_mode is not None and (
            loads_mapped := getattr(self.serializer, "loads_mapped", None)
        ):
            view = store.load_mapped(
                function_id, name, key=key, max_age=max_age, writable=mmap_mode == "c"
            )
            if isinstance(view, _Missing):
                return view
            if self.serializer.can_map(view):  # type: ignore[attr-defined]
                return loads_mapped(view)
            # Nothing out of band (or an older frame without a stream checksum):
            # nothing to gain from mapping, so a normal, fully verified read.
        raw = store.load(function_id, name, max_age=max_age, key=key)
        return raw if raw is MISSING else self.serializer.loads(raw)  # type: ignore[arg-type]

    def exists(
        self,
        store: EntryStore,
        function_id: str,
        name: str,
        *,
        key: str,
        max_age: float | None,
    ) -> bool:
        """Whether an entry is there, from its header alone (for lazy handles).

        The payload is not read: a lazy hit must not read a large result;
        ``LazyResult.load()`` verifies it in full. With an HMAC key the whole
        entry is verified here (see :meth:`Store.load_mapped <checkpointing.Store.load_mapped>`).

        Raises:
            CorruptEntryError: If the header does not match the file.
        """
        view = store.load_mapped(function_id, name, key=key, max_age=max_age)
        return not isinstance(view, _Missing)

    def prepare(
        self, value: Any
    ) -> tuple[list[Any], list[tuple[str, Callable[[BinaryIO], None]]], dict[str, str]]:
        """Return ``(payload chunks, result files, outputs record)`` for :meth:`Store.save`."""
        dump_chunks = getattr(self.serializer, "dump_chunks", None)
        if dump_chunks is not None:
            return list(dump_chunks(value)), [], {}
        return [self.serializer.dumps(value)], [], {}


@final
class FilesCodec:
    """
    The result is written as one file per output by file serializers.

    Args:
        outputs: ``(output name, serializer)`` pairs, in the order of the
            returned tuple; a single pair named :data:`SINGLE_OUTPUT` stores
            the whole return value.

    Raises:
        ConfigurationError: If output names repeat or are not identifiers.
    """

    inline = False

    def __init__(self, outputs: Sequence[tuple[str, Serializer]]) -> None:
        names = [name for name, _ in outputs]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"outputs= names repeat: {names}")
        self.outputs = tuple(outputs)
        self.single = len(outputs) == 1 and outputs[0][0] == SINGLE_OUTPUT
        self.files = {name: name + serializer.suffix for name, serializer in outputs}
        if self.single:
            self.name = outputs[0][1].name
        else:
            self.name = "outputs(" + ",".join(f"{n}:{s.name}" for n, s in outputs) + ")"

    def __repr__(self) -> str:
        return f"FilesCodec({list(self.outputs)!r})"

    def split(self, value: Any) -> list[Any]:
        """The per-output values of a returned *value*."""
        if self.single:
            return [value]
        if not isinstance(value, (tuple, list)) or len(value) != len(self.outputs):
            raise SerializationError(
                "outputs",
                f"outputs={tuple(n for n, _ in self.outputs)} expects the function "
                f"to return a tuple of {len(self.outputs)} values, got "
                f"{type(value).__qualname__}"
                + (f" of {len(value)}" if isinstance(value, (tuple, list)) else ""),
            )
        return list(value)

    def check(self, value: Any) -> list[str]:
        """What will not round-trip exactly, one sentence per affected output."""
        messages = []
        if not self.single and isinstance(value, list):
            messages.append("outputs= results come back as a tuple, not a list")
        for (output, serializer), item in zip(
            self.outputs, self.split(value), strict=True
        ):
            check = getattr(serializer, "check", None)
            message = check(item) if check is not None else None
            if message:
                messages.append(message if self.single else f"{output}: {message}")
        return messages

    def read(
        self,
        store: EntryStore,
        function_id: str,
        name: str,
        *,
        key: str,
        max_age: float | None,
        mmap_mode: str | None,
    ) -> Any:
        """Return the stored value, or :data:`MISSING`; corrupt entries raise."""
        raw = store.load(function_id, name, max_age=max_age, key=key)
        if isinstance(raw, _Missing):
            return raw
        if bytes(raw[:4]) != FILE_TABLE_MAGIC:
            raise SerializationError(
                self.name, "the entry holds an inline value, not result files"
            )
        # Mapped files are checked by size only (a checksum would read them);
        # every other file is verified in full, mmap_mode or not.
        mapped = (
            {
                self.files[output]
                for output, serializer in self.outputs
                if getattr(serializer, "load_mmap", None) is not None
            }
            if mmap_mode is not None
            else set()
        )
        paths = store.outputs(function_id, name, raw, skip_checksum=mapped)
        values = []
        for output, serializer in self.outputs:
            path = paths.get(self.files[output])
            if path is None:
                raise SerializationError(
                    serializer.name, f"the entry has no file for output {output!r}"
                )
            values.append(_load_file(serializer, path, mmap_mode))
        return values[0] if self.single else tuple(values)

    def exists(
        self,
        store: EntryStore,
        function_id: str,
        name: str,
        *,
        key: str,
        max_age: float | None,
    ) -> bool:
        """Whether an entry is there: its file table verified, its files by size.

        Raises:
            CorruptEntryError: If the table or a file's size does not match.
        """
        raw = store.load(function_id, name, max_age=max_age, key=key)
        if isinstance(raw, _Missing):
            return False
        store.outputs(function_id, name, raw, skip_checksum=set(self.files.values()))
        return True

    def prepare(
        self, value: Any
    ) -> tuple[list[Any], list[tuple[str, Callable[[BinaryIO], None]]], dict[str, str]]:
        """Return ``(payload chunks, result files, outputs record)`` for :meth:`Store.save`."""
        writers = []
        for (output, serializer), item in zip(
            self.outputs, self.split(value), strict=True
        ):
            writers.append((self.files[output], _writer(serializer, item)))
        return [], writers, dict(self.files)


def _writer(serializer: Serializer, value: Any) -> Callable[[BinaryIO], None]:
    def write(file: BinaryIO) -> None:
        try:
            serializer.dump(value, file)
        except SerializationError:
            raise
        except Exception as err:  # the format's own error, named
            raise SerializationError(
                serializer.name,
                f"cannot store a {type(value).__qualname__}: "
                f"{type(err).__name__}: {err}",
            ) from err

    return write


def _load_file(serializer: Serializer, path: str, mmap_mode: str | None) -> Any:
    load_mmap = getattr(serializer, "load_mmap", None)
    try:
        if mmap_mode is not None and load_mmap is not None:
            return load_mmap(path, mmap_mode)
        with Path(path).open("rb") as file:
            return serializer.load(file)
    except SerializationError:
        raise
    except Exception as err:  # any decoding failure: a damaged or foreign file
        raise SerializationError(
            serializer.name, f"cannot read {path}: {type(err).__name__}: {err}"
        ) from err


ResultCodec = InlineCodec | FilesCodec


def as_file_serializer(serializer: Serializer | BytesSerializer) -> Serializer:
    """A serializer usable for one output file (bytes serializers are adapted)."""
    if isinstance(serializer, Serializer):
        return serializer
    return _BytesAsFile(serializer)


def make_codec(
    serializers: Serializer | BytesSerializer | Mapping[str, Any] | Sequence[Any],
    outputs: Sequence[str] | None,
    *,
    where: str,
    resolve: Callable[[Any], Serializer | BytesSerializer],
) -> ResultCodec:
    """
    Build the codec of a decorated function from its options.

    Args:
        serializers: ``serializer=`` as given: one serializer (or name) for
            the result or for every output, a sequence with one per output,
            or a mapping output name -> serializer (others use pickle).
        outputs: ``outputs=`` names, or ``None`` for a single result.
        where: ``"module.func"`` for error messages.
        resolve: Turns a name or object into a serializer (raises
            :class:`ConfigurationError` for unknown names).

    Raises:
        ConfigurationError: If the options do not fit together.
    """
    if outputs is None:
        if isinstance(serializers, (Mapping, list, tuple)):
            raise ConfigurationError(
                f"{where}: several serializers need outputs=(...) naming the "
                "elements of the returned tuple"
            )
        serializer = resolve(serializers)
        if isinstance(serializer, BytesSerializer):  # pickle and the like: inline
            return InlineCodec(serializer)
        return FilesCodec([(SINGLE_OUTPUT, as_file_serializer(serializer))])
    if isinstance(outputs, str) or not outputs:
        raise ConfigurationError(
            f"{where}: outputs= takes a non-empty tuple of names, e.g. "
            f"outputs=('dataset', 'metrics'), got {outputs!r}"
        )
    for output in outputs:
        if not isinstance(output, str) or not output.isidentifier():
            raise ConfigurationError(
                f"{where}: outputs= names must be identifiers, got {output!r}"
            )
    if isinstance(serializers, Mapping):
        unknown = set(serializers) - set(outputs)
        if unknown:
            raise ConfigurationError(
                f"{where}: serializer= names {sorted(unknown)} are not in outputs="
            )
        chosen = [serializers.get(o, "pickle") for o in outputs]
    elif isinstance(serializers, (list, tuple)):
        if len(serializers) != len(outputs):
            raise ConfigurationError(
                f"{where}: {len(serializers)} serializers for {len(outputs)} outputs"
            )
        chosen = list(serializers)
    else:
        chosen = [serializers] * len(outputs)
    return FilesCodec(
        [
            (o, as_file_serializer(resolve(s)))
            for o, s in zip(outputs, chosen, strict=True)
        ]
    )
