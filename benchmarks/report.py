"""
Regenerate the tables of ``benchmarks/README.md`` from ``benchmarks/results/*.json``.

Every table (and every figure in it) sits between two marker comments::

    <!-- results:begin NAME -->
    ...generated...
    <!-- results:end NAME -->

and is rebuilt here from the JSON files of one run (``run.py`` writes them);
everything outside the markers is left as it is. Run::

    python benchmarks/report.py            # rewrite the README's tables
    python benchmarks/report.py --check    # exit 1 if they differ from the JSON

The files must come from one run: the same commit, the same state of ``src/``
and the same run id; a smoke run (``--smoke``) never makes a table. A section
whose source file is missing is an error, as is a marker without a renderer.
Percentiles: nearest rank over the samples (pytest-benchmark's rounds, or the
scripts' samples); ratios compare medians measured in the same run.
"""

# ruff: noqa: RUF001
# (the tables print multiplication and minus signs on purpose)
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchlib import BENCHMARKS, PLAN_PARTS, RESULTS, SCHEMA, human, percentile, table

README = BENCHMARKS / "README.md"
MARKER = re.compile(
    r"(<!-- results:begin (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- results:end (?P=name) -->)",
    re.DOTALL,
)


FULL_HIT = "FULL HIT cp(3)"
#: Subsections other engineers write by hand (kept as they are; see the README).
HAND_WRITTEN = ("Recent-payload fast path under coarse timestamps",)
#: What a measured figure looks like in prose: a time, a rate, a ratio, a share.
FIGURE = re.compile(
    r"\d[\d,]*(?:\.\d+)?\s?(?:ns|µs|us|ms)\b"
    r"|\d+\.\d+\s?s\b"
    r"|\d[\d,]*(?:\.\d+)?\s?[GMK]B/s"
    r"|\d+(?:\.\d+)?×"
    r"|\d+\.\d+x\b"
    r"|\d+(?:\.\d+)?\s?%"
)


