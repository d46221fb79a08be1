"""
Measure issue 6's argument-digest targets in one process and print Markdown.

Every ratio compares implementations on the same value in the same run::

    python benchmarks/digest_targets.py            # ~1 min, needs ~3.5 GB of RAM
    python benchmarks/digest_targets.py --quick    # skip the 1 GB case

Rows: numpy 100 MB and 1 GB vs raw ``xxh3_128`` over the same buffer and vs
``joblib.hash``; the mixed 100 MB DataFrame vs ``joblib.hash``; the legacy
implementation (``test_bench_digest.py``) on the same values; latency of small
arguments; and the peak extra memory of the 1 GB digest (``tracemalloc``, which
sees numpy's allocations, and the process RSS high-water mark).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import xxhash

sys.path.insert(0, str(Path(__file__).parent))
from test_bench_digest import (
    SIGNATURE,
    legacy_digest_value,
    mixed_frame,
)

from checkpointing._digest import digest_arguments, digest_value

RESULTS: list[tuple[str, str, str, str]] = []


def median_seconds(fn: Callable[[Any], object], value: Any, rounds: int) -> float:
    """Median wall time of *rounds* calls (after one warm-up call)."""
    fn(value)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn(value)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(
    functions: list[Callable[[Any], object]], value: Any, rounds: int
) -> list[float]:
    """
    Median wall time of each function, calls alternating round by round.

    Alternating keeps a load change on the shared machine from favouring one
    side of a ratio.
    """
    for fn in functions:
        fn(value)
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(rounds):
        for fn, samples in zip(functions, times, strict=True):
            start = time.perf_counter()
            fn(value)
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def micro_seconds(stmt: Callable[[], object]) -> float:
    """Best per-call time over 5 repeats of ~0.2 s each."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            stmt()
        if time.perf_counter() - start > 0.2:
            break
        number *= 2
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(number):
            stmt()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def human(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:,.2f} {unit}"
    return f"{seconds / 1e-9:,.0f} ns"


def rate(size: int, seconds: float) -> str:
    return f"{size / seconds / 1e9:,.1f} GB/s"


def row(target: str, measured: str, ratio: str, status: str) -> None:
    RESULTS.append((target, measured, ratio, status))


def array_case(label: str, array: np.ndarray, rounds: int, joblib_rounds: int) -> None:
    size = array.nbytes
    ours, raw, legacy = interleaved_medians(
        [digest_value, xxhash.xxh3_128_hexdigest, legacy_digest_value], array, rounds
    )
    other = median_seconds(joblib.hash, array, joblib_rounds)
    row(
        f"{label}: ≥ 0.8x raw xxh3",
        f"{human(ours)} ({rate(size, ours)}) vs raw {human(raw)} ({rate(size, raw)})",
        f"{raw / ours:.2f}x",
        "met" if raw / ours >= 0.8 else "MISSED",
    )
    row(
        f"{label}: ≥ 20x joblib.hash",
        f"joblib {human(other)} ({rate(size, other)})",
        f"{other / ours:.0f}x",
        "met" if other / ours >= 20 else "MISSED",
    )
    row(
        f"{label}: legacy (A/B)", f"legacy {human(legacy)}", f"{legacy / ours:.2f}x", ""
    )


def frame_case(label: str, frame: Any, rounds: int) -> None:
    size = int(frame.memory_usage(deep=True).sum())
    ours = median_seconds(digest_value, frame, rounds)
    other = median_seconds(joblib.hash, frame, 2)
    legacy = median_seconds(legacy_digest_value, frame, 2)
    row(
        f"{label} ({size / 1e6:.0f} MB deep): ≥ 10x joblib.hash",
        f"{human(ours)} vs joblib {human(other)}",
        f"{other / ours:.0f}x",
        "met" if other / ours >= 10 else "MISSED",
    )
    row(
        f"{label}: legacy (A/B)", f"legacy {human(legacy)}", f"{legacy / ours:.1f}x", ""
    )


def peak_memory(array: np.ndarray) -> None:
    """Extra memory of one digest: tracemalloc peak and the RSS high-water mark."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    digest_value(array)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    hwm_delta = _rss_high_water_delta(lambda: digest_value(array))
    hwm = "n/a" if hwm_delta is None else f"{hwm_delta / 1e6:.2f} MB"
    share = traced_peak / array.nbytes
    row(
        "1 GB: peak extra memory < 1% of the argument",
        f"tracemalloc peak {traced_peak:,} B; RSS high-water delta {hwm}",
        f"{share:.6%}",
        "met" if share < 0.01 else "MISSED",
    )


def _rss_high_water_delta(fn: Callable[[], object]) -> int | None:
    """VmHWM growth while *fn* runs (Linux: reset through /proc/self/clear_refs)."""
    status = Path("/proc/self/status")
    clear = Path("/proc/self/clear_refs")
    if not status.exists() or not os.access(clear, os.W_OK):
        return None

    def read(field: str) -> int:
        for line in status.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    clear.write_text("5")  # reset the high-water mark to the current RSS
    before = read("VmRSS:")
    fn()
    return read("VmHWM:") - before


def small_arguments() -> None:
    for label, stmt, legacy in [
        ("digest_value(3)", lambda: digest_value(3), lambda: legacy_digest_value(3)),
        (
            "digest_value((3, 'a', 2.0))",
            lambda: digest_value((3, "a", 2.0)),
            lambda: legacy_digest_value((3, "a", 2.0)),
        ),
        (
            "digest_arguments(f, (3,), {}) (3 params, bind included)",
            lambda: digest_arguments(SIGNATURE, (3,), {}),
            None,
        ),
    ]:
        ours = micro_seconds(stmt)
        old = micro_seconds(legacy) if legacy is not None else None
        ratio = f"{old / ours:.1f}x faster than legacy" if old else ""
        row(f"small: {label}", human(ours), ratio, "met" if ours < 5e-6 else "MISSED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1 GB case")
    options = parser.parse_args()
    rng = np.random.default_rng(0)
    array = rng.random(100_000_000 // 8)
    array_case("numpy 100 MB", array, rounds=20, joblib_rounds=3)
    transposed = array.reshape(10_000, -1).T
    ours = median_seconds(digest_value, transposed, 5)
    copy = median_seconds(np.ascontiguousarray, transposed, 3)
    row(
        "numpy 100 MB transposed view (no target)",
        f"{human(ours)} ({rate(array.nbytes, ours)}); "
        f"np.ascontiguousarray alone {human(copy)}",
        "",
        "",
    )
    del array, transposed
    frame_case("DataFrame mixed, str (Arrow) strings", mixed_frame(), rounds=10)
    frame_case(
        "DataFrame mixed, object strings",
        mixed_frame(object_strings=True),
        rounds=5,
    )
    if not options.quick:
        big = np.random.default_rng(1).random(1_000_000_000 // 8)
        array_case("numpy 1 GB", big, rounds=3, joblib_rounds=1)
        peak_memory(big)
        del big
    small_arguments()
    print("| Target | Measured (medians) | Ratio | Status |")
    print("| --- | --- | ---: | --- |")
    for result in RESULTS:
        print("| " + " | ".join(result) + " |")


if __name__ == "__main__":
    main()
