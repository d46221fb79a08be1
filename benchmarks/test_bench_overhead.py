"""
Hit-path latency of a trivial function, against the other ways to cache it.

The headline number of the project: ``increment(3)`` (returns ``x + 1``) served
from each cache. ``PlainCache`` below is the yardstick: about the smallest
disk cache one can write with the same ingredients (xxh3 key, cloudpickle
value, atomic ``os.replace``), without code fingerprinting, manifests or
integrity checks. The miss group measures the cost of the first call of each
argument (compute, serialize, write) with a fresh argument every round.
"""

# ruff: noqa: PTH105, PTH108, PTH118, PTH123
# (PlainCache uses os-level calls on purpose: pathlib would add cost to the yardstick)
from __future__ import annotations

import functools
import itertools
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import cloudpickle
import diskcache
import joblib
import pytest
import xxhash

from checkpointing import checkpoint

#: Rounds for the miss benchmarks. Every round writes a new entry, and the
#: checkpointing miss reads every stored manifest of the function (to explain
#: the miss), so the round count is fixed to keep runs comparable.
MISS_ROUNDS = 200


def increment(x):
    return x + 1


# ---------------------------------------------------------------------------
# The yardstick: a plain xxhash + cloudpickle + os.replace disk cache
# ---------------------------------------------------------------------------


class PlainCache:
    """
    A minimal persistent memoizer: the reference the hit path must approach.

    Key: xxh3-128 of the function's qualified name and the pickled
    ``(args, kwargs)``. Value: cloudpickle bytes in ``<directory>/<key>.pkl``,
    written to a temporary file and moved into place with :func:`os.replace`.
    A hit is one ``open`` + ``read`` + ``pickle.loads``. No code fingerprint,
    no header, no checksum, no manifest.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = os.fspath(directory)
        Path(self.directory).mkdir(parents=True, exist_ok=True)

    def _key(self, prefix: bytes, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        hasher = xxhash.xxh3_128(prefix)
        payload = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        try:
            hasher.update(pickle.dumps(payload, protocol=5))
        except (pickle.PicklingError, TypeError, AttributeError):
            hasher.update(cloudpickle.dumps(payload, protocol=5))
        return hasher.hexdigest()

    def _write(self, path: str, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise

    def __call__(self, func):
        prefix = f"{func.__module__}.{func.__qualname__}\0".encode()
        directory = self.directory

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            path = os.path.join(directory, self._key(prefix, args, kwargs) + ".pkl")
            try:
                with open(path, "rb") as file:
                    return pickle.loads(file.read())
            except FileNotFoundError:
                pass
            value = func(*args, **kwargs)
            self._write(path, cloudpickle.dumps(value, protocol=5))
            return value

        return wrapper


# ---------------------------------------------------------------------------
# Wrapped functions, each with its own directory
# ---------------------------------------------------------------------------


def make_checkpointing(root: Path):
    return checkpoint(directory=root / "checkpointing")(increment)


def make_plain(root: Path):
    return PlainCache(root / "plain")(increment)


def make_diskcache(root: Path):
    cache = diskcache.Cache(os.fspath(root / "diskcache"))
    return cache, cache.memoize()(increment)


def make_joblib(root: Path):
    return joblib.Memory(os.fspath(root / "joblib"), verbose=0).cache(increment)


# ---------------------------------------------------------------------------
# Hit path
# ---------------------------------------------------------------------------


@pytest.mark.benchmark(group="hit: increment(3)")
def test_plain_call(benchmark):
    """A plain call of ``increment(3)``: the floor, no caching at all."""
    assert benchmark(increment, 3) == 4


@pytest.mark.benchmark(group="hit: increment(3)")
def test_functools_cache_hit(benchmark):
    """``functools.cache`` hit: an in-memory dict lookup, the best possible memoizer."""
    cached = functools.cache(increment)
    cached(3)
    assert benchmark(cached, 3) == 4


@pytest.mark.benchmark(group="hit: increment(3)")
def test_plain_baseline_hit(benchmark, cache_root):
    """PlainCache hit: pickle args, xxh3, open + read + unpickle one file."""
    cached = make_plain(cache_root)
    cached(3)
    assert benchmark(cached, 3) == 4


@pytest.mark.benchmark(group="hit: increment(3)")
def test_checkpointing_hit(benchmark, cache_root):
    """``@checkpoint`` hit: bind + digest args, fingerprint code, key, verified load, unpickle."""
    cached = make_checkpointing(cache_root)
    cached(3)
    assert cached.is_cached(3)
    assert benchmark(cached, 3) == 4


@pytest.mark.benchmark(group="hit: increment(3)")
def test_diskcache_hit(benchmark, cache_root):
    """``diskcache.Cache.memoize()`` hit: one SQLite lookup (small values live in the DB)."""
    cache, cached = make_diskcache(cache_root)
    with cache:
        cached(3)
        assert benchmark(cached, 3) == 4


@pytest.mark.benchmark(group="hit: increment(3)")
def test_joblib_hit(benchmark, cache_root):
    """``joblib.Memory.cache`` hit: joblib.hash of args, source check, read output.pkl."""
    cached = make_joblib(cache_root)
    cached(3)
    assert benchmark(cached, 3) == 4


# ---------------------------------------------------------------------------
# Miss path: a fresh argument every round, so every call computes and writes
# ---------------------------------------------------------------------------


def _fresh_argument(counter):
    def setup():
        return (next(counter),), {}

    return setup


@pytest.mark.benchmark(group="miss: increment(n), fresh n every round")
def test_plain_baseline_miss(benchmark, cache_root):
    """PlainCache miss: key, failed open, compute, cloudpickle, write temp + os.replace."""
    cached = make_plain(cache_root)
    benchmark.pedantic(
        cached, setup=_fresh_argument(itertools.count()), rounds=MISS_ROUNDS
    )


@pytest.mark.benchmark(group="miss: increment(n), fresh n every round")
def test_checkpointing_miss(benchmark, cache_root):
    """
    ``@checkpoint`` miss: key, failed load, compute, explain (reads stored manifests),
    pickle, write entry + manifest (+ source blob once), each atomically.
    """
    cached = make_checkpointing(cache_root)
    counter = itertools.count()
    benchmark.pedantic(cached, setup=_fresh_argument(counter), rounds=MISS_ROUNDS)
    calls = next(counter)  # every call got a fresh argument: one entry each
    stored = cached._store().iter_manifest_files(cached._function_id)
    assert len(list(stored)) == calls


@pytest.mark.benchmark(group="miss: increment(n), fresh n every round")
def test_diskcache_miss(benchmark, cache_root):
    """``diskcache.Cache.memoize()`` miss: compute, then one SQLite insert transaction."""
    cache, cached = make_diskcache(cache_root)
    with cache:
        benchmark.pedantic(
            cached, setup=_fresh_argument(itertools.count()), rounds=MISS_ROUNDS
        )


@pytest.mark.benchmark(group="miss: increment(n), fresh n every round")
def test_joblib_miss(benchmark, cache_root):
    """``joblib.Memory.cache`` miss: compute, write a directory with output.pkl + metadata.json."""
    cached = make_joblib(cache_root)
    benchmark.pedantic(
        cached, setup=_fresh_argument(itertools.count()), rounds=MISS_ROUNDS
    )
