"""From links and resolved addresses to entities: which person each record is, where they
live now, and the facts the rules rely on (date of birth, date of death)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from joinedup.link.reuse import REDO, rebuild_for_others, record_settings, reusable

_REDONE_CLUSTERS = (
    f"(SELECT * FROM person_clusters WHERE entity_id IN (SELECT entity_id FROM {REDO}))"
)


def build_entity_tables(
    con: duckdb.DuckDBPyConnection, as_of: str, previous_store: Path | None = None
) -> None:
    """`record_entities` for every record; `entity_facts` per entity. After an incremental
    link both keep the previous run's rows for people it left as they were (reuse.py)."""
    record_entities = """
        SELECT r.record_id, r.source, c.entity_id,
               CASE WHEN a.status = 'matched' THEN a.uprn END AS uprn,
               a.status AS uprn_status, a.method AS uprn_method, a.score AS uprn_score
        FROM {records_and_clusters}
        LEFT JOIN address_matches a USING (record_id)
        """
    if reusable(con, previous_store, "record_entities", None):
        # Every record of an incremental run is in a cluster (all are clustered).
        rebuild_for_others(
            con,
            "record_entities",
            REDO,
            record_entities.format(
                records_and_clusters=f"{_REDONE_CLUSTERS} c JOIN records r USING (record_id)"
            ),
        )
    else:  # records of no person (NULL entity) make one row each
        con.execute(
            "CREATE OR REPLACE TABLE record_entities AS "
            + record_entities.format(
                records_and_clusters="records r LEFT JOIN person_clusters c USING (record_id)"
            )
        )
    # Where an entity lives now: the property of its newest record that has not ended,
    # newest by the record's own start date, else the date its source was extracted.
    reuse = reusable(con, previous_store, "entity_facts", as_of)
    entities = (
        f"(SELECT * FROM record_entities WHERE entity_id IN (SELECT entity_id FROM {REDO}))"
        if reuse
        else "record_entities"
    )
    facts = f"""
        WITH evidence AS (
            SELECT e.entity_id, e.uprn, coalesce(r.start_date, r.snapshot_date) AS seen
            FROM {entities} e JOIN records r USING (record_id)
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
            FROM {entities} e JOIN records r USING (record_id)
            GROUP BY e.entity_id
        )
        SELECT f.*, p.current_uprn FROM facts f LEFT JOIN current_place p USING (entity_id)
        """
    if reuse:
        rebuild_for_others(con, "entity_facts", REDO, facts)
    else:
        con.execute("CREATE OR REPLACE TABLE entity_facts AS " + facts)
    record_settings(con, "entity_facts", as_of)
