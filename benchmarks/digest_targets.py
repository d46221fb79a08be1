"""
Measure issue 6's argument-digest targets in one process.

Every ratio compares implementations on the same value in the same run::

    python benchmarks/digest_targets.py --json benchmarks/results/digest_targets.json
    python benchmarks/digest_targets.py --quick    # skip the 1 GB case
    python benchmarks/digest_targets.py --smoke    # CI: tiny values, once

The full run takes about a minute and needs ~3.5 GB of RAM. Cases: numpy
100 MB and 1 GB vs raw ``xxh3_128`` over the same buffer and vs
``joblib.hash``, with the legacy implementation (``test_bench_digest.py``) on
the same values (calls interleaved round by round, so a change of load hits
every implementation alike); the mixed 100 MB DataFrames vs ``joblib.hash``;
latency of small arguments; and the peak extra memory of the 1 GB digest
(``tracemalloc``, which sees numpy's allocations, and the process RSS
high-water mark). ``digest_value`` has no public equivalent: it is imported
from ``checkpointing.digest``. Checked outside the timed region: every timed
call returned the digest an untimed call returns for the same value.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import benchlib
import joblib
import numpy as np
import xxhash
from test_bench_digest import SIGNATURE, legacy_digest_value, mixed_frame

try:
    from checkpointing.digest import digest_arguments, digest_value
except ImportError:  # a src/ from before the digest package
    from checkpointing._digest import digest_arguments, digest_value

IMPLEMENTATIONS: dict[str, Callable[[Any], object]] = {
    "checkpointing": digest_value,
    "raw_xxh3": xxhash.xxh3_128_hexdigest,
    "legacy": legacy_digest_value,
    "joblib": joblib.hash,
}


def interleaved(
    functions: dict[str, Callable[[Any], object]], value: Any, rounds: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """
    Wall time of each function on *value*: ``rounds[name]`` calls each, alternating.

    One untimed call of each first gives the digest every timed call must return.
    """
    expected = {name: fn(value) for name, fn in functions.items()}
    times: dict[str, list[float]] = {name: [] for name in functions}
    for index in range(max(rounds.values())):
        for name, fn in functions.items():
            if index >= rounds[name]:
                continue
            start = time.perf_counter()
            result = fn(value)
            times[name].append(time.perf_counter() - start)
            assert _same(result, expected[name]), f"{name}: another result"
    return {name: benchlib.summarize(samples) for name, samples in times.items()}


def _same(result: object, expected: object) -> bool:
    if isinstance(expected, np.ndarray):
        return bool(np.array_equal(result, expected))
    return result == expected


def peak_memory(array: np.ndarray) -> dict[str, Any]:
    """Extra memory of one digest: tracemalloc peak and the RSS high-water mark."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    digest_value(array)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "value_bytes": int(array.nbytes),
        "tracemalloc_peak_bytes": traced_peak,
        "rss_high_water_delta_bytes": _rss_high_water_delta(
            lambda: digest_value(array)
        ),
    }


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


def small_arguments(*, repeat: int, sample: float) -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Callable[[], object]]] = {
        "digest_value(3)": {
            "checkpointing": functools.partial(digest_value, 3),
            "legacy": functools.partial(legacy_digest_value, 3),
        },
        "digest_value((3, 'a', 2.0))": {
            "checkpointing": functools.partial(digest_value, (3, "a", 2.0)),
            "legacy": functools.partial(legacy_digest_value, (3, "a", 2.0)),
        },
        "digest_arguments(f, (3,), {}) (3 parameters)": {
            "checkpointing": functools.partial(digest_arguments, SIGNATURE, (3,), {}),
        },
    }
    return {
        case: {
            name: benchlib.measure(fn, repeat=repeat, sample_seconds=sample)
            for name, fn in implementations.items()
        }
        for case, implementations in cases.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 1 GB case")
    options = parser.parse_args(argv)
    shrink = 1000 if options.smoke else 1
    rounds = 1 if options.smoke else None
    with benchlib.Run("digest_targets", options) as run:
        results = run.results
        results["shrink"] = shrink
        rng = np.random.default_rng(0)
        array = rng.random(100_000_000 // 8 // shrink)
        label = "ndarray float64 100 MB"
        results[label] = {
            "bytes": int(array.nbytes),
            **interleaved(
                IMPLEMENTATIONS,
                array,
                {
                    "checkpointing": rounds or 20,
                    "raw_xxh3": rounds or 20,
                    "legacy": rounds or 20,
                    "joblib": rounds or 3,
                },
            ),
        }
        transposed = array.reshape(10_000 // shrink, -1).T
        results["ndarray float64 100 MB, transposed view"] = {
            "bytes": int(array.nbytes),
            **interleaved(
                {
                    "checkpointing": digest_value,
                    "ascontiguousarray alone": np.ascontiguousarray,
                },
                transposed,
                {"checkpointing": rounds or 5, "ascontiguousarray alone": rounds or 3},
            ),
        }
        del array, transposed
        for name, object_strings in (
            ("DataFrame mixed, str (Arrow) strings", False),
            ("DataFrame mixed, object strings", True),
        ):
            frame = mixed_frame(object_strings=object_strings, shrink=shrink)
            results[name] = {
                "bytes": int(frame.memory_usage(deep=True).sum()),
                **interleaved(
                    {
                        "checkpointing": digest_value,
                        "legacy": legacy_digest_value,
                        "joblib": joblib.hash,
                    },
                    frame,
                    {
                        "checkpointing": rounds or 10,
                        "legacy": rounds or 2,
                        "joblib": rounds or 2,
                    },
                ),
            }
            del frame
        if not options.quick:
            big = np.random.default_rng(1).random(1_000_000_000 // 8 // shrink)
            results["ndarray float64 1 GB"] = {
                "bytes": int(big.nbytes),
                **interleaved(
                    IMPLEMENTATIONS,
                    big,
                    {
                        "checkpointing": rounds or 3,
                        "raw_xxh3": rounds or 3,
                        "legacy": rounds or 3,
                        "joblib": rounds or 1,
                    },
                ),
            }
            results["memory"] = peak_memory(big)
            del big
        results["small"] = small_arguments(
            repeat=3 if options.smoke else 50,
            sample=0.0005 if options.smoke else 0.02,
        )
    import report

    print(report.render_script("digest_targets", run.document()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
