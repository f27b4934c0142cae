"""The clerical review pages over a real demo run: who may see and answer, the gate's
audit events, the side-by-side page with its waterfall, and answers kept by record ids.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.hub import Hub
from joinedup.store.review import ReviewLabel
from joinedup.web import create_app

from .conftest import audited, csrf_from, private_demo_hub

ROLES = {"ivy": "investigator", "ana": "analyst", "dot": "dpo", "pat": "partner_user"}
PAIR_LINK = re.compile(r'href="/review/([0-9a-f]{16})"')


@pytest.fixture(scope="module")
def demo_hub(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Hub:  # type: ignore[no-untyped-def]
    return private_demo_hub(demo_hub_config.folder, tmp_path_factory.mktemp("web-review"), ROLES)


def _first_pair(page: str) -> str:
    found = PAIR_LINK.search(page)
    assert found, "the queue lists at least one pair"
    return found.group(1)


def test_the_queue_lists_pairs_by_opaque_key_and_the_saved_models(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("ivy").get("/review")
    assert page.status_code == 200
    assert "Pairs to review" in page.text and "Saved models" in page.text
    keys = PAIR_LINK.findall(page.text)
    assert keys and len(set(keys)) == len(keys)
    assert 'href="/review"' in page.text  # in the navigation for casework staff
    assert ("ivy", "link.review", "allowed") in audited(demo_hub, "review:queue")


@pytest.mark.parametrize("username", ["ana", "dot", "pat"])
def test_other_roles_are_refused_and_the_refusal_isaudited(
    demo_hub: Hub,
    as_user,  # type: ignore[no-untyped-def]
    username: str,
) -> None:
    client = as_user(username)
    page = client.get("/review")
    assert page.status_code == 403
    assert 'href="/review"' not in page.text
    assert (username, "link.review", "denied") in audited(demo_hub, "review:queue")
    key = _first_pair(as_user("ivy").get("/review").text)
    assert client.get(f"/review/{key}").status_code == 403
    assert (username, "link.review", "denied") in audited(demo_hub, f"pair:{key}")


def test_a_pair_shows_both_records_the_evidence_and_the_question(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    ivy = as_user("ivy")
    key = _first_pair(ivy.get("/review").text)
    page = ivy.get(f"/review/{key}")
    assert page.status_code == 200
    assert "Are these the same person?" in page.text
    assert "<th scope=\"row\">Name</th>" in page.text and "Agree?" in page.text
    assert 'class="waterfall" role="img"' in page.text
    for value in ("same", "different", "unsure"):
        assert f'id="decision-{value}"' in page.text
    assert ("ivy", "link.review", "allowed") in audited(demo_hub, f"pair:{key}")


def test_an_answer_is_kept_by_the_two_records_and_leads_to_the_next_pair(
    demo_hub: Hub,
    as_user,  # type: ignore[no-untyped-def]
) -> None:
    ivy = as_user("ivy")
    key = _first_pair(ivy.get("/review").text)
    page = ivy.get(f"/review/{key}")
    token = csrf_from(page.text)
    sent = ivy.post(f"/review/{key}", data={"decision": "different", "csrf_token": token})
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/review")
    assert sent.headers["location"] != f"/review/{key}"  # answered: off the queue
    assert ("ivy", "link.label", "allowed") in audited(demo_hub, f"pair:{key}")
    with demo_hub.store.session() as db:
        labels = [x for x in db.scalars(select(ReviewLabel)) if x.reviewer == "ivy"]
    assert len(labels) == 1
    label = labels[0]
    assert label.decision == "different" and label.record_id_l < label.record_id_r
    assert ":" in label.record_id_l and label.run_id == demo_hub.latest_run().id  # type: ignore[union-attr]
    # A second answer about the same pair replaces the first.
    page = ivy.get(f"/review/{key}")
    assert "Answered before" in page.text and "different people" in page.text
    ivy.post(f"/review/{key}", data={"decision": "same", "csrf_token": csrf_from(page.text)})
    with demo_hub.store.session() as db:
        labels = [x for x in db.scalars(select(ReviewLabel)) if x.reviewer == "ivy"]
    assert [x.decision for x in labels] == ["same"]
    assert key not in PAIR_LINK.findall(ivy.get("/review").text)


def test_answers_need_the_form_token_a_choice_and_the_right_role(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    ivy = as_user("ivy")
    key = _first_pair(ivy.get("/review").text)
    page = ivy.get(f"/review/{key}")
    assert ivy.post(f"/review/{key}", data={"decision": "same"}).status_code == 400
    empty = ivy.post(f"/review/{key}", data={"csrf_token": csrf_from(page.text)})
    assert empty.status_code == 400 and "There is a problem" in empty.text
    ana = as_user("ana")
    form = ana.get("/people")
    token = csrf_from(form.text)
    refused = ana.post(f"/review/{key}", data={"decision": "same", "csrf_token": token})
    assert refused.status_code == 403
    assert ("ana", "link.label", "denied") in audited(demo_hub, f"pair:{key}")
    with demo_hub.store.session() as db:
        assert not [x for x in db.scalars(select(ReviewLabel)) if x.reviewer == "ana"]


def test_unknown_and_malformed_pairs_are_not_found(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    ivy = as_user("ivy")
    assert ivy.get("/review/0000000000000000").status_code == 404
    assert ivy.get("/review/not-a-key").status_code == 404


def test_review_pages_need_sign_in(demo_hub: Hub) -> None:
    client = TestClient(create_app(demo_hub), follow_redirects=False)
    assert client.get("/review").status_code == 303
    assert client.get("/review/0123456789abcdef").status_code == 303


def test_a_shared_email_is_shown_as_not_used() -> None:
    """Two records with one team inbox agree on it, but the run did not use it: the pair
    page says so rather than leave the reviewer to wonder why it is not in the evidence."""
    import duckdb

    from joinedup.web.routers.review import _side_by_side

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records AS SELECT * FROM (VALUES "
        "('a:1', 'a', '1', 'Ann', 'Lee', 'Duty.Team@example.gov.uk', '07700900001'), "
        "('b:2', 'b', '2', 'Bob', 'Lee', 'duty.team@example.gov.uk', '07700900001')) "
        "t(record_id, source, record_key, first_name, surname, email, phone)"
    )
    con.execute(
        "CREATE TABLE link_shared_contacts AS "
        "SELECT 'email' AS field, 'duty.team@example.gov.uk' AS value"
    )
    _, rows = _side_by_side(con, "a:1", "b:2", {"email", "phone"})
    agree = {label: text for label, _, _, text in rows}
    assert agree == {
        "Email": "Same, but given for many people: not used as evidence",
        "Phone": "Same",
    }
