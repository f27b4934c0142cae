"""The web UI end to end through FastAPI's TestClient, with a fake hub and a real store."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.governance.audit import verify_chain
from joinedup.governance.users import get_user, reset_password
from joinedup.store.audit import AuditEvent
from joinedup.store.base import utcnow
from joinedup.store.cases import Case

from .conftest import PASSWORD, csrf_from, sign_in
from .fakes import FakeHub

SPD_TITLE = "Single person discount with other adults on the electoral register"


def events(hub: FakeHub, action: str | None = None) -> list[AuditEvent]:
    with hub.store.session() as session:
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(session.scalars(query))


def spd_key(hub: FakeHub) -> str:
    return next(m.match_key for m in hub.list_matches() if m.rule == "spd_electoral_register")


# --- signing in -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/matches", "/matches/abc123"])
def test_pages_need_sign_in(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    if path != "/":
        assert "next=%2Fmatches" in response.headers["location"]


def test_session_cookie_is_httponly_lax_and_secure_over_https(client: TestClient) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" in cookie


def test_sign_in_and_out(client: TestClient, make_user: Callable[..., str], hub: FakeHub) -> None:
    sign_in(client, make_user("ivy", "investigator"))
    page = client.get("/")
    assert page.status_code == 200
    assert "Ivy" in page.text and "Investigator" in page.text
    logins = events(hub, "login")
    assert [(e.actor, e.decision) for e in logins] == [("ivy", "allowed")]
    response = client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    assert client.get("/").status_code == 303


def test_wrong_password_is_refused_and_audited(
    client: TestClient, make_user: Callable[..., str], hub: FakeHub
) -> None:
    make_user("ivy", "investigator")
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login", data={"username": "ivy", "password": "not the password", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "username or password is not right" in response.text
    assert client.get("/").status_code == 303
    [event] = events(hub, "login")
    assert (event.actor, event.decision, event.detail) == ("ivy", "denied", "invalid")


def test_unknown_username_is_not_written_to_the_audit_trail(
    client: TestClient, hub: FakeHub
) -> None:
    token = csrf_from(client.get("/login").text)
    typed = "my-password-typed-in-the-wrong-box"
    response = client.post("/login", data={"username": typed, "password": "x", "csrf_token": token})
    assert response.status_code == 401
    [event] = events(hub, "login")
    assert event.actor == "unknown"
    assert all(typed not in (e.detail or "") + e.actor + e.resource for e in events(hub))


def test_lockout_after_five_failures(
    client: TestClient, make_user: Callable[..., str], hub: FakeHub
) -> None:
    make_user("ivy", "investigator")
    token = csrf_from(client.get("/login").text)
    for _ in range(5):
        bad = {"username": "ivy", "password": "wrong password", "csrf_token": token}
        assert client.post("/login", data=bad).status_code == 401
    good = {"username": "ivy", "password": PASSWORD, "csrf_token": token}
    locked = client.post("/login", data=good)
    assert locked.status_code == 401, "the right password must not work while locked"
    # Same message as a wrong password: the page does not say the account exists.
    assert "username or password is not right" in locked.text
    assert events(hub, "login")[-1].detail == "locked"

    with hub.store.session() as session, session.begin():
        user = get_user(session, "ivy")
        assert user is not None and user.locked_until is not None
        assert user.locked_until - utcnow() > timedelta(minutes=14)
        user.locked_until = utcnow() - timedelta(seconds=1)  # the 15 minutes pass
    assert client.post("/login", data=good).status_code == 303


def test_after_sign_in_go_back_to_the_page_asked_for_but_never_off_site(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("ivy", "investigator")
    for target, expected in [
        ("/matches?status=open", "/matches?status=open"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
    ]:
        token = csrf_from(client.get("/login").text)
        form = {"username": "ivy", "password": PASSWORD, "csrf_token": token, "next": target}
        response = client.post("/login", data=form)
        assert response.headers["location"] == expected
        client.get("/logout")


# --- CSRF -----------------------------------------------------------------------------


def test_login_without_csrf_token_is_rejected(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("ivy", "investigator")
    client.get("/login")
    for token in (None, "forged-token"):
        data = {"username": "ivy", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/login", data=data)
        assert response.status_code == 400
        assert "This form has expired" in response.text
    assert client.get("/").status_code == 303


def test_case_update_with_a_forged_csrf_token_changes_nothing(
    investigator: TestClient, hub: FakeHub
) -> None:
    key = spd_key(hub)
    form = {"status": "closed", "outcome": "fraud", "note": "x", "csrf_token": "forged"}
    response = investigator.post(f"/matches/{key}", data=form)
    assert response.status_code == 400
    with hub.store.session() as session:
        assert session.scalars(select(Case)).first() is None
    assert events(hub, "case.update") == [] and events(hub, "case.change") == []


def test_csrf_token_changes_at_sign_in(client: TestClient, make_user: Callable[..., str]) -> None:
    make_user("ivy", "investigator")
    before = csrf_from(client.get("/login").text)
    sign_in(client, "ivy")
    after = csrf_from(client.get("/").text)
    assert before != after


def test_tampered_session_cookie_is_ignored(investigator: TestClient) -> None:
    cookie = investigator.cookies.get("joinedup_session")
    assert cookie
    investigator.cookies.clear()
    investigator.cookies.set("joinedup_session", cookie[:-3] + "AAA")
    assert investigator.get("/").status_code == 303


def test_password_reset_ends_existing_sessions(investigator: TestClient, hub: FakeHub) -> None:
    assert investigator.get("/").status_code == 200
    reset_password(hub.store, "ivy")
    assert investigator.get("/").status_code == 303


# --- pages ----------------------------------------------------------------------------


def test_dashboard_shows_sources_and_totals(investigator: TestClient) -> None:
    page = investigator.get("/")
    assert page.status_code == 200
    text = page.text
    for expected in [
        "council_tax",
        "electoral_register",
        "1,195",
        "98.2%",
        "3,120",
        "1,480",
        "£2,237.50",
        "spd_electoral_register",
        "run-20250301-0900",
    ]:
        assert expected in text, expected


def test_match_list_is_gated_and_filters_by_status(investigator: TestClient, hub: FakeHub) -> None:
    page = investigator.get("/matches")
    assert page.status_code == 200
    assert SPD_TITLE in page.text
    assert "14 Placeholder Road" in page.text
    assert "Showing 3 of 3 matches" in page.text
    [event] = events(hub, "match.list")
    assert (event.actor, event.decision, event.fields) == ("ivy", "allowed", "address,uprn")

    closed = investigator.get("/matches?status=closed")
    assert "There are no matches" in closed.text


def test_match_page_shows_the_evidence_and_audits_the_view(
    investigator: TestClient, hub: FakeHub
) -> None:
    key = spd_key(hub)
    page = investigator.get(f"/matches/{key}")
    assert page.status_code == 200
    for expected in [
        "electoral register lists two adults",  # the finding
        "2 other adults are registered to vote",  # why
        "Samuel Placeholder",
        "Alex Fictional",
        "17 May 1980",  # the records
        "same date of birth: +8.1",  # link reasons
        "Band C charge",  # value basis
        'name="csrf_token"',
    ]:
        assert expected in page.text, expected
    [event] = events(hub, "match.view")
    assert event.resource == f"match:{key}"
    assert event.decision == "allowed"
    assert event.purpose == "fraud_investigation"
    assert "name" in event.fields.split(",")


def test_case_update_is_saved_shown_and_audited(investigator: TestClient, hub: FakeHub) -> None:
    key = spd_key(hub)
    token = csrf_from(investigator.get(f"/matches/{key}").text)
    note = "Visited; Alex Fictional confirmed living there since 2022."
    form = {
        "status": "closed",
        "outcome": "fraud",
        "note": note,
        "amount_recovered": "412.50",
        "amount_prevented": "",
        "csrf_token": token,
    }
    response = investigator.post(f"/matches/{key}", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/matches/{key}"

    page = investigator.get(f"/matches/{key}")
    assert "The case has been updated." in page.text
    assert note in page.text
    assert "£412.50" in page.text

    with hub.store.session() as session:
        case = session.scalars(select(Case).where(Case.match_key == key)).one()
        assert (case.status, case.outcome, case.assignee) == ("closed", "fraud", "ivy")
        assert case.amount_recovered == 412.50
        assert [n.text for n in case.notes] == [note]
        assert verify_chain(session) == []

    [gate] = events(hub, "case.update")
    assert (gate.actor, gate.decision) == ("ivy", "allowed")
    [change] = events(hub, "case.change")
    assert change.seq > gate.seq
    assert change.actor == "ivy" and change.resource == f"case:{key}"
    assert "status open -> closed" in change.detail
    assert "outcome none -> fraud" in change.detail
    assert "Alex" not in change.detail, "note text must not reach the audit trail"

    listed = investigator.get("/matches?status=closed")
    assert SPD_TITLE in listed.text and "Showing 1 of 1 match" in listed.text


def test_invalid_case_update_shows_an_error_and_saves_nothing(
    investigator: TestClient, hub: FakeHub
) -> None:
    key = spd_key(hub)
    token = csrf_from(investigator.get(f"/matches/{key}").text)
    form = {"status": "closed", "outcome": "", "note": "kept in the form", "csrf_token": token}
    response = investigator.post(f"/matches/{key}", data=form)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Choose an outcome to close the case" in response.text
    assert "kept in the form" in response.text
    with hub.store.session() as session:
        assert session.scalars(select(Case)).first() is None


@pytest.mark.parametrize("role", ["analyst", "data_owner", "partner_user"])
def test_roles_without_access_get_403_and_a_denied_event(
    client: TestClient, make_user: Callable[..., str], hub: FakeHub, role: str
) -> None:
    sign_in(client, make_user("ann", role))
    key = spd_key(hub)
    for path, action in [(f"/matches/{key}", "match.view"), ("/matches", "match.list")]:
        page = client.get(path)
        assert page.status_code == 403
        assert "You do not have access to this page" in page.text
        assert "Placeholder" not in page.text
        [event] = events(hub, action)
        assert (event.actor, event.decision) == ("ann", "denied")
        assert event.fields  # the fields that were asked for are on record


def test_dpo_can_view_but_not_change_a_case(
    client: TestClient, make_user: Callable[..., str], hub: FakeHub
) -> None:
    sign_in(client, make_user("dee", "dpo"))
    key = spd_key(hub)
    page = client.get(f"/matches/{key}")
    assert page.status_code == 200
    assert "your role cannot change it" in page.text
    form = {"status": "under_review", "outcome": "", "note": "", "csrf_token": csrf_from(page.text)}
    response = client.post(f"/matches/{key}", data=form)
    assert response.status_code == 403
    [event] = events(hub, "case.update")
    assert (event.actor, event.decision) == ("dee", "denied")
    assert events(hub, "case.change") == []
    with hub.store.session() as session:  # the refusal changed nothing and opened no case
        assert session.scalars(select(Case)).all() == []


def test_friendly_404s(investigator: TestClient) -> None:
    for path in ["/matches/0000000000000000dead", "/no-such-page"]:
        page = investigator.get(path)
        assert page.status_code == 404
        assert "Page not found" in page.text


def test_no_personal_data_in_any_url(investigator: TestClient, hub: FakeHub) -> None:
    key = spd_key(hub)
    personal = ["Placeholder", "Fictional", "Example", "Sample", "1980", "ZZ1"]
    for path in ["/", "/matches", f"/matches/{key}"]:
        html = investigator.get(path).text
        for url in re.findall(r'(?:href|action|src)="([^"]*)"', html):
            assert not any(p in url for p in personal), url


def test_security_headers_and_static_css(investigator: TestClient) -> None:
    page = investigator.get("/")
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    css = investigator.get("/static/joinedup.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "//" not in re.sub(r"/\*.*?\*/", "", css.text, flags=re.S).replace("://", "")


def test_secret_key_is_created_owner_only(hub: FakeHub, client: TestClient) -> None:
    path = hub.config.data_dir / "secret.key"
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600


def test_notes_are_escaped(investigator: TestClient, hub: FakeHub) -> None:
    key = spd_key(hub)
    token = csrf_from(investigator.get(f"/matches/{key}").text)
    note = '<script>alert("x")</script>'
    form = {"status": "under_review", "outcome": "", "note": note, "csrf_token": token}
    assert investigator.post(f"/matches/{key}", data=form).status_code == 303
    page = investigator.get(f"/matches/{key}").text
    assert note not in page
    assert "&lt;script&gt;" in page
