"""
Permission failures as an ordinary user meets them, without simulated errors.

CI runs as root, and root ignores file modes, so a read-only directory there
never fails a write: a test would pass for the wrong reason. When the suite
runs as root, each script here runs with every capability dropped
(``setpriv --bounding-set=-all``): still uid 0, but bound by file modes like
any user. As a non-root user the script runs as is.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from .harness import run_user

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

SCRIPT = """\
import warnings

from checkpointing import StoreWriteWarning, checkpoint


@checkpoint(directory={directory!r})
def square(x):
    print("COMPUTE", x)
    return x * x


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("RESULT", square(7))
for warning in caught:
    print("WARNING", warning.category.__name__, str(warning.message).splitlines()[0])
"""


def run_script(work: Path, script: str) -> list[str]:
    """Run *script* (in *work*) with file modes enforced; return its output lines."""
    if os.geteuid() != 0:
        return run_user([script], cwd=work).stdout.splitlines()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes are not enforced")
    command = f"setpriv --inh-caps=-all --bounding-set=-all python -W error {script}"
    return run_user(command, cwd=work).stdout.splitlines()


def run(work: Path, directory: str, argument: int = 7) -> list[str]:
    """Write the study script for *directory* and *argument*; run it unprivileged."""
    source = SCRIPT.format(directory=directory).replace(
        "square(7)", f"square({argument})"
    )
    (work / "study.py").write_text(source, "utf-8")
    return run_script(work, "study.py")


def warnings_in(out: list[str]) -> list[str]:
    """The WARNING lines the script printed."""
    return [line for line in out if line.startswith("WARNING")]


@pytest.fixture
def work(tmp_path: Path) -> Iterator[Path]:
    """A working directory; modes are restored afterwards so pytest can clean up."""
    yield tmp_path
    for path in [tmp_path, *tmp_path.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(stat.S_IRWXU)


def test_modes_are_enforced(work: Path):
    """Control: the wrapper really makes a read-only directory unwritable."""
    locked = work / "locked"
    locked.mkdir(mode=0o500)
    probe = (
        "import pathlib\n"
        "try:\n"
        "    pathlib.Path('locked/x').write_text('x')\n"
        "    print('WROTE')\n"
        "except PermissionError:\n"
        "    print('DENIED')\n"
    )
    (work / "probe.py").write_text(probe, "utf-8")
    out = run_script(work, "probe.py")
    assert out == ["DENIED"]


def test_unwritable_cache_directory_still_returns_the_result(work: Path):
    """A cache directory that cannot be created: the result, and one warning."""
    parent = work / "readonly"
    parent.mkdir(mode=0o500)
    out = run(work, "readonly/cache")
    assert "COMPUTE 7" in out
    assert "RESULT 49" in out
    [warning] = warnings_in(out)
    assert warning.startswith("WARNING StoreWriteWarning"), out
    assert "ermission denied" in warning, out
    assert not (parent / "cache").exists()


def test_read_only_cache_with_an_entry_still_hits(work: Path):
    """A cache made read-only after a run: the stored result is loaded, nothing warns."""
    first = run(work, "cache")
    assert "COMPUTE 7" in first
    assert not warnings_in(first), first
    for path in [work / "cache", *(work / "cache").rglob("*")]:
        if path.is_dir():
            path.chmod(0o500)
    second = run(work, "cache")
    assert "COMPUTE 7" not in second, second
    assert "RESULT 49" in second
    assert not warnings_in(second), second


def test_read_only_cache_miss_returns_the_result(work: Path):
    """A read-only cache and a new call: computed, returned, and one warning."""
    run(work, "cache")
    for path in [work / "cache", *(work / "cache").rglob("*")]:
        if path.is_dir():
            path.chmod(0o500)
    out = run(work, "cache", argument=8)
    assert "COMPUTE 8" in out
    assert "RESULT 64" in out
    [warning] = warnings_in(out)
    assert warning.startswith("WARNING StoreWriteWarning"), out
