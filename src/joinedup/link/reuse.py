"""Per-person tables an incremental run copies from the previous run for people it did not
touch, instead of rebuilding them for everyone.

An incremental link (incremental.py) leaves `_kept_entities`: the entities whose records,
links and cluster are exactly as in the previous run. A table built per entity from those
records (golden records, entity facts) is the same for them as last time, provided it was
built with the same settings; so it is rebuilt only for the other entities and the rest is
copied. Each such table records the settings it was built with in `person_table_settings`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

KEPT = "_kept_entities"


def record_settings(con: duckdb.DuckDBPyConnection, table: str, settings: str) -> None:
    """Note the settings `table` was built with, for the next run to compare."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS person_table_settings (table_name VARCHAR, settings VARCHAR)"
    )
    con.execute("DELETE FROM person_table_settings WHERE table_name = ?", [table])
    con.execute("INSERT INTO person_table_settings VALUES (?, ?)", [table, settings])


def attach_reusable(
    con: duckdb.DuckDBPyConnection, previous_store: Path | None, table: str, settings: str
) -> bool:
    """Attach the previous store as `_prev` when its `table` can be copied for kept
    entities: this run linked incrementally (`_kept_entities` exists) and the previous
    table was built with the same settings. The caller detaches."""
    if previous_store is None or not Path(previous_store).exists():
        return False
    if not _exists(con, f"SELECT 1 FROM duckdb_tables() WHERE table_name = '{KEPT}'"):
        return False
    path = str(previous_store).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS _prev (READ_ONLY)")
    same = _exists(
        con,
        "SELECT 1 FROM duckdb_tables() WHERE database_name = '_prev' "
        "AND table_name = 'person_table_settings'",
    ) and _exists(
        con,
        "SELECT 1 FROM _prev.person_table_settings WHERE table_name = ? AND settings = ?",
        [table, settings],
    )
    if not same:
        con.execute("DETACH _prev")
    return same


def _exists(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> bool:
    return con.execute(sql, params or []).fetchone() is not None
