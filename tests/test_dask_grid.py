"""
A grid of ``@checkpoint`` calls on a ``dask.distributed`` ``LocalCluster`` (issue 14).

Each scenario writes ``grid.py`` (functions in ``__main__``, so they travel by
value) and runs it in a fresh interpreter, as a user would. The script starts
a ``LocalCluster`` of two worker processes (one thread each), *then* gives
itself its settings (so the workers cannot inherit them from it) and deletes
its own file (so the workers cannot read the source), and runs:

* ``f`` over :data:`ITEMS` with ``client.map``; ``g`` over them with
  ``client.submit``; a ``dask.delayed`` graph over both (all hits by then);
* ``f`` over ``[20, 20, 20, 20]``: the duplicates run on both workers at once,
  and the local store's lock lets one compute (single flight);
* the keys the workers compute for ``f``, to compare with the client's.

``f`` reads ``helper_a`` and ``g`` reads ``helper_b``; editing ``helper_a``
must rerun exactly the ``f`` tasks. Bodies append ``COMPUTE f(i)`` to a log
every process shares, so the test counts the misses of all of them.

The settings reach the workers through ``checkpointing.distributed``'s
plugin or ``LocalCluster(env=...)``; the subprocess's own
``CHECKPOINTING_DIR`` points at a decoy that must stay empty. The cache
directory is a parameter (:class:`Grid`): a local path, or an ``s3://`` URL on
the test session's moto server (``tests/s3_server.py``), whose endpoint and
credentials reach the subprocess in its environment (and the workers, which
inherit it: ``FSSPEC_S3_ENDPOINT_URL`` is read by fsspec at import). On the
bucket, single flight of the duplicates comes from the store's S3 lease
instead of a file lock.
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import json
import os
import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from checkpointing.store._open import is_url

from .helpers import (
    PythonProcessError,
    parse_computes,
    parse_results,
    remove_bytecode,
    run_python,
    write_project,
)

pytestmark = pytest.mark.slow

#: A LocalCluster starts a scheduler and two worker interpreters.
TIMEOUT = 240.0

ITEMS = list(range(6))
DUPLICATE = 20
KEY = "grid-hmac-key-7f3a"

_LIBRARY_WARNING = re.compile(
    r"(IncompleteFingerprint|StoreWrite|CacheRead|LockTimeout|AmbientState"
    r"|UnsignedStore|Checkpointing)Warning"
)
_UNSIGNED_WARNING = re.compile(r"\bUnsignedStoreWarning\b")

_SCRIPT = """\
from __future__ import annotations

import json
import os
import time

from checkpointing import checkpoint

LOG = @LOG@
SETTINGS = json.loads(@SETTINGS@)


def log(name, i):
    with open(LOG, "a", encoding="utf-8") as out:
        out.write(f"COMPUTE {name}({i})\\n")


def helper_a(x):
    return x * @A@


def helper_b(x):
    return x + @B@


@checkpoint
def f(i):
    log("f", i)
    if i == @DUPLICATE@:
        time.sleep(1.0)  # the other worker starts its twin meanwhile
    return helper_a(i)


@checkpoint
def g(i):
    log("g", i)
    return helper_b(i)


def report(name, value):
    print("RESULT", name, json.dumps(value), flush=True)


def grid(client):
    import dask

    items = SETTINGS["items"]
    report("client_keys", [f.key(i) for i in items])
    report("worker_keys", client.gather(client.map(lambda i: f.key(i), items)))
    report("map_f", client.gather(client.map(f, items, pure=False)))
    report("submit_g", client.gather([client.submit(g, i, pure=False) for i in items]))
    parts = [dask.delayed(f)(i) for i in items] + [dask.delayed(g)(i) for i in items]
    report("delayed_sum", dask.delayed(sum)(parts).compute())
    twin = SETTINGS["duplicate"]
    report("duplicates", client.gather(client.map(f, [twin] * 4, pure=False)))


