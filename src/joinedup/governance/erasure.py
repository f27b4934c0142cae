"""Erasure on the read side: the served run as if erased people had never been there.

A recorded erasure (a suppression, store/corrections.py) must take effect at once, not
only from the next run. The served run's file is read-only and shared by every reader,
so it is not rewritten; instead every reader of it gets a connection on which each table
is a view that leaves out the rows of erased people (`served_connection`). The hub's
`connect()` and the web's cursors both open the run through here, so the match list,
match and person pages, the API, the people search and every export see the same thing.

`erased_rows` says which rows of a table belong to an erased person, from the tables
`write_erased` makes. Later runs delete exactly those rows
(corrections.apply_suppressions), so a run after an erasure and the served run before it
show the same hub.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb

from joinedup.engine import analytical
from joinedup.governance import person_rows
from joinedup.ingest.pipeline import table_name

SERVED_CATALOG = "served_run"
# Columns holding a record's id: its own, as prepared for linking, and either end of a
# pair (links, reviewers' answers, conflicts).
RECORD_ID_COLUMNS = ("record_id", "unique_id", "record_id_l", "record_id_r")


# A source's rows as read from its file (ingest's `raw_<source>`), keyed by row number.
RAW_PREFIX = table_name("raw", "")


def write_erased(
    con: duckdb.DuckDBPyConnection,
    entity_ids: list[str],
    catalog: str | None = None,
    *,
    temporary: bool,
) -> int:
    """The tables `erased_rows` reads, for the people `entity_ids` in the run `con` holds
    (or has attached as `catalog`): `_erased` (entity_id), `_erased_records` (record_id,
    source, row_number, record_key) and `_erased_rows` (source, row_number: their rows as
    read, set-aside ones too, person_rows.py). Returns how many records they have."""
    run = f"{catalog}.main." if catalog else ""
    kind = "TEMP TABLE" if temporary else "TABLE"
    con.execute(
        f"CREATE OR REPLACE {kind} _erased AS SELECT unnest(?::VARCHAR[]) AS entity_id",
        [entity_ids],
    )
    con.execute(
        f"CREATE OR REPLACE {kind} _erased_records AS "
        f"SELECT record_id, source, row_number, record_key FROM {run}records "
        f"WHERE record_id IN (SELECT record_id FROM {run}record_entities "
        "WHERE entity_id IN (SELECT entity_id FROM _erased))"
    )
    keys = person_rows.quarantine_with_keys(con, catalog)
    con.execute(
        f"CREATE OR REPLACE {kind} _erased_rows AS "
        + person_rows.rows_sql(
            "SELECT * FROM _erased_records", f"{run}quarantine" if keys else None
        )
    )
    return int(con.execute("SELECT count(*) FROM _erased_records").fetchone()[0])  # type: ignore[index]


def erased_rows(table: str, columns: Mapping[str, str]) -> str | None:
    """A SQL condition true for the rows of `table` (column -> type) that belong to an
    erased person, given the tables `write_erased` makes; None when the table holds
    nothing keyed by person, record or row as read."""
    parts: list[str] = []
    if table.startswith(RAW_PREFIX) and "row_number" in columns:
        # The rows as the source gave them: the person's name and details as read.
        source = analytical.sql_string(table.removeprefix(RAW_PREFIX))
        parts.append(f"row_number IN (SELECT row_number FROM _erased_rows WHERE source = {source})")
    if table == "quarantine" and {"source", "row_number"} <= columns.keys():
        # Rows the loader set aside under one of the person's record keys.
        parts.append(
            "source || ':' || row_number IN (SELECT source || ':' || row_number FROM _erased_rows)"
        )
    if table == "matches":
        parts.append(
            "subject_record_id IN (SELECT record_id FROM _erased_records) OR "
            "list_has_any(coalesce(evidence_records, []), "
            "(SELECT coalesce(list(record_id), []) FROM _erased_records)) OR "
            "list_has_any(coalesce(other_entities, []), "
            "(SELECT coalesce(list(entity_id), []) FROM _erased))"
        )
    elif columns.get("entity_id") == "VARCHAR":
        parts.append("entity_id IN (SELECT entity_id FROM _erased)")
    if table != "matches":  # a record's id under any of the names the tables give it
        parts.extend(
            f"{column} IN (SELECT record_id FROM _erased_records)"
            for column in RECORD_ID_COLUMNS
            if column in columns
        )
    if not parts:
        return None
    return "coalesce(" + " OR ".join(f"({p})" for p in parts) + ", false)"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def served_connection(path: Path, erased: Iterable[str]) -> duckdb.DuckDBPyConnection:
    """A read-only view of the run at `path` without the people in `erased`.

    With nobody erased it is the plain read-only connection. Otherwise it is an
    in-memory database with the run attached read-only and one view per table of the
    run, under the table's own name, so every query runs unchanged. Cursors of the
    returned connection share its views.
    """
    ids = sorted(set(erased))
    if not ids:
        return analytical.connect(path, read_only=True)
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        literal = analytical.sql_path(path)
        con.execute(f"ATTACH '{literal}' AS {SERVED_CATALOG} (READ_ONLY)")
        run = f"{SERVED_CATALOG}.main"
        # Tables, not temporary ones: the views read them from every cursor.
        write_erased(con, ids, SERVED_CATALOG, temporary=False)
        columns: dict[str, dict[str, str]] = {}
        for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name",
            [SERVED_CATALOG],
        ).fetchall():
            columns.setdefault(table, {})[column] = kind
        for table, cols in columns.items():
            condition = erased_rows(table, cols)
            where = f" WHERE NOT {condition}" if condition else ""
            con.execute(
                f"CREATE VIEW {_quote(table)} AS SELECT * FROM {run}.{_quote(table)}{where}"
            )
    except BaseException:
        con.close()
        raise
    return con


_served: dict[str, tuple[tuple[str, int, int, frozenset[str]], duckdb.DuckDBPyConnection]] = {}
_served_lock = threading.Lock()


def served_cursor(data_dir: Path, erased: frozenset[str]) -> duckdb.DuckDBPyConnection:
    """A cursor on the served run without the erased people: what every reader uses.

    Opening the run (and, with erasures, building its views) costs tens to hundreds of
    milliseconds; a cursor on an open connection costs almost nothing, and each caller
    gets its own (DuckDB cursors may be used from different threads, and temporary tables
    stay with the cursor). One connection is kept per hub folder, for the served run and
    the erasures of the moment; a new run or a new erasure opens a new one on the next
    call. The old one is dropped, and its file stays readable until its last cursor
    closes. Closing the cursor does not close the shared connection.
    """
    run_id = analytical.current_run_id(data_dir)
    path = analytical.current_path(data_dir)
    if run_id is None or path is None or not path.exists():
        raise RuntimeError("the hub has no completed run yet: run `joinedup run` first")
    key = str(data_dir)
    # The file itself too: purging the kept runs (purge.py) replaces it under the same run.
    stat = path.stat()
    version = (run_id, stat.st_ino, stat.st_mtime_ns, erased)
    with _served_lock:
        cached = _served.get(key)
        if cached is None or cached[0] != version:
            _served[key] = cached = (version, served_connection(path, erased))
        return cached[1].cursor()
