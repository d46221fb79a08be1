"""
The user's own pair of functions (``pickler=``/``unpickler=``) as a serializer.

One reason to change: how a user's ``pickler(value, file)`` and
``unpickler(file)`` get their file (binary or text), how they are named in
keys, and how their failures are reported.

Imports: :mod:`checkpointing._errors`, :mod:`checkpointing.formats._common`.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from typing import IO, Any, BinaryIO, Final, Literal, final

from checkpointing._errors import ConfigurationError, SerializationError

from ._common import _Format, _quote

__all__ = [
    "CallableSerializer",
    "PicklerMode",
]

#: How :class:`CallableSerializer` opens the file its functions get.
PicklerMode = Literal["binary", "text"]
_PICKLER_MODES: Final = ("binary", "text")


def _callable_name(function: Callable[..., Any]) -> str:
    """``module.qualname`` of a function, or of a callable object's type."""
    module = getattr(function, "__module__", None) or type(function).__module__
    qualname = getattr(function, "__qualname__", None) or type(function).__qualname__
    return f"{module}.{qualname}"


# What the builtins say when str meets bytes: "a bytes-like object is
# required, not 'str'", "write() argument must be str, not bytes", "can't
# concat str to bytes", 'can only concatenate str (not "bytes") to str', csv's
# "iterator should return strings, not bytes", re's "cannot use a string
# pattern on a bytes-like object". Not open()'s "expected str, bytes or
# os.PathLike object, not ...": a pickler given a file where it wanted a path.
_STR_BYTES_MISMATCH: Final = re.compile(
    r"""not '?(?:str|bytes)'?(?!\w)|not "(?:str|bytes)"|(?:str|bytes) to (?:str|bytes)"""
    r"|strings?,? not bytes|string pattern on a bytes|bytes pattern on a string"
)


def _mode_hint(err: BaseException, mode: PicklerMode) -> str:
    """A hint when *err* says str met bytes; a guess that only chooses the message."""
    if not _STR_BYTES_MISMATCH.search(str(err)):
        return ""
    if mode == "binary":
        return (
            "; the file is binary: for functions that write and read str, "
            "pass pickler_mode='text'"
        )
    return (
        "; the file is text (pickler_mode='text'): for functions that write "
        "and read bytes, leave pickler_mode at 'binary'"
    )


def _text_file(file: IO[bytes]) -> io.TextIOWrapper:
    """A UTF-8 text view of the binary *file*, newlines written and read as they are."""
    # newline="": no translation either way, so the bytes on disk are what the
    # pickler wrote on every platform, and the unpickler reads them back
    # unchanged. The view is detached after use, never closed: closing it
    # would close the store's file.
    return io.TextIOWrapper(file, encoding="utf-8", newline="")


