"""Tests for checkpointing._plan: a call's key, without a store."""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import string

from checkpointing import checkpoint
from checkpointing._options import CheckpointOptions
from checkpointing._plan import KeyPlan, KeyPlanner


def scale(x, factor=2, *, verbose=False):
    return x * factor


class TestKeyPlanner:
    def test_same_key_as_the_decorator(self, cache_dir):
        planner = KeyPlanner(scale, CheckpointOptions(ignore="verbose"))
        checkpointed = checkpoint(ignore="verbose")(scale)
        plan = planner._plan((3,), {"verbose": True})
        assert checkpointed.key(3) == plan.key
        assert plan.key == plan.name
        assert checkpointed._function_id == plan.function_id

    def test_needs_no_store(self, tmp_path):
        missing = tmp_path / "never-created"
        planner = KeyPlanner(scale, CheckpointOptions(directory=missing))
        plan = planner._plan((3,), {})
        assert 32 == len(plan.key)
        assert "store" not in KeyPlan._fields
        assert not missing.exists()

    def test_readable_name(self, cache_dir):
        options = CheckpointOptions(key=string.Template("run_$factor"))
        plan = KeyPlanner(scale, options)._plan((3,), {})
        assert "run_2" == plan.name
        assert checkpoint(key=string.Template("run_$factor"))(scale).key(3) == plan.key

    def test_argument_records(self, cache_dir):
        plan = KeyPlanner(scale, CheckpointOptions())._plan((3,), {"factor": 4})
        assert {"x", "factor", "verbose"} == set(plan.arguments)
        assert "4" == plan.arguments["factor"].summary
