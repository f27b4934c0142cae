"""Retention and ROT on a small hand-built run: periods read from words, records past
them counted from their end date, duplicates and trivial columns found."""

from __future__ import annotations

import copy
import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import select

from joinedup.config import parse_config
from joinedup.governance.retention import (
    duplicate_records,
    export_past_retention,
    parse_retention,
    retention_flags,
    trivial_columns,
)
from joinedup.store.audit import AuditEvent
from joinedup.store.db import OperationalStore

from .agreement_fixtures import BASE

AS_OF = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("text", "years", "permanent"),
    [
        ("Claim end plus 6 years", 6, False),
        ("Current financial year plus 6 years", 6, False),
        ("8 years after the last contact", 8, False),
        ("Permanent: retired addresses are kept", None, True),
        ("As the ERO's retention schedule sets", None, False),
        (None, None, False),
    ],
)
def test_parse_retention(text: str | None, years: int | None, permanent: bool) -> None:
    rule = parse_retention(text)
    assert (rule.years, rule.permanent) == (years, permanent)
    assert rule.readable == (years is not None or permanent)


@pytest.fixture
def run() -> tuple[duckdb.DuckDBPyConnection, object]:
    data = copy.deepcopy(BASE)
    data["sources"]["council_tax"]["retention"] = "Account closure plus 6 years"
    data["sources"]["benefits"]["retention"] = "As the schedule sets"
    config = parse_config(data)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records AS SELECT * FROM (VALUES "
        "(1, 'council_tax', 'CT1', 1, 'Ann', 'Lee', DATE '2019-01-31'), "  # due 2025: past
        "(2, 'council_tax', 'CT2', 2, 'Bob', 'Ray', DATE '2021-01-31'), "  # due 2027: kept
        "(3, 'council_tax', 'CT3', 3, 'Cy', 'Dee', NULL), "  # live
        "(4, 'council_tax', 'CT4', 4, 'Cy', 'Dee', NULL), "  # a copy of CT3
        "(5, 'benefits', 'HB1', 1, 'Di', 'Fox', DATE '2001-01-01')"  # unreadable period
        ") t(record_id, source, record_key, row_number, first_name, surname, end_date)"
    )
    con.execute(
        "CREATE TABLE src_council_tax AS SELECT * FROM (VALUES "
        "('CT1', 'Ann', 'Lee', NULL, NULL), ('CT2', 'Bob', 'Lee', NULL, NULL)) "
        "t(record_key, first_name, surname, date_of_birth, nhs_number)"
    )
    con.execute(
        "CREATE TABLE src_benefits AS SELECT * FROM (VALUES "
        "('HB1', DATE '1970-01-01'), ('HB2', DATE '1970-01-01')) "
        "t(record_key, date_of_birth)"
    )
    return con, config


def test_retention_flags_count_from_the_end_date(run) -> None:  # type: ignore[no-untyped-def]
    con, config = run
    flags = {f.source: f for f in retention_flags(con, config, AS_OF)}
    assert (flags["council_tax"].records, flags["council_tax"].past_retention) == (4, 1)
    assert flags["council_tax"].with_end_date == 2
    assert flags["benefits"].past_retention == 0  # no number of years: a person reads it
    assert not flags["benefits"].rule.readable


def test_duplicates_and_trivial_columns(run) -> None:  # type: ignore[no-untyped-def]
    con, config = run
    assert duplicate_records(con) == {"council_tax": 1}
    trivial = {(t.source, t.column): t.distinct_values for t in trivial_columns(con, config)}
    assert trivial == {
        ("council_tax", "surname"): 1,
        ("council_tax", "date_of_birth"): 0,
        ("council_tax", "nhs_number"): 0,
        ("benefits", "date_of_birth"): 1,
    }


def test_the_purge_list_is_written_and_audited(
    run, store: OperationalStore, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    con, config = run
    out = tmp_path / "past.csv"
    assert export_past_retention(con, config, AS_OF, out, store, "cli:tester") == 1
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["source"], r["record_key"], r["due"]) for r in rows] == [
        ("council_tax", "CT1", "2025-01-31")
    ]
    with store.session() as session:
        [event] = session.scalars(select(AuditEvent)).all()
    assert (event.actor, event.action, event.detail) == (
        "cli:tester",
        "retention.export",
        "1 records",
    )
