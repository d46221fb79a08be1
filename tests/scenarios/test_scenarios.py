"""
Scenario tests: edit a tiny project between real runs, as a user would.

Each directory under ``cases/`` is one behaviour. ``v0/`` holds a whole project
whose entry point is ``main.py``; ``v1/`` holds only the files the edit changes
(or adds); an optional ``v2/`` is a third stage, copied over the result of the
second. ``expect.toml`` says what the second (and third) run must do::

    description = "one sentence"
    category = "callees"          # one of CATEGORIES (issue 3's groups)
    second_run = "hit"            # or "miss"
    recomputed = []               # run 2's COMPUTE lines, as a multiset
    changed = []                  # component names `inspect` must mention (miss; * = any)
    third_run = "hit"             # only with v2/: run 3, same cache
    third_recomputed = []         # as `recomputed`, for run 3
    limitation = "why"            # only under cases/limitations/
    requires = ["numpy"]          # optional: skip unless these modules import

Every checkpointed function body prints ``COMPUTE <name>`` when it runs, and
``main.py`` prints ``RESULT <name> <repr>`` lines. ``recomputed`` lists every
``COMPUTE`` line of the run, so a name appears once per computation (a
recursive function recomputing 7 levels appears 7 times), and every other
checkpointed function must be a hit. Each run uses its own ``PYTHONHASHSEED``,
so nothing may depend on ``hash()`` order.

After each edit the same project also runs against a new, empty cache: its
``RESULT`` lines must equal those of the run with the shared cache, so an entry
reused after an edit can never be a stale result.

Cases under ``cases/limitations/`` describe the *correct* behaviour that the
library does not deliver yet; they are strict xfails, so fixing one shows up.
"""

from __future__ import annotations

