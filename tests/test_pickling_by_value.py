"""
Checkpointed functions of ``__main__`` travel by value (issue 12, "Workers").

A script's functions cannot be imported by a worker (loky, Dask, a spawned
process has another ``__main__``), so they pickle by value through cloudpickle
whatever pickler is used, and a function that calls itself is rebuilt as one
object. tests/test_workers.py runs the real pools; this checks the payload.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import copy
import hashlib
import multiprocessing
import os
import pickle
import re
import textwrap
from typing import Any

import pytest

from checkpointing import checkpoint
from tests.helpers import parse_computes, parse_results, run_python

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


# -- the key is computed where the code is (issue 14) -------------------------

SHIPPED_SCRIPT = """
import os
import pickle
import sys

from checkpointing import checkpoint

try:  # an import in a block: the compiler reads math.floor by it
    import math
except ImportError:
    math = None

SCALE = 3
API_TOKEN = "tok-1234-stays-home"  # not read by f: not in the payload


def helper(x):
    return math.floor(x * SCALE)


class Model:
    def predict(self, x):
        return helper(x) + 1


@checkpoint
def f(x):
    print("COMPUTE", x, flush=True)
    return Model().predict(x)


if __name__ == "__main__":
    print("RESULT key", repr(f.key(2)))
    print("RESULT value", f(2))
    with open(sys.argv[1], "wb") as out:
        pickle.dump(f, out)
    os.unlink(__file__)  # the worker cannot read it
"""

CHILD = """
import pickle, sys
import checkpointing._pickling
if sys.argv[2] == "no-shipping":
    checkpointing._pickling.ship_source = lambda *args: None
with open(sys.argv[1], "rb") as payload:
    f = pickle.load(payload)
print("RESULT key", repr(f.key(2)))
print("RESULT value", f(2))
"""


def test_source_travels_with_a_function_pickled_by_value(tmp_path):
    """A worker without the script computes the client's keys: no warning, a hit."""
    (tmp_path / "main.py").write_text(SHIPPED_SCRIPT, encoding="utf-8")
    (tmp_path / "child.py").write_text(CHILD, encoding="utf-8")
    parent = run_python(["-W", "error", "main.py", "f.pkl"], tmp_path)
    assert not (tmp_path / "main.py").exists()
    payload = (tmp_path / "f.pkl").read_bytes()
    # The script's text (helper and class included) travels in the payload.
    assert b"def helper(x):" in payload
    assert b"class Model:" in payload
    # Only the lines defining the code f reaches: not the rest of the script.
    assert b"tok-1234-stays-home" not in payload
    assert b"__main__" in payload  # (the name of f's module, not its block)
    assert b'if __name__ == "__main__":' not in payload
    assert b"math = None" not in payload
    expected = dict(parse_results(parent.stdout))
    assert {"key", "value"} == set(expected)
    assert "7" == expected["value"]

    child = run_python(["-W", "error", "child.py", "f.pkl", "-"], tmp_path)
    assert expected == dict(parse_results(child.stdout))
    assert [] == parse_computes(child.stdout), "the child must hit the parent's entry"

    # Control: without the text, the same payload keys by bytecode: another key.
    bare = run_python(["child.py", "f.pkl", "no-shipping"], tmp_path)
    results = dict(parse_results(bare.stdout))
    assert expected["key"] != results["key"]
    assert ["2"] == parse_computes(bare.stdout)


def _made_from(text: str, filename: str) -> Any:
    namespace: dict[str, Any] = {"__name__": "shipped_module"}
    exec(compile(text, filename, "exec"), namespace)
    return namespace["g"]


SHIPPED_TEXT = "def g(x):\n    return x + 1\n"


