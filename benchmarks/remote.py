"""
Remote stores (issue 14): S3 hits, a local tier in front, a Dask grid, 1 GiB to and from S3.

Every figure is a ratio against a baseline measured in the same run, rounds
interleaved (the order of the sides rotates from round to round); the report
gives the median of the per-round ratios, and each side's raw times:

* **remote hit**: ``add(1, 2)`` through ``@checkpoint(directory="s3://...")``
  against the same function's hit in a local directory;
* **local tier in front**: ``directory=[local, "s3://..."]``, a hit served by
  the local tier, against the plain local hit (issue 14's goal: <= 1.2x);
* **Dask grid**: 1,000 small cached calls (``client.map`` + ``gather``) on a
  ``LocalCluster`` of 4 worker processes (one thread each), all hits (the grid
  ran once to fill the store), against the same grid of the undecorated
  function; with a local store and with the S3 bucket;
* **1 GiB**: a ``bytes`` result of 1 GiB written (a miss) and read back (a
  hit) through ``@checkpoint`` on S3, against a raw s3fs ``pipe_file`` and
  ``cat_file`` of the same bytes (goal: raw time / checkpointing's >= 0.9).

The S3 server is moto's server mode in a subprocess on localhost, started
here (``tests/s3_server.py``'s ``S3Server``); its request log gives the
requests each operation sent. ``CHECKPOINTING_HMAC_KEY`` is set (entries are
signed and verified, as the docs recommend for shared stores).

    python benchmarks/remote.py --json benchmarks/results/remote.json
    python benchmarks/remote.py --smoke          # CI: tiny sizes, one round

Checked outside the timed regions: every timed hit was a hit (the body ran
only for the fills: a counter the keys do not see; on the workers, every
entry's key and creation time the same before and after), every timed miss
stored its entry (``explain().hit`` after), results equal.
"""

from __future__ import annotations

import collections
import os
import signal
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib

# tests/s3_server.py: the moto server the test suite starts (not a mock).
sys.path.append(str(benchlib.REPOSITORY))
from tests.s3_server import CREDENTIALS, S3Server, _start_server

from checkpointing import checkpoint

HMAC_KEY = "benchmark-hmac-key"
#: Bodies run (misses); the keys do not see it (``ignore_code``).
CALLS: list[Any] = []


def add(a, b):
    CALLS.append((a, b))
    return a + b


def task(i):
    return 2 * i + 1


def rotated(sides: list[str], index: int) -> list[str]:
    """*sides* rotated by *index*: each side goes first in turn."""
    shift = index % len(sides)
    return sides[shift:] + sides[:shift]


def ratios(
    samples: dict[str, list[float]], side: str, baseline: str, *, inverse: bool = False
) -> list[float]:
    """Per-round ratios: *side*'s time over *baseline*'s (baseline's over *side*'s)."""
    pairs = zip(samples[side], samples[baseline], strict=True)
    return [(b / s) if inverse else (s / b) for s, b in pairs]


def request_counts(
    server: S3Server, func: Callable[[], object], calls: int
) -> dict[str, float]:
    """Requests per call of *func* (``calls`` calls), by HTTP method, from the server's log."""
    since = server.log_offset(settle=0.1)
    for _ in range(calls):
        func()
    counts = collections.Counter(
        method for method, _ in server.requests(since, settle=0.1)
    )
    return {method: counts[method] / calls for method in sorted(counts)}


# -- 1. and 2.: hits --------------------------------------------------------------
def hits(root: Path, server: S3Server, bucket: str, options: Any) -> dict[str, Any]:
    storage = {"endpoint_url": server.endpoint_url}
    functions = {
        "local": checkpoint(directory=root / "local", ignore_code=["CALLS"])(add),
        "remote": checkpoint(
            directory=f"s3://{bucket}/hits",
            storage_options=storage,
            ignore_code=["CALLS"],
        )(add),
        "tier": checkpoint(
            directory=[str(root / "tier"), f"s3://{bucket}/tier"],
            storage_options=storage,
            ignore_code=["CALLS"],
        )(add),
    }
    for function in functions.values():
        assert function(1, 2) == 3
    written = time.monotonic()
    assert len(CALLS) == len(functions), "the fills were not misses"
    benchlib.age(written, smoke=options.smoke)
    for name, function in functions.items():
        assert function.explain(1, 2).hit, f"{name}: no entry"
    # The floor of a remote hit: the same entry object fetched with one GET by
    # a raw s3fs client (what the store's read sends), nothing else.
    fs = server.filesystem()
    (entry,) = [path for path in fs.find(f"{bucket}/hits") if path.endswith(".ckpt")]
    assert fs.cat_file(entry, max_concurrency=1)

    def raw_get(a: int, b: int) -> bytes:
        return bytes(fs.cat_file(entry, max_concurrency=1))

    calls: dict[str, Callable[[int, int], object]] = {**functions, "raw_get": raw_get}
    # Calls per sample: a sample lasts about --sample-seconds on each side.
    numbers = {}
    for name, function in calls.items():
        single = min(timeit.repeat(lambda f=function: f(1, 2), number=1, repeat=5))
        numbers[name] = max(1, int(options.sample_seconds / max(single, 1e-9)))
        if options.smoke:
            numbers[name] = 3
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for index in range(options.rounds):
        for name in rotated(list(calls), index):
            function, number = calls[name], numbers[name]
            seconds = timeit.timeit(lambda f=function: f(1, 2), number=number)
            samples[name].append(seconds / number)
    requests = {
        name: request_counts(server, lambda f=function: f(1, 2), 20)
        for name, function in calls.items()
        if name != "local"
    }
    assert len(CALLS) == len(functions), "a timed hit ran the function: not a hit"
    return {
        "function": "add(1, 2)",
        "rounds": options.rounds,
        "calls_per_sample": numbers,
        **{name: benchlib.summarize(s) for name, s in samples.items()},
        "round_ratios": {
            "remote": ratios(samples, "remote", "local"),
            "tier": ratios(samples, "tier", "local"),
            "remote_vs_raw_get": ratios(samples, "remote", "raw_get"),
        },
        "requests_per_hit": requests,
    }


