"""Analysts see pseudonyms, not identifiers, on the match and person pages and in
exports; the same value has the same pseudonym everywhere; every view is audited."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.cli import app as cli
from joinedup.governance.pseudonyms import KEY_ENV, create_key, load_key, pseudonym
from joinedup.store.audit import AuditEvent

from .governed import Governed, csrf_from, governed_hub


@pytest.fixture(scope="module")
def governed(demo_hub_config, tmp_path_factory: pytest.TempPathFactory) -> Governed:  # type: ignore[no-untyped-def]
    return governed_hub(demo_hub_config.folder, tmp_path_factory.mktemp("pseudo") / "council")


@pytest.fixture
def key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    path = create_key(tmp_path / "secrets" / "pseudonym.key")  # outside the data folder
    monkeypatch.setenv(KEY_ENV, str(path))
    return load_key(path)


def _address(governed: Governed) -> str:
    match = governed.hub.get_match(governed.planted.match_key)
    assert match is not None and match.summary.address
    return match.summary.address


def test_analysts_see_pseudonyms_on_pages(governed: Governed, key: bytes) -> None:
    person, planted = governed.planted, governed.planted.every()
    analyst = governed.signed_in("analyst")
    address = _address(governed)
    listed = analyst.get("/matches")
    assert listed.status_code == 200
    assert "You are seeing pseudonyms" in listed.text
    assert address not in listed.text
    assert pseudonym(key, "address", address) in listed.text
    for url in (f"/matches/{person.match_key}", f"/people/{person.entity_id}"):
        page = analyst.get(url)
        assert page.status_code == 200, url
        assert not governed.planted.found_in(page.text, planted), url
        assert "p_" in page.text and 'href="/properties/' not in page.text
    page = analyst.get(f"/people/{person.entity_id}")
    assert pseudonym(key, "postcode", _golden(governed, "postcode")) in page.text
    with governed.hub.store.session() as db:
        seen = db.scalars(select(AuditEvent).where(AuditEvent.actor == "analyst")).all()
    views = [(e.action, e.resource, e.decision) for e in seen if e.action == "pseudonyms.view"]
    assert ("pseudonyms.view", f"person:{person.entity_id}", "allowed") in views
    assert ("pseudonyms.view", "matches", "allowed") in views
    # Staff who may see people still see them, not pseudonyms.
    investigator = governed.signed_in("investigator").get(f"/people/{person.entity_id}")
    assert governed.planted.found_in(investigator.text, planted)


def _golden(governed: Governed, field: str) -> str:
    con = governed.hub.connect()
    try:
        row = con.execute(
            "SELECT value FROM golden_records WHERE entity_id = ? AND field = ?",
            [governed.planted.entity_id, field],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def test_without_a_key_analysts_are_refused(
    governed: Governed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    analyst = governed.signed_in("analyst")
    assert analyst.get("/matches").status_code == 403
    assert analyst.get(f"/people/{governed.planted.entity_id}").status_code == 403


def test_exports_write_the_same_pseudonyms(governed: Governed, key: bytes, tmp_path: Path) -> None:
    config = str(governed.hub.config.data_dir.parent / "joinedup.yaml")
    runner = CliRunner()
    out = tmp_path / "matches.csv"
    result = runner.invoke(
        cli, ["export", "matches", "--config", config, "--out", str(out), "--pseudonymise"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["match_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    mine = rows[governed.planted.match_key]
    assert mine["uprn"] == pseudonym(key, "uprn", governed.planted.uprn)
    assert all(r.startswith("p_") for r in mine["records"].split())
    addresses = tmp_path / "addresses.csv"
    result = runner.invoke(
        cli, ["export", "addresses", "--config", config, "--out", str(addresses),
              "--pseudonymise"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = addresses.read_text(encoding="utf-8")
    assert not governed.planted.found_in(text, governed.planted.every())
    first = next(csv.DictReader(text.splitlines()))
    assert first["record_key"].startswith("p_") and first["postcode"].startswith("p_")
    with governed.hub.store.session() as db:
        last = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert last is not None
    assert (last.action, last.resource, last.decision) == (
        "pseudonyms.view", "export:addresses", "allowed",
    )  # fmt: skip


def test_an_export_without_a_key_is_refused(
    governed: Governed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    out = tmp_path / "entities.csv"
    config = str(governed.hub.config.data_dir.parent / "joinedup.yaml")
    result = CliRunner().invoke(
        cli, ["export", "entities", "--config", config, "--out", str(out), "--pseudonymise"]
    )
    assert result.exit_code != 0 and not out.exists()


def test_reidentification_for_allowed_roles_only_and_audited(
    governed: Governed, key: bytes
) -> None:
    uprn = governed.planted.uprn
    wanted = pseudonym(key, "uprn", uprn)
    for account, allowed in (("dpo", True), ("analyst", False)):
        client = governed.signed_in(account)
        token = csrf_from(client.get("/pseudonyms").text)
        data = {"pseudonym": wanted, "kind": "uprn", "purpose": "audit_oversight",
                "csrf_token": token}  # fmt: skip
        answer = client.post("/pseudonyms", data=data)
        assert answer.status_code == (200 if allowed else 403), account
        assert (f"<li>{uprn}</li>" in answer.text) is allowed
        with governed.hub.store.session() as db:
            event = db.scalars(
                select(AuditEvent).where(AuditEvent.actor == account)
                .order_by(AuditEvent.seq.desc())
            ).first()  # fmt: skip
        assert event is not None
        assert event.action == "pseudonym.reidentify"
        assert event.resource == "pseudonyms:gazetteer.uprn"
        assert event.decision == ("allowed" if allowed else "denied")
        assert wanted not in (event.detail or "") + event.resource
