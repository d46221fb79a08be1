"""Tests for checkpointing.store._catalog."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import json
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

import checkpointing.store._local as local_module
from checkpointing import Store
from checkpointing.store import LocalFileSystem, _catalog
from checkpointing.store._catalog import CATALOG_NAME, CatalogEntry, Unreadable

from .strategies import make_manifest

FID = "pkg.module.func"


def _key(number: int) -> str:
    return f"{number:032x}"


def _save(store, number, **overrides):
    """Save an entry through the store (which appends its catalog line)."""
    fields = {
        "key": _key(number),
        "created_at": 1_700_000_000.0 + number,
        "reason": {"status": "miss", "cause": "first call"},
    }
    fields.update(overrides)
    manifest = make_manifest(**fields)
    store.save(manifest, b"value", {})
    return manifest


def _read(store, fid=FID, **options):
    """The catalog of *fid*, read as the store reads it."""
    return _catalog.read_function(store.filesystem, str(store.root), fid, **options)


def _catalog_file(store, fid=FID):
    return store.root / fid / CATALOG_NAME


def _lines(store, fid=FID):
    return _catalog_file(store, fid).read_text().splitlines()


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "cache")


class TestRecord:
    def test_save_appends_one_line(self, store):
        """Store.save appends the entry's line with the manifest's real size."""
        manifest = _save(store, 1, value_size_bytes=5, compute_seconds=0.5)
        size = store.manifest_path(FID, manifest.key).stat().st_size
        expected = [
            f"+\t{manifest.key}\t1700000001.0\t5\t{size}\t{'a' * 32}\t{'f' * 32}"
            "\t0.5\tfirst call"
        ]
        assert expected == _lines(store)

    def test_read_returns_recorded_entry(self, store):
        """A recorded entry reads back with every field."""
        manifest = _save(store, 1, value_size_bytes=5, compute_seconds=0.5)
        size = store.manifest_path(FID, manifest.key).stat().st_size
        catalog = _read(store)
        expected = CatalogEntry(
            manifest.key, 1700000001.0, 5, size, "a" * 32, "f" * 32, 0.5, "first call"
        )
        assert {manifest.key: expected} == dict(catalog.entries)
        assert 1 == catalog.computations
        assert 5 + size == catalog.size_bytes
        assert 1700000001.0 == catalog.last_computed

    def test_cause_is_one_clean_field(self, store):
        """Tabs and newlines in a cause cannot break the line format."""
        _save(store, 1, reason={"cause": "weird\tcause\nhere " + "x" * 500})
        (entry,) = _read(store).entries.values()
        assert entry.cause.startswith("weird cause here x")
        assert 160 == len(entry.cause)
        assert 1 == len(_lines(store))

    def test_unwritable_numbers_are_zero(self, store):
        """nan or negative numbers are written as 0.0, so the line stays readable."""
        _save(store, 1, compute_seconds=math.nan, created_at=-5.0)
        (entry,) = _read(store).entries.values()
        assert (0.0, 0.0) == (entry.created_at, entry.compute_seconds)
        assert 1 == len(_lines(store))  # no repair line: the first was read

    def test_write_failure_does_not_fail_save(self, store, monkeypatch):
        """A catalog that cannot be appended to never fails Store.save."""

        def refuse(fs, path, text):
            raise PermissionError(13, "read-only")

        monkeypatch.setattr(_catalog, "_append", refuse)
        manifest = _save(store, 1)
        assert store.is_valid(FID, manifest.key)
        assert not _catalog_file(store).exists()

    @pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="POSIX only")
    def test_symlinked_catalog_is_not_followed(self, store, tmp_path):
        """A catalog replaced by a symlink is never appended through."""
        _save(store, 1)
        victim = tmp_path / "victim.txt"
        victim.write_text("precious\n")
        _catalog_file(store).unlink()
        _catalog_file(store).symlink_to(victim)
        _save(store, 2)
        assert "precious\n" == victim.read_text()

    def test_clear_removes_catalog(self, store):
        """Store.clear deletes the catalog with the entries, and the directory."""
        _save(store, 1)
        assert 1 == store.clear(FID)
        assert not (store.root / FID).exists()


class TestListingCheck:
    def test_missing_catalog_is_rebuilt(self, store):
        """Without a catalog, every manifest is indexed and the lines appended."""
        keys = {_save(store, n).key for n in range(3)}
        _catalog_file(store).unlink()
        catalog = _read(store)
        assert keys == set(catalog.entries)
        assert 3 == catalog.computations
        assert 3 == len(_lines(store))
        assert all(line.startswith("=\t") for line in _lines(store))

    def test_repaired_lines_are_not_read_again(self, store, monkeypatch):
        """After a repair, the next read needs no manifest."""
        _save(store, 1)
        _catalog_file(store).unlink()
        _read(store)

        def fail(fs, directory, key):
            raise AssertionError("manifest read again")

        monkeypatch.setattr(_catalog, "_index_manifest", fail)
        assert 1 == len(_read(store).entries)

    def test_manifest_without_line_is_indexed(self, store, monkeypatch):
        """An entry whose append was lost (a crash, an older writer) is found."""
        first = _save(store, 1)
        monkeypatch.setattr(_catalog, "record_entry", lambda *args: None)
        with monkeypatch.context() as patch:
            patch.setattr(_catalog, "_append", lambda fs, path, text: None)
            second = _save(store, 2)
        assert 1 == len(_lines(store))
        catalog = _read(store)
        assert {first.key, second.key} == set(catalog.entries)
        assert 2 == len(_lines(store))

    def test_line_without_manifest_is_dropped(self, store):
        """A deleted (or quarantined) entry no longer counts, but its computation does."""
        first = _save(store, 1)
        second = _save(store, 2)
        store.delete(FID, first.key)
        store.quarantine(FID, second.key)
        catalog = _read(store)
        assert {} == dict(catalog.entries)
        assert 2 == catalog.computations

    def test_missing_directory(self, store):
        """A function directory that does not exist has no entries."""
        catalog = _read(store, "nothing.here")
        assert ({}, {}, 0) == (
            dict(catalog.entries),
            dict(catalog.unreadable),
            catalog.computations,
        )
        assert catalog.last_computed is None

    def test_read_only_repair_is_ignored(self, store, monkeypatch):
        """A cache that cannot be written to is still read completely."""
        _save(store, 1)
        _catalog_file(store).unlink()

        def refuse(fs, path, text):
            raise PermissionError(13, "read-only")

        monkeypatch.setattr(_catalog, "_append", refuse)
        assert 1 == len(_read(store).entries)
        assert not _catalog_file(store).exists()

    def test_no_repair(self, store):
        """repair=False reads without writing."""
        _save(store, 1)
        _catalog_file(store).unlink()
        assert 1 == len(_read(store, repair=False).entries)
        assert not _catalog_file(store).exists()


class TestDamage:
    def test_torn_last_line_is_ignored(self, store):
        """A half-written last line is skipped; its entry comes from the manifest."""
        first = _save(store, 1)
        second = _save(store, 2)
        path = _catalog_file(store)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - 20])
        catalog = _read(store)
        assert {first.key, second.key} == set(catalog.entries)
        assert "first call" == catalog.entries[second.key].cause

    def test_fragment_glued_to_next_record(self, store):
        """A torn fragment followed by another writer's record loses only that line."""
        _save(store, 1)
        path = _catalog_file(store)
        path.write_bytes(path.read_bytes()[:30])  # crash in the middle of line 1
        third = _save(store, 3)  # appended right after the fragment
        catalog = _read(store)
        assert {_key(1), third.key} == set(catalog.entries)

    @pytest.mark.parametrize(
        "garbage",
        [
            b"\x00" * 64 + b"\n",  # zeros after a power loss
            b"+\tnot\tenough\tfields\n",
            b"+\t"
            + b"0" * 32
            + b"\t1e\t1\t1\t"
            + b"a" * 32
            + b"\t"
            + b"f" * 32
            + b"\t1\tx\n",
            b"\xff\xfe not utf-8\n",
            b"Z\tan unknown record type from a newer version\n",
        ],
    )
    def test_garbage_lines_are_skipped(self, store, garbage):
        """Lines without their exact shape are skipped; the rest still reads."""
        manifest = _save(store, 1)
        with _catalog_file(store).open("ab") as file:
            file.write(garbage)
        catalog = _read(store)
        assert [manifest.key] == list(catalog.entries)

    def test_last_line_of_a_key_wins(self, store):
        """A rerun that rewrote an entry is described by its newer line."""
        _save(store, 1)
        _save(store, 1, created_at=1_800_000_000.0, reason={"cause": "forced rerun"})
        catalog = _read(store)
        assert "forced rerun" == catalog.entries[_key(1)].cause
        assert 2 == catalog.computations

    def test_repair_racing_an_append_counts_once(self, store):
        """A repair line and the append of the same write are one computation."""
        manifest = _save(store, 1)
        line = _lines(store)[0]
        with _catalog_file(store).open("a") as file:
            file.write("=" + line[1:] + "\n")
        assert 1 == _read(store).computations
        assert manifest.key in _read(store).entries


