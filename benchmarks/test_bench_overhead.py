"""
Hit-path latency of a trivial function, against the other ways to cache it.

The headline number of the project: ``increment(3)`` (returns ``x + 1``) served
from each cache. ``PlainCache`` below is the yardstick: about the smallest
disk cache one can write with the same ingredients (xxh3 key, cloudpickle
value, atomic ``os.replace``), without code fingerprinting, manifests or
integrity checks. It comes in two variants, so the comparison is of equal
work:

* ``PlainCache(recent=True)`` does what the store does on a repeated hit of a
  small entry: one ``os.stat``, and the bytes read last time if the file is
  the same file (inode, modification time and size);
* ``PlainCache()`` opens and reads the file on every hit.

Hits are timed on entries written ``benchlib.AGE_SECONDS`` earlier: the
steady state of repeated hits (the store keeps a small entry's bytes only once
its file is a few seconds old). The miss group measures the first call of each
argument (compute, serialize, write) with a fresh argument every round.

What each benchmark asserts outside the timed region: every timed hit was a
hit (the function body did not run: a counting wrapper the cache's key does
not see, ``functools.cache``'s ``cache_info()``, or, for ``@checkpoint``,
``explain().hit`` and unchanged stored entries), and every timed miss stored
an entry that a fresh cache object loads back equal without running the body.
Warnings are errors (``conftest.py``).
"""

# ruff: noqa: PTH105, PTH108, PTH116, PTH118, PTH123
# (PlainCache uses os-level calls on purpose: pathlib would add cost to the yardstick)
from __future__ import annotations

import functools
import itertools
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import Any

import cloudpickle
import diskcache
import joblib
import pytest
import xxhash
from benchlib import age, counted, hit_state

from checkpointing import checkpoint

