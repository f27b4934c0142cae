"""An id from before a merge (in a case, a bookmark, a partner's system) still leads to its
person, on the page and in the API; a retired id does not."""

from __future__ import annotations

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.engine.analytical import current_path
from joinedup.hub import Hub
from joinedup.store.users import User
from joinedup.web import create_app

from .conftest import first_row, private_demo_hub


@pytest.fixture(scope="module")
def demo_hub(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Hub:  # type: ignore[no-untyped-def]
    """The run council with a history of two merges and a retirement written into its
    served run: POLD0 was merged into POLD1 in run R1, POLD1 into a person of now in R2."""
    hub = private_demo_hub(
        demo_hub_config.folder, tmp_path_factory.mktemp("merged"), {"ivy": "investigator"}
    )
    con = duckdb.connect(str(current_path(hub.config.data_dir)))  # before the hub reads it
    (now,) = con.execute("SELECT min(entity_id) FROM person_clusters").fetchone()  # type: ignore[misc]
    con.execute(
        "INSERT INTO entity_id_history VALUES ('R1', 'POLD0', 'merged', 'POLD1', 1), "
        "('R2', 'POLD1', 'merged', ?, 2), ('R2', 'PGONE', 'retired', NULL, 0)",
        [now],
    )
    con.close()
    return hub


def test_an_old_id_leads_to_the_person_it_became(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    (now,) = first_row(demo_hub, "SELECT min(entity_id) FROM person_clusters")
    ivy = as_user("ivy")
    moved = ivy.get("/people/POLD0")
    assert moved.status_code == 303
    assert moved.headers["location"].startswith(f"/people/{now}?")
    assert "merged_from=POLD0" in moved.headers["location"]
    page = ivy.get(moved.headers["location"])
    assert page.status_code == 200
    assert "You followed the id POLD0" in page.text
    assert "POLD1 was merged into this person (2 records)" in page.text
    # A notice only for an id that really was merged into this person.
    assert "You followed" not in ivy.get(f"/people/{now}?merged_from=PGONE").text
    assert ivy.get("/people/PGONE").status_code == 404
    assert ivy.get("/people/PNEVERISSUED").status_code == 404


def test_the_api_redirects_an_old_id(demo_hub: Hub) -> None:
    (now,) = first_row(demo_hub, "SELECT min(entity_id) FROM person_clusters")
    client = TestClient(create_app(demo_hub), follow_redirects=False)
    with demo_hub.store.session() as db:
        user = db.scalars(select(User).where(User.username == "ivy")).one()
        token = client.app.state.tokens.issue(user)  # type: ignore[attr-defined]
    headers = {"Authorization": f"Bearer {token}"}
    moved = client.get("/api/v1/people/POLD1?purpose=fraud_investigation", headers=headers)
    assert moved.status_code == 308
    assert moved.headers["location"] == f"/api/v1/people/{now}?purpose=fraud_investigation"
    assert client.get(moved.headers["location"], headers=headers).json()["entity_id"] == now
    assert client.get("/api/v1/people/PGONE", headers=headers).status_code == 404
