"""
``directory=`` and ``--dir`` as fsspec URLs, through the public API, on ``memory://``.

What a user of a URL store meets first: the decorator opens the store the URL
names (no local folder called ``s3:``), bad URLs and missing backends are
errors at decoration naming the extra to install, options never reach the
manifest, a signature mismatch is a miss that leaves the entry in place, and
a store with create-only publication keeps the first complete writer's entry
of a key. S3 itself (moto's server) is in ``tests/test_remote_s3.py``.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import itertools
import json
import os
import pickle
import warnings
from pathlib import Path

import pytest

from checkpointing import (
    MISSING,
    CacheReadWarning,
    ConfigurationError,
    SignatureMismatchError,
    Store,
    UnsignedStoreWarning,
    checkpoint,
)
from checkpointing.cli import main
from checkpointing.store import FsspecFileSystem
from checkpointing.store._open import is_url, open_store

from .strategies import make_manifest
from .test_decorator import CallLog

fsspec = pytest.importorskip("fsspec")

_ROOTS = itertools.count()
KEY = "0123456789abcdef" * 2


@pytest.fixture
def memory_url():
    """A fresh ``memory://`` root, removed afterwards."""
    memory = fsspec.filesystem("memory")
    root = f"/urls-{os.getpid()}-{next(_ROOTS)}"
    yield f"memory://{root}"
    if memory.exists(root):
        memory.rm(root, recursive=True)


def _objects(url: str) -> list[str]:
    memory = fsspec.filesystem("memory")
    root = url.removeprefix("memory://")
    return sorted(p.removeprefix(root + "/") for p in memory.find(root))


class TestDecoratorOnURLs:
    def test_memory_url_is_a_store_not_a_local_folder(self, memory_url, tmp_path):
        """directory='memory://…' stores there; nothing appears in the working directory."""
        calls = CallLog()

        @checkpoint(directory=memory_url)
        def double(x):
            calls.append(x)
            return 2 * x

        os.chdir(tmp_path)
        assert 4 == double(2)
        assert 4 == double(2)
        assert [2] == calls
        assert [] == list(tmp_path.iterdir())
        objects = _objects(memory_url)
        key = double.key(2)
        function_id = next(o for o in objects if o.endswith(".ckpt")).split("/")[0]
        assert f"{function_id}/{key}.ckpt" in objects
        assert f"{function_id}/{key}.json" in objects
        assert "CACHEDIR.TAG" in objects

    def test_memory_url_from_the_environment(self, memory_url, monkeypatch):
        """CHECKPOINTING_DIR may be a URL too."""
        monkeypatch.setenv("CHECKPOINTING_DIR", memory_url)
        calls = CallLog()

        @checkpoint
        def square(x):
            calls.append(x)
            return x * x

        assert 9 == square(3) == square(3)
        assert [3] == calls
        assert any(o.endswith(".ckpt") for o in _objects(memory_url))

    def test_file_url_is_a_local_store(self, tmp_path):
        """file:///path is the local store at that path (locks, memo and mmap kept)."""
        calls = CallLog()

        @checkpoint(directory=(tmp_path / "cache").as_uri())
        def inc(x):
            calls.append(x)
            return x + 1

        assert 2 == inc(1) == inc(1)
        assert [1] == calls
        assert list((tmp_path / "cache").rglob("*.ckpt"))

    def test_tiers_of_a_local_directory_and_a_url(self, memory_url, tmp_path):
        """A hit from the URL tier is copied into the local tier, then served locally."""
        calls = CallLog()
        local = tmp_path / "local"

        def make():
            @checkpoint(directory=[str(local), memory_url])
            def cube(x):
                calls.append(x)
                return x**3

            return cube

        assert 8 == make()(2)
        fsspec.filesystem("memory")  # the remote has it
        assert any(o.endswith(".ckpt") for o in _objects(memory_url))
        for entry in local.rglob("*.ckpt"):
            entry.unlink()  # a fresh machine: empty local tier
        for manifest in local.rglob("*.json"):
            manifest.unlink()
        assert 8 == make()(2)  # from the URL tier, copied forward
        assert [2] == calls
        assert list(local.rglob("*.ckpt"))

    @pytest.mark.parametrize(
        ("url", "message"),
        [
            ("memory://bucket/../escape", "'..' segments"),
            ("memory://bucket/./x", "'.' or '..' segments"),
            ("nosuchprotocol://bucket/x", "knows no nosuchprotocol:// file system"),
            ("memory://", "names no bucket or path"),
        ],
    )
    def test_bad_urls_are_refused_at_decoration(self, url, message):
        """A URL that could escape its prefix, or names nothing, is an error at once."""
        with pytest.raises(ConfigurationError, match=message):

            @checkpoint(directory=url)
            def f(x):
                return x

    def test_missing_backend_names_the_extra(self):
        """gs:// without gcsfs: the error says which extra to install."""
        pytest.importorskip("fsspec")
        from importlib.util import find_spec

        if find_spec("gcsfs") is not None:
            pytest.skip("gcsfs is installed here")
        with pytest.raises(ConfigurationError, match=r"checkpointing\[gcs\]"):

            @checkpoint(directory="gs://bucket/prefix")
            def f(x):
                return x

    def test_missing_backend_in_a_tier_names_the_extra(self, tmp_path):
        from importlib.util import find_spec

        if find_spec("adlfs") is not None:
            pytest.skip("adlfs is installed here")
        with pytest.raises(ConfigurationError, match=r"checkpointing\[azure\]"):

            @checkpoint(directory=[str(tmp_path), "az://container/prefix"])
            def f(x):
                return x

    def test_storage_options_must_be_a_mapping(self):
        with pytest.raises(ConfigurationError, match="storage_options= must be a dict"):

            @checkpoint(directory="memory://x/y", storage_options=["endpoint"])
            def f(x):
                return x

    def test_storage_options_never_reach_the_manifest(self, memory_url):
        """Options (credentials) are given to fsspec, never written or shown."""
        secret = "hunter2-do-not-store"

        @checkpoint(directory=memory_url, storage_options={"secret_token": secret})
        def f(x):
            return x

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            f(1)
        memory = fsspec.filesystem("memory")
        root = memory_url.removeprefix("memory://")
        for path in memory.find(root):
            assert secret.encode() not in memory.cat_file(path), path
        assert all(secret not in str(w.message) for w in caught)

    def test_memory_url_is_not_warned_unsigned(self, memory_url):
        """memory:// lives in this process only: nobody else can plant entries."""

        @checkpoint(directory=memory_url)
        def f(x):
            return x

        with warnings.catch_warnings():
            warnings.simplefilter("error", UnsignedStoreWarning)
            assert 1 == f(1)


