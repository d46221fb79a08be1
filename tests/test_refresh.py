"""Refresh and control: ``refresh=``, ``using()``, CHECKPOINTING_REFRESH/DISABLE."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import pytest

from checkpointing import ConfigurationError, checkpoint, scan


class CallLog(list):
    """A call log with a constant digest, so appending keeps the fingerprint."""

    def __checkpoint_digest__(self) -> str:
        return "CallLog"


class Switch:
    """A mutable flag read through a function at call time (ediblepickle style)."""

    value = False

    def __checkpoint_digest__(self) -> str:
        return "Switch"


def _counted(tmp_path, **options):
    """
    A checkpointed ``step(x)`` returning ``(2 * x, n)`` for its n-th run.

    The run number comes from the call log, which the key does not see, so a
    stored result tells which run computed it: a result computed but not
    stored is told apart from one stored in place of the old result.
    """
    calls = CallLog()

    @checkpoint(directory=tmp_path, **options)
    def step(x):
        calls.append(x)
        return x * 2, len(calls)

    return step, calls


def _causes(directory, step, *args) -> list[str]:
    """The manifest causes (``inspect`` wording) of the entries for these arguments."""
    key = step.key(*args)
    return [record.cause for record in scan(directory) if record.key == key]


class TestRefreshOption:
    def test_refresh_true_recomputes_and_stores_every_call(self, tmp_path):
        """refresh=True runs the body at every call and stores each new result."""
        step, calls = _counted(tmp_path, refresh=True)
        assert [(4, 1), (4, 2)] == [step(2), step(2)]
        assert [2, 2] == calls
        assert (4, 2) == step.using(refresh=False)(2)  # the newest run, stored
        assert [2, 2] == calls
        assert ["forced rerun"] == _causes(tmp_path, step, 2)

    def test_refresh_callable_is_evaluated_at_each_call(self, tmp_path):
        """A refresh= callable is asked at each call; a refreshed result is stored."""
        switch = Switch()
        step, calls = _counted(tmp_path, refresh=lambda: switch.value)
        assert (2, 1) == step(1)
        assert (2, 1) == step(1)
        switch.value = True
        assert (2, 2) == step(1)
        switch.value = False
        assert (2, 2) == step(1)  # the refreshed result, stored in place
        assert [1, 1] == calls
        assert ["forced rerun"] == _causes(tmp_path, step, 1)

    def test_refreshed_result_overwrites_the_entry(self, tmp_path):
        """using(refresh=True) stores its new result in place of the old one."""
        step, calls = _counted(tmp_path)
        assert (6, 1) == step(3)
        assert ["first call"] == _causes(tmp_path, step, 3)
        assert (6, 2) == step.using(refresh=True)(3)
        assert (6, 2) == step(3)
        assert [3, 3] == calls
        assert step.explain(3).hit
        assert ["forced rerun"] == _causes(tmp_path, step, 3)

    def test_rerun_overwrites_the_entry(self, tmp_path):
        """rerun() stores its new result in place of the old one."""
        step, calls = _counted(tmp_path)
        step(3)
        assert (6, 2) == step.rerun(3)
        assert (6, 2) == step(3)
        assert [3, 3] == calls
        assert ["forced rerun"] == _causes(tmp_path, step, 3)

    def test_bad_refresh_refused(self):
        with pytest.raises(ConfigurationError, match="refresh="):
            checkpoint(refresh="yes")(lambda: 1)  # type: ignore[call-overload]


class TestUsing:
    def test_using_false_overrides_refresh_true(self, tmp_path):
        step, calls = _counted(tmp_path, refresh=True)
        step(1)
        assert (2, 1) == step.using(refresh=False)(1)
        assert [1] == calls

    def test_using_does_not_clash_with_parameter_names(self, tmp_path):
        calls = CallLog()

        @checkpoint(directory=tmp_path)
        def f(refresh, lazy=0):
            calls.append(refresh)
            return refresh + lazy

        assert 3 == f.using(refresh=True)(1, lazy=2)
        assert 3 == f(1, lazy=2)
        assert [1] == calls

    def test_using_lazy(self, tmp_path):
        step, _calls = _counted(tmp_path)
        handle = step.using(lazy=True)(5)
        assert (10, 1) == handle.load()

    def test_bad_using_option(self, tmp_path):
        step, _ = _counted(tmp_path)
        with pytest.raises(ConfigurationError):
            step.using(refresh="yes")  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="mmap_mode"):
            step.using(mmap_mode="r+")


class TestEnvironment:
    @pytest.mark.parametrize(
        "value",
        ["all", "*", "step", "{module}.step", "{module}.*", "other, step", "st*"],
    )
    def test_refresh_env_selects_functions(self, tmp_path, monkeypatch, value):
        step, calls = _counted(tmp_path)
        step(1)
        monkeypatch.setenv(
            "CHECKPOINTING_REFRESH", value.format(module=step.__wrapped__.__module__)
        )
        assert (2, 2) == step(1)
        monkeypatch.delenv("CHECKPOINTING_REFRESH")
        assert (2, 2) == step(1)  # the refreshed result, stored in place
        assert [1, 1] == calls
        assert ["forced rerun"] == _causes(tmp_path, step, 1)

    def test_explain_predicts_a_forced_refresh(self, tmp_path, monkeypatch):
        """explain() says what the call will do: a forced rerun, not a hit."""
        step, calls = _counted(tmp_path)
        step(1)
        assert step.explain(1).hit
        monkeypatch.setenv("CHECKPOINTING_REFRESH", "step")
        explanation = step.explain(1)
        assert ("miss", "forced rerun") == (explanation.status, explanation.cause)
        assert (2, 2) == step(1)  # and the call did recompute
        assert [1, 1] == calls
        monkeypatch.delenv("CHECKPOINTING_REFRESH")
        assert step.explain(1).hit
        forced, _ = _counted(tmp_path / "option", refresh=True)
        assert "forced rerun" == forced.explain(1).cause

    @pytest.mark.parametrize("value", ["", "other", "other.step", "stepper"])
    def test_refresh_env_leaves_others_alone(self, tmp_path, monkeypatch, value):
        step, calls = _counted(tmp_path)
        step(1)
        monkeypatch.setenv("CHECKPOINTING_REFRESH", value)
        assert (2, 1) == step(1)
        assert [1] == calls

    def test_disable_bypasses_reads_and_writes(self, tmp_path, monkeypatch):
        step, calls = _counted(tmp_path)
        step(1)
        monkeypatch.setenv("CHECKPOINTING_DISABLE", "1")
        assert (2, 2) == step(1)
        assert (4, 3) == step(2)
        assert [1, 1, 2] == calls
        monkeypatch.delenv("CHECKPOINTING_DISABLE")
        assert not step.is_cached(2)  # nothing was written while disabled
        assert (2, 1) == step(1)  # the entry from before, not overwritten
        assert [1, 1, 2] == calls

    def test_disable_with_lazy_returns_an_in_memory_handle(self, tmp_path, monkeypatch):
        step, _ = _counted(tmp_path)
        monkeypatch.setenv("CHECKPOINTING_DISABLE", "yes")
        handle = step.lazy(4)
        assert handle.loaded
        assert (8, 1) == handle.load()
        assert handle.manifest is None

    @pytest.mark.parametrize("value", ["0", "false", "no", ""])
    def test_disable_off_values(self, tmp_path, monkeypatch, value):
        step, calls = _counted(tmp_path)
        monkeypatch.setenv("CHECKPOINTING_DISABLE", value)
        assert [(2, 1), (2, 1)] == [step(1), step(1)]
        assert [1] == calls
