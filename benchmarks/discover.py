"""How fast `joinedup discover` profiles a council's extracts, in rows per second.

Writes the synthetic council at each size, then runs discovery on its folder several
times and reports medians. The first size is the reference: each size's time per row is
given as a ratio to it, so growth that is worse than linear shows up as a ratio above 1.

    .venv/bin/python benchmarks/discover.py --people 2000 20000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date

from common import report_head, save_report, scratch_folder

from joinedup.demo import generate
from joinedup.reports.discovery import discover


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = []
    reference: float | None = None
    for people in args.people:
        with scratch_folder("joinedup-discover-bench-") as folder:
            generate(folder, people=people, seed=1)
            timings, rows, tables = [], 0, 0
            for _ in range(args.runs):
                started = time.perf_counter()
                found = discover([folder], as_of=date(2026, 11, 1))
                timings.append(time.perf_counter() - started)
                rows, tables = sum(t.rows for t in found.tables), len(found.tables)
        median = statistics.median(timings)
        per_row = median / rows
        reference = reference or per_row
        sizes.append(
            {
                "people": people,
                "tables": tables,
                "rows": rows,
                "seconds_median": round(median, 2),
                "seconds_all": [round(t, 2) for t in timings],
                "rows_per_second": round(rows / median),
                "time_per_row_vs_reference": round(per_row / reference, 2),
            }
        )
        print(json.dumps(sizes[-1]), flush=True)
    reference_size = f"{args.people[0]} people"
    save_report({**report_head("discover"), "reference": reference_size, "sizes": sizes})


if __name__ == "__main__":
    main()
