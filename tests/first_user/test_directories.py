"""
Cache directories written the ways users write them, from a fresh working directory.

Each case runs a script twice in real subprocesses (``python -W error``, no
``CHECKPOINTING_*`` variable): the first run computes and stores, the second
loads, and the entry lies where the user's spelling says it should.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import run_user, user_env

SCRIPT = """\
import pathlib
from pathlib import Path

import checkpointing
from checkpointing import checkpoint

{setup}

@checkpoint{options}
def square(x):
    with open({log!r}, "a") as log:
        log.write("ran\\n")
    return x * x


print("RESULT", square(7))
"""


def run_twice(
    work: Path, *, options: str = "", setup: str = "", env: dict[str, str] | None = None
) -> Path:
    """Run the script twice in *work*; return the log of body runs."""
    log = work.parent / f"{work.name}-body-runs.log"
    script = work / "study.py"
    script.write_text(
        SCRIPT.format(options=options, setup=setup, log=str(log)), encoding="utf-8"
    )
    for _ in range(2):
        done = run_user(["study.py"], cwd=work, env=env)
        assert done.stdout.splitlines() == ["RESULT 49"], done.stdout + done.stderr
        assert done.stderr == "", done.stderr
    runs = log.read_text(encoding="utf-8").splitlines()
    assert runs == ["ran"], f"the second process did not hit ({len(runs)} body runs)"
    return log


def entries_under(directory: Path) -> list[Path]:
    """The stored entries (``*.ckpt``) under *directory*."""
    return sorted(directory.rglob("*.ckpt"))


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A fresh, empty working directory (one level down, so ``../x`` stays inside)."""
    path = tmp_path / "project"
    path.mkdir()
    return path


def test_default_directory(work: Path):
    """No option at all: ``./.checkpointing`` in the working directory."""
    run_twice(work)
    assert entries_under(work / ".checkpointing")
    assert (work / ".checkpointing" / "CACHEDIR.TAG").is_file()
    assert sorted(p.name for p in work.iterdir()) == [".checkpointing", "study.py"]


@pytest.mark.parametrize(
    ("spelling", "relative_to_work"),
    [
        ("cache", "cache"),
        ("./cache", "cache"),
        ("../cache", "../cache"),
        ("nested/deeper/cache", "nested/deeper/cache"),
    ],
)
def test_relative_directory(work: Path, spelling: str, relative_to_work: str):
    """A relative ``directory=`` is taken from the working directory, parents created."""
    run_twice(work, options=f"(directory={spelling!r})")
    assert entries_under(work / relative_to_work)
    assert not (work / ".checkpointing").exists()


def test_home_directory(work: Path, tmp_path: Path):
    """``~/x`` is the user's home, not a folder named ``~``."""
    home = tmp_path / "home"
    home.mkdir()
    run_twice(work, options="(directory='~/cache')", env=user_env({"HOME": str(home)}))
    assert entries_under(home / "cache")
    assert not (work / "~").exists()


def test_absolute_directory(work: Path, tmp_path: Path):
    """An absolute directory whose parents do not exist yet."""
    target = tmp_path / "elsewhere" / "cache"
    run_twice(work, options=f"(directory={str(target)!r})")
    assert entries_under(target)


def test_path_object(work: Path):
    """A ``pathlib.Path``, relative, as most modern code writes it."""
    run_twice(work, options="(directory=Path('results') / 'cache')")
    assert entries_under(work / "results" / "cache")


def test_symlinked_directory(work: Path, tmp_path: Path):
    """A directory that is a symlink to another place (a scratch disk, say)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(mode=0o700)
    (work / "cache").symlink_to(scratch, target_is_directory=True)
    run_twice(work, options="(directory='cache')")
    assert entries_under(scratch)


def test_symlinked_working_directory(tmp_path: Path):
    """The working directory reached through a symlink; the default directory."""
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    run_twice(link)
    assert entries_under(real / ".checkpointing")


def test_relative_environment_variable(work: Path):
    """``CHECKPOINTING_DIR=cache`` (relative), as set in a shell."""
    run_twice(work, env=user_env({"CHECKPOINTING_DIR": "cache"}))
    assert entries_under(work / "cache")


def test_relative_process_default(work: Path):
    """``checkpointing.defaults["cache.filesystem.directory"]`` set to a relative path."""
    setup = 'checkpointing.defaults["cache.filesystem.directory"] = "from-defaults"'
    run_twice(work, setup=setup)
    assert entries_under(work / "from-defaults")


def test_cache_directory_is_owner_only(work: Path):
    """Every directory the store creates is private to the user (mode 0o700)."""
    run_twice(work, options="(directory='a/b')")
    for directory in (work / "a", work / "a" / "b"):
        assert oct(directory.stat().st_mode & 0o777) == oct(0o700), directory
