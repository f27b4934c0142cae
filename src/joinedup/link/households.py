"""Households: the people linked to each property (UPRN) as of the hub's date.

A person belongs to the household at their current property (see entity_facts); the table
also keeps how many records and sources place them there, so a reader can judge it.
"""

from __future__ import annotations

import duckdb


def build_households(con: duckdb.DuckDBPyConnection, as_of: str) -> int:
    con.execute(
        f"""
        CREATE OR REPLACE TABLE households AS
        SELECT f.current_uprn AS uprn,
               f.entity_id,
               f.date_of_birth,
               CASE
                   WHEN f.date_of_birth IS NULL THEN NULL
                   ELSE f.date_of_birth <= DATE '{as_of}' - INTERVAL 18 YEAR
               END AS adult,
               count(DISTINCT e.record_id) AS records_here,
               list(DISTINCT e.source ORDER BY e.source) AS sources_here
        FROM entity_facts f
        JOIN record_entities e ON e.entity_id = f.entity_id AND e.uprn = f.current_uprn
        WHERE f.current_uprn IS NOT NULL AND f.date_of_death IS NULL
        GROUP BY ALL
        """
    )
    return int(con.execute("SELECT count(DISTINCT uprn) FROM households").fetchone()[0])  # type: ignore[index]
