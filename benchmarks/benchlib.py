"""
Shared helpers of the benchmarks: the run's environment, JSON output, statistics.

Every figure in ``benchmarks/README.md`` comes from a JSON file under
``benchmarks/results/`` written by one run (``benchmarks/run.py``), and
``benchmarks/report.py`` renders the tables from those files. Each file carries
the environment it was measured in (:func:`environment`): CPU, cores, memory,
OS, Python, library versions, the git commit and whether the tree was dirty
(with the changed paths and a digest of the diff of ``src/``), the date and the
load average at the start and at the end.

The standalone scripts share one command line (:func:`parser`: ``--smoke``,
``--json PATH``) and one life cycle (:class:`Run`): warnings are errors, the
environment is recorded before the first measurement, and the JSON is written
only when the script finished.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
REPOSITORY = BENCHMARKS.parent
RESULTS = BENCHMARKS / "results"
#: Version of the layout of the JSON files written here (``report.py`` checks it).
SCHEMA = 1
#: Set by ``run.py``: one id shared by every JSON file of one run.
RUN_ID_VARIABLE = "BENCH_RUN_ID"
#: Set by ``run.py``: ``<commit>:<directory>`` of the ``src/`` snapshot measured.
SOURCE_VARIABLE = "BENCH_SOURCE"
#: Seconds between writing an entry and timing its hits. The store keeps a
#: small entry's verified bytes in memory (a repeated hit is then one ``stat``)
#: only once the file is older than file timestamps can be trusted to tell it
#: from a rewrite (a few seconds); before that every hit reads the file. The
#: benchmarks time the steady state, as a program that reuses older results
#: sees it.
AGE_SECONDS = 5.0

#: Distributions whose versions are recorded with every run.
DISTRIBUTIONS = (
    "checkpointing",
    "cloudpickle",
    "xxhash",
    "filelock",
    "numpy",
    "pandas",
    "pyarrow",
    "joblib",
    "diskcache",
    "pytest",
    "pytest-benchmark",
)


# -- environment ---------------------------------------------------------------
def library_versions() -> dict[str, str]:
    """Return the installed version of every distribution the benchmarks use."""
    found = {}
    for name in DISTRIBUTIONS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else ``platform``)."""
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def memory_bytes() -> int | None:
    """Total memory (``MemTotal`` of ``/proc/meminfo``), or ``None`` elsewhere."""
    try:
        with Path("/proc/meminfo").open(encoding="utf-8") as file:
            for line in file:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, or ``None`` where unavailable."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _git(*args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=REPOSITORY,
            capture_output=True,
            check=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout


def git_state() -> dict[str, Any]:
    """
    The commit, the library code measured, and how the working tree differed.

    ``run.py`` measures a snapshot of ``src/`` at ``HEAD`` (``git archive``, put
    first on ``PYTHONPATH``, named by :data:`SOURCE_VARIABLE`), so edits made in
    the working tree during a run cannot leak into it: ``src_changed`` is then
    empty and the working tree's own edits of ``src/`` are listed, unmeasured,
    in ``worktree_src_changed``. Without a snapshot, ``src_diff`` is a digest of
    ``git diff HEAD -- src`` plus the untracked files under ``src/``: two files
    with the same commit and digest measured the same library code. ``dirty``
    ignores ``benchmarks/results/`` (a run writes there).
    """
    commit = (_git("rev-parse", "HEAD") or "unknown").strip()
    status = _git("status", "--porcelain", "--untracked-files=all") or ""
    entries = [(line[:2], line[3:]) for line in status.splitlines() if line[3:]]
    changed = sorted(
        path for _, path in entries if not path.startswith("benchmarks/results/")
    )
    src_changed = [path for path in changed if path.startswith("src/")]
    digest = hashlib.sha256((_git("diff", "HEAD", "--", "src") or "").encode())
    for code, path in sorted(entries):
        file = REPOSITORY / path
        if code == "??" and path.startswith("src/") and file.is_file():
            digest.update(path.encode() + b"\0" + file.read_bytes())
    spec = importlib.util.find_spec("checkpointing")
    imported_from = str(Path(spec.origin).parent) if spec and spec.origin else None
    state: dict[str, Any] = {
        "commit": commit,
        "dirty": bool(changed),
        "changed": changed[:100],
        "checkpointing_from": imported_from,
    }
    snapshot = os.environ.get(SOURCE_VARIABLE)
    if snapshot:
        snapshot_commit, _, directory = snapshot.partition(":")
        if imported_from is None or not Path(imported_from).is_relative_to(directory):
            raise RuntimeError(
                f"checkpointing imported from {imported_from}, not {directory}"
            )
        return {
            **state,
            "commit": snapshot_commit,
            "source": f"snapshot of src/ at {snapshot_commit} (git archive)",
            "src_changed": [],
            "src_diff": None,
            "worktree_src_changed": src_changed,
        }
    return {
        **state,
        "source": "working tree",
        "src_changed": src_changed,
        "src_diff": digest.hexdigest()[:16] if src_changed else None,
    }


