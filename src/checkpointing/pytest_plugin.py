"""
pytest plugin for projects that use checkpointing.

Loaded automatically through the ``pytest11`` entry point when checkpointing is
installed (disable it with ``-p no:checkpointing``). It provides:

* ``checkpoint_dir``: an empty cache directory for one test;
* ``checkpoint_session_dir``: one for the session (one per xdist worker),
  usable from session-scoped fixtures;
* ``checkpoint_calls``: a recorder of the hits, misses and stores of every
  checkpointed function during one test;
* the ``checkpoint_disabled`` marker, which bypasses the cache in a test;
* the ``--checkpoint-dir=PATH`` and ``--checkpoint-disable`` options.

It imports nothing from checkpointing, at import or later: it works through
the library's public interfaces, the ``CHECKPOINTING_DIR`` and
``CHECKPOINTING_DISABLE`` environment variables (read at every call) and the
``checkpoint_*`` attributes of the DEBUG records on the ``checkpointing``
logger. A session that uses none of it imports ``checkpointing`` (an empty
package until a name is looked up) and this module, nothing else.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, NamedTuple, final

import pytest

__all__ = ["CheckpointCalls", "CheckpointEvent"]

#: The library's public environment variables and logger (docs/api.md).
_DIRECTORY_ENV: Final = "CHECKPOINTING_DIR"
_DISABLE_ENV: Final = "CHECKPOINTING_DISABLE"
_LOGGER_NAME: Final = "checkpointing"
#: The marker that bypasses the cache for one test.
_DISABLED_MARKER: Final = "checkpoint_disabled"

_ROOT: Final = pytest.StashKey[Path]()
_SESSION_PATCH: Final = pytest.StashKey[pytest.MonkeyPatch]()
_TEST_PATCH: Final = pytest.StashKey[pytest.MonkeyPatch]()
# What checkpointing does to ``module.qualname`` to make a function id (and a
# directory name): keep the two in step (tests/test_pytest_plugin.py checks).
_UNSAFE_PATH_CHARS: Final = re.compile(r"[^A-Za-z0-9_.\-]")


# -- options, marker and session-wide settings ----------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--checkpoint-dir`` and ``--checkpoint-disable``."""
    group = parser.getgroup("checkpointing", "checkpointing (cached function results)")
    group.addoption(
        "--checkpoint-dir",
        metavar="PATH",
        default=None,
        help=(
            "Set CHECKPOINTING_DIR to PATH for the whole session: tests without "
            "the checkpoint_dir fixture share it (and it persists between runs); "
            "checkpoint_dir and checkpoint_session_dir become fresh "
            "subdirectories of it (PATH/tests/<test>, PATH/session[-<worker>])."
        ),
    )
    group.addoption(
        "--checkpoint-disable",
        action="store_true",
        default=False,
        help=(
            "Set CHECKPOINTING_DISABLE=1 for the whole session: every "
            "checkpointed call runs its function; nothing is read or stored."
        ),
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; apply the options to the environment of the session."""
    config.addinivalue_line(
        "markers",
        f"{_DISABLED_MARKER}: bypass the checkpointing cache in this test "
        f"({_DISABLE_ENV}=1 from its setup to its teardown): every checkpointed "
        "call runs its function, nothing is read or stored.",
    )
    directory = config.getoption("checkpoint_dir", None)
    disable = config.getoption("checkpoint_disable", False)
    if directory is None and not disable:
        return
    patch = pytest.MonkeyPatch()
    if directory is not None:
        if not str(directory).strip():
            raise pytest.UsageError("--checkpoint-dir needs a path")
        # Relative to where pytest was started (xdist workers start there too).
        root = config.invocation_params.dir / Path(directory).expanduser()
        config.stash[_ROOT] = root
        patch.setenv(_DIRECTORY_ENV, str(root))
    if disable:
        patch.setenv(_DISABLE_ENV, "1")
    config.stash[_SESSION_PATCH] = patch


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the environment changed by the options."""
    patch = config.stash.get(_SESSION_PATCH, None)
    if patch is not None:
        del config.stash[_SESSION_PATCH]
        patch.undo()


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which options are in effect (nothing when none is)."""
    lines = []
    root = config.stash.get(_ROOT, None)
    if root is not None:
        lines.append(f"checkpointing: {_DIRECTORY_ENV}={root} (--checkpoint-dir)")
    if config.getoption("checkpoint_disable", False):
        lines.append(f"checkpointing: {_DISABLE_ENV}=1 (--checkpoint-disable)")
    return lines


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Bypass the cache in a test marked ``checkpoint_disabled`` (before its fixtures)."""
    if item.get_closest_marker(_DISABLED_MARKER) is not None:
        patch = pytest.MonkeyPatch()
        patch.setenv(_DISABLE_ENV, "1")
        item.stash[_TEST_PATCH] = patch


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Undo the marker's setting after the test's fixtures were torn down."""
    yield
    patch = item.stash.get(_TEST_PATCH, None)
    if patch is not None:
        del item.stash[_TEST_PATCH]
        patch.undo()


# -- cache directories ---------------------------------------------------------------
def _fresh(path: Path) -> Path:
    """Remove *path* (a directory this plugin made in an earlier run) and return it."""
    if path.exists():
        import shutil

        shutil.rmtree(path)
    return path


def _directory_name(nodeid: str) -> str:
    """A readable directory name unique to the test *nodeid*."""
    import hashlib

    readable = re.sub(r"[^A-Za-z0-9_.\-]+", "_", nodeid).strip("._")[:80]
    digest = hashlib.sha256(nodeid.encode("utf-8")).hexdigest()[:8]
    return f"{readable}-{digest}"


@pytest.fixture
def checkpoint_dir(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """
    Give the test an empty cache directory, made the process default.

    ``CHECKPOINTING_DIR`` points at ``tmp_path / "checkpoints"`` for the
    duration of the test, so every ``@checkpoint`` function without an explicit
    ``directory=`` reads and writes there (the directory is resolved at call
    time, so functions decorated at import time are covered too). The
    directory itself is created on the first write.

    With ``--checkpoint-dir=PATH`` the directory is
    ``PATH/tests/<test id>-<hash>`` instead, emptied before the test and kept
    after it, for inspection.

    Returns:
        The path of the (not yet existing) cache directory.
    """
    root = request.config.stash.get(_ROOT, None)
    if root is None:
        path = tmp_path / "checkpoints"
    else:
        path = _fresh(root / "tests" / _directory_name(request.node.nodeid))
    monkeypatch.setenv(_DIRECTORY_ENV, str(path))
    return path


@pytest.fixture(scope="session")
def checkpoint_session_dir(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """
    Give the session an empty cache directory, made the process default.

    For session-scoped fixtures that compute something once with checkpointed
    functions. ``CHECKPOINTING_DIR`` points at the directory from the first
    setup of this fixture to the end of the session, in every test from then
    on, except while a test's ``checkpoint_dir`` is active. Each pytest-xdist
    worker gets its own: ``<basetemp>/checkpoints-session-<worker>`` (or
    ``checkpoints-session`` without xdist); with ``--checkpoint-dir=PATH``,
    ``PATH/session-<worker>`` (``PATH/session``), emptied first and kept.

    Returns:
        The path of the (not yet existing) cache directory.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = f"session-{worker}" if worker else "session"
    root = request.config.stash.get(_ROOT, None)
    if root is None:
        path = tmp_path_factory.getbasetemp() / f"checkpoints-{name}"
    else:
        path = _fresh(root / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(_DIRECTORY_ENV, str(path))
        yield path


# -- the recorder --------------------------------------------------------------------
class CheckpointEvent(NamedTuple):
    """
    One cache event, from the ``checkpoint_*`` attributes of a log record.

    Compares equal to the plain tuple ``(event, function, key)``.
    """

    #: ``"hit"``, ``"miss"`` (the function body ran) or ``"store"``.
    event: str
    #: The function id, ``module.qualname`` (``pkg.mod.fit``).
    function: str
    #: The entry's key (32 hex digits).
    key: str


def _function_id(target: str | Callable[..., Any]) -> str:
    """
    The function id checkpointing uses for *target*, as in its log records.

    Args:
        target: ``"pkg.mod:qualname"``, ``"pkg.mod.qualname"``, a checkpointed
            function (bound or not), or the undecorated function.

    Returns:
        ``module.qualname`` with ``<locals>`` and ``<lambda>`` spelled
        ``_locals_`` and ``_lambda_`` and any other character outside
        ``[A-Za-z0-9_.-]`` replaced by ``_``, as the library names directories.

    >>> _function_id("pkg.mod:Model.fit")
    'pkg.mod.Model.fit'
    >>> _function_id("pkg.mod:outer.<locals>.inner")
    'pkg.mod.outer._locals_.inner'
    """
    if isinstance(target, str):
        name = target.replace(":", ".")
    else:
        import inspect

        # A bound checkpointed method has the Checkpointed as __func__; unwrap
        # follows __wrapped__ to the decorated function, as the library does.
        func = inspect.unwrap(getattr(target, "__func__", target))
        module = getattr(func, "__module__", None) or "unknown"
        qualname = getattr(func, "__qualname__", None) or getattr(
            func, "__name__", "fn"
        )
        name = f"{module}.{qualname}"
    name = name.replace("<locals>", "_locals_").replace("<lambda>", "_lambda_")
    return _UNSAFE_PATH_CHARS.sub("_", name)[:180]


class _Handler(logging.Handler):
    """Appends the cache events among the records it handles to a list."""

    def __init__(self, events: list[CheckpointEvent]) -> None:
        super().__init__(logging.DEBUG)
        self._events = events

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "checkpoint_event", None)
        if event is not None:
            self._events.append(
                CheckpointEvent(
                    str(event),
                    str(getattr(record, "checkpoint_function", "")),
                    str(getattr(record, "checkpoint_key", "")),
                )
            )


@final
class CheckpointCalls:
    """
    The cache events of checkpointed functions during one test (``checkpoint_calls``).

    Every count takes an optional *function*: a function id (``"pkg.mod:fit"``
    or ``"pkg.mod.fit"``) or the checkpointed function itself; without it,
    events of every function count. A call that bypasses the cache
    (``CHECKPOINTING_DISABLE``, a key that could not be built) records nothing.
    """

    def __init__(self) -> None:
        self._events: list[CheckpointEvent] = []
        self._handler = _Handler(self._events)

    @property
    def events(self) -> list[CheckpointEvent]:
        """Every event so far, oldest first (a copy)."""
        return list(self._events)

    def hits(self, function: str | Callable[..., Any] | None = None) -> int:
        """Calls answered from the cache (including after waiting for another caller)."""
        return self._count("hit", function)

    def misses(self, function: str | Callable[..., Any] | None = None) -> int:
        """Calls that ran the function body (``rerun()`` and refreshes included)."""
        return self._count("miss", function)

    def stores(self, function: str | Callable[..., Any] | None = None) -> int:
        """Results written to the cache (a miss whose write failed has none)."""
        return self._count("store", function)

    def functions(self) -> list[str]:
        """The ids of the functions with events, sorted."""
        return sorted({event.function for event in self._events})

    def clear(self) -> None:
        """Forget the events so far (after a warm-up, say)."""
        self._events.clear()

    def _count(self, kind: str, function: str | Callable[..., Any] | None) -> int:
        wanted = None if function is None else _function_id(function)
        return sum(
            1
            for event in self._events
            if event.event == kind and wanted in (None, event.function)
        )

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{name}: {self.misses(name)} miss, {self.stores(name)} store, "
            f"{self.hits(name)} hit"
            for name in self.functions()
        )
        return f"<CheckpointCalls {counts or 'no events'}>"


@pytest.fixture
def checkpoint_calls() -> Iterator[CheckpointCalls]:
    """
    Record the hits, misses and stores of checkpointed functions during the test.

    ``checkpoint_calls.misses("pkg.mod:fit")``, ``.hits(fit)``, ``.stores()``
    and ``.events`` (``CheckpointEvent(event, function, key)`` tuples). It
    listens to the DEBUG records of the ``checkpointing`` logger, whose level
    it lowers to DEBUG (and enables the logger) for the test, then restores.
    """
    calls = CheckpointCalls()
    logger = logging.getLogger(_LOGGER_NAME)
    level, disabled = logger.level, logger.disabled
    logger.addHandler(calls._handler)
    if level == logging.NOTSET or level > logging.DEBUG:
        logger.setLevel(logging.DEBUG)
    logger.disabled = False  # dictConfig(disable_existing_loggers=True) sets it
    try:
        yield calls
    finally:
        logger.removeHandler(calls._handler)
        logger.setLevel(level)
        logger.disabled = disabled
