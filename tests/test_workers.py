"""
A ``@checkpoint`` function defined in a script, run by worker processes.

Each scenario writes ``main.py`` to ``tmp_path`` and runs it with the current
interpreter. ``main.py`` defines ``f`` (decorated) in ``__main__`` and maps it
over inputs with one of:

* joblib's ``loky`` backend (``Parallel(n_jobs=2)``);
* a ``dask.distributed`` ``LocalCluster`` of two worker processes;
* ``multiprocessing.Pool`` and ``concurrent.futures.ProcessPoolExecutor`` with
  the ``spawn`` and ``forkserver`` start methods.

The body of ``f`` appends ``COMPUTE f(<i>)`` to a log file (worker processes
do not all share the script's standard output, a file they all do), so the
test counts the misses of every process. What must hold, whatever carried
``f`` to the worker (a reference to ``__main__.f``, cloudpickle by value, the
script re-imported as ``__mp_main__``):

* results are correct and each key is computed exactly once;
* a second run of the script is all hits;
* an edit of a helper ``f`` calls reruns every task, with the new results;
* every entry is stored under one function, ``__main__.f`` (never split
  between ``__main__.f`` and ``__mp_main__.f``), and the key a worker computes
  for ``f(3)`` is the key the parent computes, so a result the parent stored
  is a hit in the workers.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from .helpers import (
    bump_mtimes,
    parse_computes,
    parse_results,
    remove_bytecode,
    run_python,
    write_project,
)

# Every test starts several interpreters and worker pools.
pytestmark = pytest.mark.slow

#: Worker pools start interpreters of their own; dask starts a scheduler too.
TIMEOUT = 180.0

ITEMS = list(range(8))

_LIBRARY_WARNING = re.compile(
    r"(IncompleteFingerprint|StoreWrite|CacheRead|LockTimeout|AmbientState"
    r"|UnsignedStore|Checkpointing)Warning"
)

# ``@FACTOR@`` is the helper's body, ``@LOG@`` the log file, ``@DRIVER@`` the
# code that maps ``f`` over the items in worker processes (as ``pmap``).
_SCRIPT = """\
from __future__ import annotations

import os
import sys
import time

from checkpointing import checkpoint

LOG = @LOG@


def helper(x):
    return x * @FACTOR@


@checkpoint
def f(i):
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(f"COMPUTE f({i})\\n")
    return helper(i) + 1


@checkpoint
def slow(i):
    with open(LOG, "a", encoding="utf-8") as log:
        log.write(f"COMPUTE slow({i})\\n")
    time.sleep(1.0)  # the twins start on the other worker meanwhile
    return i


def key_of(i):
    return f.key(i)


def main(pmap):
    mode = sys.argv[1]
    if mode == "map":
        print("RESULT results", repr(list(pmap(f, @ITEMS@))), flush=True)
    elif mode == "parent-first":
        # The parent computes f(3) and stores it; the workers must hit.
        print("RESULT parent", repr(f(3)), flush=True)
        print("RESULT parent_key", repr(f.key(3)), flush=True)
        print("RESULT worker_keys", repr(list(pmap(key_of, [3, 3]))), flush=True)
        print("RESULT worker", repr(list(pmap(f, [3, 3]))), flush=True)
    elif mode == "duplicates":
        print("RESULT duplicates", repr(list(pmap(slow, [7, 7, 7, 7]))), flush=True)
    elif mode == "deleted":
        list(pmap(abs, [-1, -2]))  # the workers are up (spawn reads this file)
        keys = [f.key(i) for i in @ITEMS@]
        os.unlink(__file__)  # the workers cannot read the source
        # f.key pickles f by value: a spawned worker's own __mp_main__.f
        # (loaded from the file, now gone) is not what is asked here.
        print("RESULT same_keys", repr(list(pmap(f.key, @ITEMS@)) == keys), flush=True)
        print("RESULT results", repr(list(pmap(f, @ITEMS@))), flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


@DRIVER@
"""

_DRIVERS = {
    "loky": """\
if __name__ == "__main__":
    from joblib import Parallel, delayed

    def pmap(fn, items):
        return Parallel(n_jobs=2, backend="loky")(delayed(fn)(i) for i in items)

    main(pmap)
""",
    "dask": """\
if __name__ == "__main__":
    from dask.distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
    ) as cluster, Client(cluster) as client:

        def pmap(fn, items):
            return client.gather(client.map(fn, items, pure=False))

        main(pmap)
""",
    "pool": """\
if __name__ == "__main__":
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method, kind = sys.argv[2], sys.argv[3]
    context = multiprocessing.get_context(method)
    if kind == "executor":
        with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            main(lambda fn, items: list(pool.map(fn, items)))
    else:
        with context.Pool(2) as pool:
            main(pool.map)
