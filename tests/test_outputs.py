"""Results stored as files: ``serializer=`` formats, ``pickler=``, ``outputs=``."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import json
import string
import warnings

import pytest

from checkpointing import (
    CacheReadWarning,
    ConfigurationError,
    LossySerializationWarning,
    Store,
    StoreWriteWarning,
    checkpoint,
)

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


class CallLog(list):
    """A call log with a constant digest, so appending keeps the fingerprint."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


def _files(tmp_path, pattern="*"):
    return sorted(
        p.relative_to(tmp_path).as_posix()
        for p in tmp_path.rglob(pattern)
        if p.is_file() and ".quarantine" not in p.parts and not p.name.startswith(".")
    )


class TestSingleFile:
    def test_numpy_result_is_an_npy_file_a_person_can_open(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path, serializer="numpy", key=string.Template("w$n"))
        def weights(n):
            calls.append(n)
            return np.arange(n, dtype=np.float32)

        np.testing.assert_array_equal(np.arange(4, dtype=np.float32), weights(4))
        hit = weights(4)
        assert [4] == calls
        assert np.float32 == hit.dtype
        stored = list(tmp_path.rglob("*.npy"))
        assert ["value.npy"] == [p.name for p in stored]
        assert "w4.files" == stored[0].parent.name
        np.testing.assert_array_equal(hit, np.load(stored[0]))  # plain numpy reads it

    def test_numpy_mmap_hit(self, tmp_path):
        @checkpoint(directory=tmp_path, serializer="numpy", mmap_mode="r")
        def big():
            return np.ones((1000, 100))

        big()
        hit = big()
        assert isinstance(hit, np.memmap)
        assert not hit.flags.writeable

    def test_serializer_change_reruns(self, tmp_path, load_module):
        source = (
            "from checkpointing import checkpoint\n"
            "import numpy as np\n"
            "@checkpoint(directory={d!r}, serializer={s!r})\n"
            "def f():\n"
            "    return np.arange(3)\n"
        )
        v0 = load_module(source.format(d=str(tmp_path), s="numpy"), name="fmt_mod")
        k0 = v0.f.key()
        v1 = load_module(source.format(d=str(tmp_path), s="pickle"), name="fmt_mod")
        assert k0 != v1.f.key()

    def test_json_lossy_value_warns_at_save(self, tmp_path):
        @checkpoint(directory=tmp_path, serializer="json")
        def summary():
            return {"pair": (1, 2)}

        with pytest.warns(LossySerializationWarning, match="list"):
            assert {"pair": (1, 2)} == summary()
        assert {"pair": [1, 2]} == summary()  # what the JSON file holds
        stored = next(tmp_path.rglob("value.json"))
        assert {"pair": [1, 2]} == json.loads(stored.read_text("utf-8"))

    def test_value_the_format_cannot_store_is_returned_and_not_stored(self, tmp_path):
        @checkpoint(directory=tmp_path, serializer="numpy")
        def not_an_array():
            return {"a": 1}

        with pytest.warns(StoreWriteWarning):
            assert {"a": 1} == not_an_array()
        assert [] == _files(tmp_path, "*.ckpt")

    def test_text(self, tmp_path):
        @checkpoint(directory=tmp_path, serializer="text")
        def report(n):
            return "line\n" * n

        report(2)
        assert "line\nline\n" == report(2)
        assert "line\nline\n" == next(tmp_path.rglob("value.txt")).read_text("utf-8")

    def test_unknown_serializer_name(self):
        with pytest.raises(ConfigurationError, match="serializer="):
            checkpoint(serializer="hdf5")(lambda: 1)


class TestPicklerForm:
    def test_savetxt_loadtxt(self, tmp_path):
        calls = CallLog()

        @checkpoint(
            directory=tmp_path,
            pickler=lambda value, file: np.savetxt(file, value),
            unpickler=lambda file: np.loadtxt(file),
        )
        def table():
            calls.append(1)
            return np.eye(3)

        table()
        np.testing.assert_array_equal(np.eye(3), table())
        assert 1 == len(calls)
        stored = next(p for p in tmp_path.rglob("value*") if p.is_file())
        assert "1.0" in stored.read_text()  # a text file, as savetxt writes it

    def test_pickler_needs_unpickler(self):
        with pytest.raises(ConfigurationError, match="go together"):
            checkpoint(pickler=lambda v, f: None)(lambda: 1)

    def test_pickler_code_is_part_of_the_fingerprint(self, tmp_path):
        def make(scale):
            @checkpoint(
                directory=tmp_path,
                pickler=lambda value, file: np.save(file, value * scale),
                unpickler=np.load,
            )
            def f():
                return np.ones(2)

            return f

        assert make(1).key() != make(2).key()


