"""From links and resolved addresses to entities: which person each record is, where they
live now, and the facts the rules rely on (date of birth, date of death)."""

from __future__ import annotations

import duckdb


def build_entity_tables(con: duckdb.DuckDBPyConnection, as_of: str) -> None:
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
    con.execute(
        f"""
        CREATE OR REPLACE TABLE entity_facts AS
        WITH evidence AS (
            SELECT e.entity_id, e.uprn, coalesce(r.start_date, r.snapshot_date) AS seen
            FROM record_entities e JOIN records r USING (record_id)
            WHERE e.uprn IS NOT NULL
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
            GROUP BY e.entity_id
        )
        SELECT f.*, p.current_uprn FROM facts f LEFT JOIN current_place p USING (entity_id)
        """
    )
