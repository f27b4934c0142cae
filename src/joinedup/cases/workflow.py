"""Case work: a person reviews a match, records what they found, and closes it.

The hub suggests, people decide (UK GDPR Art. 22): a match only becomes "fraud" or
"error" when someone closes its case with that outcome. Every change goes through the
policy gate and leaves an audit event; note text never goes into the trail, because it
may hold personal data and the trail outlives it.

A case with status "open" and no notes means the same as no case at all, so opening one
is harmless and `case_for_match` may do it on first touch.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.governance.audit import record_event
from joinedup.governance.policy import Actor, PermissionDenied, authorise
from joinedup.readmodel import MatchSummary
from joinedup.store.cases import CASE_OUTCOMES, CASE_STATUSES, Case, CaseNote

MAX_NOTE_LENGTH = 5000
_IN_CHUNK = 5000  # keeps IN lists well under every backend's parameter limit


class CaseError(ValueError):
    """A case change that does not make sense, phrased for the caseworker."""


def case_for_match(session: Session, summary: MatchSummary) -> Case:
    """The case for a match, opened (flushed, not committed) if there is none yet."""
    case = session.scalars(select(Case).where(Case.match_key == summary.match_key)).first()
    if case is None:
        case = Case(
            match_key=summary.match_key,
            rule=summary.rule,
            status="open",
            outcome=None,
            estimated_value=summary.estimated_value,
        )
        session.add(case)
        session.flush()
    return case


def case_states(session: Session, match_keys: Iterable[str]) -> dict[str, Case]:
    """Cases by match key, for the keys that have one; matches without a case are open."""
    keys = list(dict.fromkeys(match_keys))
    found: dict[str, Case] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        chunk = keys[start : start + _IN_CHUNK]
        for case in session.scalars(select(Case).where(Case.match_key.in_(chunk))):
            found[case.match_key] = case
    return found


def _check_change(
    status: str, outcome: str | None, amounts: dict[str, float | None], note: str
) -> None:
    if status not in CASE_STATUSES:
        raise CaseError(f"status must be one of {', '.join(CASE_STATUSES)}")
    if outcome is not None and outcome not in CASE_OUTCOMES:
        raise CaseError(f"outcome must be one of {', '.join(CASE_OUTCOMES)}")
    if status == "closed" and outcome is None:
        raise CaseError("choose an outcome to close the case")
    if status != "closed" and outcome is not None:
        raise CaseError("an outcome is recorded when the case is closed; set status to closed")
    for label, amount in amounts.items():
        if amount is not None and not (amount >= 0):  # also rejects NaN
            raise CaseError(f"the amount {label} must be zero or more")
    if len(note) > MAX_NOTE_LENGTH:
        raise CaseError(f"a note can be at most {MAX_NOTE_LENGTH} characters")


def _money(value: float | None) -> str:
    return "none" if value is None else f"{value:.2f}"


def update_case(
    session: Session,
    case: Case,
    *,
    status: str,
    outcome: str | None,
    note: str | None,
    user: Actor,
    amount_recovered: float | None = None,
    amount_prevented: float | None = None,
    purpose: str = "fraud_investigation",
) -> Case:
    """Change a case and audit it (flushed, not committed).

    Raises CaseError for a change that does not make sense (nothing is written) and
    PermissionDenied when the gate says no: the denial event is then pending in the
    session, and the caller should commit it so the refusal is on record.
    Amounts left as None keep their current value.
    """
    note = (note or "").strip()
    recovered = case.amount_recovered if amount_recovered is None else amount_recovered
    prevented = case.amount_prevented if amount_prevented is None else amount_prevented
    _check_change(status, outcome, {"recovered": recovered, "prevented": prevented}, note)

    changes = [
        f"{label} {old} -> {new}"
        for label, old, new in (
            ("status", case.status, status),
            ("outcome", case.outcome or "none", outcome or "none"),
            ("recovered", _money(case.amount_recovered), _money(recovered)),
            ("prevented", _money(case.amount_prevented), _money(prevented)),
        )
        if old != new
    ]
    if note:
        changes.append(f"note added ({len(note)} characters)")
    if not changes:
        raise CaseError("there is nothing to save: nothing was changed and no note was written")

    resource = f"case:{case.match_key}"
    decision = authorise(session, user, "case.update", resource, purpose, fields=())
    if not decision.allowed:
        raise PermissionDenied(decision)

    case.status = status
    case.outcome = outcome
    case.amount_recovered = recovered
    case.amount_prevented = prevented
    if case.assignee is None:
        case.assignee = user.username
    if note:
        case.notes.append(CaseNote(author=user.username, text=note))
    session.flush()
    record_event(
        session,
        user.username,
        "case.change",
        resource,
        purpose,
        "allowed",
        detail="; ".join(changes),
    )
    return case