# -- 3.: a Dask grid ---------------------------------------------------------------
def entries(fs: Any, directory: str) -> list[tuple[str, str]]:
    """Every entry file (``.ckpt``) under *directory*, with its version (ETag or mtime)."""
    found = fs.find(directory, detail=True)
    return sorted(
        (name, str(info.get("ETag") or info.get("mtime")))
        for name, info in found.items()
        if name.endswith(".ckpt")
    )


def copy_entries(local: Path, fs: Any, target: str) -> int:
    """
    Copy the entry and manifest files of the local store *local* to *target*.

    The S3 store's entries are the local format (same keys, same signatures),
    so this fills the bucket with what the grid's misses would write there,
    without running them (quicker than 1,000 misses; before the listing fix,
    each S3 miss also read every manifest already stored, about a million
    requests in all). Catalogs and tags are left out.
    """
    sources, targets = [], []
    for path in sorted(local.rglob("*")):
        relative = path.relative_to(local)
        if (
            path.is_file()
            and len(relative.parts) == 2  # <function>/<entry file>
            and not relative.name.startswith(".")
            and relative.suffix in (".ckpt", ".json")
        ):
            sources.append(str(path))
            targets.append(f"{target}/{relative.as_posix()}")
    fs.put(sources, targets)
    return len(sources)


def timed_miss(server: S3Server, function: Any, argument: int) -> dict[str, Any]:
    """One miss of *function* in this process: seconds and S3 requests."""
    since = server.log_offset(settle=0.1)
    start = time.perf_counter()
    assert function(argument) == task(argument)
    seconds = time.perf_counter() - start
    counts = collections.Counter(m for m, _ in server.requests(since, settle=0.1))
    assert function.explain(argument).hit, "the miss stored nothing"
    return {"seconds": seconds, "requests": dict(sorted(counts.items()))}


