"""
Store scaling: hit cost with 10 vs 100,000 entries per function, and clearing them.

Issue 5's targets, measured in one run on the same disk:

* a lookup (cache hit) costs the same with 10 or 100,000 entries per function
  (ratio of medians close to 1.0);
* clearing 100,000 entries takes seconds, not minutes (joblib's
  ``Memory.clear`` of 10,000 entries is timed alongside when joblib is
  installed, as the peer baseline).

The 100,000 sibling entries are hard links of one real entry's files under
other keys (their contents are never read by a hit of another key), so the
setup takes seconds instead of the ~5 minutes 100,000 real misses would.

Run: ``python benchmarks/store_scaling.py [--entries 100000] [--repeat 7]``;
prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from checkpointing import checkpoint


def median_us(func, repeat: int, number: int = 2000) -> float:
    """Median over *repeat* samples of the mean µs per call of *func*."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            func()
        samples.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(samples)


def populate(function_dir: Path, template_key: str, count: int) -> None:
    """Add *count* sibling entries (hard links of the template's files)."""
    entry = function_dir / f"{template_key}.ckpt"
    manifest = function_dir / f"{template_key}.json"
    sources = (entry, manifest)
    for index in range(count):
        key = f"{index:032x}"
        if index % 50_000 == 0 and index:  # ext4 allows 65,000 links per file
            sources = tuple(
                Path(shutil.copy(source, function_dir / f"{key}{source.suffix}"))
                for source in (entry, manifest)
            )
            continue
        os.link(sources[0], function_dir / f"{key}.ckpt")
        os.link(sources[1], function_dir / f"{key}.json")


def make_function(root: Path):
    @checkpoint(directory=root)
    def increment(x):
        return x + 1

    return increment


def joblib_clear_seconds(root: Path, count: int) -> float | None:
    try:
        import joblib
    except ImportError:
        return None
    memory = joblib.Memory(os.fspath(root / "joblib"), verbose=0)

    def square(x):
        return x * x

    cached = memory.cache(square)
    for index in range(count):
        cached(index)
    start = time.perf_counter()
    memory.clear(warn=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--joblib-entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="store-scaling-", dir=".") as tmp:
        base = Path(tmp)
        hits = {}
        for label, siblings in (
            ("10", 9),
            (f"{options.entries:,}", options.entries - 1),
        ):
            root = base / f"cache-{siblings}"
            increment = make_function(root)
            increment(3)
            key = increment.key(3)
            function_dir = root / increment._function_id
            populate(function_dir, key, siblings)
            entries = sum(
                1 for path in function_dir.iterdir() if path.suffix == ".ckpt"
            )
            hits[label] = (
                entries,
                median_us(lambda f=increment: f(3), options.repeat),
                median_us(lambda f=increment: f.is_cached(3), options.repeat, 500),
            )
            if siblings == options.entries - 1:
                start = time.perf_counter()
                cleared = increment.clear()
                clear_seconds = time.perf_counter() - start
        small, large = hits["10"], hits[f"{options.entries:,}"]
        rows.append(("hit `f(3)`, 10 entries", f"{small[1]:.2f} µs", ""))
        rows.append(
            (
                f"hit `f(3)`, {large[0]:,} entries",
                f"{large[1]:.2f} µs",
                f"{large[1] / small[1]:.2f}x of 10 entries (target ~1.0x)",
            )
        )
        rows.append(("`is_cached(3)`, 10 entries", f"{small[2]:.2f} µs", ""))
        rows.append(
            (
                f"`is_cached(3)`, {large[0]:,} entries",
                f"{large[2]:.2f} µs",
                f"{large[2] / small[2]:.2f}x of 10 entries",
            )
        )
        rows.append(
            (
                f"`clear()` of {cleared:,} entries",
                f"{clear_seconds:.2f} s",
                f"{cleared / clear_seconds:,.0f} entries/s",
            )
        )
        joblib_seconds = joblib_clear_seconds(base, options.joblib_entries)
        if joblib_seconds is not None:
            rows.append(
                (
                    f"joblib `Memory.clear()` of {options.joblib_entries:,} entries",
                    f"{joblib_seconds:.2f} s",
                    f"{options.joblib_entries / joblib_seconds:,.0f} entries/s",
                )
            )
    print(f"{os.cpu_count()} CPUs, medians of {options.repeat} samples\n")
    print("| measurement | value | note |")
    print("|---|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
