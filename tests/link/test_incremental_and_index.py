"""Incremental linking rebuilds only the clusters a delta touches, with the same result as
clustering every link; the lookup index scores a capped candidate set."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pandas as pd
import pytest
from link_stores import inputs, partition

from joinedup.config import LinkConfig
from joinedup.hub import Hub
from joinedup.link import scoring
from joinedup.link.clusters import split_conflicting_clusters
from joinedup.link.entities import build_entity_tables
from joinedup.link.golden import build_golden_records
from joinedup.link.incremental import _cluster, _components, link_people_incremental
from joinedup.link.link_input import prepare_sql
from joinedup.link.lookup import PersonIndex
from joinedup.link.people import link_people
from joinedup.link.review import LinkReview

AS_OF = "2026-11-01"


def test_components_name_each_cluster_by_its_smallest_record() -> None:
    found = _components(["d", "b", "a", "c", "e"], [("d", "b"), ("b", "c"), ("a", "e")])
    assert found == {"b": "b", "c": "b", "d": "b", "a": "a", "e": "a"}
    assert _components(["x"], []) == {"x": "x"}


@pytest.fixture(scope="module")
def incremental_run(demo_hub_config, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A full link of the demo, then an incremental run after a small delta: one record's
    email changed, one new record of an existing person (no address), one record gone, and
    one record's address match changed in a field linking does not compare (its method)."""
    hub = Hub.open(demo_hub_config.config_path)
    folder = tmp_path_factory.mktemp("incremental")
    previous = folder / "previous.duckdb"
    first = inputs(hub, previous)
    link_people(first, LinkConfig(), run_id="r1")
    build_entity_tables(first, AS_OF)
    build_golden_records(first)
    before = dict(first.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    # A record with a name, in a cluster of two or more, to copy under a new id.
    copied, gone = first.execute(
        "SELECT min(record_id) FILTER (WHERE n > 1), max(record_id) FILTER (WHERE n = 1) "
        "FROM (SELECT record_id, count(*) OVER (PARTITION BY entity_id) AS n "
        "      FROM person_clusters)"
    ).fetchone()
    first.close()
    con = inputs(hub, folder / "current.duckdb")
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
    con.execute(
        "UPDATE address_matches SET method = method || ' (checked)' WHERE record_id = "
        "(SELECT min(record_id) FROM address_matches WHERE record_id NOT IN (?, ?) "
        "AND record_id IN (SELECT record_id FROM records WHERE email IS NOT NULL))",
        [copied, gone],
    )
    summary = link_people_incremental(con, LinkConfig(), previous_store=previous, run_id="r2")
    build_entity_tables(con, AS_OF, previous_store=previous)
    build_golden_records(con, previous_store=previous)
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
    # The gone record was its person's only one: that person's id is retired, as a full
    # run would say.
    assert con.execute(
        "SELECT event FROM entity_id_history WHERE run_id = 'r2' AND entity_id = ?",
        [before[gone]],
    ).fetchall() == [("retired",)]


def test_incremental_clusters_equal_clustering_every_link(incremental_run) -> None:  # type: ignore[no-untyped-def]
    con, *_ = incremental_run
    incremental = partition(con)
    threshold = LinkConfig().threshold_probability
    con.execute("CREATE TABLE _saved_clusters AS SELECT * FROM person_clusters")
    con.execute("CREATE TABLE _saved_conflicts AS SELECT * FROM person_cluster_conflicts")
    try:
        _cluster(con, threshold)  # every record, every link, as a full run clusters
        split_conflicting_clusters(con, threshold)
        con.execute("ALTER TABLE person_clusters ADD COLUMN entity_id VARCHAR")
        con.execute("UPDATE person_clusters SET entity_id = cluster_id")
        assert partition(con) == incremental
        conflicts = "SELECT record_id_l, record_id_r, reason FROM "
        assert set(con.execute(conflicts + "person_cluster_conflicts").fetchall()) == set(
            con.execute(conflicts + "_saved_conflicts").fetchall()
        )
    finally:  # the other tests of this module read the incremental run's tables
        con.execute("CREATE OR REPLACE TABLE person_clusters AS SELECT * FROM _saved_clusters")
        con.execute(
            "CREATE OR REPLACE TABLE person_cluster_conflicts AS SELECT * FROM _saved_conflicts"
        )
        con.execute("DROP TABLE _saved_clusters")
        con.execute("DROP TABLE _saved_conflicts")


def test_only_changed_records_are_prepared_as_preparing_all_would(incremental_run) -> None:  # type: ignore[no-untyped-def]
    con, _summary, _before, copied, gone = incremental_run
    changed = {r[0] for r in con.execute("SELECT record_id FROM _changed_rows").fetchall()}
    emailed = con.execute("SELECT record_id FROM records WHERE email = 'changed@example.org'")
    emailed = emailed.fetchone()[0]
    rematched = con.execute(
        "SELECT record_id FROM address_matches WHERE method LIKE '% (checked)'"
    ).fetchone()[0]
    assert changed == {f"{copied}-new", emailed, rematched}
    delta = {r[0] for r in con.execute("SELECT unique_id FROM _delta").fetchall()}
    assert delta == {f"{copied}-new", emailed}  # the match's method is not compared
    assert con.execute("SELECT unique_id FROM _gone").fetchall() == [(gone,)]
    edited = set(con.execute("SELECT * FROM link_input").fetchall())
    assert edited == set(con.execute(prepare_sql()).fetchall())


def test_per_person_tables_copied_for_kept_people_equal_rebuilding_them(incremental_run) -> None:  # type: ignore[no-untyped-def]
    con, *_ = incremental_run
    redone = con.execute("SELECT count(DISTINCT entity_id) FROM _redo_entities").fetchone()[0]
    people = con.execute("SELECT count(DISTINCT entity_id) FROM person_clusters").fetchone()[0]
    assert 0 < redone < 10 < people  # most people were kept, the touched few rebuilt
    copied = {
        table: set(con.execute(f"SELECT * FROM {table}").fetchall())
        for table in ("golden_records", "entity_facts")
    }
    con.execute("DROP TABLE _redo_entities")  # without it, both are built for everyone
    build_entity_tables(con, AS_OF)
    build_golden_records(con)
    for table, rows in copied.items():
        assert rows == set(con.execute(f"SELECT * FROM {table}").fetchall()), table


def test_scoring_sql_scores_pairs_as_the_full_run_did(demo_hub_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = inputs(Hub.open(demo_hub_config.config_path), tmp_path / "full.duckdb")
    link_people(con, LinkConfig(), run_id="r1")
    model_json = con.execute("SELECT model_json FROM link_model").fetchone()[0]
    sql = scoring.keep_scoring_sql(con, model_json)
    con.execute(
        f"CREATE TEMP TABLE {scoring.PAIRS} AS SELECT record_id_l AS join_key_l, "
        "record_id_r AS join_key_r, '0' AS match_key FROM person_links"
    )
    scoring.write_score_nodes(
        con,
        json.loads(model_json),
        f"SELECT join_key_l FROM {scoring.PAIRS} UNION SELECT join_key_r FROM {scoring.PAIRS}",
    )
    compared = con.execute(
        f"""
        SELECT count(*), max(abs(s.match_weight - l.match_weight)),
               count(*) FILTER (WHERE s.gamma_dob <> l.gamma_dob)
        FROM ({sql}) s JOIN person_links l
          ON l.record_id_l = s.unique_id_l AND l.record_id_r = s.unique_id_r
        """
    ).fetchone()
    pairs = con.execute("SELECT count(*) FROM person_links").fetchone()[0]
    assert compared[0] == pairs > 100
    assert compared[1] < 1e-9 and compared[2] == 0
    con.close()


def test_incremental_run_applies_reviewers_answers(demo_hub_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A pair answered "different people" after a run is parted by the next incremental
    run, and an unlinked pair answered "same person" is joined; nothing else changes."""
    hub = Hub.open(demo_hub_config.config_path)
    previous = tmp_path / "previous.duckdb"
    first = inputs(hub, previous)
    link_people(first, LinkConfig(), run_id="r1")
    parted = first.execute(
        "SELECT record_id_l, record_id_r FROM person_links l JOIN person_clusters a "
        "ON a.record_id = l.record_id_l JOIN person_clusters b ON b.record_id = l.record_id_r "
        "AND b.entity_id = a.entity_id WHERE a.entity_id IN (SELECT entity_id FROM "
        "person_clusters GROUP BY 1 HAVING count(*) = 2) ORDER BY 1 LIMIT 1"
    ).fetchone()
    joined = first.execute(
        "SELECT record_id_l, record_id_r FROM person_links l JOIN person_clusters a "
        "ON a.record_id = l.record_id_l JOIN person_clusters b ON b.record_id = l.record_id_r "
        "AND b.entity_id <> a.entity_id ORDER BY l.match_probability DESC, 1 LIMIT 1"
    ).fetchone()
    first.close()
    labels = pd.DataFrame(
        [(*parted, "different"), (*joined, "same")],
        columns=["record_id_l", "record_id_r", "decision"],
    )
    review = LinkReview(labels=labels)
    con = inputs(hub, tmp_path / "current.duckdb")
    summary = link_people_incremental(
        con, LinkConfig(), previous_store=previous, run_id="r2", review=review
    )
    entity = dict(con.execute("SELECT record_id, entity_id FROM person_clusters").fetchall())
    assert entity[parted[0]] != entity[parted[1]]
    assert entity[joined[0]] == entity[joined[1]]
    assert summary.id_events["records_rescored"] == 4  # only the answered pairs' records
    assert review.labels_applied == 2
    decided = dict(
        ((left, right), p)
        for left, right, p in con.execute(
            "SELECT record_id_l, record_id_r, match_probability FROM person_links"
        ).fetchall()
    )
    assert decided[parted] == 0.0 and decided[joined] == 1.0
    con.close()


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


def test_a_store_a_fifth_holes_is_linked_afresh(demo_hub_config, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from joinedup.link import carry

    hub = Hub.open(demo_hub_config.config_path)
    previous = tmp_path / "previous.duckdb"
    con = inputs(hub, previous)
    link_people(con, LinkConfig(), run_id="r1")
    # Most scored pairs and id events deleted, as incremental runs delete rows: kept as
    # holes. (Nothing here reads what is left: no record changes.)
    carry.defer_compaction(con)
    con.execute("DELETE FROM person_links WHERE hash(record_id_l) % 8 <> 0")
    con.execute("DELETE FROM entity_id_history WHERE hash(entity_id) % 8 <> 0")
    con.execute("CHECKPOINT")
    con.close()
    linked = {}
    for share in (0.9, 0.2):
        store = carry.start_from(previous, tmp_path / f"run_{share}.duckdb", duckdb.connect)
        assert 0.2 < carry.holes(store) < 0.9
        store.execute(f"ATTACH '{previous}' AS last (READ_ONLY)")
        for table in ("records", "address_matches"):  # the same records as last time
            store.execute(f"CREATE TABLE {table} AS SELECT * FROM last.{table}")
        store.execute("DETACH last")
        limit = {"max_holes_share": share} if share == 0.9 else {}  # else the default
        summary = link_people_incremental(
            store, LinkConfig(), previous_store=previous, run_id="r2", **limit
        )
        linked[share] = summary.afresh_because or "incrementally"
        assert ("records_rescored" in summary.id_events) == (linked[share] == "incrementally")
        store.close()
    assert linked == {
        0.9: "incrementally",
        0.2: "20% or more of what the linking tables hold is rows earlier runs deleted",
    }
