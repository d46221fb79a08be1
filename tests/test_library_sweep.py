"""
Every public object of widely used modules, read as a global by a cached function.

For each module below, one subprocess imports it and computes, with
``fn.key()`` (which builds the key without running the function), the key of
one cached function whose global ``target`` is rebound to each public,
non-module attribute in turn; a second subprocess does the same in reverse
order under another ``PYTHONHASHSEED``. Each object must:

* give a key without an error and without any warning;
* give the same key in both processes (library objects are identified by the
  name their library exposes them under, never by per-process state such as
  numpy's global ``RandomState``);
* give a key of its own: rebinding the global from one object to a sibling
  (``norm`` -> ``t``, ``f1_score`` -> ``precision_score``) changes the key,
  unless the two are the same object or equal values.

The exception is documented policy: a function that draws from a global random
generator (``numpy.random.normal``, ``random.choice``) gets exactly one
:class:`~checkpointing.AmbientStateWarning`, and the generator's state is part
of its key; after seeding both generators alike, both processes agree.

Run this file as a script to print the counts per module instead::

    python tests/test_library_sweep.py            # every module below
    python tests/test_library_sweep.py scipy.stats pandas
"""

# STYLE.md §1.9: asserts read ``expected == actual``, which SIM300 calls Yoda.
# ruff: noqa: SIM300

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Final

import pytest

pytestmark = pytest.mark.slow

#: The modules of the issue's sweep (1,721 objects), then more of our choosing.
MODULES = [
    "math",
    "statistics",
    "operator",
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "scipy.stats",
    "scipy.special",
    "scipy.optimize",
    "sklearn.metrics",
    "sklearn.preprocessing",
    "sklearn.model_selection",
    "pandas",
    # more: the standard library a script reaches for
    "collections",
    "datetime",
    "decimal",
    "functools",
    "itertools",
    "json",
    "os",
    "os.path",
    "random",
    "re",
    "string",
    "time",
    # more numpy, scipy, pandas and scikit-learn
    "numpy.fft",
    "numpy.ma",
    "numpy.polynomial",
    "scipy.cluster.hierarchy",
    "scipy.integrate",
    "scipy.interpolate",
    "scipy.linalg",
    "scipy.ndimage",
    "scipy.signal",
    "scipy.sparse",
    "scipy.spatial",
    "pandas.api.types",
    "sklearn.cluster",
    "sklearn.datasets",
    "sklearn.decomposition",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.pipeline",
    "sklearn.utils",
    # statsmodels (the test extra installs it)
    "statsmodels.api",
    "statsmodels.formula.api",
    "statsmodels.stats.api",
    "statsmodels.tsa.api",
]

#: Seconds one module's subprocess may take (statsmodels.api imports in ~2 s).
TIMEOUT_SECONDS = 300

TARGET_MODULE = """
from checkpointing import checkpoint

target = None


@checkpoint
def read():
    return target
"""

DRIVER = r'''
import importlib
import json
import random
import sys
import types
import warnings

import checkpointing

module_name, order = sys.argv[1], sys.argv[2]
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecations of the module itself
        module = importlib.import_module(module_name)
except ImportError as err:
    print(json.dumps({"skipped": f"{module_name}: {err}"}))
    raise SystemExit(0)

import sweep_target  # noqa: E402 - after the module, as a user script would

objects = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        try:
            obj = getattr(module, name)
        except Exception:  # a lazy attribute that fails to load: not an object
            continue
        if not isinstance(obj, types.ModuleType):
            objects[name] = obj

ambient_class = getattr(checkpointing, "AmbientStateWarning", None)


def generator_owners():
    owners = [vars(random).get("_inst")]
    mtrand = sys.modules.get("numpy.random.mtrand")
    if mtrand is not None:
        owners.append(vars(mtrand).get("_rand"))
    return owners


def draws_from_a_global_generator(obj):
    """Policy: the legacy module functions bound to a global generator (not seeding)."""
    bound = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if any(bound is owner for owner in generator_owners() if owner is not None):
        return name not in ("seed", "set_state", "setstate")
    return False


def seed_everything():
    random.seed(12345)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(12345)


items = list(objects.items())
if order == "reverse":
    items.reverse()
results = {}
for name, obj in items:
    sweep_target.target = obj
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            key = sweep_target.read.key()
        except Exception as err:
            results[name] = ["error", f"{type(err).__name__}: {err}"[:400]]
            continue
    ambient = [w for w in caught if ambient_class and w.category is ambient_class]
    others = [w for w in caught if w not in ambient]
    if others:
        first = others[0]
        results[name] = ["warning", f"{first.category.__name__}: {first.message}"[:400]]
    elif ambient or draws_from_a_global_generator(obj):
        if len(ambient) != 1 or not draws_from_a_global_generator(obj):
            results[name] = ["ambient-mismatch", f"{len(ambient)} ambient warnings"]
            continue
        seed_everything()
        results[name] = ["ambient", sweep_target.read.key()]
    else:
        results[name] = ["key", key]


def same(a, b):
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


by_key = {}
for name, (kind, key) in results.items():
    if kind in ("key", "ambient"):
        by_key.setdefault(key, []).append(name)
collisions = []
for names in by_key.values():
    distinct = []
    for name in names:
        if not any(same(objects[name], objects[other]) for other in distinct):
            distinct.append(name)
    if len(distinct) > 1:
        collisions.append(distinct)
print(json.dumps({"results": results, "collisions": collisions}))
'''


