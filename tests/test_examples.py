"""
Smoke tests of the digits example (``examples/digits``).

The pipeline runs in subprocesses with ``--quick --verbose`` against a
temporary cache directory. Its stdout has one line per step call
(``hit``/``miss`` as predicted by ``explain``, the call, the wall time and the
reason of a miss); with ``--verbose`` every step body that actually runs logs
``[digits] <step>: ...`` to stderr. Every run is checked for consistency:
the predicted misses are exactly the bodies that ran.

Edits are made to a copy of the example, never to the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")
pytest.importorskip("numpy")

# Each test starts Python subprocesses that import scikit-learn (~2 s each).
pytestmark = pytest.mark.slow

EXAMPLE_DIR = Path(__file__).resolve().parent.parent / "examples" / "digits"
STEPS = ("load_dataset", "extract_features", "cross_validate", "final_evaluation")
N_FEATURE_SETS = 4
N_GRID_POINTS = 2  # the --quick grid
TIMEOUT = 300

_CALL = re.compile(
    r"^  (?P<status>hit|miss)\s+(?P<step>\w+)\((?P<label>.*)\)\s+"
    r"(?P<seconds>\d+\.\d+) s(?:  (?P<reason>.*))?$"
)
_EXECUTED = re.compile(r"^\[digits\] (?P<step>\w+): ")
_LIBRARY_WARNING = re.compile(
    r"(IncompleteFingerprint|StoreWrite|CacheRead|Checkpointing)Warning"
)


@dataclass(frozen=True)
class Call:
    """One reported step call."""

    status: str
    step: str
    label: str
    reason: str


@dataclass(frozen=True)
class Run:
    """The parsed output of one pipeline run."""

    calls: list[Call]
    executed: Counter[str]
    results: list[str]
    stdout: str
    stderr: str

    def of(self, step: str) -> list[Call]:
        """Return the calls of *step*, in order."""
        return [call for call in self.calls if call.step == step]

    def statuses(self, step: str) -> set[str]:
        """Return the set of statuses reported for *step*."""
        return {call.status for call in self.of(step)}


def run_pipeline(script_dir: Path, cache_dir: Path, cwd: Path) -> Run:
    """Run ``pipeline.py --quick --verbose`` from *script_dir* and parse its output."""
    env = {
        key: value for key, value in os.environ.items() if key != "CHECKPOINTING_DIR"
    }
    # No .pyc files: they would dirty the repository copy of the example, and a
    # same-size edit within one second could otherwise run stale bytecode.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [
            sys.executable,
            str(script_dir / "pipeline.py"),
            "--quick",
            "--verbose",
            "--cache-dir",
            str(cache_dir),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"pipeline failed:\n{proc.stdout}\n{proc.stderr}"
    calls = [
        Call(m["status"], m["step"], m["label"], m["reason"] or "")
        for m in map(_CALL.match, proc.stdout.splitlines())
        if m
    ]
    executed = Counter(
        m["step"] for m in map(_EXECUTED.match, proc.stderr.splitlines()) if m
    )
    lines = proc.stdout.splitlines()
    results = lines[lines.index("results") + 1 : lines.index("run")]
    run = Run(calls, executed, results, proc.stdout, proc.stderr)

    expected_calls = 1 + N_FEATURE_SETS + N_FEATURE_SETS * N_GRID_POINTS + 1
    assert len(calls) == expected_calls, proc.stdout
    assert calls[0].step == "load_dataset", proc.stdout
    misses = Counter(call.step for call in calls if call.status == "miss")
    assert misses == executed, (
        "explain() predictions disagree with the bodies that ran:\n"
        f"{proc.stdout}\n{proc.stderr}"
    )
    assert not _LIBRARY_WARNING.search(proc.stderr), proc.stderr
    return run


def copy_example(tmp_path: Path) -> Path:
    """Copy ``examples/digits`` into *tmp_path* and return the copy's directory."""
    target = tmp_path / "digits"
    shutil.copytree(
        EXAMPLE_DIR,
        target,
        ignore=shutil.ignore_patterns("__pycache__", ".checkpointing"),
    )
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the single occurrence of *old* in *path* by *new*."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur exactly once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@dataclass(frozen=True)
class Baseline:
    """A cold and a warm run of the repository's example on one cache."""

    cache_dir: Path
    cold: Run
    warm: Run


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """Run the example in the repository twice, from an unrelated directory."""
    root = tmp_path_factory.mktemp("baseline")
    cache_dir = root / "cache"
    cold = run_pipeline(EXAMPLE_DIR, cache_dir, cwd=root)
    warm = run_pipeline(EXAMPLE_DIR, cache_dir, cwd=root)
    return Baseline(cache_dir, cold, warm)