if __name__ == "__main__":
    from dask.distributed import Client, LocalCluster

    via = SETTINGS["via"]
    variables = {"CHECKPOINTING_DIR": SETTINGS["directory"]}
    if SETTINGS["key"] is not None:
        variables["CHECKPOINTING_HMAC_KEY"] = SETTINGS["key"]
    with LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        env=variables if via == "cluster-env" else {},
    ) as cluster, Client(cluster) as client:
        # The client's own settings, set after the workers started.
        os.environ.update(variables)
        os.environ.update(SETTINGS["environment"])
        os.unlink(__file__)
        if via == "plugin":
            from checkpointing.distributed import CheckpointingSettings

            client.register_plugin(
                CheckpointingSettings(
                    directory=SETTINGS["directory"],
                    hmac_key=SETTINGS["key"],
                    environment=SETTINGS["environment"],
                )
            )
        try:
            grid(client)
        except Exception as error:
            report("error", f"{type(error).__name__}: {error}")

        def worker_dir():
            return os.environ.get("CHECKPOINTING_DIR")

        def warned():
            # The stores this process warned about as unsigned (once each).
            from checkpointing.store import _open

            return sorted(_open._warned)

        def endpoint():
            return os.environ.get("FSSPEC_S3_ENDPOINT_URL") or os.environ.get(
                "AWS_ENDPOINT_URL_S3"
            )

        report("worker_dirs", sorted(client.run(worker_dir).values()))
        endpoints = client.run(endpoint)
        report("worker_endpoints", sorted(endpoints.values(), key=str))
        report("warned", sorted(client.run(warned).values()) + [warned()])
        if via == "plugin":  # its teardown restores each worker's variables
            client.unregister_worker_plugin("checkpointing-settings")
            report("worker_dirs_after", sorted(client.run(worker_dir).values()))
"""


class Grid:
    """
    ``grid.py`` in *root*, storing in *directory*, run with *env* on top.

    *directory* is what the workers get as ``CHECKPOINTING_DIR`` (a path, or
    a URL); *env* holds the subprocess's extra variables (a storage
    backend's endpoint and credentials), *storage_options* what this test
    process needs to open a URL *directory* itself. ``CHECKPOINTING_DIR`` of
    the subprocess itself is a decoy (:attr:`decoy`) that must stay empty.

    *plugin_environment* is set in the subprocess only after its workers
    started, and reaches them through the plugin (``environment=``).

    With *key* ``None`` the workers get no HMAC key, and ``UnsignedStoreWarning``
    lines are allowed (counted in :attr:`unsigned_warnings`); with a key, no
    library warning may appear.
    """

    def __init__(
        self,
        root: Path,
        directory: str,
        env: Mapping[str, str] | None = None,
        *,
        via: str = "plugin",
        key: str | None = KEY,
        storage_options: Mapping[str, Any] | None = None,
        plugin_environment: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.directory = directory
        self.storage_options = dict(storage_options or {})
        self.unsigned_warnings = 0
        self.log = root / "compute.log"
        self.decoy = root / "decoy"
        self.env = {
            **(env or {}),
            "CHECKPOINTING_DIR": str(self.decoy),
            "CHECKPOINTING_HMAC_KEY": "",  # none in the subprocess at start
        }
        self.settings = {
            "directory": directory,
            "key": key,
            "via": via,
            "items": ITEMS,
            "duplicate": DUPLICATE,
            "environment": dict(plugin_environment or {}),
        }

    def run(self, a: int, b: int) -> tuple[dict[str, object], Counter[str]]:
        """Write and run ``grid.py`` with helper factors *a*, *b*: results, misses."""
        text = (
            _SCRIPT.replace("@LOG@", repr(str(self.log)))
            .replace("@SETTINGS@", repr(json.dumps(self.settings)))
            .replace("@A@", str(a))
            .replace("@B@", str(b))
            .replace("@DUPLICATE@", str(DUPLICATE))
        )
        write_project(self.root, {"grid.py": text})
        remove_bytecode(self.root)
        self.log.unlink(missing_ok=True)
        done = run_python(["grid.py"], self.root, self.env, timeout=TIMEOUT)
        assert not (self.root / "grid.py").exists()
        warnings = [
            line for line in done.stderr.splitlines() if _LIBRARY_WARNING.search(line)
        ]
        unsigned = [line for line in warnings if _UNSIGNED_WARNING.search(line)]
        self.unsigned_warnings = len(unsigned)
        if self.settings["key"] is None:
            warnings = [line for line in warnings if line not in unsigned]
        assert [] == warnings, done.stderr
        results = {
            name: json.loads(value) for name, value in parse_results(done.stdout)
        }
        computes = (
            parse_computes(self.log.read_text(encoding="utf-8"))
            if self.log.exists()
            else []
        )
        assert [] == _entry_files(self.decoy), "a worker used the subprocess's dir"
        return results, Counter(computes)

    def verify(self) -> tuple[int, dict[str, object]]:
        """``python -m checkpointing verify --json``: exit code and report."""
        arguments = ["-m", "checkpointing", "verify", "--json", "--dir", self.directory]
        try:
            done = run_python(arguments, self.root, self.env)
        except PythonProcessError as failed:
            return failed.returncode or 0, json.loads(failed.stdout)
        return 0, json.loads(done.stdout)

    def signatures(self, key: str) -> Counter[str]:
        """
        Load every entry with the HMAC *key*: ``{"ok": n, <error>: n}``.

        (``verify`` checks checksums and manifests, not signatures: the
        subprocess runs without ``CHECKPOINTING_HMAC_KEY``.)
        """
        options = json.dumps(self.storage_options)
        done = run_python(
            ["-c", _SIGNATURES, self.directory, key, options], self.root, self.env
        )
        return Counter(json.loads(done.stdout))

    def entry_files(self) -> list[str]:
        """The files of the cache's functions (not the ones at its top)."""
        if not is_url(self.directory):
            return [str(path) for path in _entry_files(Path(self.directory))]
        import fsspec

        fs, root = fsspec.core.url_to_fs(
            self.directory,
            **self.storage_options,
            skip_instance_cache=True,
            use_listings_cache=False,
        )
        root = root.rstrip("/")
        return [name for name in fs.find(root) if posixpath.dirname(name) != root]