def run_sweep(module: str, order: str, seed: str, directory: Path) -> dict[str, Any]:
    """Run the driver for *module* in a fresh process; return its JSON report."""
    (directory / "sweep_target.py").write_text(textwrap.dedent(TARGET_MODULE))
    (directory / "sweep_driver.py").write_text(DRIVER)
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("CHECKPOINTING_", "PYTEST_"))
    }
    env["PYTHONHASHSEED"] = seed
    env["CHECKPOINTING_DIR"] = str(directory / "cache")
    done = subprocess.run(
        [sys.executable, "sweep_driver.py", module, order],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    report["module"] = module
    return report


#: Library-owned *data* is identified by its value, not its name (a change of
#: pandas.options in the process must rerun), unless it cannot be digested (a
#: constant identified by its type, with a warning). Each is expected, by name.
#: os.environ is neither: its variables are keyed where code reads them by
#: name (env:X), so a name bound to it is a stable key (issue 12).
DATA_BY_VALUE: Final = {
    "os": {"environ": {"key"}, "environb": {"key"}},
    # One object under two names: the warning is given once, for whichever
    # name the process reads first.
    "numpy.ma": {"masked": {"warning", "key"}, "masked_singleton": {"warning", "key"}},
}


def failures(forward: dict[str, Any], reverse: dict[str, Any]) -> dict[str, list[str]]:
    """Failed objects by kind: error, warning, differs, ambient-mismatch, collision."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    expected = DATA_BY_VALUE.get(forward.get("module", ""), {})
    for name, (kind, detail) in forward["results"].items():
        if name in expected:
            other_kind, other_detail = reverse["results"].get(name, ["missing", ""])
            seen = (
                "differs"
                if kind == other_kind == "key" and detail != other_detail
                else kind
            )
            if seen not in expected[name]:
                found["unexpected"].append(f"{name}: {seen}, not {expected[name]}")
            continue
        other_kind, other_detail = reverse["results"].get(name, ["missing", ""])
        if kind in ("key", "ambient") and (kind, detail) == (other_kind, other_detail):
            continue
        failed = kind if kind not in ("key", "ambient") else other_kind
        if failed in ("key", "ambient"):
            failed = "differs"
        text = detail if kind not in ("key", "ambient") else other_detail
        found[failed].append(f"{name}: {text}" if failed != "differs" else name)
    for group in forward["collisions"]:
        found["collision"].append(" = ".join(group))
    return dict(found)


@pytest.mark.parametrize("module", MODULES)
def test_public_objects_give_stable_distinct_keys(module, tmp_path):
    """Each public object of *module* keys a function the same way in two processes."""
    forward = run_sweep(module, "forward", "1", tmp_path)
    if "skipped" in forward:
        pytest.skip(forward["skipped"])
    reverse = run_sweep(module, "reverse", "2", tmp_path)
    assert {} == failures(forward, reverse)
    assert forward["results"], f"{module} has no public objects"


def main(modules: list[str]) -> None:
    """Print the sweep's counts per module (objects, failures by kind)."""
    import tempfile

    total: collections.Counter[str] = collections.Counter()
    for module in modules:
        with tempfile.TemporaryDirectory() as directory:
            forward = run_sweep(module, "forward", "1", Path(directory))
            if "skipped" in forward:
                print(f"{module}: skipped ({forward['skipped']})")
                continue
            reverse = run_sweep(module, "reverse", "2", Path(directory))
        counts: collections.Counter[str] = collections.Counter()
        for kind, names in failures(forward, reverse).items():
            # A collision group of n distinct objects is n - 1 objects too many.
            counts[kind] = sum(
                name.count(" = ") if kind == "collision" else 1 for name in names
            )
        counts["objects"] = len(forward["results"])
        counts["ambient (policy)"] = sum(
            1 for kind, _ in forward["results"].values() if kind == "ambient"
        )
        total.update(counts)
        print(f"{module}: {dict(counts)}", flush=True)
    print(f"TOTAL: {dict(total)}")


if __name__ == "__main__":
    main(sys.argv[1:] or MODULES)
