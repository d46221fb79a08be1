"""
The documented examples of the five seed systems, run as their users wrote them.

Each test writes one seed example, translated to this library's API only where
names differ (``work_dir=`` is ``directory=``, ``@make(cachedir=...)`` is
``@checkpoint(directory=...)``, ...), as a script in a fresh working
directory; runs it as a real ``python -W error`` process with no
``CHECKPOINTING_*`` variable; runs it again; and asserts from the output that
the first run computed (the function body prints a ``RUN`` line) and the
second run did not, with the same results. Where a seed shows files a person
can open, the files are read back from the cache directory. Where it shows a
refresh or a rerun, the call recomputes.

The seeds: ediblepickle (``key=string.Template``, ``pickler=``/``unpickler=``,
``work_dir=``, ``refresh=``), the older ``checkpointing`` package
(``@checkpoint()``, ``defaults``, ``rerun``), joblib's ``make`` (pickle and
numpy output persisters), neurotools' ``disk_cacher`` (npy files, subroutine
hashes, hierarchical caches, ``scan_cachedir``) and curifactory's per-output
cachers (JSON, pandas CSV/JSON, pickle, metadata, ``Lazy``).
``docs/migrating.md`` shows each example next to its translation.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .harness import run_user

MARKER = "RUN "


def write_script(directory: Path, name: str, source: str) -> Path:
    """Write *source* (dedented) as the file *name* in *directory*."""
    path = directory / name
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


def run(directory: Path, script: str, *args: str) -> list[str]:
    """Run ``python -W error script args`` in *directory*; return its output lines."""
    return run_user([script, *args], cwd=directory).stdout.splitlines()


def runs(lines: list[str]) -> list[str]:
    """The lines a function body printed: what was computed."""
    return [line for line in lines if line.startswith(MARKER)]


def results(lines: list[str]) -> list[str]:
    """The lines that are not body markers: what the script printed as results."""
    return [line for line in lines if not line.startswith(MARKER)]


def only_files(directory: Path) -> list[str]:
    """Relative paths of the files under *directory*, hidden store files left out."""
    return sorted(
        path.relative_to(directory).as_posix()
        for path in directory.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.parts)
    )


def manifest(entry: Path) -> dict[str, Any]:
    """The manifest JSON beside an entry file ``<name>.ckpt``."""
    data = json.loads(entry.with_suffix(".json").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------
# ediblepickle


class TestEdiblepickle:
    """ediblepickle's README: key templates, work_dir, picklers, refresh."""

    def test_template_key_work_dir_and_refresh(self, tmp_path: Path):
        """The first example: a readable name in work_dir; refresh=True recomputes."""
        work_dir = tmp_path / "intermediate_results"
        source = """
            import string
            import time

            from checkpointing import checkpoint


            # A checkpointed expensive function
            @checkpoint(
                key=string.Template('m{0}_n{1}_${iterations}_$stride.csv'),
                directory=WORK_DIR,
                refresh=REFRESH,
            )
            def expensive_computation(m, n, iterations=4, stride=1):
                print("RUN expensive_computation", m, n, iterations, stride)
                for i in range(iterations):
                    time.sleep(0.001)
                return range(m, n, stride)


            # First call, evaluates the function and saves the results
            begin = time.time()
            print(expensive_computation(-100, 200, iterations=4, stride=2))
            time_taken = time.time() - begin

            # Second call
            begin = time.time()
            print(expensive_computation(-100, 200, iterations=4, stride=2))
            time_taken = time.time() - begin
        """
        source = source.replace("WORK_DIR", repr(str(work_dir)))
        write_script(tmp_path, "example.py", source.replace("REFRESH", "True"))
        first = run(tmp_path, "example.py")
        second = run(tmp_path, "example.py")

        # refresh=True: every call recomputes, and stores its result.
        computed = "RUN expensive_computation -100 200 4 2"
        assert runs(first) == [computed, computed]
        assert runs(second) == [computed, computed]
        assert results(first) == results(second) == ["range(-100, 200, 2)"] * 2
        entry = work_dir / "__main__.expensive_computation" / "m-100_n200_4_2.csv.ckpt"
        assert entry.is_file()
        assert manifest(entry)["reason"]["cause"] == "forced rerun"
        assert not (tmp_path / ".checkpointing").exists()  # work_dir, not the default

        # refresh=False: the stored result is loaded, from the same file.
        write_script(tmp_path, "example.py", source.replace("REFRESH", "False"))
        third = run(tmp_path, "example.py")
        assert runs(third) == []
        assert results(first) == results(third)

    def test_text_pickler_and_unpickler(self, tmp_path: Path):
        """The pickler example: a human-readable file, read back by the unpickler."""
        write_script(
            tmp_path,
            "example.py",
            """
            import string
            import time

            from checkpointing import checkpoint


            def my_pickler(integers, f):
                print(integers)
                for i in integers:
                    f.write(str(i))
                    f.write('\\n')


            def my_unpickler(f):
                return f.read().split('\\n')


            @checkpoint(key=string.Template('m{0}_n{1}_${iterations}_$stride.csv'),
                        pickler=my_pickler,
                        unpickler=my_unpickler,
                        pickler_mode="text",
                        refresh=False)
            def expensive_computation(m, n, iterations=4, stride=1):
                print("RUN expensive_computation")
                for i in range(iterations):
                    time.sleep(0.001)
                return range(m, n, stride)


            begin = time.time()
            print(expensive_computation(-100, 200, iterations=4, stride=2))
            time_taken = time.time() - begin

            begin = time.time()
            print(expensive_computation(-100, 200, iterations=4, stride=2))
            time_taken = time.time() - begin
            """,
        )
        first = run(tmp_path, "example.py")
        second = run(tmp_path, "example.py")

        stored = [str(i) for i in range(-100, 200, 2)] + [""]  # split after the last \n
        assert runs(first) == ["RUN expensive_computation"]
        # The pickler prints what it writes; the first call returns the range,
        # the second what the unpickler read back.
        assert results(first) == [
            "range(-100, 200, 2)",
            "range(-100, 200, 2)",
            str(stored),
        ]
        assert runs(second) == []
        assert results(second) == [str(stored)] * 2
        folder = tmp_path / ".checkpointing" / "__main__.expensive_computation"
        value = folder / "m-100_n200_4_2.csv.files" / "value"
        assert value.read_text("utf-8") == "\n".join(stored)

    def test_text_pickler_without_the_mode_still_returns_the_result(
        self, tmp_path: Path
    ):
        """As written for Python 2 (no pickler_mode): returned, not stored, and told why."""
        write_script(
            tmp_path,
            "example.py",
            """
            import string
            import warnings

            from checkpointing import checkpoint


            def my_pickler(integers, f):
                for i in integers:
                    f.write(str(i))
                    f.write('\\n')


            def my_unpickler(f):
                return f.read().split('\\n')


            @checkpoint(key=string.Template('m{0}_n{1}_${iterations}_$stride.csv'),
                        pickler=my_pickler,
                        unpickler=my_unpickler,
                        refresh=False)
            def expensive_computation(m, n, iterations=4, stride=1):
                print("RUN expensive_computation")
                return range(m, n, stride)


            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                print(expensive_computation(-100, 200, iterations=4, stride=2))
            for warning in caught:
                print(warning.category.__name__, warning.message)
            """,
        )
        first = run(tmp_path, "example.py")
        second = run(tmp_path, "example.py")
        for lines in (first, second):  # never stored, so computed each time
            assert runs(lines) == ["RUN expensive_computation"]
            result, warning = results(lines)
            assert result == "range(-100, 200, 2)"
            assert warning.startswith("StoreWriteWarning")
            assert "pass pickler_mode='text'" in warning

    def test_key_strings_templates_lambdas_and_functions(self, tmp_path: Path):
        """The four key forms name the files as the README says."""
        write_script(
            tmp_path,
            "keys.py",
            """
            import string

            from checkpointing import checkpoint


            @checkpoint(key=string.Template('{0}_bvalue_{1}_${arg3}_${arg4}_output.txt'))
            def f(a, b, arg3=8, arg4='subtract'):
                print("RUN f", a, b, arg3, arg4)
                # do something with the args
                result = (a - b)/arg3
                return result


            @checkpoint(key=lambda args, kwargs: '_'.join(map(str, [args[0], 'bvalue', args[1], kwargs['arg3'], kwargs['arg4'], 'output.txt'])))
            def g(a, b, arg3=8, arg4='subtract'):
                print("RUN g", a, b, arg3, arg4)
                result = (a - b)/arg3
                return result


            def key_namer(args, kwargs):
                return '_'.join(map(str, [args[0], 'bvalue', args[1], kwargs['arg3'], kwargs['arg4'], 'output.txt']))


            @checkpoint(key=key_namer)
            def h(a, b, arg3=8, arg4='subtract'):
                print("RUN h", a, b, arg3, arg4)
                result = (a - b)/arg3
                return result


            @checkpoint(key='constant_output.txt')
            def constant():
                print("RUN constant")
                return 42


            print(f(3, 4, arg3=19, arg4='add'))
            print(g(3, 4, arg3=19, arg4='add'))
            print(h(3, 4, arg3=19, arg4='add'))
            print(constant())
            """,  # noqa: E501
        )
        first = run(tmp_path, "keys.py")
        second = run(tmp_path, "keys.py")
        assert runs(first) == [
            "RUN f 3 4 19 add",
            "RUN g 3 4 19 add",
            "RUN h 3 4 19 add",
            "RUN constant",
        ]
        assert runs(second) == []
        expected = [str((3 - 4) / 19)] * 3 + ["42"]
        assert results(first) == results(second) == expected
        cache = tmp_path / ".checkpointing"
        for function in ("f", "g", "h"):
            entry = cache / f"__main__.{function}" / "3_bvalue_4_19_add_output.txt.ckpt"
            assert entry.is_file()
        assert (cache / "__main__.constant" / "constant_output.txt.ckpt").is_file()

    def test_refresh_function_reads_a_settings_module(self, tmp_path: Path):
        """Caveat 2: refresh=lambda: defs.REFRESH, set from the command line."""
        write_script(
            tmp_path,
            "defs.py",
            """
            REFRESH = False
            """,
        )
        write_script(
            tmp_path,
            "main.py",
            """
            import sys

            import defs
            from checkpointing import checkpoint


            @checkpoint(key='task1_output', refresh=lambda: defs.REFRESH)
            def task1(x1):
                print("RUN task1", x1)
                return [x1, x1 * 2]


            if sys.argv[1:] == ['refresh']:
                defs.REFRESH = True

            print(task1(21))
            """,
        )
        first = run(tmp_path, "main.py")
        second = run(tmp_path, "main.py")
        refreshed = run(tmp_path, "main.py", "refresh")
        after = run(tmp_path, "main.py")
        assert runs(first) == runs(refreshed) == ["RUN task1 21"]
        assert runs(second) == runs(after) == []
        assert results(first) == results(second) == results(refreshed) == ["[21, 42]"]


