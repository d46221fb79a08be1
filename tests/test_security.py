"""Security of the store: trusted directories, signed entries, no symlinked writes."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import os

import pytest

from checkpointing import (
    CheckpointingWarning,
    CloudpickleSerializer,
    CorruptEntryError,
    Store,
    StoreError,
    UntrustedDirectoryError,
    checkpoint,
)

from .strategies import make_manifest

KEY = "ab" * 16
FID = "pkg.mod.func"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def _save(store: Store, payload: bytes = b"value") -> None:
    store.save(make_manifest(key=KEY, function_id=FID), payload, {})


class CallLog(list):
    """Records the calls of a checkpointed body; its constant digest keeps it out of the key."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


def _make(root, calls: CallLog, **options):
    """``f(x) = x + 1`` checkpointed in *root*: the same code, so the same key, every time."""

    @checkpoint(directory=root, **options)
    def f(x):
        calls.append(x)
        return x + 1

    return f


def _plant(root, key: str, value: object, hmac_key: bytes | None = None) -> None:
    """
    Replace the stored entry of *key* by one holding *value*, as an attacker would.

    The entry is written through the store API (unsigned, or signed with
    *hmac_key*), so it is well formed: only trust checks can refuse it.
    """
    entry = next(root.rglob(f"{key}.ckpt"))
    writer = Store(root, trust_directory=True, hmac_key=hmac_key)
    manifest = writer.manifest(entry.parent.name, key)
    assert manifest is not None
    writer.save(manifest, CloudpickleSerializer().dumps(value), {})


class TestTrustedDirectory:
    @posix_only
    def test_created_owner_only(self, tmp_path):
        """A new cache directory is created with mode 0700 and entries with 0600."""
        root = tmp_path / "cache"
        _save(Store(root))
        assert 0o700 == root.stat().st_mode & 0o777
        entry = next(root.rglob("*.ckpt"))
        assert 0o600 == entry.stat().st_mode & 0o777

    @posix_only
    def test_writable_by_others_is_refused(self, tmp_path):
        """A directory others can write to is refused before any entry is decoded."""
        root = tmp_path / "cache"
        _save(Store(root))
        root.chmod(0o777)
        with pytest.raises(UntrustedDirectoryError, match="writable by other users"):
            Store(root).load(FID, KEY)
        assert b"value" == Store(root, trust_directory=True).load(FID, KEY)

    @posix_only
    @pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root"
    )
    def test_owned_by_someone_else_is_refused(self, tmp_path):
        """A directory owned by another user is refused."""
        root = tmp_path / "cache"
        _save(Store(root))
        os.chown(root, 12345, -1)
        with pytest.raises(UntrustedDirectoryError, match="owned by uid 12345"):
            Store(root).load(FID, KEY)

    @posix_only
    def test_decorator_runs_uncached_with_one_warning(self, tmp_path):
        """Through @checkpoint: a planted entry is never loaded; the value is computed."""
        root = tmp_path / "cache"
        calls = CallLog()
        assert 2 == _make(root, calls)(1)
        root.chmod(0o777)  # then someone swaps in another value under that key
        _plant(root, _make(root, calls).key(1), "planted")
        # Control: the planted entry is well formed, a trusting reader loads it.
        assert "planted" == _make(root, calls, trust_directory=True)(1)
        assert [1] == calls

        f = _make(root, calls)  # a new process would see it like this
        with pytest.warns(
            CheckpointingWarning, match="directory is not trusted"
        ) as caught:
            assert 2 == f(1)
        assert 1 == len(caught)
        assert [1, 1] == calls  # the body ran

    @posix_only
    def test_environment_opt_in(self, tmp_path, monkeypatch):
        """CHECKPOINTING_TRUST_DIRECTORY=1 accepts a shared directory."""
        root = tmp_path / "cache"
        root.mkdir(mode=0o777)
        root.chmod(0o777)
        monkeypatch.setenv("CHECKPOINTING_TRUST_DIRECTORY", "1")
        calls = CallLog()
        f = _make(root, calls)
        assert 2 == f(1)
        assert f.is_cached(1)
        assert 2 == _make(root, calls)(1)  # read back by a fresh store: a hit
        assert [1] == calls


