"""
Shared fixtures and hooks of the benchmarks (``pytest-benchmark``).

A timed run (its JSON is what ``report.py`` tables)::

    python -m pytest benchmarks --benchmark-only -p no:cacheprovider \\
        --benchmark-json=benchmarks/results/pytest.json

The smoke run CI does (every benchmark once, untimed, with small sizes, plus
every standalone script with ``--smoke``)::

    python -m pytest benchmarks --benchmark-disable -q -p no:cacheprovider

``testpaths`` keeps these files out of the normal test run. Warnings are errors
here whatever the configuration says (:func:`pytest_collection_modifyitems`),
fixtures included: a cache
whose write failed under ``on_error="warn"`` would otherwise time as a fast
"write".
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

BENCHMARKS = Path(__file__).resolve().parent
_ENVIRONMENT = pytest.StashKey[dict]()


def pytest_configure(config):
    """Record the environment (and the load average) before the first benchmark."""
    config.stash[_ENVIRONMENT] = benchlib.environment()


def pytest_collection_modifyitems(config, items):
    """
    Make warnings errors in every benchmark: setup (fixtures too), call, teardown.

    A marker rather than the configuration's ``filterwarnings``, which applies
    only when pytest finds this repository's ``pyproject.toml``.
    """
    for item in items:
        if BENCHMARKS in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("error"))


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record library versions and the platform next to pytest-benchmark's own info."""
    machine_info["libraries"] = benchlib.library_versions()
    machine_info["platform"] = platform.platform()


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """Add the run's environment (load at start and end), command and schema."""
    output_json["schema"] = benchlib.SCHEMA
    output_json["name"] = "pytest"
    output_json["command"] = [
        "python",
        "-m",
        "pytest",
        *map(str, config.invocation_params.args),
    ]
    output_json["smoke"] = False  # pytest-benchmark writes no JSON when disabled
    output_json["environment"] = benchlib.finish(config.stash[_ENVIRONMENT])
    # Every round's time, to 4 significant digits (far below the noise): the
    # file stays small enough to commit.
    for bench in output_json["benchmarks"]:
        bench["stats"]["data"] = [float(f"{t:.4g}") for t in bench["stats"]["data"]]


@pytest.fixture(scope="session")
def smoke(request) -> bool:
    """``True`` under ``--benchmark-disable``: each body runs once; use small sizes."""
    return bool(request.config.getoption("benchmark_disable"))


@pytest.fixture
def cache_root(tmp_path: Path) -> Path:
    """A fresh, empty directory for one benchmark's caches."""
    root = tmp_path / "caches"
    root.mkdir()
    return root
