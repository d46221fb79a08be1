"""
Persist function results on disk; recompute when code or arguments change.

The public names are imported lazily (PEP 562): ``import checkpointing`` loads
only this file, and the first access to a name (``checkpointing.checkpoint``,
``from checkpointing import Store``) imports the private module that defines
it. The pytest plugin is loaded in every pytest session of a project that has
checkpointing installed, and this keeps that free.

PYTEST_DONT_REWRITE: pytest rewrites the asserts of plugin packages and warns
about those imported before it starts (``pytest.main()`` called from a script
that imported checkpointing); this file has no asserts, and the marker spares
that warning.
"""

from __future__ import annotations

# Not ``from typing import TYPE_CHECKING``: importing typing costs several ms,
# and type checkers recognize a module constant of this name.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ._checkpoint import checkpoint
    from ._decorator import Checkpointed
    from ._errors import (
        AmbientStateWarning,
        ArgumentDigestError,
        CacheReadWarning,
        CheckpointingError,
        CheckpointingWarning,
        ConfigurationError,
        CorruptEntryError,
        FingerprintError,
        IncompleteFingerprintWarning,
        LockTimeoutWarning,
        LossySerializationWarning,
        SerializationError,
        SignatureMismatchError,
        StoreError,
        StoreWriteWarning,
        UnsignedStoreWarning,
        UntrustedDirectoryError,
    )
    from ._explain import Change, Explanation
    from ._lazy import LazyResult
    from ._manifest import ArgumentRecord, ComponentRecord, Manifest
    from ._scan import EntryRecord, scan
    from ._serializers import BytesSerializer, CloudpickleSerializer, Serializer
    from ._settings import defaults
    from .digest import register_digest
    from .store._protocol import MISSING
    from .store._store import Store

    __version__: str

__all__ = [
    "MISSING",
    "AmbientStateWarning",
    "ArgumentDigestError",
    "ArgumentRecord",
    "BytesSerializer",
    "CacheReadWarning",
    "Change",
    "Checkpointed",
    "CheckpointingError",
    "CheckpointingWarning",
    "CloudpickleSerializer",
    "ComponentRecord",
    "ConfigurationError",
    "CorruptEntryError",
    "EntryRecord",
    "Explanation",
    "FingerprintError",
    "IncompleteFingerprintWarning",
    "LazyResult",
    "LockTimeoutWarning",
    "LossySerializationWarning",
    "Manifest",
    "SerializationError",
    "Serializer",
    "SignatureMismatchError",
    "Store",
    "StoreError",
    "StoreWriteWarning",
    "UnsignedStoreWarning",
    "UntrustedDirectoryError",
    "checkpoint",
    "defaults",
    "register_digest",
    "scan",
]

#: The private module defining each public name, imported on first access.
_SOURCES: dict[str, str] = {
    "MISSING": "store._protocol",
    "AmbientStateWarning": "_errors",
    "ArgumentDigestError": "_errors",
    "ArgumentRecord": "_manifest",
    "BytesSerializer": "_serializers",
    "CacheReadWarning": "_errors",
    "Change": "_explain",
    "Checkpointed": "_decorator",
    "CheckpointingError": "_errors",
    "CheckpointingWarning": "_errors",
    "CloudpickleSerializer": "_serializers",
    "ComponentRecord": "_manifest",
    "ConfigurationError": "_errors",
    "CorruptEntryError": "_errors",
    "EntryRecord": "_scan",
    "Explanation": "_explain",
    "FingerprintError": "_errors",
    "IncompleteFingerprintWarning": "_errors",
    "LazyResult": "_lazy",
    "LockTimeoutWarning": "_errors",
    "LossySerializationWarning": "_errors",
    "Manifest": "_manifest",
    "SerializationError": "_errors",
    "Serializer": "_serializers",
    "SignatureMismatchError": "_errors",
    "Store": "store._store",
    "StoreError": "_errors",
    "StoreWriteWarning": "_errors",
    "UnsignedStoreWarning": "_errors",
    "UntrustedDirectoryError": "_errors",
    "checkpoint": "_checkpoint",
    "defaults": "_settings",
    "register_digest": "digest",
    "scan": "_scan",
}

_UNSET = object()

#: ``__version__`` when no installed distribution describes this package (it
#: was put on ``sys.path`` by hand): a valid PEP 440 version that sorts first.
_UNKNOWN_VERSION = "0+unknown"


def _getattr(name: str) -> Any:
    """
    Import the public *name* (or compute ``__version__``) on first access.

    This is the module's ``__getattr__`` (PEP 562), installed for the
    interpreter only: type checkers see the explicit imports above, and would
    accept any attribute of a module with a ``__getattr__``.

    Every public object of a private module imported by then is published
    too: it becomes a plain attribute of the package (later lookups skip this
    function), and its ``__module__`` becomes ``"checkpointing"``, as httpx,
    trio and pluggy do, so tracebacks, reprs and docs say
    ``checkpointing.StoreError``, not ``checkpointing._errors.StoreError``.
    Publishing what is already imported (``checkpoint`` imports nearly every
    module) keeps that true for objects the library hands out before their
    name was looked up: an error raised from a call of a function decorated
    after ``from checkpointing import checkpoint``, for instance.
    """
    source = _SOURCES.get(name)
    if source is None:
        if name == "__version__":
            return _version()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    import sys

    # Returns once the module is fully executed, even if another thread was
    # importing it (the import lock); raises AttributeError below only in a
    # circular import, as a plain ``from ._x import name`` would fail.
    found = getattr(importlib.import_module(f"{__name__}.{source}"), name)
    namespace = globals()
    for public, defining in _SOURCES.items():
        module = sys.modules.get(f"{__name__}.{defining}")
        if module is None or public in namespace:
            continue
        # Another thread may be executing that module still: publish only what
        # it defines already (the rest is published on its own first access).
        obj = getattr(module, public, _UNSET)
        if obj is _UNSET:
            continue
        if isinstance(obj, type) or callable(obj):
            obj.__module__ = __name__
        namespace[public] = obj
    return found


def __dir__() -> list[str]:
    """The public names, including those not imported yet."""
    return sorted(__all__)


if not TYPE_CHECKING:
    __getattr__ = _getattr
del TYPE_CHECKING


def _version() -> str:
    """
    The installed distribution's version, or ``"0+unknown"`` (never raises).

    Read lazily: :mod:`importlib.metadata` costs a few ms to import. Without an
    installed distribution (a source checkout on ``PYTHONPATH``) the version is
    unknown rather than an error, so ``getattr(checkpointing, "__version__",
    None)`` (which only catches ``AttributeError``) never fails.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version(__name__)
    except PackageNotFoundError:
        found = _UNKNOWN_VERSION
    globals()["__version__"] = found
    return found
