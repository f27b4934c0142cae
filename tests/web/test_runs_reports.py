"""Running the pipeline from the web, the reports pages, and the runs/places/reports API,
over a private copy of the session's 1,500-person council run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.engine import analytical
from joinedup.hub import Hub
from joinedup.store.users import User
from joinedup.web import runner

from .conftest import audited, csrf_from, private_demo_hub

ROLES = {
    "ada": "admin",
    "ivy": "investigator",
    "ana": "analyst",
    "don": "data_owner",
    "pat": "partner_user",
}


@pytest.fixture(scope="module")
def demo_hub(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Hub:  # type: ignore[no-untyped-def]
    return private_demo_hub(demo_hub_config.folder, tmp_path_factory.mktemp("web-runs"), ROLES)


def _token(client: TestClient, hub: Hub, username: str) -> dict[str, str]:
    with hub.store.session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        return {"Authorization": f"Bearer {client.app.state.tokens.issue(user)}"}  # type: ignore[attr-defined]


def _start(client: TestClient) -> object:
    page = client.get("/runs")
    return client.post("/runs", data={"csrf_token": csrf_from(page.text)})


# --- running the pipeline ----------------------------------------------------------------


def test_only_admins_and_data_owners_may_start_a_run(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    analyst = as_user("ana")
    page = analyst.get("/runs")
    assert page.status_code == 200
    assert "Recent runs" in page.text and "Start a new run" not in page.text
    refused = _start(analyst)
    assert refused.status_code == 403
    assert ("ana", "run.start", "denied") in audited(demo_hub, "runs")
    assert not runner.run_in_progress(demo_hub.config.data_dir)
    assert "Start a new run" in as_user("don").get("/runs").text


def test_admin_starts_a_run_watches_it_and_the_site_keeps_serving(  # type: ignore[no-untyped-def]
    demo_hub: Hub, as_user
) -> None:
    admin = as_user("ada")
    before = analytical.current_run_id(demo_hub.config.data_dir)
    started = _start(admin)
    assert started.status_code == 303 and started.headers["location"] == "/runs/progress"
    assert ("ada", "run.start", "allowed") in audited(demo_hub, "runs")
    # A second start while the first is going starts nothing.
    assert runner.run_in_progress(demo_hub.config.data_dir)
    again = _start(admin)
    assert again.headers["location"] == "/runs/progress"
    assert "already going" in admin.get("/runs/progress").text

    seen_refresh = False
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        served_now = admin.get("/health").json()["run_id"]
        page = admin.get("/runs/progress")
        assert page.status_code == 200
        progress = runner.read_progress(demo_hub.config.data_dir)
        assert progress is not None
        if not progress.running:
            break
        # During the run: the page refreshes itself, and the site serves the last good run
        # (until the last stage, after which the new run is published).
        if 'http-equiv="refresh"' in page.text:
            seen_refresh = True
            assert "% done" in page.text
        if progress.stage != "rules run":
            assert served_now == before
        assert admin.get("/").status_code == 200
        time.sleep(1)
    assert progress.state == "succeeded", progress.problem
    assert seen_refresh, "the run finished before the progress page was seen refreshing"
    page = admin.get("/runs/progress")
    assert 'http-equiv="refresh"' not in page.text
    assert f"The site now shows run {progress.run_id}" in page.text
    assert admin.get("/health").json()["run_id"] == progress.run_id != before


def test_a_failed_run_is_explained_and_the_last_good_run_stays(  # type: ignore[no-untyped-def]
    fresh_demo_copy,
) -> None:
    hub = Hub.open(fresh_demo_copy.config_path)
    served = analytical.current_run_id(hub.config.data_dir)
    source = next(iter(hub.config.sources.values()))
    path = Path(hub.config.source_path(source))
    secret_value = "Zebedee-Quillfeather"
    path.write_text(f"nonsense\n{secret_value}\n", encoding="utf-8")  # breaks the mapping
    assert runner.run_job(fresh_demo_copy.config_path, "ada") == 1
    progress = runner.read_progress(hub.config.data_dir)
    assert progress is not None and progress.state == "failed"
    assert "last good run is still being served" in (progress.problem or "")
    assert secret_value not in json.dumps(progress.__dict__)
    assert analytical.current_run_id(hub.config.data_dir) == served
    assert not runner.run_in_progress(hub.config.data_dir)


def test_a_run_whose_process_died_shows_as_stopped(tmp_path: Path) -> None:
    runner.write_progress(tmp_path, runner.RunProgress("running", "linking", 2, 5, "x", "ada"))
    progress = runner.read_progress(tmp_path)
    assert progress is not None and progress.state == "stopped"
    assert "last good run is still being served" in (progress.problem or "")


# --- reports pages -------------------------------------------------------------------------


def test_quality_report_is_open_to_every_signed_in_user(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    analyst = as_user("ana")
    index = analyst.get("/reports")
    assert index.status_code == 200 and "Data quality report" in index.text
    page = analyst.get("/reports/quality")
    assert page.status_code == 200
    assert "Fields to look at" in page.text and "Completeness by source" in page.text
    first_source = next(iter(demo_hub.config.sources))
    assert first_source in page.text
    markdown = analyst.get("/reports/quality.md")
    assert markdown.status_code == 200
    assert markdown.text.startswith("# Data quality report")
    word = analyst.get("/reports/quality.docx")
    assert word.status_code == 200 and word.content[:2] == b"PK"


def test_savings_and_discovery_ask_the_gate(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    owner = as_user("don")
    savings = owner.get("/reports/savings")
    assert savings.status_code == 200
    assert "Savings by rule" in savings.text and "All rules" in savings.text
    assert ("don", "report.view", "allowed") in audited(demo_hub, "report:savings")
    discovery = owner.get("/reports/discovery")
    assert discovery.status_code == 200 and "Discovery" in discovery.text
    assert owner.get("/reports/discovery.md").status_code == 200
    assert ("don", "report.view", "allowed") in audited(demo_hub, "report:discovery.md")
    analyst = as_user("ana")
    assert analyst.get("/reports/savings").status_code == 403
    assert analyst.get("/reports/savings.docx").status_code == 403
    assert ("ana", "report.view", "denied") in audited(demo_hub, "report:savings.docx")
    assert analyst.get("/reports/nothing").status_code == 404
    assert analyst.get("/reports/quality.pdf").status_code == 404


# --- API -----------------------------------------------------------------------------------


def test_api_runs_one_run_progress_and_start(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("ana")
    ana = _token(client, demo_hub, "ana")
    listed = client.get("/api/v1/runs?status=succeeded&limit=1", headers=ana).json()
    assert listed["limit"] == 1 and len(listed["items"]) == 1
    assert all(r["status"] == "succeeded" for r in listed["items"])
    assert client.get("/api/v1/runs?status=odd", headers=ana).json()["error"]["code"] == (
        "bad_request"
    )
    served = analytical.current_run_id(demo_hub.config.data_dir)
    one = client.get(f"/api/v1/runs/{served}", headers=ana).json()
    assert one["id"] == served and one["served"] is True
    missing = client.get("/api/v1/runs/R0", headers=ana)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    refused = client.post("/api/v1/runs", headers=ana)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert ("ana", "run.start", "denied") in audited(demo_hub, "runs")
    # One run at a time: with the lock held (as a running run holds it), a start is refused.
    lock = runner._take_lock(demo_hub.config.data_dir)  # noqa: SLF001
    assert lock is not None
    try:
        admin = _token(client, demo_hub, "ada")
        busy = client.post("/api/v1/runs", headers=admin)
        assert busy.status_code == 409 and busy.json()["error"]["code"] == "conflict"
    finally:
        lock.close()
    progress = client.get("/api/v1/runs/progress", headers=ana)
    if runner.read_progress(demo_hub.config.data_dir) is None:
        assert progress.status_code == 404
    else:
        assert {"state", "stage", "percent"} <= set(progress.json())


def test_api_sources_and_quality_filters(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("ana")
    ana = _token(client, demo_hub, "ana")
    owner = next(iter(demo_hub.config.sources.values())).owner
    by_owner = client.get("/api/v1/sources", params={"owner": owner}, headers=ana).json()
    assert by_owner["total"] >= 1 and all(s["owner"] == owner for s in by_owner["items"])
    expected = sum(s.owner == owner for s in demo_hub.config.sources.values())
    assert by_owner["total"] == expected
    low = client.get(
        "/api/v1/quality", params={"dimension": "completeness", "below": 0.9}, headers=ana
    ).json()
    assert all(q["dimension"] == "completeness" and q["score"] < 0.9 for q in low["items"])
    every = client.get("/api/v1/quality", params={"limit": 500}, headers=ana).json()
    assert low["total"] < every["total"]
    paged = client.get("/api/v1/quality", params={"limit": 2, "offset": 2}, headers=ana).json()
    assert [q["field"] for q in paged["items"]] == [q["field"] for q in every["items"][2:4]]


def _a_uprn_with_occupants(hub: Hub) -> str:
    con = hub.connect()
    try:
        return con.execute(
            "SELECT uprn FROM households GROUP BY uprn ORDER BY count(*) DESC, uprn LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()


def test_api_place_with_occupants_through_the_gate(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("ivy")
    ivy = _token(client, demo_hub, "ivy")
    uprn = _a_uprn_with_occupants(demo_hub)
    place = client.get(f"/api/v1/places/{uprn}", headers=ivy)
    assert place.status_code == 200
    body = place.json()
    assert body["property"]["uprn"] == uprn
    assert body["occupants"] and all(o["name"] for o in body["occupants"])
    assert body["records"]
    assert ("ivy", "records.view", "allowed") in audited(demo_hub, f"property:{uprn}")
    adults = client.get(f"/api/v1/places/{uprn}?adults_only=true", headers=ivy).json()
    assert all(o["adult"] for o in adults["occupants"])
    ana = _token(client, demo_hub, "ana")
    refused = client.get(f"/api/v1/places/{uprn}", headers=ana)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert ("ana", "records.view", "denied") in audited(demo_hub, f"property:{uprn}")
    missing = client.get("/api/v1/places/999999999999", headers=ivy)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/v1/places/not-a-uprn", headers=ivy)
    assert bad.status_code == 400 and "not-a-uprn" not in bad.text


def test_api_reports(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("ana")
    ana = _token(client, demo_hub, "ana")
    listed = client.get("/api/v1/reports", headers=ana).json()
    assert {r["name"] for r in listed["items"]} == {"quality", "savings", "discovery"}
    quality = client.get("/api/v1/reports/quality", headers=ana).json()
    assert quality["title"] == "Data quality report"
    kinds = {b["type"] for s in quality["sections"] for b in s["blocks"]}
    assert {"table", "barchart"} <= kinds
    refused = client.get("/api/v1/reports/savings", headers=ana)
    assert refused.status_code == 403
    ivy = _token(client, demo_hub, "ivy")
    savings = client.get("/api/v1/reports/savings", headers=ivy).json()
    assert savings["sections"][0]["title"] == "By rule"
    assert ("ivy", "report.view", "allowed") in audited(demo_hub, "report:savings")
    assert client.get("/api/v1/reports/none", headers=ana).status_code == 404


def test_openapi_lists_the_new_endpoints(demo_hub: Hub, as_user) -> None:  # type: ignore[no-untyped-def]
    paths = as_user("ana").get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/progress",
        "/api/v1/places/{uprn}",
        "/api/v1/reports",
        "/api/v1/reports/{name}",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/runs"]
    assert not any(p.startswith("/reports") or p.startswith("/runs") for p in paths)


# --- the served people, read once per run ---------------------------------------------------


def test_served_people_answer_as_the_store_does_and_follow_a_new_run(demo_hub: Hub) -> None:
    from joinedup.web import reads
    from joinedup.web.people_cache import served_people

    people = served_people(demo_hub)
    assert served_people(demo_hub) is people  # one read per run
    con = reads.served_cursor(demo_hub)
    try:
        entities = [
            r[0]
            for r in con.execute(
                "SELECT entity_id FROM record_entities GROUP BY entity_id "
                "ORDER BY count(*) DESC, entity_id LIMIT 3"
            ).fetchall()
        ]
        for entity in entities:
            found = people.person(entity)
            assert found is not None
            ids, golden, records = found
            assert ids == reads.person_record_ids(con, entity)
            assert golden == reads.golden_fields(con, entity)
            assert records == demo_hub.record_views(con, ids)
    finally:
        con.close()
    assert people.person("nobody") is None
    # A new served run is read afresh.
    runner.run_job(demo_hub.config.path, "ada")  # type: ignore[arg-type]
    assert served_people(demo_hub) is not people


def test_the_command_line_waits_its_turn_and_shows_on_the_progress_page(  # type: ignore[no-untyped-def]
    fresh_demo_copy,
) -> None:
    from typer.testing import CliRunner

    from joinedup.cli import app

    hub = Hub.open(fresh_demo_copy.config_path)
    cli = CliRunner()
    lock = runner.take_run_lock(hub.config.data_dir)
    assert lock is not None
    try:
        busy = cli.invoke(app, ["run", "--config", str(fresh_demo_copy.config_path)])
        assert busy.exit_code != 0 and "a run is already going" in busy.output
    finally:
        lock.close()
    done = cli.invoke(app, ["run", "--config", str(fresh_demo_copy.config_path)])
    assert done.exit_code == 0, done.output
    progress = runner.read_progress(hub.config.data_dir)
    assert progress is not None and progress.state == "succeeded"
    assert progress.started_by == "the command line"
    assert progress.run_id == analytical.current_run_id(hub.config.data_dir)
