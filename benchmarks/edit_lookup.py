"""Can an edit of a county-sized table read only the rows it edits? (incremental linking)

An incremental run edits a few thousand rows of tables a million records long, and most
of its statements cost a scan of the whole table (`profile_incremental.py`). Storage that
let such an edit read only its rows (an index on the record id) would make those
statements proportional to the change. This measures, on a table shaped like the
prepared records (1.2 million rows, string record ids, twenty columns), reading the rows
of `k` record ids three ways:

- `scan`: `WHERE id IN (SELECT ...)`, a scan with a hash join, as the linking SQL does;
- `list, no index`: the ids written into the statement as a list;
- `list, indexed`: the same with an ART index on the id, the index scan allowed for up to
  `k` ids (DuckDB's `index_scan_max_count`, `index_scan_percentage`).

Medians of `--runs` runs each, in one process.

    .venv/bin/python benchmarks/edit_lookup.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import duckdb
from common import report_head, save_report


def _time(con: duckdb.DuckDBPyConnection, sql: str, runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(sql).fetchall()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_200_000)
    parser.add_argument("--keys", type=int, nargs="+", default=[500, 2_000, 11_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect()  # in memory: storage reads do not enter into it
    columns = ", ".join(f"md5((i * {n})::VARCHAR)[:12] AS c{n}" for n in range(18))
    for table in ("plain", "indexed"):
        con.execute(
            f"CREATE TABLE {table} AS SELECT 'council_tax:' || (60000000 + i)::VARCHAR AS id, "
            f"i AS n, {columns} FROM range({args.rows}) t(i)"
        )
    started = time.perf_counter()
    con.execute("CREATE INDEX indexed_id ON indexed (id)")
    index_seconds = time.perf_counter() - started
    results: list[dict[str, Any]] = []
    for k in args.keys:
        con.execute(f"CREATE OR REPLACE TABLE wanted AS SELECT id FROM plain USING SAMPLE {k} ROWS")
        ids = [r[0] for r in con.execute("SELECT id FROM wanted").fetchall()]
        listed = ", ".join(f"'{i}'" for i in ids)
        con.execute(f"SET index_scan_max_count = {max(k, 2048)}")
        con.execute("SET index_scan_percentage = 1.0")
        row = {
            "keys": k,
            "scan_seconds": _time(
                con, "SELECT sum(n) FROM plain WHERE id IN (SELECT id FROM wanted)", args.runs
            ),
            "list_no_index_seconds": _time(
                con, f"SELECT sum(n) FROM plain WHERE id IN ({listed})", args.runs
            ),
            "list_indexed_seconds": _time(
                con, f"SELECT sum(n) FROM indexed WHERE id IN ({listed})", args.runs
            ),
        }
        results.append(row)
        scan, listed_plain = row["scan_seconds"], row["list_no_index_seconds"]
        print(
            f"{k:>7,} ids: scan {scan:.3f} s, list {listed_plain:.3f} s, "
            f"list with index {row['list_indexed_seconds']:.3f} s"
        )
    save_report(
        {
            **report_head("edit_lookup", duckdb=duckdb.__version__),
            "rows": args.rows,
            "runs": args.runs,
            "index_build_seconds": round(index_seconds, 3),
            "results": results,
        }
    )


if __name__ == "__main__":
    main()
