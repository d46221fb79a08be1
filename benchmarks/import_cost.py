"""
What ``import checkpointing`` and the pytest plugin cost a process that starts.

Run from the repository root::

    python benchmarks/import_cost.py --json benchmarks/results/import_cost.json
    python benchmarks/import_cost.py --repeat 11
    python benchmarks/import_cost.py --smoke       # CI: one run per row
    # another checkout (say, the code before a change): put its src/ first
    PYTHONPATH=/tmp/before/src python benchmarks/import_cost.py --json /tmp/before.json

Each row is the wall-clock time of one fresh subprocess, timed from the parent
with :func:`time.perf_counter`; rows are run round-robin (one run of every row,
then the next round) so a change in machine load hits every row alike. Ratios
are against ``python -c pass`` measured in the same run, so they compare across
machines better than the milliseconds do.

Rows:

* ``python -c pass``: the interpreter's own start-up (the baseline).
* ``import checkpointing``: ``python -c "import checkpointing"``.
* ``... + checkpoint``: ``from checkpointing import checkpoint`` (the decorator
  and everything behind it: the cost of the first real use).
* ``pytest, plugin loaded``: a pytest session running one trivial test that does
  not use the plugin, with the ``checkpointing`` plugin loaded through its
  ``pytest11`` entry point (as in every project that has checkpointing installed).
* ``pytest -p no:checkpointing``: the same session with the plugin disabled.

Bytecode is cached as for an installed package: the subprocesses run without
``PYTHONDONTWRITEBYTECODE`` and with ``PYTHONPYCACHEPREFIX`` set to a temporary
directory (so nothing is written next to the sources), and one untimed run of
every row fills that cache first. Without it, every edited module would be
compiled again in every run.

It also prints the cumulative ``-X importtime`` of ``import checkpointing``, and
which ``checkpointing`` modules the pytest session imports besides the package
and the plugin module, with the sum of their *self* times (pytest imports the
plugin through :func:`importlib.import_module`, which ``-X importtime`` does not
report: the lines for ``checkpointing`` and ``checkpointing.pytest_plugin`` are
missing there, the modules they import are listed). The JSON has every run's
time; ``report.py`` tables medians, P90 and ratios.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import benchlib

TRIVIAL_TEST = "def test_nothing():\n    assert True\n"


class ImportLine(NamedTuple):
    """One line of ``-X importtime`` output (times in microseconds)."""

    name: str
    self_us: int
    cumulative_us: int


def _run(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    """Run *argv* once and return its wall-clock time in seconds."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _importtime(argv: list[str], cwd: str, env: dict[str, str]) -> list[ImportLine]:
    """The ``-X importtime`` lines of ``python *argv``, in order."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    # "import time: self [us] | cumulative | <indent>imported package"
    line_re = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")
    lines = []
    for line in result.stderr.splitlines():
        match = line_re.match(line)
        if match:
            self_us, cumulative_us, _, name = match.groups()
            lines.append(ImportLine(name, int(self_us), int(cumulative_us)))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = benchlib.parser(__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs per row (median)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.repeat = 1

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST", "CHECKPOINTING_", "BENCH_"))
        and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    with (
        benchlib.Run("import_cost", args) as run,
        tempfile.TemporaryDirectory(prefix="import-cost-") as tmp,
    ):
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp, "pycache"))
        cwd = str(Path(tmp, "run"))
        Path(cwd).mkdir()
        Path(cwd, "test_trivial.py").write_text(TRIVIAL_TEST, encoding="utf-8")
        pytest_argv = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "test_trivial.py",
        ]
        rows: dict[str, list[str]] = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import checkpointing": [sys.executable, "-c", "import checkpointing"],
            "from checkpointing import checkpoint": [
                sys.executable,
                "-c",
                "from checkpointing import checkpoint",
            ],
            "pytest, plugin loaded (unused)": pytest_argv,
            "pytest -p no:checkpointing": [*pytest_argv, "-p", "no:checkpointing"],
        }
        times: dict[str, list[float]] = {name: [] for name in rows}
        for row in rows.values():  # warm the page cache and .pyc files
            _run(row, cwd, env)
        for _ in range(args.repeat):
            for name, row in rows.items():
                times[name].append(_run(row, cwd, env))
        import_lines = _importtime(["-c", "import checkpointing"], cwd, env)
        session_lines = _importtime(pytest_argv[1:], cwd, env)
        located = subprocess.run(
            [
                sys.executable,
                "-c",
                "import checkpointing; print(checkpointing.__file__)",
            ],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        ours = [line for line in session_lines if line.name.startswith("checkpointing")]
        run.results.update(
            {
                "repeat": args.repeat,
                "rows": {name: benchlib.summarize(s) for name, s in times.items()},
                "importtime_package_us": sum(
                    line.cumulative_us
                    for line in import_lines
                    if line.name == "checkpointing"
                ),
                "session_modules": [line.name for line in ours],
                "session_modules_self_us": sum(line.self_us for line in ours),
                "imported_from": str(Path(located).parent),
            }
        )
    import report

    print(report.render_script("import_cost", run.document()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
