"""
Where the time of one checkpointing cache hit goes, phase by phase.

Run from the repository root::

    python benchmarks/hit_breakdown.py --json benchmarks/results/hit_breakdown.json
    python benchmarks/hit_breakdown.py --miss-scaling --graph --profile  # the extras
    python benchmarks/hit_breakdown.py --smoke                           # CI: tiny

It times, with :mod:`timeit` in one process, every phase of a hit of
``increment(3)`` (the function of ``test_bench_overhead.py``) in isolation, the
full hit, and the same call through ``functools.cache``, both ``PlainCache``
yardsticks, ``diskcache`` and ``joblib``. Each sample is the mean of
``number`` consecutive calls (``number`` chosen so a sample lasts about
``--sample-ms``); median / P90 / P99 are taken over ``--repeat`` samples. GC
stays enabled, as under pytest-benchmark. The entries are aged
(``benchlib.AGE_SECONDS``) before timing, as in the pytest benchmarks.

``--miss-scaling``: the miss of ``increment(n)`` (fresh *n*) with 0, 100 and
1,000 entries already stored, and ``explain()`` of such a miss alone.
``--graph``: the hit of a root reaching 1 vs 50 project functions (issue 3).
``--profile``: the functions a hit spends its own time in (cProfile).

The phases call the library's private internals (``Checkpointed._plan``,
``_fingerprint``, ``_codec``, ``digest_arguments``, ``Store.load``...): this
script follows the implementation, and breaks (loudly) when it changes. "Glue"
rows are the full hit minus the measured parts. Checked outside the timed
region: the key the phases rebuild is the function's key; every timed full hit
was a hit (entries unchanged, body-run logs unchanged); every timed miss stored
its entry.
"""

# ruff: noqa: PTH116, PTH123
# (os-level file calls on purpose: they are the floor being measured)
from __future__ import annotations

import cProfile
import functools
import importlib
import itertools
import os
import pickle
import pstats
import sys
import tempfile
import time
import timeit
from pathlib import Path

import benchlib
import xxhash
from test_bench_overhead import HitCaches, increment

from checkpointing import checkpoint, scan
from checkpointing._manifest import FORMAT_VERSION
from checkpointing._settings import resolve_on_error

try:
    from checkpointing.digest import digest_arguments, digest_value
except ImportError:  # a src/ from before the digest package (hit_versus.py baselines)
    from checkpointing._digest import digest_arguments, digest_value


def hit_phases(cp, args: tuple, kwargs: dict) -> dict:
    """Return ``{phase: callable}`` reproducing one hit step by step."""
    plan = cp._plan(args, kwargs)
    # Since issue 13 the plan is made without a store (``Checkpointed._store``
    # resolves it, in both layouts); before, ``_plan`` resolved it too. The
    # "plan total" row times the same work on both sides: the plan and the store.
    store, codec = cp._store(), plan.codec
    if "store" in type(plan)._fields:

        def plan_total():
            return cp._plan(args, kwargs)

    else:

        def plan_total():
            return cp._plan(args, kwargs), cp._store()

    function_id, name, key = plan.function_id, plan.name, plan.key
    arguments_digest, _, _ = digest_arguments(
        cp._signature, args, kwargs, ignore=cp._ignore
    )
    key_text = (
        f"checkpointing/{FORMAT_VERSION}\0{cp._fingerprint().digest}\0"
        f"{arguments_digest}\0{codec.name}"
    )
    assert xxhash.xxh3_128_hexdigest(key_text.encode()) == key == cp.key(*args), (
        "the key formula changed: update hit_phases"
    )
    raw = store.load(function_id, name, key=key)
    path = os.fspath(store.entry_path(function_id, name))

    def read_file():
        with open(path, "rb") as file:
            return file.read()

    def bind():
        bound = cp._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound

    return {
        "on_error policy (resolve_on_error)": lambda: resolve_on_error(cp._on_error),
        "resolve store (Checkpointed._store)": cp._store,
        "resolve codec (Checkpointed._codec)": cp._codec,
        "bind + digest args (digest_arguments)": lambda: digest_arguments(
            cp._signature, args, kwargs, ignore=cp._ignore
        ),
        "  of which: signature.bind + apply_defaults (avoided)": bind,
        "  of which: digest_value(3)": lambda: digest_value(3, parameter="x"),
        "fingerprint (prepared fingerprinter, warm)": cp._fingerprint,
        "key (xxh3_128 of the key string)": lambda: xxhash.xxh3_128_hexdigest(
            key_text.encode()
        ),
        "plan total (Checkpointed._plan)": plan_total,
        "read total (codec.read: load + unpickle)": lambda: codec.read(
            store, function_id, name, key=key, max_age=None, mmap_mode=None
        ),
        "  of which: Store.load (stat, bytes kept or read, verify)": lambda: store.load(
            function_id, name, key=key
        ),
        "  of which: unpickle (serializer.loads)": lambda: codec.serializer.loads(raw),
        "  for comparison: open + read of the entry file": read_file,
        "FULL HIT cp(3)": lambda: cp(*args, **kwargs),
    }


