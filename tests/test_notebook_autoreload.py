"""
A ``@checkpoint`` function in a real Jupyter kernel whose helper is swapped live.

The kernel is driven by ``nbclient``: cells are appended to a notebook and run
one by one in the same kernel (``NotebookClient.setup_kernel`` keeps it alive
between ``execute_cell`` calls). ``step`` (defined in a cell) calls
``helpers.scale`` from ``helpers.py`` next to the notebook. Two ways of
changing ``scale`` without restarting the kernel must rerun ``step``:

* ``%autoreload 2`` after ``helpers.py`` is edited on disk (autoreload reloads
  the module and swaps the ``__code__`` of the old function objects);
* assigning ``helpers.scale.__code__`` by hand (what autoreload does).

The entry stored after the swap must be keyed by the *new* code: a fresh kernel
reading the edited file hits it; one reading the original file must not.

The kernel runs the current interpreter through a kernel spec written to a
temporary ``JUPYTER_PATH``, so the test needs no installed kernel spec.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .helpers import parse_computes, parse_results, remove_bytecode

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

# Each test starts two or three Jupyter kernels.
pytestmark = pytest.mark.slow

KERNEL_NAME = "checkpointing-test-python"
#: Seconds one cell, or a kernel start, may take.
CELL_TIMEOUT = 120

_LIBRARY_WARNING = re.compile(
    r"(IncompleteFingerprint|StoreWrite|CacheRead|LockTimeout|AmbientState|Checkpointing)"
    r"Warning"
)

_STEP = """\
@checkpoint
def step(x):
    print("COMPUTE step", x)
    return helpers.scale(x)
"""

#: Runs one cell in the kernel and returns its standard output.
RunCell = Callable[[str], str]


@pytest.fixture
def kernel_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``JUPYTER_PATH`` with a kernel spec that runs this interpreter."""
    root = tmp_path / "jupyter"
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    sys.executable,
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "checkpointing tests",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("JUPYTER_PATH", str(root))
    return root


@contextlib.contextmanager
def jupyter_kernel(project: Path, cache: Path) -> Iterator[RunCell]:
    """
    Start a kernel in *project*; yield a function that runs one cell in it.

    The first cell points ``CHECKPOINTING_DIR`` at *cache*. A cell that raises
    fails the test (``CellExecutionError``); a checkpointing warning printed to
    standard error does too.
    """
    notebook = nbformat.v4.new_notebook()
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        startup_timeout=CELL_TIMEOUT,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(project)}},
    )
    env = dict(os.environ, CHECKPOINTING_DIR=str(cache))
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(client.setup_kernel(env=env))
        except (RuntimeError, TimeoutError, OSError) as err:
            pytest.skip(f"no Jupyter kernel could be started: {err!r}")

        def run(source: str) -> str:
            cell = nbformat.v4.new_code_cell(source)
            notebook.cells.append(cell)
            client.execute_cell(cell, len(notebook.cells) - 1)
            streams = [o for o in cell.outputs if o.get("output_type") == "stream"]
            stderr = "".join(o["text"] for o in streams if o["name"] == "stderr")
            assert not _LIBRARY_WARNING.search(stderr), stderr
            return "".join(o["text"] for o in streams if o["name"] == "stdout")

        run(f"import os\nos.environ['CHECKPOINTING_DIR'] = {str(cache)!r}")
        yield run


def _write_helpers(project: Path, factor: int, mtime: float) -> None:
    """Write ``helpers.py`` with ``scale(x) = x * factor``, modified at *mtime*."""
    path = project / "helpers.py"
    path.write_text(f"def scale(x):\n    return x * {factor}\n", encoding="utf-8")
    remove_bytecode(project)
    # %autoreload reloads a module only when its file is newer than it was.
    os.utime(path, (mtime, mtime))


def _call(run: RunCell, name: str, source: str = "step(3)") -> tuple[str, list[str]]:
    """Run ``name = source`` in a cell: the ``repr`` of the value and the misses."""
    out = run(f"{name} = {source}\nprint('RESULT {name}', repr({name}))")
    results = dict(parse_results(out))
    return results[name], parse_computes(out)


def _define_step(run: RunCell, *, autoreload: bool) -> None:
    if autoreload:
        run("%load_ext autoreload")
        run("%autoreload 2")
    run("import helpers")
    run("from checkpointing import checkpoint")
    run(_STEP)


@pytest.mark.usefixtures("kernel_path")
def test_autoreload_edit_reruns_and_stores_under_new_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    cache = tmp_path / "cache"
    now = time.time()
    _write_helpers(project, 2, now - 100)

    with jupyter_kernel(project, cache) as run:
        _define_step(run, autoreload=True)
        assert _call(run, "r1") == ("6", ["step 3"])
        assert _call(run, "r1_again") == ("6", []), "same code: a hit"

        _write_helpers(project, 5, now)  # edited on disk; the kernel keeps running
        value, computes = _call(run, "r2")
        assert run("print('RESULT scale', helpers.scale(3))") == "RESULT scale 15\n", (
            "autoreload did not pick up the edit (test setup problem)"
        )
        assert (value, computes) == ("15", ["step 3"]), (
            "after %autoreload swapped helpers.scale, step(3) must rerun with the new code"
        )
        assert _call(run, "r2_again") == ("15", []), "the new entry is a hit"

    # A fresh kernel reading the edited helpers.py: the entry stored after the
    # swap was keyed by the new code, so this is a hit with the new value.
    with jupyter_kernel(project, cache) as run:
        _define_step(run, autoreload=False)
        assert (
            run("print('RESULT cached', step.is_cached(3))") == "RESULT cached True\n"
        )
        assert _call(run, "r3") == ("15", [])


@pytest.mark.usefixtures("kernel_path")
def test_code_swap_by_hand_reruns(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    cache = tmp_path / "cache"
    _write_helpers(project, 2, time.time() - 100)

    with jupyter_kernel(project, cache) as run:
        _define_step(run, autoreload=True)
        assert _call(run, "r1") == ("6", ["step 3"])

        run("original = helpers.scale.__code__")
        run("helpers.scale.__code__ = (lambda x: x * 7).__code__")
        assert _call(run, "r2") == ("21", ["step 3"]), (
            "a live __code__ swap of a callee must rerun step"
        )
        assert _call(run, "r2_again") == ("21", [])

        run("helpers.scale.__code__ = original")  # swapped back: the first entry
        assert _call(run, "r3") == ("6", [])

    # helpers.py still says x * 2: the entry computed with x * 7 must not be
    # served for it (it was keyed by the swapped-in code, not the file).
    with jupyter_kernel(project, cache) as run:
        _define_step(run, autoreload=False)
        assert _call(run, "r4") == ("6", [])
