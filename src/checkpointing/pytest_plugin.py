"""
pytest fixtures for projects that use checkpointing.

Loaded automatically through the ``pytest11`` entry point when checkpointing is
installed. It imports nothing from checkpointing until a fixture is used, so
it costs nothing in test sessions that do not use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def checkpoint_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """
    Give the test an empty cache directory, made the process default.

    ``CHECKPOINTING_DIR`` points at ``tmp_path / "checkpoints"`` for the
    duration of the test, so every ``@checkpoint`` function without an explicit
    ``directory=`` reads and writes there (the directory is resolved at call
    time, so functions decorated at import time are covered too). The
    directory itself is created on the first write.

    Returns:
        The path of the (not yet existing) cache directory.
    """
    path = tmp_path / "checkpoints"
    monkeypatch.setenv("CHECKPOINTING_DIR", str(path))
    return path
