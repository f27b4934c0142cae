"""Stores for linking tests: a fresh database holding a demo run's records, and the
partition a store's clusters make."""

from __future__ import annotations

from pathlib import Path

import duckdb

from joinedup.hub import Hub


def inputs(hub: Hub, path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh database holding the demo run's records and resolved addresses."""
    served = hub.connect()
    con = duckdb.connect(str(path))
    for table in ("records", "address_matches"):
        con.register("_copy", served.execute(f"SELECT * FROM {table}").to_arrow_table())
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM _copy")
        con.unregister("_copy")
    served.close()
    return con


def partition(con: duckdb.DuckDBPyConnection) -> set[tuple[str, ...]]:
    """The records of each person, as sorted tuples."""
    rows = con.execute(
        "SELECT list(record_id ORDER BY record_id) FROM person_clusters GROUP BY entity_id"
    ).fetchall()
    return {tuple(r[0]) for r in rows}
