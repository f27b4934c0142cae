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
import statistics
import time

from common import report_head, save_report, scratch_folder

from joinedup.demo import generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[20000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = []
    for people in args.people:
        timings, cpu, records = [], [], 0
        for _ in range(args.runs):
            with scratch_folder("joinedup-demo-bench-") as folder:
                started, cpu_started = time.perf_counter(), time.process_time()
                summary = generate(folder, people=people, seed=1)
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                records = summary.total_records
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
    save_report({**report_head("demo_data"), "sizes": sizes})


if __name__ == "__main__":
    main()
