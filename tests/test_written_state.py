"""
Globals that cached code writes (issue 12, "State that a function only writes").

A global that every reached function only mutates (a call counter, a log
list) is not an input: bumping it must not change the next call's key (before,
every call reran and a new process could load an entry keyed by the initial
value). A global that the code both reads and mutates (a memo dict) is an
input: the key keeps it, and the call that changed it warns once, by name.
"""

from __future__ import annotations

import textwrap
import warnings

import pytest

from checkpointing import AmbientStateWarning
from checkpointing._fingerprint import fingerprint_function
from tests.helpers import parse_computes, run_python

COUNTER = """
    from checkpointing import checkpoint

    CALLS = 0
    LOG = []
    TALLY = {}


    def bump(x):
        global CALLS
        CALLS += 1
        LOG.append(x)
        TALLY[x] = 1


    @checkpoint
    def step(x):
        print("COMPUTE step", x, flush=True)
        bump(x)
        return x * 2
"""


def _write(tmp_path, text):
    (tmp_path / "pipeline.py").write_text(textwrap.dedent(text), encoding="utf-8")


def test_written_only_globals_stay_out_of_the_key(
    tmp_path, load_module, checkpoint_dir
):
    """A counter, a log list and a dict the code only writes: the second call hits."""
    module = load_module(textwrap.dedent(COUNTER))
    assert module.step(1) == 2
    assert module.step(1) == 2  # a hit: CALLS, LOG and TALLY changed
    assert module.CALLS == 1
    assert module.LOG == [1]
    components = fingerprint_function(module.step.__wrapped__).components
    assert components["written:" + module.__name__ + ":CALLS"].kind == "written"
    assert components["written:" + module.__name__ + ":LOG"].kind == "written"
    assert "global:" + module.__name__ + ":CALLS" not in components


def test_written_only_is_read_when_one_reader_reads(load_module, checkpoint_dir):
    """Control: the same counter, returned by another reached function, is an input."""
    module = load_module(
        textwrap.dedent(
            """
            from checkpointing import checkpoint

            CALLS = 0


            def bump():
                global CALLS
                CALLS += 1


            def current():
                return CALLS


            @checkpoint
            def step(x):
                bump()
                return x + current()
            """
        )
    )
    with pytest.warns(AmbientStateWarning, match="CALLS"):
        assert module.step(1) == 2
    # The key holds CALLS: a call in the new state computes again, correctly.
    assert module.step(1) == 3


def test_written_only_in_a_new_process(tmp_path):
    """Two processes: the second hits, although its counter starts at 0 again."""
    _write(tmp_path, COUNTER)
    (tmp_path / "main.py").write_text(
        "from pipeline import step\nprint(step(1), step(1), step(2))\n",
        encoding="utf-8",
    )
    first = run_python(["-W", "error", "main.py"], tmp_path)
    assert parse_computes(first.stdout) == ["step 1", "step 2"]
    second = run_python(["-W", "error", "main.py"], tmp_path)
    assert parse_computes(second.stdout) == []
    assert second.stdout.splitlines()[-1] == "2 2 4"


def test_read_and_mutated_global_warns_once(load_module, checkpoint_dir):
    """A memo dict both read and written: in the key, and warned about by name, once."""
    module = load_module(
        textwrap.dedent(
            """
            from checkpointing import checkpoint

            _MEMO = {}


            def slow_square(v):
                if v not in _MEMO:
                    _MEMO[v] = v * v
                return _MEMO[v]


            @checkpoint
            def step(x):
                return slow_square(x)
            """
        )
    )
    with pytest.warns(AmbientStateWarning, match=r"_MEMO.*ignore_code=\['_MEMO'\]"):
        assert module.step(3) == 9
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert module.step(4) == 16  # changed again: not warned twice


def test_ignore_code_silences_a_memo(load_module, checkpoint_dir):
    """The fix the warning names: ignore_code= leaves the memo out; calls hit."""
    module = load_module(
        textwrap.dedent(
            """
            from checkpointing import checkpoint

            _MEMO = {}
            RUNS = []


            def slow_square(v):
                if v not in _MEMO:
                    _MEMO[v] = v * v
                return _MEMO[v]


            @checkpoint(ignore_code=["_MEMO"])
            def step(x):
                RUNS.append(x)
                return slow_square(x)
            """
        )
    )
    assert module.step(3) == 9
    assert module.step(3) == 9
    assert module.RUNS == [3]


@pytest.mark.parametrize(
    "value",
    ["Recorder()", "[]"],
    ids=["project-object", "list-control"],
)
def test_only_builtin_containers_are_left_out(load_module, checkpoint_dir, value):
    """A project object whose append() could compute is digested as read."""
    module = load_module(
        textwrap.dedent(
            f"""
            from checkpointing import checkpoint


            class Recorder:
                def __init__(self):
                    self.items = []

                def append(self, x):
                    self.items.append(x)


            SINK = {value}


            @checkpoint
            def step(x):
                SINK.append(x)
                return x
            """
        )
    )
    components = fingerprint_function(module.step.__wrapped__).components
    written = f"written:{module.__name__}:SINK" in components
    assert written == (value == "[]")
