"""Case work: get-or-open, validated and audited updates, bulk state look-up."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import insert, select

from joinedup.cases.workflow import CaseError, case_for_match, case_states, update_case
from joinedup.governance.audit import verify_chain
from joinedup.governance.policy import PermissionDenied
from joinedup.readmodel import MatchSummary
from joinedup.store.audit import AuditEvent
from joinedup.store.cases import Case
from joinedup.store.db import OperationalStore


@dataclass
class Person:
    username: str
    role: str


IVY = Person("ivy", "investigator")


def summary(key: str = "k" * 20, value: float = 412.5) -> MatchSummary:
    return MatchSummary(
        match_key=key,
        rule="spd_electoral_register",
        rule_title="Single person discount with other adults on the electoral register",
        uprn="100000000014",
        address="14 Placeholder Road",
        score=0.97,
        estimated_value=value,
        first_found_run="run-1",
        case_status="open",
        case_outcome=None,
    )


def audit(store: OperationalStore, action: str) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(session.scalars(query))


def test_case_for_match_gets_or_opens_on_the_first_allowed_change(
    store: OperationalStore,
) -> None:
    with store.session() as session, session.begin():
        first = case_for_match(session, summary())
        assert (first.status, first.outcome, first.estimated_value) == ("open", None, 412.5)
        assert first not in session  # not saved until a change is allowed
        update_case(session, first, status="under_review", outcome=None, note="", user=IVY)
        again = case_for_match(session, summary())
        assert again.id == first.id is not None
    with store.session() as session:
        assert len(session.scalars(select(Case)).all()) == 1


def test_update_case_saves_notes_and_audits_without_note_text(store: OperationalStore) -> None:
    with store.session() as session, session.begin():
        case = case_for_match(session, summary())
        update_case(session, case, status="under_review", outcome=None, note="Rang Sam.", user=IVY)
        update_case(
            session,
            case,
            status="closed",
            outcome="fraud",
            note="Confirmed second adult.",
            user=IVY,
            amount_recovered=412.5,
        )
    with store.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.status, case.outcome, case.assignee) == ("closed", "fraud", "ivy")
        assert case.amount_recovered == 412.5 and case.amount_prevented is None
        assert [(n.author, n.text) for n in case.notes] == [
            ("ivy", "Rang Sam."),
            ("ivy", "Confirmed second adult."),
        ]
        assert verify_chain(session) == []
    changes = audit(store, "case.change")
    assert [c.detail for c in changes] == [
        "status open -> under_review; note added (9 characters)",
        "status under_review -> closed; outcome none -> fraud; recovered none -> 412.50; "
        "note added (23 characters)",
    ]
    assert all(c.resource == f"case:{'k' * 20}" for c in changes)
    assert [g.decision for g in audit(store, "case.update")] == ["allowed", "allowed"]


@pytest.mark.parametrize(
    ("status", "outcome", "note", "amount", "message"),
    [
        ("closed", None, "", None, "choose an outcome"),
        ("open", "fraud", "", None, "an outcome is recorded when the case is closed"),
        ("shelved", None, "", None, "status must be one of"),
        ("closed", "guilty", "", None, "outcome must be one of"),
        ("under_review", None, "x" * 5001, None, "at most 5000"),
        ("under_review", None, "", -1.0, "zero or more"),
        ("under_review", None, "", float("nan"), "zero or more"),
        ("open", None, "   ", None, "nothing to save"),
    ],
)
def test_changes_that_make_no_sense_are_refused_and_not_audited(
    store: OperationalStore,
    status: str,
    outcome: str | None,
    note: str,
    amount: float | None,
    message: str,
) -> None:
    with store.session() as session, session.begin():
        case = case_for_match(session, summary())
        with pytest.raises(CaseError, match=message):
            update_case(
                session,
                case,
                status=status,
                outcome=outcome,
                note=note,
                user=IVY,
                amount_prevented=amount,
            )
        assert case.status == "open"
    assert audit(store, "case.update") == [] and audit(store, "case.change") == []


def test_roles_without_case_work_are_denied_and_the_denial_is_kept(
    store: OperationalStore,
) -> None:
    with store.session() as session:
        case = case_for_match(session, summary())
        with pytest.raises(PermissionDenied) as denied:
            update_case(
                session, case, status="closed", outcome="no_issue", note="",
                user=Person("dee", "dpo"),
            )  # fmt: skip
        assert not denied.value.decision.allowed
        session.commit()
    with store.session() as session:  # the refusal is kept, and it opened no case
        assert session.scalars(select(Case)).all() == []
    [event] = audit(store, "case.update")
    assert (event.actor, event.decision) == ("dee", "denied")
    assert audit(store, "case.change") == []


def test_case_states_looks_up_many_keys_at_once(store: OperationalStore) -> None:
    keys = [f"{i:020x}" for i in range(12_000)]
    with store.session() as session, session.begin():
        session.execute(
            insert(Case),
            [
                {"match_key": k, "rule": "r", "status": "closed" if i % 2 else "open"}
                for i, k in enumerate(keys[::2])
            ],
        )
    with store.session() as session:
        states = case_states(session, keys + keys[:10])
    assert len(states) == 6_000
    assert set(states) == set(keys[::2])
    assert states[keys[2]].status == "closed"
