"""Tests for checkpointing.pytest_plugin (run through pytester) and its log event."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import logging
import os
import sys
import textwrap

import pytest

from checkpointing import StoreWriteWarning, checkpoint
from checkpointing._plan import function_id as library_function_id
from checkpointing.pytest_plugin import CheckpointEvent, _function_id


def _source(*parts: str) -> str:
    """Join pieces of a test module, each dedented on its own."""
    return "\n".join(textwrap.dedent(part) for part in parts)


#: A module whose checkpointed ``square`` counts the runs of its body in LOG
#: (LOG digests as a constant: appending to it does not change the fingerprint).
COUNTED = """
    import os
    from pathlib import Path

    import pytest

    from checkpointing import checkpoint


    class Log(list):
        def __checkpoint_digest__(self):
            return "Log"


    LOG = Log()


    @checkpoint  # decorated at import, before any fixture runs
    def square(x):
        LOG.append(x)
        return x * x
"""

ISOLATION_TESTS = _source(
    COUNTED,
    """
    SEEN = []


    def test_first(checkpoint_dir, tmp_path):
        assert checkpoint_dir == tmp_path / "checkpoints"
        assert not checkpoint_dir.exists()
        assert os.environ["CHECKPOINTING_DIR"] == str(checkpoint_dir)
        assert 9 == square(3)
        assert 9 == square(3)
        assert [3] == LOG
        assert any(checkpoint_dir.rglob("*.ckpt"))
        SEEN.append(checkpoint_dir)


    def test_second(checkpoint_dir):
        assert checkpoint_dir not in SEEN
        assert not checkpoint_dir.exists()
        assert 9 == square(3)
        assert [3, 3] == LOG
""",
)


@pytest.fixture
def no_cache_env(monkeypatch):
    """Run the inner session without the outer suite's CHECKPOINTING_* variables."""
    for name in [n for n in os.environ if n.startswith("CHECKPOINTING_")]:
        monkeypatch.delenv(name)


# -- checkpoint_dir ----------------------------------------------------------------
def test_fixture_isolates_each_test(pytester: pytest.Pytester, no_cache_env):
    """Each test gets its own empty directory, used by import-time decorated functions."""
    pytester.makepyfile(ISOLATION_TESTS)
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=2)


def test_environment_restored_after_test(pytester: pytest.Pytester, monkeypatch):
    """CHECKPOINTING_DIR is restored when the test using the fixture ends."""
    monkeypatch.setenv("CHECKPOINTING_DIR", "/outer/value")
    pytester.makepyfile(
        """
        import os

        def test_uses(checkpoint_dir):
            assert os.environ["CHECKPOINTING_DIR"] == str(checkpoint_dir)

        def test_after():
            assert os.environ["CHECKPOINTING_DIR"] == "/outer/value"
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


def test_registered_through_entry_point(pytester: pytest.Pytester):
    """The plugin is loaded automatically and can be disabled with -p no:checkpointing."""
    pytester.makepyfile(
        """
        def test_uses(checkpoint_dir):
            assert checkpoint_dir.name == "checkpoints"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
    disabled = pytester.runpytest("-p", "no:checkpointing")
    disabled.assert_outcomes(errors=1)
    disabled.stdout.fnmatch_lines(["*fixture 'checkpoint_dir' not found*"])


def test_disabled_plugin_adds_no_option_or_marker(pytester: pytest.Pytester):
    """With -p no:checkpointing the options and the marker are unknown."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.checkpoint_disabled
        def test_marked():
            pass
        """
    )
    # In a subprocess: pytest.mark remembers the markers of the outer session.
    result = pytester.runpytest_subprocess("-p", "no:checkpointing", "--strict-markers")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*'checkpoint_disabled' not found in `markers`*"])
    result = pytester.runpytest("-p", "no:checkpointing", "--checkpoint-disable")
    assert pytest.ExitCode.USAGE_ERROR == result.ret
    result.stderr.fnmatch_lines(["*unrecognized arguments: --checkpoint-disable*"])


def test_fixtures_listed_with_docstrings(pytester: pytest.Pytester):
    """pytest --fixtures shows every fixture with the first line of its docstring."""
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "*checkpoint_dir*",
            "*Give the test an empty cache directory*",
            "*checkpoint_session_dir*session*",
            "*Give the session an empty cache directory*",
            "*checkpoint_calls*",
            "*Record the hits, misses and stores*",
        ],
        consecutive=False,
    )