def environment() -> dict[str, Any]:
    """Everything a figure depends on besides the code, recorded at the start of a run."""
    return {
        "run_id": os.environ.get(RUN_ID_VARIABLE),
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "load_start": load_average(),
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "memory_bytes": memory_bytes(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "libraries": library_versions(),
        "git": git_state(),
        # Variables that change what is measured (bytecode caching, the cache);
        # of CHECKPOINTING_* only the names (CHECKPOINTING_HMAC_KEY is a secret).
        "variables": {
            name: "(set)" if name.startswith("CHECKPOINTING_") else value
            for name, value in sorted(os.environ.items())
            if name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH")
            or name.startswith("CHECKPOINTING_")
        },
    }


def finish(env: dict[str, Any]) -> dict[str, Any]:
    """Return *env* with the end of the run: time and load average."""
    return {
        **env,
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "load_end": load_average(),
    }


# -- statistics ----------------------------------------------------------------
def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted *ordered* (``fraction`` in ``(0, 1]``)."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarize(samples: Iterable[float]) -> dict[str, Any]:
    """Median, P90, P99, min, max and mean of *samples* (seconds), and the samples."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    middle = len(ordered) // 2
    median = (
        ordered[middle]
        if len(ordered) % 2
        else (ordered[middle - 1] + ordered[middle]) / 2
    )
    return {
        "n": len(ordered),
        "median": median,
        "p90": percentile(ordered, 0.90),
        "p99": percentile(ordered, 0.99),
        "min": ordered[0],
        "max": ordered[-1],
        "mean": sum(ordered) / len(ordered),
        "samples": ordered,
    }


def measure(func: Any, *, repeat: int, sample_seconds: float) -> dict[str, Any]:
    """
    Per-call seconds of ``func()``: :func:`summarize` over *repeat* samples.

    Each sample is the mean of ``number`` back-to-back calls, ``number`` chosen
    so a sample lasts about *sample_seconds*; so P90 / P99 describe sample-to-
    sample jitter, as pytest-benchmark's rounds do. GC stays enabled.
    """
    import gc
    import timeit

    timer = timeit.Timer(func, setup=gc.enable)
    single = min(timer.repeat(repeat=5, number=1))
    number = max(1, int(sample_seconds / max(single, 1e-9)))
    timer.timeit(number)  # warm up
    samples = [t / number for t in timer.repeat(repeat=repeat, number=number)]
    return {**summarize(samples), "calls_per_sample": number}


def human(seconds: float) -> str:
    """``1.23 s``, ``4.56 ms``, ``7.89 µs`` or ``12 ns``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:,.2f} {unit}"
    return f"{seconds / 1e-9:,.0f} ns"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; every column but the first right-aligned."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---:" if i else "---" for i in range(len(header))) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# -- the life cycle of a standalone script --------------------------------------