_SIGNATURES = """import json, sys
from checkpointing import CorruptEntryError
from checkpointing.store._open import open_store

store = open_store(
    sys.argv[1], hmac_key=sys.argv[2].encode(), storage_options=json.loads(sys.argv[3])
)
outcomes = []
for fid in store.function_ids():
    for name in store.manifest_names(fid):
        try:
            store.load(fid, name)
        except CorruptEntryError as error:
            outcomes.append(str(error).partition(": ")[2])  # without the path
        else:
            outcomes.append("ok")
print(json.dumps(outcomes))
"""


def _entry_files(directory: Path) -> list[Path]:
    """The files of a local cache directory's functions (none if it does not exist)."""
    if not directory.exists():
        return []
    return [p for p in directory.rglob("*") if p.is_file() and p.parent != directory]


def _expected(a: int, b: int) -> dict[str, object]:
    return {
        "map_f": [i * a for i in ITEMS],
        "submit_g": [i + b for i in ITEMS],
        "delayed_sum": sum(i * a for i in ITEMS) + sum(i + b for i in ITEMS),
        "duplicates": [DUPLICATE * a] * 4,
    }


def _calls(name: str, items: list[int]) -> Counter[str]:
    return Counter(f"{name}({i})" for i in items)


def _check(results: dict[str, object], a: int, b: int) -> None:
    assert "error" not in results, results["error"]
    assert _expected(a, b) == {name: results[name] for name in _expected(a, b)}
    assert results["client_keys"] == results["worker_keys"], (
        "a worker computes other keys than the client"
    )


@dataclass(frozen=True)
class Place:
    """Where a grid stores: its ``directory``, and what reaches it."""

    directory: str
    #: Extra variables of the grid's subprocess (inherited by its workers).
    env: dict[str, str] = field(default_factory=dict)
    #: How this test process opens *directory* (none for a path).
    storage_options: dict[str, Any] = field(default_factory=dict)
    #: The S3 endpoint the workers must see (``FSSPEC_S3_ENDPOINT_URL``).
    endpoint: str | None = None
    #: The moto server (``tests/s3_server.py``), to read its request log.
    server: Any = None

    def grid(self, root: Path, *, env: bool = True, **options: Any) -> Grid:
        """A :class:`Grid` storing here (*env*: whether the subprocess inherits :attr:`env`)."""
        return Grid(
            root,
            self.directory,
            self.env if env else {},
            storage_options=self.storage_options,
            **options,
        )


def _bucket_place(request: pytest.FixtureRequest) -> Place:
    bucket = request.getfixturevalue("s3_bucket")
    endpoint = bucket.server.endpoint_url
    return Place(
        bucket.url("grid"),
        env=dict(bucket.server.env),
        storage_options={"endpoint_url": endpoint},
        endpoint=endpoint,
        server=bucket.server,
    )


def _leases(requests: list[tuple[str, str]]) -> dict[str, Counter[str]]:
    """The methods of the requests on each lease object (``.locks/...``)."""
    leases: dict[str, Counter[str]] = {}
    for method, path in requests:
        if "/.locks/" in path:
            leases.setdefault(path.partition("?")[0], Counter())[method] += 1
    return leases