def floor_costs(cp) -> dict:
    """What the unavoidable parts of a hit cost on this machine (same entry file)."""
    plan, store = cp._plan((3,), {}), cp._store()
    path = os.fspath(store.entry_path(plan.function_id, plan.name))
    raw = store.load(plan.function_id, plan.name, key=plan.key)

    def builtin_open():
        with open(path, "rb") as file:
            return file.read()

    def os_read():
        fd = os.open(path, os.O_RDONLY)
        try:
            return os.read(fd, 1 << 16)
        finally:
            os.close(fd)

    return {
        "open(path, 'rb').read()": builtin_open,
        "os.open + os.read + os.close": os_read,
        "os.stat(path)": lambda: os.stat(path),
        "time.time()": time.time,
        "pickle.loads(payload)": lambda: pickle.loads(raw),
        "xxh3_128_hexdigest(64 bytes)": lambda: xxhash.xxh3_128_hexdigest(b"k" * 64),
    }


def breakdown(caches: HitCaches, *, repeat: int, sample: float) -> dict:
    cp = caches.checkpointing
    before = benchlib.hit_state(cp, 3)
    assert before[0], "increment(3) is not a hit"
    phases = {
        name: benchlib.measure(f, repeat=repeat, sample_seconds=sample)
        for name, f in hit_phases(cp, (3,), {}).items()
    }
    floors = {
        name: benchlib.measure(f, repeat=repeat, sample_seconds=sample)
        for name, f in floor_costs(cp).items()
    }
    others = {
        "plain call": lambda: increment(3),
        "functools.cache": functools.partial(functools.cache(increment), 3),
        "PlainCache, stat + bytes kept (equal work)": lambda: caches.plain_recent(3),
        "PlainCache, open + read": lambda: caches.plain(3),
        "checkpointing": lambda: cp(3),
        "diskcache": lambda: caches.diskcache_memoized(3),
        "joblib": lambda: caches.joblib(3),
    }
    hits = {
        name: benchlib.measure(f, repeat=repeat, sample_seconds=sample)
        for name, f in others.items()
    }
    assert benchlib.hit_state(cp, 3) == before, "a timed call rewrote an entry"
    for name, log in caches.logs.items():
        assert log == [(3,)], f"{name}: the body ran during the timed calls"
    return {"phases": phases, "floors": floors, "hits": hits}


