"""Read queries behind the source, property and person pages, over the served run.

Each is one or two set-based SQL statements against the analytical store (hub.connect())
or the operational store; the pages call them only after the policy gate has answered.
They return plain dicts and lists, ready for templates.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.governance import erasure
from joinedup.governance.corrections import suppressed_entities
from joinedup.store.runs import QualityResult, Run

QUARANTINE_LIMIT = 200


def served_cursor(hub: Any) -> duckdb.DuckDBPyConnection:
    """A cursor on the served run, erased people left out (governance/erasure.py)."""
    with hub.store.session() as session:
        erased = frozenset(suppressed_entities(session))
    return erasure.served_cursor(hub.config.data_dir, erased)


def _rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def quality_history(db: Session, source: str) -> list[dict[str, Any]]:
    """Per field and dimension, the score in every succeeded run, oldest first."""
    rows = db.execute(
        select(
            QualityResult.field,
            QualityResult.dimension,
            QualityResult.score,
            Run.id,
            Run.started_at,
        )
        .join(Run, Run.id == QualityResult.run_id)
        .where(QualityResult.source == source, Run.status == "succeeded")
        .order_by(Run.started_at, Run.id)
    ).all()
    series: dict[tuple[str, str], list[tuple[str, float | None]]] = {}
    for field_name, dimension, score, run_id, _started in rows:
        series.setdefault((field_name, dimension), []).append((run_id, score))
    return [{"field": f, "dimension": d, "points": points} for (f, d), points in series.items()]


def quarantine(con: Any, source: str, with_raw: bool) -> tuple[int, list[dict[str, Any]]]:
    """How many rows of a source were quarantined, and the first few with their reasons."""
    total = con.execute("SELECT count(*) FROM quarantine WHERE source = ?", [source]).fetchone()[0]
    raw = "raw" if with_raw else "NULL AS raw"
    rows = _rows(
        con,
        f"SELECT row_number, reasons, {raw} FROM quarantine WHERE source = ? "
        "ORDER BY row_number LIMIT ?",
        [source, QUARANTINE_LIMIT],
    )
    for row in rows:
        row["raw"] = _pairs(row["raw"])
    return int(total), rows


def _pairs(raw: str | None) -> list[tuple[str, str]]:
    """A raw row as (column, value) pairs: an object by name, a list by position."""
    if not raw:
        return []
    try:
        value = json.loads(raw)
    except ValueError:
        return [("row", raw)]
    if isinstance(value, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [(f"column {i}", "" if v is None else str(v)) for i, v in enumerate(value, 1)]
    return [("row", str(value))]


def property_view(con: Any, uprn: str) -> dict[str, Any] | None:
    """The gazetteer entry for a UPRN, its current occupants and their records here."""
    found = _rows(con, "SELECT * FROM gazetteer WHERE uprn = ?", [uprn])
    if not found:
        return None
    occupants = _rows(
        con,
        """
        SELECT h.entity_id, h.date_of_birth, h.adult, h.records_here, h.sources_here,
               g.first_name, g.surname
        FROM households h
        LEFT JOIN (
            SELECT entity_id, max(value) FILTER (WHERE field = 'first_name') AS first_name,
                   max(value) FILTER (WHERE field = 'surname') AS surname
            FROM golden_records WHERE entity_id IN (SELECT entity_id FROM households
                                                   WHERE uprn = ?)
            GROUP BY entity_id
        ) g USING (entity_id)
        WHERE h.uprn = ? ORDER BY h.adult DESC, h.date_of_birth, h.entity_id
        """,
        [uprn, uprn],
    )
    records = _rows(
        con,
        """
        SELECT r.source, r.record_key, e.entity_id, r.first_name, r.surname,
               r.date_of_birth, r.start_date, r.end_date, e.uprn_method
        FROM record_entities e JOIN records r USING (record_id)
        WHERE e.uprn = ? ORDER BY r.source, e.entity_id, r.record_key
        """,
        [uprn],
    )
    return {"property": found[0], "occupants": occupants, "records": records}


# Golden record fields the gate is asked about, as the gate names them.
GOLDEN_GATE_FIELDS = (
    "name",
    "date_of_birth",
    "date_of_death",
    "postcode",
    "uprn",
    "email",
    "phone",
    "nhs_number",
    "ni_number",
)
_NAME_PARTS = {"first_name", "middle_names", "surname"}


def released(golden: list[dict[str, Any]], fields: set[str]) -> list[dict[str, Any]]:
    """Only the golden fields the gate released (name parts travel as "name")."""
    return [g for g in golden if ("name" if g["field"] in _NAME_PARTS else g["field"]) in fields]


def golden_fields(con: Any, entity_id: str) -> list[dict[str, Any]]:
    return _rows(
        con,
        "SELECT field, value, rule, source, seen, support, alternatives "
        "FROM golden_records WHERE entity_id = ? ORDER BY field",
        [entity_id],
    )


def person_record_ids(con: Any, entity_id: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT record_id FROM record_entities WHERE entity_id = ? ORDER BY record_id",
            [entity_id],
        ).fetchall()
    ]


def entity_names(con: Any, entity_ids: list[str]) -> dict[str, dict[str, Any]]:
    """A display name and date of birth per entity, from the golden records."""
    rows = _rows(
        con,
        """
        SELECT entity_id,
               max(value) FILTER (WHERE field = 'first_name') AS first_name,
               max(value) FILTER (WHERE field = 'surname') AS surname,
               max(value) FILTER (WHERE field = 'date_of_birth') AS date_of_birth,
               max(value) FILTER (WHERE field = 'postcode') AS postcode
        FROM golden_records WHERE list_contains(?, entity_id) GROUP BY entity_id
        """,
        [entity_ids],
    )
    return {r["entity_id"]: r for r in rows}


# --- what a partner's user may see of a person ---------------------------------------------
# A partner is released fields source by source (governance/policy.py): an agreement that
# shares council tax names does not release the names another source holds. So for them
# the pages ask the gate about each source's fields and show each value only when its own
# source's field was released. The council's own staff are asked about the view's fields.

PARTNER_FIELDS = ("record_key", "name", "date_of_birth", "address", "postcode", "uprn")
# A property's occupants and records mix every source: a derived view that no agreement
# can name, so a partner asking for it is refused (and the refusal audited).
PROPERTY_PARTNER_FIELDS = ("households.occupants",)


def property_gate_fields(partner: bool, staff_fields: tuple[str, ...]) -> tuple[str, ...]:
    return PROPERTY_PARTNER_FIELDS if partner else staff_fields


def person_gate_fields(
    sources: Any,
    per_source: bool,
    staff_fields: tuple[str, ...],
    partner_fields: tuple[str, ...] = PARTNER_FIELDS,
) -> tuple[str, ...]:
    """The fields to ask the gate about: `staff_fields`, or each source's own
    `partner_fields`."""
    if not per_source:
        return staff_fields
    return tuple(f"{source}.{field}" for source in sources for field in partner_fields)


def visible(fields: set[str], source: str, field: str) -> bool:
    """Whether a value of `field` from `source` was released."""
    return field in fields or f"{source}.{field}" in fields


def gate_name(field: str) -> str:
    return "name" if field in _NAME_PARTS else field


def released_by_source(golden: list[dict[str, Any]], fields: set[str]) -> list[dict[str, Any]]:
    """Golden fields whose value came from a source whose field was released."""
    return [g for g in golden if visible(fields, str(g["source"]), gate_name(g["field"]))]


def masked_records(records: list[Any], fields: set[str]) -> list[Any]:
    """Each record with only its source's released fields; records of sources with none
    released are left out (that a source holds a record is itself personal data)."""
    from dataclasses import replace

    shown = []
    for r in records:
        keep = {f for f in PARTNER_FIELDS if visible(fields, r.source, f)}
        if not keep:
            continue
        shown.append(
            replace(
                r,
                record_key=r.record_key if "record_key" in keep else "–",
                entity_id=r.entity_id,
                name=r.name if "name" in keep else None,
                date_of_birth=r.date_of_birth if "date_of_birth" in keep else None,
                address=r.address if "address" in keep else None,
                postcode=r.postcode if "postcode" in keep else None,
                uprn=r.uprn if "uprn" in keep else None,
                details={},
            )
        )
    return shown
