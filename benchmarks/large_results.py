"""
Large results through the store: a 1 GiB float64 array written and read back.

Issue 5's targets, as ratios measured in the same run on the same disk:

* write (a miss storing the array) >= 0.9x a raw Python write of the same bytes;
* read (a hit loading it) >= 0.9x ``numpy.load`` of the same array from ``.npy``;
* a hit with ``mmap_mode="r"`` opens in a few milliseconds (pages read on use).

Run: ``python benchmarks/large_results.py [--gib 1] [--repeat 3]``; prints a
Markdown table (best of *repeat* runs each, seconds and GB/s).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from checkpointing import checkpoint


def best(func, repeat: int) -> float:
    """Best wall time of *repeat* calls (seconds): the machine is shared and noisy."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
        del result  # freeing a 1 GiB result (~30 ms) is not part of the call
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=1.0, help="array size in GiB")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    count = int(options.gib * (1 << 30)) // 8
    array = np.arange(count, dtype=np.float64)
    with tempfile.TemporaryDirectory(prefix="large-results-", dir=".") as tmp:
        root = Path(tmp)
        counter = iter(range(10**9))

        # ignore_code: the global array is the *result* here; digesting it as
        # an input on every call would measure the digest, not the store.
        @checkpoint(directory=root / "cache", ignore_code=["array"])
        def produce(i):
            return array

        files = iter(range(10**9))

        def raw_write() -> None:
            # A new file each time, as the store writes a new entry each time.
            with open(root / f"raw-{next(files)}.bin", "wb") as file:  # noqa: PTH123
                file.write(memoryview(array).cast("B"))

        def store_write() -> None:
            produce(next(counter))  # a new key each time: a miss that stores 1 GiB

        npy = root / "array.npy"
        np.save(npy, array)
        produce(-1)
        write_raw = write_store = float("inf")
        for _ in range(options.repeat):  # alternated, as the reads below
            write_raw = min(write_raw, best(raw_write, 1))
            write_store = min(write_store, best(store_write, 1))
        # Alternated, so both reads see the same page-cache and machine state
        # (timing one after the other favoured whichever ran second).
        read_npy = read_store = float("inf")
        for _ in range(options.repeat):
            read_npy = min(read_npy, best(lambda: np.load(npy), 1))
            read_store = min(read_store, best(lambda: produce(-1), 1))
        mapped = checkpoint(
            directory=root / "cache", ignore_code=["array"], mmap_mode="r"
        )(produce.__wrapped__)
        open_mapped = best(lambda: mapped(-1), options.repeat)
        assert np.array_equal(mapped(-1)[:1000], array[:1000])
        assert np.array_equal(produce(-1), array)
    gb = array.nbytes / 1e9
    rows = [
        ("raw Python write (baseline)", write_raw, ""),
        (
            "checkpointing miss: store the result",
            write_store,
            f"{write_raw / write_store:.2f}x",
        ),
        ("numpy.load of .npy (baseline)", read_npy, ""),
        (
            "checkpointing hit: load the result",
            read_store,
            f"{read_npy / read_store:.2f}x",
        ),
        (
            "checkpointing hit with mmap_mode='r' (open, lazy read)",
            open_mapped,
            f"{read_npy / open_mapped:.0f}x",
        ),
    ]
    print(f"{array.nbytes / (1 << 30):.2f} GiB float64, best of {options.repeat}, "
          f"{os.cpu_count()} CPUs\n")  # fmt: skip
    print("| operation | seconds | GB/s | vs baseline (target >= 0.9x) |")
    print("|---|---:|---:|---:|")
    for name, seconds, ratio in rows:
        print(f"| {name} | {seconds:.4f} | {gb / seconds:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
