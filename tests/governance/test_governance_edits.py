"""Agreement status and review date changed outside the YAML, and catalogue edits: the
latest change wins wherever it was made, and every change is audited. On SQLite and
PostgreSQL (the `store` fixture)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from joinedup.governance.agreements import (
    AgreementEditError,
    coverage,
    edit_agreement,
    get_agreement,
    sync_agreements,
    visible_agreements,
)
from joinedup.governance.audit import verify_chain
from joinedup.governance.catalogue import (
    CatalogueEditError,
    build_catalogue,
    catalogue_edits,
    edit_catalogue,
)
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore

from .agreement_fixtures import TODAY, hub_config

NAME = "police_safeguarding"


def _edit(store: OperationalStore, status: str, review: date | None) -> list[str]:
    with store.session() as session, session.begin():
        agreement = get_agreement(session, NAME)
        assert agreement is not None
        return edit_agreement(session, "dora", agreement, status, review)


def _sync(store: OperationalStore, **changes: object) -> None:
    with store.session() as session, session.begin():
        sync_agreements(session, hub_config(**changes).agreements)


def _state(store: OperationalStore) -> tuple[str, date | None, bool]:
    with store.session() as session:
        agreement = get_agreement(session, NAME)
        assert agreement is not None
        police = coverage(session, "exampleshire_police", "safeguarding", TODAY)
        return agreement.status, agreement.review_date, bool(police.in_force)


def test_a_suspension_takes_effect_at_once_and_survives_a_sync(store: OperationalStore) -> None:
    _sync(store)
    assert _state(store) == ("active", date(2026, 9, 30), True)
    changed = _edit(store, "suspended", date(2026, 7, 1))
    assert changed == ["status active to suspended", "review date 2026-09-30 to 2026-07-01"]
    assert _state(store) == ("suspended", date(2026, 7, 1), False)  # no access, at once
    _sync(store)  # the hub opens again with the same YAML: the web change holds
    assert _state(store) == ("suspended", date(2026, 7, 1), False)
    _sync(store, title="Renamed")  # the YAML changes something else: still holds
    assert _state(store) == ("suspended", date(2026, 7, 1), False)
    _sync(store, status="ended", review="2026-12-01")  # the YAML's own values changed: it wins
    assert _state(store) == ("ended", date(2026, 12, 1), False)
    with store.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions == ["agreement.add", "agreement.edited"] + ["agreement.change"] * 2
        assert verify_chain(session) == []


def test_nothing_changed_writes_nothing(store: OperationalStore) -> None:
    _sync(store)
    assert _edit(store, "active", date(2026, 9, 30)) == []
    with store.session() as session:
        assert [e.action for e in session.scalars(select(AuditEvent))] == ["agreement.add"]


def test_edits_that_cannot_be_made(store: OperationalStore) -> None:
    _sync(store)
    with pytest.raises(AgreementEditError, match="choose one of the statuses"):
        _edit(store, "withdrawn", None)
    with store.session() as session, session.begin():
        sync_agreements(session, {})  # taken out of the YAML: withdrawn
    with pytest.raises(AgreementEditError, match="taken out of joinedup.yaml"):
        _edit(store, "active", None)


def test_partners_see_only_their_own_agreements(store: OperationalStore) -> None:
    _sync(store)
    with store.session() as session:
        assert [v.name for v in visible_agreements(session, None, False, TODAY)] == [NAME]
        police = visible_agreements(session, "exampleshire_police", True, TODAY)
        assert [(v.name, v.state) for v in police] == [(NAME, "in_force")]
        assert police[0].shares == (("council_tax", ("first_name", "surname", "date_of_birth")),)
        assert visible_agreements(session, "exampleshire_fire", True, TODAY) == []
        assert visible_agreements(session, None, True, TODAY) == []


def test_catalogue_edits_lie_over_the_yaml(store: OperationalStore) -> None:
    config = hub_config()
    with store.session() as session, session.begin():
        assert edit_catalogue(session, config, "owen", "council_tax", "", "steward", "Ann Lee")
        assert edit_catalogue(
            session, config, "owen", "council_tax", "nhs", "personal_data", "health"
        )
        assert not edit_catalogue(  # the same value again changes nothing
            session, config, "owen", "council_tax", "", "steward", "Ann  Lee"
        )
    with store.session() as session:
        entry = next(e for e in build_catalogue(config, catalogue_edits(session))
                     if e.source == "council_tax")  # fmt: skip
    assert entry.steward == "Ann Lee"
    nhs = next(c for c in entry.columns if c.column == "nhs")
    assert (nhs.category, nhs.found_by) == ("health", "edited in the web UI")
    assert any("Art 9" in gap for gap in entry.gaps)  # health now needs an Art 9 condition
    with store.session() as session, session.begin():  # an empty value goes back to the YAML
        assert edit_catalogue(session, config, "owen", "council_tax", "", "steward", "")
    with store.session() as session:
        entry = next(e for e in build_catalogue(config, catalogue_edits(session))
                     if e.source == "council_tax")  # fmt: skip
        assert entry.steward is None
        events = [(e.action, e.resource, e.detail) for e in session.scalars(select(AuditEvent))]
    assert events == [
        ("catalogue.edited", "catalogue:council_tax", "steward set"),
        ("catalogue.edited", "catalogue:council_tax.nhs", "personal_data set"),
        ("catalogue.edited", "catalogue:council_tax", "steward returned to the YAML"),
    ]


@pytest.mark.parametrize(
    ("source", "column", "attribute", "value", "message"),
    [
        ("nowhere", "", "owner", "x", "no such source"),
        ("council_tax", "", "password", "x", "not something the catalogue records"),
        ("council_tax", "nhs", "personal_data", "secret", "choose one of the categories"),
        ("council_tax", "no_column", "personal_data", "health", "no such column"),
    ],
)
def test_catalogue_edits_that_cannot_be_made(
    store: OperationalStore, source: str, column: str, attribute: str, value: str, message: str
) -> None:
    with store.session() as session, pytest.raises(CatalogueEditError, match=message):
        edit_catalogue(session, hub_config(), "owen", source, column, attribute, value)
