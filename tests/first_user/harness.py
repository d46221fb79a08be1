"""
Run the library the way a new user does: real subprocesses, a fresh working
directory, no ``CHECKPOINTING_*`` variable, the default cache directory, and
warnings turned into errors.

Nothing here points the library at a directory: a test that needs one passes
it exactly as a user would write it (``directory="cache"``, ``--dir cache``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "REPO",
    "code_blocks",
    "copy_repo",
    "python_blocks",
    "run_user",
    "user_env",
]

#: The repository this test suite belongs to.
REPO = Path(__file__).resolve().parents[2]

#: Seconds one user command may take (the full digits pipeline takes ~15 s).
TIMEOUT_SECONDS = 600.0

#: A fenced block: opening fence (any indent, 3+ backticks, a tag), body, and
#: the closing fence with the same indent and backticks.
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,})(?P<tag>[^\n`]*)\n"
    r"(?P<body>.*?)"
    r"^(?P=indent)(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def user_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """
    Return this process's environment as a new user's shell would have it.

    Every ``CHECKPOINTING_*`` variable is removed (the autouse fixture of the
    unit tests sets one), ``PYTHONWARNINGS=error`` makes any warning fatal in
    the user's process, and *extra* is applied last.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CHECKPOINTING_", "PYTEST_", "COV_CORE_"))
    }
    env["PYTHONWARNINGS"] = "error"
    env.update(extra or {})
    return env


def run_user(
    command: str | Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    python: Path | None = None,
    timeout: float = TIMEOUT_SECONDS,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """
    Run *command* in *cwd* as a user would, and capture its output.

    Args:
        command: A shell command line exactly as documented (run by
            ``bash -c``, with ``python`` meaning this interpreter), or an
            argument list after the interpreter (``["-m", "checkpointing"]``).
        cwd: The working directory.
        env: The environment (default: :func:`user_env`).
        python: The interpreter that ``python`` means (default: this one);
            pass a virtual environment's to run a command inside it.
        timeout: Seconds before the process is killed.
        check: Raise ``AssertionError`` with the output when the exit code is
            not 0.

    Returns:
        The completed process with text ``stdout`` and ``stderr``.
    """
    env = dict(user_env() if env is None else env)
    interpreter = Path(sys.executable) if python is None else python
    if isinstance(command, str):
        # "python" in a documented command is whatever `python` the user's
        # shell finds first: make that *interpreter*.
        env["PATH"] = str(interpreter.parent) + os.pathsep + env.get("PATH", "")
        argv: list[str] = ["bash", "-c", command]
    else:
        argv = [str(interpreter), "-W", "error", *command]
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check:
        assert done.returncode == 0, (
            f"{argv} in {cwd} exited with {done.returncode}\n"
            f"--- stdout ---\n{done.stdout}\n--- stderr ---\n{done.stderr}"
        )
    return done


def copy_repo(destination: Path) -> Path:
    """
    Copy the repository's files (tracked or not ignored) to *destination*.

    A fresh clone holds no cache directory, bytecode or build output, so
    neither does the copy.

    Returns:
        *destination*.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if not source.is_file() or ".checkpointing" in Path(relative).parts:
            continue
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return destination


def code_blocks(text: str) -> list[tuple[int, str, str]]:
    """Return ``(line number, tag, code)`` for each fenced block of *text*."""
    return [
        (
            text.count("\n", 0, match.start()) + 1,
            match["tag"].strip(),
            textwrap.dedent(match["body"]),
        )
        for match in _FENCE.finditer(text)
    ]


def python_blocks(text: str) -> list[tuple[int, str]]:
    """Return ``(line number, code)`` for each block tagged ``python``."""
    return [(line, code) for line, tag, code in code_blocks(text) if tag == "python"]