# --------------------------------------------------------------------------
# the older checkpointing package (Vopaaz)


class TestOlderCheckpointing:
    """The older ``checkpointing`` package's README, unchanged but for markers."""

    CALC = """
        from checkpointing import checkpoint

        @checkpoint()
        def calc(a, b):
            print(f"RUN calc is running for {a}, {b}")
            return a + b

        if __name__ == "__main__":
            result = calc(1, 2)
            print(f"result: {result}")
    """

    def test_readme_example(self, tmp_path: Path):
        """Cached in ./.checkpointing; new arguments and code edits rerun."""
        write_script(tmp_path, "calc.py", self.CALC)
        first = run(tmp_path, "calc.py")
        second = run(tmp_path, "calc.py")
        assert first == ["RUN calc is running for 1, 2", "result: 3"]
        assert second == ["result: 3"]
        assert (tmp_path / ".checkpointing" / "__main__.calc").is_dir()

        # "if it is passed with different arguments, e.g. calc(1, 3)"
        write_script(tmp_path, "calc.py", self.CALC.replace("calc(1, 2)", "calc(1, 3)"))
        assert run(tmp_path, "calc.py") == ["RUN calc is running for 1, 3", "result: 4"]

        # "if the code logic has changed, e.g. return a - b"
        write_script(tmp_path, "calc.py", self.CALC.replace("a + b", "a - b"))
        assert run(tmp_path, "calc.py") == [
            "RUN calc is running for 1, 2",
            "result: -1",
        ]

        # Back to the original code: its result is still stored.
        write_script(tmp_path, "calc.py", self.CALC)
        assert run(tmp_path, "calc.py") == ["result: 3"]

    def test_options(self, tmp_path: Path):
        """directory=, on_error= and cache_pickle_protocol= as the README shows them."""
        write_script(
            tmp_path,
            "options.py",
            """
            import pickle

            from checkpointing import checkpoint


            @checkpoint(directory="other_dir")
            def elsewhere():
                print("RUN elsewhere")
                return 0


            @checkpoint(on_error="raise")
            def strict():
                print("RUN strict")
                return 1


            @checkpoint(on_error="ignore")
            def lenient():
                print("RUN lenient")
                return 2


            @checkpoint(cache_pickle_protocol=pickle.DEFAULT_PROTOCOL)
            def protocol():
                print("RUN protocol")
                return 3


            print(elsewhere(), strict(), lenient(), protocol())
            """,
        )
        first = run(tmp_path, "options.py")
        second = run(tmp_path, "options.py")
        assert runs(first) == [
            "RUN elsewhere",
            "RUN strict",
            "RUN lenient",
            "RUN protocol",
        ]
        assert runs(second) == []
        assert results(first) == results(second) == ["0 1 2 3"]
        assert (tmp_path / "other_dir" / "__main__.elsewhere").is_dir()
        assert not (tmp_path / ".checkpointing" / "__main__.elsewhere").exists()
        assert (tmp_path / ".checkpointing" / "__main__.protocol").is_dir()

    def test_global_defaults(self, tmp_path: Path):
        """``defaults[...]`` set at the top of a script applies to every checkpoint."""
        write_script(
            tmp_path,
            "settings.py",
            """
            import pickle

            from checkpointing import checkpoint, defaults

            defaults["cache.filesystem.directory"] = "other_dir"
            defaults["checkpoint.on_error"] = "ignore"
            defaults["cache.pickle_protocol"] = pickle.DEFAULT_PROTOCOL


            @checkpoint()
            def foo():
                print("RUN foo")
                return 0


            print(foo())
            """,
        )
        first = run(tmp_path, "settings.py")
        second = run(tmp_path, "settings.py")
        assert first == ["RUN foo", "0"]
        assert second == ["0"]
        assert (tmp_path / "other_dir" / "__main__.foo").is_dir()
        assert not (tmp_path / ".checkpointing").exists()

    def test_rerun(self, tmp_path: Path):
        """``foo.rerun(arg)`` recomputes and overwrites; the next call is a hit on it."""
        write_script(
            tmp_path,
            "rerun.py",
            """
            import sys

            from checkpointing import checkpoint


            @checkpoint()
            def foo(arg):
                print("RUN foo", arg)
                return arg * 2


            if sys.argv[1:] == ["rerun"]:
                print(foo.rerun(5))
            else:
                print(foo(5))
            """,
        )
        first = run(tmp_path, "rerun.py")
        second = run(tmp_path, "rerun.py")
        rerun = run(tmp_path, "rerun.py", "rerun")
        after = run(tmp_path, "rerun.py")
        assert first == rerun == ["RUN foo 5", "10"]
        assert second == after == ["10"]
        (entry,) = (tmp_path / ".checkpointing" / "__main__.foo").glob("*.ckpt")
        assert manifest(entry)["reason"]["cause"] == "forced rerun"


