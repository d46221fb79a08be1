"""Fixtures shared by the unit tests, and the hypothesis profiles."""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

import checkpointing

pytest_plugins = ["pytester", "tests.s3_server"]

# "ci" (the default) is derandomized: the same 200 examples every run, so a CI
# run never fails on a new random draw. Hunt for new failures with
# HYPOTHESIS_PROFILE=explore (random, 2000 examples).
settings.register_profile("ci", deadline=None, max_examples=200, derandomize=True)
settings.register_profile("dev", deadline=None, max_examples=25)
settings.register_profile("explore", deadline=None, max_examples=2000)
# CI's bounded random run (.ci/run): new draws every run, the seed printed.
settings.register_profile("random", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _isolated_cache_dir(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Path]:
    """
    Point ``CHECKPOINTING_DIR`` at a fresh directory; reset ``defaults`` afterwards.

    Tests marked ``first_user`` opt out: they get no ``CHECKPOINTING_*``
    variable at all, so they meet the default directory as a user does (an
    absolute directory set here once hid a bug that broke every default store).
    """
    path = tmp_path_factory.mktemp("autouse-cache")
    if request.node.get_closest_marker("first_user") is not None:
        for name in [n for n in os.environ if n.startswith("CHECKPOINTING_")]:
            monkeypatch.delenv(name)
    else:
        monkeypatch.setenv("CHECKPOINTING_DIR", str(path))
    yield path
    checkpointing.defaults.reset()


@pytest.fixture
def cache_dir(_isolated_cache_dir: Path) -> Path:
    """The cache directory every ``@checkpoint`` without ``directory=`` uses."""
    return _isolated_cache_dir


_module_numbers = itertools.count()

#: ``load_module(source, name=None, directory=None) -> module``.
ModuleLoader = Callable[..., ModuleType]


@pytest.fixture
def load_module(tmp_path: Path) -> Iterator[ModuleLoader]:
    """
    Return a loader that writes Python source to a file and imports it.

    Each call writes ``<directory>/<name>.py`` (``directory`` defaults to a new
    folder under ``tmp_path``, so two versions of one module never share a file
    and :mod:`linecache` never serves stale text) and imports it under *name*
    (default: a fresh unique name), replacing any module of that name in
    :data:`sys.modules`. Every module imported is removed at teardown.
    """
    names: set[str] = set()

    def load(
        source: str, name: str | None = None, directory: Path | None = None
    ) -> ModuleType:
        number = next(_module_numbers)
        if name is None:
            name = f"ckpt_testmod_{os.getpid()}_{number}"
        if directory is None:
            directory = tmp_path / f"src{number}"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.add(name)
        spec.loader.exec_module(module)
        return module

    yield load
    for name in names:
        sys.modules.pop(name, None)