def test_shipped_text_is_verified_against_the_code():
    """Sent text is used only when it compiles to the very code received."""
    from checkpointing import IncompleteFingerprintWarning
    from checkpointing.fingerprint import fingerprint_function, ship_source

    unknown = _made_from(SHIPPED_TEXT, "/nowhere/unknown.py")
    by_bytecode = fingerprint_function(unknown)
    assert "<bytecode>" == by_bytecode.components["source"].summary

    shipped = _made_from(SHIPPED_TEXT, "/nowhere/shipped.py")
    ship_source(shipped, "/nowhere/shipped.py", SHIPPED_TEXT)
    by_source = fingerprint_function(shipped)
    assert "" == by_source.components["source"].summary
    assert by_bytecode.digest != by_source.digest

    wrong = _made_from(SHIPPED_TEXT, "/nowhere/wrong.py")
    ship_source(wrong, "/nowhere/wrong.py", SHIPPED_TEXT.replace("+ 1", "+ 2"))
    with pytest.warns(IncompleteFingerprintWarning, match="sent from /nowhere/wrong"):
        by_wrong = fingerprint_function(wrong)
    assert by_bytecode.digest == by_wrong.digest


# -- secrets are not pickled into tasks (issue 14) ----------------------------

SECRET = "s3cret-hmac-key-do-not-ship"


def _signed_function(calls: list[int], **options: Any) -> Any:
    # A local function: not importable, so it pickles by value.
    @checkpoint(ignore_code=["calls"], **options)
    def signed(x):
        calls.append(x)
        return x * 2

    return signed


def test_key_id_is_a_keyed_digest_not_the_key():
    from checkpointing._pickling import key_id

    ident = key_id(SECRET.encode())
    assert re.fullmatch("[0-9a-f]{16}", ident)
    assert ident == key_id(SECRET.encode())
    assert ident != key_id(b"another key")
    assert not hashlib.sha256(SECRET.encode()).hexdigest().startswith(ident)
    assert SECRET not in ident


@pytest.mark.parametrize("where", ["option", "environment"])
def test_the_key_is_not_in_the_pickle(monkeypatch, where):
    from checkpointing._pickling import key_id

    if where == "option":
        f = _signed_function([], hmac_key=SECRET.encode())
    else:
        monkeypatch.setenv("CHECKPOINTING_HMAC_KEY", SECRET)
        f = _signed_function([])
    payload = pickle.dumps(f)
    assert b"_rebuild_by_value" in payload
    assert SECRET.encode() not in payload
    assert key_id(SECRET.encode()).encode() in payload


def test_a_copy_in_the_pickling_process_keeps_its_key(tmp_path):
    """copy.deepcopy and pickle round trips here (and forked children) still sign."""
    calls: list[int] = []
    f = _signed_function(calls, hmac_key=SECRET.encode(), directory=tmp_path)
    assert 6 == f(3)
    again = pickle.loads(pickle.dumps(f))
    assert again is not f
    assert 6 == again(3)
    assert 8 == copy.deepcopy(f)(4)
    # The copies ran on their own copy of calls; the first call was a hit,
    # and the second's entry, signed by the copy, is valid for the original.
    assert [3] == calls
    assert f.is_cached(4)
    # The entries verify with the key only.
    from checkpointing.cli import main

    assert 0 == main(["verify", "--dir", str(tmp_path)])


WORKER = """
import pickle, sys
from checkpointing import ConfigurationError
with open(sys.argv[1], "rb") as payload:
    f = pickle.load(payload)  # loading never needs the key
try:
    print("RESULT value", f(3))
except ConfigurationError as err:
    print("RESULT error", str(err).replace("\\n", " "))
"""


@pytest.mark.parametrize(
    ("worker_key", "outcome"),
    [
        pytest.param(SECRET, "value", id="same-key"),
        pytest.param(None, "no HMAC key", id="no-key"),
        pytest.param("another key", "the key with id", id="another-key"),
    ],
)
def test_a_worker_takes_the_key_from_its_settings(
    tmp_path, monkeypatch, worker_key, outcome
):
    from checkpointing._pickling import key_id

    f = _signed_function([], hmac_key=SECRET.encode(), directory=tmp_path / "cache")
    (tmp_path / "f.pkl").write_bytes(pickle.dumps(f))
    (tmp_path / "worker.py").write_text(WORKER, encoding="utf-8")
    env = {"CHECKPOINTING_DIR": str(tmp_path / "other")}
    monkeypatch.delenv("CHECKPOINTING_HMAC_KEY", raising=False)
    if worker_key is not None:
        env["CHECKPOINTING_HMAC_KEY"] = worker_key
    done = run_python(["-W", "error", "worker.py", "f.pkl"], tmp_path, env)
    results = dict(parse_results(done.stdout))
    if outcome == "value":
        assert {"value": "6"} == results
        return
    message = results["error"]
    assert outcome in message
    assert "signed" in message
    assert "test_pickling_by_value" in message  # names the function
    assert key_id(SECRET.encode()) in message
    assert "CHECKPOINTING_HMAC_KEY" in message
    assert "CheckpointingSettings" in message
    assert SECRET not in message


