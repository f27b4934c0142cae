"""Households over time: who lives at a property (UPRN) on a date, and who has moved.

Every record that is linked to a person and resolved to a UPRN is evidence that the person
lived there: from its start date (when the source has one) until its end date, or, while
it is still open, as of the date its source was extracted. Sources disagree, so a person's
place on a date is the property of their *best* record covering that date:

1. a record still open on the date beats one that ended before it;
2. then the later start date wins (a new council tax account or claim starts when the
   person arrives), and a record with no start date at all (the electoral register) loses
   to any dated one: it says where the person was registered, never since when;
3. then the newer extract.

Tables built in the run (all from `records`, `record_entities` and `entity_facts`):

- `residence_evidence`: one row per record with a person and a matched UPRN;
- `occupancy`: per UPRN, how many living people live there on the hub's date (adults too)
  and which sources say so;
- `movers`: a person whose address differs between sources: each source's latest address
  for them that is not their newest one, beside the newer source that knows better (unless
  that source itself still has them open at the older address too).
"""

from __future__ import annotations

from datetime import date

import duckdb

# The order that picks a person's best record (see the module docstring); `d` is the date.
BEST_FIRST = "start_date DESC NULLS LAST, snapshot_date DESC, source, record_id"


def build_occupancy(con: duckdb.DuckDBPyConnection, as_of: str) -> dict[str, int]:
    """Build residence_evidence, occupancy and movers as of the run's date."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE residence_evidence AS
        SELECT r.record_id, r.source, r.record_key, e.entity_id, e.uprn,
               r.start_date, r.end_date, r.snapshot_date, r.date_of_death,
               r.end_date IS NULL OR r.end_date >= DATE '{as_of}' AS open_now,
               -- The last date the source vouches for the address.
               CASE WHEN r.end_date IS NULL OR r.end_date >= DATE '{as_of}'
                    THEN r.snapshot_date ELSE r.end_date END AS vouched_until
        FROM records r JOIN record_entities e USING (record_id)
        WHERE e.entity_id IS NOT NULL AND e.uprn IS NOT NULL
        """
    )
    # A record without a start date cannot place a person at its address before they left
    # another one (an ended record elsewhere): that is the earliest it can speak for.
    con.execute(
        """
        CREATE OR REPLACE TABLE residence_evidence AS
        SELECT v.*,
               coalesce(v.start_date, (
                   SELECT max(x.end_date) FROM residence_evidence x
                   WHERE x.entity_id = v.entity_id AND x.uprn <> v.uprn
                     AND x.end_date IS NOT NULL)) AS from_date
        FROM residence_evidence v
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE occupancy AS
        WITH here AS ({occupants_sql(f"DATE '{as_of}'")})
        SELECT uprn, count(*) AS people,
               count(*) FILTER (WHERE adult) AS adults,
               list_sort(list_distinct(flatten(list(sources)))) AS sources
        FROM here
        GROUP BY uprn
        """
    )
    _build_movers(con)
    counts = con.execute(
        "SELECT (SELECT count(*) FROM occupancy), (SELECT count(DISTINCT entity_id) FROM movers)"
    ).fetchone()
    assert counts is not None
    return {"occupied_properties": int(counts[0]), "movers": int(counts[1])}


def occupants_sql(day: str, one_uprn: bool = False) -> str:
    """SQL for the people living at each UPRN on `day` (a SQL date expression).

    Columns: uprn, entity_id, record_id (the best record), source, start_date,
    date_of_birth, adult, sources (every source with an open record placing them there).
    With `one_uprn`, only people with any record at the UPRN given as the `?` parameter are
    looked at (a property page need not rank everyone in the district).
    """
    only = (
        "AND v.entity_id IN (SELECT entity_id FROM residence_evidence WHERE uprn = ?)"
        if one_uprn
        else ""
    )
    return f"""
        WITH covering AS (
            SELECT v.*
            FROM residence_evidence v
            JOIN entity_facts f USING (entity_id)
            WHERE (v.from_date IS NULL OR v.from_date <= {day})
              AND (v.end_date IS NULL OR v.end_date >= {day})
              AND v.date_of_death IS NULL
              AND (f.date_of_death IS NULL OR f.date_of_death > {day})
              {only}
        ),
        ranked AS (
            SELECT *, row_number() OVER (PARTITION BY entity_id ORDER BY {BEST_FIRST}) AS n
            FROM covering
        ),
        best AS (SELECT * FROM ranked WHERE n = 1),
        agreeing AS (
            SELECT entity_id, uprn, list(DISTINCT source ORDER BY source) AS sources
            FROM covering GROUP BY entity_id, uprn
        )
        SELECT b.uprn, b.entity_id, b.record_id, b.source, b.start_date,
               f.date_of_birth,
               CASE WHEN f.date_of_birth IS NULL THEN NULL
                    ELSE f.date_of_birth <= {day} - INTERVAL 18 YEAR END AS adult,
               a.sources
        FROM best b
        JOIN entity_facts f USING (entity_id)
        JOIN agreeing a USING (entity_id, uprn)
    """


def _build_movers(con: duckdb.DuckDBPyConnection) -> None:
    """Each source's latest address for a person, against the person's newest address."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE movers AS
        WITH ranked AS (
            SELECT *,
                   row_number() OVER (PARTITION BY entity_id, source
                                      ORDER BY vouched_until DESC, {BEST_FIRST}) AS in_source,
                   row_number() OVER (PARTITION BY entity_id
                                      ORDER BY vouched_until DESC, {BEST_FIRST}) AS overall
            FROM residence_evidence
            WHERE date_of_death IS NULL
        ),
        newest AS (SELECT * FROM ranked WHERE overall = 1),
        per_source AS (SELECT * FROM ranked WHERE in_source = 1)
        SELECT o.entity_id,
               o.source, o.record_id, o.record_key, o.uprn, o.start_date, o.open_now,
               o.vouched_until,
               n.source AS newer_source, n.record_id AS newer_record_id, n.uprn AS newer_uprn,
               n.start_date AS newer_since, n.open_now AS newer_open_now
        FROM per_source o JOIN newest n USING (entity_id)
        WHERE o.uprn <> n.uprn
          -- A source that still has the person open at both addresses knows of no move
          -- (two people wrongly linked as one look like this, or a second home).
          AND NOT EXISTS (
              SELECT 1 FROM residence_evidence x
              WHERE x.entity_id = o.entity_id AND x.source = n.source AND x.uprn = o.uprn
                AND x.open_now)
        ORDER BY o.entity_id, o.source
        """
    )


def household_rows(con: duckdb.DuckDBPyConnection, uprn: str, day: str) -> list[dict]:
    """The people living at `uprn` on `day` (ISO date), oldest first, with their sources."""
    day = date.fromisoformat(day).isoformat()  # checked, so safe to write into the SQL
    cursor = con.execute(
        f"""
        WITH here AS ({occupants_sql(f"DATE '{day}'", one_uprn=True)})
        SELECT entity_id, date_of_birth, adult, source AS best_source, record_id AS best_record,
               start_date AS since, sources
        FROM here WHERE uprn = ?
        ORDER BY date_of_birth NULLS LAST, entity_id
        """,
        [uprn, uprn],
    )
    names = [c[0] for c in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
