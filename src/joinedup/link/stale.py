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

from joinedup.link.occupancy import BEST_FIRST


def build_stale_alerts(con: duckdb.DuckDBPyConnection, as_of: str) -> int:
    """Build `stale_alerts` from residence_evidence (see occupancy.py): every open record
    at another address than the person's newest is checked, not only each source's latest,
    as one source may hold two records for a person."""
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
        newest AS (  -- each person's newest open record: where they live now
            SELECT entity_id, source AS newer_source, record_id AS newer_record_id,
                   uprn AS newer_uprn, start_date AS newer_since
            FROM (
                SELECT *, row_number() OVER (PARTITION BY entity_id
                                             ORDER BY {BEST_FIRST}) AS n
                FROM residence_evidence WHERE open_now AND date_of_death IS NULL
            ) WHERE n = 1
        ),
        moved AS (  -- every open record at an older address, not only each source's latest
            SELECT v.source, v.record_id, v.record_key, v.entity_id, v.uprn,
                   'address' AS stale, n.newer_source AS known_better_by,
                   n.newer_record_id AS known_better_record_id, n.newer_uprn AS new_uprn,
                   n.newer_since AS since,
                   l.entity_id IS NOT NULL AS corroborated
            FROM residence_evidence v
            JOIN newest n USING (entity_id)
            JOIN entity_facts f USING (entity_id)
            LEFT JOIN left_places l ON l.entity_id = v.entity_id AND l.uprn = v.uprn
            WHERE v.open_now AND v.date_of_death IS NULL
              AND v.uprn <> n.newer_uprn
              AND f.date_of_death IS NULL
              AND n.newer_since IS NOT NULL
              AND (v.start_date IS NULL OR v.start_date < n.newer_since)
              -- the source that knows better must not itself still have them at the old one
              AND NOT EXISTS (
                  SELECT 1 FROM residence_evidence x
                  WHERE x.entity_id = v.entity_id AND x.source = n.newer_source
                    AND x.uprn = v.uprn AND x.open_now)
              AND NOT EXISTS (SELECT 1 FROM family WHERE a = v.uprn AND b = n.newer_uprn)
              -- A source with the person open at both addresses, and no record showing them
              -- leave, most likely holds two people linked as one: no alert.
              AND (l.entity_id IS NOT NULL OR NOT EXISTS (
                  SELECT 1 FROM residence_evidence y
                  WHERE y.entity_id = v.entity_id AND y.source = v.source
                    AND y.uprn = n.newer_uprn AND y.open_now))
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
