"""Matches as an open CSV for the fraud team: one row per match with its case status.

Only ids leave the hub (record ids 'source:key', entity ids), never names or addresses, so
the file can go to a team's case tool under the same agreement as the matches themselves.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from joinedup.hub import Hub

EXPORT_COLUMNS = [
    "rule",
    "match_id",
    "subject_record",
    "records",
    "entities",
    "uprn",
    "score",
    "estimated_value",
    "case_status",
    "case_outcome",
]


def export_matches(hub: Hub, out: Path) -> int:
    """Write every match of the last good run to `out`; return the number of rows."""
    if not hub.has_run():
        raise RuntimeError("no completed run yet: run the pipeline first")
    states = {m.match_key: m for m in hub.list_matches()}
    con = hub.connect()
    try:
        rows = con.execute(
            """
            SELECT m.rule, m.match_key, m.subject_record_id, m.evidence_records,
                   list_distinct(list_filter(
                       list_prepend(e.entity_id, coalesce(m.other_entities, [])),
                       x -> x IS NOT NULL)) AS entities,
                   m.uprn, m.score, m.estimated_value
            FROM matches m
            LEFT JOIN record_entities e ON e.record_id = m.subject_record_id
            ORDER BY m.rule, m.estimated_value DESC, m.match_key
            """
        ).fetchall()
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        for rule, key, subject, evidence, entities, uprn, score, value in rows:
            state = states.get(key)
            records = [subject, *[r for r in (evidence or []) if r != subject]]
            writer.writerow(
                [
                    rule,
                    key,
                    subject,
                    " ".join(records),
                    " ".join(sorted(entities or [])),
                    uprn or "",
                    score,
                    value,
                    state.case_status if state else "open",
                    (state.case_outcome or "") if state else "",
                ]
            )
    return len(rows)