class TestUnreadable:
    def _write_manifest(self, store, number, data):
        path = store.manifest_path(FID, _key(number))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def test_older_format(self, store):
        """A manifest of an older format version is reported as such, once."""
        self._write_manifest(store, 1, json.dumps({"format_version": 0}).encode())
        (record,) = _read(store).unreadable.values()
        assert (_key(1), 0) == (record.key, record.format_version)
        assert record.older_format
        assert not record.newer_format
        assert "written by manifest format 0" in record.message
        assert record.modified_at > 0
        assert [line[0] for line in _lines(store)] == ["!"]
        again = _read(store).unreadable
        assert [_key(1)] == list(again)

    def test_newer_format(self, store):
        """A manifest of a newer format version is reported as such."""
        self._write_manifest(store, 1, json.dumps({"format_version": 99}).encode())
        (record,) = _read(store).unreadable.values()
        assert record.newer_format
        assert not record.older_format

    def test_damaged(self, store):
        """A manifest that is not JSON has no format version."""
        self._write_manifest(store, 1, b"{broken")
        (record,) = _read(store).unreadable.values()
        assert record.format_version is None
        assert record.message.startswith("unreadable manifest")
        assert not record.older_format

    def test_non_integer_version(self, store):
        """A format version that is not an integer counts as damage."""
        self._write_manifest(store, 1, json.dumps({"format_version": True}).encode())
        (record,) = _read(store).unreadable.values()
        assert record.format_version is None

    def test_rewrite_makes_it_readable(self, store):
        """An entry saved again after it was found unreadable reads normally."""
        self._write_manifest(store, 1, b"{broken")
        _read(store)
        _save(store, 1)
        catalog = _read(store)
        assert ([_key(1)], {}) == (list(catalog.entries), dict(catalog.unreadable))

    def test_damage_after_a_good_line(self, store):
        """A later '!' line (found by a rebuild) wins over an earlier good line."""
        manifest = _save(store, 1)
        record = Unreadable(manifest.key, 1.0, 7, 0, "written by manifest format 0")
        with _catalog_file(store).open("a") as file:
            file.write(_catalog._unreadable_line(record))
        catalog = _read(store)
        assert ({}, [manifest.key]) == (dict(catalog.entries), list(catalog.unreadable))
        assert 7 == catalog.size_bytes

    def test_io_error_is_not_persisted(self, store, monkeypatch):
        """A manifest that cannot be opened is reported but not written down."""
        _save(store, 1)
        _catalog_file(store).unlink()

        def refuse(self, path):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(LocalFileSystem, "read_bytes", refuse)
        (record,) = _read(store).unreadable.values()
        assert "cannot read: Permission denied" == record.message
        monkeypatch.undo()
        assert not _catalog_file(store).exists()

    def test_vanished_manifest(self, store, monkeypatch):
        """A manifest deleted between the listing and the read is simply absent."""
        _save(store, 1)
        _catalog_file(store).unlink()
        real = _catalog._manifest_keys
        monkeypatch.setattr(
            _catalog, "_manifest_keys", lambda fs, d: real(fs, d) | {_key(9)}
        )
        assert [_key(1)] == list(_read(store).entries)


