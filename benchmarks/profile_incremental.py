"""Where an incremental linking stage spends its time, statement by statement.

Links a prepared council of `--size` records fully once (kept beside it as
`previous_full.duckdb`, reused after), applies the same 1% delta as
`link_people.py --methods incremental`, then runs the incremental linking stage (link,
entity facts, golden records) with every SQL statement timed (wall and CPU seconds of this
process, all threads). Prints the statements over 0.2 CPU seconds and saves them all.

    .venv/bin/python benchmarks/link_people.py --sizes 1000000 --prepare-only
    .venv/bin/python benchmarks/profile_incremental.py --size 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import Any

import duckdb
import link_people
from common import report_head, save_report

AS_OF = "2026-11-01"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Timed:
    """A connection whose `execute` notes each statement's wall and CPU seconds."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
        self._con, self._rows = con, rows

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, sql: str, *args: Any) -> Any:
        # A script of several statements is timed statement by statement (they end a line
        # with ";"; none of the linking SQL holds one inside a string).
        statements = [s for s in sql.split(";\n") if s.strip()] if not args else [sql]
        for statement in statements:
            wall, cpu = time.perf_counter(), _cpu()
            result = self._con.execute(statement, *args)
            self._rows.append(
                {
                    "step": " ".join(statement.split())[:90],
                    "wall_seconds": round(time.perf_counter() - wall, 3),
                    "cpu_seconds": round(_cpu() - cpu, 3),
                }
            )
        return result


def _previous(path: Path) -> Path:
    from joinedup.config import LinkConfig
    from joinedup.link.entities import build_entity_tables
    from joinedup.link.golden import build_golden_records
    from joinedup.link.people import link_people

    previous = path.parent / "previous_full.duckdb"
    if previous.exists():
        return previous
    building = path.parent / "previous_full.building.duckdb"
    building.unlink(missing_ok=True)
    from joinedup.engine.analytical import connect

    con = connect(building)  # as the hub and link_people.py open a run's store
    con.execute(f"ATTACH '{path}' AS inp (READ_ONLY)")
    for table in ("records", "address_matches"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM inp.{table}")
    con.execute("DETACH inp")
    link_people(con, LinkConfig(), run_id="r1")
    build_entity_tables(con, AS_OF)
    build_golden_records(con)
    con.execute("CHECKPOINT")
    con.close()
    building.rename(previous)
    return previous


def main() -> None:
    from joinedup.config import LinkConfig
    from joinedup.link.entities import build_entity_tables
    from joinedup.link.golden import build_golden_records
    from joinedup.link.incremental import link_people_incremental

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100000)
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work" / "link")
    args = parser.parse_args()
    path = args.work / f"records_{args.size}" / "input.duckdb"
    if not path.exists():
        raise SystemExit(f"prepare it first: link_people.py --sizes {args.size} --prepare-only")
    from joinedup.engine.analytical import connect
    from joinedup.link import carry

    previous = _previous(path)
    build = path.parent / "profile_incremental.duckdb"
    build.unlink(missing_ok=True)
    rows: list[dict] = []
    os.sync()  # as link_people.py: nothing left to write out from before
    wall, cpu = time.perf_counter(), _cpu()
    store = carry.start_from(previous, build, connect)
    rows.append(
        {
            "step": "carry the last store's linking tables (file copy)",
            "wall_seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(_cpu() - cpu, 3),
        }
    )
    raw = link_people._load(path, store)  # the run's ingest: not timed
    link_people._mutate(raw)
    raw.execute("CHECKPOINT")
    os.sync()
    con = _Timed(raw, rows)
    wall, cpu = time.perf_counter() - rows[0]["wall_seconds"], _cpu() - rows[0]["cpu_seconds"]

    def stage(name: str) -> None:
        rows.append(
            {
                "step": f"== {name} (so far)",
                "wall_seconds": round(time.perf_counter() - wall, 3),
                "cpu_seconds": round(_cpu() - cpu, 3),
            }
        )

    link_people_incremental(con, LinkConfig(), stage, previous_store=previous, run_id="r2")  # type: ignore[arg-type]
    stage("linked")
    build_entity_tables(con, AS_OF, previous_store=previous)  # type: ignore[arg-type]
    stage("entity facts")
    build_golden_records(con, previous_store=previous)  # type: ignore[arg-type]
    stage("golden records")
    con.execute("CHECKPOINT")  # the store on disk, as a run leaves it
    stage("checkpoint")
    counts = {
        table: int(raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
        for table in ("_delta", "_score_pairs", "_score_nodes", "_new_links", "_affected")
    }
    raw.close()
    counts["store_mib_previous"] = round(previous.stat().st_size / 2**20)
    counts["store_mib_after"] = round(build.stat().st_size / 2**20)
    print(counts)
    build.unlink(missing_ok=True)
    for row in rows:
        if row["wall_seconds"] > 0.05 or row["step"].startswith("=="):
            print(
                f"{row['step'][:80]:80} {row['wall_seconds']:7.2f} s {row['cpu_seconds']:7.2f} cpu"
            )
    save_report(
        {**report_head("profile_incremental"), "size": args.size, "counts": counts, "steps": rows},
        f"profile_incremental_{args.size}",
    )


if __name__ == "__main__":
    main()
