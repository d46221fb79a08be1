"""
Behaviour every store must have: a contract-test mixin (issue 13, the store seam).

:class:`StoreContract` holds black-box tests of the methods the decorator, the
CLI and the tiers call on a store (``load``, ``save``, ``evict``, ...). A
concrete test class per implementation (a local :class:`~checkpointing.Store`,
a tiered store, a store over an fsspec ``memory://`` filesystem) inherits it
and supplies the hooks below; the mixin itself has no ``Test`` prefix, so
pytest collects it only through those classes.

The tests touch a store only through its public methods: no paths, no files,
no private attributes (the in-memory store has no files). Damage that needs
the storage itself goes through the hooks :meth:`StoreContract.corrupt` and
:meth:`StoreContract.corrupt_output`, and reading a result file through
:meth:`StoreContract.read_output`.

Behaviour that differs between implementations by design (what a tiered
store does with a damaged copy in one tier, where eviction applies) is tested
in the concrete classes, not here.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from checkpointing import MISSING, CorruptEntryError, Manifest, StoreError

from .strategies import make_manifest

__all__ = ["FID", "KEY", "OTHER_KEY", "StoreContract"]

KEY = "0123456789abcdef" * 2
OTHER_KEY = "fedcba9876543210" * 2
FID = "pkg.module.func"
OTHER_FID = "pkg.module.other"
#: A readable entry name (``@checkpoint(key="daily-report")``).
NAME = "daily-report"
#: Names no store may turn into a location: empty, dot names, separators, NUL.
BAD_NAMES = ["", ".", "..", "a/b", "a\\b", "../escape", ".hidden", "nul\0byte"]
#: Seconds between two writes whose order a test relies on (file systems stamp
#: times with a coarse clock: 4 ms ticks on Linux, 2 s on FAT).
TICK = 0.05


def _key(index: int) -> str:
    return f"{index:032x}"


class StoreContract:
    """
    Behaviour tests shared by every store; mix into a ``Test...`` class.

    Concrete classes implement :meth:`make_store`, :meth:`reopen`,
    :meth:`corrupt`, :meth:`corrupt_output` and :meth:`read_output`.
    """

    # -- hooks -----------------------------------------------------------------
    def make_store(self, tmp_path, *, hmac_key: bytes | None = None) -> Any:
        """Return a new, empty store (signing entries with *hmac_key* if given)."""
        raise NotImplementedError

    def reopen(self, store, *, hmac_key: bytes | None = None) -> Any:
        """Return a fresh store object over *store*'s storage ("another process")."""
        raise NotImplementedError

    def corrupt(self, store, function_id: str, name: str) -> None:
        """Damage the stored value of an entry (everywhere it is stored)."""
        raise NotImplementedError

    def corrupt_output(
        self, store, function_id: str, name: str, file_name: str
    ) -> None:
        """Damage one result file of an entry (everywhere it is stored)."""
        raise NotImplementedError

    def read_output(self, location: str) -> bytes:
        """Return the bytes of a result file, given what ``outputs()`` returned."""
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------
    @staticmethod
    def save(
        store,
        key: str = KEY,
        payload: Any = b"payload",
        *,
        function_id: str = FID,
        blobs: dict[str, str] | None = None,
        writers=(),
        **fields,
    ):
        """
        Save an entry written now; return its manifest.

        *writers* are save's ``outputs=`` (``(file name, writer)`` pairs);
        *fields* replace manifest fields (``created_at``: now by default).
        """
        fields.setdefault("created_at", time.time())
        manifest = make_manifest(key=key, function_id=function_id, **fields)
        store.save(manifest, payload, blobs or {}, outputs=writers)
        return manifest

    # -- a miss is not an error ---------------------------------------------------
    def test_missing_entry_is_missing(self, tmp_path):
        """Every read of an entry that was never saved is a miss, not an error."""
        store = self.make_store(tmp_path)
        assert store.load(FID, KEY) is MISSING
        assert store.load(FID, NAME) is MISSING
        assert store.load_mapped(FID, KEY) is MISSING
        assert not store.is_valid(FID, KEY)
        assert not store.contains(FID, KEY)
        assert store.manifest(FID, KEY) is None
        assert [] == store.manifests(FID)
        assert [] == store.nearest_manifests(FID, "a" * 32, "f" * 32)
        assert [] == store.function_ids()
        assert store.blob("1" * 32) is None
        assert 0 == store.size_bytes(FID)

    def test_other_function_same_key_is_missing(self, tmp_path):
        """Entries are per function: the same key under another function is a miss."""
        store = self.make_store(tmp_path)
        self.save(store)
        assert store.load(OTHER_FID, KEY) is MISSING
        assert not store.contains(OTHER_FID, KEY)

    # -- round trips ---------------------------------------------------------------
    @pytest.mark.parametrize(
        "size",
        [0, 1, 64 * 1024, (1 << 20) - 1, (1 << 20) + 1, 3 * (1 << 20) + 7],
        ids=["empty", "1B", "64KiB", "1MiB-1", "1MiB+1", "3MiB+7"],
    )
    def test_save_then_load_returns_the_exact_bytes(self, tmp_path, size):
        """Payloads of every size, empty and above 1 MiB included, come back unchanged."""
        store = self.make_store(tmp_path)
        payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
        self.save(store, payload=payload)
        assert payload == bytes(store.load(FID, KEY))
        assert payload == bytes(self.reopen(store).load(FID, KEY))

    def test_payload_given_as_chunks(self, tmp_path):
        """A payload given as a sequence of chunks loads back as their concatenation."""
        store = self.make_store(tmp_path)
        big = b"\xab" * ((1 << 20) + 3)
        chunks = [b"head", bytearray(b"-mid-"), memoryview(big), b"", b"tail"]
        self.save(store, payload=chunks)
        assert b"head-mid-" + big + b"tail" == bytes(store.load(FID, KEY))

    def test_empty_sequence_of_chunks(self, tmp_path):
        """No chunks at all is an empty payload, stored and found."""
        store = self.make_store(tmp_path)
        self.save(store, payload=[])
        assert b"" == bytes(store.load(FID, KEY))
        assert store.is_valid(FID, KEY)

    def test_load_mapped_returns_the_same_bytes(self, tmp_path):
        """load_mapped serves what load serves, read-only or copy-on-write."""
        store = self.make_store(tmp_path)
        payload = b"mapped \x00 value" * 1000
        self.save(store, payload=payload)
        assert payload == bytes(store.load_mapped(FID, KEY))
        assert payload == bytes(store.load_mapped(FID, KEY, writable=True))
        assert store.load_mapped(FID, KEY, key=OTHER_KEY) is MISSING

    def test_load_of_a_hex_name_checks_the_key(self, tmp_path):
        """A hex-named entry read with another expected key is a miss."""
        store = self.make_store(tmp_path)
        self.save(store)
        assert b"payload" == bytes(store.load(FID, KEY, key=KEY))
        assert store.load(FID, KEY, key=OTHER_KEY) is MISSING
        assert not store.is_valid(FID, KEY, key=OTHER_KEY)

    def test_named_entry_holding_another_key_is_missing(self, tmp_path):
        """A readable name serves any key without key=, only its own key with it."""
        store = self.make_store(tmp_path)
        self.save(store, name=NAME, payload=b"named value")
        assert store.contains(FID, NAME)
        assert not store.contains(FID, KEY)  # stored under its name, not its key
        assert b"named value" == bytes(store.load(FID, NAME))
        assert b"named value" == bytes(store.load(FID, NAME, key=KEY))
        assert store.load(FID, NAME, key=OTHER_KEY) is MISSING
        assert store.load_mapped(FID, NAME, key=OTHER_KEY) is MISSING
        assert store.is_valid(FID, NAME, key=KEY)
        assert not store.is_valid(FID, NAME, key=OTHER_KEY)

    def test_named_entry_rewritten_with_a_new_key(self, tmp_path):
        """Saving a name again with another key makes the old key a miss."""
        store = self.make_store(tmp_path)
        self.save(store, name=NAME, payload=b"old")
        self.save(store, key=OTHER_KEY, name=NAME, payload=b"new")
        assert store.load(FID, NAME, key=KEY) is MISSING
        assert b"new" == bytes(store.load(FID, NAME, key=OTHER_KEY))
        assert OTHER_KEY == store.manifest(FID, NAME).key

    def test_overwrite_replaces(self, tmp_path):
        """A later save of the same entry wins, in this store and in a reopened one."""
        store = self.make_store(tmp_path)
        self.save(store, payload=b"first")
        assert b"first" == bytes(store.load(FID, KEY))
        self.save(store, payload=b"second, longer")
        assert b"second, longer" == bytes(store.load(FID, KEY))
        assert b"second, longer" == bytes(self.reopen(store).load(FID, KEY))

    def test_overwrite_by_another_process_is_seen(self, tmp_path):
        """A reader that loaded an entry sees another writer's same-size replacement."""
        reader = self.make_store(tmp_path)
        self.save(reader, payload=b"value-1")
        assert b"value-1" == bytes(reader.load(FID, KEY))
        writer = self.reopen(reader)
        self.save(writer, payload=b"value-2")
        assert b"value-2" == bytes(reader.load(FID, KEY))
        assert b"value-2" == bytes(reader.load_mapped(FID, KEY))

    def test_manifest_round_trip(self, tmp_path):
        """The manifest read back equals the one saved, every field included."""
        store = self.make_store(tmp_path)
        manifest = self.save(
            store,
            name=NAME,
            reason={"status": "miss", "cause": "new arguments", "changes": []},
            compute_seconds=1.5,
            value_size_bytes=7,
        )
        assert manifest == store.manifest(FID, NAME)
        assert manifest == self.reopen(store).manifest(FID, NAME)
        assert store.manifest(FID, KEY) is None  # stored under the name only

    def test_manifests_and_function_ids_list_what_was_saved(self, tmp_path):
        """manifests() lists a function's entries oldest first; function_ids() sorts."""
        store = self.make_store(tmp_path)
        now = time.time()
        second = self.save(store, _key(2), created_at=now - 10)
        first = self.save(store, _key(1), created_at=now - 20)
        other = self.save(store, _key(3), function_id=OTHER_FID)
        assert [first, second] == store.manifests(FID)
        assert [other] == store.manifests(OTHER_FID)
        assert [FID, OTHER_FID] == store.function_ids()
        assert [FID, OTHER_FID] == self.reopen(store).function_ids()

    def test_manifest_and_entry_names(self, tmp_path):
        """manifest_names() and entry_names() list a function's entries, sorted."""
        store = self.make_store(tmp_path)
        self.save(store, _key(2))
        self.save(store, _key(1))
        self.save(store, name=NAME)
        expected = sorted([_key(1), _key(2), NAME])
        assert expected == store.manifest_names(FID)
        assert expected == store.entry_names(FID)
        assert expected == self.reopen(store).manifest_names(FID)
        assert [] == store.manifest_names(OTHER_FID)
        assert [] == store.entry_names(OTHER_FID)
        store.delete(FID, _key(1))
        assert sorted([_key(2), NAME]) == store.manifest_names(FID)

    def test_raw_manifest(self, tmp_path):
        """read_manifest_bytes() gives a manifest as stored; where it is, when it changed."""
        store = self.make_store(tmp_path)
        before = time.time()
        manifest = self.save(store, name=NAME)
        raw = store.read_manifest_bytes(FID, NAME)
        assert raw is not None
        assert manifest == Manifest.from_json(raw)
        assert store.read_manifest_bytes(FID, KEY) is None  # stored under the name
        assert store.read_manifest_bytes(OTHER_FID, NAME) is None
        modified = store.manifest_modified(FID, NAME)
        # 0.0: a file system that keeps no times.
        assert modified is not None
        assert modified == 0.0 or modified >= before - 2
        assert store.manifest_modified(FID, KEY) is None
        location = store.manifest_location(FID, NAME)
        assert location.startswith(store.location(FID))
        assert location.endswith(f"{NAME}.json")

    def test_nearest_manifests_of_a_small_function_are_all_manifests(self, tmp_path):
        """At most *limit* entries: every manifest, as manifests() orders them."""
        store = self.make_store(tmp_path)
        now = time.time()
        for index in range(3):
            self.save(store, _key(index), created_at=now - 10 * index)
        nearest = store.nearest_manifests(FID, "a" * 32, "f" * 32, limit=3)
        assert store.manifests(FID) == nearest
        assert [_key(2), _key(1), _key(0)] == [m.key for m in nearest]

    def test_nearest_manifests_prefer_same_arguments_then_same_code(self, tmp_path):
        """Above *limit*: the newest entries of the best group (arguments, then code)."""
        store = self.make_store(tmp_path)
        now = time.time()
        groups = {  # index -> (arguments digest, fingerprint)
            0: ("b" * 32, "c" * 32),
            1: ("a" * 32, "d" * 32),
            2: ("a" * 32, "e" * 32),
            3: ("a" * 32, "c" * 32),
            4: ("b" * 32, "e" * 32),
            5: ("b" * 32, "e" * 32),
        }
        for index, (arguments, fingerprint) in groups.items():
            self.save(
                store,
                _key(index),
                arguments_digest=arguments,
                fingerprint=fingerprint,
                created_at=now - 100 + index,
            )

        def nearest(arguments, fingerprint):
            found = store.nearest_manifests(FID, arguments, fingerprint, limit=2)
            return sorted(m.key for m in found)

        if not getattr(getattr(store, "filesystem", None), "supports_append", True):
            # No catalog (object stores): one listing, the newest two by the
            # listing's times (S3's have 1 s resolution: ties in this test),
            # whatever the group (reading every manifest costs a request each).
            for arguments, fingerprint in [("a" * 32, "9" * 32), ("9" * 32, "c" * 32)]:
                found = nearest(arguments, fingerprint)
                assert 2 == len(found)
                assert set(found) <= {_key(i) for i in groups}
            return
        # Same arguments: the newest two of 1, 2, 3.
        assert [_key(2), _key(3)] == nearest("a" * 32, "9" * 32)
        # No entry with these arguments, same code: 0 and 3 (the only two).
        assert [_key(0), _key(3)] == nearest("9" * 32, "c" * 32)
        # Neither: the newest two of all.
        assert [_key(4), _key(5)] == nearest("9" * 32, "9" * 32)

    def test_blob_round_trip(self, tmp_path):
        """Source texts saved through blobs= come back by digest, in any store object."""
        store = self.make_store(tmp_path)
        digest = "1" * 32  # the blob make_manifest's source component names
        text = "def f(x):\n    return x * 2  # é → ü\n"
        self.save(store, blobs={digest: text})
        assert text == store.blob(digest)
        assert text == self.reopen(store).blob(digest)
        assert store.blob("4" * 32) is None

    def test_blobs_survive_clearing_one_function(self, tmp_path):
        """Blobs may be shared between functions: clear(function_id) keeps them."""
        store = self.make_store(tmp_path)
        self.save(store, blobs={"1" * 32: "source"})
        store.clear(FID)
        assert "source" == store.blob("1" * 32)
        store.clear()
        assert store.blob("1" * 32) is None

    # -- results stored as files ----------------------------------------------------
    @staticmethod
    def _writer(content: bytes):
        def write(file):
            file.write(content)

        return write

    def _save_outputs(self, store, files: dict[str, bytes], **fields):
        writers = [(file, self._writer(content)) for file, content in files.items()]
        return self.save(store, payload=b"ignored", writers=writers, **fields)

    def test_outputs_round_trip(self, tmp_path):
        """Files written through outputs= come back through outputs(), checked."""
        store = self.make_store(tmp_path)
        files = {
            "value.npy": b"\x93NUMPY" + bytes(5000),
            "note.txt": b"",
            "m.json": b"{}",
        }
        self._save_outputs(store, files, outputs={"value": "value.npy"})
        payload = store.load(FID, KEY)
        assert b"ignored" != bytes(payload)  # the payload is the files' table
        found = store.outputs(FID, KEY, payload)
        assert set(files) == set(found)
        for file, content in files.items():
            assert content == self.read_output(found[file])
        assert store.is_valid(FID, KEY)
        reopened = self.reopen(store)
        again = reopened.outputs(FID, KEY, reopened.load(FID, KEY))
        assert files == {file: self.read_output(where) for file, where in again.items()}

    def test_outputs_record_their_total_size(self, tmp_path):
        """The manifest of a files entry reports the bytes of its files."""
        store = self.make_store(tmp_path)
        saved = self._save_outputs(store, {"a.bin": b"x" * 300, "b.bin": b"y" * 45})
        assert dataclasses.replace(saved, value_size_bytes=345) == store.manifest(
            FID, KEY
        )

    def test_outputs_writer_that_seeks_back(self, tmp_path):
        """The checksum covers the file as written, even when the writer rewrites it."""
        store = self.make_store(tmp_path)

        def rewrite(file):
            file.write(b"draft-header" + b"body" * 100)
            file.seek(0)
            file.write(b"FINAL-HEADER")

        self.save(store, payload=b"", writers=[("value.bin", rewrite)])
        found = store.outputs(FID, KEY, store.load(FID, KEY))
        assert b"FINAL-HEADER" + b"body" * 100 == self.read_output(found["value.bin"])

    def test_damaged_output_is_detected(self, tmp_path):
        """A result file that differs from the table fails outputs()."""
        store = self.make_store(tmp_path)
        self._save_outputs(store, {"value.bin": b"0123456789" * 100})
        self.corrupt_output(store, FID, KEY, "value.bin")
        payload = store.load(FID, KEY)
        with pytest.raises(CorruptEntryError):
            store.outputs(FID, KEY, payload)
        with pytest.raises(CorruptEntryError):
            self.reopen(store).outputs(FID, KEY, payload)

    def test_is_valid_checks_result_files(self, tmp_path):
        """An entry whose result files are damaged is not a complete, verified entry."""
        store = self.make_store(tmp_path)
        self._save_outputs(store, {"value.bin": b"0123456789" * 100})
        assert store.is_valid(FID, KEY)
        self.corrupt_output(store, FID, KEY, "value.bin")
        assert not store.is_valid(FID, KEY)

    def test_outputs_without_checksums(self, tmp_path):
        """verify=False and skip_checksum= still return every file of the table."""
        store = self.make_store(tmp_path)
        self._save_outputs(store, {"a.bin": b"a" * 10, "b.bin": b"b" * 20})
        payload = store.load(FID, KEY)
        assert {"a.bin", "b.bin"} == set(store.outputs(FID, KEY, payload, verify=False))
        assert {"a.bin", "b.bin"} == set(
            store.outputs(FID, KEY, payload, skip_checksum={"a.bin"})
        )

    def test_outputs_of_a_value_entry_is_an_error(self, tmp_path):
        """An entry without a file table has no outputs: CorruptEntryError, not a guess."""
        store = self.make_store(tmp_path)
        self.save(store, payload=b"plain value")
        with pytest.raises(CorruptEntryError):
            store.outputs(FID, KEY, store.load(FID, KEY))

    # -- removing ------------------------------------------------------------------
    def test_delete_then_missing(self, tmp_path):
        """delete() removes the entry, its manifest and its files; True once only."""
        store = self.make_store(tmp_path)
        self._save_outputs(store, {"value.bin": b"v"})
        self.save(store, OTHER_KEY)
        assert store.delete(FID, KEY)
        assert store.load(FID, KEY) is MISSING
        assert not store.contains(FID, KEY)
        assert store.manifest(FID, KEY) is None
        assert [OTHER_KEY] == [m.key for m in store.manifests(FID)]
        assert not store.delete(FID, KEY)
        assert self.reopen(store).load(FID, KEY) is MISSING
        assert b"payload" == bytes(store.load(FID, OTHER_KEY))

    def test_delete_of_a_missing_entry(self, tmp_path):
        """Deleting what was never saved returns False, in an empty store too."""
        store = self.make_store(tmp_path)
        assert not store.delete(FID, KEY)
        self.save(store)
        assert not store.delete(FID, OTHER_KEY)
        assert not store.delete(OTHER_FID, KEY)

    def test_delete_a_named_entry(self, tmp_path):
        """A named entry is deleted by its name."""
        store = self.make_store(tmp_path)
        self.save(store, name=NAME)
        assert store.delete(FID, NAME)
        assert store.load(FID, NAME) is MISSING

    def test_clear_one_function(self, tmp_path):
        """clear(function_id) deletes and counts that function's entries only."""
        store = self.make_store(tmp_path)
        for index in range(3):
            self.save(store, _key(index))
        self.save(store, name=NAME)
        self.save(store, function_id=OTHER_FID)
        assert 4 == store.clear(FID)
        assert [] == store.manifests(FID)
        assert store.load(FID, _key(0)) is MISSING
        assert store.load(FID, NAME) is MISSING
        assert [OTHER_FID] == store.function_ids()
        assert b"payload" == bytes(store.load(OTHER_FID, KEY))
        assert 0 == store.clear(FID)

    def test_clear_everything(self, tmp_path):
        """clear() deletes and counts every function's entries."""
        store = self.make_store(tmp_path)
        self.save(store, _key(1))
        self._save_outputs(store, {"v.bin": b"1"}, key=_key(2))
        self.save(store, function_id=OTHER_FID)
        assert 3 == store.clear()
        assert [] == store.function_ids()
        assert store.load(OTHER_FID, KEY) is MISSING
        assert 0 == store.clear()
        assert [] == self.reopen(store).function_ids()

    def test_clear_of_an_unknown_function(self, tmp_path):
        """Clearing a function with no entries deletes nothing and says so."""
        store = self.make_store(tmp_path)
        assert 0 == store.clear(FID)
        assert 0 == store.clear()

    def test_size_bytes_grows_with_saves(self, tmp_path):
        """size_bytes counts a function's stored bytes: up with saves, down with deletes."""
        store = self.make_store(tmp_path)
        self.save(store, _key(1), payload=b"x" * 1000)
        one = store.size_bytes(FID)
        assert one >= 1000
        self.save(store, _key(2), payload=b"x" * 5000)
        two = store.size_bytes(FID)
        assert two >= one + 5000
        self._save_outputs(store, {"big.bin": b"z" * 20_000}, key=_key(3))
        assert store.size_bytes(FID) >= two + 20_000
        assert 0 == store.size_bytes(OTHER_FID)
        before = store.size_bytes(FID)
        store.delete(FID, _key(2))
        assert store.size_bytes(FID) <= before - 5000
        store.clear(FID)
        assert 0 == store.size_bytes(FID)

    # -- damage --------------------------------------------------------------------
    def test_damaged_entry_is_an_error_not_a_value(self, tmp_path):
        """A damaged entry raises CorruptEntryError and is not valid; never bad bytes."""
        store = self.make_store(tmp_path)
        self.save(store, payload=b"precious value " * 100)
        self.corrupt(store, FID, KEY)
        assert not store.is_valid(FID, KEY)
        with pytest.raises(CorruptEntryError):
            store.load(FID, KEY)

    def test_damaged_large_entry_is_detected(self, tmp_path):
        """Damage in a payload above 1 MiB is found too (the chunked read path)."""
        store = self.make_store(tmp_path)
        self.save(store, payload=bytes(range(256)) * 8200)
        self.corrupt(store, FID, KEY)
        with pytest.raises(CorruptEntryError):
            store.load(FID, KEY)

    def test_quarantine_moves_a_damaged_entry_aside(self, tmp_path):
        """After quarantine() the entry is a plain miss, and can be written again."""
        store = self.make_store(tmp_path)
        self.save(store)
        self.corrupt(store, FID, KEY)
        assert store.quarantine(FID, KEY) is not None
        assert store.load(FID, KEY) is MISSING
        assert not store.contains(FID, KEY)
        assert store.manifest(FID, KEY) is None
        assert self.reopen(store).load(FID, KEY) is MISSING
        self.save(store, payload=b"recomputed")
        assert b"recomputed" == bytes(store.load(FID, KEY))

    def test_quarantine_after_a_failed_load(self, tmp_path):
        """The decorator's sequence: load raises, quarantine, next load is MISSING."""
        store = self.make_store(tmp_path)
        self._save_outputs(store, {"value.bin": b"v" * 100}, name=NAME)
        self.corrupt(store, FID, NAME)
        with pytest.raises(CorruptEntryError):
            store.load(FID, NAME)
        store.quarantine(FID, NAME)
        assert store.load(FID, NAME) is MISSING
        assert not store.is_valid(FID, NAME)

    def test_quarantine_of_nothing(self, tmp_path):
        """Quarantining an entry that does not exist moves nothing and never raises."""
        store = self.make_store(tmp_path)
        assert store.quarantine(FID, KEY) is None
        self.save(store)
        assert store.quarantine(FID, OTHER_KEY) is None
        assert b"payload" == bytes(store.load(FID, KEY))

    # -- validity and age ------------------------------------------------------------
    def test_is_valid(self, tmp_path):
        """is_valid is True exactly for a complete, verified entry."""
        store = self.make_store(tmp_path)
        assert not store.is_valid(FID, KEY)
        self.save(store)
        assert store.is_valid(FID, KEY)
        assert store.is_valid(FID, KEY, max_age=3600)
        assert self.reopen(store).is_valid(FID, KEY)
        store.delete(FID, KEY)
        assert not store.is_valid(FID, KEY)

    def test_max_age_on_reads(self, tmp_path):
        """An entry written longer ago than max_age seconds is a miss, else a hit."""
        store = self.make_store(tmp_path)
        self.save(store)
        time.sleep(1.0)
        assert store.load(FID, KEY, max_age=0.5) is MISSING
        assert store.load_mapped(FID, KEY, max_age=0.5) is MISSING
        assert not store.is_valid(FID, KEY, max_age=0.5)
        assert b"payload" == bytes(store.load(FID, KEY, max_age=3600))
        self.save(store, payload=b"fresh")  # rewriting restarts the clock
        assert b"fresh" == bytes(store.load(FID, KEY, max_age=0.5))

    # -- eviction --------------------------------------------------------------------
    def _save_in_order(self, store, count: int) -> list[str]:
        """Save *count* equal-size entries, TICK apart; keys sort against write order."""
        keys = [_key(100 - index) for index in range(count)]
        for key in keys:
            self.save(store, key, payload=b"v" * 2000)
            time.sleep(TICK)
        return keys

    def test_size_eviction_goes_oldest_first(self, tmp_path):
        """Unread entries are evicted in the order they were written."""
        store = self.make_store(tmp_path)
        keys = self._save_in_order(store, 3)
        planned = store.evict(size_limit=0, dry_run=True)
        assert keys == [e.key for e in planned]
        assert {FID} == {e.function_id for e in planned}
        assert {"size"} == {e.why for e in planned}
        assert all(e.size_bytes >= 2000 for e in planned)

    def test_dry_run_deletes_nothing(self, tmp_path):
        """evict(dry_run=True) reports and leaves every entry in place."""
        store = self.make_store(tmp_path)
        keys = self._save_in_order(store, 2)
        store.evict(size_limit=0, max_age=0, dry_run=True)
        for key in keys:
            assert store.contains(FID, key)
            assert store.is_valid(FID, key)

    def test_size_limit_keeps_the_newest(self, tmp_path):
        """A limit that fits one entry keeps only the most recently written one."""
        store = self.make_store(tmp_path)
        keys = self._save_in_order(store, 3)
        sizes = {e.key: e.size_bytes for e in store.evict(size_limit=0, dry_run=True)}
        limit = sizes[keys[-1]] + min(sizes.values()) // 2
        evicted = store.evict(size_limit=limit)
        assert keys[:2] == [e.key for e in evicted]
        assert [] == store.evict(size_limit=limit)
        assert b"v" * 2000 == bytes(store.load(FID, keys[-1]))

    def test_recent_load_survives_size_eviction(self, tmp_path):
        """
        An entry read after newer entries were written is evicted after them.

        Today's local store takes recency from the entry file's access time,
        refreshed by the store at most once an hour (see ``Store.load``); this
        passes within the hour only because a ``relatime`` mount updates the
        access time on the first read after a write (not on ``noatime``).
        """
        store = self.make_store(tmp_path)
        keys = self._save_in_order(store, 3)
        assert b"v" * 2000 == bytes(store.load(FID, keys[0]))
        store.record_hit(FID)
        time.sleep(TICK)
        planned = store.evict(size_limit=0, dry_run=True)
        assert [*keys[1:], keys[0]] == [e.key for e in planned]

    def test_evict_by_age(self, tmp_path):
        """max_age evicts the entries written longer ago, and only those."""
        store = self.make_store(tmp_path)
        self.save(store, _key(1))
        time.sleep(1.0)
        self.save(store, _key(2))
        evicted = store.evict(max_age=0.5)
        assert [(_key(1), "expired")] == [(e.key, e.why) for e in evicted]
        assert b"payload" == bytes(store.load(FID, _key(2)))

    def test_evict_only_some_functions_and_protected_keys(self, tmp_path):
        """function_ids= limits the scan; protected= keys are never evicted."""
        store = self.make_store(tmp_path)
        self.save(store, _key(1))
        self.save(store, _key(2))
        self.save(store, _key(3), function_id=OTHER_FID)
        evicted = store.evict(size_limit=0, function_ids=[FID], protected=[_key(1)])
        assert [(FID, _key(2))] == [(e.function_id, e.key) for e in evicted]
        assert b"payload" == bytes(store.load(FID, _key(1)))
        assert b"payload" == bytes(store.load(OTHER_FID, _key(3)))

    def test_evict_without_limits_evicts_nothing(self, tmp_path):
        """No size limit and no age: nothing to do."""
        store = self.make_store(tmp_path)
        self.save(store)
        assert [] == store.evict()
        assert store.is_valid(FID, KEY)

    #: Whether the decorator's automatic eviction (``evict_if_due``) runs on
    #: this store: not on a shared remote one (only ``prune`` evicts there).
    automatic_eviction = True

    def test_evict_if_due_runs_at_most_once_per_interval(self, tmp_path):
        """The first call evicts; a second within the interval does nothing."""
        store = self.make_store(tmp_path)
        self.save(store, _key(1))
        if not self.automatic_eviction:
            assert [] == store.evict_if_due(size_limit=0, max_age=0, interval=0)
            assert store.contains(FID, _key(1))
            assert [_key(1)] == [e.key for e in store.evict(size_limit=0)]
            return
        assert [_key(1)] == [
            e.key for e in store.evict_if_due(size_limit=0, max_age=None)
        ]
        self.save(store, _key(2))
        assert [] == store.evict_if_due(size_limit=0, max_age=None, interval=3600)
        assert store.contains(FID, _key(2))
        assert [_key(2)] == [
            e.key for e in store.evict_if_due(size_limit=0, max_age=None, interval=0)
        ]

    def test_record_hit_changes_no_entry(self, tmp_path):
        """record_hit only counts: entries and listings stay as they were."""
        store = self.make_store(tmp_path)
        manifest = self.save(store)
        for _ in range(5):
            store.record_hit(FID)
        store.record_hit(OTHER_FID)  # a function without entries: no error
        assert b"payload" == bytes(store.load(FID, KEY))
        assert [manifest] == store.manifests(FID)

    # -- names ---------------------------------------------------------------------
    @pytest.mark.parametrize("bad", BAD_NAMES)
    def test_invalid_names_on_reads(self, tmp_path, bad):
        """A function id or entry name that could escape the store raises StoreError."""
        store = self.make_store(tmp_path)
        self.save(store)
        for read in (
            lambda: store.load(bad, KEY),
            lambda: store.load(FID, bad),
            lambda: store.load_mapped(FID, bad),
            lambda: store.contains(bad, KEY),
            lambda: store.contains(FID, bad),
            lambda: store.manifest(FID, bad),
            lambda: store.manifests(bad),
            lambda: store.nearest_manifests(bad, "a" * 32, "f" * 32),
            lambda: store.size_bytes(bad),
            lambda: store.blob(bad),
        ):
            with pytest.raises(StoreError):
                read()
        assert not store.is_valid(FID, bad)

    @pytest.mark.parametrize("bad", BAD_NAMES)
    def test_invalid_names_on_writes(self, tmp_path, bad):
        """save, delete, quarantine and clear refuse such names; nothing is written."""
        store = self.make_store(tmp_path)
        with pytest.raises(StoreError):
            self.save(store, function_id=bad)
        # An empty name means "named by the key": try an empty key instead.
        naming = {"name": bad} if bad else {"key": bad}
        with pytest.raises(StoreError):
            self.save(store, **naming)
        with pytest.raises(StoreError):
            self.save(store, blobs={bad: "text"})
        with pytest.raises(StoreError):
            store.delete(bad, KEY)
        with pytest.raises(StoreError):
            store.delete(FID, bad)
        with pytest.raises(StoreError):
            store.quarantine(FID, bad)
        with pytest.raises(StoreError):
            store.clear(bad)
        assert [] == store.function_ids()

    def test_invalid_output_file_name(self, tmp_path):
        """A result file name with a separator is refused before anything is read."""
        store = self.make_store(tmp_path)
        with pytest.raises(StoreError):
            self._save_outputs(store, {"../value.bin": b"x"})
        assert store.load(FID, KEY) is MISSING

    def test_key_that_is_not_hex(self, tmp_path):
        """A manifest whose key is not hex cannot be saved: StoreError, no entry."""
        store = self.make_store(tmp_path)
        with pytest.raises(StoreError):
            self.save(store, key="z" * 32)
        with pytest.raises(StoreError):
            self.save(store, key="abc", name=NAME)
        assert store.load(FID, NAME) is MISSING

    # -- signed stores -------------------------------------------------------------
    def test_signed_entries_round_trip(self, tmp_path):
        """A store with an HMAC key reads what a store with the same key wrote."""
        store = self.make_store(tmp_path, hmac_key=b"secret")
        self.save(store, payload=b"signed value")
        reader = self.reopen(store, hmac_key=b"secret")
        assert b"signed value" == bytes(reader.load(FID, KEY))
        assert b"signed value" == bytes(reader.load_mapped(FID, KEY))
        assert reader.is_valid(FID, KEY)

    def test_signed_store_rejects_another_key(self, tmp_path):
        """An entry signed with another key is refused: CorruptEntryError, not valid."""
        store = self.make_store(tmp_path, hmac_key=b"one")
        self.save(store, payload=b"value")
        reader = self.reopen(store, hmac_key=b"two")
        assert not reader.is_valid(FID, KEY)
        with pytest.raises(CorruptEntryError):
            reader.load(FID, KEY)

    def test_signed_store_rejects_unsigned_entries(self, tmp_path):
        """An entry written without a key is refused by a store that has one."""
        store = self.make_store(tmp_path)
        self.save(store, KEY, payload=b"value")
        self.save(store, OTHER_KEY, payload=b"value")
        reader = self.reopen(store, hmac_key=b"secret")
        assert not reader.is_valid(FID, KEY)
        with pytest.raises(CorruptEntryError):
            reader.load(FID, KEY)
        with pytest.raises(CorruptEntryError):
            reader.load_mapped(FID, OTHER_KEY)

    def test_signed_store_rejects_a_named_entry_of_another_writer(self, tmp_path):
        """The key check does not let an unsigned named entry through either."""
        store = self.make_store(tmp_path)
        self.save(store, name=NAME, payload=b"planted")
        reader = self.reopen(store, hmac_key=b"secret")
        with pytest.raises(CorruptEntryError):
            reader.load(FID, NAME, key=KEY)
