"""``checkpointing.scan``: browsing a cache directory."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import datetime
import string

import pytest

from checkpointing import EntryRecord, checkpoint, scan


def _fill(tmp_path):
    @checkpoint(directory=tmp_path)
    def train(lr, epochs=3):
        return lr * epochs

    @checkpoint(directory=tmp_path, key=string.Template("features_$n"))
    def features(n):
        return list(range(n))

    train(0.1)
    train(0.5, epochs=10)
    features(4)
    return train, features


class TestScan:
    def test_records_have_arguments_function_sizes_and_times(self, tmp_path):
        _fill(tmp_path)
        records = scan(tmp_path)
        assert 3 == len(records)
        assert all(isinstance(r, EntryRecord) for r in records)
        by_args = {tuple(r.arguments.items()): r for r in records}
        first = by_args[(("lr", "0.1"), ("epochs", "3"))]
        assert first.function.endswith("train")
        assert first.size_bytes > 0
        assert first.created_at.tzinfo is datetime.timezone.utc
        assert first.path.is_file()
        assert "pickle" == first.serializer
        named = [r for r in records if r.name == "features_4"]
        assert 1 == len(named)
        assert {"n": "4"} == dict(named[0].arguments)
        assert [r.created_at for r in records] == sorted(r.created_at for r in records)

    def test_function_filter(self, tmp_path):
        _fill(tmp_path)
        assert 2 == len(scan(tmp_path, function="train"))
        assert 1 == len(scan(tmp_path, function="*features"))
        assert [] == scan(tmp_path, function="nothing")

    def test_default_directory_is_the_decorators(self, cache_dir):
        @checkpoint
        def f(x):
            return x

        f(1)
        assert 1 == len(scan())

    def test_empty_or_missing_directory(self, tmp_path):
        assert [] == scan(tmp_path / "nope")

    def test_data_frame(self, tmp_path):
        pd = pytest.importorskip("pandas")
        _fill(tmp_path)
        frame = scan(tmp_path, as_frame=True)
        assert isinstance(frame, pd.DataFrame)
        assert 3 == len(frame)
        assert {"arg:lr", "arg:epochs", "arg:n", "function", "size_bytes"} <= set(
            frame.columns
        )
        empty = scan(tmp_path / "nope", as_frame=True)
        assert 0 == len(empty)
        assert "function" in empty.columns

    def test_result_files_report_their_size(self, tmp_path):
        pytest.importorskip("numpy")
        import numpy as np

        @checkpoint(directory=tmp_path, serializer="numpy")
        def f():
            return np.zeros(1000)

        f()
        (record,) = scan(tmp_path)
        assert record.size_bytes >= 8000
        assert {"value": "value.npy"} == dict(record.outputs)
