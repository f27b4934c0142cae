"""Cases as an open CSV for the fraud team: where each case stands and what it saved.

Only ids, states, usernames of case workers and money leave the hub: no names, addresses
or notes (notes may hold personal data). Exporting asks the policy gate ("case.export")
and the file's row count goes into the audit trail, so the trail shows who took the case
list out and when.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from joinedup.cases.queue import QueueFilter, filter_queue, queue_rows, run_start_times
from joinedup.cases.workflow import case_states
from joinedup.governance.audit import record_event
from joinedup.governance.policy import Actor, PermissionDenied, authorise

if TYPE_CHECKING:
    from joinedup.hub import Hub

CASE_EXPORT_COLUMNS = [
    "match_id",
    "rule",
    "status",
    "outcome",
    "assignee",
    "estimated_value",
    "amount_recovered",
    "amount_prevented",
    "opened",
    "updated",
]


def _stamp(value: datetime | None) -> str:
    return "" if value is None else value.replace(microsecond=0).isoformat()


def _amount(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def export_cases(
    hub: Hub,
    out: Path,
    actor: Actor,
    purpose: str = "fraud_investigation",
    filters: QueueFilter | None = None,
) -> int:
    """Write one row per match of the last good run with its case; return the row count.

    Raises PermissionDenied (the refusal is committed to the trail) when the gate says
    no, and RuntimeError when there is no run yet.
    """
    if not hub.has_run():
        raise RuntimeError("no completed run yet: run the pipeline first")
    with hub.store.session() as session:
        decision = authorise(session, actor, "case.export", "cases", purpose, fields=())
        session.commit()
        if not decision.allowed:
            raise PermissionDenied(decision)
        summaries = hub.list_matches()
        cases = case_states(session, [s.match_key for s in summaries])
        rows = filter_queue(
            queue_rows(summaries, cases, run_start_times(session, summaries)),
            filters or QueueFilter(),
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CASE_EXPORT_COLUMNS)
            for row in rows:
                writer.writerow(
                    [
                        row.summary.match_key,
                        row.summary.rule,
                        row.status,
                        row.outcome or "",
                        row.assignee or "",
                        f"{row.summary.estimated_value:.2f}",
                        _amount(row.amount_recovered),
                        _amount(row.amount_prevented),
                        _stamp(row.opened),
                        _stamp(row.updated),
                    ]
                )
        record_event(
            session, actor.username, "case.export", "cases", purpose, "allowed",
            detail=f"{len(rows)} rows",
        )  # fmt: skip
        session.commit()
    return len(rows)
