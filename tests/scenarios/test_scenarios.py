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
    changed = []                  # miss: causes or components of run 2's entries (* = any)
    third_run = "hit"             # only with v2/: run 3, same cache
    third_recomputed = []         # as `recomputed`, for run 3
    limitation = "why"            # only under cases/limitations/
    warns = ["AmbientStateWarning"]  # optional: warnings allowed, each given by some run
    requires = ["numpy"]          # optional: skip unless these modules import

Every checkpointed function body prints ``COMPUTE <name>`` when it runs, and
``main.py`` prints ``RESULT <name> <repr>`` lines. ``recomputed`` lists every
``COMPUTE`` line of the run, so a name appears once per computation (a
recursive function recomputing 7 levels appears 7 times), and every other
checkpointed function must be a hit. Each run uses its own ``PYTHONHASHSEED``,
so nothing may depend on ``hash()`` order.

Before the edit, ``v0`` runs a second time on the warm cache: a control that
must be all hits with the same results. Without it, a case whose "miss" comes
from a key that changes at every run (not from the edit) would pass.

After each edit the same project also runs against a new, empty cache: its
``RESULT`` lines must equal those of the run with the shared cache, so an entry
reused after an edit can never be a stale result.

``changed`` is matched against the entries computed by that run only, never
the cache's whole history (where run 1's ``first call`` always is): each name
must be the cause (``"first call"``) or a changed component (``"source"``,
``"callee:helpers:scale"``) of one of them in ``inspect --json``, and must
appear in their explanations in the ``inspect`` summary.

Cases under ``cases/limitations/`` describe the *correct* behaviour that the
library does not deliver yet; they are strict xfails, so fixing one shows up.
They may fail only with :class:`ScenarioExpectationError` (the run hit where
the case says it should miss, or the reverse): a warning, a crash, a stale
result or wrong ``inspect`` output in such a case is a real failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from checkpointing.cli import main as cli_main
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
        "library-objects",  # builtins, stdlib and third-party objects reached by name
        "composites",  # bound methods, partials, registries, containers holding code
        "written-state",  # globals the code only writes (counters, logs)
        "renames",  # renamed functions, parameters, globals computing the same thing
        "blind-spot",  # limitations only: what static analysis cannot see
    }
)

#: A line of inspect's "most recent computations" that starts an entry's block.
_ENTRY_LINE = re.compile(r"^  \S.*  key ([0-9a-f]{12})  ")


class ScenarioExpectationError(Exception):
    """
    A run recomputed other functions than ``expect.toml`` says: a wrong hit or miss.

    The only failure a limitation case may show (its xfail names this type),
    so anything else going wrong in one of them fails the test for real.
    """


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
    "warns",
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
    warns: tuple[str, ...] = ()


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
        warns=tuple(data.get("warns", ())),
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
                # A limitation case must fail on its hit/miss expectation; a
                # crash, a timeout, a warning, a stale result or wrong inspect
                # output is a real failure, not the known limitation.
                marks=pytest.mark.xfail(
                    strict=True, reason=reason, raises=ScenarioExpectationError
                ),
            )
        )
    return params


class Scenario:
    """One case played out in ``tmp_path``: a project directory and its caches."""

    def __init__(self, case_dir: Path, tmp_path: Path) -> None:
        self.case_dir = case_dir
        self.warns = load_expectation(case_dir).warns
        self.stderr = ""  # every run's, for the warnings a case names
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
        # A fallback fingerprint (IncompleteFingerprintWarning) can hide an edit;
        # only the warnings expect.toml names may appear.
        unexpected = [
            line
            for line in run.stderr.splitlines()
            if "Warning" in line and not any(f"{w}:" in line for w in self.warns)
        ]
        assert not unexpected, run.report()
        self.stderr += run.stderr
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

    def inspect(self) -> tuple[str, dict[str, Any]]:
        """
        Return ``inspect``'s text summary of the cache, and its ``--json`` form.

        The command runs in this process (``main()`` is what ``python -m
        checkpointing`` runs; test_cli covers that path): a subprocess would
        add a tenth of a second to every case.
        """
        outputs = []
        for arguments in (
            ["inspect", str(self.cache)],
            ["inspect", "--json", str(self.cache)],
        ):
            with contextlib.redirect_stdout(io.StringIO()) as out:
                status = cli_main(arguments)
            assert status == 0, f"inspect exited with {status}:\n{out.getvalue()}"
            outputs.append(out.getvalue())
        return outputs[0], json.loads(outputs[1])