# -- checkpoint_session_dir ------------------------------------------------------
SESSION_TESTS = _source(
    COUNTED,
    """
    SEEN = {}


    @pytest.fixture(scope="session")
    def table(checkpoint_session_dir):
        SEEN["session"] = checkpoint_session_dir
        return square(4)


    def test_first(table, tmp_path_factory):
        path = SEEN["session"]
        assert 16 == table
        assert path == tmp_path_factory.getbasetemp() / "checkpoints-session"
        assert os.environ["CHECKPOINTING_DIR"] == str(path)
        assert any(path.rglob("*.ckpt"))
        assert 16 == square(4)  # a hit: stored by the session fixture
        assert [4] == LOG


    def test_function_dir_wins(table, checkpoint_dir):
        assert os.environ["CHECKPOINTING_DIR"] == str(checkpoint_dir)
        assert 16 == square(4)  # a miss: the test's own empty directory
        assert [4, 4] == LOG


    def test_session_dir_restored(checkpoint_session_dir):
        assert os.environ["CHECKPOINTING_DIR"] == str(checkpoint_session_dir)
        assert 16 == square(4)
        assert [4, 4] == LOG
""",
)


def test_session_fixture_from_session_scoped_fixture(
    pytester: pytest.Pytester, monkeypatch
):
    """A session-scoped fixture can use checkpoint_session_dir (no ScopeMismatch)."""
    monkeypatch.setenv("CHECKPOINTING_DIR", "/outer/value")
    pytester.makepyfile(SESSION_TESTS)
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=3)
    assert "/outer/value" == os.environ["CHECKPOINTING_DIR"]


# -- checkpoint_calls and the log event ------------------------------------
RECORDER_TESTS = _source(
    COUNTED,
    """
    from checkpointing import StoreWriteWarning


    def test_two_calls_and_a_rerun(checkpoint_dir, checkpoint_calls):
        key = square.key(3)
        square(3)
        square(3)
        square.rerun(3)
        assert [3, 3] == LOG
        for name in (square, "test_recorder:square", "test_recorder.square"):
            assert 2 == checkpoint_calls.misses(name)
            assert 2 == checkpoint_calls.stores(name)
            assert 1 == checkpoint_calls.hits(name)
        assert 0 == checkpoint_calls.misses("test_recorder:other")
        assert 2 == checkpoint_calls.misses()
        assert ["test_recorder.square"] == checkpoint_calls.functions()
        f = "test_recorder.square"
        assert [
            ("miss", f, key), ("store", f, key), ("hit", f, key),
            ("miss", f, key), ("store", f, key),
        ] == checkpoint_calls.events
        assert "square: 2 miss, 2 store, 1 hit" in repr(checkpoint_calls)
        checkpoint_calls.clear()
        assert [] == checkpoint_calls.events


    def test_nested_function(checkpoint_dir, checkpoint_calls):
        def make():
            @checkpoint
            def inner(x):
                return x
            return inner

        inner = make()
        inner(1)
        inner(1)
        name = "test_recorder:test_nested_function.<locals>.make.<locals>.inner"
        assert 1 == checkpoint_calls.hits(inner) == checkpoint_calls.hits(name)


    @checkpoint
    def unpicklable(x):
        import threading

        return threading.Lock()


    def test_failed_store_is_a_miss_without_store(checkpoint_dir, checkpoint_calls):
        with pytest.warns(StoreWriteWarning):
            unpicklable(1)
        assert 1 == checkpoint_calls.misses(unpicklable)
        assert 0 == checkpoint_calls.stores(unpicklable)


    @checkpoint
    def fails(x):
        raise ValueError(x)


    def test_raising_body_is_a_miss(checkpoint_dir, checkpoint_calls):
        with pytest.raises(ValueError):
            fails(1)
        assert [("miss", "test_recorder.fails", fails.key(1))] == checkpoint_calls.events


    def test_nothing_recorded_without_the_fixture(checkpoint_dir):
        square(5)


    @checkpoint(lock_timeout=60)
    def slow(x):
        import time

        time.sleep(1.0)
        return x


    def test_hit_after_waiting_for_another_caller(checkpoint_dir, checkpoint_calls):
        import threading
        import time

        first = threading.Thread(target=slow, args=(1,))
        first.start()
        time.sleep(0.3)  # the first caller holds the key's lock, computing
        assert 1 == slow(1)
        first.join()
        f = "test_recorder.slow"
        key = slow.key(1)
        assert [("miss", f, key), ("store", f, key), ("hit", f, key)] == (
            checkpoint_calls.events
        )
""",
)


