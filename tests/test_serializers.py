"""Tests for checkpointing._serializers."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import json
import pickle
import threading
from typing import Any, ClassVar

import pytest
from hypothesis import given

from checkpointing import (
    BytesSerializer,
    CloudpickleSerializer,
    ConfigurationError,
    SerializationError,
)
from checkpointing._serializers import DEFAULT_PICKLE_PROTOCOL
from checkpointing.digest import digest_value

from .strategies import values


class SerializerContract:
    """
    The contract every serializer must meet; subclass and define ``make``.

    Subclasses may narrow ``sample`` (values that must round-trip) and
    ``unserializable`` (a value whose ``dumps`` must fail).
    """

    sample: ClassVar[Any] = {
        "numbers": [1, 2.5, None],
        "text": "ü",
        "nested": {"t": (1, 2)},
    }

    def make(self) -> BytesSerializer:
        raise NotImplementedError

    def unserializable(self) -> object:
        return threading.Lock()

    def test_is_a_serializer(self):
        """The object satisfies the runtime-checkable Serializer protocol."""
        assert isinstance(self.make(), BytesSerializer)

    def test_name_is_a_nonempty_string(self):
        """The name recorded in manifests is a non-empty string."""
        name = self.make().name
        assert isinstance(name, str)
        assert name

    def test_dumps_returns_bytes(self):
        """dumps() returns bytes (not bytearray or memoryview)."""
        assert bytes is type(self.make().dumps(self.sample))

    def test_round_trip(self):
        """loads(dumps(v)) equals v."""
        serializer = self.make()
        assert self.sample == serializer.loads(serializer.dumps(self.sample))

    def test_dumps_failure_is_wrapped(self):
        """A value that cannot be serialized raises SerializationError with a cause."""
        serializer = self.make()
        with pytest.raises(SerializationError) as info:
            serializer.dumps(self.unserializable())
        assert serializer.name == info.value.serializer
        assert info.value.__cause__ is not None

    @pytest.mark.parametrize("data", [b"", b"\x00garbage\xff", b"\x80\x05K"])
    def test_loads_failure_is_wrapped(self, data):
        """Bytes that are not a serialized value raise SerializationError."""
        serializer = self.make()
        with pytest.raises(SerializationError) as info:
            serializer.loads(data)
        assert serializer.name == info.value.serializer


class TestCloudpickleSerializer(SerializerContract):
    def make(self) -> BytesSerializer:
        return CloudpickleSerializer()

    def test_default_protocol(self):
        """The default protocol is 5, as in the older package."""
        assert DEFAULT_PICKLE_PROTOCOL == CloudpickleSerializer().protocol
        assert "CloudpickleSerializer(protocol=5)" == repr(CloudpickleSerializer())

    def test_name(self):
        """The serializer is recorded as "pickle"."""
        assert "pickle" == CloudpickleSerializer.name

    @given(values)
    def test_round_trip_any_value(self, value):
        """Every supported argument value also round-trips as a result."""
        serializer = self.make()
        restored = serializer.loads(serializer.dumps(value))
        # Digests compare structurally and treat NaN as equal to itself.
        assert digest_value(value) == digest_value(restored)

    def test_lambdas_and_local_classes(self):
        """cloudpickle carries lambdas and locally defined classes by value."""

        class Local:
            def __init__(self, n):
                self.n = n

        serializer = self.make()
        double = serializer.loads(serializer.dumps(lambda x: 2 * x))
        local = serializer.loads(serializer.dumps(Local(3)))
        assert 8 == double(4)
        assert 3 == local.n

    def test_plain_pickle_can_read(self):
        """The bytes are ordinary pickle data at the chosen protocol."""
        data = CloudpickleSerializer(protocol=2).dumps([1, 2])
        assert 2 == data[1]
        assert [1, 2] == pickle.loads(data)

    @pytest.mark.parametrize("protocol", [0, 1, pickle.HIGHEST_PROTOCOL + 1, "5", 2.0])
    def test_bad_protocol(self, protocol):
        """An unsupported protocol raises ConfigurationError at construction."""
        with pytest.raises(ConfigurationError, match="protocol"):
            CloudpickleSerializer(protocol)


class TestCloudpickleProtocol2(SerializerContract):
    def make(self) -> BytesSerializer:
        return CloudpickleSerializer(protocol=2)


class JsonSerializer:
    """A minimal third-party serializer, to show the contract is reusable."""

    name = "json"

    def dumps(self, value: Any) -> bytes:
        try:
            return json.dumps(value).encode()
        except TypeError as err:
            raise SerializationError(self.name, str(err)) from err

    def loads(self, data: bytes) -> Any:
        try:
            return json.loads(data)
        except ValueError as err:
            raise SerializationError(self.name, str(err)) from err


class TestJsonSerializer(SerializerContract):
    sample: ClassVar[Any] = {"numbers": [1, 2.5, None], "text": "ü"}

    def make(self) -> BytesSerializer:
        return JsonSerializer()


class TestOutOfBandBuffers:
    """Protocol-5 buffers travel out of band (PEP 574): no big copies."""

    def test_numpy_round_trip_is_framed_and_writable(self):
        """A large array is framed with its buffer separate, and loads back writable."""
        np = pytest.importorskip("numpy")
        serializer = CloudpickleSerializer()
        array = np.arange(100_000, dtype=np.float64).reshape(1000, 100)
        chunks = serializer.dump_chunks({"a": array, "n": 3})
        assert b"CKPC" == bytes(chunks[0][:4])
        assert any(memoryview(c).nbytes == array.nbytes for c in chunks)
        joined = b"".join(chunks)
        for data in (joined, memoryview(bytearray(joined))):
            loaded = serializer.loads(data)
            assert 3 == loaded["n"]
            assert np.array_equal(array, loaded["a"])
            assert loaded["a"].flags.writeable
            loaded["a"][0, 0] = -1.0  # writable, and never aliasing the original
            assert 0.0 == array[0, 0]

    def test_plain_values_stay_one_stream(self):
        """Values without buffers are a single ordinary pickle stream."""
        chunks = CloudpickleSerializer().dump_chunks({"a": [1, 2]})
        assert 1 == len(chunks)
        assert 0x80 == chunks[0][0]  # the PROTO opcode

    def test_protocol_4_is_in_band(self):
        """Below protocol 5 everything is in band."""
        np = pytest.importorskip("numpy")
        serializer = CloudpickleSerializer(protocol=4)
        chunks = serializer.dump_chunks(np.ones(10))
        assert 1 == len(chunks)
        assert np.array_equal(np.ones(10), serializer.loads(chunks[0]))

    def test_truncated_frame_is_a_serialization_error(self):
        """A frame that promises more buffer bytes than it holds fails cleanly."""
        np = pytest.importorskip("numpy")
        serializer = CloudpickleSerializer()
        joined = b"".join(serializer.dump_chunks(np.ones(1000)))
        with pytest.raises(SerializationError):
            serializer.loads(joined[:-100])


class TestCompression:
    """@checkpoint(compress=...): smaller entries, readable whatever the setting."""

    @pytest.mark.parametrize("codec", ["zstd", "lz4"])
    def test_round_trip_and_smaller(self, codec):
        """A compressible value round-trips and shrinks."""
        pytest.importorskip("zstandard" if codec == "zstd" else "lz4")
        from checkpointing._serializers import CompressedSerializer

        serializer = CompressedSerializer(CloudpickleSerializer(), codec)
        value = {
            "text": "research " * 5_000,
            "rows": [list(range(100)) for _ in range(50)],
        }
        data = serializer.dumps(value)
        assert value == serializer.loads(data)
        assert len(data) < len(CloudpickleSerializer().dumps(value)) / 5
        assert value == CloudpickleSerializer().loads(data)  # a plain reader copes

    def test_unknown_codec(self):
        """An unknown codec is a ConfigurationError naming the choices."""
        from checkpointing import ConfigurationError
        from checkpointing._serializers import CompressedSerializer

        with pytest.raises(ConfigurationError, match="compress= must be one of"):
            CompressedSerializer(CloudpickleSerializer(), "brotli")

    def test_decorator_compresses(self, tmp_path):
        """@checkpoint(compress='zstd') stores smaller entries and hits on them."""
        pytest.importorskip("zstandard")
        from checkpointing import checkpoint

        @checkpoint(directory=tmp_path / "z", compress="zstd")
        def packed(n):
            return "abc" * n

        @checkpoint(directory=tmp_path / "p")
        def plain(n):
            return "abc" * n

        assert "abc" * 10_000 == packed(10_000) == plain(10_000)
        assert "abc" * 10_000 == packed(10_000)
        size = lambda root: sum(p.stat().st_size for p in root.rglob("*.ckpt"))  # noqa: E731
        assert size(tmp_path / "z") < size(tmp_path / "p") / 10
