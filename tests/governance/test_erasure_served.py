"""An erasure takes effect at once in the served run: match list, match and person pages,
the API, the people search and every export leave the person out, before any new run."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import app as cli
from joinedup.engine import analytical
from joinedup.governance.corrections import apply_suppressions, request_erasure
from joinedup.governance.erasure import served_connection

from .governed import Governed, governed_hub


@dataclass
class Steward:
    username: str = "dpo"
    role: str = "dpo"


@pytest.fixture
def governed(demo_hub_config, tmp_path: Path) -> Governed:  # type: ignore[no-untyped-def]
    return governed_hub(demo_hub_config.folder, tmp_path / "council")


def test_erased_person_leaves_every_read_at_once(governed: Governed, tmp_path: Path) -> None:
    hub, person = governed.hub, governed.planted
    config = hub.config.data_dir.parent / "joinedup.yaml"
    admin = governed.signed_in("admin")
    api = {"Authorization": "Bearer " + governed.token("admin")}
    assert person.match_key in {m.match_key for m in hub.list_matches()}
    assert admin.get(f"/people/{person.entity_id}").status_code == 200
    assert admin.get(f"/matches/{person.match_key}").status_code == 200
    record_keys = _record_keys(hub, person.entity_id)
    assert record_keys

    with hub.store.session() as db, db.begin():
        request_erasure(db, Steward(), person.entity_id, "ER-1")

    # The hub's reads (the match list, a match, the people search).
    assert person.match_key not in {m.match_key for m in hub.list_matches()}
    assert hub.get_match(person.match_key) is None
    assert _record_keys(hub, person.entity_id) == set()
    # Pages and the API.
    assert admin.get(f"/people/{person.entity_id}").status_code == 404
    assert admin.get(f"/matches/{person.match_key}").status_code == 404
    assert person.match_key not in admin.get("/matches").text
    assert admin.get(f"/api/v1/people/{person.entity_id}", headers=api).status_code == 404
    assert admin.get(f"/api/v1/matches/{person.match_key}", headers=api).status_code == 404
    listed = admin.get("/api/v1/matches?limit=500", headers=api).json()["items"]
    assert person.match_key not in {m["match_key"] for m in listed}
    # Every export.
    runner = CliRunner()
    for kind in ("entities", "addresses", "stale", "matches"):
        out = tmp_path / f"{kind}.csv"
        result = runner.invoke(cli, ["export", kind, "--config", str(config), "--out", str(out)])
        assert result.exit_code == 0, result.output
        text = out.read_text(encoding="utf-8")
        assert person.entity_id not in text, kind
        assert person.match_key not in text, kind
        keys_column = [row.get("record_key") for row in csv.DictReader(text.splitlines())]
        if keys_column and keys_column[0] is not None:
            sources = {row["source"] for row in csv.DictReader(text.splitlines())}
            mine = {(s, k) for s, k in record_keys if s in sources}
            shown = {(r["source"], r["record_key"]) for r in csv.DictReader(text.splitlines())}
            assert not (mine & shown), kind


def _record_keys(hub, entity_id: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    con = hub.connect()
    try:
        rows = con.execute(
            "SELECT r.source, r.record_key FROM records r JOIN record_entities e "
            "USING (record_id) WHERE e.entity_id = ?",
            [entity_id],
        ).fetchall()
    finally:
        con.close()
    return {(s, k) for s, k in rows}


def test_the_served_view_hides_the_same_rows_a_later_run_deletes(governed: Governed) -> None:
    """erased_rows is the one definition: compare the view with apply_suppressions, for
    the planted person and one with a council tax row set aside as a repeat of theirs."""
    hub, person = governed.hub, governed.planted
    path = analytical.current_path(hub.config.data_dir)
    assert path is not None
    whole = analytical.connect(path, read_only=True)
    try:
        repeated, set_aside = whole.execute(
            "SELECT min(e.entity_id), count(*) FROM quarantine q JOIN records r "
            "ON r.source = q.source AND r.record_key = q.record_key "
            "JOIN record_entities e USING (record_id)"
        ).fetchone()
        quarantined = whole.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    finally:
        whole.close()
    assert repeated is not None and set_aside >= 1
    erased = {person.entity_id, repeated}
    view = served_connection(path, erased)
    assert view.execute("SELECT count(*) FROM quarantine").fetchone()[0] < quarantined
    copy = hub.config.data_dir / "copy.duckdb"
    shutil.copy(path, copy)
    deleted = analytical.connect(copy)
    try:
        apply_suppressions(deleted, erased)
        tables = [
            r[0]
            for r in deleted.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                "AND NOT temporary ORDER BY 1"
            ).fetchall()
        ]
        assert "matches" in tables and "records" in tables
        for table in tables:
            left = deleted.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            right = view.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert left == right, table
    finally:
        deleted.close()
        view.close()
