"""
Exceptions and warnings raised by checkpointing.

* CheckpointingError
  + ConfigurationError (ValueError)     bad decorator/CLI options, detected eagerly
  + FingerprintError                    code identity cannot be computed
  + ArgumentDigestError (TypeError)     an argument cannot be digested deterministically
  + SerializationError                  the serializer could not dump/load a result
  + StoreError                          reading/writing the cache directory failed
    - CorruptEntryError                 an entry exists but cannot be decoded
      - SignatureMismatchError          intact, but not signed with this HMAC key
    - UntrustedDirectoryError           the cache directory could hold planted pickles
* CheckpointingWarning (UserWarning)
  + IncompleteFingerprintWarning        part of the fingerprint fell back to a coarser form
  + StoreWriteWarning                   result computed and returned, but not persisted
  + CacheReadWarning                    a stored entry could not be read; it was recomputed
  + UnsignedStoreWarning                a shared (remote) store is used without an HMAC key
  + LockTimeoutWarning                  waited lock_timeout seconds for another process
                                        computing the same call; computed it anyway
  + LossySerializationWarning           a result was stored in a format that changes it
  + AmbientStateWarning                 a function draws from a global random generator,
                                        or changed a global it also reads: that state
                                        at call time is part of the key

This module is the leaf of the import graph: it imports nothing from the package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "AmbientStateWarning",
    "ArgumentDigestError",
    "CacheReadWarning",
    "CheckpointingError",
    "CheckpointingWarning",
    "ConfigurationError",
    "CorruptEntryError",
    "FingerprintError",
    "IncompleteFingerprintWarning",
    "LockTimeoutWarning",
    "LossySerializationWarning",
    "SerializationError",
    "SignatureMismatchError",
    "StoreError",
    "StoreWriteWarning",
    "UnsignedStoreWarning",
    "UntrustedDirectoryError",
]


# As code objects spell it (no symlink resolution): the directory of this file.
_PACKAGE_DIR = str(Path(__file__).parent) + os.sep


def user_stacklevel() -> int:
    """
    Return the ``stacklevel`` that points a warning at the user's code.

    Counts the frames, starting at the caller of :func:`warnings.warn`, that
    belong to this package (methods, async wrappers and the fingerprint walk
    add a varying number), so the warning names the line that called the
    checkpointed function.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


class CheckpointingError(Exception):
    """
    Base class of every error raised by checkpointing.

    Catch this to handle any failure of the library itself; errors raised by
    the decorated function always propagate unchanged and are never wrapped.
    """

    #: The constructor's arguments, for errors whose message is built from them.
    _arguments: tuple[str, ...] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the constructor's own arguments: errors with structured
        # attributes (StoreError(path, message)) format their message, so the
        # default (type, self.args) cannot call __init__ again. Workers
        # (multiprocessing, loky, Dask) send errors back pickled.
        arguments = self.args if self._arguments is None else self._arguments
        return (type(self), arguments, self.__dict__)


class ConfigurationError(CheckpointingError, ValueError):
    """
    An option given to :func:`checkpoint`, ``defaults`` or the CLI is invalid.

    Raised when the option is read (decoration or call time). Fix the option
    named in the message.
    """


class FingerprintError(CheckpointingError):
    """
    The code identity (fingerprint) of a function could not be computed.

    Attributes:
        function: Qualified name of the function whose fingerprint failed.

    Under ``on_error="warn"`` (the default) the function still runs, uncached.
    """

    def __init__(self, function: str, message: str) -> None:
        super().__init__(f"cannot fingerprint {function}: {message}")
        self._arguments = (function, message)
        self.function = function


class ArgumentDigestError(CheckpointingError, TypeError):
    """
    An argument has no deterministic digest, so no safe key can be built.

    Attributes:
        parameter: Name of the offending parameter (``""`` when unknown).
        type_name: Qualified name of the argument's type.

    Pass the parameter in ``ignore=`` if it does not influence the result.
    """

    def __init__(self, parameter: str, type_name: str, message: str) -> None:
        where = f"argument {parameter!r}" if parameter else "a value"
        super().__init__(f"cannot digest {where} of type {type_name}: {message}")
        self._arguments = (parameter, type_name, message)
        self.parameter = parameter
        self.type_name = type_name


class SerializationError(CheckpointingError):
    """
    The serializer could not turn a result into bytes or back.

    Attributes:
        serializer: Name of the serializer (e.g. ``"pickle"``).
    """

    def __init__(self, serializer: str, message: str) -> None:
        super().__init__(f"serializer {serializer!r}: {message}")
        self._arguments = (serializer, message)
        self.serializer = serializer


