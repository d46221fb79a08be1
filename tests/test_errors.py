"""Tests for checkpointing._errors: the error tree crosses process boundaries."""

from __future__ import annotations

import pickle

import cloudpickle
import pytest

import checkpointing
from checkpointing import (
    ArgumentDigestError,
    CheckpointingError,
    ConfigurationError,
    CorruptEntryError,
    FingerprintError,
    SerializationError,
    SignatureMismatchError,
    StoreError,
    UntrustedDirectoryError,
)

ERRORS = [
    (FingerprintError("pkg.mod:f", "no source"), {"function": "pkg.mod:f"}),
    (
        ArgumentDigestError("x", "Socket", "not digestable"),
        {"parameter": "x", "type_name": "Socket"},
    ),
    (SerializationError("json", "not JSON"), {"serializer": "json"}),
    (StoreError("/cache/a.ckpt", "disk full"), {"path": "/cache/a.ckpt"}),
    (CorruptEntryError("/cache/a.ckpt", "bad checksum"), {"path": "/cache/a.ckpt"}),
    (
        SignatureMismatchError("/cache/a.ckpt", "HMAC signature mismatch"),
        {"path": "/cache/a.ckpt"},
    ),
    (UntrustedDirectoryError("/cache", "owned by uid 7"), {"path": "/cache"}),
    (ConfigurationError("bad option"), {}),
    (CheckpointingError("plain"), {}),
]


@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps])
@pytest.mark.parametrize(
    ("error", "attributes"), ERRORS, ids=lambda e: type(e).__name__
)
def test_errors_round_trip_through_pickle(error, attributes, dumps):
    """A worker's error comes back whole: same type, message and attributes."""
    restored = pickle.loads(dumps(error))
    assert type(error) is type(restored)
    assert str(error) == str(restored)
    assert error.args == restored.args
    for name, value in attributes.items():
        assert value == getattr(restored, name)


def test_every_public_error_is_covered():
    """Each exception class of the public API is in the round-trip table."""
    public = {
        obj
        for obj in (getattr(checkpointing, name) for name in checkpointing.__all__)
        if isinstance(obj, type) and issubclass(obj, CheckpointingError)
    }
    assert public == {type(error) for error, _ in ERRORS}