""",
}


class Project:
    """``main.py`` in a temporary directory, its cache and its compute log."""

    def __init__(self, root: Path, driver: str, *, default_directory: bool) -> None:
        self.root = root
        self.driver = driver
        self.log = root / "compute.log"
        if default_directory:
            self.cache = root / ".checkpointing"
            self.env: dict[str, str] = {}
        else:
            self.cache = root / "cache"
            self.env = {"CHECKPOINTING_DIR": str(self.cache)}
        self.stage = 0

    def write(self, factor: int) -> None:
        """(Re)write ``main.py`` with ``helper(x) = x * factor``."""
        text = (
            _SCRIPT.replace("@LOG@", repr(str(self.log)))
            .replace("@FACTOR@", str(factor))
            .replace("@ITEMS@", repr(ITEMS))
            .replace("@DRIVER@", _DRIVERS[self.driver])
        )
        write_project(self.root, {"main.py": text})
        remove_bytecode(self.root)
        self.stage += 1
        bump_mtimes(self.root, 1_700_000_000 + 10 * self.stage)

    def run(self, *arguments: str) -> tuple[dict[str, str], Counter[str]]:
        """Run ``main.py``: its ``RESULT`` lines and the misses of every process."""
        self.log.unlink(missing_ok=True)
        completed = run_python(
            ["main.py", *arguments], self.root, self.env, timeout=TIMEOUT
        )
        warnings = [
            line
            for line in completed.stderr.splitlines()
            if _LIBRARY_WARNING.search(line)
        ]
        assert not warnings, completed.stderr
        computes = (
            parse_computes(self.log.read_text(encoding="utf-8"))
            if self.log.exists()
            else []
        )
        return dict(parse_results(completed.stdout)), Counter(computes)

    def entries(self) -> list[dict[str, object]]:
        """The entries ``python -m checkpointing list --json`` reports."""
        completed = run_python(
            ["-m", "checkpointing", "list", "--json", "--dir", str(self.cache)],
            self.root,
            timeout=TIMEOUT,
        )
        return json.loads(completed.stdout)


def _expected(factor: int, items: list[int] = ITEMS) -> list[int]:
    return [i * factor + 1 for i in items]


def _once_each(items: list[int] = ITEMS) -> Counter[str]:
    return Counter(f"f({i})" for i in items)


def _assert_one_function(entries: list[dict[str, object]], count: int) -> None:
    functions = Counter(str(e["function_id"]) for e in entries)
    assert functions == {"__main__.f": count}, functions
    assert all(e["readable"] for e in entries), entries


def _three_runs(project: Project, *arguments: str) -> None:
    """First run computes each key once, second is all hits, a helper edit reruns all."""
    project.write(factor=10)
    results, computes = project.run("map", *arguments)
    assert results["results"] == repr(_expected(10))
    assert computes == _once_each(), "run 1: each key computed exactly once"
    _assert_one_function(project.entries(), len(ITEMS))

    results, computes = project.run("map", *arguments)
    assert results["results"] == repr(_expected(10))
    assert computes == Counter(), "run 2: every call is a hit"

    project.write(factor=100)  # helper's body changed: every task reruns
    results, computes = project.run("map", *arguments)
    assert results["results"] == repr(_expected(100))
    assert computes == _once_each(), "run 3: the helper edit reruns every key once"
    # The entries of the first code version are kept next to the new ones.
    _assert_one_function(project.entries(), 2 * len(ITEMS))


def _parent_then_workers(project: Project, *arguments: str) -> None:
    """f(3) computed in the parent is a hit in the workers, under the same key."""
    project.write(factor=10)
    results, computes = project.run("parent-first", *arguments)
    assert results["parent"] == repr(31)
    assert results["worker"] == repr([31, 31])
    parent_key = results["parent_key"]
    assert results["worker_keys"] == repr([ast.literal_eval(parent_key)] * 2), (
        "a worker computes another key for f(3) than the parent"
    )
    assert computes == Counter({"f(3)": 1}), "the workers must hit the parent's entry"
    _assert_one_function(project.entries(), 1)

    # And the other way round: a second run (parent and workers) is all hits.
    results, computes = project.run("parent-first", *arguments)
    assert results["worker"] == repr([31, 31])
    assert computes == Counter()


_DIRECTORIES = [
    pytest.param("env", id="CHECKPOINTING_DIR"),
    # The default ./.checkpointing, relative to each worker's working directory.
    pytest.param("default", id="default-dir", marks=pytest.mark.first_user),
]


@pytest.mark.parametrize("directory", _DIRECTORIES)
def test_joblib_loky(tmp_path: Path, directory: str) -> None:
    pytest.importorskip("joblib")
    _three_runs(Project(tmp_path, "loky", default_directory=directory == "default"))


def test_joblib_loky_parent_key_is_worker_key(tmp_path: Path) -> None:
    pytest.importorskip("joblib")
    _parent_then_workers(Project(tmp_path, "loky", default_directory=False))


@pytest.mark.parametrize("directory", _DIRECTORIES)
def test_dask_local_cluster(tmp_path: Path, directory: str) -> None:
    pytest.importorskip("distributed")
    _three_runs(Project(tmp_path, "dask", default_directory=directory == "default"))


def test_dask_parent_key_is_worker_key(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    _parent_then_workers(Project(tmp_path, "dask", default_directory=False))


_METHODS = [
    "spawn",
    pytest.param(
        "forkserver",
        marks=pytest.mark.skipif(
            sys.platform == "win32", reason="forkserver is POSIX only"
        ),
    ),
]


@pytest.mark.parametrize("kind", ["executor", "pool"])
@pytest.mark.parametrize("method", _METHODS)
def test_process_pool(tmp_path: Path, method: str, kind: str) -> None:
    _three_runs(Project(tmp_path, "pool", default_directory=False), method, kind)


@pytest.mark.parametrize("kind", ["executor", "pool"])
@pytest.mark.parametrize("method", _METHODS)
def test_process_pool_parent_key_is_worker_key(
    tmp_path: Path, method: str, kind: str
) -> None:
    _parent_then_workers(
        Project(tmp_path, "pool", default_directory=False), method, kind
    )


# -- issue 14: single flight of duplicates, and a script deleted under its workers

_POOLS = [
    pytest.param("loky", (), id="loky"),
    pytest.param("pool", ("spawn", "pool"), id="spawn-pool"),
    pytest.param(
        "pool",
        ("forkserver", "executor"),
        id="forkserver-executor",
        marks=pytest.mark.skipif(
            sys.platform == "win32", reason="forkserver is POSIX only"
        ),
    ),
]


@pytest.mark.parametrize(("driver", "arguments"), _POOLS)
def test_duplicates_compute_once(tmp_path: Path, driver: str, arguments) -> None:
    """Twins running at once on two workers: one computes, the others wait and hit."""
    if driver == "loky":
        pytest.importorskip("joblib")
    project = Project(tmp_path, driver, default_directory=False)
    project.write(factor=10)
    results, computes = project.run("duplicates", *arguments)
    assert results["duplicates"] == repr([7, 7, 7, 7])
    assert computes == Counter({"slow(7)": 1})


@pytest.mark.parametrize(("driver", "arguments"), _POOLS[:2])
def test_script_deleted_before_the_workers_key(
    tmp_path: Path, driver: str, arguments
) -> None:
    """The source travels with f: workers without the file key as the parent does."""
    if driver == "loky":
        pytest.importorskip("joblib")
    project = Project(tmp_path, driver, default_directory=False)
    project.write(factor=10)
    results, computes = project.run("deleted", *arguments)
    assert not (tmp_path / "main.py").exists()
    assert results["same_keys"] == "True"
    assert results["results"] == repr(_expected(10))
    assert computes == _once_each()


_BUCKET_POOLS = [
    pytest.param("loky", (), id="loky"),
    pytest.param("pool", ("spawn", "executor"), id="spawn-executor"),
]


@pytest.mark.parametrize(("driver", "arguments"), _BUCKET_POOLS)
def test_duplicates_compute_once_on_a_bucket(
    tmp_path: Path, s3_bucket, driver: str, arguments
) -> None:
    """
    The same with the cache in a bucket (moto): the S3 lease gives single flight.

    The endpoint and credentials reach the script and its workers through
    the environment (workers inherit it); the key signs, so no
    ``UnsignedStoreWarning``.
    """
    if driver == "loky":
        pytest.importorskip("joblib")
    project = Project(tmp_path, driver, default_directory=False)
    project.env = {
        **s3_bucket.server.env,
        "CHECKPOINTING_DIR": s3_bucket.url("cache"),
        "CHECKPOINTING_HMAC_KEY": "pool-hmac-key",
    }
    project.write(factor=10)
    since = s3_bucket.server.log_offset()
    results, computes = project.run("duplicates", *arguments)
    assert results["duplicates"] == repr([7, 7, 7, 7])
    assert computes == Counter({"slow(7)": 1})
    # One lease, contended: a twin's create failed, and it polled until released.
    leases = Counter(
        method
        for method, path in s3_bucket.server.requests(since)
        if "/.locks/__main__.slow/" in path
    )
    assert leases["PUT"] > 1, leases
    assert leases["HEAD"] >= 1, leases
    stored = s3_bucket.fs.find(f"{s3_bucket.name}/cache/__main__.slow")
    assert len([name for name in stored if name.endswith(".ckpt")]) == 1, stored
