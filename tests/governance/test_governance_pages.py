"""The governance pages and their API over the demo council: agreements (with the DPO
suspending one), the audit trail, the catalogue, and the page a partner's user sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from joinedup.store.audit import AuditEvent

from .governed import AGREEMENT, PARTNER_ORG, Governed, csrf_from, governed_hub


@pytest.fixture(scope="module")
def governed(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Governed:  # type: ignore[no-untyped-def]
    return governed_hub(demo_hub_config.folder, tmp_path_factory.mktemp("pages") / "council")


def _events(governed: Governed, action: str) -> list[AuditEvent]:
    with governed.hub.store.session() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_agreements_list_and_detail(governed: Governed) -> None:
    analyst = governed.signed_in("analyst")
    listed = analyst.get("/agreements")
    assert listed.status_code == 200
    assert "Police safeguarding" in listed.text and "In force" in listed.text
    page = analyst.get(f"/agreements/{AGREEMENT}")
    assert page.status_code == 200
    for text in (PARTNER_ORG, "UK GDPR Art 6(1)(e)", "DPA 2018 Sch 1 para 18", "full name"):
        assert text in page.text
    assert "Save changes" not in page.text  # only an admin or the DPO may change it
    assert analyst.get("/agreements/no_such_agreement").status_code == 404


def test_the_dpo_suspends_an_agreement_and_the_partner_loses_access(governed: Governed) -> None:
    partner = governed.signed_in("partner")
    person = f"/people/{governed.planted.entity_id}"
    assert partner.get(person).status_code == 200  # safeguarding, from their agreement

    dpo = governed.signed_in("dpo")
    page = dpo.get(f"/agreements/{AGREEMENT}")
    form = {"status": "suspended", "review": "2027-01-31", "csrf_token": csrf_from(page.text)}
    done = dpo.post(f"/agreements/{AGREEMENT}", data=form)
    assert done.status_code == 303
    assert "status active to suspended" in dpo.get(done.headers["location"]).text
    [asked] = _events(governed, "agreement.edit")  # the gate's answer
    [edit] = _events(governed, "agreement.edited")  # and the change
    assert (asked.actor, asked.decision) == ("dpo", "allowed")
    assert (edit.actor, edit.resource) == ("dpo", f"agreement:{AGREEMENT}")
    try:
        refused = partner.get(person)
        assert refused.status_code == 403
        assert "police_safeguarding is suspended" in refused.text
        mine = partner.get("/partner")
        assert "No data sharing agreement naming your organisation is in force" in mine.text
        assert "suspended" in mine.text
    finally:
        form = {"status": "active", "review": "2030-01-01", "csrf_token": csrf_from(page.text)}
        assert dpo.post(f"/agreements/{AGREEMENT}", data=form).status_code == 303
    assert partner.get(person).status_code == 200


def test_an_investigator_may_not_change_an_agreement(governed: Governed) -> None:
    ivy = governed.signed_in("investigator")
    page = ivy.get(f"/agreements/{AGREEMENT}")
    form = {"status": "suspended", "review": "", "csrf_token": csrf_from(page.text)}
    refused = ivy.post(f"/agreements/{AGREEMENT}", data=form)
    assert refused.status_code == 403
    denied = [e for e in _events(governed, "agreement.edit") if e.actor == "investigator"]
    assert not [e for e in _events(governed, "agreement.edited") if e.actor == "investigator"]
    assert [e.decision for e in denied] == ["denied"]


def test_a_bad_review_date_is_explained(governed: Governed) -> None:
    admin = governed.signed_in("admin")
    page = admin.get(f"/agreements/{AGREEMENT}")
    form = {"status": "active", "review": "31/01/2027", "csrf_token": csrf_from(page.text)}
    answer = admin.post(f"/agreements/{AGREEMENT}", data=form)
    assert answer.status_code == 400
    assert "year-month-day" in answer.text


def test_partner_page_shows_what_they_may_see(governed: Governed) -> None:
    page = governed.signed_in("partner").get("/partner")
    assert page.status_code == 200
    assert PARTNER_ORG in page.text
    assert "Keeping children and adults at risk safe from harm" in page.text
    assert "council_tax" in page.text and "full name, date of birth" in page.text
    other = governed.signed_in("partner_other").get("/partner")
    assert "No data sharing agreement naming your organisation is in force" in other.text
    staff = governed.signed_in("analyst").get("/partner")
    assert "This page is for partner organisations' staff" in staff.text


def test_partner_search_and_person_page_follow_the_purpose(governed: Governed) -> None:
    partner = governed.signed_in("partner")
    search = partner.get("/people")
    assert 'option value="safeguarding" selected' in search.text
    person = f"/people/{governed.planted.entity_id}"
    fraud = partner.get(person, params={"purpose": "fraud_investigation"})
    assert fraud.status_code == 403
    assert "no data sharing agreement gives demo_police access" in fraud.text
    allowed = partner.get(person, params={"purpose": "safeguarding"})
    assert allowed.status_code == 200
    assert "Why these records are linked" in allowed.text
    assert "Kept apart" not in allowed.text and "Timeline" not in allowed.text
    with governed.hub.store.session() as db:
        reads = db.scalars(
            select(AuditEvent).where(
                AuditEvent.actor == "partner",
                AuditEvent.resource == f"person:{governed.planted.entity_id}",
            )
        ).all()
    assert ("fraud_investigation", "denied") in {(e.purpose, e.decision) for e in reads}
    shown = [e for e in reads if (e.purpose, e.decision) == ("safeguarding", "allowed")]
    assert shown and set(shown[-1].fields.split(",")) <= {
        "council_tax.name", "council_tax.date_of_birth",
    }  # fmt: skip


def test_the_audit_trail_page_filters_and_verifies(governed: Governed) -> None:
    dpo = governed.signed_in("dpo")
    page = dpo.get("/audit")
    assert page.status_code == 200
    assert "The chain is intact" in page.text
    filtered = dpo.get("/audit", params={"actor": "partner", "action": "records.view"})
    rows = re.findall(r"<tr>\s*<td class=\"num\">\d+</td>.*?</tr>", filtered.text, re.S)
    assert rows and all("records.view" in r and "partner" in r for r in rows)
    assert "No events fit this filter" in dpo.get("/audit", params={"since": "2999-01-01"}).text
    bad = dpo.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and "year-month-day" in bad.text
    assert governed.signed_in("investigator").get("/audit").status_code == 403
    assert governed.signed_in("partner").get("/audit").status_code == 403


def test_the_catalogue_page_and_its_editing(governed: Governed) -> None:
    owner = governed.signed_in("data_owner")
    page = owner.get("/catalogue")
    assert page.status_code == 200
    assert "council_tax" in page.text and "dates of birth" in page.text
    section = page.text[page.text.index('id="source-council_tax"') :]
    columns = re.findall(r'name="(category-\d+)"', section.split("</section>")[0])
    form = {"csrf_token": csrf_from(page.text), "steward": "Revenues data steward"}
    form[columns[-1]] = "health"
    saved = owner.post("/catalogue/council_tax", data=form)
    assert saved.status_code == 303
    after = owner.get("/catalogue")
    assert "Revenues data steward" in after.text and "edited in the web UI" in after.text
    assert [e.actor for e in _events(governed, "catalogue.edited")] == ["data_owner"] * 2
    analyst = governed.signed_in("analyst")
    assert 'name="steward"' not in analyst.get("/catalogue").text  # read-only for them
    refused = analyst.post("/catalogue/council_tax", data={"csrf_token": csrf_from(page.text)})
    assert refused.status_code in (400, 403)
    assert governed.signed_in("partner").get("/catalogue").status_code == 403


def test_api_agreements_and_audit(governed: Governed) -> None:
    def get(account: str, path: str, **params: object):  # type: ignore[no-untyped-def]
        headers = {"Authorization": "Bearer " + governed.token(account)}
        return governed.client().get(path, headers=headers, params=params)

    listed = get("analyst", "/api/v1/agreements").json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == AGREEMENT
    assert listed["items"][0]["state"] == "in_force"
    assert listed["items"][0]["shares"] == [
        {"source": "council_tax", "fields": ["full_name", "date_of_birth"]}
    ]
    assert get("partner_other", "/api/v1/agreements").json()["total"] == 0
    assert get("analyst", "/api/v1/agreements", limit=0).status_code == 400

    audit = get("dpo", "/api/v1/audit", limit=5, action="login")
    assert audit.status_code == 200
    body = audit.json()
    assert body["chain_intact"] is True and body["chain_problems"] == []
    assert len(body["items"]) <= 5 and body["total"] >= len(body["items"])
    assert {i["action"] for i in body["items"]} == {"login"}
    second = get("dpo", "/api/v1/audit", limit=5, offset=5, action="login").json()
    assert not {i["seq"] for i in second["items"]} & {i["seq"] for i in body["items"]}
    refused = get("analyst", "/api/v1/audit")
    assert refused.status_code == 403
    assert set(refused.json()["error"]) == {"code", "message"}
    assert get("dpo", "/api/v1/audit", purpose="safeguarding").status_code == 403
    assert governed.client().get("/api/v1/audit").status_code == 401


def test_pages_link_to_governance(governed: Governed, tmp_path: Path) -> None:
    assert 'href="/agreements"' in governed.signed_in("analyst").get("/").text
    partner_home = governed.signed_in("partner").get("/").text
    assert 'href="/partner"' in partner_home and 'href="/agreements"' not in partner_home
