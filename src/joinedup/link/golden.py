"""Golden records: one best value per person per field, each with where it came from.

Sources disagree (a maiden name in one, a married name in another; an old phone number),
so each field has a survivorship rule:

- `trusted`: the value from the most trusted source (the field's own order in
  `link.field_trust`, else the order in `link.source_trust`; unlisted sources come after,
  all alike), newest first within a source;
- `recent`: the value seen most recently (the record's start date, else the date its
  source was extracted), for things that change: surname, address, contact details;
- `frequent`: the value most records agree on, for things recorded with typos.

Ties fall through to the other two rules, then to the value itself, so a run is
deterministic. Every value keeps its provenance: source, record, date seen, how many records
support it and how many different values were offered.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from joinedup.engine.analytical import sql_string
from joinedup.link import carry
from joinedup.link.reuse import REDO, rebuild_for_others, record_settings, reusable

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
    previous_store: Path | None = None,
    field_trust: Mapping[str, Sequence[str]] | None = None,
) -> int:
    """Write `golden_records` (entity_id, field, value, rule, source, record_id, seen,
    support, alternatives) from `records` and `record_entities`; returns rows written.

    After an incremental link, people it left as they were keep `previous_store`'s rows
    (reuse.py), except those with a correction, which the run applies afresh."""
    rules = {**DEFAULT_SURVIVORSHIP, **(survivorship or {})}
    unknown = sorted(set(rules.values()) - set(RULES))
    if unknown:
        raise ValueError(f"unknown survivorship rule(s) {unknown}; use one of {list(RULES)}")
    present = {r[0] for r in con.execute("DESCRIBE records").fetchall()}
    fields = [f for f in rules if f in present or f == "uprn"]
    # One join of records to entities, one unpivot to (field, value) rows: per-field
    # unions would join the records once per field.
    columns = ", ".join(
        f"CAST({'e.uprn' if name == 'uprn' else f'r.{name}'} AS VARCHAR) AS {name}"
        for name in fields
    )
    trust = list(source_trust)
    own_trust = {f: list(order) for f, order in (field_trust or {}).items() if f in fields}
    trust_case = "".join(
        f"WHEN '{f}' THEN list_position({_text_list(order)}, v.source) "
        for f, order in own_trust.items()
    )
    trust_expr = (
        f"CASE v.field {trust_case}ELSE list_position({_text_list(trust)}, v.source) END"
        if trust_case
        else f"list_position({_text_list(trust)}, v.source)"
    )
    rule_case = " ".join(f"WHEN '{f}' THEN '{rules[f]}'" for f in fields)
    # Each rule is an order over (trust, newest seen, support); one sort key per rule so a
    # single arg_min picks the winner (rather than a window sort per rule).
    keys = {"trust": "trust", "seen": "-coalesce(seen_days, -1e9)", "support": "-support"}
    sort_key = {
        rule: "[" + ", ".join(keys[k.split()[0]] for k in _ORDER[rule].split(", ")) + "]"
        for rule in RULES
    }
    settings = json.dumps({"fields": fields, "rules": rules, "trust": trust, "own": own_trust})
    reuse = reusable(con, previous_store, "golden_records", settings)
    if reuse:
        # People with a correction are rebuilt too: the run applies it afresh.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _golden_redo AS SELECT entity_id FROM {REDO} "
            f"UNION SELECT entity_id FROM {carry.PREFIX}golden_records "
            "WHERE rule = 'correction'"
        )
    entities = (
        "(SELECT * FROM record_entities WHERE entity_id IN (SELECT entity_id FROM _golden_redo))"
        if reuse
        else "record_entities"
    )
    golden = f"""
        WITH wide AS (
            SELECT e.entity_id, r.source, r.record_id,
                   coalesce(r.start_date, r.snapshot_date) AS seen, {columns}
            FROM records r JOIN {entities} e USING (record_id)
            WHERE e.entity_id IS NOT NULL
        ),
        vals AS (
            UNPIVOT wide ON {", ".join(fields)} INTO NAME field VALUE value
        ),
        scored AS (
            SELECT v.*,
                   coalesce({trust_expr}, 1000000) AS trust,
                   count(*) OVER (PARTITION BY entity_id, field, value) AS support,
                   CAST(date_diff('day', DATE '1970-01-01', seen) AS DOUBLE) AS seen_days,
                   CASE field {rule_case} END AS rule
            FROM vals v
        ),
        picked AS (
            SELECT entity_id, field,
                   arg_min(
                       struct_pack(value, rule, source, record_id, seen, support),
                       struct_pack(k := CASE rule
                           WHEN 'trusted' THEN {sort_key["trusted"]}
                           WHEN 'recent' THEN {sort_key["recent"]}
                           ELSE {sort_key["frequent"]} END, value, record_id)
                   ) AS best,
                   count(DISTINCT value) AS alternatives
            FROM scored GROUP BY entity_id, field
        )
        SELECT entity_id, field, best.value, best.rule, best.source, best.record_id,
               best.seen, best.support, alternatives
        FROM picked
        """
    if reuse:
        rebuild_for_others(con, "golden_records", "_golden_redo", golden)
    else:
        con.execute("CREATE OR REPLACE TABLE golden_records AS " + golden)
    record_settings(con, "golden_records", settings)
    rows = con.execute("SELECT count(*) FROM golden_records").fetchone()
    return int(rows[0]) if rows else 0


def _text_list(values: Sequence[str]) -> str:
    """A SQL list of strings (source names come from the config)."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]::VARCHAR[]"