import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from tests.helpers import (
    bump_mtimes,
    copy_project,
    parse_computes,
    parse_results,
    remove_bytecode,
    run_python,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

CASES_DIR = Path(__file__).parent / "cases"
LIMITATIONS_DIR = CASES_DIR / "limitations"

#: The corpus must keep covering at least this many behaviours.
MIN_CASES = 40

#: A stage's files get mtime ``_MTIME_BASE + stage * 100`` (see ``bump_mtimes``).
_MTIME_BASE = 1_600_000_000

#: Groups of the corpus (issue 3's categories); every case names one.
CATEGORIES = frozenset(
    {
        "no-rerun",  # edits that leave the executed code token-identical
        "ideal",  # smarter no-ops (annotations, moved helpers)
        "own-code",
        "callees",
        "imports",
        "classes",
        "globals",
        "closures",
        "defaults",
        "arguments",
        "recursion",
        "scripts-and-notebooks",
        "packages",
        "dynamic",
        "escape-hatches",
        "sequences",  # edit, then revert or edit again
        "blind-spot",  # limitations only: what static analysis cannot see
    }
)

_KEYS = {
    "category",
    "description",
    "second_run",
    "recomputed",
    "changed",
    "third_run",
    "third_recomputed",
    "third_changed",
    "limitation",
    "requires",
}


@dataclass(frozen=True)
class Expectation:
    """The parsed ``expect.toml`` of one case."""

    description: str
    category: str
    second_run: Literal["hit", "miss"]
    recomputed: tuple[str, ...]
    changed: tuple[str, ...]
    third_run: Literal["hit", "miss"] | None
    third_recomputed: tuple[str, ...]
    third_changed: tuple[str, ...]
    limitation: str | None
    requires: tuple[str, ...]


@dataclass(frozen=True)
class Run:
    """What one ``python main.py`` printed."""

    label: str
    computes: list[str]
    results: list[tuple[str, str]]
    stdout: str
    stderr: str

    def report(self) -> str:
        """Return the run's output, for assertion messages."""
        return (
            f"=== {self.label}: stdout ===\n{self.stdout}"
            f"=== {self.label}: stderr ===\n{self.stderr}"
        )


def load_expectation(case_dir: Path) -> Expectation:
    """Parse and validate ``expect.toml`` of *case_dir*."""
    with (case_dir / "expect.toml").open("rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    unknown = set(data) - _KEYS
    assert not unknown, f"{case_dir.name}: unknown keys {sorted(unknown)}"
    expectation = Expectation(
        description=data["description"],
        category=data["category"],
        second_run=data["second_run"],
        recomputed=tuple(data["recomputed"]),
        changed=tuple(data.get("changed", ())),
        third_run=data.get("third_run"),
        third_recomputed=tuple(data.get("third_recomputed", ())),
        third_changed=tuple(data.get("third_changed", ())),
        limitation=data.get("limitation"),
        requires=tuple(data.get("requires", ())),
    )
    _check_stage(case_dir.name, expectation.second_run, expectation.recomputed)
    assert expectation.second_run == "miss" or not expectation.changed
    if expectation.third_run is not None:
        _check_stage(case_dir.name, expectation.third_run, expectation.third_recomputed)
        assert expectation.third_run == "miss" or not expectation.third_changed
    else:
        assert not expectation.third_recomputed
        assert not expectation.third_changed
    return expectation


def _check_stage(case: str, outcome: str, recomputed: tuple[str, ...]) -> None:
    assert outcome in {"hit", "miss"}, f"{case}: outcome {outcome!r}"
    assert (outcome == "hit") == (not recomputed), (
        f"{case}: a hit recomputes nothing and a miss recomputes something"
    )


def _case_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.iterdir()
        if path.is_dir() and (path / "expect.toml").exists()
    )


def _params() -> list[Any]:
    params = [pytest.param(case, id=case.name) for case in _case_dirs(CASES_DIR)]
    for case in _case_dirs(LIMITATIONS_DIR):
        reason = load_expectation(case).limitation or "(no reason given)"
        params.append(
            pytest.param(
                case,
                id=f"limitations/{case.name}",
                # A limitation case must fail on its assertions; a crash or a
                # timeout is a real failure, not the known limitation.
                marks=pytest.mark.xfail(
                    strict=True, reason=reason, raises=AssertionError
                ),
            )
        )
    return params


class Scenario:
    """One case played out in ``tmp_path``: a project directory and its caches."""

    def __init__(self, case_dir: Path, tmp_path: Path) -> None:
        self.case_dir = case_dir
        self.tmp_path = tmp_path
        self.project = tmp_path / "project"
        self.cache = tmp_path / "cache"
        self.stage = 0
        self.project.mkdir()
        copy_project(case_dir / "v0", self.project)
        bump_mtimes(self.project, _MTIME_BASE)

    def apply(self, version: str) -> None:
        """Copy ``<version>/`` over the project and make stale bytecode impossible."""
        self.stage += 1
        copy_project(self.case_dir / version, self.project)
        remove_bytecode(self.project)
        bump_mtimes(self.project, _MTIME_BASE + 100 * self.stage)

    def run(self, label: str, cache: Path, seed: int) -> Run:
        """Run ``python main.py`` against *cache* with ``PYTHONHASHSEED=seed``."""
        completed = run_python(
            "main.py",
            cwd=self.project,
            env_extra={"CHECKPOINTING_DIR": str(cache), "PYTHONHASHSEED": str(seed)},
        )
        run = Run(
            label=label,
            computes=parse_computes(completed.stdout),
            results=parse_results(completed.stdout),
            stdout=completed.stdout,
            stderr=completed.stderr,
        )
        # A fallback fingerprint (IncompleteFingerprintWarning) can hide an edit.
        assert "Warning" not in run.stderr, run.report()
        assert run.results, f"main.py printed no RESULT line\n{run.report()}"
        return run

    def run_and_fresh(self, label: str, seed: int) -> tuple[Run, Run]:
        """Run with the shared cache and, concurrently, with a new empty cache."""
        fresh_cache = self.tmp_path / f"fresh-cache-{self.stage}"
        with ThreadPoolExecutor(max_workers=2) as pool:
            shared = pool.submit(self.run, label, self.cache, seed)
            fresh = pool.submit(
                self.run, f"{label} (fresh cache)", fresh_cache, seed + 1
            )
            return shared.result(), fresh.result()

    def inspect(self) -> str:
        """Return the output of ``python -m checkpointing inspect`` on the cache."""
        completed = run_python(
            ["-m", "checkpointing", "inspect", str(self.cache)], cwd=self.tmp_path
        )
        return completed.stdout


def _assert_stage(
    scenario: Scenario,
    run: Run,
    fresh: Run,
    outcome: str,
    recomputed: tuple[str, ...],
    changed: tuple[str, ...],
    earlier: Run,
) -> None:
    context = f"{earlier.report()}{run.report()}"
    assert sorted(recomputed) == sorted(run.computes), (
        f"expected a {outcome} recomputing {sorted(recomputed)}, "
        f"got COMPUTE lines {run.computes}\n{context}"
    )
    # No stale result: the cached answer equals what the same code computes
    # from scratch.
    assert fresh.results == run.results, (
        f"stale result: fresh cache gave {fresh.results}\n{context}{fresh.report()}"
    )
    if outcome == "miss" and changed:
        output = scenario.inspect()
        missing = [name for name in changed if not _mentions(output, name)]
        assert not missing, (
            f"inspect does not mention {missing}\n=== inspect ===\n{output}\n{context}"
        )


def _mentions(output: str, name: str) -> bool:
    """
    Whether *output* names component *name* as a word of its own.

    Whitespace must surround it, so ``callee:m:f`` does not match
    ``callee:m:f2`` and ``source`` does not match a ``(source)`` annotation.
    A ``*`` in *name* matches any non-space run (for paths that depend on
    where the case runs, e.g. ``file:*/factor.txt``).
    """
    pattern = r"\S*".join(re.escape(part) for part in name.split("*"))
    return re.search(rf"(?<!\S){pattern}(?!\S)", output) is not None


@pytest.mark.parametrize("case_dir", _params())
def test_scenario(case_dir: Path, tmp_path: Path) -> None:
    """Running a case's edited project hits or misses as expect.toml says, never stale."""
    expectation = load_expectation(case_dir)
    for module in expectation.requires:
        pytest.importorskip(module)
    scenario = Scenario(case_dir, tmp_path)

    first = scenario.run("run 1 (v0)", scenario.cache, seed=1)
    assert first.computes, f"run 1 computed nothing\n{first.report()}"

    scenario.apply("v1")
    second, second_fresh = scenario.run_and_fresh("run 2 (v1)", seed=2)
    _assert_stage(
        scenario,
        second,
        second_fresh,
        expectation.second_run,
        expectation.recomputed,
        expectation.changed,
        earlier=first,
    )

    if expectation.third_run is not None:
        scenario.apply("v2")
        third, third_fresh = scenario.run_and_fresh("run 3 (v2)", seed=4)
        _assert_stage(
            scenario,
            third,
            third_fresh,
            expectation.third_run,
            expectation.third_recomputed,
            expectation.third_changed,
            earlier=second,
        )


def test_corpus_is_well_formed() -> None:
    """Every case has a valid expect.toml, a v0 main.py and real edits in v1 (and v2)."""
    regular = _case_dirs(CASES_DIR)
    limitations = _case_dirs(LIMITATIONS_DIR)
    assert len(regular) >= MIN_CASES
    stray = [
        path.name
        for path in CASES_DIR.iterdir()
        if path.is_dir() and path != LIMITATIONS_DIR and path not in regular
    ]
    assert stray == [], "case directories without expect.toml"
    for case in [*regular, *limitations]:
        expectation = load_expectation(case)
        assert expectation.description.strip(), case.name
        assert expectation.category in CATEGORIES, (case.name, expectation.category)
        assert (expectation.limitation is not None) == (case in limitations), case.name
        assert (case / "v0" / "main.py").is_file(), case.name
        versions = ["v1"] + (["v2"] if expectation.third_run is not None else [])
        assert (case / "v2").exists() == (expectation.third_run is not None), case.name
        state = _read_tree(case / "v0")
        for version in versions:
            edit = _read_tree(case / version)
            assert edit, f"{case.name}/{version} is empty"
            unchanged = [name for name, text in edit.items() if state.get(name) == text]
            assert unchanged == [], f"{case.name}/{version} does not change {unchanged}"
            state.update(edit)


def _read_tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