class TestCompaction:
    def test_dead_lines_are_compacted(self, store, monkeypatch):
        """A file of mostly dead lines is rewritten; the computation count stays."""
        monkeypatch.setattr(_catalog, "_COMPACT_SLACK", 3)
        for number in range(6):
            _save(store, number)
        for number in range(5):
            store.delete(FID, _key(number))
        before = _read(store)
        assert 6 == before.computations
        assert ["C\t5", "=\t" + _key(5)] == [
            "\t".join(line.split("\t")[:2]) for line in _lines(store)
        ]
        after = _read(store)
        assert (6, [_key(5)]) == (after.computations, list(after.entries))

    def test_compaction_keeps_unreadable(self, store, monkeypatch):
        """Compaction keeps the '!' lines of unreadable manifests."""
        monkeypatch.setattr(_catalog, "_COMPACT_SLACK", 1)
        path = store.manifest_path(FID, _key(1))
        path.parent.mkdir(parents=True)
        path.write_bytes(b"{broken")
        for number in range(2, 6):
            _save(store, number)
            store.delete(FID, _key(number))
        _read(store)
        assert "!" in [line[0] for line in _lines(store)]

    def test_grown_file_is_not_replaced(self, store):
        """A rewrite is abandoned if another process appended meanwhile."""
        _save(store, 1)
        catalog = _read(store)
        before = _catalog_file(store).read_bytes()
        _catalog._rewrite(
            store.filesystem, str(_catalog_file(store)), catalog, expected_size=1
        )
        assert before == _catalog_file(store).read_bytes()
        assert [CATALOG_NAME] == [
            p.name for p in (store.root / FID).iterdir() if p.name.startswith(".")
        ]

    def test_rewrite_of_missing_file(self, store):
        """A file that does not exist yet has size 0 for the growth check."""
        (store.root / FID).mkdir(parents=True)
        catalog = _catalog.FunctionCatalog(FID, {}, {}, 3)
        _catalog._rewrite(
            store.filesystem, str(_catalog_file(store)), catalog, expected_size=0
        )
        assert ["C\t3"] == _lines(store)

    def test_rewrite_in_missing_directory(self, store):
        """A rewrite that cannot create its temporary file gives up quietly."""
        catalog = _catalog.FunctionCatalog(FID, {}, {}, 0)
        _catalog._rewrite(
            store.filesystem,
            str(store.root / "gone" / CATALOG_NAME),
            catalog,
            expected_size=None,
        )
        assert not (store.root / "gone").exists()

    def test_rewrite_failure_leaves_no_temporary_file(self, store, monkeypatch):
        """A failed rename removes the temporary file."""
        _save(store, 1)
        catalog = _read(store)

        def refuse(source, target):
            raise PermissionError(13, "busy")

        monkeypatch.setattr(local_module, "_replace", refuse)
        _catalog._rewrite(
            store.filesystem, str(_catalog_file(store)), catalog, expected_size=None
        )
        assert [] == list((store.root / FID).glob("*.tmp"))