@pytest.fixture(params=["local", "s3"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Place:
    """A local cache directory, or a prefix in a fresh bucket on the moto server."""
    pytest.importorskip("distributed")
    if request.param == "local":
        return Place(str(tmp_path / "cache"))
    return _bucket_place(request)


@pytest.mark.parametrize("via", ["plugin", "cluster-env"])
def test_grid_on_a_local_cluster(tmp_path: Path, via: str, place: Place) -> None:
    project = tmp_path / "project"
    project.mkdir()
    grid = place.grid(project, via=via)

    since = place.server.log_offset() if place.server is not None else 0
    results, computes = grid.run(a=10, b=100)
    _check(results, 10, 100)
    assert [place.directory] * 2 == results["worker_dirs"]
    if place.endpoint is not None:  # inherited from the client's environment
        assert [place.endpoint] * 2 == results["worker_endpoints"]
    assert [[], [], []] == results["warned"], "a signed store warned as unsigned"
    if place.server is not None:
        # A lease per miss; the duplicates' one was contended: the second
        # worker's create failed and it polled (HEAD) until the release.
        leases = _leases(place.server.requests(since))
        assert 2 * len(ITEMS) + 1 == len(leases), leases
        contended = [m for m in leases.values() if m["PUT"] > 1]
        assert 1 == len(contended), leases
        assert contended[0]["HEAD"] >= 1, contended
    entry_files = grid.entry_files()
    assert len(entry_files) >= 2 * (2 * len(ITEMS) + 1), entry_files  # + manifests
    if via == "plugin":
        assert [str(grid.decoy)] * 2 == results["worker_dirs_after"]
    every_f = _calls("f", [*ITEMS, DUPLICATE])
    assert every_f + _calls("g", ITEMS) == computes, "each key computed once"

    entries = 2 * len(ITEMS) + 1
    code, report = grid.verify()
    assert (0, entries, []) == (code, report["ok"], report["problems"]), report
    # Signed with the client's key: each loads with it, none with another.
    assert Counter({"ok": entries}) == grid.signatures(KEY)
    mismatch = Counter({"HMAC signature mismatch: refused": entries})
    assert mismatch == grid.signatures("another key")

    if via == "cluster-env":
        return  # the rest does not depend on how the settings travelled

    results, computes = grid.run(a=10, b=100)
    _check(results, 10, 100)
    assert Counter() == computes, "a rerun of the grid is all hits"

    results, computes = grid.run(a=11, b=100)  # helper_a edited: f's tasks only
    _check(results, 11, 100)
    assert every_f == computes, "exactly the tasks of f rerun, none of g"


def test_a_worker_without_the_key_refuses(tmp_path: Path) -> None:
    """The key is not in the tasks: workers left without it raise, naming the fix."""
    pytest.importorskip("distributed")
    grid = Grid(tmp_path, str(tmp_path / "cache"), via="none")
    results, computes = grid.run(a=10, b=100)
    error = str(results["error"])
    assert error.startswith("ConfigurationError: __main__.f: its entries are signed")
    assert "CHECKPOINTING_HMAC_KEY" in error
    assert "CheckpointingSettings" in error
    assert KEY not in error
    assert Counter() == computes
    # Nothing was stored anywhere, signed or not.
    assert [] == _entry_files(tmp_path / "cache")
    assert [] == _entry_files(grid.decoy)


def test_an_unsigned_bucket_warns_once_per_process(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Without a key, the grid still works; each worker warns once, not per task."""
    pytest.importorskip("distributed")
    place = _bucket_place(request)
    grid = place.grid(tmp_path, key=None)
    results, computes = grid.run(a=10, b=100)
    _check(results, 10, 100)
    assert _calls("f", [*ITEMS, DUPLICATE]) + _calls("g", ITEMS) == computes
    *workers, client = results["warned"]
    assert [] == client, "the client opened no store"
    store = place.directory.rstrip("/")
    assert all(warned in ([], [store]) for warned in workers), workers
    assert 1 <= grid.unsigned_warnings == len([w for w in workers if w])


def test_the_plugin_carries_the_endpoint(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """
    Workers that did not inherit the endpoint get it from the plugin's ``environment=``.

    (A real cluster's workers do not share the client's environment.) The
    credentials are fake and in the environment of every process here.
    """
    pytest.importorskip("distributed")
    place = _bucket_place(request)
    assert not {"FSSPEC_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"} & set(os.environ)
    # botocore's own variable, read when a worker opens the bucket (as in the docs).
    endpoint = {"AWS_ENDPOINT_URL_S3": str(place.endpoint)}
    grid = place.grid(tmp_path, env=False, plugin_environment=endpoint)
    results, computes = grid.run(a=10, b=100)
    _check(results, 10, 100)
    assert [place.endpoint] * 2 == results["worker_endpoints"]
    assert _calls("f", [*ITEMS, DUPLICATE]) + _calls("g", ITEMS) == computes
    assert Counter({"ok": 2 * len(ITEMS) + 1}) == grid.signatures(KEY)
