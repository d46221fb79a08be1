"""
``python -m checkpointing inspect`` on a cache of 100,000 entries (target: < 2 s).

The cache is built once per session, in two layouts: one function with
100,000 entries (the directory listing is the largest), and 100 functions with
1,000 entries each. Every entry is written by :meth:`checkpointing.Store.save`
(entry file, a realistic manifest of ~2.3 KiB with 9 components, 2 arguments and
a reason with two changes, and the catalog line); building both layouts takes
a few minutes.

Measured, in process (the ``checkpointing`` console script's entry point,
called with a list of arguments, output captured):

* ``inspect`` (summary) with the catalog, the way every run after the first
  one answers;
* ``inspect <function>`` (newest 20 entries, with reasons) and ``list``;
* ``inspect`` without a catalog: the catalog files (``.catalog.v1.tsv``, named
  in ``docs/cli.md``) are deleted before each round, so every manifest is read
  and indexed again (what the first ``inspect`` after an upgrade from a version
  without catalogs pays, once);
* ``legacy``: the summary the way it was computed before the catalog
  (``Store.manifests()`` of every function, ``Store.size_bytes()``): kept here
  for comparison (STYLE §1.10).

``test_inspect_subprocess`` is the acceptance test of the issue: the wall time
of ``python -m checkpointing inspect`` in a new process (interpreter start and
imports included), median of 5, must stay under 2 s.

Checked outside the timed region: every command exited 0 and its output
accounts for every entry (the summary's ``ENTRIES`` column, the rows of
``list``, the count ``inspect <function>`` prints); the catalog was absent
before each "without catalog" round and rebuilt after it. Under
``--benchmark-disable`` the cache is small (1 x 300 and 10 x 30 entries).
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from checkpointing import ArgumentRecord, ComponentRecord, Manifest, Store

LAYOUTS = {"1x100000": (1, 100_000), "100x1000": (100, 1_000)}
SMOKE_LAYOUTS = {"1x100000": (1, 300), "100x1000": (10, 30)}
#: The acceptance target of issue 4, in seconds.
TARGET_SECONDS = 2.0
#: The catalog file of each function directory (docs/cli.md, "The catalog").
CATALOG_NAME = ".catalog.v1.tsv"
#: What ``checkpointing`` on the command line runs (the console script).
(CLI,) = entry_points(group="console_scripts", name="checkpointing")
main = CLI.load()


def _manifest(function_id: str, number: int, created_at: float) -> Manifest:
    key = f"{number:032x}"
    digest = f"{number * 7919:032x}"[-32:]
    components = {
        "source": ComponentRecord("source", digest, "", digest),
        "signature": ComponentRecord("signature", "1" * 32, "(data, epochs)"),
        "docstring": ComponentRecord("docstring", "2" * 32, "'Train the model.'"),
        "python": ComponentRecord("python", "3" * 32, "CPython 3.11.7"),
        "callee:helpers:smooth": ComponentRecord("callee", "4" * 32, "", "4" * 32),
        "callee:helpers:clean": ComponentRecord("callee", "5" * 32, "", "5" * 32),
        "global:helpers:RATE": ComponentRecord("global", "6" * 32, "0.25"),
        "defaults:helpers:smooth": ComponentRecord("defaults", "7" * 32, "((2,), {})"),
        "package:numpy": ComponentRecord("package", "8" * 32, "2.4.6"),
    }
    return Manifest(
        key=key,
        function_id=function_id,
        module="pipeline",
        qualname=function_id.rpartition(".")[2],
        fingerprint=digest,
        arguments_digest=f"{number:032x}",
        components=components,
        arguments={
            "data": ArgumentRecord("9" * 32, f"[{number}, 1, 2, 3]"),
            "epochs": ArgumentRecord("a" * 32, "3"),
        },
        created_at=created_at,
        compute_seconds=1.5,
        value_size_bytes=21,
        serializer="pickle",
        python_version="3.11.7",
        library_version="0.1.0",
        reason={
            "status": "miss",
            "cause": "arguments changed",
            "changes": [
                {
                    "component": "argument:data",
                    "kind": "argument",
                    "change": "changed",
                    "old": f"[{number - 1}, 1, 2, 3]",
                    "new": f"[{number}, 1, 2, 3]",
                },
                {
                    "component": "global:helpers:RATE",
                    "kind": "global",
                    "change": "changed",
                    "old": "0.5",
                    "new": "0.25",
                },
            ],
            "key": key,
            "compared_with": f"{number - 1:032x}",
        },
    )


def build_cache(root: Path, functions: int, per_function: int) -> Path:
    """Save ``functions * per_function`` complete entries through ``Store.save``."""
    payload = b"\x80\x05\x95" + bytes(18)
    start = time.time() - functions * per_function
    store = Store(root)
    number = 0
    for f in range(functions):
        function_id = f"pipeline.step{f:03d}"
        for _ in range(per_function):
            number += 1
            store.save(_manifest(function_id, number, start + number), payload, {})
    return root


class BigCache:
    """A built cache and how many entries it holds."""

    def __init__(self, root: Path, functions: int, per_function: int) -> None:
        self.root = build_cache(root, functions, per_function)
        self.functions = functions
        self.entries = functions * per_function
        self.per_function = per_function


@pytest.fixture(scope="session", params=list(LAYOUTS))
def big_cache(request, tmp_path_factory, smoke):
    """A cache of 100,000 entries (built once per layout and session)."""
    functions, per_function = (SMOKE_LAYOUTS if smoke else LAYOUTS)[request.param]
    root = tmp_path_factory.mktemp(f"cache-{request.param}")
    return BigCache(root, functions, per_function)


class Captured:
    """Calls of the console script's entry point, with their output kept."""

    def __init__(self) -> None:
        self.outputs: list[tuple[int, str]] = []

    def __call__(self, argv: list[str]) -> int:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(argv)
        self.outputs.append((code, out.getvalue()))
        return code

    def checked(self) -> list[str]:
        assert self.outputs, "no timed call"
        assert all(0 == code for code, _ in self.outputs)
        return [text for _, text in self.outputs]