class TestOutputs:
    def _pipeline(self, tmp_path, calls, **options):
        @checkpoint(
            directory=tmp_path,
            outputs=("dataset", "metrics"),
            serializer={"dataset": "pandas", "metrics": "json"},
            **options,
        )
        def prepare(n):
            calls.append(n)
            frame = pd.DataFrame({"x": np.arange(n), "y": np.arange(n) * 0.5})
            return frame, {"rows": n}

        return prepare

    def test_each_output_is_its_own_file(self, tmp_path):
        calls = CallLog()
        prepare = self._pipeline(tmp_path, calls)
        frame, _metrics = prepare(4)
        hit = prepare(4)
        assert [4] == calls
        assert isinstance(hit, tuple)
        pd.testing.assert_frame_equal(frame, hit[0])
        assert {"rows": 4} == hit[1]
        names = sorted(
            p.name for p in tmp_path.rglob("*") if p.parent.name.endswith(".files")
        )
        assert ["dataset.parquet", "metrics.json"] == names
        manifest = json.loads(next(tmp_path.rglob("*.json")).read_text("utf-8"))
        assert {"dataset": "dataset.parquet", "metrics": "metrics.json"} == manifest[
            "outputs"
        ]

    def test_wrong_shape_of_result_is_returned_not_stored(self, tmp_path):
        @checkpoint(directory=tmp_path, outputs=("a", "b"))
        def one():
            return 1

        with pytest.warns(StoreWriteWarning, match="tuple of 2"):
            assert 1 == one()

    def test_sequence_of_serializers(self, tmp_path):
        @checkpoint(
            directory=tmp_path, outputs=("arr", "note"), serializer=["numpy", "text"]
        )
        def f():
            return np.arange(3), "done"

        f()
        arr, note = f()
        np.testing.assert_array_equal(np.arange(3), arr)
        assert "done" == note

    def test_default_serializer_per_output_is_pickle(self, tmp_path):
        @checkpoint(directory=tmp_path, outputs=("a", "b"))
        def f():
            return {1, 2}, [3]

        f()
        assert ({1, 2}, [3]) == f()
        assert ["a.pkl", "b.pkl"] == sorted(p.name for p in tmp_path.rglob("*.pkl"))

    @pytest.mark.parametrize(
        ("options", "match"),
        [
            ({"outputs": "ab"}, "non-empty tuple"),
            ({"outputs": ("a", "a")}, "repeat"),
            ({"outputs": ("a b",)}, "identifiers"),
            ({"outputs": ("a",), "serializer": {"b": "json"}}, "not in outputs"),
            ({"outputs": ("a", "b"), "serializer": ["json"]}, "1 serializers for 2"),
            ({"serializer": ["json", "text"]}, "outputs="),
            ({"serializer": "numpy", "compress": "zstd"}, "compress="),
        ],
    )
    def test_bad_combinations(self, options, match):
        with pytest.raises(ConfigurationError, match=match):
            checkpoint(**options)(lambda: 1)


class TestIntegrityOfFiles:
    def _stored(self, tmp_path, calls):
        @checkpoint(directory=tmp_path, serializer="numpy")
        def f():
            calls.append(1)
            return np.arange(1000, dtype=np.int64)

        f()
        return f, next(tmp_path.rglob("value.npy"))

    def test_flipped_byte_in_a_result_file_is_recomputed(self, tmp_path):
        calls = CallLog()
        f, path = self._stored(tmp_path, calls)
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
        with pytest.warns(CacheReadWarning, match="checksum"):
            np.testing.assert_array_equal(np.arange(1000), f())
        assert 2 == len(calls)
        assert list(tmp_path.rglob(".quarantine/*"))  # moved aside, not deleted

    def test_missing_result_file_is_recomputed(self, tmp_path):
        calls = CallLog()
        f, path = self._stored(tmp_path, calls)
        path.unlink()
        with pytest.warns(CacheReadWarning, match="missing"):
            f()
        assert 2 == len(calls)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            f()
        assert 2 == len(calls)

    def test_truncated_result_file_is_recomputed(self, tmp_path):
        calls = CallLog()
        f, path = self._stored(tmp_path, calls)
        path.write_bytes(path.read_bytes()[:100])
        with pytest.warns(CacheReadWarning):
            f()
        assert 2 == len(calls)

    def test_clear_and_evict_remove_result_files(self, tmp_path):
        calls = CallLog()
        f, path = self._stored(tmp_path, calls)
        store = Store(tmp_path)
        file_size = path.stat().st_size
        assert store.size_bytes(f._function_id) > file_size
        evicted = store.evict(size_limit=0)
        assert 1 == len(evicted)
        assert evicted[0].size_bytes > file_size  # the result file counts
        assert [] == _files(tmp_path, "*.npy")
        f()
        assert 1 == f.clear()
        assert [] == _files(tmp_path, "*.npy")


class TestCli:
    def test_verify_checks_result_files(self, tmp_path, capsys):
        from checkpointing.cli import main

        @checkpoint(directory=tmp_path, serializer="numpy")
        def f():
            return np.arange(100)

        f()
        assert 0 == main(["verify", "--dir", str(tmp_path)])
        path = next(tmp_path.rglob("value.npy"))
        data = bytearray(path.read_bytes())
        data[-1] ^= 1
        path.write_bytes(bytes(data))
        capsys.readouterr()
        assert 0 != main(["verify", "--dir", str(tmp_path)])
        assert "checksum" in capsys.readouterr().out
