"""The case queue: which matches a case worker should look at next, and in what order.

Filtering and sorting happen here, once, so the web page and the fraud team's export
agree on what "open cases over £500, older than 30 days, assigned to ivy" means.
A match's age is counted from when it was first found: its case's `created_at` (cases
are opened after every run, see `open_cases`), or the start of the run that first found
it when it has no case yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.readmodel import MatchSummary
from joinedup.store.cases import Case
from joinedup.store.runs import Run

# Sort keys and their labels, in the order the page offers them.
SORTS: dict[str, str] = {
    "value": "Highest value first",
    "age": "Oldest first",
    "newest": "Newest first",
}


@dataclass(frozen=True)
class QueueFilter:
    """What to show; an empty or None field means "any"."""

    rule: str = ""
    status: str = ""
    min_value: float | None = None
    assignee: str | None = None  # a username
    unassigned: bool = False
    min_age_days: int | None = None
    sort: str = "value"


@dataclass(frozen=True)
class QueueRow:
    summary: MatchSummary
    status: str
    outcome: str | None
    assignee: str | None
    opened: datetime | None  # when the match was first found (naive UTC)
    updated: datetime | None
    age_days: int | None  # None when the hub cannot tell when it was first found
    amount_recovered: float | None
    amount_prevented: float | None


def run_start_times(session: Session, summaries: Iterable[MatchSummary]) -> dict[str, datetime]:
    """When each run that first found one of these matches started, by run id."""
    ids = sorted({s.first_found_run for s in summaries if s.first_found_run})
    if not ids:
        return {}
    return {r.id: r.started_at for r in session.scalars(select(Run).where(Run.id.in_(ids)))}


def queue_rows(
    summaries: Iterable[MatchSummary],
    cases: Mapping[str, Case],
    run_started: Mapping[str, datetime] | None = None,
    today: date | None = None,
) -> list[QueueRow]:
    """Join each match to its case (if any) and work out its age."""
    today = today or datetime.now().date()
    run_started = run_started or {}
    rows = []
    for s in summaries:
        case = cases.get(s.match_key)
        found = [run_started.get(s.first_found_run or "")]
        if case is not None:
            found.append(case.created_at)
        known = [d for d in found if d is not None]
        opened = min(known) if known else None
        rows.append(
            QueueRow(
                summary=s,
                status=case.status if case else s.case_status,
                outcome=case.outcome if case else s.case_outcome,
                assignee=case.assignee if case else None,
                opened=opened,
                updated=case.updated_at if case else None,
                age_days=max(0, (today - opened.date()).days) if opened else None,
                amount_recovered=case.amount_recovered if case else None,
                amount_prevented=case.amount_prevented if case else None,
            )
        )
    return rows


def _keep(row: QueueRow, f: QueueFilter) -> bool:
    s = row.summary
    if f.rule and s.rule != f.rule:
        return False
    if f.status and row.status != f.status:
        return False
    if f.min_value is not None and s.estimated_value < f.min_value:
        return False
    if f.unassigned and row.assignee is not None:
        return False
    if f.assignee and row.assignee != f.assignee:
        return False
    # An unknown age never counts as "at least N days old".
    return f.min_age_days is None or (row.age_days is not None and row.age_days >= f.min_age_days)


def filter_queue(rows: Iterable[QueueRow], f: QueueFilter) -> list[QueueRow]:
    """The rows that fit the filter, sorted as it asks (ties by match key, so stable)."""
    kept = [r for r in rows if _keep(r, f)]
    if f.sort == "age" or f.sort == "newest":
        # Unknown ages go last either way; the age sort puts the oldest first.
        sign = 1 if f.sort == "age" else -1
        kept.sort(
            key=lambda r: (
                r.age_days is None,
                -sign * (r.age_days or 0),
                -r.summary.estimated_value,
                r.summary.match_key,
            )
        )
    else:
        kept.sort(key=lambda r: (-r.summary.estimated_value, r.summary.match_key))
    return kept