def _summary_entries(text: str) -> int:
    """The sum of the ``ENTRIES`` column of the ``inspect`` summary."""
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("FUNCTION"))
    total = 0
    for line in lines[header + 1 :]:
        if not line.strip():
            break
        total += int(line.split()[1].replace(",", ""))
    return total


def test_inspect_summary(benchmark, big_cache):
    """``inspect``: the summary of 100,000 entries, read from the catalogs."""
    benchmark.group = "cli: inspect, 100k entries"
    run = Captured()
    benchmark.pedantic(run, args=(["inspect", "--dir", str(big_cache.root)],), rounds=5)
    for text in run.checked():
        assert big_cache.entries == _summary_entries(text)


def test_inspect_function(benchmark, big_cache):
    """``inspect <function>``: the newest 20 entries with reasons."""
    benchmark.group = "cli: inspect, 100k entries"
    target = Store(big_cache.root).function_ids()[-1]
    run = Captured()
    benchmark.pedantic(
        run, args=(["inspect", "--dir", str(big_cache.root), target],), rounds=5
    )
    for text in run.checked():
        assert text.startswith(f"{target}  ({big_cache.per_function} entries")
        assert "why: arguments changed" in text


def test_list(benchmark, big_cache):
    """``list``: one row per entry (100,000 rows) from the catalogs."""
    benchmark.group = "cli: inspect, 100k entries"
    run = Captured()
    benchmark.pedantic(run, args=(["list", "--dir", str(big_cache.root)],), rounds=3)
    for text in run.checked():
        rows = [line for line in text.splitlines() if line.startswith("pipeline.")]
        assert big_cache.entries == len(rows)


def _catalogs(root: Path) -> list[Path]:
    return [
        root / function_id / CATALOG_NAME for function_id in Store(root).function_ids()
    ]


def test_inspect_without_catalog(benchmark, big_cache):
    """``inspect`` when no catalog exists yet: every manifest is read and indexed."""
    benchmark.group = "cli: inspect, 100k entries, cold"
    run = Captured()

    def setup():
        catalogs = _catalogs(big_cache.root)
        assert all(path.is_file() for path in catalogs), "no catalog to delete"
        for path in catalogs:
            path.unlink()
        return (["inspect", "--dir", str(big_cache.root)],), {}

    benchmark.pedantic(run, setup=setup, rounds=1)
    for text in run.checked():
        assert big_cache.entries == _summary_entries(text)
    assert all(path.is_file() for path in _catalogs(big_cache.root)), "not rebuilt"


def _legacy_summary(store: Store) -> list[tuple[str, int, int, float]]:
    """The summary as computed before the catalog: parse every manifest."""
    rows = []
    for function_id in store.function_ids():
        manifests = store.manifests(function_id)
        rows.append(
            (
                function_id,
                len(manifests),
                store.size_bytes(function_id),
                max((m.created_at for m in manifests), default=0.0),
            )
        )
    return rows


def test_legacy_summary(benchmark, big_cache):
    """Reference: the pre-catalog summary (every manifest parsed, every file stat'ed)."""
    benchmark.group = "cli: inspect, 100k entries, cold"
    rows = benchmark.pedantic(_legacy_summary, args=(Store(big_cache.root),), rounds=1)
    assert big_cache.entries == sum(row[1] for row in rows)


def _inspect_in_new_process(root: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "checkpointing", "inspect", str(root)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert 0 == completed.returncode, completed.stderr
    return completed.stdout


def test_inspect_subprocess(benchmark, big_cache):
    """The issue's target: ``python -m checkpointing inspect`` answers in under 2 s."""
    benchmark.group = "cli: python -m checkpointing inspect, new process"
    _inspect_in_new_process(big_cache.root)  # the catalog exists; bytecode cached
    output = benchmark.pedantic(
        _inspect_in_new_process, args=(big_cache.root,), rounds=5
    )
    assert "most recent computations (newest first):" in output
    assert big_cache.entries == _summary_entries(output)
    if benchmark.stats is not None:
        assert benchmark.stats.stats.median < TARGET_SECONDS
