"""
Where the time of one checkpointing cache hit goes, phase by phase.

Run from the repository root::

    python benchmarks/hit_breakdown.py                  # phases + comparison
    python benchmarks/hit_breakdown.py --miss-scaling   # + miss cost vs stored entries
    python benchmarks/hit_breakdown.py --profile        # + cProfile of 20k hits

It times, with :mod:`timeit` in one process, every phase of a hit of
``increment(3)`` (the function of ``test_bench_overhead.py``) in isolation, the
full hit, and the same call through ``functools.cache``, ``PlainCache``,
``diskcache`` and ``joblib``; then prints Markdown tables. Each sample is the
mean of ``number`` consecutive calls (``number`` chosen so a sample lasts about
``--sample-ms``); median / P90 / P99 are taken over ``--repeat`` samples. GC
stays enabled, as under pytest-benchmark.

The phases call the library's internals (``Checkpointed._store``,
``digest_arguments``, ``fingerprint_function``, ``Store.load``...), so they
follow the implementation; "glue" rows are the full time minus the measured
parts (dataclass construction, attribute lookups, function calls, logging).
"""

# ruff: noqa: PTH116, PTH123
# (os-level file calls on purpose: they are the floor being measured)
from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import itertools
import os
import pickle
import platform
import pstats
import statistics
import sys
import tempfile
import timeit
from importlib.metadata import version
from pathlib import Path

import diskcache
import joblib
import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_bench_overhead import PlainCache, increment

from checkpointing import checkpoint
from checkpointing._digest import digest_arguments, digest_value
from checkpointing._fingerprint import fingerprint_function
from checkpointing._manifest import FORMAT_VERSION
from checkpointing._settings import resolve_on_error

TARGET_VS_JOBLIB = 8.0
TARGET_VS_DISKCACHE = 1.5


class Timing:
    """Per-call seconds of one statement: median, P90, P99 over samples."""

    def __init__(self, samples: list[float]) -> None:
        ordered = sorted(samples)
        self.median = statistics.median(ordered)
        self.p90 = ordered[min(len(ordered) - 1, int(0.90 * len(ordered)))]
        self.p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def measure(func, *, repeat: int, sample_ms: float) -> Timing:
    """Time ``func()``; every sample is the mean of ``number`` back-to-back calls."""
    timer = timeit.Timer(func, setup=gc.enable)
    single = min(timer.repeat(repeat=5, number=1))
    number = max(1, int(sample_ms / 1000 / max(single, 1e-9)))
    timer.timeit(number)  # warm up
    return Timing([t / number for t in timer.repeat(repeat=repeat, number=number)])


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.2f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" if i else "---" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def build(root: Path):
    """Create every cached variant of ``increment`` and make ``(3,)`` a hit in each."""
    cp = checkpoint(directory=root / "checkpointing")(increment)
    plain = PlainCache(root / "plain")(increment)
    dc_cache = diskcache.Cache(os.fspath(root / "diskcache"))
    dc = dc_cache.memoize()(increment)
    jl = joblib.Memory(os.fspath(root / "joblib"), verbose=0).cache(increment)
    cached = functools.cache(increment)
    for f in (cp, plain, dc, jl, cached):
        f(3)
    if not cp.is_cached(3):
        raise SystemExit("checkpointing did not store increment(3): nothing to time")
    return cp, plain, dc_cache, dc, jl, cached


def hit_phases(cp, args: tuple, kwargs: dict):
    """Return ``[(phase, callable)]`` reproducing one hit step by step."""
    store = cp._store()
    codec = cp._codec()
    serializer = codec.serializer
    arguments_digest, _, _ = digest_arguments(
        cp._signature, args, kwargs, ignore=cp._ignore
    )
    fingerprint = fingerprint_function(
        cp._func, include_docstrings=cp._include_docstrings
    )
    key_text = (
        f"checkpointing/{FORMAT_VERSION}\0{fingerprint.digest}\0"
        f"{arguments_digest}\0{serializer.name}"
    )
    key = xxhash.xxh3_128_hexdigest(key_text.encode())
    if key != cp.key(*args, **kwargs):
        print(
            "note: the key formula changed; the 'key' row times the old formula",
            file=sys.stderr,
        )
    function_id = cp._function_id
    raw = store.load(function_id, key)
    path = os.fspath(store.entry_path(function_id, key))

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
        "  of which: signature.bind + apply_defaults": bind,
        "  of which: digest_value(3)": lambda: digest_value(3, parameter="x"),
        "fingerprint (fingerprint_function)": lambda: fingerprint_function(
            cp._func, include_docstrings=cp._include_docstrings
        ),
        "key (xxh3_128 of the key string)": lambda: xxhash.xxh3_128_hexdigest(
            key_text.encode()
        ),
        "plan total (Checkpointed._plan)": lambda: cp._plan(args, kwargs),
        "Store.load (path, read, verify)": lambda: store.load(function_id, key),
        "  of which: open + read of the entry file": read_file,
        "unpickle (serializer.loads)": lambda: serializer.loads(raw),
        "FULL HIT cp(3)": lambda: cp(*args, **kwargs),
    }


