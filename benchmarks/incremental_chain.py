"""Incremental runs one after another: does each stay cheap as edited tables gather holes?

`link_people.py --methods incremental` times one incremental run after a full link. A hub
runs them day after day, each starting from the store the last one left: edited tables
keep deleted rows as holes until a run links afresh (link/carry.py). This starts from a
full link of a prepared council (`profile_incremental.py`'s `previous_full.duckdb`) and
links `--runs` deltas in a row, each 1% as in `link_people.py` (0.5% of records changed,
0.5% new) but a different 1% each time, on top of the ones before. For each run it
reports the time of its linking stage (as `link_people.py` times it: carrying the last
store, linking, entity facts, golden records, writing the store out), whether it linked
incrementally, the share of each edited table that is holes, and the store's size; then
the median over the runs. `--fold-at-checkpoint` lets DuckDB fold edited tables' row
groups at every write-out instead, as the hub did before, for comparison.

    .venv/bin/python benchmarks/link_people.py --sizes 1000000 --prepare-only
    .venv/bin/python benchmarks/incremental_chain.py --size 1000000 --runs 12
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import link_people
import profile_incremental
from common import report_head, save_report

AS_OF = profile_incremental.AS_OF


def main() -> None:
    from joinedup.config import LinkConfig
    from joinedup.engine.analytical import connect
    from joinedup.link import carry
    from joinedup.link.entities import build_entity_tables
    from joinedup.link.golden import build_golden_records
    from joinedup.link.incremental import link_people_incremental

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work" / "link")
    parser.add_argument(
        "--fold-at-checkpoint",
        action="store_true",
        help="for comparison: let DuckDB fold edited tables' row groups at every checkpoint",
    )
    args = parser.parse_args()
    if args.fold_at_checkpoint:
        carry.defer_compaction = lambda _con: None  # type: ignore[assignment]
    path = args.work / f"records_{args.size}" / "input.duckdb"
    if not path.exists():
        raise SystemExit(f"prepare it first: link_people.py --sizes {args.size} --prepare-only")
    previous = profile_incremental._previous(path)
    stores = path.parent / "chain"
    stores.mkdir(exist_ok=True)
    for old in stores.glob("*.duckdb*"):
        old.unlink()
    runs: list[dict] = []
    for step in range(args.runs):
        build = stores / f"run_{step}.duckdb"
        os.sync()  # nothing of the last run left to write out
        started = time.perf_counter()
        con = carry.start_from(previous, build, connect)
        carrying = time.perf_counter() - started
        link_people._load(path, con)  # the run's ingest, not timed: every delta so far
        for earlier in range(step + 1):
            link_people._mutate(con, earlier)
        con.execute("CHECKPOINT")
        os.sync()
        started = time.perf_counter()
        summary = link_people_incremental(
            con, LinkConfig(), previous_store=previous, run_id=f"c{step}"
        )
        build_entity_tables(con, AS_OF, previous_store=previous)
        build_golden_records(con, previous_store=previous)
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started + carrying
        counts = [  # each edited table: rows stored, rows live
            (t, stored, con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
            for t, stored in con.execute(
                "SELECT table_name, estimated_size FROM duckdb_tables() "
                "WHERE list_contains(?, table_name) AND estimated_size > 0",
                [list(carry.CARRIED)],
            ).fetchall()
        ]
        holes = {t: round(1 - live / stored, 3) for t, stored, live in counts}
        # As carry.holes weighs them: the next run links afresh once this is a fifth.
        all_holes = 1 - sum(c[2] for c in counts) / sum(c[1] for c in counts)
        # An incremental link says how many records it scored afresh; a full one does not.
        delta = summary.id_events.get("records_rescored")
        pairs = (  # the candidate pairs the delta made (an incremental link leaves them)
            con.execute("SELECT count(*) FROM _score_pairs").fetchone()[0]  # type: ignore[index]
            if delta
            else None
        )
        con.close()
        run = {
            "run": step + 1,
            "seconds": round(seconds, 2),
            "delta_records": delta,
            "candidate_pairs": pairs,
            "linked": "afresh" if delta is None else "incrementally",
            "deleted_share": holes,
            "deleted_share_of_all": round(all_holes, 4),
            "store_mib": round(build.stat().st_size / 2**20),
        }
        print(run, flush=True)
        runs.append(run)
        if previous.parent == stores:
            previous.unlink()
        previous = build
    seconds = [r["seconds"] for r in runs]
    save_report(
        {
            **report_head("incremental_chain"),
            "size": args.size,
            "folding_at_checkpoint": args.fold_at_checkpoint,
            "runs": runs,
            "median_seconds": round(statistics.median(seconds), 2),
            "mean_seconds": round(statistics.mean(seconds), 2),
            "runs_linked_afresh": sum(r["linked"] == "afresh" for r in runs),
        },
        f"incremental_chain_{args.size}" + ("_folding" if args.fold_at_checkpoint else ""),
    )
    for old in stores.glob("*.duckdb*"):
        old.unlink()


if __name__ == "__main__":
    main()