def without_subsection(text: str, heading: str) -> str:
    """*text* without the subsection titled *heading* (up to the next heading of its level)."""
    match = re.search(rf"^(#+) {re.escape(heading)}\n", text, re.MULTILINE)
    if match is None:
        return text
    level = len(match.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(text, match.end())
    return text[: match.start()] + (text[end.start() :] if end else "")


#: Files whose figures compare only what they measured themselves (two sides, one
#: run): they may come from a run of their own (the other files may not).
SELF_CONTAINED = ("hit_versus", "versus", "remote")


class ReportError(Exception):
    """The results cannot make the tables (missing, mixed or smoke files)."""


# -- loading -----------------------------------------------------------------------
class Results:
    """The JSON documents of one run, by name (``pytest``, ``hit_breakdown``...)."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents

    @classmethod
    def load(cls, directory: Path, *, allow_smoke: bool = False) -> Results:
        documents = {}
        for path in sorted(directory.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("schema") != SCHEMA:
                raise ReportError(f"{path.name}: schema {document.get('schema')!r}")
            if document.get("smoke") and not allow_smoke:
                raise ReportError(f"{path.name}: a smoke run makes no tables")
            documents[document["name"]] = document
        results = cls(documents)
        results.check_one_run()
        return results

    def check_one_run(self) -> None:
        """
        Raise unless every document has the same commit, ``src/`` state and run id.

        Documents in :data:`SELF_CONTAINED` are left out: they measure both sides
        of their ratios themselves, and their tables name their own commits.
        """
        seen: dict[str, set[str]] = {
            "commit": set(),
            "src_diff": set(),
            "run_id": set(),
        }
        for name, document in self.documents.items():
            if name in SELF_CONTAINED:
                continue
            env = document["environment"]
            seen["commit"].add(str(env["git"]["commit"]))
            seen["src_diff"].add(str(env["git"]["src_diff"]))
            seen["run_id"].add(str(env["run_id"]))
        mixed = {key: values for key, values in seen.items() if len(values) > 1}
        if mixed:
            raise ReportError(f"the results come from more than one run: {mixed}")

    def __getitem__(self, name: str) -> dict[str, Any]:
        try:
            return self.documents[name]
        except KeyError:
            raise ReportError(
                f"no results/{name}.json: run benchmarks/run.py"
            ) from None

    def results(self, name: str) -> dict[str, Any]:
        return self[name]["results"]

    def pytest(self, group: str) -> dict[str, dict[str, Any]]:
        """``{benchmark name: stats}`` of one pytest-benchmark group."""
        found = {
            bench["name"]: pytest_stats(bench)
            for bench in self["pytest"]["benchmarks"]
            if bench["group"] == group
        }
        if not found:
            raise ReportError(f"results/pytest.json has no group {group!r}")
        return found


def pytest_stats(bench: dict[str, Any]) -> dict[str, Any]:
    """Median, P90 and P99 (per call) of a pytest-benchmark result, with its rounds."""
    stats = bench["stats"]
    data = sorted(stats["data"])
    return {
        "median": stats["median"],
        "p90": percentile(data, 0.90),
        "p99": percentile(data, 0.99),
        "min": stats["min"],
        "max": stats["max"],
        "n": stats["rounds"],
        "iterations": stats.get("iterations", 1),
        "extra": bench.get("extra_info", {}),
    }


# -- formatting --------------------------------------------------------------------
def ratio(value: float) -> str:
    return f"{value:.2f}×" if value < 100 else f"{value:.0f}×"


def spread(s: dict[str, Any]) -> list[str]:
    """Median, P90 and P99 cells; below 10 samples, the maximum and the count instead."""
    if s["n"] < 10:
        return [human(s["median"]), f"max {human(s['max'])}", f"n = {s['n']}"]
    return [human(s["median"]), human(s["p90"]), human(s["p99"])]


def source(results: Results, *names: str) -> str:
    """The line under a table naming its JSON files and commands."""
    parts = []
    for name in names:
        command = " ".join(results[name]["command"])
        parts.append(f"`results/{name}.json` (`{command}`)")
    return "Source: " + "; ".join(parts) + "."


def status(met: bool) -> str:
    return "met" if met else "**missed**"


# -- sections ----------------------------------------------------------------------
def section_environment(results: Results) -> str:
    first = (
        results["pytest"]
        if "pytest" in results.documents
        else next(iter(results.documents.values()))
    )
    env = first["environment"]
    git = env["git"]
    tree = "clean"
    if git["dirty"]:
        tree = f"dirty: {len(git['changed'])} changed files"
    if git.get("worktree_src_changed") is not None:
        code = f"`src/` of `{git['commit'][:12]}` (a `git archive` snapshot)"
        if git["worktree_src_changed"]:
            unmeasured = ", ".join(f"`{path}`" for path in git["worktree_src_changed"])
            code += f"; uncommitted edits of {unmeasured} not measured"
    elif git["src_changed"]:
        changed = ", ".join(f"`{path}`" for path in git["src_changed"])
        code = f"working tree: `{git['commit'][:12]}` + edits of {changed}"
        code += f" (diff digest `{git['src_diff']}`)"
    else:
        code = f"`src/` of `{git['commit'][:12]}` (working tree, no edits)"
    variables = ", ".join(f"`{k}={v}`" for k, v in env["variables"].items()) or "none"
    memory = env["memory_bytes"]
    rows = [
        ["Library code measured", code],
        ["Commit", f"`{git['commit']}` (working tree {tree})"],
        ["Variables", variables],
        ["Run id", f"`{env['run_id']}`"],
        ["CPU", f"{env['cpu']}, {env['cores']} usable cores"],
        ["Memory", f"{memory / 2**30:.1f} GiB" if memory else "unknown"],
        ["OS", env["os"]],
        ["Python", env["python"]],
        [
            "Libraries",
            ", ".join(f"{name} {v}" for name, v in env["libraries"].items()),
        ],
    ]
    lines = [table(["", ""], rows), ""]
    runs = []
    for name, document in results.documents.items():
        e = document["environment"]
        load = (
            f"{e['load_start'][0]:.2f} → {e['load_end'][0]:.2f}"
            if e["load_start"] and e["load_end"]
            else "n/a"
        )
        runs.append(
            [
                f"`results/{name}.json`",
                e["started"],
                e["finished"],
                load,
                f"`{' '.join(document['command'])}`",
            ]
        )
    lines.append(
        table(
            [
                "File",
                "Started (UTC)",
                "Finished",
                "Load (1 min) start → end",
                "Command",
            ],
            runs,
        )
    )
    return "\n".join(lines)


HIT_LABELS = {
    "test_plain_call": "plain call",
    "test_functools_cache_hit": "`functools.cache`",
    "test_hit[plain_recent_baseline]": "PlainCache, `stat` + bytes kept (**equal work**)",
    "test_hit[plain_baseline]": "PlainCache, `open` + `read` every hit",
    "test_checkpointing_hit": "**checkpointing**",
    "test_hit[diskcache]": "diskcache `memoize`",
    "test_hit[joblib]": "joblib `Memory.cache`",
}


def _timed_rows(
    stats: dict[str, dict[str, Any]], labels: dict[str, str], reference: str
):
    base = stats[reference]["median"]
    rows = []
    for name, s in sorted(stats.items(), key=lambda item: item[1]["median"]):
        rows.append(
            [
                labels.get(name, f"`{name}`"),
                *spread(s),
                f"{s['n']:,} × {s['iterations']:,}",
                f"{s['median'] / base:.2f}",
            ]
        )
    return rows


def _timed_section(
    results: Results, group: str, labels: dict[str, str], baseline: str, title: str
) -> str:
    """A table of one pytest-benchmark group, each row relative to *baseline*."""
    rows = _timed_rows(results.pytest(group), labels, baseline)
    columns = [title, "Median", "P90", "P99", "Rounds × calls", "Time / checkpointing"]
    return "\n".join([table(columns, rows), "", source(results, "pytest")])


def section_hit(results: Results) -> str:
    return _timed_section(
        results,
        "hit: increment(3)",
        HIT_LABELS,
        "test_checkpointing_hit",
        "Hit of `increment(3)`",
    )


MISS_LABELS = {
    "test_plain_baseline_miss": "PlainCache",
    "test_checkpointing_miss": "**checkpointing**",
    "test_diskcache_miss": "diskcache",
    "test_joblib_miss": "joblib",
}


def section_miss(results: Results) -> str:
    return _timed_section(
        results,
        "miss: increment(n), fresh n every round",
        MISS_LABELS,
        "test_checkpointing_miss",
        "Miss, fresh `n`",
    )


def section_hit_same_process(results: Results) -> str:
    hits = results.results("hit_breakdown")["hits"]
    base = hits["checkpointing"]["median"]
    rows = [
        [
            f"**{name}**" if name == "checkpointing" else name,
            *spread(s),
            f"{s['median'] / base:.2f}",
        ]
        for name, s in sorted(hits.items(), key=lambda item: item[1]["median"])
    ]
    return "\n".join(
        [
            table(
                [
                    "Hit of `increment(3)`, one process",
                    "Median",
                    "P90",
                    "P99",
                    "Time / checkpointing",
                ],
                rows,
            ),
            "",
            source(results, "hit_breakdown"),
        ]
    )


def section_hit_phases(results: Results) -> str:
    phases = results.results("hit_breakdown")["phases"]
    full = phases["FULL HIT cp(3)"]["median"]
    plan = phases["plan total (Checkpointed._plan)"]["median"]
    read = phases["read total (codec.read: load + unpickle)"]["median"]
    rows = []
    for name, s in phases.items():
        if name == "FULL HIT cp(3)":
            policy = phases["on_error policy (resolve_on_error)"]["median"]
            glue = full - plan - read - policy
            rows.append(
                [
                    "call glue (difference: full − plan − read − policy)",
                    human(glue),
                    "",
                    "",
                    f"{glue / full:.0%}",
                ]
            )
        indented = name.startswith("  ")
        label = ("&nbsp;&nbsp;" + name.strip()) if indented else name
        share = "" if indented else f"{s['median'] / full:.0%}"
        rows.append([label, *spread(s), share])
        if name == "plan total (Checkpointed._plan)":
            glue = plan - sum(phases[part]["median"] for part in PLAN_PARTS)
            rows.append(
                [
                    "&nbsp;&nbsp;of which: plan glue (difference)",
                    human(glue),
                    "",
                    "",
                    f"{glue / full:.0%}",
                ]
            )
    return "\n".join(
        [
            table(["Phase", "Median", "P90", "P99", "Share of the full hit"], rows),
            "",
            "Top-level rows other than FULL add up to the full hit (plan, read, policy, glue);"
            " indented rows are parts of the row above them, or a comparison.",
            "",
            source(results, "hit_breakdown"),
        ]
    )


def section_hit_floors(results: Results) -> str:
    floors = results.results("hit_breakdown")["floors"]
    rows = [[f"`{name}`", *spread(s)] for name, s in floors.items()]
    return "\n".join(
        [
            table(
                ["Operation, on the hit's own entry file", "Median", "P90", "P99"], rows
            ),
            "",
            source(results, "hit_breakdown"),
        ]
    )


def section_miss_scaling(results: Results) -> str:
    rows = []
    for row in results.results("hit_breakdown")["miss_scaling"]:
        miss, explain = row["miss"], row["explain"]
        rows.append(
            [
                f"{row['entries']:,}",
                human(miss["median"]),
                human(miss["p90"]),
                human(explain["median"]),
                str(miss["n"]),
            ]
        )
    return "\n".join(
        [
            table(
                [
                    "Entries stored",
                    "Miss median",
                    "Miss P90",
                    "`explain()` of a miss, median",
                    "Misses timed",
                ],
                rows,
            ),
            "",
            source(results, "hit_breakdown"),
        ]
    )


def section_graph(results: Results) -> str:
    stats = results.pytest("hit: by call-graph size")
    one, fifty = (
        stats["test_hit_by_call_graph_size[1]"],
        stats["test_hit_by_call_graph_size[50]"],
    )
    graph = results.results("hit_breakdown")["graph"]
    rows = [
        ["1 function", *spread(one), *spread(graph["1 function"])[:1]],
        ["50-function chain", *spread(fifty), *spread(graph["50-function chain"])[:1]],
        [
            "ratio 50 / 1 (target ≤ 1.5×)",
            ratio(fifty["median"] / one["median"]),
            "",
            "",
            ratio(graph["50-function chain"]["median"] / graph["1 function"]["median"]),
        ],
    ]
    return "\n".join(
        [
            table(
                [
                    "Hit of a root reaching",
                    "pytest median",
                    "P90",
                    "P99",
                    "`hit_breakdown.py` median",
                ],
                rows,
            ),
            "",
            source(results, "pytest", "hit_breakdown"),
        ]
    )


def section_hit_versus(results: Results) -> str:
    r = results.results("hit_versus")
    baseline, current = r["baseline"], r["current"]
    base_name = f"`{baseline['rev']}`"
    if baseline["rev"] != baseline["commit"][: len(baseline["rev"])]:
        base_name += f" (`{baseline['commit'][:12]}`)"
    if current["src_changed"]:
        edits = ", ".join(f"`{path}`" for path in current["src_changed"])
        current_name = (
            f"working tree: `{current['commit'][:12]}` + edits of {edits}"
            f" (diff digest `{current['src_diff']}`)"
        )
    elif current["source"].startswith("snapshot"):
        current_name = f"`src/` of `{current['commit'][:12]}` (`run.py` snapshot)"
    else:
        current_name = f"working tree: `{current['commit'][:12]}`, no edits of `src/`"
    rows = []
    for name in r["rows"]:
        s = r["summary"][name]
        rows.append(
            [
                f"**{name}**" if name == FULL_HIT else name,
                human(s["baseline"]),
                human(s["current"]),
                ratio(s["ratio"]),
                ", ".join(ratio(value) for value in s["round_ratios"]),
            ]
        )
    full = r["full_hit_ratio"]
    rounds = f"{r['rounds']} round" + ("" if r["rounds"] == 1 else "s")
    lines = [
        f"Baseline: `src/` of {base_name} (`git archive`). Current: {current_name}."
        f" {rounds} of one `{' '.join(r['breakdown_command'])}` process per"
        " side, baseline first in each round; a cell is the mean over the rounds of that"
        " side's medians.",
        "",
        table(
            [
                "Hit",
                "Baseline",
                "Current",
                "Current / baseline",
                "Per round",
            ],
            rows,
        ),
        "",
        table(
            ["Target", "Current / baseline", "Status"],
            [
                [
                    f"issue 12: full hit ≤ {r['target']:.2f}× the baseline's",
                    ratio(full),
                    status(bool(r["within_10_percent"])),
                ]
            ],
        ),
        "",
    ]
    if r["one_side_only"]:
        only = "; ".join(
            f"{name} ({', '.join(sides) or 'neither'})"
            for name, sides in r["one_side_only"].items()
        )
        lines += [f"Measured on one side only, not compared: {only}.", ""]
    lines.append(source(results, "hit_versus"))
    return "\n".join(lines)


def section_versus(results: Results) -> str:
    r = results.results("versus")
    baseline, current = r["baseline"], r["current"]
    rounds = f"{r['rounds']} round" + ("" if r["rounds"] == 1 else "s")
    sizes = r["sizes"]
    rows = [
        [
            name,
            human(s["baseline"]),
            human(s["current"]),
            ratio(s["ratio"]),
            ", ".join(ratio(value) for value in s["round_ratios"]),
            status(bool(s["within_5_percent"])),
        ]
        for name, s in r["summary"].items()
    ]
    return "\n".join(
        [
            f"Baseline: `src/` of `{baseline['rev']}` (`{baseline['commit'][:12]}`,"
            f" `git archive`). Current: `src/` of `{current['commit'][:12]}`"
            + (" with edits" if current.get("src_changed") else "")
            + f". {rounds} of one `benchmarks/versus.py --workload` process per side,"
            f" baseline first; {sizes['repeat']} large operations per round"
            f" ({sizes['gib']:g} GiB array, {sizes['digest_mb']:g} MB digest), after"
            " an uncounted warm-up round per side. A cell is the median over the rounds"
            " of that side's medians; the ratio is the median of the per-round ratios.",
            "",
            table(
                [
                    "Row",
                    "Baseline",
                    "Current",
                    "Current / baseline",
                    "Per round",
                    f"≤ {r['target']:.2f}×",
                ],
                rows,
            ),
            "",
            source(results, "versus"),
        ]
    )


def section_profile(results: Results) -> str:
    profile = results.results("hit_breakdown")["profile"]
    rows = [
        [f"`{name}`", f"{calls:,}", f"{seconds * 1e3:.1f} ms"]
        for name, calls, seconds in profile["top"][:10]
    ]
    return "\n".join(
        [
            f"{profile['calls']:,} hits under cProfile, "
            f"{profile['function_calls_per_hit']:.0f} function calls per hit; "
            "the ten functions with the most own time:",
            "",
            table(["Function", "Calls", "Own time"], rows),
            "",
            source(results, "hit_breakdown"),
        ]
    )


DIGEST_CASES = [
    (
        "ndarray float64 100 MB",
        "digest: ndarray float64 100 MB",
        "test_digest_large[ndarray float64 100 MB-{}]",
    ),
    (
        "ndarray float64 1 GB",
        "digest: ndarray float64 1 GB",
        "test_digest_gigabyte[{}]",
    ),
    (
        "ndarray float64 100 MB, transposed view",
        "digest: ndarray float64 100 MB, transposed view",
        "test_digest_large[ndarray float64 100 MB, transposed view-{}]",
    ),
    (
        "DataFrame, 100 MB, Arrow `str` strings",
        "digest: DataFrame mixed 100 MB, str (Arrow) strings",
        "test_digest_large[DataFrame mixed 100 MB, str (Arrow) strings-{}]",
    ),
    (
        "DataFrame, 100 MB, `object` strings",
        "digest: DataFrame mixed 100 MB, object strings",
        "test_digest_large[DataFrame mixed 100 MB, object strings-{}]",
    ),
    ("bytes, 1 MiB", "digest: bytes 1 MiB", "test_digest_large[bytes 1 MiB-{}]"),
    (
        "list of 10k small ints",
        "digest: list of 10k small ints",
        "test_digest_large[list of 10k small ints-{}]",
    ),
    (
        "nested dict, 1k leaves",
        "digest: nested dict 3x10x10 (1k leaves)",
        "test_digest_large[nested dict 3x10x10 (1k leaves)-{}]",
    ),
]


def _digest_row(
    label: str, stats: dict[str, dict[str, Any]], pattern: str
) -> list[str]:
    def cell(implementation: str) -> str:
        s = stats.get(pattern.replace("{}", implementation))
        if s is None:
            return ""
        rate = s["extra"].get("MB/s (median)")
        return human(s["median"]) + (
            f" ({rate / 1000:,.1f} GB/s)" if rate and rate > 1000 else ""
        )

    ours = stats[pattern.replace("{}", "checkpointing")]["median"]
    raw = stats.get(pattern.replace("{}", "raw_xxh3"))
    joblib = stats.get(pattern.replace("{}", "joblib"))
    return [
        label,
        cell("checkpointing"),
        human(stats[pattern.replace("{}", "checkpointing")]["p90"]),
        cell("legacy"),
        cell("raw_xxh3"),
        cell("joblib"),
        ratio(raw["median"] / ours) if raw else "",
        ratio(joblib["median"] / ours) if joblib else "",
    ]


def section_digest(results: Results) -> str:
    rows = []
    for label, group, pattern in DIGEST_CASES:
        rows.append(_digest_row(label, results.pytest(group), pattern))
    for bench in results["pytest"]["benchmarks"]:
        group = bench["group"]
        if group.startswith("digest scalar: "):
            scalar = group.removeprefix("digest scalar: ")
            if bench["name"].endswith("-checkpointing]"):
                rows.append(
                    _digest_row(
                        f"`{scalar}`",
                        results.pytest(group),
                        "test_digest_scalar[" + scalar + "-{}]",
                    )
                )
    arguments = results.pytest("digest_arguments: f(3), three parameters")
    ours = arguments["test_digest_arguments_small[checkpointing]"]
    legacy = arguments["test_digest_arguments_small[legacy]"]
    rows.append(
        [
            '`digest_arguments(f, (3,), {})`, `f(a, b=2, *, c="x")`',
            human(ours["median"]),
            human(ours["p90"]),
            human(legacy["median"]),
            "",
            "",
            "",
            "",
        ]
    )
    return "\n".join(
        [
            table(
                [
                    "Value",
                    "checkpointing median",
                    "P90",
                    "legacy",
                    "raw xxh3",
                    "`joblib.hash`",
                    "raw / ours",
                    "joblib / ours",
                ],
                rows,
            ),
            "",
            "Raw xxh3 hashes the value's buffer, or `pickle.dumps(value)` for values without one"
            " (fast, but not a digest: equal dicts, sets and frames built differently pickle"
            " differently). A ratio above 1 means checkpointing is faster.",
            "",
            source(results, "pytest"),
        ]
    )


def section_digest_targets(results: Results) -> str:
    r = results.results("digest_targets")
    rows = []
    for case, targets in (
        ("ndarray float64 100 MB", (("raw_xxh3", 0.8), ("joblib", 20))),
        ("ndarray float64 1 GB", (("raw_xxh3", 0.8), ("joblib", 20))),
        ("DataFrame mixed, str (Arrow) strings", (("joblib", 10),)),
        ("DataFrame mixed, object strings", (("joblib", 10),)),
    ):
        if case not in r:
            continue
        ours = r[case]["checkpointing"]["median"]
        for other, target in targets:
            value = r[case][other]["median"] / ours
            rows.append(
                [
                    f"{case}: ≥ {target}× {other}",
                    f"{human(ours)} vs {human(r[case][other]['median'])}",
                    ratio(value),
                    status(value >= target),
                ]
            )
        if "legacy" in r[case]:
            rows.append(
                [
                    f"{case}: legacy (A/B, no target)",
                    f"legacy {human(r[case]['legacy']['median'])}",
                    ratio(r[case]["legacy"]["median"] / ours),
                    "",
                ]
            )
    view = r["ndarray float64 100 MB, transposed view"]
    rows.append(
        [
            "ndarray 100 MB transposed view (no target)",
            f"{human(view['checkpointing']['median'])}; `np.ascontiguousarray` alone "
            f"{human(view['ascontiguousarray alone']['median'])}",
            "",
            "",
        ]
    )
    if "memory" in r:
        memory = r["memory"]
        share = memory["tracemalloc_peak_bytes"] / memory["value_bytes"]
        rss = memory["rss_high_water_delta_bytes"]
        rows.append(
            [
                "1 GB: peak extra memory < 1% of the argument",
                f"tracemalloc peak {memory['tracemalloc_peak_bytes']:,} B; RSS high-water "
                f"delta {'n/a' if rss is None else f'{rss / 1e6:.2f} MB'}",
                f"{share:.6%}",
                status(share < 0.01),
            ]
        )
    for case, implementations in r["small"].items():
        ours = implementations["checkpointing"]
        legacy = implementations.get("legacy")
        rows.append(
            [
                f"small: `{case}` (target: a few µs, < 5 µs)",
                f"{human(ours['median'])} (P90 {human(ours['p90'])})",
                f"legacy / ours {ratio(legacy['median'] / ours['median'])}"
                if legacy
                else "",
                status(ours["median"] < 5e-6),
            ]
        )
    return "\n".join(
        [
            table(["Target", "Measured (medians)", "Ratio", "Status"], rows),
            "",
            source(results, "digest_targets"),
        ]
    )


def section_fingerprint(results: Results) -> str:
    warm = results.pytest("fingerprint warm: by call-graph depth")
    walk = results.pytest("fingerprint walk (analysis memoized): by call-graph depth")
    cold = results.pytest("fingerprint cold: by call-graph depth")
    rows = []
    for depth in (0, 1, 10, 50):
        cells = []
        for stats, kind in ((warm, "warm"), (walk, "walk"), (cold, "cold")):
            s = stats[f"test_fingerprint_{kind}_by_depth[{depth}]"]
            cells.append(f"{human(s['median'])} (P90 {human(s['p90'])})")
        rows.append([f"{depth} function{'' if depth == 1 else 's'}", *cells])
    warm = results.pytest("fingerprint warm: by referenced globals")
    walk = results.pytest("fingerprint walk (analysis memoized): by referenced globals")
    for count in (0, 10, 100):
        cells = []
        for stats, kind in ((warm, "warm"), (walk, "walk")):
            s = stats[f"test_fingerprint_{kind}_by_globals[{count}]"]
            cells.append(f"{human(s['median'])} (P90 {human(s['p90'])})")
        rows.append([f"reads {count} int globals", *cells, ""])
    return "\n".join(
        [
            table(
                [
                    "Root reaches",
                    "warm (each hit)",
                    "walk (analysis memoized)",
                    "cold (memos emptied)",
                ],
                rows,
            ),
            "",
            source(results, "pytest"),
        ]
    )


STORE_COLUMNS = [
    ("`save`, fsync off", "test_store_save[{}-fsync-off]"),
    ("`save`, fsync on", "test_store_save[{}-fsync-on]"),
    ("raw write + replace, off", "test_raw_write_replace[{}-fsync-off]"),
    ("raw write + replace, on", "test_raw_write_replace[{}-fsync-on]"),
    ("`load`, new `Store`", "test_store_load[{}]"),
    ("`load`, repeated", "test_store_load_repeated[{}]"),
    ("raw `open().read()`", "test_raw_read[{}]"),
]


def section_store(results: Results) -> str:
    rows = []
    for size in ("1 KiB", "1 MiB", "100 MiB"):
        stats = results.pytest(f"store: {size}")
        cells = []
        for _, pattern in STORE_COLUMNS:
            s = stats[pattern.replace("{}", size)]
            cells.append(f"{human(s['median'])} (P90 {human(s['p90'])})")
        rows.append([size, *cells])
    return "\n".join(
        [
            table(["Payload", *(label for label, _ in STORE_COLUMNS)], rows),
            "",
            "Medians, P90 in parentheses. `save` writes two files (entry, then manifest) and"
            " appends a catalog line; the raw write is one file. `load` from a new `Store` reads"
            " and verifies the file (the first hit of an entry in a process); `load` repeated on"
            " one `Store` serves small entries from the bytes it kept, after one `stat`.",
            "",
            source(results, "pytest"),
        ]
    )


CLI_ROWS = [
    (
        "`inspect` (summary, from the catalogs)",
        "cli: inspect, 100k entries",
        "test_inspect_summary[{}]",
    ),
    (
        "`inspect <function>` (newest 20, with reasons)",
        "cli: inspect, 100k entries",
        "test_inspect_function[{}]",
    ),
    ("`list` (100,000 rows)", "cli: inspect, 100k entries", "test_list[{}]"),
    (
        "`inspect` without catalogs (reads and indexes every manifest)",
        "cli: inspect, 100k entries, cold",
        "test_inspect_without_catalog[{}]",
    ),
    (
        "legacy summary (`Store.manifests()` + `size_bytes()`)",
        "cli: inspect, 100k entries, cold",
        "test_legacy_summary[{}]",
    ),
    (
        "**`python -m checkpointing inspect`, new process** (target < 2 s)",
        "cli: python -m checkpointing inspect, new process",
        "test_inspect_subprocess[{}]",
    ),
]


def section_cli(results: Results) -> str:
    rows = []
    for label, group, pattern in CLI_ROWS:
        stats = results.pytest(group)
        cells = []
        for layout in ("1x100000", "100x1000"):
            s = stats[pattern.replace("{}", layout)]
            detail = f"P90 {human(s['p90'])}" if s["n"] >= 5 else f"n = {s['n']}"
            cells.append(f"{human(s['median'])} ({detail})")
        rows.append([label, *cells])
    return "\n".join(
        [
            table(["Command", "1 × 100,000 median", "100 × 1,000 median"], rows),
            "",
            source(results, "pytest"),
        ]
    )


def section_large_results(results: Results) -> str:
    r = results.results("large_results")
    gb = r["bytes"] / 1e9
    rows = [
        [
            "raw Python write to a new file (baseline)",
            *spread(r["raw_write"]),
            f"{gb / r['raw_write']['median']:.2f}",
            "",
        ],
        [
            "checkpointing miss: store the result",
            *spread(r["store_write"]),
            f"{gb / r['store_write']['median']:.2f}",
            ratio(r["raw_write"]["median"] / r["store_write"]["median"]),
        ],
        [
            "`numpy.load` of `.npy` (baseline)",
            *spread(r["numpy_load"]),
            f"{gb / r['numpy_load']['median']:.2f}",
            "",
        ],
        [
            "checkpointing hit: load the result",
            *spread(r["store_read"]),
            f"{gb / r['store_read']['median']:.2f}",
            ratio(r["numpy_load"]["median"] / r["store_read"]["median"]),
        ],
        [
            'checkpointing hit, `mmap_mode="r"` (open; pages read on use)',
            *spread(r["mmap_open"]),
            "",
            "",
        ],
    ]
    return "\n".join(
        [
            f"{r['bytes'] / 2**30:.2f} GiB float64 array, {r['repeat']} samples per row"
            " (each operation alternating with its baseline).",
            "",
            table(
                [
                    "Operation",
                    "Median",
                    "P90",
                    "P99",
                    "GB/s",
                    "Baseline / checkpointing",
                ],
                rows,
            ),
            "",
            source(results, "large_results"),
        ]
    )


def section_formats(results: Results) -> str:
    r = results.results("formats")
    rows = []
    for value, other in (("array", "numpy"), ("frame", "pandas")):
        data = r[value]
        for phase in ("store", "load", "mmap"):
            if phase not in data["pickle"]:
                continue
            base = data["pickle"][phase]["median"]
            for name in ("pickle", other):
                s = data[name][phase]
                rate = (
                    ""
                    if phase == "mmap"
                    else f"{data['bytes'] / s['median'] / 1e9:.2f}"
                )
                rows.append(
                    [
                        f"{value}: {phase}, {name}",
                        *spread(s),
                        rate,
                        ratio(base / s["median"]),
                    ]
                )
    sizes = r["frame_stored_bytes_per_entry"]
    return "\n".join(
        [
            f"{r['array']['bytes'] / 2**30:.2f} GiB float64 array; DataFrame of"
            f" {r['frame']['rows']:,} rows ({r['frame']['bytes'] / 1e6:.0f} MB in memory);"
            f" {r['repeat']} rounds (loads: two samples per round).",
            "",
            table(
                ["Operation", "Median", "P90", "P99", "GB/s", "Speed vs pickle"], rows
            ),
            "",
            table(
                ["Stored bytes per DataFrame entry", "MB"],
                [[name, f"{size / 1e6:.1f}"] for name, size in sizes.items()],
            ),
            "",
            source(results, "formats"),
        ]
    )


def section_store_scaling(results: Results) -> str:
    r = results.results("store_scaling")
    small, large = r["entries_small"], r["entries_large"]
    hit_ratio = r["hit_large"]["median"] / r["hit_small"]["median"]
    cached_ratio = r["is_cached_large"]["median"] / r["is_cached_small"]["median"]
    clear_ratio = r["clear_joblib_seconds"] / r["clear_checkpointing_seconds"]
    rows = [
        [f"hit `f(3)`, {small:,} entries", *spread(r["hit_small"]), ""],
        [
            f"hit `f(3)`, {large:,} entries",
            *spread(r["hit_large"]),
            f"{hit_ratio:.2f}× of {small} entries",
        ],
        [f"`is_cached(3)`, {small:,} entries", *spread(r["is_cached_small"]), ""],
        [
            f"`is_cached(3)`, {large:,} entries",
            *spread(r["is_cached_large"]),
            f"{cached_ratio:.2f}× of {small} entries",
        ],
        [
            f"`clear()` of {large:,} entries (copied files)",
            human(r["clear_large_seconds"]),
            "",
            "",
            f"{large / r['clear_large_seconds']:,.0f} entries/s",
        ],
        [
            f"`clear()` of {r['clear_entries']:,} entries (`Store.save`)",
            human(r["clear_checkpointing_seconds"]),
            "",
            "",
            f"{r['clear_entries'] / r['clear_checkpointing_seconds']:,.0f} entries/s",
        ],
        [
            f"joblib `Memory.clear()` of {r['clear_entries']:,} entries (calls)",
            human(r["clear_joblib_seconds"]),
            "",
            "",
            f"{r['clear_entries'] / r['clear_joblib_seconds']:,.0f} entries/s;"
            f" joblib / checkpointing {ratio(clear_ratio)}",
        ],
    ]
    return "\n".join(
        [
            table(["Measurement", "Median", "P90", "P99", "Note"], rows),
            "",
            source(results, "store_scaling"),
        ]
    )


IMPORT_ROWS = [
    "python -c pass",
    "import checkpointing",
    "from checkpointing import checkpoint",
    "pytest, plugin loaded (unused)",
    "pytest -p no:checkpointing",
]


def section_import_cost(results: Results) -> str:
    r = results.results("import_cost")
    rows_data = r["rows"]
    base = rows_data["python -c pass"]["median"]
    rows = [
        [
            f"`{name}`",
            *spread(rows_data[name]),
            f"{rows_data[name]['median'] / base:.2f}",
        ]
        for name in IMPORT_ROWS
    ]
    plugin = rows_data["pytest, plugin loaded (unused)"]["median"]
    without = rows_data["pytest -p no:checkpointing"]["median"]
    modules = ", ".join(f"`{m}`" for m in r["session_modules"]) or "none"
    return "\n".join(
        [
            f"Every row a fresh process, {r['repeat']} runs per row, rows interleaved;"
            " bytecode cached.",
            "",
            table(["Process", "Median", "P90", "P99", "× `python -c pass`"], rows),
            "",
            table(
                ["Measurement", "Value"],
                [
                    [
                        "plugin cost in a session that does not use it (loaded − disabled)",
                        f"{(plugin - without) * 1e3:+.1f} ms ({plugin / without:.3f}×)",
                    ],
                    [
                        "`-X importtime` of `import checkpointing` (cumulative)",
                        f"{r['importtime_package_us'] / 1e3:.1f} ms",
                    ],
                    [
                        "`checkpointing` modules a pytest session imports besides the package and"
                        " the plugin",
                        f"{len(r['session_modules'])} ({modules})",
                    ],
                ],
            ),
            "",
            source(results, "import_cost"),
        ]
    )


def section_targets(results: Results) -> str:
    hit = results.pytest("hit: increment(3)")
    same = results.results("hit_breakdown")["hits"]
    ours = hit["test_checkpointing_hit"]["median"]
    ours_same = same["checkpointing"]["median"]
    rows = []
    for label, name, same_name, target in (
        ("hit ≥ 8× faster than joblib", "test_hit[joblib]", "joblib", 8.0),
        ("hit ≥ 1.5× faster than diskcache", "test_hit[diskcache]", "diskcache", 1.5),
        (
            "hit vs PlainCache, equal work (`stat` + bytes kept; no target)",
            "test_hit[plain_recent_baseline]",
            "PlainCache, stat + bytes kept (equal work)",
            None,
        ),
        (
            "hit vs PlainCache reading the file every hit (unequal work; no target)",
            "test_hit[plain_baseline]",
            "PlainCache, open + read",
            None,
        ),
    ):
        value = hit[name]["median"] / ours
        value_same = same[same_name]["median"] / ours_same
        rows.append(
            [
                label,
                f"{ratio(value)} ({human(hit[name]['median'])} / {human(ours)})",
                f"{ratio(value_same)}",
                "" if target is None else status(min(value, value_same) >= target),
            ]
        )
    graph = results.pytest("hit: by call-graph size")
    one = graph["test_hit_by_call_graph_size[1]"]["median"]
    fifty = graph["test_hit_by_call_graph_size[50]"]["median"]
    g = results.results("hit_breakdown")["graph"]
    g_ratio = g["50-function chain"]["median"] / g["1 function"]["median"]
    rows.append(
        [
            "hit, 50-function call graph ≤ 1.5× a single function (issue 3)",
            f"{ratio(fifty / one)} ({human(fifty)} / {human(one)})",
            ratio(g_ratio),
            status(max(fifty / one, g_ratio) <= 1.5),
        ]
    )
    large = results.results("large_results")
    write = large["raw_write"]["median"] / large["store_write"]["median"]
    read = large["numpy_load"]["median"] / large["store_read"]["median"]
    mmap = large["mmap_open"]["median"]
    size = f"{large['bytes'] / 2**30:.0f} GiB"
    rows += [
        [
            f"{size} result written ≥ 0.9× a raw write (issue 5)",
            "",
            f"{ratio(write)} (`large_results.py`)",
            status(write >= 0.9),
        ],
        [
            f"{size} result read ≥ 0.9× `numpy.load` (issue 5)",
            "",
            f"{ratio(read)} (`large_results.py`)",
            status(read >= 0.9),
        ],
        [
            f"`mmap_mode=` hit on a {size} array opens in a few ms (≤ 10 ms)",
            "",
            f"{human(mmap)} (`large_results.py`)",
            status(mmap <= 0.01),
        ],
    ]
    scaling = results.results("store_scaling")
    flat = scaling["hit_large"]["median"] / scaling["hit_small"]["median"]
    clear = scaling["clear_large_seconds"]
    rows += [
        [
            f"hit costs the same with 10 or {scaling['entries_large']:,} entries (≤ 1.1×)",
            "",
            f"{ratio(flat)} (`store_scaling.py`)",
            status(flat <= 1.1),
        ],
        [
            f"clearing {scaling['entries_large']:,} entries takes seconds (≤ 10 s)",
            "",
            f"{human(clear)} (`store_scaling.py`)",
            status(clear <= 10),
        ],
    ]
    targets = results.results("digest_targets")
    for label, group, pattern, case in (
        (
            "numpy 100 MB digest",
            "digest: ndarray float64 100 MB",
            "test_digest_large[ndarray float64 100 MB-{}]",
            "ndarray float64 100 MB",
        ),
        (
            "numpy 1 GB digest",
            "digest: ndarray float64 1 GB",
            "test_digest_gigabyte[{}]",
            "ndarray float64 1 GB",
        ),
    ):
        stats = results.pytest(group)
        mine = stats[pattern.replace("{}", "checkpointing")]["median"]
        for other, target in (("raw_xxh3", 0.8), ("joblib", 20.0)):
            value = stats[pattern.replace("{}", other)]["median"] / mine
            t = targets[case]
            value_same = t[other]["median"] / t["checkpointing"]["median"]
            rows.append(
                [
                    f"{label} ≥ {target}× {'raw xxh3' if other == 'raw_xxh3' else 'joblib.hash'}",
                    ratio(value),
                    f"{ratio(value_same)} (`digest_targets.py`)",
                    status(min(value, value_same) >= target),
                ]
            )
    for label, group, pattern, case in (
        (
            "mixed 100 MB DataFrame, Arrow strings, ≥ 10× joblib.hash",
            "digest: DataFrame mixed 100 MB, str (Arrow) strings",
            "test_digest_large[DataFrame mixed 100 MB, str (Arrow) strings-{}]",
            "DataFrame mixed, str (Arrow) strings",
        ),
        (
            "mixed 100 MB DataFrame, object strings, ≥ 10× joblib.hash",
            "digest: DataFrame mixed 100 MB, object strings",
            "test_digest_large[DataFrame mixed 100 MB, object strings-{}]",
            "DataFrame mixed, object strings",
        ),
    ):
        stats = results.pytest(group)
        value = (
            stats[pattern.replace("{}", "joblib")]["median"]
            / stats[pattern.replace("{}", "checkpointing")]["median"]
        )
        t = targets[case]
        value_same = t["joblib"]["median"] / t["checkpointing"]["median"]
        rows.append(
            [
                label,
                ratio(value),
                f"{ratio(value_same)} (`digest_targets.py`)",
                status(min(value, value_same) >= 10),
            ]
        )
    memory = targets["memory"]
    share = memory["tracemalloc_peak_bytes"] / memory["value_bytes"]
    rows.append(
        [
            "1 GB digest: peak extra memory < 1%",
            "",
            f"{share:.5%} (`digest_targets.py`)",
            status(share < 0.01),
        ]
    )
    args = results.pytest("digest_arguments: f(3), three parameters")[
        "test_digest_arguments_small[checkpointing]"
    ]["median"]
    args_same = targets["small"]["digest_arguments(f, (3,), {}) (3 parameters)"][
        "checkpointing"
    ]["median"]
    rows.append(
        [
            "small arguments add a few µs (`digest_arguments`, < 5 µs)",
            human(args),
            f"{human(args_same)} (`digest_targets.py`)",
            status(max(args, args_same) < 5e-6),
        ]
    )
    cli = results.pytest("cli: python -m checkpointing inspect, new process")
    for layout in ("1x100000", "100x1000"):
        value = cli[f"test_inspect_subprocess[{layout}]"]["median"]
        rows.append(
            [
                f"`python -m checkpointing inspect` on 100,000 entries ({layout}) < 2 s (issue 4)",
                human(value),
                "",
                status(value < 2.0),
            ]
        )
    return "\n".join(
        [
            table(
                [
                    "Target",
                    "pytest-benchmark (medians)",
                    "Same process / script",
                    "Status",
                ],
                rows,
            ),
            "",
            "Speed-up = the other implementation's median / checkpointing's median, both from"
            " the same run; a target is met only if every measurement of it meets it.",
            "",
            source(
                results,
                "pytest",
                "hit_breakdown",
                "large_results",
                "store_scaling",
                "digest_targets",
            ),
        ]
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _size(size: int) -> str:
    if size >= 2**30:
        return f"{size / 2**30:.2f} GiB"
    return f"{size / 2**20:.2f} MiB"


def _rounds(count: int) -> str:
    return f"{count} round" + ("" if count == 1 else "s")


def _per_round(values: list[float]) -> str:
    return ", ".join(ratio(value) for value in values)


def _requests(counts: dict[str, float]) -> str:
    """``1 GET`` or ``1 PUT, 2 GET`` (per call), or ``none``."""
    parts = [f"{count:,g} {method}" for method, count in counts.items() if count]
    return ", ".join(parts) or "none"


def section_remote(results: Results) -> str:
    r = results.results("remote")
    lines = []
    rows = []
    hits = r.get("hits")
    if hits:
        for side, label, goal in (
            ("remote", "remote hit `s3://` vs local hit", None),
            ("tier", "local-tier hit in front of `s3://` vs local hit", 1.2),
        ):
            value = _median(hits["round_ratios"][side])
            rows.append(
                [
                    f"{label}, `{hits['function']}`",
                    human(hits["local"]["median"]),
                    human(hits[side]["median"]),
                    ratio(value),
                    _per_round(hits["round_ratios"][side]),
                    f"≤ {goal:g}×" if goal else "",
                    status(value <= goal) if goal else "",
                ]
            )
        value = _median(hits["round_ratios"]["remote_vs_raw_get"])
        rows.append(
            [
                "remote hit vs a raw s3fs GET of its entry object"
                " (`cat_file(max_concurrency=1)`, one GET)",
                human(hits["raw_get"]["median"]),
                human(hits["remote"]["median"]),
                ratio(value),
                _per_round(hits["round_ratios"]["remote_vs_raw_get"]),
                "",
                "",
            ]
        )
    grid = r.get("grid")
    if grid:
        for side, label in (("local", "local store"), ("s3", "`s3://` store")):
            value = _median(grid["round_ratios"][side])
            rows.append(
                [
                    f"{grid['tasks']:,} hits on {grid['workers']} Dask workers,"
                    f" {label}, vs the undecorated grid",
                    human(grid["plain"]["median"]),
                    human(grid[side]["median"]),
                    ratio(value),
                    _per_round(grid["round_ratios"][side]),
                    "",
                    "",
                ]
            )
    if rows:
        lines += [
            "Time / baseline time (lower is faster); a cell is the median of that"
            " side's samples, the ratio the median of the per-round ratios.",
            "",
            table(
                [
                    "Measurement",
                    "Baseline",
                    "Checkpointing",
                    "Time / baseline",
                    "Per round",
                    "Goal",
                    "Status",
                ],
                rows,
            ),
            "",
        ]
    if hits:
        requests = "; ".join(
            f"{side}: {_requests(counts)}"
            for side, counts in hits["requests_per_hit"].items()
        )
        lines += [
            f"Hits: {_rounds(hits['rounds'])}, one sample per side per round (the mean of"
            f" back-to-back calls). S3 requests per hit: {requests}.",
            "",
        ]
    if grid:
        misses = grid["s3_miss"]
        lines += [
            f"Grid: `client.map` + `gather` of {grid['tasks']:,} calls, one thread per"
            f" worker process, {_rounds(grid['rounds'])} after one run that filled the"
            f" local store ({human(grid['fill']['local'])}, all misses). The bucket was"
            f" filled by copying that store's {grid['s3_copy']['files']:,} entry and"
            f" manifest files ({human(grid['s3_copy']['seconds'])}; then one untimed run"
            f" of hits, {human(grid['s3_first_run'])}, as the workers open their S3"
            " clients), which is quicker than 1,000 misses. An `s3://` miss lists the"
            " function's manifests once and reads the newest 32 to explain itself"
            " (object stores keep no catalog file). One miss in this process with no"
            " entry stored:"
            f" {human(misses['empty']['seconds'])},"
            f" {_requests(misses['empty']['requests'])}; with"
            f" {misses['full']['entries']:,} entries stored:"
            f" {human(misses['full']['seconds'])},"
            f" {_requests(misses['full']['requests'])}.",
            "",
        ]
    large = r.get("large")
    if large:
        gb = large["bytes"] / 1e9
        large_rows = []
        for side, raw, store, label, goal in (
            ("write", "raw_put", "store_write", "write (a miss) vs `pipe_file`", True),
            ("read", "raw_get", "store_read", "read (a hit) vs `cat_file`", True),
            (
                "read_single",
                "raw_get_single",
                "store_read",
                "read (a hit) vs `cat_file(max_concurrency=1)` (one GET, as the store)",
                False,
            ),
        ):
            value = _median(large["round_ratios"][side])
            cpu = large["cpu"]
            large_rows.append(
                [
                    label,
                    f"{human(large[raw]['median'])} ({gb / large[raw]['median']:.2f} GB/s)",
                    f"{human(large[store]['median'])}"
                    f" ({gb / large[store]['median']:.2f} GB/s)",
                    f"{human(cpu[raw]['median'])} / {human(cpu[store]['median'])}",
                    ratio(value),
                    _per_round(large["round_ratios"][side]),
                    "≥ 0.9×" if goal else "",
                    status(value >= 0.9) if goal else "",
                ]
            )
        requests = "; ".join(
            f"{name} {_requests(counts)}" for name, counts in large["requests"].items()
        )
        lines += [
            f"{_size(large['bytes'])} `bytes` result through `@checkpoint` on"
            " `s3://` (default serializer) vs raw s3fs `pipe_file` / `cat_file` of the"
            f" same bytes; {_rounds(large['rounds'])}, sides alternating. Raw time /"
            " checkpointing's time (higher is faster); client CPU is this process's"
            " CPU time in the operation (the server's is not counted).",
            "",
            table(
                [
                    _size(large["bytes"]),
                    "raw s3fs",
                    "checkpointing",
                    "client CPU, raw / checkpointing",
                    "Raw / checkpointing",
                    "Per round",
                    "Goal",
                    "Status",
                ],
                large_rows,
            ),
            "",
            f"Requests of the first round: {requests}.",
            "",
        ]
    lines.append(source(results, "remote"))
    return "\n".join(lines)


SECTIONS: dict[str, Callable[[Results], str]] = {
    "environment": section_environment,
    "targets": section_targets,
    "hit": section_hit,
    "hit-same-process": section_hit_same_process,
    "hit-phases": section_hit_phases,
    "hit-floors": section_hit_floors,
    "hit-profile": section_profile,
    "graph": section_graph,
    "hit-versus": section_hit_versus,
    "versus": section_versus,
    "miss": section_miss,
    "miss-scaling": section_miss_scaling,
    "digest": section_digest,
    "digest-targets": section_digest_targets,
    "fingerprint": section_fingerprint,
    "store": section_store,
    "cli": section_cli,
    "large-results": section_large_results,
    "formats": section_formats,
    "store-scaling": section_store_scaling,
    "import-cost": section_import_cost,
    "remote": section_remote,
}

#: The sections a standalone script prints after its run (from its own JSON).
SCRIPT_SECTIONS = {
    "hit_breakdown": [
        "hit-same-process",
        "hit-phases",
        "hit-floors",
        "miss-scaling",
        "hit-profile",
    ],
    "digest_targets": ["digest-targets"],
    "large_results": ["large-results"],
    "formats": ["formats"],
    "store_scaling": ["store-scaling"],
    "import_cost": ["import-cost"],
    "hit_versus": ["hit-versus"],
    "versus": ["versus"],
    "remote": ["remote"],
}


def render_script(name: str, document: dict[str, Any]) -> str:
    """The Markdown a script prints: its sections, from its own document."""
    results = Results({name: document})
    parts = []
    for section in SCRIPT_SECTIONS[name]:
        try:
            parts.append(f"### {section}\n\n{SECTIONS[section](results)}\n")
        except KeyError:
            continue  # an optional part this run did not measure (--miss-scaling...)
    return "\n".join(parts)


def regenerate(text: str, results: Results) -> str:
    """Return *text* with every marked section rebuilt from *results*."""
    names = [match["name"] for match in MARKER.finditer(text)]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise ReportError(f"README markers without a renderer: {unknown}")
    missing = sorted(set(SECTIONS) - set(names))
    if missing:
        raise ReportError(f"README has no markers for: {missing}")
    if len(names) != len(set(names)):
        raise ReportError("a README marker appears twice")

    def replace(match: re.Match[str]) -> str:
        body = SECTIONS[match["name"]](results).strip() + "\n"
        return f"{match.group(1)}{body}{match.group(4)}"

    return MARKER.sub(replace, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON directory")
    parser.add_argument("--readme", type=Path, default=README)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the README's tables are stale"
    )
    parser.add_argument(
        "--allow-smoke",
        action="store_true",
        help="accept smoke results (to test this script, never for the README)",
    )
    options = parser.parse_args(argv)
    try:
        results = Results.load(options.results, allow_smoke=options.allow_smoke)
        text = options.readme.read_text(encoding="utf-8")
        new = regenerate(text, results)
    except ReportError as err:
        print(f"report.py: {err}", file=sys.stderr)
        return 1
    if options.check:
        if new != text:
            print(
                f"report.py: {options.readme} is stale; run report.py", file=sys.stderr
            )
            return 1
        return 0
    options.readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
