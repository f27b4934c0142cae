"""What writing a run's store afresh costs, as a run does once it has erased anyone.

A run that deletes an erased person's rows then copies its store into a fresh file
(engine/analytical.py `write_afresh`), so that no deleted row or free block keeps their
data. Runs the demo council of `--people` once, then times `write_afresh` on a copy of its
store `--runs` times; the reference, in the same process, is that run's own time.

    .venv/bin/python benchmarks/erasure_rewrite.py --people 20000 --runs 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time

from common import fresh_council, report_head, save_report, scratch_folder


def main() -> None:
    from joinedup.engine import analytical
    from joinedup.hub import Hub

    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with scratch_folder("erasure_rewrite_") as folder:
        council = folder / "council"
        fresh_council(council, args.people, args.seed)
        hub = Hub.open(council / "joinedup.yaml")
        started = time.perf_counter()
        hub.run()
        run_seconds = time.perf_counter() - started
        store = analytical.current_path(hub.data_dir)
        assert store is not None
        copy = folder / "store.duckdb"
        times = []
        for _ in range(args.runs):
            shutil.copyfile(store, copy)
            started = time.perf_counter()
            analytical.write_afresh(copy)
            times.append(time.perf_counter() - started)
        rewrite = statistics.median(times)
        report = {
            **report_head("erasure_rewrite"),
            "people": args.people,
            "store_mib": round(store.stat().st_size / 2**20, 1),
            "store_afresh_mib": round(copy.stat().st_size / 2**20, 1),
            "run_seconds": round(run_seconds, 2),
            "write_afresh_seconds": [round(t, 2) for t in times],
            "write_afresh_median_seconds": round(rewrite, 2),
            "write_afresh_to_run": round(rewrite / run_seconds, 3),
        }
    print(
        f"{args.people:,} people: store {report['store_mib']} MiB, run {run_seconds:.1f} s, "
        f"written afresh in {rewrite:.2f} s (median of {args.runs}), "
        f"{report['write_afresh_to_run']:.1%} of the run"
    )
    save_report(report)


if __name__ == "__main__":
    main()
