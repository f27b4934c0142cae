"""The authorisation matrix: every role x every agreement state x every action x purpose.

The expectations are written out here, independently of the gate's tables, so a change
to the gate that widens access fails this test until someone decides it should.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from joinedup.governance.agreements import sync_agreements
from joinedup.governance.audit import verify_chain
from joinedup.governance.policy import ACTIONS, authorise
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore
from joinedup.store.users import ROLES

from .agreement_fixtures import STATES, TODAY, hub_config

PURPOSES = ("safeguarding", "fraud_investigation", "audit_oversight", "error_correction")
ASKED = (
    "council_tax.first_name",
    "council_tax.surname",
    "council_tax.date_of_birth",
    "council_tax.nhs_number",  # in the source, not in the agreement
    "benefits.date_of_birth",  # a field the agreement shares, but from another source
    "name",  # a view field: needs first_name and surname (both shared)
    "link_reasons",  # derived: no agreement can name it
)
PARTNER_SEES = ASKED[:3] + ("name",)

READS = {"match.list", "match.view", "case.view", "records.view", "pseudonym.reidentify"}
REPORTS = {"report.view"}  # the business case: counts and money, no personal data
RUNS = {"run.start"}  # starting a pipeline run: operators only
CORRECTIONS = {"correction.submit", "correction.review", "erasure.request"}
CASEWORK = {"case.update", "case.export"}  # changing cases, and the fraud team's case CSV
OVERSIGHT = {"audit.view", "agreement.edit"}  # the trail, and suspending an agreement
CATALOGUE = {"catalogue.edit"}
PSEUDONYMS = {"pseudonyms.view"}  # identifiers replaced by keyed pseudonyms
READS |= PSEUDONYMS
REVIEW = {"link.review", "link.label"}  # clerical review of uncertain links: casework staff
STAFF_MAY = {
    "analyst": PSEUDONYMS,
    "admin": READS | REPORTS | RUNS | CASEWORK | CORRECTIONS | OVERSIGHT | CATALOGUE | REVIEW,
    "investigator": READS | REPORTS | CASEWORK | {"correction.submit"} | REVIEW,
    "dpo": READS | REPORTS | CORRECTIONS | OVERSIGHT,
    "data_owner": REPORTS | RUNS | CATALOGUE,
}
CASEWORK_PURPOSES = {"fraud_investigation", "error_correction"}


@dataclass
class Person:
    username: str
    role: str
    organisation: str | None = None


def expected(role: str, organisation: str | None, state: str, action: str, purpose: str):  # type: ignore[no-untyped-def]
    """(allowed, fields released) as the governance design says it must be."""
    if role in STAFF_MAY:
        allowed = (
            action in STAFF_MAY[role]
            and (action not in CASEWORK or purpose in CASEWORK_PURPOSES)
            and (action not in CORRECTIONS | REVIEW or purpose == "error_correction")
            and (action not in OVERSIGHT | CATALOGUE or purpose == "audit_oversight")
        )
        return allowed, ASKED if allowed else ()
    if role == "partner_user":
        allowed = (
            action == "records.view"
            and organisation == "exampleshire_police"
            and state == "in_force"
            and purpose == "safeguarding"
        )
        return allowed, PARTNER_SEES if allowed else ()
    return False, ()


def people() -> list[Person]:
    staff = [Person(f"u_{role}", role) for role in ROLES if role != "partner_user"]
    return staff + [
        Person("p_police", "partner_user", "exampleshire_police"),
        Person("p_fire", "partner_user", "exampleshire_fire"),  # no agreement names them
        Person("p_none", "partner_user", None),  # an account without its organisation
    ]


def test_the_matrix_covers_every_role_and_action() -> None:
    assert {p.role for p in people()} == set(ROLES)
    assert set(ACTIONS) == (
        READS | REPORTS | RUNS | CASEWORK | CORRECTIONS | OVERSIGHT | CATALOGUE | REVIEW
    )


@pytest.mark.parametrize("state", list(STATES))
def test_authorisation_matrix(store: OperationalStore, state: str) -> None:
    with store.session() as session, session.begin():
        sync_agreements(session, hub_config(state).agreements)
    wrong: list[str] = []
    asked = 0
    with store.session() as session, session.begin():
        for person in people():
            for action in ACTIONS:
                for purpose in PURPOSES:
                    decision = authorise(
                        session, person, action, "records:test", purpose, ASKED, today=TODAY
                    )
                    asked += 1
                    want = expected(person.role, person.organisation, state, action, purpose)
                    if (decision.allowed, decision.fields) != want:
                        wrong.append(
                            f"{person.username} {action} {purpose}: got "
                            f"{decision.allowed} {decision.fields} ({decision.reason})"
                        )
    assert wrong == []
    with store.session() as session:  # every answer, allowed or denied, is on the trail
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == asked + (
            state != "no_agreement"
        )
        assert verify_chain(session) == []


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("suspended", "police_safeguarding is suspended"),
        ("expired", "police_safeguarding is expired"),
        ("not_started", "police_safeguarding is not started"),
        ("no_agreement", "no data sharing agreement gives exampleshire_police access"),
    ],
)
def test_a_partner_is_told_why_in_plain_words(
    store: OperationalStore, state: str, reason: str
) -> None:
    with store.session() as session, session.begin():
        sync_agreements(session, hub_config(state).agreements)
        decision = authorise(
            session,
            Person("p", "partner_user", "exampleshire_police"),
            "records.view",
            "records:x",
            "safeguarding",
            ASKED,
            today=TODAY,
        )
    assert not decision.allowed
    assert reason in decision.reason


def test_a_partner_asking_only_for_unshared_fields_is_denied(store: OperationalStore) -> None:
    police = Person("p", "partner_user", "exampleshire_police")
    with store.session() as session, session.begin():
        sync_agreements(session, hub_config().agreements)
        decision = authorise(
            session,
            police,
            "records.view",
            "records:x",
            "safeguarding",
            ("council_tax.nhs_number", "benefits.date_of_birth"),
            today=TODAY,
        )
        assert not decision.allowed
        assert "share none of the fields" in decision.reason
        allowed = authorise(
            session, police, "records.view", "records:x", "safeguarding", ASKED, today=TODAY
        )
        assert allowed.reason == "allowed by agreement police_safeguarding"
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        # The trail records what was released, not what was asked for.
        assert last.fields == ",".join(PARTNER_SEES)
