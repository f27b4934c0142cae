"""The JSON API and /health, through TestClient with the fake hub and a real store."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.governance.users import reset_password
from joinedup.store.audit import AuditEvent
from joinedup.store.runs import QualityResult, Run, SourceRun
from joinedup.store.users import User
from joinedup.web.tokens import TokenCodec

from .conftest import csrf_from
from .fakes import FakeHub

API = "/api/v1"


def token_for(client: TestClient, hub: FakeHub, username: str) -> dict[str, str]:
    codec: TokenCodec = client.app.state.tokens  # type: ignore[attr-defined]
    with hub.store.session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        return {"Authorization": f"Bearer {codec.issue(user)}"}


@pytest.fixture
def ivy(client: TestClient, hub: FakeHub, make_user: Callable[..., str]) -> dict[str, str]:
    return token_for(client, hub, make_user("ivy", "investigator"))


@pytest.fixture
def ana(client: TestClient, hub: FakeHub, make_user: Callable[..., str]) -> dict[str, str]:
    return token_for(client, hub, make_user("ana", "analyst"))


def audit(hub: FakeHub, action: str) -> list[AuditEvent]:
    with hub.store.session() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def add_run(hub: FakeHub, run_id: str, when: datetime, score: float) -> None:
    with hub.store.session() as db, db.begin():
        db.add(Run(id=run_id, status="succeeded", started_at=when, finished_at=when))
        db.flush()
        db.add(SourceRun(run_id=run_id, source="council_tax", rows_in=10, records=9, quarantined=1))
        db.add(
            QualityResult(
                run_id=run_id,
                source="council_tax",
                field="postcode",
                dimension="completeness",
                passed=9,
                checked=10,
                score=score,
            )
        )


def test_health_needs_no_login_and_names_the_served_run(client: TestClient, hub: FakeHub) -> None:
    assert client.get("/health").json() == {
        "status": "ok",
        "run_id": None,
        "run_finished_at": None,
    }
    add_run(hub, "R1", datetime(2025, 3, 1, 9, 0), 0.9)
    body = client.get("/health").json()
    assert body["run_id"] == "R1" and body["status"] == "ok"


def test_openapi_lists_the_api_and_not_the_pages(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/health",
        f"{API}/matches",
        f"{API}/matches/{{match_key}}",
        f"{API}/cases/{{match_key}}",
    } <= set(paths)
    assert "patch" in paths[f"{API}/cases/{{match_key}}"]
    assert not any(p in paths for p in ("/", "/login", "/matches", "/sources"))


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ju_not-a-real-token", "Basic aXZ5OnB3", "Bearer garbage"],
)
def test_no_valid_token_is_401_in_the_one_error_format(client: TestClient, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.get(f"{API}/matches", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthenticated"


def test_session_cookie_does_not_work_on_the_api(investigator: TestClient) -> None:
    # Signed in to the pages, but the API wants a token: no CSRF through the API.
    assert investigator.get(f"{API}/matches").status_code == 401


def test_a_password_reset_revokes_the_token(
    client: TestClient, hub: FakeHub, ivy: dict[str, str]
) -> None:
    assert client.get(f"{API}/runs", headers=ivy).status_code == 200
    reset_password(hub.store, "ivy")
    assert client.get(f"{API}/runs", headers=ivy).status_code == 401


def test_matches_are_paged_and_audited(
    client: TestClient, hub: FakeHub, ivy: dict[str, str]
) -> None:
    body = client.get(f"{API}/matches", params={"limit": 2}, headers=ivy).json()
    assert body["total"] == 3 and body["limit"] == 2 and body["offset"] == 0
    assert len(body["items"]) == 2
    rest = client.get(f"{API}/matches", params={"limit": 2, "offset": 2}, headers=ivy).json()
    assert len(rest["items"]) == 1
    keys = {m["match_key"] for m in body["items"] + rest["items"]}
    assert len(keys) == 3
    spd = client.get(
        f"{API}/matches", params={"rule": "spd_electoral_register"}, headers=ivy
    ).json()["items"]
    assert [m["address"] for m in spd] == ["14 Placeholder Road, Testbury, ZZ1 1AA"]
    events = audit(hub, "match.list")
    assert [(e.actor, e.decision) for e in events] == [("ivy", "allowed")] * 3


def test_forbidden_role_gets_403_and_the_refusal_is_audited(
    client: TestClient, hub: FakeHub, ana: dict[str, str]
) -> None:
    response = client.get(f"{API}/matches", headers=ana)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden" and "analyst" in error["message"]
    [event] = audit(hub, "match.list")
    assert (event.actor, event.decision) == ("ana", "denied")
    key = hub.list_matches()[0].match_key
    assert client.get(f"{API}/matches/{key}", headers=ana).status_code == 403
    assert client.get(f"{API}/cases/{key}", headers=ana).status_code == 403
    # Counts are not personal data: the analyst may read them.
    assert client.get(f"{API}/sources", headers=ana).status_code == 200


def test_a_match_with_its_records(client: TestClient, hub: FakeHub, ivy: dict[str, str]) -> None:
    key = next(m.match_key for m in hub.list_matches() if m.rule == "spd_electoral_register")
    body = client.get(f"{API}/matches/{key}", headers=ivy).json()
    assert body["match_key"] == key
    assert {r["record_key"] for r in body["records"]} == {"CT-0001", "ER-5521", "ER-5522"}
    assert body["records"][0]["date_of_birth"] == "1980-05-17"
    assert body["links"][0]["reasons"][0].startswith("same date of birth")
    [event] = audit(hub, "match.view")
    assert event.resource == f"match:{key}" and event.decision == "allowed"


def test_unknown_match_is_404_json(client: TestClient, ivy: dict[str, str]) -> None:
    response = client.get(f"{API}/matches/nope", headers=ivy)
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": "There is no match with that key in the served run.",
        }
    }
    assert client.get(f"{API}/no-such-thing", headers=ivy).json()["error"]["code"] == "not_found"


def test_bad_parameters_get_400_without_echoing_input(
    client: TestClient, ivy: dict[str, str]
) -> None:
    response = client.get(f"{API}/matches", params={"limit": "SECRET-VALUE"}, headers=ivy)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "SECRET-VALUE" not in response.text
    assert client.get(f"{API}/matches", params={"limit": 10_000}, headers=ivy).status_code == 400
    assert (
        client.get(f"{API}/matches", params={"purpose": "curiosity"}, headers=ivy).status_code
        == 403
    )


def test_read_and_update_a_case(client: TestClient, hub: FakeHub, ivy: dict[str, str]) -> None:
    key = hub.list_matches()[0].match_key
    case = client.get(f"{API}/cases/{key}", headers=ivy).json()
    assert case["status"] == "open" and case["notes"] == []
    response = client.patch(
        f"{API}/cases/{key}",
        json={
            "status": "closed",
            "outcome": "fraud",
            "note": "Confirmed by phone.",
            "amount_recovered": 412.5,
        },
        headers=ivy,
    )
    assert response.status_code == 200, response.text
    case = client.get(f"{API}/cases/{key}", headers=ivy).json()
    assert (case["status"], case["outcome"], case["amount_recovered"]) == ("closed", "fraud", 412.5)
    assert [n["text"] for n in case["notes"]] == ["Confirmed by phone."]
    assert [e.decision for e in audit(hub, "case.update")] == ["allowed"]
    # Nonsense changes are refused with the case worker's message, nothing saved.
    bad = client.patch(f"{API}/cases/{key}", json={"status": "closed"}, headers=ivy)
    assert bad.status_code == 400 and "outcome" in bad.json()["error"]["message"]


def test_a_role_without_casework_cannot_update(
    client: TestClient, hub: FakeHub, make_user: Callable[..., str]
) -> None:
    dpo = token_for(client, hub, make_user("dee", "dpo"))
    key = hub.list_matches()[0].match_key
    assert client.get(f"{API}/cases/{key}", headers=dpo).status_code == 200
    response = client.patch(f"{API}/cases/{key}", json={"status": "under_review"}, headers=dpo)
    assert response.status_code == 403
    assert [e.decision for e in audit(hub, "case.update")] == ["denied"]


def test_runs_sources_and_quality(client: TestClient, hub: FakeHub, ana: dict[str, str]) -> None:
    add_run(hub, "R1", datetime(2025, 3, 1, 9, 0), 0.8)
    add_run(hub, "R2", datetime(2025, 4, 1, 9, 0), 0.9)
    runs = client.get(f"{API}/runs", headers=ana).json()
    assert [r["id"] for r in runs["items"]] == ["R2", "R1"] and runs["total"] == 2
    quality = client.get(f"{API}/quality", headers=ana).json()["items"]
    assert [(q["run_id"], q["score"]) for q in quality] == [("R2", 0.9)]
    older = client.get(f"{API}/quality", params={"run_id": "R1"}, headers=ana).json()
    assert older["items"][0]["score"] == 0.8
    assert client.get(f"{API}/sources", headers=ana).json()["items"] == []


def test_a_user_makes_a_token_on_the_account_page_and_uses_it(
    investigator: TestClient, hub: FakeHub
) -> None:
    page = investigator.get("/account")
    assert page.status_code == 200 and "Create an API token" in page.text
    made = investigator.post("/account/token", data={"csrf_token": csrf_from(page.text)})
    assert made.status_code == 200
    token = re.search(r"readonly>(ju_[^<]+)</textarea>", made.text).group(1)  # type: ignore[union-attr]
    response = investigator.get(f"{API}/runs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [e.actor for e in audit(hub, "token.issue")] == ["ivy"]
    # Without the form's CSRF token, no token is made.
    assert investigator.post("/account/token", data={}).status_code == 400