def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every script shares."""
    result = argparse.ArgumentParser(
        description=(doc or "").strip().split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    result.add_argument(
        "--smoke",
        action="store_true",
        help="run every measurement once, tiny (for CI: checks, not figures)",
    )
    result.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="write the raw results and the environment to PATH",
    )
    return result


class Run:
    """
    One run of a script: warnings are errors, the environment is recorded, JSON at the end.

    Use as ``with Run("name", options) as run: run.results[...] = ...``. The JSON
    (``{"schema", "name", "command", "smoke", "environment", "results"}``) is
    written only if the block finished without an exception.
    """

    def __init__(self, name: str, options: argparse.Namespace) -> None:
        self.name = name
        self.options = options
        self.results: dict[str, Any] = {}
        self._warnings = warnings.catch_warnings()
        self.environment: dict[str, Any] = {}
        self._document: dict[str, Any] | None = None

    def __enter__(self) -> Run:
        self._warnings.__enter__()
        # A storage failure under on_error="warn" must not pass for a fast write.
        warnings.simplefilter("error")
        self.environment = environment()
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        self._warnings.__exit__(kind, value, traceback)
        if kind is not None:
            return
        self._document = {
            "schema": SCHEMA,
            "name": self.name,
            "command": command_line(),
            "smoke": bool(self.options.smoke),
            "environment": finish(self.environment),
            "results": self.results,
        }
        if self.options.json is not None:
            write_json(self.options.json, self._document)

    def document(self) -> dict[str, Any]:
        """The JSON document of the finished run (written or not)."""
        if self._document is None:
            raise RuntimeError("the run has not finished")
        return self._document


def command_line() -> list[str]:
    """``python`` plus this process's arguments, the script relative to the repository."""
    argv = list(sys.argv)
    if argv:
        script = Path(argv[0]).resolve()
        if script.is_relative_to(REPOSITORY):
            argv[0] = script.relative_to(REPOSITORY).as_posix()
    return ["python", *argv]


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=1, sort_keys=False, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def counted(func: Any, log: list[Any]) -> Any:
    """
    Return *func* wrapped so every run of its body is appended to *log*.

    The wrapper keeps the name, qualified name and ``__wrapped__`` of *func*,
    so caches that key on the function's name or source (``PlainCache``,
    ``diskcache``, ``joblib``) key it as *func*; a hit never calls it, so the
    log counts misses only and costs a hit nothing. (``@checkpoint`` sees the
    wrapper's closure: its hits are checked with :func:`hit_state` instead.)
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        log.append(args)
        return func(*args, **kwargs)

    return wrapper


def age(written: float, *, smoke: bool = False) -> None:
    """Sleep until :data:`AGE_SECONDS` after *written* (``time.monotonic()``); not in smoke runs."""
    if not smoke:
        time.sleep(max(0.0, written + AGE_SECONDS - time.monotonic()))


def hit_state(function: Any, *args: Any) -> tuple[bool, list[tuple[str, float]]]:
    """
    Whether ``function(*args)`` would hit, and every stored entry with its time.

    For a ``@checkpoint`` function, through the public API only
    (``explain(...).hit`` and :func:`checkpointing.scan`). Taken before and
    after a timed region, equal states prove that every timed call was a hit:
    a miss writes its entry again (a new ``created_at``) or, if the write
    fails, warns (an error here).
    """
    from checkpointing import scan

    hit = function.explain(*args).hit
    entries = [
        (record.key, record.created_at.timestamp())
        for record in scan(function.directory)
    ]
    return hit, sorted(entries)


#: Top-level phases of a hit that add up to the full hit with the call glue
#: (timed by hit_breakdown.py, summed by report.py).
PLAN_PARTS = (
    "resolve store (Checkpointed._store)",
    "resolve codec (Checkpointed._codec)",
    "bind + digest args (digest_arguments)",
    "fingerprint (prepared fingerprinter, warm)",
    "key (xxh3_128 of the key string)",
)