@pytest.fixture
def edited_example(tmp_path: Path) -> tuple[Path, Path, Run]:
    """Copy the example, run it cold on a fresh cache and return (dir, cache, run)."""
    script_dir = copy_example(tmp_path)
    cache_dir = tmp_path / "cache"
    return script_dir, cache_dir, run_pipeline(script_dir, cache_dir, cwd=tmp_path)


def test_first_run_misses_every_step(baseline: Baseline) -> None:
    """A run on an empty cache computes every step call, first calls saying why."""
    cold = baseline.cold
    assert {call.status for call in cold.calls} == {"miss"}
    assert cold.executed == Counter(call.step for call in cold.calls)
    for step in STEPS:
        assert "first call" in cold.of(step)[0].reason, cold.stdout


def test_second_run_hits_everything_and_reproduces_results(baseline: Baseline) -> None:
    """A second identical run hits every step, runs no body and prints the same results."""
    cold, warm = baseline.cold, baseline.warm
    assert {call.status for call in warm.calls} == {"hit"}, warm.stdout
    assert not warm.executed, warm.stderr
    assert [c.label for c in warm.calls] == [c.label for c in cold.calls]
    assert warm.results == cold.results
    assert any(line.strip().startswith("best:") for line in warm.results)


def test_inspect_lists_every_step(baseline: Baseline) -> None:
    """``python -m checkpointing inspect DIR`` lists every cached step of the example."""
    proc = subprocess.run(
        [sys.executable, "-m", "checkpointing", "inspect", str(baseline.cache_dir)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for step in STEPS:
        assert step in proc.stdout, proc.stdout


def test_editing_normalization_reruns_every_dependent_step(
    edited_example: tuple[Path, Path, Run],
) -> None:
    """Changing a constant in normalize_images reruns everything but load_dataset."""
    script_dir, cache_dir, _ = edited_example
    edit(script_dir / "features.py", "/ 16.0", "/ 12.0")

    run = run_pipeline(script_dir, cache_dir, cwd=script_dir.parent)

    assert run.statuses("load_dataset") == {"hit"}
    assert run.statuses("extract_features") == {"miss"}
    for call in run.of("extract_features"):
        assert "callee:features:normalize_images" in call.reason, run.stdout
    assert run.statuses("cross_validate") == {"miss"}
    assert run.statuses("final_evaluation") == {"miss"}


def test_editing_gradient_helper_reruns_only_gradient_features(
    edited_example: tuple[Path, Path, Run],
) -> None:
    """Changing gradient_histograms reruns only the calls whose inputs it changed."""
    script_dir, cache_dir, before = edited_example
    edit(script_dir / "features.py", "bins: int = 8", "bins: int = 9")

    run = run_pipeline(script_dir, cache_dir, cwd=script_dir.parent)

    assert run.statuses("load_dataset") == {"hit"}
    # extract_features calls gradient_histograms, so every call reruns ...
    assert run.statuses("extract_features") == {"miss"}
    for call in run.of("extract_features"):
        assert "callee:features:gradient_histograms" in call.reason, run.stdout
    # ... but only the feature sets with gradients produce different matrices.
    for call in run.of("cross_validate"):
        expected = "miss" if "gradients" in call.label else "hit"
        assert call.status == expected, run.stdout
    [final] = run.of("final_evaluation")
    [final_before] = before.of("final_evaluation")
    unchanged = final.label == final_before.label and "gradients" not in final.label
    assert final.status == ("hit" if unchanged else "miss"), run.stdout


def test_refactor_with_identical_output_reruns_only_feature_extraction(
    edited_example: tuple[Path, Path, Run],
) -> None:
    """A code change with bit-identical output reruns extract_features and nothing downstream."""
    script_dir, cache_dir, before = edited_example
    # x / 16.0 == x * 0.0625 exactly in floating point (a power of two).
    edit(script_dir / "features.py", "/ 16.0", "* 0.0625")

    run = run_pipeline(script_dir, cache_dir, cwd=script_dir.parent)

    assert run.statuses("load_dataset") == {"hit"}
    assert run.statuses("extract_features") == {"miss"}
    assert run.statuses("cross_validate") == {"hit"}
    assert run.statuses("final_evaluation") == {"hit"}
    assert run.results == before.results


def test_editing_model_reruns_only_model_fitting_steps(
    edited_example: tuple[Path, Path, Run],
) -> None:
    """Changing make_classifier in model.py reruns the fitting steps but not the features."""
    script_dir, cache_dir, _ = edited_example
    edit(script_dir / "model.py", 'kernel="rbf")', 'kernel="rbf", tol=1e-4)')

    run = run_pipeline(script_dir, cache_dir, cwd=script_dir.parent)

    assert run.statuses("load_dataset") == {"hit"}
    assert run.statuses("extract_features") == {"hit"}
    assert run.statuses("cross_validate") == {"miss"}
    assert run.statuses("final_evaluation") == {"miss"}
    for call in run.of("cross_validate"):
        assert "callee:model:make_classifier" in call.reason, run.stdout
