"""
The standalone scripts and the report, run the way CI runs them.

Not benchmarks: these tests use no ``benchmark`` fixture, so ``--benchmark-only``
(a timed run) skips them, and the smoke run
(``python -m pytest benchmarks --benchmark-disable``) runs them:

* every standalone script once with ``--smoke`` (tiny sizes, its own checks,
  warnings as errors) in a new process, writing its JSON;
* ``report.py`` on those JSON files (each script's own sections render);
* ``report.py --check``: the README's tables are exactly what the committed
  ``benchmarks/results/*.json`` give (no figure edited by hand, none stale).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import report
from benchlib import BENCHMARKS, REPOSITORY, RESULTS

SCRIPTS = [
    "hit_breakdown",
    "digest_targets",
    "large_results",
    "formats",
    "store_scaling",
    "import_cost",
    "hit_versus",
    "versus",
    "remote",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_smoke(script, tmp_path):
    """``python benchmarks/<script>.py --smoke --json ...`` succeeds and writes its JSON."""
    output = tmp_path / f"{script}.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            str(BENCHMARKS / f"{script}.py"),
            "--smoke",
            "--json",
            str(output),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    document = json.loads(output.read_text(encoding="utf-8"))
    assert document["name"] == script
    assert document["smoke"] is True
    assert document["environment"]["load_end"] is not None or sys.platform == "win32"
    assert report.render_script(script, document).strip()


def test_percentiles_script(tmp_path):
    """``percentiles.py`` reads the committed pytest-benchmark JSON."""
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "percentiles.py"),
            str(RESULTS / "pytest.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "| benchmark | rounds | median | P90 | P99 |" in completed.stdout


def test_readme_tables_match_committed_results():
    """Every table of benchmarks/README.md is what report.py makes of results/*.json."""
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "report.py"), "--check"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_report_refuses_mixed_runs(tmp_path):
    """JSON files from two runs (or a smoke run) never make one table."""
    for name in ("pytest", "import_cost"):
        document = json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))
        if name == "import_cost":
            document["environment"]["run_id"] = "another run"
        (tmp_path / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(report.ReportError, match="more than one run"):
        report.Results.load(tmp_path)
    smoke = json.loads((tmp_path / "import_cost.json").read_text(encoding="utf-8"))
    smoke["smoke"] = True
    (tmp_path / "import_cost.json").write_text(json.dumps(smoke), encoding="utf-8")
    with pytest.raises(report.ReportError, match="smoke"):
        report.Results.load(tmp_path)


def test_readme_has_no_figure_outside_the_generated_tables():
    """Figures with units appear only between the report's markers (or in the
    other engineers' subsections listed in ``report.HAND_WRITTEN``)."""
    text = (BENCHMARKS / "README.md").read_text(encoding="utf-8")
    outside = report.MARKER.sub("", text)
    for heading in report.HAND_WRITTEN:
        outside = report.without_subsection(outside, heading)
    figures = report.FIGURE.findall(outside)
    assert figures == [], f"figures without a JSON source: {figures}"


def test_every_script_is_smoke_tested():
    standalone = {
        path.stem
        for path in Path(BENCHMARKS).glob("*.py")
        if not path.name.startswith(("test_", "conftest"))
    }
    helpers = {"benchlib", "report", "run", "percentiles"}
    assert standalone - helpers == set(SCRIPTS)
