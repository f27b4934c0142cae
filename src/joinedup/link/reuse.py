"""Per-person tables an incremental run keeps from the previous run for people it did not
touch, instead of rebuilding them for everyone.

An incremental link (incremental.py) leaves `_redo_entities`: the entities (old ids and
new) whose records, links or cluster are not exactly as in the previous run. A table built
per entity from its records (record entities, entity facts, golden records) is the same for
every other entity as last time, provided it was built with the same settings; so the
previous run's table, carried into this store (carry.py), loses the rows of the entities to
redo, gains them rebuilt, and is adopted: the work follows the change, not the county.
Each such table records the settings it was built with in `person_table_settings`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from joinedup.engine.analytical import sql_path
from joinedup.link import carry

REDO = "_redo_entities"


def record_settings(con: duckdb.DuckDBPyConnection, table: str, settings: str) -> None:
    """Note the settings `table` was built with, for the next run to compare."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS person_table_settings (table_name VARCHAR, settings VARCHAR)"
    )
    con.execute("DELETE FROM person_table_settings WHERE table_name = ?", [table])
    con.execute("INSERT INTO person_table_settings VALUES (?, ?)", [table, settings])


def reusable(
    con: duckdb.DuckDBPyConnection, previous_store: Path | None, table: str, settings: str | None
) -> bool:
    """Whether the carried `table` can be kept for the entities not redone: this run
    linked incrementally (`_redo_entities` exists), the table was carried, and (unless `settings`
    is None) the previous run built it with the same settings. A carried table that cannot
    be kept is dropped."""
    same = (
        previous_store is not None
        and Path(previous_store).exists()
        and _exists(con, f"SELECT 1 FROM duckdb_tables() WHERE table_name = '{REDO}'")
        and carry.has(con, table)
    )
    if same and settings is not None:
        path = sql_path(previous_store)
        con.execute(f"ATTACH '{path}' AS _settings_from (READ_ONLY)")
        try:
            same = _exists(
                con,
                "SELECT 1 FROM duckdb_tables() WHERE database_name = '_settings_from' "
                "AND table_name = 'person_table_settings'",
            ) and _exists(
                con,
                "SELECT 1 FROM _settings_from.person_table_settings "
                "WHERE table_name = ? AND settings = ?",
                [table, settings],
            )
        finally:
            con.execute("DETACH _settings_from")
    if not same:
        carry.drop(con, table)
    return bool(same)


def rebuild_for_others(
    con: duckdb.DuckDBPyConnection, table: str, redo: str, select_redone: str
) -> None:
    """Make `table` the carried one with the rows of the entities in `redo` (a table of
    entity_id) replaced by `select_redone`, which selects those entities' rows."""
    carried = f"{carry.PREFIX}{table}"
    con.execute(f"DELETE FROM {carried} WHERE entity_id IN (SELECT entity_id FROM {redo})")
    con.execute(f"INSERT INTO {carried} BY NAME {select_redone}")
    carry.adopt(con, table)


def _exists(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> bool:
    return con.execute(sql, params or []).fetchone() is not None
