"""
Checkpointed functions of ``__main__`` travel by value (issue 12, "Workers").

A script's functions cannot be imported by a worker (loky, Dask, a spawned
process has another ``__main__``), so they pickle by value through cloudpickle
whatever pickler is used, and a function that calls itself is rebuilt as one
object. tests/test_workers.py runs the real pools; this checks the payload.
"""

from __future__ import annotations

import textwrap

from tests.helpers import parse_computes, run_python

SCRIPT = """
import pickle
import subprocess
import sys

from checkpointing import checkpoint


@checkpoint
def fact(n):
    print("COMPUTE", n, flush=True)
    return 1 if n <= 1 else n * fact(n - 1)


if __name__ == "__main__":
    payload = pickle.dumps(fact)  # plain pickle: by value all the same
    assert b"_rebuild_by_value" in payload, payload[:200]
    again = pickle.loads(payload)
    assert again is not fact
    print("RESULT", again(4))
    # In another process, where __main__ has no fact: rebuilt, same key.
    child = subprocess.run(
        [sys.executable, "-c",
         "import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); "
         "print('RESULT', f(5), f.key(4) == KEY)".replace("KEY", repr(fact.key(4)))],
        input=payload, capture_output=True, check=True,
    )
    sys.stdout.write(child.stdout.decode())
"""


def test_main_function_pickles_by_value_with_plain_pickle(tmp_path):
    (tmp_path / "main.py").write_text(textwrap.dedent(SCRIPT), encoding="utf-8")
    done = run_python(["-W", "error", "main.py"], tmp_path)
    lines = done.stdout.splitlines()
    assert "RESULT 24" in lines
    # The child computed only 5: 4..1 were hits of the parent's entries,
    # keyed alike although the function travelled by value.
    assert "RESULT 120 True" in lines
    assert parse_computes(done.stdout) == ["4", "3", "2", "1", "5"]


def test_names_in_older_pickles_still_load():
    """Pickles made before _pickling existed name these in _decorator (issue 13)."""
    import pickle

    import checkpointing._decorator as decorator
    import checkpointing._pickling as pickling

    assert pickling.being_rebuilt is decorator._being_rebuilt
    assert pickling.import_checkpointed is decorator._import_checkpointed
    for name in ("_import_checkpointed", "_being_rebuilt"):
        # Protocol 0 names a global as text: rewrite it to the old path.
        new = pickle.dumps(getattr(decorator, name), protocol=0)
        assert b"checkpointing._pickling" in new
        old = new.replace(b"checkpointing._pickling", b"checkpointing._decorator")
        old = old.replace(name[1:].encode(), name.encode())
        assert getattr(decorator, name) is pickle.loads(old)
    assert b"checkpointing._decorator\n_rebuild_by_value" in pickle.dumps(
        decorator._rebuild_by_value, protocol=0
    )
