"""Tests for checkpointing._manifest."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given

from checkpointing import ArgumentRecord, ComponentRecord, CorruptEntryError, Manifest
from checkpointing._manifest import FORMAT_VERSION

from .strategies import make_manifest, manifests


class TestToJson:
    def test_utf8_and_component_names_sorted(self):
        """to_json emits UTF-8 JSON; components are sorted by name."""
        raw = make_manifest(qualname="fünc").to_json()
        text = raw.decode("utf-8")
        data = json.loads(text)
        assert sorted(data["components"]) == list(data["components"])
        assert "fünc" == data["qualname"]

    def test_format_version_recorded(self):
        """The JSON records the layout version."""
        data = json.loads(make_manifest().to_json())
        assert FORMAT_VERSION == data["format_version"]

    def test_empty_summary_and_missing_blob_are_omitted(self):
        """A component record without summary or blob stores only kind and digest."""
        manifest = make_manifest(
            components={"source": ComponentRecord("source", "1" * 32)}
        )
        data = json.loads(manifest.to_json())
        assert {"kind": "source", "digest": "1" * 32} == data["components"]["source"]

    def test_arguments_always_have_summary(self):
        """Argument records store digest and summary, even an empty one."""
        manifest = make_manifest(arguments={"x": ArgumentRecord("3" * 32)})
        data = json.loads(manifest.to_json())
        assert {"digest": "3" * 32, "summary": ""} == data["arguments"]["x"]


class TestFromJson:
    @given(manifests)
    def test_round_trip(self, manifest):
        """from_json(to_json(m)) rebuilds an equal manifest."""
        assert manifest == Manifest.from_json(manifest.to_json())

    def test_fixed_round_trip(self):
        """The sample manifest survives a round trip, records included."""
        manifest = make_manifest(reason={"status": "miss", "cause": "first call"})
        actual = Manifest.from_json(manifest.to_json())
        assert manifest == actual
        assert "global" == actual.components["global:pkg.module:SCALE"].kind

    @pytest.mark.parametrize(
        "raw",
        [b"", b"not json", b"[]", b"{}", b'{"format_version": "x"}', b"\xff\xfe"],
    )
    def test_unreadable(self, raw):
        """Bytes that are not a manifest raise CorruptEntryError naming the path."""
        with pytest.raises(CorruptEntryError) as info:
            Manifest.from_json(raw, path="dir/k.json")
        assert "dir/k.json" == info.value.path

    def test_other_format_version(self):
        """A manifest of another format version is refused with both versions named."""
        data = json.loads(make_manifest().to_json())
        data["format_version"] = FORMAT_VERSION + 1
        with pytest.raises(CorruptEntryError, match=f"format {FORMAT_VERSION + 1}"):
            Manifest.from_json(json.dumps(data).encode())

    @pytest.mark.parametrize("field", ["key", "components", "arguments", "created_at"])
    def test_missing_field(self, field):
        """A manifest missing a required field raises CorruptEntryError."""
        data = json.loads(make_manifest().to_json())
        del data[field]
        with pytest.raises(CorruptEntryError, match="incomplete manifest"):
            Manifest.from_json(json.dumps(data).encode())

    def test_wrongly_typed_field(self):
        """A field of the wrong shape raises CorruptEntryError, not a crash."""
        data = json.loads(make_manifest().to_json())
        data["components"] = ["not", "a", "mapping"]
        with pytest.raises(CorruptEntryError):
            Manifest.from_json(json.dumps(data).encode())

    def test_reason_optional(self):
        """An absent or null reason reads as an empty mapping."""
        data = json.loads(make_manifest().to_json())
        data["reason"] = None
        assert {} == Manifest.from_json(json.dumps(data).encode()).reason
        del data["reason"]
        assert {} == Manifest.from_json(json.dumps(data).encode()).reason


class TestRecords:
    def test_frozen(self):
        """Manifests and records are immutable values."""
        manifest = make_manifest()
        with pytest.raises(dataclasses.FrozenInstanceError):
            manifest.key = "1" * 32  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            ArgumentRecord("1" * 32).digest = "2" * 32  # type: ignore[misc]

    def test_defaults(self):
        """Record summaries default to empty and blobs to None."""
        assert ComponentRecord("python", "1" * 32) == ComponentRecord(
            "python", "1" * 32, "", None
        )
        assert FORMAT_VERSION == make_manifest().format_version
