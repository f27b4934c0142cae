"""Discovery on small messy extracts (exact counts) and on the demo council (against truth)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.reports.discovery import discover, discovery_document, starter_config
from joinedup.reports.profile import SPECIAL_HEALTH
from joinedup.reports.render import to_html, to_markdown

AS_OF = date(2024, 11, 1)


def _table(found, name):  # type: ignore[no-untyped-def]
    return next(t for t in found.tables if t.name == name)


def test_messy_files_are_read_and_what_cannot_be_read_is_said(messy_folder: Path) -> None:
    found = discover([messy_folder], as_of=AS_OF)
    assert sorted(t.name for t in found.tables) == ["council_tax", "deaths", "register"]
    tax = _table(found, "council_tax")
    assert tax.rows == 7  # title line and "Total records" footer are not data
    assert tax.encoding == "cp1252"
    reasons = {u.file: u.reason for u in found.unreadable}
    assert set(reasons) == {"broken.xlsx", "notes.pdf"}
    assert "not a data file" in reasons["notes.pdf"]


def test_types_personal_data_and_validity_per_column(messy_folder: Path) -> None:
    found = discover([messy_folder], as_of=AS_OF)
    tax = {c.name: c for c in _table(found, "council_tax").columns}
    assert tax["Lead Liable Name"].categories == ["name"]
    assert tax["Liable DOB"].categories == ["date of birth"] and tax["Liable DOB"].kind == "date"
    assert tax["Property Ref"].categories == ["UPRN"] and tax["Property Ref"].validity == 1.0
    assert tax["Postcode"].validity == 1.0
    deaths = {c.name: c for c in _table(found, "deaths").columns}
    # An NHS number is recognised by its check digit, whatever the column is called.
    assert deaths["Ref2"].categories == ["NHS number"]
    assert SPECIAL_HEALTH in deaths["Medical Condition"].categories


def test_redundant_obsolete_and_trivial_data(messy_folder: Path) -> None:
    tax = _table(discover([messy_folder], as_of=AS_OF), "council_tax")
    columns = {c.name: c for c in tax.columns}
    assert columns["Empty"].trivial == "empty"
    assert columns["Batch"].trivial == "one value only"
    assert tax.duplicate_rows == 1
    assert tax.duplicate_people == 1
    assert tax.obsolete_rows == 2  # both copies of the account that ended in 2010


def test_spd_quick_win_counts_only_other_living_adults(messy_folder: Path) -> None:
    found = discover([messy_folder], as_of=AS_OF)
    spd = next(w for w in found.quick_wins if w.title.startswith("Single person discount"))
    # At 1: another adult (flagged). At 2: only the holder. At 3: a child. At 4: an adult
    # who has died. The account that ended in 2010 is not current.
    assert spd.count == 1
    assert "1 of 4 current" in spd.detail


def test_deaths_still_current_elsewhere_and_overlaps(messy_folder: Path) -> None:
    found = discover([messy_folder], as_of=AS_OF)
    deaths = {w.tables[1]: w.count for w in found.quick_wins if "dead" in w.title}
    assert deaths == {"council_tax": 1, "register": 2}
    people = {(o.left, o.right): o for o in found.overlaps if o.what == "people"}
    tax_register = people[("council_tax", "register")]
    assert tax_register.key == "surname, first initial and date of birth"
    assert tax_register.shared == 3  # Smith J, Jones P and White S
    shared = {(a, b): s for a, b, s in found.shared_identifiers}
    assert "NHS number" not in shared[("council_tax", "deaths")]
    assert "date of birth" in shared[("council_tax", "register")]


def test_report_has_charts_and_no_personal_data(
    messy_folder: Path, fixture_surnames: list[str]
) -> None:
    found = discover([messy_folder], as_of=AS_OF)
    document = discovery_document(found)
    html = to_html(document)
    markdown = to_markdown(document)
    assert "<svg" in html and "<script" not in html and "http" not in html.split("<body>")[0]
    assert "broken.xlsx" in markdown and "Quick wins" in markdown
    for surname in fixture_surnames:
        assert surname not in html and surname not in markdown


def test_starter_config_points_at_the_files(messy_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    text = starter_config([messy_folder / "council_tax.csv", messy_folder / "register.csv"], out)
    config = yaml.safe_load(text)
    files = {s["file"] for s in config["sources"].values()}
    assert files == {"../exports/council_tax.csv", "../exports/register.csv"}
    for name in files:
        assert (out / name).exists()


def test_discover_command_writes_the_four_files(messy_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["discover", str(messy_folder), "--out", str(out), "--as-of", "2024-11-01"]
    )
    assert result.exit_code == 0, result.output
    for name in ("discovery.html", "discovery.docx", "discovery.md", "joinedup.yaml"):
        assert (out / name).stat().st_size > 0
    assert "broken.xlsx" in result.output


def test_demo_council_discovery_sizes_the_spd_work(demo_hub_config) -> None:  # type: ignore[no-untyped-def]
    folder = demo_hub_config.folder
    found = discover([folder], as_of=date(2026, 11, 1))
    names = {t.name for t in found.tables}
    assert {"council_tax", "electoral_register", "gazetteer", "deaths"} <= names
    register = _table(found, "electoral_register")
    assert register.skipped > 0  # the workbook's title rows and footer
    truth = pd.read_csv(folder / "truth" / "spd_cases.csv")
    fraud = int((truth["kind"] == "fraud").sum())
    spd = next(w for w in found.quick_wins if w.title.startswith("Single person discount"))
    # A sizing from simple keys: it finds the planted cases and the decoys it cannot rule
    # out (people who moved out, children without a date of birth), not hundreds more.
    assert fraud <= spd.count <= len(truth) + fraud
    addresses = {(o.left, o.right): o for o in found.overlaps if o.what == "addresses"}
    assert addresses[("council_tax", "gazetteer")].key == "UPRN"
    assert addresses[("council_tax", "gazetteer")].share_of_left > 0.95


def test_a_database_url_is_read_table_by_table(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "housing.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE tenants (tenancy_ref TEXT, surname TEXT, postcode TEXT)")
        connection.executemany(
            "INSERT INTO tenants VALUES (?, ?, ?)",
            [("T1", "Adams", "AB1 2NX"), ("T2", "Brown", "AB1 2NY"), ("T3", None, "not one")],
        )
        connection.execute("CREATE TABLE notes (id INTEGER)")
    found = discover([f"sqlite:///{path}"], as_of=AS_OF)
    (tenants,) = found.tables
    columns = {c.name: c for c in tenants.columns}
    assert tenants.rows == 3 and tenants.fmt == "sql"
    assert columns["postcode"].validity == pytest.approx(2 / 3)
    assert [u.reason for u in found.unreadable] == [
        "fewer than two columns: not a table JoinedUp can profile"
    ]
    bad = discover(["postgresql://user:secret@localhost:1/none"], as_of=AS_OF)
    assert "secret" not in str(bad.unreadable) and bad.unreadable
