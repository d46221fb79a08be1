"""
The README's own commands and claims, run as a new user runs them.

* The two commands at the top, exactly as written, in a fresh virtual
  environment made from a fresh copy of the repository (marked ``slow``: the
  install takes a minute).
* The digits pipeline from a fresh copy: a cold run, a warm run, the README's
  edit of ``normalize_images``, ``python -m checkpointing inspect
  extract_features``, and the undo; the counts each run prints are the ones
  the README prints.
* The README's ``study.py`` example, its helper edit, and ``inspect``.

Every process runs with ``PYTHONWARNINGS=error``, no ``CHECKPOINTING_*``
variable and the default cache directory, ``./.checkpointing``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import REPO, code_blocks, copy_repo, run_user, user_env

README = (REPO / "README.md").read_text(encoding="utf-8")

#: "54 step calls: 54 misses, 0 hits": the summary line the pipeline prints.
_COUNTS = re.compile(r"\d+ step calls: \d+ misses, \d+ hits")


def readme_commands() -> list[str]:
    """The commands of the README's first two ``console`` blocks (main job, tests)."""
    blocks = [code for _, tag, code in code_blocks(README) if tag == "console"]
    commands = [block.strip() for block in blocks[:2]]
    assert all("\n" not in command for command in commands), commands
    return commands


def readme_counts() -> list[str]:
    """The run summaries the README shows, in order: cold, warm, after the edit."""
    return [
        match.group()
        for _, tag, code in code_blocks(README)
        if tag == "text"
        for match in _COUNTS.finditer(code)
    ]


def counts(stdout: str) -> str:
    """The one run summary of a pipeline run's output."""
    [found] = _COUNTS.findall(stdout)
    return found


def test_readme_shows_two_commands_and_three_summaries():
    """The claims below are read from the README itself, so they cannot drift apart."""
    main_job, tests = readme_commands()
    assert main_job.endswith("python examples/digits/pipeline.py"), main_job
    assert tests.endswith("python -m pytest"), tests
    assert readme_counts() == [
        "54 step calls: 54 misses, 0 hits",
        "54 step calls: 0 misses, 54 hits",
        "54 step calls: 53 misses, 1 hits",
    ]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the repository (no cache directory, no bytecode)."""
    return copy_repo(tmp_path_factory.mktemp("clone") / "checkpointing")


@pytest.fixture(scope="module")
def cold_and_warm(project: Path) -> tuple[str, str]:
    """The README's main job (its pipeline part) run twice in the fresh copy."""
    command = readme_commands()[0].split("&&")[-1].strip()
    cold = run_user(command, cwd=project)
    warm = run_user(command, cwd=project)
    return cold.stdout + cold.stderr, warm.stdout + warm.stderr


def test_pipeline_cold_then_warm(project: Path, cold_and_warm: tuple[str, str]):
    """54 misses, then 54 hits, stored in ./.checkpointing of the working directory."""
    cold, warm = cold_and_warm
    expected_cold, expected_warm, _ = readme_counts()
    assert counts(cold) == expected_cold, cold
    assert counts(warm) == expected_warm, warm
    assert "Warning" not in cold + warm
    assert "cache: .checkpointing" in cold
    assert (project / ".checkpointing" / "CACHEDIR.TAG").is_file()
    assert len(list((project / ".checkpointing").rglob("*.ckpt"))) == 54


def test_pipeline_edit_inspect_and_undo(project: Path, cold_and_warm: tuple[str, str]):
    """The README's edit: 53 misses and 1 hit; inspect shows the diff; undo hits all."""
    features = project / "examples" / "digits" / "features.py"
    original = features.read_text(encoding="utf-8")
    assert original.count("/ 16.0") == 1
    command = readme_commands()[0].split("&&")[-1].strip()
    try:
        features.write_text(original.replace("/ 16.0", "/ 12.0"), encoding="utf-8")
        edited = run_user(command, cwd=project).stdout
        assert counts(edited) == readme_counts()[2], edited
        assert "callee:features:normalize_images changed (source)" in edited

        shown = run_user(
            "python -m checkpointing inspect extract_features", cwd=project
        )
        for line in (
            "- callee:features:normalize_images changed (source)",
            "-    scaled = np.asarray(images, dtype=np.float64) / 16.0",
            "+    scaled = np.asarray(images, dtype=np.float64) / 12.0",
        ):
            assert line in shown.stdout, shown.stdout
    finally:
        features.write_text(original, encoding="utf-8")
    undone = run_user(command, cwd=project).stdout
    assert counts(undone) == readme_counts()[1], undone


def test_readme_example_edit_and_inspect(tmp_path: Path):
    """study.py hits in a second process; editing features.deskew reruns it; inspect says so."""
    from .test_docs_pages import page_parts

    files, script, _ = page_parts(README)
    assert not script, "the README's python blocks are files (features.py, study.py)"
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    first = run_user(["study.py"], cwd=tmp_path).stdout
    second = run_user(["study.py"], cwd=tmp_path).stdout
    assert first == second == "hit\n"
    features = tmp_path / "features.py"
    features.write_text(
        features.read_text("utf-8").replace("row[::-1]", "list(reversed(row))"), "utf-8"
    )
    # The edit changes the code, not the value: study.py's own explain, made
    # after the call, says hit; inspect tells what happened on disk.
    run_user(["study.py"], cwd=tmp_path)
    shown = run_user(["-m", "checkpointing", "inspect"], cwd=tmp_path).stdout
    assert "__main__.extract" in shown, shown
    assert "callee:features:deskew changed (source)" in shown, shown


@pytest.mark.slow
def test_readme_commands_in_a_fresh_venv(tmp_path: Path):
    """
    Both README commands, exactly as written, in a new venv from a fresh copy.

    The test command runs with ``PYTEST_ADDOPTS=--collect-only``: running the
    whole suite inside itself would recurse (CI runs it in full, from
    ``.ci/run``); collecting proves the install, the configuration and every
    test module's imports.
    """
    project = copy_repo(tmp_path / "checkpointing")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    if not python.exists():  # Windows layout
        python = venv / "Scripts" / "python.exe"
    env = user_env({"VIRTUAL_ENV": str(venv)})
    env.pop("PYTHONWARNINGS")  # pip's own deprecation warnings are not ours
    main_job, tests = readme_commands()

    cold = run_user(main_job, cwd=project, env=env, python=python)
    warm = run_user(main_job, cwd=project, env=env, python=python)
    expected_cold, expected_warm, _ = readme_counts()
    assert counts(cold.stdout) == expected_cold, cold.stdout
    assert counts(warm.stdout) == expected_warm, warm.stdout
    assert "Warning" not in cold.stderr + warm.stderr, cold.stderr + warm.stderr

    env["PYTEST_ADDOPTS"] = "--collect-only -q"
    collected = run_user(tests, cwd=project, env=env, python=python)
    assert re.search(r"\d+ tests? collected", collected.stdout), collected.stdout
