"""
Shared fixtures for the benchmarks (``pytest-benchmark``).

Run with::

    python -m pytest benchmarks --benchmark-only -p no:cacheprovider

``testpaths = ["tests"]`` keeps these files out of the normal test run.
"""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

#: Distributions whose versions are recorded with every saved benchmark run.
RECORDED_DISTRIBUTIONS = (
    "checkpointing",
    "cloudpickle",
    "xxhash",
    "numpy",
    "joblib",
    "diskcache",
    "pytest-benchmark",
)


def library_versions() -> dict[str, str]:
    """Return the installed version of every distribution the benchmarks compare."""
    found = {}
    for name in RECORDED_DISTRIBUTIONS:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record library versions next to the CPU and Python in saved runs."""
    machine_info["libraries"] = library_versions()
    machine_info["platform"] = platform.platform()


@pytest.fixture
def cache_root(tmp_path: Path) -> Path:
    """A fresh, empty directory for one benchmark's caches."""
    root = tmp_path / "caches"
    root.mkdir()
    return root