class TestRebuild:
    def test_rebuild_corrects_stale_lines(self, store):
        """rebuild() replaces every line; the computation count never shrinks."""
        manifest = _save(store, 1)
        other = _save(store, 2)
        edited = make_manifest(
            key=manifest.key, created_at=5.0, reason={"cause": "rewritten"}
        )
        _catalog.rebuild(
            store.filesystem, str(store.root), FID, [(edited, 100), (other, 100)]
        )
        catalog = _read(store, repair=False)
        assert "rewritten" == catalog.entries[manifest.key].cause
        assert 2 == catalog.computations  # the history of the two writes

    def test_rebuild_keeps_unreadable(self, store):
        """rebuild() writes the unreadable manifests it was given."""
        record = Unreadable(_key(3), 2.0, 9, 0, "old")
        (store.root / FID).mkdir(parents=True)
        _catalog.rebuild(store.filesystem, str(store.root), FID, [], [record])
        assert [f"!\t{_key(3)}\t2.0\t9\t0\told"] == _lines(store)


class TestNewest:
    def test_newest_first_and_limit(self, store):
        """newest() orders by creation time, newest first, and can be limited."""
        for number in (3, 1, 2):
            _save(store, number)
        catalog = _read(store)
        assert [_key(3), _key(2), _key(1)] == [e.key for e in catalog.newest()]
        assert [_key(3)] == [e.key for e in catalog.newest(1)]


@given(
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=2**62),
)
def test_numbers_round_trip(created_at, compute_seconds, size):
    """Every finite non-negative number is written so that it reads back exactly."""
    entry = CatalogEntry(
        _key(1), created_at, size, 3, "a" * 32, "b" * 32, compute_seconds, "x"
    )
    parsed = _catalog._parse(_catalog._entry_line("+", entry).encode())
    assert {entry.key: entry} == parsed.entries


def _append_many(args):
    root, worker, count = args
    for number in range(count):
        manifest = make_manifest(
            key=f"{worker:08x}{number:024x}",
            function_id=FID,
            reason={"cause": "first call"},
        )
        _catalog.record_entry(LocalFileSystem(root), str(root), manifest, 1000)
    return count


def test_concurrent_appends_do_not_interleave(tmp_path):
    """Records appended by several processes at once all parse (one write each)."""
    (tmp_path / FID).mkdir()
    workers, count = 4, 300
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        done = list(
            pool.map(_append_many, [(str(tmp_path), w, count) for w in range(workers)])
        )
    assert [count] * workers == done
    raw = (tmp_path / FID / CATALOG_NAME).read_bytes()
    parsed = _catalog._parse(raw)
    assert workers * count == len(parsed.entries) == raw.count(b"\n")
