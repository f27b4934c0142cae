"""How right the stale alerts, movers and occupancy are, against the demo council's truth.

Used by the tests and by benchmarks/households_truth.py. Judged per row:

- a stale `address` alert is right when the record's true person is alive and does not live
  at the record's property (truth/people.csv current_uprn); `new_uprn_right` also asks that
  the source that knows better names their true home;
- a stale `died` alert is right when the record's true person has died;
- a movers row is right when its newer property is the person's true current home (or
  their last, if they died or left) and the older one is a home they really had before
  (truth/addresses.csv);
- occupancy is compared per UPRN with the number of living people whose home it is.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from joinedup.engine.analytical import sql_path
from joinedup.link.occupancy import occupants_sql


def load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Load the truth files as tables t_records, t_people and t_addresses."""
    for table, name in (
        ("t_records", "records"),
        ("t_people", "people"),
        ("t_addresses", "addresses"),
    ):
        path = sql_path(truth_dir / f"{name}.csv")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS "
            f"SELECT * FROM read_csv('{path}', all_varchar = true)"
        )


def _placements(con: duckdb.DuckDBPyConnection, day: str) -> dict[str, object]:
    """Of the people the hub places at a property on `day`, how many truly lived there."""
    row = con.execute(
        f"""
        WITH here AS ({occupants_sql(f"DATE '{date.fromisoformat(day).isoformat()}'")})
        SELECT count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM t_addresses h
                   WHERE h.person_id = te.person_id AND h.uprn = here.uprn
                     AND CAST(h.start_date AS DATE) <= DATE '{day}'
                     AND (coalesce(h.end_date, '') = ''
                          OR CAST(h.end_date AS DATE) > DATE '{day}')))
        FROM here JOIN t_entity te USING (entity_id)
        """
    ).fetchone()
    assert row is not None
    return {
        "day": day,
        "placed": row[0],
        "right": row[1],
        "precision": round(row[1] / row[0], 4) if row[0] else None,
    }


def measure(
    con: duckdb.DuckDBPyConnection,
    truth_dir: Path,
    as_of: str | None = None,
    past_date: str | None = None,
) -> dict[str, object]:
    load_truth(con, truth_dir)
    day = date.fromisoformat(as_of or "2026-11-01").isoformat()
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE t_entity AS  -- each entity's most common true person
        SELECT e.entity_id, mode(t.person_id) AS person_id
        FROM record_entities e JOIN records r USING (record_id)
        JOIN t_records t ON t.source = r.source AND t.record_key = r.record_key
        WHERE t.person_id IS NOT NULL AND t.person_id <> ''
        GROUP BY e.entity_id
        """
    )
    stale = con.execute(
        """
        SELECT a.stale, a.corroborated, count(*) AS alerts,
               count(*) FILTER (WHERE CASE a.stale
                   WHEN 'died' THEN coalesce(p.date_of_death, '') <> ''
                   ELSE coalesce(p.date_of_death, '') = ''
                        AND coalesce(p.current_uprn, '') <> a.uprn END) AS right_,
               count(*) FILTER (WHERE a.stale = 'address'
                   AND coalesce(p.date_of_death, '') = ''
                   AND p.current_uprn = a.new_uprn
                   AND p.current_uprn <> a.uprn) AS new_uprn_right
        FROM stale_alerts a JOIN records r USING (record_id)
        LEFT JOIN t_records t ON t.source = r.source AND t.record_key = r.record_key
        LEFT JOIN t_people p ON p.person_id = t.person_id
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    movers = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE coalesce(nullif(p.current_uprn, ''), p.last_uprn)
                                      = m.newer_uprn
                   AND EXISTS (SELECT 1 FROM t_addresses h
                               WHERE h.person_id = p.person_id AND h.uprn = m.uprn))
        FROM movers m
        LEFT JOIN t_entity te USING (entity_id)
        LEFT JOIN t_people p ON p.person_id = te.person_id
        """
    ).fetchone()
    assert movers is not None
    occupancy = con.execute(
        """
        WITH truth AS (
            SELECT current_uprn AS uprn, count(*) AS people FROM t_people
            WHERE coalesce(current_uprn, '') <> '' AND coalesce(date_of_death, '') = ''
            GROUP BY 1
        )
        SELECT count(*) FILTER (WHERE o.people = t.people),
               count(*) FILTER (WHERE o.uprn IS NOT NULL),
               count(*) FILTER (WHERE t.uprn IS NOT NULL)
        FROM occupancy o FULL JOIN truth t USING (uprn)
        """
    ).fetchone()
    assert occupancy is not None
    recall = con.execute(
        f"""
        WITH truly_stale AS (  -- open records whose true person died or lives elsewhere
            SELECT r.record_id,
                   CASE WHEN coalesce(p.date_of_death, '') <> '' THEN 'died'
                        ELSE 'address' END AS stale
            FROM records r
            JOIN t_records t ON t.source = r.source AND t.record_key = r.record_key
            JOIN t_people p ON p.person_id = t.person_id
            WHERE (r.end_date IS NULL OR r.end_date >= DATE '{day}')
              AND r.date_of_death IS NULL
              AND coalesce(t.true_uprn, '') <> ''
              AND (coalesce(p.date_of_death, '') <> ''
                   OR coalesce(p.current_uprn, '') NOT IN ('', t.true_uprn))
        )
        SELECT s.stale, count(*), count(a.record_id)
        FROM truly_stale s LEFT JOIN stale_alerts a USING (record_id, stale)
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    placed = _placements(con, day)
    past = _placements(con, past_date) if past_date else None
    return {
        "placements_as_of": placed,
        "placements_past": past,
        "stale_alerts": [
            {
                "stale": s,
                "corroborated": bool(c),
                "alerts": n,
                "right": r,
                "new_uprn_right": nr,
                "precision": round(r / n, 4) if n else None,
            }
            for s, c, n, r, nr in stale
        ],
        "recall": {
            kind: {
                "truly_stale_open_records": n,
                "alerted": k,
                "recall": round(k / n, 4) if n else None,
            }
            for kind, n, k in recall
        },
        "movers": {
            "rows": movers[0],
            "right": movers[1],
            "precision": round(movers[1] / movers[0], 4) if movers[0] else None,
        },
        "occupancy": {
            "uprns_count_right": occupancy[0],
            "uprns_hub": occupancy[1],
            "uprns_truth": occupancy[2],
        },
    }
