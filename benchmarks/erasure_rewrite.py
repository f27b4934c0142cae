"""What writing a run's store afresh costs, as a run does once it has erased anyone, and
what taking an erased person out of the runs kept from before costs (governance/purge.py).

A run that deletes an erased person's rows then copies its store into a fresh file
(engine/analytical.py `write_afresh`), so that no deleted row or free block keeps their
data. Runs the demo council of `--people` once, then times `write_afresh` on a copy of its
store `--runs` times. Then it keeps three copies of the store as the hub's kept runs,
records the erasure of one person, and times `purge_kept_runs` rewriting all three, and
again once they hold nobody (what each later run pays: a read of each kept run), `--runs`
times each. The reference, in the same process, is the run's own time.

    .venv/bin/python benchmarks/erasure_rewrite.py --people 20000 --runs 3
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

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
        purge, check = _purge_times(hub, store, args.runs)
        report = {
            **report_head("erasure_rewrite"),
            "people": args.people,
            "store_mib": round(store.stat().st_size / 2**20, 1),
            "store_afresh_mib": round(copy.stat().st_size / 2**20, 1),
            "run_seconds": round(run_seconds, 2),
            "write_afresh_seconds": [round(t, 2) for t in times],
            "write_afresh_median_seconds": round(rewrite, 2),
            "write_afresh_to_run": round(rewrite / run_seconds, 3),
            "purge_three_kept_runs_seconds": [round(t, 2) for t in purge],
            "purge_per_kept_run_median_seconds": round(statistics.median(purge) / 3, 2),
            "purge_per_kept_run_to_run": round(statistics.median(purge) / 3 / run_seconds, 3),
            "purge_nothing_left_seconds": [round(t, 3) for t in check],
            "purge_nothing_left_median_seconds": round(statistics.median(check), 3),
        }
    print(
        f"{args.people:,} people: store {report['store_mib']} MiB, run {run_seconds:.1f} s, "
        f"written afresh in {rewrite:.2f} s (median of {args.runs}), "
        f"{report['write_afresh_to_run']:.1%} of the run; purging one kept run "
        f"{report['purge_per_kept_run_median_seconds']:.2f} s "
        f"({report['purge_per_kept_run_to_run']:.1%} of the run), finding nothing left in "
        f"three {report['purge_nothing_left_median_seconds']:.3f} s"
    )
    save_report(report)


def _purge_times(hub, store: Path, runs: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Seconds to purge one person from three kept runs holding them, and to find that
    three kept runs hold nobody any more; `runs` times each."""
    import os

    from joinedup.engine import analytical
    from joinedup.governance.corrections import request_erasure
    from joinedup.governance.purge import purge_kept_runs

    con = analytical.connect(store, read_only=True)
    person = con.execute(
        "SELECT entity_id FROM record_entities GROUP BY 1 HAVING count(*) > 2 ORDER BY 1 LIMIT 1"
    ).fetchone()[0]  # type: ignore[index]
    con.close()
    with hub.store.session() as session, session.begin():
        request_erasure(session, _Steward(), person, "benchmark")
    original = store.with_name("original.keep")
    shutil.copyfile(store, original)
    purge, check = [], []
    for _ in range(runs):
        kept = [store.with_name(f"kept{i}.duckdb") for i in range(2)] + [store]
        for age, path in enumerate(kept):
            shutil.copyfile(original, path)
            os.utime(path, (time.time() - 100 + age, time.time() - 100 + age))
        os.sync()
        started = time.perf_counter()
        done = purge_kept_runs(hub.data_dir, {person})
        purge.append(time.perf_counter() - started)
        assert len(done) == 3
        started = time.perf_counter()
        assert purge_kept_runs(hub.data_dir, {person}) == []
        check.append(time.perf_counter() - started)
    return purge, check


class _Steward:
    username, role, organisation = "benchmark", "dpo", None


if __name__ == "__main__":
    main()