# --------------------------------------------------------------------------
# joblib's make


class TestJoblibMake:
    """joblib's old ``make`` decorator: output persisters in a cache directory."""

    def test_pickle_output(self, tmp_path: Path):
        """PickleFile output: the same argument loads; another computes."""
        write_script(
            tmp_path,
            "make_pickle.py",
            """
            from checkpointing import checkpoint

            cachedir = "cachedir"


            @checkpoint(directory=cachedir, serializer="pickle")
            def f(x):
                print('RUN f(%s)' % x)
                return x


            print(f(1))
            print(f(1))
            print(f(2))
            print(f(1))  # make kept the last result only; every result is kept here
            """,
        )
        first = run(tmp_path, "make_pickle.py")
        second = run(tmp_path, "make_pickle.py")
        assert runs(first) == ["RUN f(1)", "RUN f(2)"]
        assert runs(second) == []
        assert results(first) == results(second) == ["1", "1", "2", "1"]
        entries = list((tmp_path / "cachedir" / "__main__.f").glob("*.ckpt"))
        assert len(entries) == 2

    def test_numpy_files(self, tmp_path: Path):
        """NumpyFile outputs: .npy files numpy reads; arrays from f feed g as hits."""
        np = pytest.importorskip("numpy")
        write_script(
            tmp_path,
            "make_numpy.py",
            """
            import numpy as np

            from checkpointing import checkpoint

            cachedir = "cachedir"


            @checkpoint(directory=cachedir, serializer="numpy")
            def f(x):
                print('RUN A long-running calculation, with parameter', x)
                return np.hamming(x)


            @checkpoint(directory=cachedir, serializer="numpy")
            def g(x):
                print('RUN A second long-running calculation, using f(x)')
                return np.vander(x)


            a = f(3)
            print(repr(a))
            print(repr(f(3)))
            b = g(a)
            b2 = g(a)
            print(repr(b2))
            print(np.allclose(b, b2))
            a2 = f(3)
            b3 = g(a2)
            print(np.allclose(b, b3))
            print(a2 is a, np.allclose(a2, a))
            """,
        )
        first = run(tmp_path, "make_numpy.py")
        second = run(tmp_path, "make_numpy.py")
        assert runs(first) == [
            "RUN A long-running calculation, with parameter 3",
            "RUN A second long-running calculation, using f(x)",
        ]
        assert runs(second) == []
        assert results(first) == results(second)
        assert results(first)[-3:] == ["True", "True", "False True"]

        cache = tmp_path / "cachedir"
        (f_file,) = (cache / "__main__.f").glob("*.files/value.npy")
        (g_file,) = (cache / "__main__.g").glob("*.files/value.npy")
        np.testing.assert_array_equal(np.hamming(3), np.load(f_file))
        np.testing.assert_array_equal(np.vander(np.hamming(3)), np.load(g_file))

    def test_changes_to_arrays_are_seen(self, tmp_path: Path):
        """make missed ``a *= 2`` between calls (a stale g); arguments are digested here."""
        pytest.importorskip("numpy")
        write_script(
            tmp_path,
            "make_mutation.py",
            """
            import numpy as np

            from checkpointing import checkpoint

            cachedir = "cachedir"


            @checkpoint(directory=cachedir, serializer="numpy")
            def f(x):
                return np.array(x)


            @checkpoint(directory=cachedir, serializer="numpy")
            def g(x):
                print("RUN g(%s)" % x)
                return x**2


            a = f([1])
            b = g(a)
            a *= 2
            b = g(a)
            print(repr(b))
            """,
        )
        first = run(tmp_path, "make_mutation.py")
        second = run(tmp_path, "make_mutation.py")
        assert runs(first) == ["RUN g([1])", "RUN g([2])"]
        assert runs(second) == []
        assert results(first) == results(second) == ["array([4])"]


