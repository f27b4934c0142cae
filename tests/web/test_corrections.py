"""The correction form, the steward's review page and erasure, over a real demo run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joinedup.hub import Hub
from joinedup.store.audit import AuditEvent
from joinedup.store.corrections import Correction

from .conftest import csrf_from, private_demo_hub

ROLES = {"ivy": "investigator", "dora": "dpo", "ana": "analyst"}


@pytest.fixture(scope="module")
def demo_hub(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Hub:  # type: ignore[no-untyped-def]
    into = tmp_path_factory.mktemp("web-corrections")
    return private_demo_hub(demo_hub_config.folder, into, ROLES)


def _entities(hub: Hub, n: int) -> list[str]:
    con = hub.connect()
    try:
        rows = con.execute(
            "SELECT entity_id FROM record_entities GROUP BY entity_id HAVING count(*) > 1 "
            "ORDER BY entity_id LIMIT ?",
            [n],
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def test_submit_review_and_erase(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    person, erased = _entities(demo_hub, 2)
    ivy = as_user("ivy")
    page = ivy.get(f"/people/{person}")
    assert f'href="/people/{person}/corrections/new"' in page.text
    form = ivy.get(f"/people/{person}/corrections/new")
    assert form.status_code == 200
    token = csrf_from(form.text)
    bad = ivy.post(
        f"/people/{person}/corrections",
        data={"field": "date_of_birth", "value": "3 Feb 1901", "csrf_token": token},
    )
    assert bad.status_code == 400 and "year-month-day" in bad.text
    no_csrf = ivy.post(f"/people/{person}/corrections", data={"field": "surname", "value": "LEE"})
    assert no_csrf.status_code == 400
    sent = ivy.post(
        f"/people/{person}/corrections",
        data={
            "field": "date_of_birth",
            "value": "1901-02-03",
            "reason": "birth certificate seen",
            "csrf_token": token,
        },
    )
    assert sent.status_code == 303 and sent.headers["location"] == f"/people/{person}"
    assert "1901" not in sent.headers["location"]
    assert "sent to a data steward" in ivy.get(f"/people/{person}").text

    assert ivy.get("/corrections").status_code == 403  # investigators do not review
    ana = as_user("ana")
    refused = ana.post(
        f"/people/{person}/corrections",
        data={"field": "surname", "value": "LEE", "csrf_token": csrf_from(ana.get("/").text)},
    )
    assert refused.status_code == 403

    dora = as_user("dora")
    queue = dora.get("/corrections")
    assert queue.status_code == 200 and "1901-02-03" in queue.text
    with demo_hub.store.session() as db:
        cid = db.scalars(select(Correction.id).where(Correction.entity_id == person)).one()
    done = dora.post(
        f"/corrections/{cid}", data={"decision": "approve", "csrf_token": csrf_from(queue.text)}
    )
    assert done.status_code == 303
    after = dora.get("/corrections")
    assert f"Correction #{cid} has been approved" in after.text
    owners = {s.owner for s in demo_hub.config.sources.values()}
    assert any(owner in after.text for owner in owners)

    erase = dora.post(
        "/erasures",
        data={"entity_id": erased, "reference": "ER-7", "csrf_token": csrf_from(after.text)},
    )
    assert erase.status_code == 303
    assert dora.get(f"/people/{erased}").status_code == 404

    with demo_hub.store.session() as db:
        events = list(db.scalars(select(AuditEvent)))
    assert not any("1901" in f"{e.resource} {e.detail} {e.fields}" for e in events)
    assert {"correction.submitted", "correction.approved", "erasure.recorded"} <= {
        e.action for e in events
    }
