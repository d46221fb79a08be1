"""Tests for checkpointing.pytest_plugin (run through pytester)."""

from __future__ import annotations

import pytest

ISOLATION_TESTS = """
    import os
    from pathlib import Path

    from checkpointing import checkpoint

    SEEN = []


    class Log(list):
        def __checkpoint_digest__(self):
            return "Log"


    LOG = Log()


    @checkpoint  # decorated at import, before any fixture runs
    def square(x):
        LOG.append(x)
        return x * x


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
"""


def test_fixture_isolates_each_test(pytester: pytest.Pytester, monkeypatch):
    """Each test gets its own empty directory, used by import-time decorated functions."""
    monkeypatch.delenv("CHECKPOINTING_DIR")
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


def test_fixture_listed_with_docstring(pytester: pytest.Pytester):
    """pytest --fixtures shows checkpoint_dir with its docstring."""
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        ["*checkpoint_dir*", "*Give the test an empty cache directory*"]
    )