def test_recorder_counts(pytester: pytest.Pytester, no_cache_env):
    """checkpoint_calls counts hits, misses and stores per function."""
    logger = logging.getLogger("checkpointing")
    before = (logger.level, list(logger.handlers), logger.disabled)
    pytester.makepyfile(test_recorder=RECORDER_TESTS)
    result = pytester.runpytest("-W", "error")
    result.assert_outcomes(passed=6)
    assert before == (logger.level, list(logger.handlers), logger.disabled)


def test_recorder_enables_a_disabled_logger(pytester: pytest.Pytester, no_cache_env):
    """The recorder works after dictConfig disabled existing loggers, and restores."""
    pytester.makepyfile(
        _source(
            COUNTED,
            """
        import logging


        def test_records(checkpoint_dir, checkpoint_calls):
            logger = logging.getLogger("checkpointing")
            assert not logger.disabled
            assert logging.DEBUG == logger.getEffectiveLevel()
            square(2)
            assert 1 == checkpoint_calls.misses(square)
        """,
        )
    )
    logger = logging.getLogger("checkpointing")
    logger.disabled = True
    try:
        pytester.runpytest().assert_outcomes(passed=1)
        assert logger.disabled
    finally:
        logger.disabled = False


@checkpoint
def triple(x):
    return 3 * x


class TestLogEvent:
    """The public log event the recorder is built on (docs/testing.md)."""

    def test_records_carry_attributes(self, caplog):
        caplog.set_level(logging.DEBUG, logger="checkpointing")
        triple(2)
        triple(2)
        key = triple.key(2)
        function = f"{__name__}.triple"
        events = [
            (r.checkpoint_event, r.checkpoint_function, r.checkpoint_key)  # type: ignore[attr-defined]
            for r in caplog.records
            if hasattr(r, "checkpoint_event")
        ]
        assert [
            ("miss", function, key),
            ("store", function, key),
            ("hit", function, key),
        ] == events
        messages = [r.getMessage() for r in caplog.records]
        assert f"miss {function} key={key}" in messages
        assert f"store {function} key={key}: first call" in messages
        assert f"hit {function} key={key}" in messages
        assert {logging.DEBUG} == {r.levelno for r in caplog.records}
        assert {"checkpointing"} == {r.name for r in caplog.records}

    def test_no_work_when_debug_is_off(self, monkeypatch, caplog):
        """Without a DEBUG listener no event is built, on any path."""
        import checkpointing._flow as flow

        caplog.set_level(logging.WARNING, logger="checkpointing")

        def forbidden(*args, **kwargs):
            raise AssertionError("an event was built")

        monkeypatch.setattr(flow, "_log_event", forbidden)
        assert not logging.getLogger("checkpointing").isEnabledFor(logging.DEBUG)
        triple(7)
        triple(7)
        triple.rerun(7)

    def test_bypassed_call_logs_nothing(self, caplog, monkeypatch):
        monkeypatch.setenv("CHECKPOINTING_DISABLE", "1")
        caplog.set_level(logging.DEBUG, logger="checkpointing")
        triple(8)
        assert [] == caplog.records

    def test_failed_store_logs_no_store(self, caplog):
        @checkpoint
        def lock(x):
            import threading

            return threading.Lock()

        caplog.set_level(logging.DEBUG, logger="checkpointing")
        with pytest.warns(StoreWriteWarning):
            lock(1)
        assert ["miss"] == [
            r.checkpoint_event  # type: ignore[attr-defined]
            for r in caplog.records
            if hasattr(r, "checkpoint_event")
        ]


def _outer():
    def inner():
        pass

    return inner


class _Model:
    def fit(self):
        pass

    @checkpoint
    def predict(self, x):
        return x


