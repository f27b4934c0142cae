"""Households over time, movers and stale data alerts, on the small demo council's run,
checked against its truth."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.hub import Hub
from joinedup.link.occupancy import build_occupancy, household_rows
from joinedup.link.occupancy_truth import measure
from joinedup.link.stale import build_stale_alerts

runner = CliRunner()


def test_stale_alerts_and_movers_are_right_against_the_truth(demo_hub_config) -> None:
    hub = Hub.open(demo_hub_config.config_path)
    con = hub.connect()
    try:
        figures = measure(con, demo_hub_config.folder / "truth", as_of="2026-11-01")
        kinds = {r[0] for r in con.execute("SELECT DISTINCT stale FROM stale_alerts").fetchall()}
    finally:
        con.close()
    assert "died" in kinds
    alerts = figures["stale_alerts"]
    assert isinstance(alerts, list)
    total = sum(a["alerts"] for a in alerts)
    right = sum(a["right"] for a in alerts)
    assert total > 0 and right / total >= 0.95
    movers = figures["movers"]
    assert isinstance(movers, dict)
    if movers["rows"]:
        assert movers["right"] / movers["rows"] >= 0.8
    placed = figures["placements_as_of"]
    assert isinstance(placed, dict)
    assert placed["placed"] > 500 and placed["right"] / placed["placed"] >= 0.98


def test_household_lists_the_occupancy_table_people(demo_hub_config) -> None:
    hub = Hub.open(demo_hub_config.config_path)
    con = hub.connect()
    try:
        uprn, people, adults = con.execute(
            "SELECT uprn, people, adults FROM occupancy WHERE people >= 2 ORDER BY uprn LIMIT 1"
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    rows = hub.household(uprn)
    assert len(rows) == people
    assert sum(bool(r["adult"]) for r in rows) == adults
    assert all(r["sources"] for r in rows)
    # Long before anyone in the demo was born, nobody with a dated record lived there.
    assert all(r["since"] is None for r in hub.household(uprn, as_of="1900-01-01"))


def test_a_move_makes_a_mover_and_a_stale_alert() -> None:
    """Council tax saw the person leave A and start at B; the register still says A.

    p3 is on the register at both X and Y, and nothing shows them leaving X: most likely
    two people linked as one, so no alert."""
    con = duckdb.connect()
    con.execute(
        """
        CREATE TABLE records AS SELECT * FROM (VALUES
            ('ct:1', 'council_tax', '1', DATE '2015-01-01', DATE '2024-03-31', NULL::DATE),
            ('ct:2', 'council_tax', '2', DATE '2024-04-01', NULL::DATE, NULL::DATE),
            ('er:1', 'electoral_register', 'E1', NULL::DATE, NULL::DATE, NULL::DATE),
            ('er:2', 'electoral_register', 'E2', NULL::DATE, NULL::DATE, NULL::DATE),
            ('dr:2', 'deaths', 'D2', NULL::DATE, NULL::DATE, DATE '2026-01-05'),
            ('ct:3', 'council_tax', '3', DATE '2011-02-15', NULL::DATE, NULL::DATE),
            ('er:3', 'electoral_register', 'E3', NULL::DATE, NULL::DATE, NULL::DATE),
            ('er:4', 'electoral_register', 'E4', NULL::DATE, NULL::DATE, NULL::DATE)
        ) t(record_id, source, record_key, start_date, end_date, date_of_death);
        ALTER TABLE records ADD COLUMN snapshot_date DATE DEFAULT DATE '2026-11-01';
        CREATE TABLE record_entities AS SELECT * FROM (VALUES
            ('ct:1', 'p1', 'A'), ('ct:2', 'p1', 'B'), ('er:1', 'p1', 'A'),
            ('er:2', 'p2', 'C'), ('dr:2', 'p2', 'C'),
            ('ct:3', 'p3', 'Y'), ('er:3', 'p3', 'Y'), ('er:4', 'p3', 'X')
        ) t(record_id, entity_id, uprn);
        CREATE TABLE entity_facts AS SELECT * FROM (VALUES
            ('p1', DATE '1980-01-01', NULL::DATE), ('p2', DATE '1940-01-01', DATE '2026-01-05'),
            ('p3', DATE '1970-01-01', NULL::DATE)
        ) t(entity_id, date_of_birth, date_of_death);
        CREATE TABLE gazetteer AS SELECT 'A' AS uprn, NULL AS parent_uprn;
        """
    )
    build_occupancy(con, "2026-11-01")
    assert build_stale_alerts(con, "2026-11-01") == 2
    alerts = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT record_id, stale, known_better_by, new_uprn, corroborated FROM stale_alerts"
        ).fetchall()
    }
    assert alerts["er:1"] == ("address", "council_tax", "B", True)
    assert alerts["er:2"] == ("died", "deaths", None, True)
    movers = con.execute("SELECT entity_id, uprn, newer_uprn FROM movers ORDER BY 1").fetchall()
    assert movers[0] == ("p1", "A", "B")
    assert [r["entity_id"] for r in household_rows(con, "B", "2026-11-01")] == ["p1"]
    assert [r["entity_id"] for r in household_rows(con, "A", "2020-06-01")] == ["p1"]
    assert household_rows(con, "C", "2026-11-01") == []


def test_export_addresses_and_stale(demo_hub_config, tmp_path: Path) -> None:
    config = str(demo_hub_config.config_path)
    out = tmp_path / "addresses.csv"
    result = runner.invoke(app, ["export", "addresses", "--config", config, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "source",
        "record_key",
        "address",
        "postcode",
        "uprn",
        "status",
        "method",
        "score",
    ]
    assert {r["status"] for r in rows} <= {"matched", "ambiguous", "unmatched"}
    assert all(r["uprn"] for r in rows if r["status"] == "matched")
    con = Hub.open(demo_hub_config.config_path).connect()
    try:
        assert len(rows) == con.execute("SELECT count(*) FROM address_matches").fetchone()[0]  # type: ignore[index]
    finally:
        con.close()

    out = tmp_path / "stale.csv"
    result = runner.invoke(app, ["export", "stale", "--config", config, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open() as f:
        stale = list(csv.DictReader(f))
    assert stale and {r["stale"] for r in stale} <= {"address", "died"}
    by_source = Hub.open(demo_hub_config.config_path).stale_alerts(source=stale[0]["source"])
    assert by_source and {a["source"] for a in by_source} == {stale[0]["source"]}
