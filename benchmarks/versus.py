"""
Hit, miss, 1 GiB write and read, 100 MB digest: the tree against a baseline commit, in one run.

Run from the repository root::

    python benchmarks/versus.py --baseline 1ca5e3e --json benchmarks/results/versus.json
    python benchmarks/versus.py --smoke                      # CI: tiny, one round

Issue 13's target (a refactor, no behaviour change): each of these within five
percent of the commit before the refactor, measured in the same run. Machines
are noisy, so only the ratio of the two sides, measured alternately, is a
figure.

Each side is a ``src/`` tree: the baseline's exported with ``git archive REV
src``, the current side a copy of the working tree's (see ``hit_versus.py``,
whose helpers this script shares). Rounds alternate: baseline, current,
baseline, current... Each round is a new process running this file's
``--workload`` with the side's ``src/`` first on ``PYTHONPATH``, which checks
where it imported ``checkpointing`` from. The workload uses the public API only
(``@checkpoint``, ``fn.key``, ``fn.explain``), so any two layouts of the
private modules compare.

Per round and side, in seconds:

* ``hit``: median per call of a stored call ``f(1, 2)`` (``benchlib.measure``);
* ``miss``: median of 200 calls with new arguments (each computes ``x + 1``,
  writes an entry; the first 20 calls are a warm-up and not counted);
* ``write 1 GiB``: median of ``--repeat`` misses returning a 1 GiB float64
  array (stored as a new entry each time; ``os.sync()`` before each);
* ``read 1 GiB``: median of ``--repeat`` hits loading it back;
* ``digest 100 MB``: median of ``--repeat`` ``fn.key(array)`` of a 100 MB
  float64 array (digest of the argument and the function's fingerprint).

A warm-up round of each side runs first and is not counted (the first
gigabyte written on a machine pays for the page cache).

The report gives, per row, the median over rounds of each side's median and
the median over rounds of the paired ratio current / baseline (the two sides
of a round run back to back), and whether it is within five percent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import benchlib

DEFAULT_BASELINE = "1ca5e3e"
#: Issue 13: each row at most this many times the baseline's.
TARGET = 1.05
ROWS = ("hit", "miss", "write 1 GiB", "read 1 GiB", "digest 100 MB")
SIDES = ("baseline", "current")


def _timed(func: Any) -> tuple[float, Any]:
    """Seconds of one call after ``os.sync()`` (see large_results.py), and its result."""
    os.sync()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def workload(
    root: Path, *, gib: float, digest_mb: float, repeat: int
) -> dict[str, Any]:
    """The measurements of one side, in one process; see the module docstring."""
    import numpy as np

    import checkpointing
    from checkpointing import checkpoint

    rows: dict[str, float] = {}
    calls: list[object] = []

    @checkpoint(directory=root / "small")
    def add(x: int, y: int) -> int:
        return x + y

    add(1, 2)
    if not add.explain(1, 2).hit:
        raise RuntimeError("the small call was not stored")
    rows["hit"] = benchlib.measure(lambda: add(1, 2), repeat=20, sample_seconds=0.05)[
        "median"
    ]

    @checkpoint(directory=root / "misses")
    def increment(x: int) -> int:
        return x + 1

    miss_samples = []
    for i in range(220):
        start = time.perf_counter()
        increment(i)
        seconds = time.perf_counter() - start
        if i >= 20:
            miss_samples.append(seconds)
    if not increment.explain(219).hit:
        raise RuntimeError("the misses were not stored")
    rows["miss"] = median(miss_samples)

    array = np.arange(int(gib * (1 << 30)) // 8, dtype=np.float64)

    # ignore_code: the global array is the result here, and ``calls`` counts
    # the body's runs (misses) without being an input.
    @checkpoint(directory=root / "large", ignore_code=["array", "calls"])
    def produce(i: int) -> Any:
        calls.append(i)
        return array

    writes, reads = [], []
    for i in range(repeat):
        seconds, result = _timed(lambda i=i: produce(i))
        if calls[-1] != i or result is not array:
            raise RuntimeError("a timed write was not a miss")
        writes.append(seconds)
        del result
    produce(-1)
    runs = len(calls)
    for _ in range(repeat):
        seconds, result = _timed(lambda: produce(-1))
        if result.shape != array.shape or float(result[-1]) != float(array[-1]):
            raise RuntimeError("the read returned another array")
        reads.append(seconds)
        del result
    if len(calls) != runs:
        raise RuntimeError("a timed read ran the function: not a hit")
    rows["write 1 GiB"] = median(writes)
    rows["read 1 GiB"] = median(reads)

    data = np.arange(int(digest_mb * 1e6) // 8, dtype=np.float64)

    @checkpoint(directory=root / "digest")
    def summed(values: Any) -> float:
        return float(values.sum())

    keys, digests = set(), []
    for _ in range(repeat):
        start = time.perf_counter()
        keys.add(summed.key(data))
        digests.append(time.perf_counter() - start)
    if len(keys) != 1:
        raise RuntimeError("one array gave several keys")
    rows["digest 100 MB"] = median(digests)
    return {
        "rows": rows,
        "checkpointing_from": str(Path(checkpointing.__file__).parent),
    }


def run_side(
    side: str, src: str, number: int, root: Path, sizes: dict[str, Any]
) -> dict[str, Any]:
    """One ``--workload`` process for *side*, checked to import from *src*."""
    from hit_versus import imported_from, side_environment

    env = side_environment(src)
    expected = (Path(src) / "checkpointing").resolve()
    found = imported_from(env)
    if found != expected:
        raise RuntimeError(
            f"{side}: checkpointing imports from {found}, not {expected}"
        )
    label = "warm-up" if number < 0 else f"round {number + 1}"
    print(f"== {label}, {side}: {src}", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"{side}-{number + 1}-", dir=root) as tmp:
        completed = subprocess.run(
            [
                sys.executable,
                __file__,
                "--workload",
                tmp,
                "--gib",
                str(sizes["gib"]),
                "--digest-mb",
                str(sizes["digest_mb"]),
                "--repeat",
                str(sizes["repeat"]),
            ],
            cwd=benchlib.REPOSITORY,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode:
        raise RuntimeError(f"{side}: the workload failed:\n{completed.stderr[-4000:]}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    if Path(measured["checkpointing_from"]).resolve() != expected:
        raise RuntimeError(f"{side}: measured {measured['checkpointing_from']}")
    return measured


def compare(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per row: each side's median over rounds, and the median of the paired round ratios."""
    summary = {}
    for row in ROWS:
        # Each round's two sides ran back to back: their ratio is the paired
        # figure, and its median over rounds the result, so that one round that
        # met a writeback storm (1 GiB rows swing by 30% here) does not decide.
        means = {side: median(r["rows"][row] for r in runs[side]) for side in SIDES}
        round_ratios = [
            c["rows"][row] / b["rows"][row]
            for b, c in zip(runs["baseline"], runs["current"], strict=True)
        ]
        ratio = median(round_ratios)
        summary[row] = {
            **means,
            "ratio": ratio,
            "round_ratios": round_ratios,
            "within_5_percent": ratio <= TARGET,
        }
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, metavar="REV")
    parser.add_argument("--rounds", type=int, help="runs per side (default 3; smoke 1)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="large operations per round"
    )
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--digest-mb", type=float, default=100.0)
    parser.add_argument("--workload", metavar="DIR", help=argparse_hidden())
    options = parser.parse_args(argv)
    if options.workload:
        import warnings

        warnings.simplefilter("error")  # a store failure must not pass for a fast write
        result = workload(
            Path(options.workload),
            gib=options.gib,
            digest_mb=options.digest_mb,
            repeat=options.repeat,
        )
        print(json.dumps(result))
        return 0
    from hit_versus import prepare_sides

    rounds = options.rounds or (1 if options.smoke else 3)
    sizes = {
        "gib": options.gib,
        "digest_mb": options.digest_mb,
        "repeat": options.repeat,
    }
    if options.smoke:
        sizes = {"gib": 1 / 256, "digest_mb": 1.0, "repeat": 1}
    with (
        benchlib.Run("versus", options) as run,
        tempfile.TemporaryDirectory(prefix="versus-") as tmp,
    ):
        root = Path(tmp)
        baseline, current = prepare_sides(
            options.baseline, root, run.environment["git"], smoke=options.smoke
        )
        sources = {"baseline": baseline["src"], "current": current["src"]}
        runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
        # One round per side first, not counted: the first gigabyte written on
        # a machine pays for the page cache and the file system's allocation.
        warmup = {
            side: run_side(side, sources[side], -1, root, sizes)
            for side in (() if options.smoke else SIDES)
        }
        for number in range(rounds):
            for side in SIDES:
                runs[side].append(run_side(side, sources[side], number, root, sizes))
        summary = compare(runs)
        run.results.update(
            {
                "baseline": baseline,
                "current": current,
                "rounds": rounds,
                "sizes": sizes,
                "warmup": warmup,
                "runs": runs,
                "summary": summary,
                "target": TARGET,
                "all_within_5_percent": all(
                    s["within_5_percent"] for s in summary.values()
                ),
            }
        )
    import report

    print(report.render_script("versus", run.document()))
    return 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(main())
