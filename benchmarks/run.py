"""
Run every benchmark once, timed, into ``benchmarks/results/``; then regenerate the README.

Run from anywhere (the steps run from the repository root)::

    python benchmarks/run.py                  # everything (~25 min on 2 cores)
    python benchmarks/run.py --out /tmp/run   # elsewhere; README untouched

Steps, in order, each writing ``<out>/<name>.json``: the pytest-benchmark files
(``pytest.json``), then ``hit_breakdown.py`` (with ``--miss-scaling --graph
--profile``), ``digest_targets.py``, ``large_results.py``, ``formats.py``,
``store_scaling.py``, ``import_cost.py``, ``hit_versus.py`` (the snapshot
against its default baseline) and ``remote.py`` (its own moto S3 server and
Dask cluster, about 8 minutes). Every step gets the same run id
(``BENCH_RUN_ID``), so ``report.py`` can tell the files of one run from a mix.
Old JSON files in *out* are deleted first. With the default *out*, the README's
tables are regenerated at the end (``report.py``).

The library measured is a snapshot of ``src/`` at ``HEAD`` (``git archive``,
first on ``PYTHONPATH``): edits in the working tree during the run (or before
it, uncommitted) are not measured, and every file names that commit. Commit
first, or pass ``--worktree`` to measure the working tree as it is (the files
then carry a digest of its ``src/`` diff; ``report.py`` refuses a mix).

Leave the machine otherwise idle if you can; the load average at the start
and end of each step is recorded in its JSON and printed in the README.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from benchlib import REPOSITORY, RESULTS, SOURCE_VARIABLE, load_average


def steps(out: Path) -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        (
            "pytest",
            [
                python,
                "-m",
                "pytest",
                "benchmarks",
                "--benchmark-only",
                "-q",
                "-p",
                "no:cacheprovider",
                "--benchmark-min-time=0.0005",
                "--benchmark-columns=median,iqr,rounds",
                "--benchmark-sort=name",
                f"--benchmark-json={out / 'pytest.json'}",
            ],
        ),
        (
            "hit_breakdown",
            [
                python,
                "benchmarks/hit_breakdown.py",
                "--miss-scaling",
                "--graph",
                "--profile",
            ],
        ),
        ("digest_targets", [python, "benchmarks/digest_targets.py"]),
        ("large_results", [python, "benchmarks/large_results.py"]),
        ("formats", [python, "benchmarks/formats.py"]),
        ("store_scaling", [python, "benchmarks/store_scaling.py"]),
        ("import_cost", [python, "benchmarks/import_cost.py"]),
        ("hit_versus", [python, "benchmarks/hit_versus.py"]),
        ("remote", [python, "benchmarks/remote.py"]),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--worktree", action="store_true", help="measure src/ as it is, not HEAD's"
    )
    options = parser.parse_args(argv)
    out = options.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    env = {**os.environ, "BENCH_RUN_ID": f"{stamp}-{secrets.token_hex(3)}"}
    # The CLI and import benchmarks start processes: let them use cached
    # bytecode, as an installed package does, without writing next to sources.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault(
        "PYTHONPYCACHEPREFIX",
        str(Path(tempfile.gettempdir(), "checkpointing-bench-pyc")),
    )
    # Paths relative to the repository when inside it: the commands recorded
    # in the JSON files (and printed under the tables) stay machine-neutral.
    target = (
        Path(os.path.relpath(out, REPOSITORY))
        if out.is_relative_to(REPOSITORY)
        else out
    )
    snapshot = None
    if not options.worktree:
        snapshot = tempfile.TemporaryDirectory(prefix="checkpointing-bench-src-")
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPOSITORY,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit, "src"],
            cwd=REPOSITORY,
            check=True,
            capture_output=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(snapshot.name, filter="data")
        source = str(Path(snapshot.name, "src"))
        env["PYTHONPATH"] = os.pathsep.join(
            [source, *filter(None, [env.get("PYTHONPATH")])]
        )
        env[SOURCE_VARIABLE] = f"{commit}:{source}"
        print(f"== measuring src/ of {commit} (snapshot in {source})", flush=True)
    total = time.perf_counter()
    for name, command in steps(target):
        if name != "pytest":
            command = [*command, "--json", str(target / f"{name}.json")]
        print(f"== {name}: load {load_average()}: {' '.join(command)}", flush=True)
        start = time.perf_counter()
        subprocess.run(command, cwd=REPOSITORY, env=env, check=True)
        print(f"== {name}: {time.perf_counter() - start:.0f} s", flush=True)
    print(f"== all steps: {time.perf_counter() - total:.0f} s", flush=True)
    if snapshot is not None:
        snapshot.cleanup()
    if out == RESULTS.resolve():
        subprocess.run(
            [sys.executable, "benchmarks/report.py"], cwd=REPOSITORY, check=True
        )
        print("== benchmarks/README.md regenerated", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
