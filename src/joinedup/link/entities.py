"""From links and resolved addresses to entities: which person each record is, where they
live now, and the facts the rules rely on (date of birth, date of death)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from joinedup.link.reuse import KEPT, attach_reusable, record_settings


def build_entity_tables(
    con: duckdb.DuckDBPyConnection, as_of: str, previous_store: Path | None = None
) -> None:
    """`record_entities` for every record; `entity_facts` per entity, copied from
    `previous_store` for people an incremental link left as they were (reuse.py)."""
    con.execute(
        """
        CREATE OR REPLACE TABLE record_entities AS
        SELECT r.record_id, r.source, c.entity_id,
               CASE WHEN a.status = 'matched' THEN a.uprn END AS uprn,
               a.status AS uprn_status, a.method AS uprn_method, a.score AS uprn_score
        FROM records r
        LEFT JOIN person_clusters c USING (record_id)
        LEFT JOIN address_matches a USING (record_id)
        """
    )
    # Where an entity lives now: the property of its newest record that has not ended,
    # newest by the record's own start date, else the date its source was extracted.
    reuse = attach_reusable(con, previous_store, "entity_facts", as_of)
    # Records of no person (NULL entity) make one row, rebuilt every time as in a full run.
    only = f"AND coalesce(e.entity_id NOT IN (SELECT entity_id FROM {KEPT}), true)" if reuse else ""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE entity_facts AS
        WITH evidence AS (
            SELECT e.entity_id, e.uprn, coalesce(r.start_date, r.snapshot_date) AS seen
            FROM record_entities e JOIN records r USING (record_id)
            WHERE e.uprn IS NOT NULL {only}
              AND (r.end_date IS NULL OR r.end_date >= DATE '{as_of}')
        ),
        current_place AS (
            SELECT entity_id, arg_max(uprn, seen) AS current_uprn
            FROM evidence GROUP BY entity_id
        ),
        facts AS (
            SELECT e.entity_id,
                   mode(r.date_of_birth) AS date_of_birth,
                   min(r.date_of_death) FILTER (WHERE r.date_of_death <= DATE '{as_of}')
                       AS date_of_death,
                   count(*) AS records,
                   count(DISTINCT r.source) AS sources
            FROM record_entities e JOIN records r USING (record_id)
            WHERE true {only}
            GROUP BY e.entity_id
        )
        SELECT f.*, p.current_uprn FROM facts f LEFT JOIN current_place p USING (entity_id)
        """
    )
    if reuse:
        con.execute(
            "INSERT INTO entity_facts SELECT * FROM _prev.entity_facts "
            f"WHERE entity_id IN (SELECT entity_id FROM {KEPT})"
        )
        con.execute("DETACH _prev")
    record_settings(con, "entity_facts", as_of)