def floor_costs(cp) -> dict:
    """What the unavoidable parts of a hit cost on this machine (same entry file)."""
    store = cp._store()
    key = cp.key(3)
    path = os.fspath(store.entry_path(cp._function_id, key))
    raw = store.load(cp._function_id, key)

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
        "pickle.loads(payload)": lambda: pickle.loads(raw),
        "xxh3_128_hexdigest(64 bytes)": lambda: xxhash.xxh3_128_hexdigest(b"k" * 64),
    }


def print_breakdown(
    cp, plain, dc, jl, cached, *, repeat: int, sample_ms: float
) -> None:
    phases = hit_phases(cp, (3,), {})
    results = {
        name: measure(f, repeat=repeat, sample_ms=sample_ms)
        for name, f in phases.items()
    }
    full = results["FULL HIT cp(3)"].median
    plan = results["plan total (Checkpointed._plan)"].median
    plan_parts = sum(
        results[name].median
        for name in (
            "resolve store (Checkpointed._store)",
            "resolve codec (Checkpointed._codec)",
            "bind + digest args (digest_arguments)",
            "fingerprint (fingerprint_function)",
            "key (xxh3_128 of the key string)",
        )
    )
    after_plan = sum(
        results[name].median
        for name in (
            "on_error policy (resolve_on_error)",
            "Store.load (path, read, verify)",
            "unpickle (serializer.loads)",
        )
    )
    rows = []
    for name, timing in results.items():
        share = "" if name.startswith("  ") else f"{timing.median / full:.0%}"
        rows.append([name, us(timing.median), us(timing.p90), us(timing.p99), share])
        if name == "plan total (Checkpointed._plan)":
            rows.append(
                [
                    "  of which: plan glue (_Plan, calls)",
                    us(plan - plan_parts),
                    "",
                    "",
                    f"{(plan - plan_parts) / full:.0%}",
                ]
            )
        if name == "  of which: open + read of the entry file":
            own = results["Store.load (path, read, verify)"].median - timing.median
            rows.append(
                [
                    "  of which: store's own work (names, path, verify, copy)",
                    us(own),
                    "",
                    "",
                    "",
                ]
            )
        if name == "unpickle (serializer.loads)":
            glue = full - plan - after_plan
            rows.append(
                [
                    "call glue (_call/_prepare, logging)",
                    us(glue),
                    "",
                    "",
                    f"{glue / full:.0%}",
                ]
            )
    print("### Per-phase cost of one checkpointing hit (`increment(3)`)\n")
    print(table(["phase", "median µs", "P90 µs", "P99 µs", "share of full hit"], rows))
    print(
        "\nTop-level rows (no indent) other than the FULL row add up to the full hit:"
        " plan total + policy + load + unpickle + call glue.\n"
    )

    others = {
        "plain call": lambda: increment(3),
        "functools.cache hit": lambda: cached(3),
        "PlainCache hit (yardstick)": lambda: plain(3),
        "checkpointing hit": lambda: cp(3),
        "diskcache hit": lambda: dc(3),
        "joblib hit": lambda: jl(3),
    }
    timings = {
        name: measure(f, repeat=repeat, sample_ms=sample_ms)
        for name, f in others.items()
    }
    hit = timings["checkpointing hit"].median
    rows = [
        [name, us(t.median), us(t.p90), us(t.p99), f"{t.median / hit:.2f}"]
        for name, t in timings.items()
    ]
    floors = {
        name: measure(f, repeat=repeat, sample_ms=sample_ms)
        for name, f in floor_costs(cp).items()
    }
    print("### Floor costs on this machine (the hit's own entry file)\n")
    print(
        table(
            ["operation", "median µs", "P90 µs", "P99 µs"],
            [[name, us(t.median), us(t.p90), us(t.p99)] for name, t in floors.items()],
        )
    )
    print()
    print("### Hit latency, same process\n")
    print(
        table(
            ["implementation", "median µs", "P90 µs", "P99 µs", "time / checkpointing"],
            rows,
        )
    )

    jl_ratio = timings["joblib hit"].median / hit
    dc_ratio = timings["diskcache hit"].median / hit
    plain_ratio = timings["PlainCache hit (yardstick)"].median / hit
    rows = [
        [
            "vs joblib",
            f"{jl_ratio:.2f}x",
            f"≥ {TARGET_VS_JOBLIB}x",
            "met" if jl_ratio >= TARGET_VS_JOBLIB else "MISSED",
            us(timings["joblib hit"].median / TARGET_VS_JOBLIB),
        ],
        [
            "vs diskcache",
            f"{dc_ratio:.2f}x",
            f"≥ {TARGET_VS_DISKCACHE}x",
            "met" if dc_ratio >= TARGET_VS_DISKCACHE else "MISSED",
            us(timings["diskcache hit"].median / TARGET_VS_DISKCACHE),
        ],
        ["vs PlainCache", f"{plain_ratio:.2f}x", "(yardstick)", "", ""],
    ]
    print(
        "\n### Speed-up of the checkpointing hit (other median / checkpointing median)\n"
    )
    print(
        table(
            ["comparison", "speed-up", "target", "status", "hit budget for target µs"],
            rows,
        )
    )
    print()


