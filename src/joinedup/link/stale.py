"""Stale data alerts: a record that still places a person where another source knows they
are not (they moved, or they died), listed per source so its owner can correct it.

Two kinds, one row per stale record in `stale_alerts`:

- `address`: the record is still open at an old address, and another source has an open
  record for the same person at a different property that starts later (or the stale
  record has no start date at all, as on the electoral register). `corroborated` says a
  source also saw the person leave the old address (a record there that ended).
- `died`: the record is still open, but another source records the person's death. A
  record that starts after the death is a sign of life (a wrong link, perhaps), so the
  person is then left alone: humans decide, the hub only suggests.

A flat and its block (parent shell) are the same place to a person; a difference
between them is an address resolution question, not a move, so it never raises an alert.
"""

from __future__ import annotations

import duckdb


def build_stale_alerts(con: duckdb.DuckDBPyConnection, as_of: str) -> int:
    """Build `stale_alerts` from residence_evidence and movers (see occupancy.py)."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE stale_alerts AS
        WITH family AS (  -- pairs of UPRNs that are a flat and its block
            SELECT uprn AS a, parent_uprn AS b FROM gazetteer WHERE parent_uprn IS NOT NULL
            UNION ALL
            SELECT parent_uprn, uprn FROM gazetteer WHERE parent_uprn IS NOT NULL
        ),
        left_places AS (  -- a source saw the person leave this address
            SELECT DISTINCT entity_id, uprn FROM residence_evidence WHERE NOT open_now
        ),
        moved AS (
            SELECT m.source, m.record_id, m.record_key, m.entity_id, m.uprn,
                   'address' AS stale, m.newer_source AS known_better_by,
                   m.newer_record_id AS known_better_record_id, m.newer_uprn AS new_uprn,
                   m.newer_since AS since,
                   l.entity_id IS NOT NULL AS corroborated
            FROM movers m
            JOIN entity_facts f USING (entity_id)
            LEFT JOIN left_places l ON l.entity_id = m.entity_id AND l.uprn = m.uprn
            WHERE m.open_now AND m.newer_open_now
              AND f.date_of_death IS NULL
              AND m.newer_since IS NOT NULL
              AND (m.start_date IS NULL OR m.start_date < m.newer_since)
              AND NOT EXISTS (SELECT 1 FROM family WHERE a = m.uprn AND b = m.newer_uprn)
        ),
        deaths AS (  -- the first record of each person's death
            SELECT e.entity_id, arg_min(r.source, r.date_of_death) AS source,
                   arg_min(r.record_id, r.date_of_death) AS record_id,
                   min(r.date_of_death) AS date_of_death
            FROM records r JOIN record_entities e USING (record_id)
            WHERE r.date_of_death IS NOT NULL AND r.date_of_death <= DATE '{as_of}'
            GROUP BY e.entity_id
        ),
        alive_after AS (
            SELECT DISTINCT e.entity_id
            FROM record_entities e JOIN records r USING (record_id) JOIN deaths d USING (entity_id)
            WHERE r.start_date > d.date_of_death
        ),
        died AS (
            SELECT v.source, v.record_id, v.record_key, v.entity_id, v.uprn,
                   'died' AS stale, d.source AS known_better_by,
                   d.record_id AS known_better_record_id, CAST(NULL AS VARCHAR) AS new_uprn,
                   d.date_of_death AS since, true AS corroborated
            FROM residence_evidence v JOIN deaths d USING (entity_id)
            WHERE v.open_now AND v.date_of_death IS NULL AND v.source <> d.source
              AND v.entity_id NOT IN (SELECT entity_id FROM alive_after)
        )
        SELECT * FROM moved
        UNION ALL
        SELECT * FROM died
        ORDER BY source, record_id
        """
    )
    return int(con.execute("SELECT count(*) FROM stale_alerts").fetchone()[0])  # type: ignore[index]
