"""Carrying the last run's linking tables into a new run, to edit them rather than rebuild.

An incremental run changes a few people out of a county's worth, but copying the last
run's links, clusters and golden records into the new run's store row by row costs as much
as the county. Instead the new store starts as a copy of the last one's file (one
sequential copy, a fraction of a second at a million records) that keeps only the tables
linking edits, renamed `carried_<name>`, and nothing else: every other stage writes its
tables afresh as in any run. The linking stage deletes from a carried table the rows of
what changed, inserts what it rebuilt and then takes the table under its own name
(`adopt`); a carried table nobody adopts is dropped (`drop`), so a published store never
holds one. A caller that did not start from the file gets the same tables by copying them
(`copy_from`), which costs what it always did.

Editing in place leaves holes: DuckDB keeps a deleted row where it was until a
checkpoint folds a table's row groups into fewer ("vacuum"), and folding rewrites most
of a carried table for a few thousand rows changed (golden records: 1.1 s of a
checkpoint with a twentieth of its rows replaced, against 0.04 s without, measured at a
million records). A store that edits carried tables therefore defers it
(`defer_compaction`); the holes (`holes`) go when a run links afresh, which an
incremental link does once they are a fifth of what the carried tables store
(incremental.py). Rewriting a table in place once it had holes made the store half as
big again and the runs after it no faster (a one-off experiment, in docs/linking.md).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb

from joinedup.engine.analytical import sql_path

# The per-record and per-person tables an incremental link edits in place.
CARRIED = (
    "link_input",
    "link_shared_contacts",
    "person_links",
    "person_clusters",
    "person_cluster_conflicts",
    "person_cluster_quality",
    "record_entities",
    "entity_facts",
    "golden_records",
    "entity_id_history",
)
PREFIX = "carried_"


def start_from(
    previous: Path, build: Path, connect: Callable[[Path], duckdb.DuckDBPyConnection]
) -> duckdb.DuckDBPyConnection:
    """Make `build` a copy of the `previous` store holding only its carried tables, and
    return it open (`connect`). Checkpointed at once, so that the run reuses the dropped
    tables' space: without it each store was nearly twice the size of a fresh one (17 MB
    against 30 MB after five incremental runs of a 3,000-person council, measured)."""
    shutil.copyfile(previous, build)
    con = connect(build)
    defer_compaction(con)
    try:
        for (view,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND database_name = "
            "current_database() AND schema_name = 'main'"
        ).fetchall():
            con.execute(f'DROP VIEW "{view}"')
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'"
        ).fetchall():
            if table in CARRIED:
                con.execute(f'ALTER TABLE "{table}" RENAME TO {PREFIX}{table}')
            else:
                con.execute(f'DROP TABLE "{table}"')
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        build.unlink(missing_ok=True)
        raise
    return con


def copy_from(con: duckdb.DuckDBPyConnection, previous: Path) -> list[str]:
    """Carry the tables by copying them from the `previous` store (attached briefly)."""
    path = sql_path(previous)
    defer_compaction(con)
    con.execute(f"ATTACH '{path}' AS _carry_from (READ_ONLY)")
    try:
        present = tables_in(con, "_carry_from")
        carried = [t for t in CARRIED if t in present]
        for table in carried:
            con.execute(
                f"CREATE OR REPLACE TABLE {PREFIX}{table} AS SELECT * FROM _carry_from.{table}"
            )
    finally:
        con.execute("DETACH _carry_from")
    return carried


def tables_in(con: duckdb.DuckDBPyConnection, database: str) -> set[str]:
    """The tables of an attached database (a previous store)."""
    return {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [database]
        ).fetchall()
    }


def carried(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The carried tables present, by their own names."""
    return {
        r[0][len(PREFIX) :]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            f"AND table_name LIKE '{PREFIX}%'"
        ).fetchall()
    }


def has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return table in carried(con)


def adopt(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The carried `table`, edited, becomes this run's `table`."""
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(f"ALTER TABLE {PREFIX}{table} RENAME TO {table}")


def drop(con: duckdb.DuckDBPyConnection, *tables: str) -> list[str]:
    """Drop the given carried tables (all of them when none are named); returns those that
    were there."""
    present = carried(con)
    dropped = [t for t in (tables or tuple(present)) if t in present]
    for table in dropped:
        con.execute(f"DROP TABLE {PREFIX}{table}")
    return dropped


def defer_compaction(con: duckdb.DuckDBPyConnection) -> None:
    """Checkpoints leave deleted rows where they are (see the module's note)."""
    con.execute("SET max_vacuum_tasks = 0")


def holes(con: duckdb.DuckDBPyConnection) -> float:
    """The share of the rows the carried tables store that are deleted ones (weighed by
    rows: a scan pays for them in proportion, and a small table's share says little)."""
    stored = deleted = 0
    for table, rows in con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'main' "
        "AND NOT temporary AND starts_with(table_name, ?)",
        [PREFIX],
    ).fetchall():
        live = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
        stored, deleted = stored + rows, deleted + rows - live
    return deleted / stored if stored else 0.0
