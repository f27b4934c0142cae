"""How fast the synthetic council is written, in records per second.

The issue's target: 1M records in under 2 minutes. Runs each size several times and
reports medians. On a shared machine the wall time depends on the other jobs, so the CPU
time of the process is recorded too (numpy here is single-threaded, so CPU time is close to
the wall time the same run would take on an idle core).

    .venv/bin/python benchmarks/demo_data.py --people 20000 550000 --runs 3
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
from datetime import datetime
from pathlib import Path

from joinedup.demo import generate

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[20000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = []
    for people in args.people:
        timings, cpu, records = [], [], 0
        for _ in range(args.runs):
            folder = Path(tempfile.mkdtemp(prefix="joinedup-demo-bench-"))
            try:
                started, cpu_started = time.perf_counter(), time.process_time()
                summary = generate(folder, people=people, seed=1)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                records = summary.total_records
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        median = statistics.median(timings)
        sizes.append(
            {
                "people": people,
                "records": records,
                "seconds_median": round(median, 2),
                "seconds_all": [round(t, 2) for t in timings],
                "cpu_seconds_median": round(statistics.median(cpu), 2),
                "cpu_seconds_all": [round(t, 2) for t in cpu],
                "records_per_second": round(records / median),
                "seconds_per_million_records": round(median * 1e6 / records, 1),
            }
        )
        print(json.dumps(sizes[-1]), flush=True)
    report = {
        "benchmark": "demo_data",
        "command": " ".join([os.path.relpath(sys.executable), *sys.argv]),
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
        "sizes": sizes,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "demo_data.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"saved {out}")


if __name__ == "__main__":
    main()
