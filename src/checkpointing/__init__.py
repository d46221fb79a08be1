"""Persist function results on disk; recompute when code or arguments change."""

from __future__ import annotations

from ._decorator import Checkpointed, checkpoint
from ._digest import register_digest
from ._errors import (
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
    StoreError,
    StoreWriteWarning,
    UntrustedDirectoryError,
)
from ._explain import Change, Explanation
from ._lazy import LazyResult
from ._manifest import ArgumentRecord, ComponentRecord, Manifest
from ._scan import EntryRecord, scan
from ._serializers import BytesSerializer, CloudpickleSerializer, Serializer
from ._settings import defaults
from ._store import MISSING, Store

__all__ = [
    "MISSING",
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
    "Store",
    "StoreError",
    "StoreWriteWarning",
    "UntrustedDirectoryError",
    "checkpoint",
    "defaults",
    "register_digest",
    "scan",
]


def __getattr__(name: str) -> str:
    """Return ``__version__`` lazily (reading package metadata costs a few ms)."""
    if name == "__version__":
        from importlib.metadata import version

        return version("checkpointing")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Public __module__ (as httpx, trio and pluggy do): tracebacks, reprs and docs
# say `checkpointing.StoreError`, not `checkpointing._errors.StoreError`.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) or callable(_obj):
        _obj.__module__ = __name__
del _name, _obj