class TestSignedEntries:
    def test_round_trip(self, tmp_path):
        """A signed store reads its own entries back."""
        store = Store(tmp_path, hmac_key=b"secret")
        _save(store)
        assert b"value" == store.load(FID, KEY)

    def test_unsigned_entry_refused(self, tmp_path):
        """With a key set, an unsigned entry is refused (a planted pickle has no signature)."""
        _save(Store(tmp_path))
        with pytest.raises(
            CorruptEntryError, match="unsigned entry, and an HMAC key is set"
        ):
            Store(tmp_path, hmac_key=b"secret").load(FID, KEY)

    def test_other_key_refused(self, tmp_path):
        """An entry signed under another key is refused."""
        _save(Store(tmp_path, hmac_key=b"one"))
        with pytest.raises(CorruptEntryError, match="HMAC signature mismatch"):
            Store(tmp_path, hmac_key=b"two").load(FID, KEY)

    def test_tampered_payload_with_fixed_checksum_refused(self, tmp_path):
        """A payload rewritten with a matching checksum still fails the signature."""
        import struct

        import xxhash

        _save(Store(tmp_path, hmac_key=b"secret"), b"value")
        entry = next(tmp_path.rglob("*.ckpt"))
        data = bytearray(entry.read_bytes())
        data[40:45] = b"VALUE"  # same length; then forge the unkeyed checksum
        struct.pack_into("<Q", data, 32, xxhash.xxh3_64_intdigest(bytes(data[40:45])))
        entry.write_bytes(bytes(data))
        with pytest.raises(CorruptEntryError, match="HMAC signature mismatch"):
            Store(tmp_path, hmac_key=b"secret").load(FID, KEY)

    def test_signed_entry_readable_without_key(self, tmp_path):
        """Without a key, signed entries still verify by checksum."""
        _save(Store(tmp_path, hmac_key=b"secret"))
        assert b"value" == Store(tmp_path).load(FID, KEY)

    def test_decorator_treats_unsigned_as_miss(self, tmp_path, monkeypatch):
        """@checkpoint with CHECKPOINTING_HMAC_KEY never loads a planted unsigned entry."""
        calls = CallLog()
        f = _make(tmp_path, calls)
        assert 2 == f(1)
        _plant(tmp_path, f.key(1), "planted")
        # Control: without a key, the planted entry verifies by checksum and loads.
        assert "planted" == _make(tmp_path, calls)(1)
        assert [1] == calls
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "secret")
        with pytest.warns(
            CheckpointingWarning, match="unsigned entry, and an HMAC key is set"
        ):
            assert 2 == f(1)
        assert [1, 1] == calls  # the body ran
        assert 2 == _make(tmp_path, calls)(1)  # now signed: a hit
        assert [1, 1] == calls

    def test_decorator_never_loads_an_entry_signed_under_another_key(
        self, tmp_path, monkeypatch
    ):
        """@checkpoint with CHECKPOINTING_HMAC_KEY recomputes over another key's entry."""
        calls = CallLog()
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "secret")
        f = _make(tmp_path, calls)
        assert 2 == f(1)
        _plant(tmp_path, f.key(1), "planted", hmac_key=b"attacker")
        monkeypatch.delenv("CHECKPOINTING_HMAC_KEY")
        # Control: without a key, the planted entry verifies by checksum and loads.
        assert "planted" == _make(tmp_path, calls)(1)
        assert [1] == calls
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "secret")
        with pytest.warns(CheckpointingWarning, match="HMAC signature mismatch"):
            assert 2 == f(1)
        assert [1, 1] == calls  # the body ran
        assert 2 == _make(tmp_path, calls)(1)  # signed under "secret" again: a hit
        assert [1, 1] == calls


class TestSymlinks:
    @posix_only
    def test_symlinked_function_directory_is_not_written_through(self, tmp_path):
        """A symbolic link inside the store is never written through."""
        root = tmp_path / "cache"
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        root.mkdir(mode=0o700)
        (root / FID).symlink_to(elsewhere)
        with pytest.raises(StoreError, match="symbolic link"):
            _save(Store(root))
        assert [] == list(elsewhere.iterdir())

    @posix_only
    def test_symlinked_root_is_allowed(self, tmp_path):
        """The cache root itself may be a link (e.g. to a larger disk)."""
        target = tmp_path / "disk"
        target.mkdir(mode=0o700)
        root = tmp_path / "cache"
        root.symlink_to(target)
        _save(Store(root))
        assert b"value" == Store(root).load(FID, KEY)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_every_directory_created_by_a_miss_is_owner_only(tmp_path):
    """Root, function directory, locks and result-file folders: 0700; tag written."""
    import stat

    from checkpointing import checkpoint

    root = tmp_path / "new" / "cache"

    @checkpoint(directory=root, serializer="text")
    def f():
        return "x"

    f()
    assert (root / "CACHEDIR.TAG").is_file()
    directories = [root, *(p for p in root.rglob("*") if p.is_dir())]
    assert len(directories) >= 4  # root, function, .files, .locks/...
    for directory in directories:
        assert 0o700 == stat.S_IMODE(directory.stat().st_mode), directory
