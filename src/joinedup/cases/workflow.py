"""Case work: a person reviews a match, records what they found, and closes it.

The hub suggests, people decide (UK GDPR Art. 22): a match only becomes "fraud" or
"error" when someone closes its case with that outcome. Every change goes through the
policy gate and leaves an audit event; note text never goes into the trail, because it
may hold personal data and the trail outlives it.

A case with status "open" and no notes means the same as no case at all; every run opens
one per new match (`open_cases`), and the first allowed change opens one if it is missing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.governance.audit import record_event
from joinedup.governance.policy import CASEWORK_ROLES, Actor, PermissionDenied, authorise
from joinedup.readmodel import MatchSummary
from joinedup.store.cases import CASE_OUTCOMES, CASE_STATUSES, Case, CaseNote
from joinedup.store.users import User

MAX_NOTE_LENGTH = 5000
_IN_CHUNK = 5000  # keeps IN lists well under every backend's parameter limit


class CaseError(ValueError):
    """A case change that does not make sense, phrased for the caseworker."""


def case_for_match(session: Session, summary: MatchSummary) -> Case:
    """The case for a match; if it has none yet, a new one that is not yet in the session:
    `update_case` and `assign_case` add it only once the gate allows the change, so a
    refused change (whose denial event the caller commits) leaves no case behind."""
    case = session.scalars(select(Case).where(Case.match_key == summary.match_key)).first()
    if case is None:
        case = Case(
            match_key=summary.match_key,
            rule=summary.rule,
            status="open",
            outcome=None,
            estimated_value=summary.estimated_value,
        )
    return case


def open_cases(session: Session, summaries: Iterable[MatchSummary]) -> int:
    """Open a case for every match that has none yet (flushed, not committed).

    Called after each run, so a case's `created_at` is when its match was first found:
    the age the queue filters and sorts on. Returns the number of cases opened.
    """
    wanted = {s.match_key: s for s in summaries}
    existing = case_states(session, wanted)
    new = [
        Case(
            match_key=key,
            rule=s.rule,
            status="open",
            outcome=None,
            estimated_value=s.estimated_value,
        )
        for key, s in wanted.items()
        if key not in existing
    ]
    session.add_all(new)
    session.flush()
    return len(new)


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

    session.add(case)  # a case opened by this change (see case_for_match)
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


def assignable_users(session: Session) -> list[User]:
    """The accounts a case can be given to: investigators and admins, by username."""
    query = select(User).where(User.role.in_(sorted(CASEWORK_ROLES))).order_by(User.username)
    return list(session.scalars(query))


def assign_case(
    session: Session,
    case: Case,
    *,
    assignee: str | None,
    user: Actor,
    purpose: str = "fraud_investigation",
) -> Case:
    """Give a case to an investigator or admin, or take it back (None); audited.

    Same contract as `update_case`: CaseError for a change that makes no sense (nothing
    written), PermissionDenied when the gate says no (the denial event is pending).
    The trail names the accounts involved (staff usernames, as every event's actor does),
    never anything about the people in the match.
    """
    assignee = (assignee or "").strip() or None
    if assignee is not None:
        account = session.scalars(select(User).where(User.username == assignee)).first()
        if account is None or account.role not in CASEWORK_ROLES:
            raise CaseError("a case can only be assigned to an investigator or an admin")
    if assignee == case.assignee:
        raise CaseError("there is nothing to save: the case already has that case worker")

    resource = f"case:{case.match_key}"
    decision = authorise(session, user, "case.update", resource, purpose, fields=())
    if not decision.allowed:
        raise PermissionDenied(decision)

    detail = f"assignee {case.assignee or 'none'} -> {assignee or 'none'}"
    session.add(case)  # a case opened by this change (see case_for_match)
    case.assignee = assignee
    session.flush()
    record_event(session, user.username, "case.assign", resource, purpose, "allowed", detail=detail)
    return case
