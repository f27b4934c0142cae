"""Golden records: one best value per person per field, each with where it came from.

Sources disagree (a maiden name in one, a married name in another; an old phone number),
so each field has a survivorship rule:

- `trusted`: the value from the most trusted source (the order in `link.source_trust`;
  unlisted sources come after, alphabetically), newest first within a source;
- `recent`: the value seen most recently (the record's start date, else the date its
  source was extracted), for things that change: surname, address, contact details;
- `frequent`: the value most records agree on, for things recorded with typos.

Ties fall through to the other two rules, then to the value itself, so a run is
deterministic. Every value keeps its provenance: source, record, date seen, how many records
support it and how many different values were offered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

RULES = ("trusted", "recent", "frequent")

# Defaults chosen for what changes in life (surname on marriage, address on a move) and
# what does not (date of birth, NHS and NI numbers: best from the most trusted source).
DEFAULT_SURVIVORSHIP: dict[str, str] = {
    "first_name": "frequent",
    "middle_names": "frequent",
    "surname": "recent",
    "date_of_birth": "trusted",
    "sex": "frequent",
    "postcode": "recent",
    "uprn": "recent",
    "email": "recent",
    "phone": "recent",
    "nhs_number": "trusted",
    "ni_number": "trusted",
    "date_of_death": "trusted",
}

_ORDER = {
    "trusted": "trust, seen DESC, support DESC",
    "recent": "seen DESC, trust, support DESC",
    "frequent": "support DESC, trust, seen DESC",
}


def build_golden_records(
    con: duckdb.DuckDBPyConnection,
    source_trust: Sequence[str] = (),
    survivorship: Mapping[str, str] | None = None,
) -> int:
    """Write `golden_records` (entity_id, field, value, rule, source, record_id, seen,
    support, alternatives) from `records` and `record_entities`; returns rows written."""
    rules = {**DEFAULT_SURVIVORSHIP, **(survivorship or {})}
    unknown = sorted(set(rules.values()) - set(RULES))
    if unknown:
        raise ValueError(f"unknown survivorship rule(s) {unknown}; use one of {list(RULES)}")
    present = {r[0] for r in con.execute("DESCRIBE records").fetchall()}
    fields = [f for f in rules if f in present or f == "uprn"]
    unpivots = []
    for name in fields:
        column = "e.uprn" if name == "uprn" else f"r.{name}"
        unpivots.append(
            f"SELECT e.entity_id, '{name}' AS field, CAST({column} AS VARCHAR) AS value, "
            f"r.source, r.record_id, coalesce(r.start_date, r.snapshot_date) AS seen "
            f"FROM records r JOIN record_entities e USING (record_id) "
            f"WHERE e.entity_id IS NOT NULL AND {column} IS NOT NULL"
        )
    trust = list(source_trust)
    rule_case = " ".join(f"WHEN '{f}' THEN '{rules[f]}'" for f in fields)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE golden_records AS
        WITH vals AS ({" UNION ALL ".join(unpivots)}),
        scored AS (
            SELECT v.*,
                   coalesce(list_position(?::VARCHAR[], v.source), 1000000) AS trust,
                   count(*) OVER (PARTITION BY entity_id, field, value) AS support,
                   count(DISTINCT value) OVER (PARTITION BY entity_id, field) AS alternatives,
                   CASE field {rule_case} END AS rule
            FROM vals v
        ),
        ranked AS (
            SELECT *, CASE rule
                WHEN 'trusted' THEN row_number() OVER (PARTITION BY entity_id, field
                    ORDER BY {_ORDER["trusted"]}, value, record_id)
                WHEN 'recent' THEN row_number() OVER (PARTITION BY entity_id, field
                    ORDER BY {_ORDER["recent"]}, value, record_id)
                ELSE row_number() OVER (PARTITION BY entity_id, field
                    ORDER BY {_ORDER["frequent"]}, value, record_id)
                END AS pick
            FROM scored
        )
        SELECT entity_id, field, value, rule, source, record_id, seen, support,
               alternatives
        FROM ranked WHERE pick = 1
        """,
        [trust],
    )
    rows = con.execute("SELECT count(*) FROM golden_records").fetchone()
    return int(rows[0]) if rows else 0
