"""
Store scaling: hit cost with 10 vs 100,000 entries per function, and clearing.

Issue 5's targets, measured in one run on the same disk:

* a lookup (cache hit) costs the same with 10 or 100,000 entries per function
  (ratio of medians close to 1.0);
* clearing 100,000 entries takes seconds, not minutes.

And a comparison of equal work: ``clear()`` of the same number of complete
entries (``--clear-entries``, 10,000) in checkpointing and in joblib
(``Memory.clear()``). The checkpointing entries are written by
:meth:`checkpointing.Store.save` (entry, manifest and catalog line: what a miss
writes, without running 10,000 misses), joblib's by 10,000 calls (a directory
with ``output.pkl`` and ``metadata.json`` each).

The 100,000 sibling entries of the scaling rows are copies of one real entry's
two files under other keys (real files, not links; never read by a hit of
another key), so the setup takes seconds instead of the many minutes 100,000
real misses would.

Run::

    python benchmarks/store_scaling.py --json benchmarks/results/store_scaling.json
    python benchmarks/store_scaling.py --smoke      # CI: 200 entries, once

Checked outside the timed region: every timed hit was a hit (the body's run log
did not grow; ``increment`` leaves it out of its key with ``ignore_code``),
each ``clear()`` reported and removed every entry, joblib's cache is empty
after its clear.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import tempfile
import time
from pathlib import Path

import benchlib

from checkpointing import Store, checkpoint, scan


def make_function(root: Path, calls: list):
    # ``calls`` records the body's runs; ignore_code keeps it out of the key.
    @checkpoint(directory=root, ignore_code=["calls"])
    def increment(x):
        calls.append(x)
        return x + 1

    return increment


def function_directory(function) -> Path:
    """The directory of *function*'s entries (from ``scan``: no private name)."""
    (record,) = scan(function.directory)
    return function.directory / record.function_id


def copy_siblings(function_dir: Path, template_key: str, count: int) -> None:
    """Add *count* sibling entries: copies of the template's two files."""
    entry = (function_dir / f"{template_key}.ckpt").read_bytes()
    manifest = (function_dir / f"{template_key}.json").read_bytes()
    for index in range(count):
        key = f"{index:032x}"
        (function_dir / f"{key}.ckpt").write_bytes(entry)
        (function_dir / f"{key}.json").write_bytes(manifest)


def save_entries(function, count: int) -> None:
    """Add *count* complete entries to *function*'s directory with ``Store.save``."""
    (record,) = scan(function.directory)
    store = Store(function.directory)
    template = store.manifest(record.function_id, record.key)
    assert template is not None
    payload = pickle.dumps(4, protocol=5)  # the value increment(3) stores
    for index in range(count):
        manifest = dataclasses.replace(template, key=f"{index:032x}", name="")
        store.save(manifest, payload, {})


def joblib_entries(root: Path, count: int):
    import joblib

    memory = joblib.Memory(os.fspath(root / "joblib"), verbose=0)

    def square(x):
        return x * x

    cached = memory.cache(square)
    for index in range(count):
        cached(index)
    assert all(cached.check_call_in_cache(i) for i in (0, count - 1))
    return memory


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--clear-entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50, help="samples per hit")
    parser.add_argument("--sample-ms", type=float, default=5.0)
    options = parser.parse_args(argv)
    if options.smoke:
        options.entries, options.clear_entries = 200, 50
        options.repeat, options.sample_ms = 3, 0.1
    sample = options.sample_ms / 1000
    results: dict = {"entries": options.entries, "clear_entries": options.clear_entries}
    with (
        benchlib.Run("store_scaling", options) as run,
        tempfile.TemporaryDirectory(prefix="store-scaling-", dir=".") as tmp,
    ):
        base = Path(tmp)
        functions = {}
        for label, total in (("small", 10), ("large", options.entries)):
            calls: list = []
            increment = make_function(base / f"cache-{label}", calls)
            increment(3)
            directory = function_directory(increment)
            copy_siblings(directory, increment.key(3), total - 1)
            assert len(list(directory.glob("*.ckpt"))) == total
            functions[label] = (increment, calls, total)
        benchlib.age(time.monotonic(), smoke=options.smoke)
        for label, (increment, calls, total) in functions.items():
            assert increment(3) == 4
            assert calls == [3]
            results[f"hit_{label}"] = benchlib.measure(
                lambda f=increment: f(3), repeat=options.repeat, sample_seconds=sample
            )
            results[f"is_cached_{label}"] = benchlib.measure(
                lambda f=increment: f.is_cached(3),
                repeat=options.repeat,
                sample_seconds=sample,
            )
            assert calls == [3], "a timed call ran the function: not a hit"
            results[f"entries_{label}"] = total
        increment, _, total = functions["large"]
        start = time.perf_counter()
        cleared = increment.clear()
        results["clear_large_seconds"] = time.perf_counter() - start
        assert cleared == total
        assert scan(increment.directory) == []

        # Equal work: the same number of complete entries on both sides.
        calls = []
        ours = make_function(base / "clear-checkpointing", calls)
        ours(3)
        save_entries(ours, options.clear_entries - 1)
        start = time.perf_counter()
        cleared = ours.clear()
        results["clear_checkpointing_seconds"] = time.perf_counter() - start
        assert cleared == options.clear_entries
        memory = joblib_entries(base, options.clear_entries)
        start = time.perf_counter()
        memory.clear(warn=False)
        results["clear_joblib_seconds"] = time.perf_counter() - start
        assert not any((base / "joblib").rglob("output.pkl"))
        run.results.update(results)
    import report

    print(report.render_script("store_scaling", run.document()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