#: Rounds for the miss benchmarks. Every round writes a new entry, and the
#: checkpointing miss reads stored manifests to explain itself, so the round
#: count is fixed to keep runs comparable.
MISS_ROUNDS = 200
HIT_GROUP = "hit: increment(3)"
MISS_GROUP = "miss: increment(n), fresh n every round"


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
    No code fingerprint, no header, no checksum, no manifest.

    A hit is ``open`` + ``read`` + ``pickle.loads``; with *recent*, it is one
    ``os.stat`` and ``pickle.loads`` of the bytes read before when the file is
    unchanged (same inode, ``st_mtime_ns`` and size, as
    :meth:`checkpointing.Store.load` checks for small entries), else a read.
    """

    def __init__(self, directory: str | os.PathLike[str], *, recent=False) -> None:
        self.directory = os.fspath(directory)
        self.recent = recent
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
        recent: dict[str, tuple[tuple[int, int, int], bytes]] = {}

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

        @functools.wraps(func)
        def recent_wrapper(*args, **kwargs):
            path = os.path.join(directory, self._key(prefix, args, kwargs) + ".pkl")
            try:
                status = os.stat(path)
                known = recent.get(path)
                identity = (status.st_ino, status.st_mtime_ns, status.st_size)
                if known is not None and known[0] == identity:
                    return pickle.loads(known[1])
                with open(path, "rb") as file:
                    status = os.fstat(file.fileno())
                    data = file.read()
                recent[path] = (
                    (status.st_ino, status.st_mtime_ns, status.st_size),
                    data,
                )
                return pickle.loads(data)
            except FileNotFoundError:
                pass
            value = func(*args, **kwargs)
            self._write(path, cloudpickle.dumps(value, protocol=5))
            return value

        return recent_wrapper if self.recent else wrapper


# ---------------------------------------------------------------------------
# Wrapped functions, each with its own directory; ``log`` records body runs
# ---------------------------------------------------------------------------


def make_checkpointing(root: Path):
    return checkpoint(directory=root / "checkpointing")(increment)


def make_plain(root: Path, log: list, *, recent=False):
    name = "plain-recent" if recent else "plain"
    return PlainCache(root / name, recent=recent)(counted(increment, log))


def make_diskcache(root: Path, log: list):
    cache = diskcache.Cache(os.fspath(root / "diskcache"))
    return cache, cache.memoize()(counted(increment, log))


def make_joblib(root: Path, log: list):
    memory = joblib.Memory(os.fspath(root / "joblib"), verbose=0)
    return memory.cache(counted(increment, log))


# ---------------------------------------------------------------------------
# Hit path
# ---------------------------------------------------------------------------


class HitCaches:
    """Every cached ``increment``, ``(3,)`` stored in each, and the body-run logs."""

    def __init__(self, root: Path) -> None:
        self.logs: dict[str, list] = {
            name: [] for name in ("plain", "plain-recent", "diskcache", "joblib")
        }
        self.plain = make_plain(root, self.logs["plain"])
        self.plain_recent = make_plain(root, self.logs["plain-recent"], recent=True)
        self.diskcache, self.diskcache_memoized = make_diskcache(
            root, self.logs["diskcache"]
        )
        self.joblib = make_joblib(root, self.logs["joblib"])
        self.checkpointing = make_checkpointing(root)
        for cached in (
            self.plain,
            self.plain_recent,
            self.diskcache_memoized,
            self.joblib,
            self.checkpointing,
        ):
            assert cached(3) == 4
        self.written = time.monotonic()

    def age(self, *, smoke: bool) -> None:
        """Wait until the entries are ``benchlib.AGE_SECONDS`` old (the steady state)."""
        age(self.written, smoke=smoke)


@pytest.fixture(scope="module")
def hit_caches(tmp_path_factory):
    caches = HitCaches(tmp_path_factory.mktemp("hit-caches"))
    with caches.diskcache:
        yield caches


@pytest.mark.benchmark(group=HIT_GROUP)
def test_plain_call(benchmark):
    """A plain call of ``increment(3)``: the floor, no caching at all."""
    assert benchmark(increment, 3) == 4


@pytest.mark.benchmark(group=HIT_GROUP)
def test_functools_cache_hit(benchmark):
    """``functools.cache`` hit: an in-memory dict lookup, the best possible memoizer."""
    cached = functools.cache(increment)
    cached(3)
    before = cached.cache_info()
    assert benchmark(cached, 3) == 4
    after = cached.cache_info()
    assert after.misses == before.misses
    assert after.hits > before.hits


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("plain", id="plain_baseline"),
        pytest.param("plain_recent", id="plain_recent_baseline"),
        pytest.param("diskcache_memoized", id="diskcache"),
        pytest.param("joblib", id="joblib"),
    ],
)
@pytest.mark.benchmark(group=HIT_GROUP)
def test_hit(benchmark, hit_caches, smoke, name):
    """
    Hit of another cache; its body-run log must not grow.

    * ``plain_baseline``: PlainCache, file read every time: pickle args, xxh3,
      open + read + unpickle;
    * ``plain_recent_baseline``: PlainCache, equal work to the store: pickle
      args, xxh3, ``stat``, unpickle the bytes kept;
    * ``diskcache``: ``diskcache.Cache.memoize()``, one SQLite lookup (small
      values live in the database);
    * ``joblib``: ``joblib.Memory.cache``, joblib.hash of the arguments,
      source check, read ``output.pkl``.
    """
    hit_caches.age(smoke=smoke)
    cached = getattr(hit_caches, name)
    assert cached(3) == 4  # PlainCache(recent=True) reads the file this once
    log = hit_caches.logs[name.replace("_memoized", "").replace("_", "-")]
    assert log == [(3,)]
    assert benchmark(cached, 3) == 4
    assert log == [(3,)], f"the body ran {len(log) - 1} times: not hits"


@pytest.mark.benchmark(group=HIT_GROUP)
def test_checkpointing_hit(benchmark, hit_caches, smoke):
    """``@checkpoint`` hit: bind + digest args, fingerprint code, key, verified load, unpickle."""
    hit_caches.age(smoke=smoke)
    cached = hit_caches.checkpointing
    assert cached(3) == 4
    before = hit_state(cached, 3)
    assert before[0], "increment(3) is not a hit before the timed calls"
    assert benchmark(cached, 3) == 4
    assert hit_state(cached, 3) == before, "a timed call rewrote an entry: a miss"


# ---------------------------------------------------------------------------
# Miss path: a fresh argument every round, so every call computes and writes
# ---------------------------------------------------------------------------


class FreshArguments:
    """``pedantic`` setup: a new argument every round; remembers the ones given."""

    def __init__(self) -> None:
        self.given: list[int] = []
        self._counter = itertools.count()

    def __call__(self):
        self.given.append(next(self._counter))
        return (self.given[-1],), {}


def _miss(benchmark, cached):
    arguments = FreshArguments()
    benchmark.pedantic(cached, setup=arguments, rounds=MISS_ROUNDS)
    assert arguments.given, "no timed call"
    return arguments.given


@pytest.mark.benchmark(group=MISS_GROUP)
def test_plain_baseline_miss(benchmark, cache_root):
    """PlainCache miss: key, failed open, compute, cloudpickle, write temp + os.replace."""
    log: list = []
    given = _miss(benchmark, make_plain(cache_root, log))
    assert len(log) == len(given)
    assert len(list((cache_root / "plain").glob("*.pkl"))) == len(given)
    reloaded: list = []
    fresh = make_plain(cache_root, reloaded)
    assert [fresh(n) for n in given] == [n + 1 for n in given]
    assert reloaded == [], "an entry the timed calls wrote did not load back"


@pytest.mark.benchmark(group=MISS_GROUP)
def test_checkpointing_miss(benchmark, cache_root):
    """
    ``@checkpoint`` miss: key, failed load, compute, explain (reads up to 32 stored
    manifests), pickle, write entry + manifest (+ source blob once), each atomically.
    """
    from checkpointing import scan

    given = _miss(benchmark, make_checkpointing(cache_root))
    stored = scan(cache_root / "checkpointing")
    assert sorted(record.arguments["x"] for record in stored) == sorted(
        repr(n) for n in given
    )
    fresh = make_checkpointing(cache_root)  # a new store: nothing in memory
    assert all(fresh.explain(n).hit for n in given)
    assert [fresh(n) for n in given] == [n + 1 for n in given]
    assert scan(cache_root / "checkpointing") == stored, "a reload rewrote an entry"


@pytest.mark.benchmark(group=MISS_GROUP)
def test_diskcache_miss(benchmark, cache_root):
    """``diskcache.Cache.memoize()`` miss: compute, then one SQLite insert transaction."""
    log: list = []
    cache, cached = make_diskcache(cache_root, log)
    with cache:
        given = _miss(benchmark, cached)
        assert len(log) == len(given)
        assert len(cache) == len(given)
    reloaded: list = []
    cache, fresh = make_diskcache(cache_root, reloaded)
    with cache:
        assert [fresh(n) for n in given] == [n + 1 for n in given]
    assert reloaded == [], "an entry the timed calls wrote did not load back"


@pytest.mark.benchmark(group=MISS_GROUP)
def test_joblib_miss(benchmark, cache_root):
    """``joblib.Memory.cache`` miss: compute, write a directory with output.pkl + metadata.json."""
    log: list = []
    given = _miss(benchmark, make_joblib(cache_root, log))
    assert len(log) == len(given)
    reloaded: list = []
    fresh = make_joblib(cache_root, reloaded)
    assert all(fresh.check_call_in_cache(n) for n in given)
    assert [fresh(n) for n in given] == [n + 1 for n in given]
    assert reloaded == [], "an entry the timed calls wrote did not load back"
