"""The policy gate: role and purpose decide; every answer is audited; unknown means no."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from joinedup.governance.policy import authorise, can
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore

FIELDS = ("name", "date_of_birth", "address")


@dataclass
class Person:
    username: str
    role: str


def audit(store: OperationalStore) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("admin", True),
        ("investigator", True),
        ("dpo", True),
        ("analyst", False),
        ("data_owner", False),
        ("partner_user", False),
    ],
)
def test_who_may_see_personal_data(store: OperationalStore, role: str, allowed: bool) -> None:
    with store.session() as session, session.begin():
        decision = authorise(
            session, Person("u1", role), "match.view", "match:abc", "fraud_investigation", FIELDS
        )
    assert decision.allowed is allowed
    assert decision.fields == (FIELDS if allowed else ())
    [event] = audit(store)
    assert (event.actor, event.action, event.resource, event.purpose) == (
        "u1",
        "match.view",
        "match:abc",
        "fraud_investigation",
    )
    assert event.decision == ("allowed" if allowed else "denied")
    assert event.fields == "name,date_of_birth,address"  # asked for, on record either way
    assert event.detail == decision.reason


def test_unknown_purpose_action_or_user_is_denied(store: OperationalStore) -> None:
    admin = Person("root", "admin")
    with store.session() as session, session.begin():
        cases = [
            (admin, "match.view", "curiosity", "the purpose 'curiosity' is not one"),
            (admin, "records.export", "fraud_investigation", "the action 'records.export'"),
            (None, "match.view", "fraud_investigation", "you need to sign in"),
            (Person("", "admin"), "match.view", "fraud_investigation", "you need to sign in"),
        ]
        for user, action, purpose, reason in cases:
            decision = authorise(session, user, action, "match:abc", purpose, FIELDS)
            assert not decision.allowed
            assert decision.reason.startswith(reason), decision.reason
    events = audit(store)
    assert [e.decision for e in events] == ["denied"] * 4
    assert events[2].actor == "anonymous"


def test_dpo_may_look_but_not_change_cases(store: OperationalStore) -> None:
    dpo = Person("dee", "dpo")
    with store.session() as session, session.begin():
        assert authorise(session, dpo, "match.view", "m", "audit_oversight", ()).allowed
        update = authorise(session, dpo, "case.update", "case:m", "fraud_investigation", ())
        assert not update.allowed and "dpo role may not" in update.reason
        # Case work is for fraud or error; an oversight purpose does not allow it.
        admin = Person("root", "admin")
        oversight = authorise(session, admin, "case.update", "case:m", "audit_oversight", ())
        assert not oversight.allowed and "for checking that data is used lawfully" in (
            oversight.reason
        )


def test_can_answers_without_auditing(store: OperationalStore) -> None:
    assert can(Person("ivy", "investigator"), "case.update", "fraud_investigation")
    assert not can(Person("dee", "dpo"), "case.update", "fraud_investigation")
    assert not can(None, "match.view", "fraud_investigation")
    assert audit(store) == []
