"""Fault injection: every storage failure returns the value, warns once, leaves nothing partial."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import errno
import os
import shutil

import pytest

from checkpointing import StoreWriteWarning, checkpoint
from checkpointing.store import _local as store_module


class Counter:
    """Counts calls; identified by a constant digest so it never changes the key."""

    def __init__(self) -> None:
        self.count = 0

    def __checkpoint_digest__(self) -> str:
        return "counter"


def _files(root) -> list[str]:
    return (
        sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []
    )


def _entries(root) -> list[str]:
    return [name for name in _files(root) if name.endswith((".ckpt", ".tmp"))]


@pytest.mark.parametrize(
    ("code", "label"),
    [
        (errno.ENOSPC, "disk full"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "permission"),
    ],
)
def test_write_errors_return_the_value(tmp_path, monkeypatch, code, label):
    """A write that fails midway: value returned, one StoreWriteWarning, no entry, no temp file."""
    counter = Counter()

    @checkpoint(directory=tmp_path)
    def f(x):
        counter.count += 1
        return [x] * 1000

    real_fdopen = os.fdopen

    class FailingFile:
        def __init__(self, fd, mode):
            self._file = real_fdopen(fd, mode)

        def write(self, data):
            self._file.write(
                bytes(memoryview(data)[:10])
            )  # a partial write, then the error
            raise OSError(code, os.strerror(code))

        def __getattr__(self, name):
            return getattr(self._file, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._file.close()

    monkeypatch.setattr(store_module.os, "fdopen", FailingFile)
    with pytest.warns(StoreWriteWarning, match="not stored") as caught:
        assert [1] * 1000 == f(1)
    assert 1 == len(caught), label
    assert [] == _entries(tmp_path)
    monkeypatch.undo()
    assert [1] * 1000 == f(1)  # the disk is back: computed again, stored
    assert f.is_cached(1)
    assert 2 == counter.count


def test_temp_file_creation_refused(tmp_path, monkeypatch):
    """mkstemp itself failing (no permission to create files) warns and returns the value."""

    @checkpoint(directory=tmp_path)
    def f(x):
        return x + 1

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(store_module.tempfile, "mkstemp", refuse)
    with pytest.warns(StoreWriteWarning):
        assert 2 == f(1)
    assert [] == _entries(tmp_path)


def test_rename_fails(tmp_path, monkeypatch):
    """os.replace failing removes the temp file: no entry, no leftovers."""

    @checkpoint(directory=tmp_path)
    def f(x):
        return x + 1

    def failing_replace(source, target):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(store_module, "_replace", failing_replace)
    with pytest.warns(StoreWriteWarning):
        assert 2 == f(1)
    assert [] == _entries(tmp_path)


def test_cache_directory_vanishes_during_the_call(tmp_path):
    """The cache directory deleted while the function runs: recreated, value stored."""
    root = tmp_path / "cache"

    @checkpoint(directory=root)
    def f(x):
        shutil.rmtree(root, ignore_errors=True)
        return x * 3

    assert 3 == f(1)  # first call creates nothing before the compute
    assert 6 == f(2)
    assert f.is_cached(2)


def test_cache_path_is_a_file(tmp_path):
    """A cache path that is a regular file: warning, value returned, the file untouched."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a directory")

    @checkpoint(directory=blocker)
    def f(x):
        return x + 1

    with pytest.warns(StoreWriteWarning):
        assert 2 == f(1)
    assert "not a directory" == blocker.read_text()


def test_raise_policy_raises_and_leaves_nothing(tmp_path, monkeypatch):
    """on_error='raise' surfaces the StoreError; still no partial files."""
    from checkpointing import StoreError

    @checkpoint(directory=tmp_path, on_error="raise")
    def f(x):
        return x + 1

    def failing_replace(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "_replace", failing_replace)
    with pytest.raises(StoreError, match="No space left"):
        f(1)
    assert [] == _entries(tmp_path)
