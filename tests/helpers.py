"""
Helpers for tests that run small user projects in real subprocesses.

A scenario script reports what happened on standard output, one fact per line:

* ``COMPUTE <name>``: the body of the checkpointed function *name* ran
  (a miss); a hit prints nothing.
* ``RESULT <name> <repr>``: the script's result *name*, as its ``repr``.

The parsers below turn that output into values a test can compare.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "PythonProcessError",
    "bump_mtimes",
    "copy_project",
    "parse_computes",
    "parse_results",
    "remove_bytecode",
    "run_python",
    "write_project",
]

#: Seconds one scenario subprocess may take before the test fails. A case that
#: hangs (say, the fingerprint recursing forever on mutual recursion) must fail
#: loudly instead of blocking the whole run.
TIMEOUT_SECONDS = 60.0


class PythonProcessError(RuntimeError):
    """A subprocess started by :func:`run_python` exited non-zero or timed out."""

    def __init__(
        self, command: Sequence[str], returncode: int | None, stdout: str, stderr: str
    ) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        status = "timed out" if returncode is None else f"exited with {returncode}"
        super().__init__(
            f"{' '.join(self.command)} {status}\n"
            f"--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        )


def write_project(directory: Path, files: Mapping[str, str]) -> None:
    """Write *files* (relative POSIX path to text) under *directory*."""
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def copy_project(source: Path, destination: Path) -> list[Path]:
    """
    Copy every file under *source* into *destination*, overwriting.

    Files of *destination* that *source* does not have are kept, so copying a
    ``v1/`` directory over a ``v0/`` copy applies exactly the files it holds.
    Bytecode caches in *source* are skipped.

    Returns:
        The destination paths written, sorted.
    """
    written = []
    for path in sorted(source.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        written.append(target)
    return written


def remove_bytecode(directory: Path) -> None:
    """Delete every ``__pycache__`` directory under *directory*."""
    for cache in sorted(directory.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)


def bump_mtimes(directory: Path, seconds: float) -> None:
    """
    Set the modification time of every file under *directory* to *seconds*.

    A ``.pyc`` is trusted when its recorded source mtime (whole seconds) and size
    match, so an edit of equal length within the same second could reuse stale
    bytecode. Giving every stage of a scenario its own mtime rules that out.
    """
    for path in directory.rglob("*"):
        if path.is_file():
            os.utime(path, (seconds, seconds))


def run_python(
    script: str | Sequence[str],
    cwd: Path,
    env_extra: Mapping[str, str] | None = None,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """
    Run the current interpreter on *script* in *cwd* and capture its output.

    Args:
        script: A script path (``"main.py"``) or the full argument list after
            the interpreter (``["-m", "checkpointing", "inspect", "cache"]``).
        cwd: Working directory of the subprocess.
        env_extra: Variables set on top of a copy of this process's environment.
        timeout: Seconds before the subprocess is killed.

    Returns:
        The completed process, with text ``stdout`` and ``stderr``.

    Raises:
        PythonProcessError: If the process exits non-zero or times out; the
            message holds its standard output and standard error.
    """
    arguments = [script] if isinstance(script, str) else list(script)
    command = [sys.executable, *arguments]
    env = dict(os.environ)
    env.update(env_extra or {})
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        raise PythonProcessError(
            command, None, _text(err.stdout), _text(err.stderr)
        ) from err
    if completed.returncode != 0:
        raise PythonProcessError(
            command, completed.returncode, completed.stdout, completed.stderr
        )
    return completed


def parse_computes(stdout: str) -> list[str]:
    """Return the names of the ``COMPUTE <name>`` lines of *stdout*, in order."""
    names = []
    for line in stdout.splitlines():
        head, _, rest = line.partition(" ")
        if head == "COMPUTE":
            names.append(rest.strip())
    return names


def parse_results(stdout: str) -> list[tuple[str, str]]:
    """Return ``(name, repr)`` for each ``RESULT <name> <repr>`` line, in order."""
    results = []
    for line in stdout.splitlines():
        head, _, rest = line.partition(" ")
        if head == "RESULT":
            name, _, value = rest.partition(" ")
            results.append((name, value))
    return results


def _text(output: str | bytes | None) -> str:
    if output is None:
        return ""
    if isinstance(output, bytes):
        return output.decode("utf-8", "replace")
    return output