class TestURLHelpers:
    @pytest.mark.parametrize(
        ("location", "expected"),
        [
            ("s3://bucket/x", True),
            ("memory://x", True),
            ("file:///tmp/x", True),
            ("/tmp/x", False),
            ("relative/dir", False),
            ("C:\\cache", False),
            ("s3:", False),
            (Path("/tmp/x"), False),
        ],
    )
    def test_is_url(self, location, expected):
        assert expected == is_url(location)

    def test_file_url_with_a_host_is_refused(self):
        with pytest.raises(ConfigurationError, match="names a local path"):
            open_store("file://otherhost/cache")


def _save(store: Store, payload: bytes, *, key: str = KEY, name: str | None = None):
    manifest = make_manifest(key=key, function_id="pkg.f", name=name or "")
    return store.save(manifest, payload, {}, replace=False)


class TestCreateOnlyPublication:
    """memory:// has conditional creation: a miss's save keeps the first writer's entry."""

    def _store(self, url: str, hmac_key: bytes | None = None) -> Store:
        return open_store(url, hmac_key=hmac_key)

    def test_the_first_complete_writer_of_a_key_wins(self, memory_url):
        store = self._store(memory_url)
        assert store.filesystem.conditional_create
        _save(store, b"first")
        _save(store, b"second")  # another writer of the same key, later
        assert b"first" == bytes(store.load("pkg.f", KEY))

    def test_replace_overwrites(self, memory_url):
        """A forced recompute (refresh) replaces the entry."""
        store = self._store(memory_url)
        _save(store, b"first")
        manifest = make_manifest(key=KEY, function_id="pkg.f")
        store.save(manifest, b"second", {}, replace=True)
        assert b"second" == bytes(store.load("pkg.f", KEY))

    def test_an_entry_of_another_key_is_replaced(self, memory_url):
        """A named entry is rewritten when its code changes (a new key, same name)."""
        store = self._store(memory_url)
        other = "fedcba9876543210" * 2
        _save(store, b"old code", key=other, name="result")
        _save(store, b"new code", key=KEY, name="result")
        assert b"new code" == bytes(store.load("pkg.f", "result", key=KEY))
        assert KEY == store.manifest("pkg.f", "result").key

    def test_an_entry_under_another_hmac_key_is_replaced(self, memory_url):
        """Not verifiable with this key: replaced by this writer's signed entry."""
        _save(self._store(memory_url, b"other key"), b"theirs")
        mine = self._store(memory_url, b"my key")
        with pytest.raises(SignatureMismatchError):
            mine.load("pkg.f", KEY)
        _save(mine, b"mine")
        assert b"mine" == bytes(mine.load("pkg.f", KEY))

    def test_a_damaged_entry_is_replaced(self, memory_url):
        store = self._store(memory_url)
        _save(store, b"first")
        memory = fsspec.filesystem("memory")
        entry = next(
            p for p in memory.find(store.filesystem.root) if p.endswith(".ckpt")
        )
        data = bytearray(memory.cat_file(entry))
        data[-1] ^= 0xFF
        memory.pipe_file(entry, bytes(data))
        _save(store, b"second")
        assert b"second" == bytes(store.load("pkg.f", KEY))

    def test_decorator_refresh_replaces_on_a_create_only_store(self, memory_url):
        """refresh=True on a store that keeps the first writer must still overwrite."""
        calls = CallLog()

        @checkpoint(directory=memory_url)
        def draw():
            calls.append(1)
            return len(calls)

        assert 1 == draw()
        assert 2 == draw.using(refresh=True)()
        assert 2 == draw()  # the refreshed value, not the first

    def test_decorator_max_age_replaces_an_expired_entry(self, memory_url):
        """An expired entry is replaced (else it would expire again at every call)."""
        calls = CallLog()

        @checkpoint(directory=memory_url, max_age=0)
        def draw():
            calls.append(1)
            return len(calls)

        assert 1 == draw()
        assert 2 == draw()  # expired at once: recomputed and replaced
        store = open_store(memory_url)
        (function_id,) = store.function_ids()
        payload = store.load(function_id, draw.key())
        assert 2 == pickle.loads(bytes(payload))


