"""
Print median / P90 / P99 per benchmark from a pytest-benchmark JSON file.

pytest-benchmark reports min, median, mean and IQR but no high percentiles.
``--benchmark-json`` stores every round's time, so this script computes them::

    python -m pytest benchmarks --benchmark-only -p no:cacheprovider \\
        --benchmark-json=/tmp/bench.json
    python benchmarks/percentiles.py /tmp/bench.json

Each round of a fast benchmark is the mean of ``iterations`` calls (as in
pytest-benchmark's own table), so P90/P99 describe round-to-round jitter.
Output is one Markdown table per group; ``MB/s`` comes from ``extra_info``.
A quick look at any JSON file; the tables of ``benchmarks/README.md`` come from
``report.py``, with the same percentile definition (``benchlib.percentile``).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from benchlib import human, percentile


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json_file", type=Path)
    options = parser.parse_args(argv)
    report = json.loads(options.json_file.read_text(encoding="utf-8"))
    groups = defaultdict(list)
    for bench in report["benchmarks"]:
        groups[bench["group"] or "(no group)"].append(bench)
    for group, benches in sorted(groups.items()):
        print(f"#### {group}\n")
        has_rate = any("MB/s (median)" in b["extra_info"] for b in benches)
        header = ["benchmark", "rounds", "median", "P90", "P99"] + (
            ["MB/s"] if has_rate else []
        )
        print("| " + " | ".join(header) + " |")
        print("|---|" + "---:|" * (len(header) - 1))
        rows = []
        for bench in benches:
            data = sorted(bench["stats"]["data"])
            row = [bench["name"], str(len(data)), human(bench["stats"]["median"]),
                   human(percentile(data, 0.90)), human(percentile(data, 0.99))]  # fmt: skip
            if has_rate:
                rate = bench["extra_info"].get("MB/s (median)")
                row.append(f"{rate:,.0f}" if rate is not None else "")
            rows.append((bench["stats"]["median"], row))
        for _, row in sorted(rows, key=lambda item: item[0]):
            print("| " + " | ".join(row) + " |")
        print()


if __name__ == "__main__":
    main()