def _assert_stage(
    scenario: Scenario,
    run: Run,
    fresh: Run,
    outcome: str,
    recomputed: tuple[str, ...],
    changed: tuple[str, ...],
    earlier: Run,
    started: float,
) -> None:
    """
    Check one run after an edit.

    Raises:
        ScenarioExpectationError: If it recomputed other functions than
            *recomputed* (a wrong hit or miss).
        AssertionError: For anything else (stale result, wrong ``inspect``).
    """
    context = f"{earlier.report()}{run.report()}"
    if sorted(recomputed) != sorted(run.computes):
        raise ScenarioExpectationError(
            f"expected a {outcome} recomputing {sorted(recomputed)}, "
            f"got COMPUTE lines {run.computes}\n{context}"
        )
    # No stale result: the cached answer equals what the same code computes
    # from scratch.
    assert fresh.results == run.results, (
        f"stale result: fresh cache gave {fresh.results}\n{context}{fresh.report()}"
    )
    if outcome == "miss" and changed:
        text, data = scenario.inspect()
        # The entries this run computed (created after it started), not the
        # explanations of earlier runs' entries.
        entries = [e for e in data["recent"] if e["created_at"] >= started]
        report = (
            f"=== inspect ===\n{text}=== entries of this run ===\n"
            f"{json.dumps(entries, indent=1)}\n{context}"
        )
        assert entries, f"inspect shows no entry computed by this run\n{report}"
        blocks = _entry_blocks(text)
        shown = [blocks.get(e["key"][:12]) for e in entries]
        assert None not in shown, (
            f"an entry of this run is not in the summary\n{report}"
        )
        missing = [name for name in changed if not _explained(entries, name)]
        assert not missing, f"this run's entries do not name {missing}\n{report}"
        missing = [
            name
            for name in changed
            if not any(_mentions(block or "", name) for block in shown)
        ]
        assert not missing, (
            f"inspect's summary of this run's entries does not mention {missing}\n"
            f"{report}"
        )


def _name_pattern(name: str) -> str:
    """A regular expression for *name*, where ``*`` matches any non-space run."""
    return r"\S*".join(re.escape(part) for part in name.split("*"))


def _explained(entries: list[dict[str, Any]], name: str) -> bool:
    """Whether *name* is the cause or a changed component of one of *entries*."""
    pattern = re.compile(_name_pattern(name))
    for entry in entries:
        reason = entry["reason"]
        if reason["cause"] == name:
            return True
        if any(pattern.fullmatch(c["component"]) for c in reason["changes"]):
            return True
    return False


def _entry_blocks(text: str) -> dict[str, str]:
    """
    The blocks of inspect's "most recent computations", by 12-digit key prefix.

    A block is the entry's line and the indented explanation under it.
    """
    blocks: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _ENTRY_LINE.match(line)
        if match is not None:
            current = match.group(1)
            blocks[current] = line + "\n"
        elif current is not None and line.startswith("      "):
            blocks[current] += line + "\n"
        else:
            current = None
    return blocks


def _mentions(output: str, name: str) -> bool:
    """
    Whether *output* names component *name* as a word of its own.

    Whitespace must surround it, so ``callee:m:f`` does not match
    ``callee:m:f2`` and ``source`` does not match a ``(source)`` annotation.
    A ``*`` in *name* matches any non-space run (for paths that depend on
    where the case runs, e.g. ``file:*/factor.txt``).
    """
    return re.search(rf"(?<!\S){_name_pattern(name)}(?!\S)", output) is not None


@pytest.mark.parametrize("case_dir", _params())
def test_scenario(case_dir: Path, tmp_path: Path) -> None:
    """Running a case's edited project hits or misses as expect.toml says, never stale."""
    expectation = load_expectation(case_dir)
    for module in expectation.requires:
        pytest.importorskip(module)
    scenario = Scenario(case_dir, tmp_path)

    first = scenario.run("run 1 (v0)", scenario.cache, seed=1)
    assert first.computes, f"run 1 computed nothing\n{first.report()}"
    # The control: the unedited project on the warm cache is all hits.
    control = scenario.run("control (v0 again)", scenario.cache, seed=6)
    assert not control.computes, (
        f"v0 rerun on its own cache recomputed {control.computes}: a miss the "
        f"edit cannot explain\n{first.report()}{control.report()}"
    )
    assert first.results == control.results, f"{first.report()}{control.report()}"

    scenario.apply("v1")
    started = time.time()
    second, second_fresh = scenario.run_and_fresh("run 2 (v1)", seed=2)
    _assert_stage(
        scenario,
        second,
        second_fresh,
        expectation.second_run,
        expectation.recomputed,
        expectation.changed,
        earlier=control,
        started=started,
    )

    if expectation.third_run is not None:
        scenario.apply("v2")
        started = time.time()
        third, third_fresh = scenario.run_and_fresh("run 3 (v2)", seed=4)
        _assert_stage(
            scenario,
            third,
            third_fresh,
            expectation.third_run,
            expectation.third_recomputed,
            expectation.third_changed,
            earlier=second,
            started=started,
        )
    # Warnings a case names must really be given (by some run of the shared cache).
    for warning in expectation.warns:
        assert f"{warning}:" in scenario.stderr, f"no {warning} in any run"


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
