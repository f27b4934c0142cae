"""Which rows as read from the source files are a person's: the rows an erasure removes
and a subject access pack holds.

Each record comes from one row of its source's file (`raw_<source>`, by row number). A row
the loader set aside (the `quarantine`) that carries the key of one of the person's
records in the same source (a repeat of the record, or the record again with a required
value missing) is the same record by the source's own identifier, so it is theirs too. A
set-aside row without a readable key cannot be told to be anyone's.
"""

from __future__ import annotations

import duckdb


def quarantine_with_keys(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> bool:
    """Whether the store (`con`'s own, or the one attached as `catalog`) keeps each
    set-aside row's record key: one from before it did cannot say whose they are."""
    return bool(
        con.execute(
            "SELECT 1 FROM duckdb_columns() WHERE database_name = coalesce(?, current_database()) "
            "AND schema_name = 'main' AND table_name = 'quarantine' "
            "AND column_name = 'record_key'",
            [catalog],
        ).fetchone()
    )


def rows_sql(records: str, quarantine: str | None) -> str:
    """A SELECT of (source, row_number): the rows as read of the records `records` selects
    (with their source, row_number and record_key), and the rows of `quarantine` (a table;
    None when it keeps no keys) set aside under one of their keys in the same source."""
    own = f"SELECT source, row_number FROM ({records})"
    if quarantine is None:
        return own
    return (
        f"{own} UNION SELECT q.source, q.row_number FROM {quarantine} q "
        f"JOIN ({records}) r ON q.source = r.source AND q.record_key = r.record_key"
    )
