"""Data sharing agreements: declared in the YAML, checked, copied to the store, audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joinedup.config import ConfigError, parse_config
from joinedup.governance.agreements import (
    effective_state,
    list_agreements,
    review_overdue,
    sync_agreements,
)
from joinedup.governance.audit import verify_chain
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore

from .agreement_fixtures import STATES, TODAY, config_data, hub_config


def events(store: OperationalStore) -> list[tuple[str, str, str | None]]:
    with store.session() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        return [(e.action, e.resource, e.detail) for e in rows]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"shares": [{"source": "payroll", "fields": ["surname"]}]}, "'payroll', which is not"),
        ({"shares": [{"source": "council_tax", "fields": ["shoe_size"]}]}, "shoe_size"),
        ({"start": "2026-01-01", "end": "2025-12-31"}, "end date is before the start"),
        ({"parties": [{"organisation": "Exampleshire Police", "lawful_basis": "x"}]}, "lower"),
        ({"status": "paused"}, "status"),
        ({"parties": []}, "parties"),
    ],
)
def test_a_wrong_agreement_is_a_config_error(change: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(config_data(**change))


def test_sync_adds_changes_and_withdraws_with_audit(store: OperationalStore) -> None:
    with store.session() as session, session.begin():
        summary = sync_agreements(session, hub_config().agreements)
    assert summary.added == ("police_safeguarding",)
    with store.session() as session:
        [agreement] = list_agreements(session)
        assert agreement.purpose == "safeguarding"
        assert [p.organisation for p in agreement.parties] == [
            "exampleshire_council",
            "exampleshire_police",
        ]
        assert agreement.parties[1].special_category_condition.endswith("para 18")
        assert {(s.source, s.field) for s in agreement.shares} == {
            ("council_tax", "first_name"),
            ("council_tax", "surname"),
            ("council_tax", "date_of_birth"),
        }

    with store.session() as session, session.begin():  # the same YAML again: no writes
        assert sync_agreements(session, hub_config().agreements).unchanged
    with store.session() as session, session.begin():
        suspended = hub_config(
            "suspended", shares=[{"source": "benefits", "fields": ["date_of_birth"]}]
        )
        assert sync_agreements(session, suspended.agreements).changed == ("police_safeguarding",)
    with store.session() as session:
        [agreement] = list_agreements(session)
        assert agreement.status == "suspended"
        assert [(s.source, s.field) for s in agreement.shares] == [("benefits", "date_of_birth")]
    with store.session() as session, session.begin():
        assert sync_agreements(session, {}).withdrawn == ("police_safeguarding",)
    with store.session() as session:
        assert list_agreements(session)[0].status == "withdrawn"
        assert verify_chain(session) == []
    assert events(store) == [
        ("agreement.add", "agreement:police_safeguarding", "status active"),
        ("agreement.change", "agreement:police_safeguarding", "status suspended"),
        ("agreement.withdraw", "agreement:police_safeguarding", "status withdrawn"),
    ]


def test_an_unknown_purpose_is_refused(store: OperationalStore) -> None:
    with (
        pytest.raises(ConfigError, match="purpose 'curiosity' is not one the hub knows"),
        store.session() as session,
    ):
        sync_agreements(session, hub_config(purpose="curiosity").agreements)


@pytest.mark.parametrize("state", [s for s in STATES if s != "no_agreement"])
def test_effective_state_reads_status_and_dates(store: OperationalStore, state: str) -> None:
    with store.session() as session, session.begin():
        sync_agreements(session, hub_config(state).agreements)
    with store.session() as session:
        [agreement] = list_agreements(session)
        assert effective_state(agreement, TODAY) == state
        assert not review_overdue(agreement, TODAY) or agreement.review_date < TODAY


def test_review_overdue(store: OperationalStore) -> None:
    with store.session() as session, session.begin():
        sync_agreements(session, hub_config().agreements)
    with store.session() as session:
        [agreement] = list_agreements(session)
        assert not review_overdue(agreement, TODAY)
        assert review_overdue(agreement, date(2026, 10, 1))
        assert effective_state(agreement, date(2026, 10, 1)) == "in_force"  # still in force