def grid(root: Path, server: S3Server, bucket: str, options: Any) -> dict[str, Any]:
    import fsspec
    from dask.distributed import Client, LocalCluster

    from checkpointing.distributed import CheckpointingSettings

    storage = {"endpoint_url": server.endpoint_url}
    cached = {
        "local": checkpoint(directory=str(root / "grid"))(task),
        "s3": checkpoint(directory=f"s3://{bucket}/grid", storage_options=storage)(
            task
        ),
    }
    s3 = server.filesystem()
    places = {
        "local": (fsspec.filesystem("file"), str(root / "grid")),
        "s3": (s3, f"{bucket}/grid"),
    }
    items = list(range(options.tasks))
    expected = [task(i) for i in items]
    functions: dict[str, Any] = {"plain": task, **cached}
    samples: dict[str, list[float]] = {name: [] for name in functions}
    with (
        LocalCluster(
            n_workers=options.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(CheckpointingSettings(hmac_key=HMAC_KEY))

        def run(function: Any) -> float:
            start = time.perf_counter()
            results = client.gather(client.map(function, items, pure=False))
            seconds = time.perf_counter() - start
            assert results == expected
            return seconds

        run(task)  # warm-up: the workers import what the tasks need
        fill = run(cached["local"])  # all misses
        # What one S3 miss costs with no entry stored, then with the grid's.
        misses = {"empty": timed_miss(server, cached["s3"], -1)}
        start = time.perf_counter()
        copied = copy_entries(root / "grid", s3, f"{bucket}/grid")
        copy_seconds = time.perf_counter() - start
        misses["full"] = timed_miss(server, cached["s3"], -2)
        misses["full"]["entries"] = len(items) + 1
        # Untimed: each worker's first S3 task opens its own s3fs client.
        first_s3 = run(cached["s3"])
        stored = {name: entries(*place) for name, place in places.items()}
        assert len(stored["local"]) == len(items)
        assert len(stored["s3"]) == len(items) + 2
        for index in range(options.rounds):
            for name in rotated(list(functions), index):
                samples[name].append(run(functions[name]))
        for name in cached:
            assert entries(*places[name]) == stored[name], (
                f"{name}: a timed call missed"
            )
    return {
        "tasks": len(items),
        "workers": options.workers,
        "rounds": options.rounds,
        "fill": {"local": fill},
        "s3_copy": {"files": copied, "seconds": copy_seconds},
        "s3_first_run": first_s3,
        "s3_miss": misses,
        **{name: benchlib.summarize(s) for name, s in samples.items()},
        "round_ratios": {name: ratios(samples, name, "plain") for name in cached},
    }


# -- 4.: 1 GiB to and from S3 ------------------------------------------------------
def large(root: Path, server: S3Server, bucket: str, options: Any) -> dict[str, Any]:
    size = int(options.gib * (1 << 30))
    payload = os.urandom(size)
    fs = server.filesystem()
    storage = {"endpoint_url": server.endpoint_url}
    runs: list[int] = []

    # ignore_code: the global payload is the *result*, not an input to digest.
    @checkpoint(
        directory=f"s3://{bucket}/large",
        storage_options=storage,
        ignore_code=["payload", "runs"],
    )
    def produce(i):
        runs.append(i)
        return payload

    raw_path = f"{bucket}/raw/payload.bin"
    samples: dict[str, list[float]] = {
        name: []
        for name in (
            "raw_put",
            "raw_get",
            "raw_get_single",
            "store_write",
            "store_read",
        )
    }
    #: The client's CPU seconds (this process, all threads) of each operation.
    cpu: dict[str, list[float]] = {name: [] for name in samples}
    requests: dict[str, dict[str, float]] = {}

    def timed(name: str, func: Callable[[], object]) -> object:
        since = server.log_offset(settle=0.1) if name not in requests else None
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        samples[name].append(time.perf_counter() - start)
        cpu[name].append(time.process_time() - start_cpu)
        if since is not None:
            counts = collections.Counter(m for m, _ in server.requests(since))
            requests[name] = dict(sorted(counts.items()))
        return result

    def raw_side() -> None:
        timed("raw_put", lambda: fs.pipe_file(raw_path, payload))
        data = timed("raw_get", lambda: fs.cat_file(raw_path))
        assert data == payload
        del data
        # What the store's read does: one GetObject, no ranged parts.
        data = timed("raw_get_single", lambda: fs.cat_file(raw_path, max_concurrency=1))
        assert data == payload
        del data
        fs.rm(raw_path)  # one copy in the server at a time

    def store_side(key: int) -> None:
        result = timed("store_write", lambda: produce(key))
        assert runs[-1] == key, "not a miss"
        assert result is payload
        count = len(runs)
        result = timed("store_read", lambda: produce(key))
        assert len(runs) == count, "the read ran the function: not a hit"
        assert result == payload
        del result
        produce.clear()

    for index in range(options.large_rounds):
        sides = [raw_side, lambda index=index: store_side(index)]
        for side in rotated(sides, index):  # type: ignore[arg-type]
            side()
    return {
        "bytes": size,
        "rounds": options.large_rounds,
        **{name: benchlib.summarize(s) for name, s in samples.items()},
        "cpu": {name: benchlib.summarize(s) for name, s in cpu.items()},
        "round_ratios": {
            "write": ratios(samples, "store_write", "raw_put", inverse=True),
            "read": ratios(samples, "store_read", "raw_get", inverse=True),
            "read_single": ratios(
                samples, "store_read", "raw_get_single", inverse=True
            ),
        },
        "requests": requests,
    }


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--rounds", type=int, default=9, help="rounds of hits")
    parser.add_argument("--sample-seconds", type=float, default=0.2)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--grid-rounds", type=int, default=5)
    parser.add_argument("--gib", type=float, default=1.0, help="large result in GiB")
    parser.add_argument("--large-rounds", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=["hits", "grid", "large"],
        action="append",
        help="run only these parts (repeatable); default all",
    )
    options = parser.parse_args(argv)
    if options.smoke:
        options.rounds, options.grid_rounds, options.large_rounds = 1, 1, 1
        options.tasks, options.workers, options.gib = 20, 2, 4 / 1024
    parts = options.only or ["hits", "grid", "large"]
    # A terminated run stops its server too (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"{__file__}: terminated"))
    os.environ.update(CREDENTIALS)
    os.environ["CHECKPOINTING_HMAC_KEY"] = HMAC_KEY
    with tempfile.TemporaryDirectory(prefix="remote-bench-") as tmp:
        root = Path(tmp)
        server = _start_server(root)
        try:
            bucket = "bench"
            server.filesystem().mkdir(bucket)
            with benchlib.Run("remote", options) as run:
                run.results["server"] = "moto server mode, localhost subprocess"
                if "hits" in parts:
                    run.results["hits"] = hits(root, server, bucket, options)
                if "grid" in parts:
                    grid_options = _with(options, rounds=options.grid_rounds)
                    run.results["grid"] = grid(root, server, bucket, grid_options)
                if "large" in parts:
                    run.results["large"] = large(root, server, bucket, options)
        finally:
            server.stop()
    import report

    print(report.render_script("remote", run.document()))
    return 0


def _with(options: Any, **changes: Any) -> Any:
    import argparse

    return argparse.Namespace(**{**vars(options), **changes})


if __name__ == "__main__":
    raise SystemExit(main())
