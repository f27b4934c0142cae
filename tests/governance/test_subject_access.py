"""Subject access: found through linking, one person only, written as held, audited."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.engine import analytical
from joinedup.governance.subject_access import find_subject, write_pack
from joinedup.hub import Hub
from joinedup.store.audit import AuditEvent

runner = CliRunner()


def test_find_subject_follows_links_and_reports_every_fit() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records AS SELECT * FROM (VALUES "
        "('a1', 'ANN', 'LEE', DATE '1980-02-01', 'JD1 1AA'), "
        "('a2', 'ANN', 'LEE', DATE '1980-02-01', 'JD9 9ZZ'), "
        "('b1', 'BOB', 'RAY', DATE '1970-01-01', 'JD1 1AA')"
        ") t(record_id, first_name, surname, date_of_birth, postcode)"
    )
    con.execute(
        "CREATE TABLE record_entities AS SELECT * FROM (VALUES "
        "('a1', 'P1'), ('a2', 'P2'), ('b1', 'P3')) t(record_id, entity_id)"
    )
    both = find_subject(con, "Ann Lee", date(1980, 2, 1))
    assert both.entity_ids == ("P1", "P2")  # two people: the DPO must choose
    assert find_subject(con, "ann  lee", date(1980, 2, 1), "jd11aa").entity_ids == ("P1",)
    assert find_subject(con, "Ann Lee", date(1980, 2, 2)).entity_ids == ()


def test_sar_writes_a_pack_for_one_linked_person(fresh_demo_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """On a copy: writing a pack adds an audit event to the store."""
    demo_hub_config = fresh_demo_copy
    hub = Hub.open(demo_hub_config.config_path)
    con = analytical.connect_current(hub.data_dir)
    assert con is not None
    # A person linked across at least two sources, whose details fit only them.
    first, surname, dob, entity, sources = con.execute(
        "WITH e AS (SELECT entity_id, count(DISTINCT source) AS n FROM record_entities "
        "GROUP BY 1 HAVING n >= 2), "
        "fits AS (SELECT r.first_name, r.surname, r.date_of_birth, "
        "count(DISTINCT x.entity_id) AS people, min(x.entity_id) AS entity_id "
        "FROM records r JOIN record_entities x USING (record_id) "
        "WHERE r.date_of_birth IS NOT NULL AND r.first_name IS NOT NULL GROUP BY 1, 2, 3) "
        "SELECT f.first_name, f.surname, f.date_of_birth, f.entity_id, e.n FROM fits f "
        "JOIN e USING (entity_id) WHERE f.people = 1 ORDER BY f.entity_id LIMIT 1"
    ).fetchone()
    con.close()
    out = tmp_path / "pack"
    args = ["sar", "-c", str(demo_hub_config.config_path), "--out", str(out)]
    result = runner.invoke(app, [*args, "--name", f"{first} {surname}", "--dob", str(dob)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert "README.md" in files and "golden_record.csv" in files
    assert len(files) - 2 == sources  # one file per source that holds them
    with (out / "golden_record.csv").open(encoding="utf-8") as handle:
        golden = {row["field"]: row["value"] for row in csv.DictReader(handle)}
    assert golden["date_of_birth"] == str(dob)
    with hub.store.session() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "subject_access.export")
        ).one()
    assert event.resource == f"entity:{entity}"
    assert surname not in (event.detail or "") and first not in (event.detail or "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Nobody Atall", "--dob", "1900-01-01"], "no records carry those details"),
        (["--name", "Cher", "--dob", "1946-05-20"], "first name and surname"),
        (["--name", "A B", "--dob", "20/05/1946"], "YYYY-MM-DD"),
    ],
)
def test_sar_refuses_plainly(
    demo_hub_config, tmp_path: Path, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    base = ["sar", "-c", str(demo_hub_config.config_path), "--out", str(tmp_path / "p")]
    result = runner.invoke(app, [*base, *args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "p").exists()


def test_the_pack_holds_the_rows_set_aside_as_theirs(fresh_demo_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The demo's council tax file repeats a few rows and cuts a few short; the loader sets
    them aside, and the pack gives them beside the record's own row, with the reason."""
    hub = Hub.open(fresh_demo_copy.config_path)
    con = analytical.connect_current(hub.data_dir)
    assert con is not None
    try:
        entity, key = con.execute(
            "SELECT e.entity_id, q.record_key FROM quarantine q JOIN records r "
            "ON r.source = q.source AND r.record_key = q.record_key "
            "JOIN record_entities e USING (record_id) WHERE q.source = 'council_tax' "
            "AND q.reasons LIKE 'duplicate record key%' ORDER BY 1 LIMIT 1"
        ).fetchone()
        pack = write_pack(
            con, hub.config, entity, tmp_path / "pack", hub.store, "dpo", date(2026, 12, 7)
        )
    finally:
        con.close()
    with (tmp_path / "pack" / "council_tax.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Account Ref"].strip() for r in rows].count(key) == 2  # the record, the repeat
    assert pack.rows_by_source["council_tax"] == len(rows)
    with (tmp_path / "pack" / "rows_set_aside.csv").open(encoding="utf-8") as handle:
        set_aside = list(csv.DictReader(handle))
    assert len(set_aside) == pack.set_aside >= 1
    assert any(r["reasons"].startswith("duplicate record key") for r in set_aside)
    assert "rows_set_aside.csv" in (tmp_path / "pack" / "README.md").read_text(encoding="utf-8")
