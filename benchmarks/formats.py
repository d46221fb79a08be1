"""
Serializers compared on large results (issue 7).

* a 1 GiB float64 array through ``serializer="numpy"`` (``.npy`` file) and
  through the default pickle serializer (kept in the entry file): a miss that
  stores it, a hit that reads it, and a hit with ``mmap_mode="r"``;
* a ~100 MB pandas DataFrame through ``serializer="pandas"`` (Parquet via
  pyarrow) and through pickle: store, load, and the bytes on disk.

Run from a directory on the disk under test::

    python benchmarks/formats.py --json benchmarks/results/formats.json
    python benchmarks/formats.py --smoke            # CI: 8 MiB and 1 MB, once

Serializers alternate within each of ``--repeat`` rounds, in one process on
one disk; the report gives medians and ratios against pickle in the same run.
``os.sync()`` runs before each timed call, so an earlier write's writeback is
not billed to it. The first read of a fresh 1 GiB entry can wait for the
kernel to compact memory into huge pages (seconds, at random; ``numpy.load``
pays the same), so each round reads twice and both reads are samples.
Checked outside the timed region: every store was a miss that stored its entry
(the body ran, ``explain().hit`` after), every load a hit (the body did not run)
returning a value equal to the original, every mmap open a read-only view.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from pathlib import Path

import benchlib
import numpy as np
import pandas as pd

from checkpointing import checkpoint, scan


def timed(func) -> tuple[float, object]:
    """Seconds of one call, after flushing dirty pages, and its result."""
    os.sync()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def stored_bytes(function) -> float:
    """Mean bytes of the stored results of *function* (``scan``'s ``size_bytes``)."""
    records = scan(function.directory)
    assert records
    return sum(record.size_bytes for record in records) / len(records)


def compare(label, functions, calls, value, repeat, equal) -> dict:
    """Time store (a new key each run), load and mmap open for each serializer."""
    samples: dict[str, dict[str, list[float]]] = {
        name: {"store": [], "load": [], "mmap": []} for name in functions
    }
    counter = itertools.count()
    for _ in range(repeat):
        for name, function in functions.items():
            index = next(counter)
            runs = len(calls)
            seconds, result = timed(lambda f=function, i=index: f(i))
            assert len(calls) == runs + 1, "the store was not a miss"
            assert function.explain(index).hit, "the miss stored nothing"
            samples[name]["store"].append(seconds)
            del result
            for _ in range(2):
                seconds, result = timed(lambda f=function, i=index: f(i))
                samples[name]["load"].append(seconds)
                assert equal(result, value)
                del result
            if label == "array":
                mapped = function.using(mmap_mode="r")
                seconds, result = timed(lambda f=mapped, i=index: f(i))
                samples[name]["mmap"].append(seconds)
                assert not result.flags.writeable  # a view of the mapped file
                assert not result.flags.owndata
                del result
            assert len(calls) == runs + 1, "a timed load ran the function: a miss"
    return {
        name: {phase: benchlib.summarize(s) for phase, s in phases.items() if s}
        for name, phases in samples.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--frame-mb", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args(argv)
    if options.smoke:
        options.gib, options.frame_mb, options.repeat = 1 / 128, 1.0, 1
    array = np.arange(int(options.gib * (1 << 30)) // 8, dtype=np.float64)
    rows_count = int(options.frame_mb * 1e6) // 40  # 5 columns x 8 bytes
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows_count, dtype=np.int64),
            "x": rng.normal(size=rows_count),
            "y": rng.normal(size=rows_count),
            "label": rng.integers(0, 10, size=rows_count),
            "t": pd.date_range("2020-01-01", periods=rows_count, freq="s"),
        }
    )
    with (
        benchlib.Run("formats", options) as run,
        tempfile.TemporaryDirectory(prefix="formats-", dir=".") as tmp,
    ):
        root = Path(tmp)
        calls: list[int] = []
        arrays = {}
        for name in ("pickle", "numpy"):

            def produce(i):
                calls.append(i)
                return array

            # ignore_code: the array is the result, not an input to digest;
            # ``calls`` counts the body's runs without changing the key.
            arrays[name] = checkpoint(
                directory=root / f"array-{name}",
                serializer=name,
                ignore_code=["array", "calls"],
            )(produce)
        array_results = compare(
            "array", arrays, calls, array, options.repeat, np.array_equal
        )
        frames = {}
        for name in ("pickle", "pandas"):

            def build(i):
                calls.append(i)
                return frame

            frames[name] = checkpoint(
                directory=root / f"frame-{name}",
                serializer=name,
                ignore_code=["frame", "calls"],
            )(build)
        frame_results = compare(
            "frame", frames, calls, frame, options.repeat, lambda a, b: a.equals(b)
        )
        run.results.update(
            {
                "repeat": options.repeat,
                "array": {"bytes": int(array.nbytes), **array_results},
                "frame": {
                    "bytes": int(frame.memory_usage(index=True).sum()),
                    "rows": rows_count,
                    **frame_results,
                },
                "frame_stored_bytes_per_entry": {
                    name: stored_bytes(function) for name, function in frames.items()
                },
            }
        )
    import report

    print(report.render_script("formats", run.document()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