class StoreError(CheckpointingError):
    """
    Reading from or writing to the cache directory failed.

    Attributes:
        path: The file or directory involved.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self._arguments = (path, message)
        self.path = path


class CorruptEntryError(StoreError):
    """
    An entry file exists but is truncated, damaged or belongs to another key.

    The decorator treats it as a miss: the function is recomputed and the
    entry rewritten. Never a wrong value.
    """


class SignatureMismatchError(CorruptEntryError):
    """
    An entry is intact but not signed with this process's HMAC key.

    It is unsigned while a key is set, or signed under another key: a planted
    pickle, or a writer of a shared store configured with another key. It is
    never loaded. Unlike other damage it is not moved aside (one reader with
    a wrong key must not empty a shared store): the decorator warns, treats
    it as a miss and writes its own signed entry over it. Check that every
    writer of the store uses the same ``CHECKPOINTING_HMAC_KEY``.

    .. versionadded:: 0.3.0
    """


class UntrustedDirectoryError(StoreError):
    """
    The cache directory is not owned by you, or others can write to it.

    Entries are pickles, and loading a pickle runs code: a directory others
    can write to could hold a planted one. Fix the permissions (``chmod go-w``,
    or ``chown``), or, if you trust everyone who can write there, pass
    ``trust_directory=True`` (or set ``CHECKPOINTING_TRUST_DIRECTORY=1``).
    Under ``on_error="warn"`` the function runs uncached, with a warning.
    """


class CheckpointingWarning(UserWarning):
    """Base class of every warning issued by checkpointing."""


class IncompleteFingerprintWarning(CheckpointingWarning):
    """
    Part of a fingerprint fell back to a coarser form than usual.

    For example a function without retrievable source is identified by its
    bytecode instead. The result is still correct but may rerun more often.
    """


class StoreWriteWarning(CheckpointingWarning):
    """The result was computed and returned, but could not be persisted."""


class CacheReadWarning(CheckpointingWarning):
    """A stored entry could not be read back; the function was recomputed."""


class UnsignedStoreWarning(CheckpointingWarning):
    """
    A shared (remote) store is used without an HMAC key.

    Entries are pickles, and loading one runs code: anyone who can write to
    the bucket could plant one. Issued once per store location and process.
    Set ``CHECKPOINTING_HMAC_KEY`` (the same secret for every writer and
    reader) so that entries are signed and unsigned ones refused; silence it
    with ``warnings.filterwarnings("ignore", category=UnsignedStoreWarning)``
    if everyone who can write to the bucket is trusted.

    .. versionadded:: 0.3.0
    """


class LockTimeoutWarning(CheckpointingWarning):
    """
    A miss waited ``lock_timeout`` seconds for another caller of the same call.

    The other caller (a thread or process) was still computing it, so this one
    computed the result too rather than wait longer. Raise ``lock_timeout=``
    if your computations take longer than the default hour.
    """


class LossySerializationWarning(CheckpointingWarning):
    """
    A result was stored in a format that does not keep it exactly.

    Issued when the result is saved (not later, when it is loaded): the
    serializer's ``check(value)`` said what will come back different, e.g.
    the ``json`` serializer stores tuples as lists. Choose a serializer that
    keeps the type, or convert the value yourself before returning it. Turn
    it into an error with ``warnings.simplefilter("error",
    LossySerializationWarning)``.
    """


class AmbientStateWarning(CheckpointingWarning):
    """
    A cached function draws from a process-wide random generator.

    Issued once per process when the fingerprint walk finds reachable code
    drawing from numpy's legacy global generator (``numpy.random.normal``,
    a distribution's ``.rvs()`` without ``random_state=``) or from the
    standard library's (``random.random``). The generator's state at call time
    is then part of the key: a seeded process (``numpy.random.seed(0)``) keys
    its calls reproducibly, an unseeded one gets a new key in every process.
    Pass a seed or a ``numpy.random.Generator`` as an argument instead; once
    you seed deliberately, silence it with ``warnings.filterwarnings("ignore",
    category=AmbientStateWarning)``.

    Also issued, once per function and global, when a call changed a global
    that its reached code both reads and mutates (a memo dict, a running
    total): the key holds the value from before the call, so the next call
    computes again and a new process gets the entries keyed by the initial
    value. The message names the global and ``ignore_code=`` as the fix for
    a memo that does not change results.
    """