class TestSignatureMismatch:
    """A wrong HMAC key is a miss with a warning, never a quarantine."""

    def test_decorator_leaves_another_keys_entry_in_place(self, tmp_path, monkeypatch):
        calls = CallLog()

        def make():
            @checkpoint(directory=str(tmp_path))
            def f(x):
                calls.append(x)
                return x + 1

            return f

        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "team key")
        assert 2 == make()(1)
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "a wrong key")
        with pytest.warns(
            CacheReadWarning, match="not signed with this process's HMAC"
        ):
            assert 2 == make()(1)
        assert [1, 1] == calls
        assert not (tmp_path / ".quarantine").exists() or not any(
            (tmp_path / ".quarantine").rglob("*.ckpt")
        )

    def test_tiers_skip_a_mismatched_copy_without_quarantine(self, tmp_path):
        from checkpointing.store import TieredStore

        fast, slow = tmp_path / "fast", tmp_path / "slow"
        _save_local = Store(fast, hmac_key=b"other")
        manifest = make_manifest(key=KEY, function_id="pkg.f")
        _save_local.save(manifest, b"planted", {})
        Store(slow, hmac_key=b"mine").save(manifest, b"good", {})
        tiers = TieredStore(
            [Store(fast, hmac_key=b"mine"), Store(slow, hmac_key=b"mine")]
        )
        assert b"good" == bytes(tiers.load("pkg.f", KEY))
        assert not (fast / ".quarantine").exists()

    def test_unsigned_entry_with_a_key_set_is_a_mismatch(self, tmp_path):
        manifest = make_manifest(key=KEY, function_id="pkg.f")
        Store(tmp_path).save(manifest, b"unsigned", {})
        with pytest.raises(SignatureMismatchError, match="unsigned entry"):
            Store(tmp_path, hmac_key=b"k").load("pkg.f", KEY)
        assert MISSING is not Store(tmp_path).load("pkg.f", KEY)


