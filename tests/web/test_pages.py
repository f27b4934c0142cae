"""Source, property and person pages, and the people API, over a real demo run.

One private copy of the session's 1,500-person council per module, so the users and audit
events made here stay out of other tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.hub import Hub
from joinedup.store.users import User
from joinedup.web import create_app

from .conftest import audited, csrf_from, first_row, private_demo_hub

ROLES = {"ivy": "investigator", "ana": "analyst"}


@pytest.fixture(scope="module")
def demo_hub(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Hub:  # type: ignore[no-untyped-def]
    return private_demo_hub(demo_hub_config.folder, tmp_path_factory.mktemp("web-pages"), ROLES)


def test_sources_list_and_source_page_with_trend_and_quarantine(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    ivy = as_user("ivy")
    page = ivy.get("/sources")
    assert page.status_code == 200 and 'href="/sources/council_tax"' in page.text
    source = ivy.get("/sources/council_tax")
    assert source.status_code == 200
    assert "<svg" in source.text and 'role="img"' in source.text
    assert "Quarantined rows" in source.text
    row, reasons, raw = first_row(
        demo_hub,
        "SELECT row_number, reasons, raw FROM quarantine WHERE source='council_tax' "
        "ORDER BY row_number LIMIT 1",
    )
    assert "Values in the row" in source.text  # investigators see raw values
    assert ("ivy", "records.view", "allowed") in audited(demo_hub, "quarantine:council_tax")
    analyst = as_user("ana").get("/sources/council_tax")
    assert analyst.status_code == 200
    assert "reasons only" in analyst.text and "Values in the row" not in analyst.text
    assert ("ana", "records.view", "denied") in audited(demo_hub, "quarantine:council_tax")
    assert ivy.get("/sources/no_such_source").status_code == 404


def test_property_page_shows_occupants_records_and_matches(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    (uprn,) = first_row(
        demo_hub, "SELECT uprn FROM matches WHERE uprn IS NOT NULL ORDER BY match_key LIMIT 1"
    )
    (occupants,) = first_row(demo_hub, f"SELECT count(*) FROM households WHERE uprn = '{uprn}'")
    ivy = as_user("ivy")
    page = ivy.get(f"/properties/{uprn}")
    assert page.status_code == 200
    assert "Who lives here now" in page.text and "/matches/" in page.text
    assert page.text.count('href="/people/') >= occupants
    assert ("ivy", "records.view", "allowed") in audited(demo_hub, f"property:{uprn}")
    assert as_user("ana").get(f"/properties/{uprn}").status_code == 403
    assert ivy.get("/properties/999999999999").status_code == 404
    assert ivy.get("/properties/not-a-uprn").status_code == 404


def test_person_search_is_a_post_and_finds_the_person(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    entity_id, first, last, dob = first_row(
        demo_hub,
        """SELECT entity_id,
                  max(value) FILTER (WHERE field='first_name'),
                  max(value) FILTER (WHERE field='surname'),
                  max(value) FILTER (WHERE field='date_of_birth')
           FROM golden_records GROUP BY entity_id
           HAVING count(*) FILTER (WHERE field IN ('first_name','surname','date_of_birth')) = 3
           ORDER BY entity_id LIMIT 1""",
    )
    ivy = as_user("ivy")
    form = ivy.get("/people")
    found = ivy.post(
        "/people",
        data={
            "first_name": first,
            "surname": last,
            "date_of_birth": dob,
            "csrf_token": csrf_from(form.text),
        },
    )
    assert found.status_code == 200
    assert f'href="/people/{entity_id}?purpose=fraud_investigation"' in found.text
    # The date of birth as people in the UK write it, day first, finds the same person.
    day_first = ivy.post(
        "/people",
        data={
            "first_name": first,
            "surname": last,
            "date_of_birth": f"{dob[8:10]}/{dob[5:7]}/{dob[:4]}",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert day_first.status_code == 200
    assert f'href="/people/{entity_id}?purpose=fraud_investigation"' in day_first.text
    bad = ivy.post(
        "/people", data={"date_of_birth": "31/02/1980", "csrf_token": csrf_from(form.text)}
    )
    assert bad.status_code == 400 and "a real date of birth, day first" in bad.text
    person = ivy.get(f"/people/{entity_id}")
    assert person.status_code == 200
    assert "Golden record" in person.text and "Why these records are linked" in person.text
    assert ("ivy", "records.view", "allowed") in audited(demo_hub, f"person:{entity_id}")
    assert as_user("ana").get(f"/people/{entity_id}").status_code == 403


def test_people_api_search_and_person(demo_hub: Hub) -> None:
    client = TestClient(create_app(demo_hub))
    with demo_hub.store.session() as db:
        user = db.scalars(select(User).where(User.username == "ivy")).one()
        token = client.app.state.tokens.issue(user)  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {token}"}
    entity_id, postcode, last = first_row(
        demo_hub,
        """SELECT entity_id, max(value) FILTER (WHERE field='postcode'),
                  max(value) FILTER (WHERE field='surname')
           FROM golden_records GROUP BY entity_id
           HAVING count(*) FILTER (WHERE field IN ('postcode','surname')) = 2
           ORDER BY entity_id DESC LIMIT 1""",
    )
    found = client.post(
        "/api/v1/people/search", json={"surname": last, "postcode": postcode}, headers=headers
    )
    assert found.status_code == 200, found.text
    assert entity_id in [c["entity_id"] for c in found.json()["items"]]
    person = client.get(f"/api/v1/people/{entity_id}", headers=headers).json()
    assert person["golden_record"]["surname"] == last and person["records"]
    assert client.post("/api/v1/people/search", json={}, headers=headers).status_code == 400


def test_health_on_a_real_run(demo_hub: Hub) -> None:
    body = TestClient(create_app(demo_hub)).get("/health").json()
    assert body["status"] == "ok" and body["run_id"] == demo_hub.latest_run().id  # type: ignore[union-attr]


@pytest.mark.parametrize("path", ["/sources", "/sources/council_tax", "/people", "/people/X1"])
def test_new_pages_need_sign_in(demo_hub: Hub, path: str) -> None:
    client = TestClient(create_app(demo_hub), follow_redirects=False)
    assert client.get(path).status_code == 303


def test_screens_use_no_personal_data_in_urls(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("ivy").get("/people")
    assert 'method="post" action="/people"' in page.text
    assert Path  # the search form posts; results link only by entity id
