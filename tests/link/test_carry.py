"""Carrying the last run's linking tables into a new run's store (link/carry.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from joinedup.link import carry


def _previous_store(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE person_links AS SELECT 'a' AS record_id_l, 'b' AS record_id_r")
    con.execute("CREATE TABLE golden_records AS SELECT 'P1' AS entity_id, 'x' AS value")
    con.execute("CREATE TABLE records AS SELECT 'a' AS record_id")
    con.execute("CREATE TABLE matches AS SELECT 1 AS n")
    con.execute("CREATE VIEW v_records AS SELECT * FROM records")
    con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_a_new_store_keeps_only_the_linking_tables_renamed(tmp_path: Path) -> None:
    previous, build = tmp_path / "previous.duckdb", tmp_path / "build.duckdb"
    _previous_store(previous)
    con = carry.start_from(previous, build, lambda path: duckdb.connect(str(path)))
    assert _tables(con) == {"carried_person_links", "carried_golden_records"}
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone() == (0,)
    assert carry.carried(con) == {"person_links", "golden_records"}
    carry.adopt(con, "person_links")  # edited, then taken under its own name
    carry.drop(con)  # the rest, not adopted, never reaches a published store
    assert _tables(con) == {"person_links"}
    assert con.execute("SELECT * FROM person_links").fetchall() == [("a", "b")]
    con.close()
    previous_tables = _tables(duckdb.connect(str(previous), read_only=True))
    assert previous_tables == {"person_links", "golden_records", "records", "matches"}


def test_copying_carries_the_same_tables_into_any_store(tmp_path: Path) -> None:
    previous = tmp_path / "previous.duckdb"
    _previous_store(previous)
    con = duckdb.connect()
    assert carry.copy_from(con, previous) == ["person_links", "golden_records"]
    assert carry.carried(con) == {"person_links", "golden_records"}
    assert con.execute("SELECT * FROM carried_golden_records").fetchall() == [("P1", "x")]


def _holes(con: duckdb.DuckDBPyConnection, table: str) -> int:
    stored = con.execute(
        "SELECT estimated_size FROM duckdb_tables() WHERE table_name = ?", [table]
    ).fetchone()[0]
    return int(stored - con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_edited_tables_keep_their_holes_and_say_how_many(tmp_path: Path) -> None:
    first, second, third = (tmp_path / f"run{n}.duckdb" for n in (1, 2, 3))
    con = duckdb.connect(str(first))
    for table in ("golden_records", "person_links", "records"):
        con.execute(
            f"CREATE TABLE {table} AS SELECT range AS n, 'v' || range AS v FROM range(300000)"
        )
    con.close()
    con = carry.start_from(first, second, lambda path: duckdb.connect(str(path)))
    assert carry.holes(con) == 0
    for table in ("golden_records", "person_links"):
        carry.adopt(con, table)
    # An incremental run's edit: a few rows out, as many in, all over the table.
    con.execute("DELETE FROM person_links WHERE n % 50 = 0")
    con.execute("INSERT INTO person_links SELECT n, 'new' FROM range(6000) t(n)")
    con.execute("DELETE FROM golden_records WHERE n % 2 = 0")  # DuckDB would fold these
    con.execute("CHECKPOINT")  # deferred: no table is folded as the store is written out
    assert _holes(con, "person_links") == 6000
    assert _holes(con, "golden_records") == 150000
    con.close()
    con = carry.start_from(second, third, lambda path: duckdb.connect(str(path)))
    # Of all the rows the carried tables store, those deleted: weighed by table.
    assert carry.holes(con) == (150000 + 6000) / (300000 + 306000)
    assert con.execute("SELECT count(*), sum(n) FROM carried_golden_records").fetchone() == (
        150000,
        sum(range(1, 300000, 2)),
    )
    con.close()