class TestCLIOnURLs:
    def test_list_and_verify_on_a_memory_url(self, memory_url, capsys):
        """--dir takes a URL; commands run in this process see the same memory."""

        @checkpoint(directory=memory_url)
        def f(x):
            return x

        f(1)
        f(2)
        assert 0 == main(["list", "--json", "--dir", memory_url])
        listed = json.loads(capsys.readouterr().out)
        assert 2 == len(listed)
        assert 0 == main(["verify", "--dir", memory_url])
        assert "2 ok" in capsys.readouterr().out

    def test_missing_url_store_is_an_error(self, memory_url, capsys):
        assert 0 != main(["list", "--dir", memory_url + "-nothing-here"])
        assert "no cache at memory://" in capsys.readouterr().err

    def test_storage_option_is_parsed(self, memory_url, capsys):
        @checkpoint(directory=memory_url)
        def f(x):
            return x

        f(1)
        assert 0 == main(
            ["list", "--dir", memory_url, "--storage-option", "unused_flag=true"]
        )

    def test_storage_option_needs_name_and_value(self, capsys):
        with pytest.raises(SystemExit):
            main(["list", "--storage-option", "novalue"])
        assert "expected NAME=VALUE" in capsys.readouterr().err


def test_fsspec_filesystem_over_memory_has_conditional_create():
    fs = FsspecFileSystem(fsspec.filesystem("memory"), "/x")
    assert fs.conditional_create
    assert not FsspecFileSystem(fsspec.filesystem("file"), "/tmp").conditional_create


def test_prune_evicts_a_url_store_only_when_asked(memory_url, tmp_path, capsys):
    """Tiers [local, URL]: size_limit= evicts the local tier; prune --dir URL the remote."""
    calls = CallLog()

    @checkpoint(directory=[str(tmp_path / "local"), memory_url], size_limit=0)
    def f(x):
        calls.append(x)
        return x

    f(1)
    f(2)
    # The first write evicts the local tier (at most every 30 s: f(2) stays).
    assert 1 >= len(list((tmp_path / "local").rglob("*.ckpt")))
    remote = open_store(memory_url)
    (function_id,) = remote.function_ids()
    assert 2 == len(remote.entry_names(function_id))  # the remote keeps both
    assert 1 == f(1)  # a hit from the remote tier
    assert [1, 2] == calls
    assert 0 == main(["prune", "--max-size", "0", "--dir", memory_url])
    assert [] == open_store(memory_url).entry_names(function_id)


def test_a_miss_reads_only_the_newest_manifests_without_a_catalog(memory_url):
    """No catalog file on object stores: a miss's explanation reads <= 32 manifests."""
    store = open_store(memory_url)
    keys = [f"{i:032x}" for i in range(40)]
    for key in keys:
        store.save(make_manifest(key=key, function_id="pkg.f"), b"v", {})
    memory = fsspec.filesystem("memory")
    reads: list[str] = []
    original = memory.cat_file

    def counting_cat_file(path, *args, **kwargs):
        reads.append(path)
        return original(path, *args, **kwargs)

    memory.cat_file = counting_cat_file
    try:
        nearest = store.nearest_manifests("pkg.f", "a" * 32, "b" * 32)
    finally:
        del memory.cat_file
    assert 32 == len(nearest)
    assert 32 == len([r for r in reads if r.endswith(".json")])
    assert set(keys[-32:]) == {m.key for m in nearest}  # the newest ones


def test_a_url_mangled_by_pathlib_is_refused(tmp_path, monkeypatch):
    """Path("s3://bucket/x") is "s3:/bucket/x": never a local folder named "s3:"."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match="pass the URL as a str"):

        @checkpoint(directory=Path("s3://bucket/prefix"))
        def f(x):
            return x

    assert [] == list(tmp_path.iterdir())
    # A Windows drive or an ordinary relative path is not a URL.
    for fine in ("C:/cache", "cache:/x", "./s3-cache"):

        @checkpoint(directory=fine)
        def g(x):
            return x


def test_a_mangled_url_in_the_environment_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHECKPOINTING_DIR", "s3:/bucket/prefix")

    @checkpoint
    def f(x):
        return x

    with pytest.raises(ConfigurationError, match="looks like a URL"):
        f(1)
    assert [] == list(tmp_path.iterdir())


def test_scan_reads_a_url_store(memory_url):
    """checkpointing.scan("memory://…") lists the remote entries (it returned [] before)."""
    from checkpointing import scan

    @checkpoint(directory=memory_url)
    def f(x):
        return x

    f(1)
    f(2)
    records = scan(memory_url, storage_options={})
    assert 2 == len(records)
    assert all(r.location.startswith("memory://") for r in records)