# --------------------------------------------------------------------------
# neurotools.jobs.cache


class TestNeurotools:
    """neurotools' disk_cacher, hierarchical_cacher and scan_cachedir."""

    def test_disk_cacher_npy_and_scan(self, tmp_path: Path):
        """A curried npy decorator for several functions; scan() lists the calls."""
        np = pytest.importorskip("numpy")
        write_script(
            tmp_path,
            "neuro.py",
            """
            import numpy as np

            from checkpointing import checkpoint, scan

            # disk_cacher(cache_location, method='npy'): a decorator for many functions
            cached = checkpoint(directory="__neurotools_cache__", serializer="numpy")


            @cached
            def spectrum(n, scale=1.0):
                print("RUN spectrum", n, scale)
                return np.arange(n) * scale


            @cached
            def window(n):
                print("RUN window", n)
                return np.hanning(n)


            print(spectrum(4).tolist(), spectrum(3, scale=0.5).tolist(), window(3).tolist())

            # scan_cachedir(cachedir): one record per stored call, with its arguments
            for record in scan("__neurotools_cache__", function="spectrum"):
                print("scan", record.function, dict(record.arguments), record.serializer)
            """,
        )
        first = run(tmp_path, "neuro.py")
        second = run(tmp_path, "neuro.py")
        assert runs(first) == [
            "RUN spectrum 4 1.0",
            "RUN spectrum 3 0.5",
            "RUN window 3",
        ]
        assert runs(second) == []
        assert results(first)[0] == results(second)[0]
        # scan() lists oldest first; two calls may share a clock tick, so sort.
        assert (
            sorted(results(first)[1:])
            == sorted(results(second)[1:])
            == [
                "scan __main__.spectrum {'n': '3', 'scale': '0.5'} numpy",
                "scan __main__.spectrum {'n': '4', 'scale': '1.0'} numpy",
            ]
        )
        cache = tmp_path / "__neurotools_cache__"
        stored = sorted(
            np.load(path).tolist()
            for path in (cache / "__main__.spectrum").glob("*.files/value.npy")
        )
        assert stored == [[0.0, 0.5, 1.0], [0.0, 1.0, 2.0, 3.0]]
        (window_file,) = (cache / "__main__.window").glob("*.files/value.npy")
        np.testing.assert_array_equal(np.hanning(3), np.load(window_file))

    def test_edited_subroutine_reruns(self, tmp_path: Path):
        """function_hash_with_subroutines: an edit to a callee invalidates the caller."""
        pytest.importorskip("numpy")
        helpers = """
            import numpy as np


            def detrend(x):
                return x - np.mean(x)
        """
        write_script(tmp_path, "helpers.py", helpers)
        write_script(
            tmp_path,
            "analysis.py",
            """
            import numpy as np

            import helpers
            from checkpointing import checkpoint


            @checkpoint(directory="__neurotools_cache__", serializer="numpy")
            def power(x):
                print("RUN power")
                return helpers.detrend(np.asarray(x, dtype=float)) ** 2


            print(power([1, 2, 3]).tolist())
            """,
        )
        first = run(tmp_path, "analysis.py")
        second = run(tmp_path, "analysis.py")
        assert first == ["RUN power", "[1.0, 0.0, 1.0]"]
        assert second == ["[1.0, 0.0, 1.0]"]
        write_script(
            tmp_path, "helpers.py", helpers.replace("np.mean(x)", "np.median(x)")
        )
        assert run(tmp_path, "analysis.py") == ["RUN power", "[1.0, 0.0, 1.0]"]

    def test_hierarchical_cache(self, tmp_path: Path):
        """hierarchical_cacher(fast_to_slow): written to both; the slow tier refills the fast."""
        pytest.importorskip("numpy")
        write_script(
            tmp_path,
            "tiers.py",
            """
            import numpy as np

            from checkpointing import checkpoint

            fast_to_slow = ["fast_cache", "slow_cache"]


            @checkpoint(directory=fast_to_slow, serializer="numpy")
            def embed(n):
                print("RUN embed", n)
                return np.ones(n)


            print(embed(3).tolist())
            """,
        )
        first = run(tmp_path, "tiers.py")
        second = run(tmp_path, "tiers.py")
        assert first == ["RUN embed 3", "[1.0, 1.0, 1.0]"]
        assert second == ["[1.0, 1.0, 1.0]"]
        fast, slow = tmp_path / "fast_cache", tmp_path / "slow_cache"
        assert only_files(fast) == only_files(slow)
        assert any(name.endswith("value.npy") for name in only_files(slow))

        # A wiped fast tier (a new machine) is filled from the slow one.
        shutil.rmtree(fast)
        assert run(tmp_path, "tiers.py") == ["[1.0, 1.0, 1.0]"]
        assert only_files(fast) == only_files(slow)


