"""Incremental linking rebuilds only the clusters a delta touches, with the same result as
clustering every link; the lookup index scores a capped candidate set."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from joinedup.config import LinkConfig
from joinedup.hub import Hub
from joinedup.link.clusters import split_conflicting_clusters
from joinedup.link.incremental import _cluster, _components, link_people_incremental
from joinedup.link.lookup import PersonIndex
from joinedup.link.people import link_people


def test_components_name_each_cluster_by_its_smallest_record() -> None:
    found = _components(["d", "b", "a", "c", "e"], [("d", "b"), ("b", "c"), ("a", "e")])
    assert found == {"b": "b", "c": "b", "d": "b", "a": "a", "e": "a"}
    assert _components(["x"], []) == {"x": "x"}


def _inputs(hub: Hub, path: Path) -> duckdb.DuckDBPyConnection:
    """A fresh database holding the demo run's records and resolved addresses."""
    served = hub.connect()
    con = duckdb.connect(str(path))
    for table in ("records", "address_matches"):
        con.register("_copy", served.execute(f"SELECT * FROM {table}").to_arrow_table())
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM _copy")
        con.unregister("_copy")
    served.close()
    return con


def _partition(con: duckdb.DuckDBPyConnection) -> set[tuple[str, ...]]:
    rows = con.execute(
        "SELECT list(record_id ORDER BY record_id) FROM person_clusters GROUP BY entity_id"
    ).fetchall()
    return {tuple(r[0]) for r in rows}


@pytest.fixture(scope="module")
def incremental_run(demo_hub_config, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A full link of the demo, then an incremental run after a small delta: one record's
    email changed, one new record of an existing person (no address), one record gone."""
    hub = Hub.open(demo_hub_config.config_path)
    folder = tmp_path_factory.mktemp("incremental")
    previous = folder / "previous.duckdb"
    first = _inputs(hub, previous)
    link_people(first, LinkConfig(), run_id="r1")
    before = dict(first.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    # A record with a name, in a cluster of two or more, to copy under a new id.
    copied, gone = first.execute(
        "SELECT min(record_id) FILTER (WHERE n > 1), max(record_id) FILTER (WHERE n = 1) "
        "FROM (SELECT record_id, count(*) OVER (PARTITION BY entity_id) AS n "
        "      FROM person_clusters)"
    ).fetchone()
    first.close()
    con = _inputs(hub, folder / "current.duckdb")
    con.execute(
        "UPDATE records SET email = 'changed@example.org' WHERE record_id = "
        "(SELECT max(record_id) FROM records WHERE email IS NULL)"
    )
    con.execute(
        "INSERT INTO records SELECT * REPLACE (record_id || '-new' AS record_id, NULL AS "
        "address, NULL AS postcode, NULL AS uprn) FROM records WHERE record_id = ?",
        [copied],
    )
    con.execute("DELETE FROM records WHERE record_id = ?", [gone])
    summary = link_people_incremental(con, LinkConfig(), previous_store=previous, run_id="r2")
    yield con, summary, before, copied, gone
    con.close()


def test_incremental_run_scores_only_the_delta(incremental_run) -> None:  # type: ignore[no-untyped-def]
    con, summary, before, copied, gone = incremental_run
    assert summary.id_events["records_rescored"] == 2  # the changed and the new record
    entity = dict(con.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    assert gone not in entity
    assert entity[f"{copied}-new"] == entity[copied]  # the new record joined its person
    kept = sum(entity.get(r) == e for r, e in before.items())
    assert kept >= len(before) - 5  # only the few touched entities may change


def test_incremental_clusters_equal_clustering_every_link(incremental_run) -> None:  # type: ignore[no-untyped-def]
    con, *_ = incremental_run
    incremental = _partition(con)
    threshold = LinkConfig().threshold_probability
    con.execute("CREATE TABLE _saved_clusters AS SELECT * FROM person_clusters")
    con.execute("CREATE TABLE _saved_conflicts AS SELECT * FROM person_cluster_conflicts")
    _cluster(con, threshold)  # every record, every link, as a full run clusters
    split_conflicting_clusters(con, threshold)
    con.execute("ALTER TABLE person_clusters ADD COLUMN entity_id VARCHAR")
    con.execute("UPDATE person_clusters SET entity_id = cluster_id")
    assert _partition(con) == incremental
    conflicts = "SELECT record_id_l, record_id_r, reason FROM "
    assert set(con.execute(conflicts + "person_cluster_conflicts").fetchall()) == set(
        con.execute(conflicts + "_saved_conflicts").fetchall()
    )


def test_lookup_with_few_candidates_still_finds_the_person(demo_hub_config) -> None:
    con = Hub.open(demo_hub_config.config_path).connect()
    try:
        sample = con.execute(
            "SELECT r.first_name, r.surname, r.date_of_birth, r.postcode, e.entity_id "
            "FROM records r JOIN record_entities e USING (record_id) "
            "WHERE r.date_of_birth IS NOT NULL AND r.postcode IS NOT NULL "
            "ORDER BY r.record_id LIMIT 20"
        ).fetchall()
        narrow = PersonIndex(con, max_candidates=3)
        wide = PersonIndex(con)
    finally:
        con.close()

    def ask(index: PersonIndex, row: tuple) -> list[str]:
        first, surname, dob, postcode, _ = row
        found = index.lookup(
            first_name=first, surname=surname, date_of_birth=dob, postcode=postcode
        )
        return [c.entity_id for c in found]

    # Candidates sharing the most details come first, so three are enough for the person.
    assert all(ask(narrow, row)[0] == row[4] for row in sample)
    assert all(len(ask(narrow, row)) <= 3 for row in sample)
    # One index serves many threads at once with the same answers as one at a time.
    alone = [ask(wide, row) for row in sample]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda row: ask(wide, row), sample))
    assert together == alone
    narrow.close()
    wide.close()
