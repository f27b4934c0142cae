"""The people search API takes identifiers too (email, phone, NHS and NI numbers), typed
as people write them; a partner searches only by what an agreement shares with them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joinedup.store.agreements import Agreement, AgreementShare

from .governed import AGREEMENT, SHARED_SOURCE, Governed, governed_hub


@pytest.fixture(scope="module")
def governed(demo_hub_config, tmp_path_factory) -> Governed:  # type: ignore[no-untyped-def]
    return governed_hub(demo_hub_config.folder, tmp_path_factory.mktemp("search") / "council")


def _search(governed: Governed, account: str, body: dict, purpose: str):  # type: ignore[no-untyped-def]
    return governed.client().post(
        "/api/v1/people/search",
        json=body,
        params={"purpose": purpose},
        headers={"Authorization": "Bearer " + governed.token(account)},
    )


def test_staff_search_by_a_phone_typed_as_people_write_it(governed: Governed) -> None:
    con = governed.hub.connect()
    surname, phone, entity_id = con.execute(
        "SELECT i.surname, i.phone, c.entity_id FROM link_input i "
        "JOIN person_clusters c ON c.record_id = i.unique_id "
        "WHERE i.phone IS NOT NULL AND i.surname IS NOT NULL ORDER BY i.unique_id LIMIT 1"
    ).fetchone()
    con.close()
    typed = f"+44 ({phone[0]}){phone[1:5]} {phone[5:]}"
    found = _search(
        governed, "investigator", {"surname": surname, "phone": typed}, "fraud_investigation"
    )
    assert found.status_code == 200, found.text
    best = found.json()["items"][0]
    assert best["entity_id"] == entity_id
    assert any(reason.startswith("same phone") for reason in best["reasons"])


def test_a_partner_cannot_search_by_an_identifier_no_agreement_shares(
    governed: Governed,
) -> None:
    by_name = _search(governed, "partner", {"surname": "Smith"}, "safeguarding")
    assert by_name.status_code == 200, by_name.text
    refused = _search(
        governed, "partner", {"surname": "Smith", "nhs_number": "943 476 5919"}, "safeguarding"
    )
    assert refused.status_code == 403
    assert "nhs_number" in refused.text and "9434765919" not in refused.text


def test_a_partner_searches_by_an_identifier_an_agreement_shares(governed: Governed) -> None:
    con = governed.hub.connect()
    surname, phone = con.execute(
        "SELECT i.surname, i.phone FROM link_input i WHERE i.source_dataset = ? "
        "AND i.phone IS NOT NULL AND i.surname IS NOT NULL ORDER BY i.unique_id LIMIT 1",
        [SHARED_SOURCE],
    ).fetchone()
    con.close()
    body = {"surname": surname, "phone": f"{phone[:5]} {phone[5:]}"}
    assert _search(governed, "partner", body, "safeguarding").status_code == 403
    with governed.hub.store.session() as db, db.begin():
        agreement = db.scalars(select(Agreement).where(Agreement.name == AGREEMENT)).one()
        db.add(AgreementShare(agreement_id=agreement.id, source=SHARED_SOURCE, field="phone"))
    try:
        found = _search(governed, "partner", body, "safeguarding")
        assert found.status_code == 200, found.text
        assert found.json()["items"]
    finally:
        with governed.hub.store.session() as db, db.begin():
            for share in db.scalars(select(AgreementShare).where(AgreementShare.field == "phone")):
                db.delete(share)