@pytest.mark.parametrize(
    "func",
    [triple.__wrapped__, _outer(), lambda: None, _Model.fit, _Model().fit],
    ids=["function", "nested", "lambda", "method", "bound-method"],
)
def test_function_id_matches_the_library(func):
    """The plugin names a function exactly as the library's log records do."""
    assert library_function_id(func) == _function_id(func)


def test_function_id_of_checkpointed_objects():
    """A Checkpointed, bound or not, is named by its function, in both string forms."""
    predict = _Model.__dict__["predict"]
    assert predict._function_id == _function_id(predict)
    assert predict._function_id == _function_id(_Model().predict)
    assert triple._function_id == _function_id(triple)
    assert triple._function_id == _function_id(f"{__name__}:triple")
    assert triple._function_id == _function_id(f"{__name__}.triple")


def test_event_is_a_tuple():
    """CheckpointEvent compares equal to a plain tuple."""
    assert ("hit", "m.f", "k") == CheckpointEvent("hit", "m.f", "k")


# -- the marker and the options --------------------------------------------------
def test_marker_disables_caching(pytester: pytest.Pytester, no_cache_env):
    """@pytest.mark.checkpoint_disabled: the body runs every time, nothing is stored."""
    pytester.makepyfile(
        _source(
            COUNTED,
            """
        @pytest.mark.checkpoint_disabled
        def test_marked(checkpoint_dir, checkpoint_calls):
            assert "1" == os.environ["CHECKPOINTING_DISABLE"]
            assert 9 == square(3)
            assert 9 == square(3)
            assert [3, 3] == LOG
            assert not checkpoint_dir.exists()
            assert [] == checkpoint_calls.events


        def test_unmarked(checkpoint_dir):
            assert "CHECKPOINTING_DISABLE" not in os.environ
            square(3)
            square(3)
            assert [3, 3, 3] == LOG
        """,
        )
    )
    result = pytester.runpytest("-W", "error", "--strict-markers")
    result.assert_outcomes(passed=2)
    assert "CHECKPOINTING_DISABLE" not in os.environ


def test_marker_is_registered(pytester: pytest.Pytester):
    """pytest --markers lists checkpoint_disabled."""
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.checkpoint_disabled: bypass*"])


def test_disable_option(pytester: pytest.Pytester, no_cache_env):
    """--checkpoint-disable bypasses the cache in every test, fixtures or not."""
    pytester.makepyfile(
        _source(
            COUNTED,
            """
        def test_with_fixtures(checkpoint_dir, checkpoint_calls):
            square(3)
            square(3)
            assert not checkpoint_dir.exists()
            assert [] == checkpoint_calls.events


        def test_without(tmp_path, monkeypatch):
            assert "1" == os.environ["CHECKPOINTING_DISABLE"]
            monkeypatch.setenv("CHECKPOINTING_DIR", str(tmp_path))
            square(3)
            assert [3, 3, 3] == LOG
            assert not any(tmp_path.iterdir())
        """,
        )
    )
    result = pytester.runpytest("-W", "error", "--checkpoint-disable")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["checkpointing: CHECKPOINTING_DISABLE=1*"])
    assert "CHECKPOINTING_DISABLE" not in os.environ
    assert "CHECKPOINTING_DIR" not in os.environ


DIR_OPTION_TESTS = _source(
    COUNTED,
    """
    def test_without_fixture():
        root = Path(os.environ["ROOT"])
        assert str(root) == os.environ["CHECKPOINTING_DIR"]
        square(3)
        assert any(root.glob("test_dir_option.square/**/*.ckpt"))


    def test_with_fixture(checkpoint_dir):
        root = Path(os.environ["ROOT"])
        assert root / "tests" == checkpoint_dir.parent
        assert checkpoint_dir.name.startswith("test_dir_option.py_test_with_fixture-")
        assert not checkpoint_dir.exists()
        square(4)
        assert 1 == LOG.count(4)


    def test_session(checkpoint_session_dir):
        root = Path(os.environ["ROOT"])
        assert root / "session" == checkpoint_session_dir
        assert not checkpoint_session_dir.exists()
""",
)