@final
class CallableSerializer(_Format):
    """
    Store results with a pair of your own functions that write and read a file.

    Args:
        pickler: ``pickler(value, file)`` writes *value* to an open file,
            e.g. ``torch.save`` or ``lambda v, f: numpy.savetxt(f, v)``.
        unpickler: ``unpickler(file)`` reads it back from an open file,
            e.g. ``torch.load`` or ``numpy.loadtxt``.
        suffix: Suffix of the stored file, with its dot (``".pt"``), or ``""``.
        name: Name recorded in manifests and keys. Default:
            ``"callable:<module>.<qualname of pickler>/<module>.<qualname of
            unpickler>"`` (a lambda is ``<lambda>``; ``"callable-text:..."``
            in text mode), so choosing other functions or another mode
            reruns the checkpointed function. Pass your own name to keep
            entries when you rename or move the functions (and change it
            when you change *mode*).
        mode: How the file both functions get is opened: ``"binary"`` (the
            default: the pickler writes ``bytes``, the unpickler reads
            ``bytes``, as ``pickle.dump``/``numpy.save`` do) or ``"text"``
            (both get a UTF-8 text file whose newlines are written and read
            as they are: ``f.write(str(i))``, ``f.read().split("\\n")``).
            One mode for both functions, so a result is always read back the
            way it was written. The stored bytes are the same either way.

    Raises:
        ConfigurationError: If *pickler* or *unpickler* is not callable,
            *suffix* is not ``""`` or a string starting with a dot, *name*
            is empty, or *mode* is not ``"binary"`` or ``"text"``.

    Whatever the functions raise while writing or reading is re-raised as
    :class:`~checkpointing.SerializationError`, with the original as its
    cause; when it looks like ``str`` met ``bytes``, the message says which
    mode to choose. The object pickles if the two functions do (module-level
    functions do; lambdas do not).

    >>> CallableSerializer(print, input).name
    'callable:builtins.print/builtins.input'
    >>> CallableSerializer(print, input, mode="text").name
    'callable-text:builtins.print/builtins.input'
    """

    def __init__(
        self,
        pickler: Callable[[Any, Any], object],
        unpickler: Callable[[Any], Any],
        suffix: str = "",
        name: str | None = None,
        mode: PicklerMode = "binary",
    ) -> None:
        for role, function in (("pickler", pickler), ("unpickler", unpickler)):
            if not callable(function):
                raise ConfigurationError(
                    f"CallableSerializer {role} must be callable, got {_quote(function)}"
                )
        if not isinstance(suffix, str) or (suffix and not suffix.startswith(".")):
            raise ConfigurationError(
                f"CallableSerializer suffix must be '' or start with a dot, got {suffix!r}"
            )
        if name is not None and (not isinstance(name, str) or not name):
            raise ConfigurationError(
                f"CallableSerializer name must be a non-empty str, got {name!r}"
            )
        if mode not in _PICKLER_MODES:
            raise ConfigurationError(
                f"CallableSerializer mode must be 'binary' or 'text', got {mode!r}"
            )
        self.pickler = pickler
        self.unpickler = unpickler
        self.suffix = suffix
        self.mode: PicklerMode = mode
        # Binary names are unchanged since 0.1.0, so existing keys stay valid;
        # a text pair is another format, hence another key.
        prefix = "callable" if mode == "binary" else "callable-text"
        self.name = name or (
            f"{prefix}:{_callable_name(pickler)}/{_callable_name(unpickler)}"
        )

    def _config(self) -> dict[str, object]:
        return {
            "pickler": self.pickler,
            "unpickler": self.unpickler,
            "suffix": self.suffix,
            "name": self.name,
            "mode": self.mode,
        }

    def dump(self, value: Any, file: BinaryIO) -> None:
        """
        Write *value* with ``pickler(value, file)``, *file* opened as *mode* says.

        In text mode what the pickler wrote is flushed into *file* before
        this returns; if the pickler raises, the store discards the partly
        written file, in either mode.

        Raises:
            SerializationError: If the pickler raises.
        """
        if self.mode == "binary":
            self._call(self.pickler, "pickler", value, file)
            return
        text = _text_file(file)
        try:
            self._call(self.pickler, "pickler", value, text)
            self._call(text.flush, "pickler")  # encoding errors surface here too
        finally:
            with contextlib.suppress(ValueError, OSError):  # a pickler that closed it
                text.detach()

    def load(self, file: BinaryIO) -> Any:
        """
        Read a value with ``unpickler(file)``, *file* opened as *mode* says.

        Raises:
            SerializationError: If the unpickler raises (in text mode, also
                if the file is not UTF-8).
        """
        if self.mode == "binary":
            return self._call(self.unpickler, "unpickler", file)
        text = _text_file(file)
        try:
            return self._call(self.unpickler, "unpickler", text)
        finally:
            with contextlib.suppress(ValueError, OSError):
                text.detach()

    def _call(self, function: Callable[..., Any], role: str, *args: Any) -> Any:
        """Call the user's *function*; any failure becomes a SerializationError."""
        try:
            return function(*args)
        except SerializationError:
            raise
        except Exception as err:  # the user's code: any failure is a failed write/read
            culprit = getattr(self, role)
            raise SerializationError(
                self.name,
                f"{_callable_name(culprit)} failed: {err!r}{_mode_hint(err, self.mode)}",
            ) from err
