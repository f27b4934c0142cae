"""The case queue on /matches (filters, sorting, age, "assigned to me") and assigning a
case from the match page: CSRF, roles, audit, and no usernames or personal data in URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.governance.audit import verify_chain
from joinedup.governance.users import get_user
from joinedup.store.audit import AuditEvent
from joinedup.store.base import utcnow
from joinedup.store.cases import Case

from .conftest import csrf_from, sign_in
from .fakes import FakeHub

SPD = "Single person discount with other adults on the electoral register"
BADGE = "Blue badge held by someone who has died"
CREDITOR = "Invoice paid twice to the same creditor"


def key_of(hub: FakeHub, rule: str) -> str:
    return next(m.match_key for m in hub.list_matches() if m.rule == rule)


def user_id(hub: FakeHub, username: str) -> int:
    with hub.store.session() as session:
        user = get_user(session, username)
        assert user is not None
        return user.id


def titles(html: str) -> list[str]:
    """The rule titles of the table rows, in order."""
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", body)


def assign(client: TestClient, key: str, assignee: str) -> object:
    token = csrf_from(client.get(f"/matches/{key}").text)
    return client.post(f"/matches/{key}/assign", data={"assignee": assignee, "csrf_token": token})


def test_queue_filters_by_value_and_sorts_by_value_or_age(
    investigator: TestClient, hub: FakeHub
) -> None:
    page = investigator.get("/matches")
    assert titles(page.text) == [CREDITOR, BADGE, SPD]  # highest value first
    assert "Age (days)" in page.text and "Not assigned" in page.text

    over_500 = investigator.get("/matches?min_value=500")
    assert titles(over_500.text) == [CREDITOR, BADGE]
    assert "Showing 2 of 2 matches (3 in all)" in over_500.text
    # a value that is not an amount is ignored, not an error
    assert titles(investigator.get("/matches?min_value=lots").text) == [CREDITOR, BADGE, SPD]

    # The SPD match was first found 40 days ago; the others today.
    with hub.store.session() as session, session.begin():
        now = utcnow()
        for rule, days in [
            ("spd_electoral_register", 40),
            ("blue_badge_deceased", 0),
            ("duplicate_creditor_payment", 0),
        ]:
            found = now - timedelta(days=days)
            session.add(Case(match_key=key_of(hub, rule), rule=rule, created_at=found))
    old = investigator.get("/matches?age=30")
    assert titles(old.text) == [SPD]
    assert ">40<" in old.text
    by_age = investigator.get("/matches?sort=age")
    assert titles(by_age.text)[0] == SPD
    assert titles(investigator.get("/matches?sort=newest").text)[-1] == SPD


def test_assign_from_the_match_page_then_filter_assigned_to_me(
    investigator: TestClient, hub: FakeHub, make_user: Callable[..., str]
) -> None:
    make_user("bob", "admin")
    make_user("anna", "analyst")
    key = key_of(hub, "blue_badge_deceased")
    page = investigator.get(f"/matches/{key}")
    assert "Assign this case to" in page.text
    options = re.findall(r'<option value="(\d+)"', page.text)
    assert sorted(int(o) for o in options) == sorted([user_id(hub, "bob"), user_id(hub, "ivy")]), (
        "only investigators and admins can be given a case"
    )

    response = assign(investigator, key, str(user_id(hub, "ivy")))
    assert response.status_code == 303  # type: ignore[attr-defined]
    shown = investigator.get(f"/matches/{key}")
    assert "The case worker has been changed." in shown.text

    mine = investigator.get("/matches?assignee=me")
    assert titles(mine.text) == [BADGE]
    assert titles(investigator.get(f"/matches?assignee={user_id(hub, 'ivy')}").text) == [BADGE]
    assert titles(investigator.get(f"/matches?assignee={user_id(hub, 'bob')}").text) == []
    assert titles(investigator.get("/matches?assignee=none").text) == [CREDITOR, SPD]

    assign(investigator, key, str(user_id(hub, "bob")))
    assign(investigator, key, "")
    with hub.store.session() as session:
        case = session.scalars(select(Case).where(Case.match_key == key)).one()
        assert case.assignee is None
        assert verify_chain(session) == []
        details = list(
            session.scalars(
                select(AuditEvent.detail)
                .where(AuditEvent.action == "case.assign")
                .order_by(AuditEvent.seq)
            )
        )
    assert details == ["assignee none -> ivy", "assignee ivy -> bob", "assignee bob -> none"]


def test_assigning_to_someone_who_cannot_work_cases_is_an_error(
    investigator: TestClient, hub: FakeHub, make_user: Callable[..., str]
) -> None:
    make_user("anna", "analyst")
    key = key_of(hub, "spd_electoral_register")
    response = assign(investigator, key, str(user_id(hub, "anna")))
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "investigator or an admin" in response.text  # type: ignore[attr-defined]
    with hub.store.session() as session:
        assert session.scalars(select(Case)).first() is None


def test_assign_needs_csrf_and_a_casework_role(
    client: TestClient, hub: FakeHub, make_user: Callable[..., str]
) -> None:
    make_user("ivy", "investigator")
    sign_in(client, make_user("dana", "dpo"))
    key = key_of(hub, "spd_electoral_register")
    page = client.get(f"/matches/{key}")
    assert "Assign this case to" not in page.text  # the DPO sees, but cannot change
    forged = client.post(f"/matches/{key}/assign", data={"assignee": "", "csrf_token": "forged"})
    assert forged.status_code in (400, 403)
    refused = assign(client, key, str(user_id(hub, "ivy")))
    assert refused.status_code == 403  # type: ignore[attr-defined]
    with hub.store.session() as session:
        assert session.scalars(select(Case.assignee)).all() in ([], [None])
        denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.update")).all()
    assert [(e.actor, e.decision) for e in denied] == [("dana", "denied")]


def test_queue_urls_carry_no_usernames_or_personal_data(
    investigator: TestClient, hub: FakeHub, make_user: Callable[..., str]
) -> None:
    make_user("bob", "admin")
    assign(investigator, key_of(hub, "spd_electoral_register"), str(user_id(hub, "bob")))
    personal = ["Placeholder", "Fictional", "Sample", "ZZ1", "ivy", "bob"]
    html = investigator.get(f"/matches?assignee={user_id(hub, 'bob')}&min_value=1").text
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', html):
        assert not any(p in url for p in personal), url