def test_dir_option(pytester: pytest.Pytester, no_cache_env, monkeypatch):
    """--checkpoint-dir=PATH: shared by plain tests, fixtures get fresh subdirectories."""
    root = pytester.path / "cache"
    monkeypatch.setenv("ROOT", str(root))
    pytester.makepyfile(test_dir_option=DIR_OPTION_TESTS)
    for _ in range(2):  # the second run finds the fixtures' directories emptied
        result = pytester.runpytest("-W", "error", "--checkpoint-dir=cache")
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines([f"checkpointing: CHECKPOINTING_DIR={root} *"])
        assert "CHECKPOINTING_DIR" not in os.environ
    assert [p.name for p in root.glob("tests/*")] == [
        p.name for p in root.glob("tests/test_dir_option.py_test_with_fixture-*")
    ]
    assert any((root / "tests").glob("*/test_dir_option.square/**/*.ckpt"))


def test_dir_option_needs_a_path(pytester: pytest.Pytester):
    """An empty --checkpoint-dir is a usage error."""
    result = pytester.runpytest("--checkpoint-dir=")
    assert pytest.ExitCode.USAGE_ERROR == result.ret
    result.stderr.fnmatch_lines(["*--checkpoint-dir needs a path*"])


# -- xdist and import cost (subprocesses) ----------------------------------------
XDIST_TESTS = """
    import os
    from pathlib import Path

    import pytest

    from checkpointing import checkpoint


    @checkpoint
    def double(x):
        return 2 * x


    @pytest.fixture(scope="session")
    def doubled(checkpoint_session_dir):
        return double(21)


    @pytest.mark.parametrize("i", range(3))
    def test_record(doubled, checkpoint_session_dir, i):
        assert 42 == doubled
        worker = os.environ["PYTEST_XDIST_WORKER"]
        assert os.environ["CHECKPOINTING_DIR"] == str(checkpoint_session_dir)
        out = Path(os.environ["RESULTS"]) / f"{worker}-{i}"
        out.write_text(str(checkpoint_session_dir))
"""


@pytest.mark.parametrize("option", [[], ["--checkpoint-dir=cache"]], ids=["", "dir"])
def test_xdist_workers_get_their_own_session_directory(
    pytester: pytest.Pytester, no_cache_env, monkeypatch, option
):
    """Under pytest-xdist, each worker has its own checkpoint_session_dir."""
    pytest.importorskip("xdist")
    results = pytester.mkdir("results")
    monkeypatch.setenv("RESULTS", str(results))
    pytester.makepyfile(XDIST_TESTS)
    result = pytester.runpytest_subprocess(
        "-n", "2", "--dist", "each", "-p", "no:cacheprovider", *option
    )
    result.assert_outcomes(passed=6)
    seen: dict[str, set[str]] = {}
    for path in results.iterdir():
        seen.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert {"gw0", "gw1"} == set(seen)
    assert all(1 == len(paths) for paths in seen.values())
    gw0, gw1 = (next(iter(seen[w])) for w in ("gw0", "gw1"))
    assert gw0 != gw1
    for worker, directory in (("gw0", gw0), ("gw1", gw1)):
        assert directory.endswith(f"session-{worker}")
        assert any(pytester.path.joinpath(directory).rglob("*.ckpt"))
        if option:
            assert str(pytester.path / "cache" / f"session-{worker}") == directory


def test_unused_plugin_imports_nothing_else(pytester: pytest.Pytester):
    """A session that uses no fixture imports only checkpointing and the plugin."""
    pytester.makepyfile(
        """
        import sys

        def test_modules():
            loaded = sorted(m for m in sys.modules if m.startswith("checkpointing"))
            assert ["checkpointing", "checkpointing.pytest_plugin"] == loaded
            assert "cloudpickle" not in sys.modules
            assert "xxhash" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_plugin_module_imports_nothing_from_the_package():
    """The plugin module has no import of checkpointing at all (STYLE.md §1.2)."""
    import ast
    from pathlib import Path

    import checkpointing.pytest_plugin as plugin

    tree = ast.parse(Path(plugin.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        f"{'.' * node.level}{node.module or ''}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert set() == {
        name for name in imported if name.startswith((".", "checkpointing"))
    }
    assert sys.modules["checkpointing.pytest_plugin"] is plugin