def print_miss_scaling(root: Path, *, counts: list[int], misses: int) -> None:
    """Miss time of ``increment(n)`` (fresh *n*) once *count* entries are stored."""
    print("### Miss cost vs entries already stored for the function\n")
    rows = []
    for count in counts:
        cp = checkpoint(directory=root / f"miss-{count}")(increment)
        for n in range(count):
            cp(n)
        # Every miss explains itself against the stored manifests: time that read
        # at exactly *count* entries, before the timed misses add more.
        manifests = measure(
            functools.partial(cp._store().manifests, cp._function_id),
            repeat=20,
            sample_ms=1.0,
        )
        fresh = itertools.count(10**9)
        samples = []
        for _ in range(misses):
            n = next(fresh)
            samples.append(
                timeit.timeit(lambda cp=cp, n=n: cp(n), number=1, setup=gc.enable)
            )
        t = Timing(samples)
        rows.append([str(count), us(t.median), us(t.p90), us(manifests.median)])
    header = [
        "entries stored",
        f"miss median µs ({misses} misses)",
        "miss P90 µs",
        "Store.manifests() µs",
    ]
    print(table(header, rows))
    print()


def print_profile(cp, calls: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        cp(3)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    print(f"### cProfile of {calls:,} hits (top 20 by own time)\n")
    print("```")
    print(out.getvalue().strip())
    print("```")


def print_graph_scaling(root: Path, *, repeat: int, sample_ms: float) -> None:
    """Hit latency of a root reaching 1 vs 50 project functions (issue 3: <= 1.5x)."""
    import importlib

    from checkpointing import checkpoint

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
    one = checkpoint(directory=root / "graph-cache")(chain.f49)  # reaches itself only
    fifty = checkpoint(directory=root / "graph-cache")(chain.f0)  # reaches 50 functions
    one(3), fifty(3)
    small = measure(lambda: one(3), repeat=repeat, sample_ms=sample_ms)
    large = measure(lambda: fifty(3), repeat=repeat, sample_ms=sample_ms)
    ratio = large.median / small.median
    print(
        "### Hit latency by call-graph size (issue 3 target: 50 functions <= 1.5x of 1)\n"
    )
    print(
        table(
            ["root", "median µs", "P90 µs", "P99 µs"],
            [
                ["1 function", us(small.median), us(small.p90), us(small.p99)],
                ["50-function chain", us(large.median), us(large.p90), us(large.p99)],
            ],
        )
    )
    status = "met" if ratio <= 1.5 else "MISSED"
    print(f"\nratio 50 / 1: {ratio:.2f}x ({status})\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300, help="samples per statement")
    parser.add_argument(
        "--sample-ms", type=float, default=0.5, help="target sample length"
    )
    parser.add_argument(
        "--miss-scaling",
        action="store_true",
        help="also time misses with 0/100/1000 entries stored",
    )
    parser.add_argument("--profile", action="store_true", help="also print a cProfile")
    parser.add_argument(
        "--graph",
        action="store_true",
        help="also time hits by call-graph size (1 vs 50)",
    )
    options = parser.parse_args()

    versions = ", ".join(
        f"{name} {version(name)}"
        for name in ("checkpointing", "joblib", "diskcache", "xxhash", "cloudpickle")
    )
    print(
        f"Python {platform.python_version()} on {platform.platform()}, "
        f"{os.cpu_count()} CPUs; {versions}\n"
    )
    with tempfile.TemporaryDirectory(prefix="hit-breakdown-") as tmp:
        root = Path(tmp)
        cp, plain, dc_cache, dc, jl, cached = build(root)
        with dc_cache:
            print_breakdown(
                cp,
                plain,
                dc,
                jl,
                cached,
                repeat=options.repeat,
                sample_ms=options.sample_ms,
            )
        if options.miss_scaling:
            print_miss_scaling(root, counts=[0, 100, 1000], misses=30)
        if options.graph:
            print_graph_scaling(
                root, repeat=options.repeat, sample_ms=options.sample_ms
            )
        if options.profile:
            print_profile(cp, 20_000)


if __name__ == "__main__":
    main()
