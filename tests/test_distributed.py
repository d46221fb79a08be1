"""
Tests for checkpointing.distributed: the Dask worker plugin, without a cluster.

tests/test_dask_grid.py registers it on a real LocalCluster (slow); here its
parts: the lazy import, what it sets and restores, what it pickles and shows.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import json
import os
import pickle
import sys

import pytest

from checkpointing import ConfigurationError

pytest.importorskip("distributed")

from checkpointing.distributed import CheckpointingSettings


def test_importing_the_module_does_not_import_dask():
    """``import checkpointing.distributed`` is free; using the class imports distributed."""
    import subprocess

    code = (
        "import json, sys; import checkpointing.distributed as d; "
        "before = 'distributed' in sys.modules; d.CheckpointingSettings; "
        "print(json.dumps([before, 'distributed' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert [False, True] == json.loads(out)


def test_unknown_name():
    import checkpointing.distributed as module

    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        module.nope  # noqa: B018


def test_setup_sets_and_teardown_restores(monkeypatch, tmp_path):
    monkeypatch.setenv("CHECKPOINTING_DIR", "/before")
    monkeypatch.delenv("CHECKPOINTING_HMAC_KEY", raising=False)
    monkeypatch.delenv("CHECKPOINTING_TRUST_DIRECTORY", raising=False)
    plugin = CheckpointingSettings(
        directory=tmp_path,
        hmac_key=b"k\xc3\xa9y",
        environment={"CHECKPOINTING_TRUST_DIRECTORY": "1"},
    )
    plugin.setup(worker=None)  # no Worker is read
    assert str(tmp_path) == os.environ["CHECKPOINTING_DIR"]
    assert "kéy" == os.environ["CHECKPOINTING_HMAC_KEY"]
    assert "1" == os.environ["CHECKPOINTING_TRUST_DIRECTORY"]
    plugin.teardown(worker=None)
    assert "/before" == os.environ["CHECKPOINTING_DIR"]
    assert "CHECKPOINTING_HMAC_KEY" not in os.environ
    assert "CHECKPOINTING_TRUST_DIRECTORY" not in os.environ


def test_none_leaves_a_variable_alone(monkeypatch):
    monkeypatch.setenv("CHECKPOINTING_DIR", "/kept")
    plugin = CheckpointingSettings(hmac_key="key")
    assert {"CHECKPOINTING_HMAC_KEY": "key"} == plugin.variables
    plugin.setup(worker=None)
    assert "/kept" == os.environ["CHECKPOINTING_DIR"]
    plugin.teardown(worker=None)


def test_the_settings_apply_to_the_next_call(monkeypatch, tmp_path):
    """Settings are read at each call: a function decorated before setup follows."""
    from checkpointing import checkpoint

    @checkpoint
    def double(x):
        return 2 * x

    assert 4 == double(2)  # the autouse fixture's directory
    plugin = CheckpointingSettings(directory=tmp_path / "worker-cache")
    plugin.setup(worker=None)
    try:
        assert tmp_path / "worker-cache" == double.directory
        assert not double.is_cached(2)
        assert 4 == double(2)
        assert double.is_cached(2)
    finally:
        plugin.teardown(worker=None)
    assert tmp_path / "worker-cache" != double.directory


def test_pickles_by_public_name_without_what_it_saved(monkeypatch):
    monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", "old")
    plugin = CheckpointingSettings(hmac_key="new")
    plugin.setup(worker=None)
    try:
        payload = pickle.dumps(plugin)
    finally:
        plugin.teardown(worker=None)
    assert b"checkpointing.distributed" in payload
    assert b"old" not in payload  # this process's former value stays here
    again = pickle.loads(payload)
    assert type(again) is CheckpointingSettings
    assert {"CHECKPOINTING_HMAC_KEY": "new"} == again.variables
    assert "checkpointing-settings" == again.name


def test_repr_hides_the_key():
    shown = repr(CheckpointingSettings(directory="/shared", hmac_key="s3cret"))
    assert "s3cret" not in shown
    assert "/shared" in shown


def test_a_dask_worker_plugin():
    from distributed.diagnostics.plugin import WorkerPlugin

    assert isinstance(CheckpointingSettings(), WorkerPlugin)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"hmac_key": b"\xff\xfe"}, "text or UTF-8 bytes"),
        ({"environment": {"A": 1}}, "text values"),
    ],
)
def test_invalid_settings(options, match):
    with pytest.raises(ConfigurationError, match=match):
        CheckpointingSettings(**options)