SWAP_SCRIPT = """
import pickle

from checkpointing import checkpoint


def helper(x):
    return x * 2


def other(x):
    return x * 3000


@checkpoint
def f(x):
    return helper(x)


if __name__ == "__main__":
    f.key(1)
    before = pickle.dumps(f)
    assert pickle.dumps(f) == before  # (Dask pickles twice and compares)
    helper.__code__ = other.__code__  # as %autoreload does
    after = pickle.dumps(f)
    print("RESULT before", b"x * 3000" in before)
    print("RESULT after", b"x * 3000" in after)
    print("RESULT key", f.key(1) == pickle.loads(after).key(1))
"""


def test_the_source_sent_follows_code_swapped_in_place(tmp_path):
    """The excerpts are memoized per function, and redone when its code changed."""
    (tmp_path / "main.py").write_text(SWAP_SCRIPT, encoding="utf-8")
    done = run_python(["-W", "error", "main.py"], tmp_path)
    results = dict(parse_results(done.stdout))
    assert {"before": "False", "after": "True", "key": "True"} == results


def test_payloads_of_earlier_versions_still_load():
    """Before issue 14 a payload was ``(func, options)``, the key among them."""
    import cloudpickle

    from checkpointing._decorator import _rebuild_by_value

    def older(x):
        return x + 1

    options = checkpoint(older)._options.as_dict()
    rebuilt = _rebuild_by_value("0", cloudpickle.dumps((older, options)))
    assert 2 == rebuilt(1)
    assert "_required_key_id" not in vars(rebuilt)


NOTEBOOK = """
import pickle, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
cells = [
    "from checkpointing import checkpoint",
    "def helper(x):\\n    return x * 7",
    "@checkpoint\\ndef f(x):\\n    return helper(x)",
]
for cell in cells:
    assert shell.run_cell(cell).success, cell
f = shell.user_ns["f"]
print("RESULT key", repr(f.key(2)))
with open(sys.argv[1], "wb") as out:
    pickle.dump(f, out)
"""


def test_notebook_cells_travel_with_their_source(tmp_path):
    """Functions of IPython cells (no file at all) key on a worker as in the notebook."""
    pytest.importorskip("IPython")
    (tmp_path / "notebook.py").write_text(NOTEBOOK, encoding="utf-8")
    (tmp_path / "child.py").write_text(CHILD, encoding="utf-8")
    notebook = run_python(["notebook.py", "f.pkl"], tmp_path)
    expected = dict(parse_results(notebook.stdout))["key"]
    child = run_python(["-W", "error", "child.py", "f.pkl", "-"], tmp_path)
    assert {"key": expected, "value": "14"} == dict(parse_results(child.stdout))
    bare = run_python(["child.py", "f.pkl", "no-shipping"], tmp_path)
    assert expected != dict(parse_results(bare.stdout))["key"]


POOL_SCRIPT = """
import multiprocessing
import sys

from checkpointing import checkpoint


@checkpoint(hmac_key=b"key given in the script")
def f(x):
    return x * 2


if __name__ == "__main__":
    # The pool starts before f is pickled: a forked worker has the key from
    # the parent's memory, a spawned one from importing this script again.
    with multiprocessing.get_context(sys.argv[1]).Pool(1) as pool:
        print("RESULT values", pool.map(f, [1, 2]))
    print("RESULT hit", f.is_cached(1) and f.is_cached(2))
"""


@pytest.mark.parametrize(
    "method",
    [
        pytest.param(
            "fork",
            marks=pytest.mark.skipif(
                "fork" not in multiprocessing.get_all_start_methods(),
                reason="no fork here",
            ),
        ),
        "spawn",
    ],
)
def test_pool_workers_sign_with_the_key_of_the_script(tmp_path, monkeypatch, method):
    """hmac_key= in the decorator reaches fork and spawn workers, not the pickle."""
    monkeypatch.delenv("CHECKPOINTING_HMAC_KEY", raising=False)
    (tmp_path / "main.py").write_text(POOL_SCRIPT, encoding="utf-8")
    done = run_python(["-W", "error", "main.py", method], tmp_path)
    assert {"values": "[2, 4]", "hit": "True"} == dict(parse_results(done.stdout))