# --------------------------------------------------------------------------
# curifactory


class TestCurifactory:
    """curifactory's per-output cachers, metadata and lazy outputs."""

    def test_per_output_cachers_and_metadata(self, tmp_path: Path):
        """One file per output in its own format, plus a metadata JSON per entry."""
        pd = pytest.importorskip("pandas")
        write_script(
            tmp_path,
            "stages.py",
            """
            import pandas as pd

            from checkpointing import checkpoint


            class Model:
                def __init__(self, weights):
                    self.weights = weights

                def __repr__(self):
                    return f"Model({self.weights})"


            # @stage(outputs=["dataset", "metrics_dictionary", "model"],
            #        cachers=[PandasJsonCacher, JsonCacher, PickleCacher])
            @checkpoint(
                outputs=("dataset", "metrics_dictionary", "model"),
                serializer=["pandas-json", "json", "pickle"],
            )
            def return_all_the_things(rows):
                print("RUN return_all_the_things", rows)
                dataset = pd.DataFrame({"x": list(range(rows)), "y": [i * 0.5 for i in range(rows)]})
                metrics = {"rows": rows, "mean_y": float(dataset["y"].mean())}
                model = Model([0.25, 0.75])
                return dataset, metrics, model


            # PandasCsvCacher
            @checkpoint(serializer="pandas-csv")
            def export(rows):
                print("RUN export", rows)
                return pd.DataFrame({"name": ["a", "b"][:rows], "score": [1, 2][:rows]})


            dataset, metrics, model = return_all_the_things(3)
            print(dataset.to_dict("list"), metrics, model)
            print(export(2).to_dict("list"))
            """,  # noqa: E501
        )
        first = run(tmp_path, "stages.py")
        second = run(tmp_path, "stages.py")
        assert runs(first) == ["RUN return_all_the_things 3", "RUN export 2"]
        assert runs(second) == []
        assert results(first) == results(second)

        folder = tmp_path / ".checkpointing" / "__main__.return_all_the_things"
        (entry,) = folder.glob("*.ckpt")
        files = entry.with_suffix(".files")
        assert sorted(p.name for p in files.iterdir()) == [
            "dataset.json",
            "metrics_dictionary.json",
            "model.pkl",
        ]
        metrics = json.loads((files / "metrics_dictionary.json").read_text("utf-8"))
        assert metrics == {"rows": 3, "mean_y": 0.5}
        table = json.loads((files / "dataset.json").read_text("utf-8"))
        assert table["data"][:1] == [{"index": 0, "x": 0, "y": 0.0}]
        # The metadata JSON beside the entry: call, arguments, formats, timing.
        meta = manifest(entry)
        assert meta["qualname"] == "return_all_the_things"
        assert meta["arguments"]["rows"]["summary"] == "3"
        assert meta["outputs"] == {
            "dataset": "dataset.json",
            "metrics_dictionary": "metrics_dictionary.json",
            "model": "model.pkl",
        }
        assert {"created_at", "compute_seconds", "library_version"} <= set(meta)

        (csv_file,) = (tmp_path / ".checkpointing" / "__main__.export").glob(
            "*.files/value.csv"
        )
        pd.testing.assert_frame_equal(
            pd.DataFrame({"name": ["a", "b"], "score": [1, 2]}),
            pd.read_csv(csv_file, index_col=0),
        )

    def test_a_model_class_of_the_script_hits_in_the_same_process(self, tmp_path: Path):
        """A stage returning an instance of the script's own class: the next call hits."""
        write_script(
            tmp_path,
            "model.py",
            """
            from checkpointing import checkpoint


            class Model:
                def __init__(self, weights):
                    self.weights = weights


            @checkpoint(outputs=("metrics", "model"), serializer=["json", "pickle"])
            def train(epochs):
                print("RUN train", epochs)
                return {"epochs": epochs}, Model([0.5] * epochs)


            train(2)
            train(2)
            """,
        )
        assert runs(run(tmp_path, "model.py")) == ["RUN train 2"]

    def test_lazy_outputs(self, tmp_path: Path):
        """Lazy("large-object"): a handle that loads from the cache when used."""
        pytest.importorskip("numpy")
        write_script(
            tmp_path,
            "lazy.py",
            """
            import numpy as np

            from checkpointing import checkpoint


            @checkpoint(outputs=("small_object", "large_object"), serializer=["json", "numpy"])
            def make_objects(n):
                print("RUN make_objects", n)
                return {"n": n}, np.zeros((n, n))


            handle = make_objects.lazy(200)
            print("loaded before use:", handle.loaded)
            small, large = handle.load()
            print(small, large.shape, handle.path.exists())
            """,
        )
        first = run(tmp_path, "lazy.py")
        second = run(tmp_path, "lazy.py")
        assert runs(first) == ["RUN make_objects 200"]
        assert runs(second) == []
        assert results(first) == results(second)
        assert results(first) == [
            "loaded before use: False",
            "{'n': 200} (200, 200) True",
        ]