def miss_scaling(root: Path, *, counts: list[int], misses: int) -> list[dict]:
    """Miss time of ``increment(n)`` (fresh *n*) once *count* entries are stored."""
    rows = []
    for count in counts:
        cp = checkpoint(directory=root / f"miss-{count}")(increment)
        for n in range(count):
            cp(n)
        fresh = itertools.count(10**9)
        # explain() of a miss: the plan plus the stored manifests it is compared with.
        explain = [
            timeit.timeit(functools.partial(cp.explain, n), number=1)
            for n in itertools.islice(itertools.count(2 * 10**9), misses)
        ]
        samples = []
        given = []
        for _ in range(misses):
            given.append(next(fresh))
            samples.append(timeit.timeit(functools.partial(cp, given[-1]), number=1))
        stored = {record.arguments["x"] for record in scan(cp.directory)}
        assert len(stored) == count + misses
        assert {repr(n) for n in given} <= stored, "a timed miss stored nothing"
        rows.append(
            {
                "entries": count,
                "miss": benchlib.summarize(samples),
                "explain": benchlib.summarize(explain),
            }
        )
    return rows


def graph_scaling(root: Path, *, repeat: int, sample: float, smoke: bool) -> dict:
    """Hit latency of a root reaching 1 vs 50 project functions (issue 3)."""
    source = ["SCALE = 2"]
    for i in range(50):
        body = f"f{i + 1}(x) + {i}" if i < 49 else "x * SCALE"
        source += ["", "", f"def f{i}(x):", f"    return {body}"]
    (root / "bench_graph_chain.py").write_text("\n".join(source) + "\n")
    sys.path.insert(0, str(root))
    try:
        chain = importlib.import_module("bench_graph_chain")
    finally:
        sys.path.remove(str(root))
    roots = {
        "1 function": checkpoint(directory=root / "graph-cache")(chain.f49),
        "50-function chain": checkpoint(directory=root / "graph-cache")(chain.f0),
    }
    for function in roots.values():
        function(3)
    benchlib.age(time.monotonic(), smoke=smoke)
    before = {name: benchlib.hit_state(f, 3) for name, f in roots.items()}
    result = {
        name: benchlib.measure(
            functools.partial(f, 3), repeat=repeat, sample_seconds=sample
        )
        for name, f in roots.items()
    }
    for name, function in roots.items():
        assert before[name][0]
        assert benchlib.hit_state(function, 3) == before[name], f"{name}: not hits"
    return result


def profile(cp, calls: int) -> dict:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        cp(3)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    for (file, line, function), (_, ncalls, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append([f"{Path(file).name}:{line}({function})", ncalls, tottime])
    rows.sort(key=lambda row: row[2], reverse=True)
    total = sum(row[1] for row in rows)
    return {"calls": calls, "function_calls_per_hit": total / calls, "top": rows[:15]}


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--repeat", type=int, default=300, help="samples per statement")
    parser.add_argument("--sample-ms", type=float, default=0.5, help="sample length")
    parser.add_argument("--miss-scaling", action="store_true")
    parser.add_argument("--graph", action="store_true")
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args(argv)
    if options.smoke:
        options.repeat, options.sample_ms = 3, 0.05
        options.miss_scaling = options.graph = options.profile = True
    sample = options.sample_ms / 1000
    with (
        benchlib.Run("hit_breakdown", options) as run,
        tempfile.TemporaryDirectory(prefix="hit-breakdown-") as tmp,
    ):
        root = Path(tmp)
        caches = HitCaches(root)
        with caches.diskcache:
            caches.age(smoke=options.smoke)
            for cached in (caches.plain_recent, caches.checkpointing):
                cached(3)  # the first hit after aging keeps the bytes
            run.results.update(breakdown(caches, repeat=options.repeat, sample=sample))
        run.results["repeat"] = options.repeat
        run.results["sample_seconds"] = sample
        if options.miss_scaling:
            counts, misses = ([0, 5], 3) if options.smoke else ([0, 100, 1000], 30)
            run.results["miss_scaling"] = miss_scaling(
                root, counts=counts, misses=misses
            )
        if options.graph:
            run.results["graph"] = graph_scaling(
                root, repeat=options.repeat, sample=sample, smoke=options.smoke
            )
        if options.profile:
            calls = 200 if options.smoke else 20_000
            run.results["profile"] = profile(caches.checkpointing, calls)
    import report

    print(report.render_script("hit_breakdown", run.document()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