# -- copies of one payload share a walk (Dask unpickles per task) -------------


def _walked(copy: Any) -> bool:
    """Whether *copy*'s own fingerprint memo exists (its code was walked)."""
    from checkpointing._fingerprint import _memo

    return bool(_memo.get(copy.__wrapped__))


def test_copies_of_one_payload_share_the_first_walk():
    scale = [3]

    @checkpoint
    def f(x):
        return x * scale[0]

    expected = f.key(2)
    payload = pickle.dumps(f)
    first = pickle.loads(payload)
    assert expected == first.key(2)
    assert _walked(first)
    second = pickle.loads(payload)
    assert expected == second.key(2)
    assert not _walked(second), "the second copy walked its code again"
    assert 6 == second(2)  # later calls: its own walk, the same key
    assert _walked(second)
    assert expected == second.key(2)


def test_a_copy_whose_state_changed_shares_nothing():
    """The first copy's globals changed (its task ran): later copies walk their own."""
    scale = [3]

    @checkpoint
    def f(x):
        return x * scale[0]

    expected = f.key(2)
    payload = pickle.dumps(f)
    first = pickle.loads(payload)
    assert expected == first.key(2)
    first.__wrapped__.__closure__[0].cell_contents[0] = 4  # its own copy of scale
    changed = first.key(2)  # walks again: valid for its new state
    assert expected != changed
    third = pickle.loads(payload)
    assert expected == third.key(2), "a copy took another copy's changed state"
    assert _walked(third)


def test_what_the_walk_read_outside_is_checked_again(monkeypatch):
    """An environment variable the code reads changed: the next copy's key follows."""
    monkeypatch.setenv("CHECKPOINTING_TEST_FACTOR", "3")

    @checkpoint
    def f(x):
        return x * int(os.environ["CHECKPOINTING_TEST_FACTOR"])

    payload = pickle.dumps(f)
    first = pickle.loads(payload)
    before = first.key(2)
    assert f.key(2) == before
    monkeypatch.setenv("CHECKPOINTING_TEST_FACTOR", "4")
    second = pickle.loads(payload)
    after = second.key(2)
    assert before != after, "the variable is not part of the key"
    assert f.key(2) == after
    assert first.key(2) == after
    assert _walked(second)


LITERAL_SCRIPT = """
import pickle
import sys

from checkpointing import checkpoint


def helper(x):
    return x + 1


@checkpoint(
    hmac_key="literal-key-in-the-script",
)
def f(x):
    print("COMPUTE", x, flush=True)
    return helper(x)


if __name__ == "__main__":
    print("RESULT key", repr(f.key(2)))
    print("RESULT value", f(2))
    with open(sys.argv[1], "wb") as out:
        pickle.dump(f, out)
"""


def test_the_decorator_of_the_function_stays_home(tmp_path, monkeypatch):
    """@checkpoint(hmac_key="...") in a script: its lines are not in the source sent."""
    monkeypatch.delenv("CHECKPOINTING_HMAC_KEY", raising=False)
    (tmp_path / "main.py").write_text(LITERAL_SCRIPT, encoding="utf-8")
    (tmp_path / "child.py").write_text(CHILD, encoding="utf-8")
    parent = run_python(["-W", "error", "main.py", "f.pkl"], tmp_path)
    payload = (tmp_path / "f.pkl").read_bytes()
    assert b"literal-key-in-the-script" not in payload
    assert b"def f(x):" in payload
    env = {"CHECKPOINTING_HMAC_KEY": "literal-key-in-the-script"}
    child = run_python(["-W", "error", "child.py", "f.pkl", "-"], tmp_path, env)
    assert dict(parse_results(parent.stdout)) == dict(parse_results(child.stdout))
    assert ["2"] == parse_computes(parent.stdout)
    assert [] == parse_computes(child.stdout), "the child must hit the parent's entry"
