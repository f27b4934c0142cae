"""How fast `joinedup discover` profiles a council's extracts, in rows per second.

Writes the synthetic council at each size, then runs discovery on its folder several
times and reports medians. The first size is the reference: each size's time per row is
given as a ratio to it, so growth that is worse than linear shows up as a ratio above 1.

    .venv/bin/python benchmarks/discover.py --people 2000 20000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from joinedup.demo import generate
from joinedup.reports.discovery import discover

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = []
    reference: float | None = None
    for people in args.people:
        folder = Path(tempfile.mkdtemp(prefix="joinedup-discover-bench-"))
        try:
            generate(folder, people=people, seed=1)
            timings, rows, tables = [], 0, 0
            for _ in range(args.runs):
                started = time.perf_counter()
                found = discover([folder], as_of=date(2026, 11, 1))
                timings.append(time.perf_counter() - started)
                rows, tables = sum(t.rows for t in found.tables), len(found.tables)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
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
    report = {
        "benchmark": "discover",
        "command": " ".join([os.path.relpath(sys.executable), *sys.argv]),
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
        "reference": f"{args.people[0]} people",
        "sizes": sizes,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "discover.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
