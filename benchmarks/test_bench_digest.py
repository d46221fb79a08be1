"""
Argument digest: throughput on large values, latency on small ones.

Each group compares, on the same value:

* ``checkpointing`` — :func:`checkpointing._digest.digest_value` (the canonical,
  type-tagged encoding hashed with xxh3-128);
* ``raw_xxh3`` — ``xxhash.xxh3_128`` straight over the value's buffer (numpy,
  bytes): the ceiling, nothing can hash the same bytes faster. Values without
  a buffer (lists, dicts, scalars) use ``xxh3_128(pickle.dumps(value))``, which
  is how ``PlainCache`` in ``test_bench_overhead.py`` keys its calls;
* ``joblib`` — ``joblib.hash`` (md5 over a special pickle; numpy buffers are
  hashed directly), what ``joblib.Memory`` does for every call.

Throughput in MB/s is ``size / median``; it is stored in each result's
``extra_info`` (``--benchmark-json``) and tabled in ``benchmarks/README.md``.
"""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pytest
import xxhash

from checkpointing._digest import digest_value

ARRAY_BYTES = 100_000_000  # 100 MB of float64: 12.5 million elements
BYTES_SIZE = 1 << 20  # 1 MiB


def _nested_dict():
    """A configuration-like dict: 3 levels of 10 keys, 1,000 small mixed leaves."""
    return {
        f"section{i}": {
            f"group{j}": {
                f"item{k}": [k, float(k) / 3, f"v{i}.{j}.{k}", k % 2 == 0, None]
                for k in range(10)
            }
            for j in range(10)
        }
        for i in range(10)
    }


@pytest.fixture(scope="module")
def large_values():
    """The large values, built once per module (the array alone is 100 MB)."""
    rng = np.random.default_rng(0)
    return {
        "ndarray float64 100 MB": rng.random(ARRAY_BYTES // 8),
        "bytes 1 MiB": rng.bytes(BYTES_SIZE),
        "list of 10k small ints": list(range(10_000)),
        "nested dict 3x10x10 (1k leaves)": _nested_dict(),
    }


def _raw_xxh3(value):
    if isinstance(value, (bytes, np.ndarray)):
        return xxhash.xxh3_128_hexdigest(value)  # buffer protocol: no copy
    return xxhash.xxh3_128_hexdigest(pickle.dumps(value, protocol=5))


IMPLEMENTATIONS = {
    "checkpointing": digest_value,
    "raw_xxh3": _raw_xxh3,
    "joblib": joblib.hash,
}

LARGE_CASES = [
    "ndarray float64 100 MB",
    "bytes 1 MiB",
    "list of 10k small ints",
    "nested dict 3x10x10 (1k leaves)",
]


def _record_throughput(benchmark, value):
    if benchmark.stats is None:  # --benchmark-disable: the body ran once, untimed
        return
    size = (
        value.nbytes if isinstance(value, np.ndarray) else len(pickle.dumps(value, 5))
    )
    median = benchmark.stats.stats.median
    benchmark.extra_info["bytes"] = size
    benchmark.extra_info["MB/s (median)"] = round(size / median / 1e6, 1)


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("case", LARGE_CASES)
def test_digest_large(benchmark, large_values, case, implementation):
    """
    Time to digest one large value (throughput = size / time).

    For the list and dict, "size" is their pickle size, only to give the MB/s
    figure a unit; the list and dict rows are really latencies.
    """
    benchmark.group = f"digest: {case}"
    value = large_values[case]
    result = benchmark(IMPLEMENTATIONS[implementation], value)
    assert isinstance(result, str)
    _record_throughput(benchmark, value)


SCALARS = {
    "int 3": 3,
    "float 1.5": 1.5,
    "str 'hello'": "hello",
    "None": None,
    "tuple (3, 'a', 2.0)": (3, "a", 2.0),
}


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("scalar", list(SCALARS))
def test_digest_scalar(benchmark, scalar, implementation):
    """Latency to digest one small value (the common argument of a cached call)."""
    benchmark.group = f"digest scalar: {scalar}"
    result = benchmark(IMPLEMENTATIONS[implementation], SCALARS[scalar])
    assert isinstance(result, str)
