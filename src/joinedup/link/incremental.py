"""Incremental person linking: score only what changed, keep the rest of the last run.

Training and scoring every pair is most of a full link's time, and from one run to the
next most records have not changed. An incremental run reuses the previous run's trained
model and its scored pairs:

1. records that are new or changed since the previous run (any compared column differs)
   are the delta; records gone or changed lose their old pairs;
2. only the delta is scored, against every current record, with the same model and
   blocking rules (Splink's `find_matches_to_new_records`);
3. clusters are rebuilt from all pairs (old kept + new), then split where they conflict
   and given stable ids exactly as in a full run.

The model is not retrained, so a run whose data has drifted a lot should be full: when the
delta is more than `max_delta_share` of the records this falls back to a full link.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from joinedup.config import LinkConfig
from joinedup.link import people, scoring
from joinedup.link.clusters import split_conflicting_clusters, write_cluster_quality
from joinedup.link.entity_ids import assign_stable_ids
from joinedup.link.reuse import KEPT
from joinedup.link.review import LinkReview, add_relabelled_to_delta, decide_new_links


def link_people_incremental(
    con: duckdb.DuckDBPyConnection,
    settings: LinkConfig,
    progress: Callable[[str], None] | None = None,
    *,
    previous_store: Path | None = None,
    run_id: str = "run",
    max_delta_share: float = 0.2,
    review: LinkReview | None = None,
) -> people.PeopleLinkSummary:
    """Like `people.link_people`, scoring only new and changed records when it can.

    Reviewers' answers (`review`) decide their pairs as in a full run; the model is not
    retrained on them until the next full run."""
    say = progress or (lambda _msg: None)
    con.execute(f"DROP TABLE IF EXISTS {KEPT}")  # only a run that kept people leaves it
    usable = previous_store is not None and Path(previous_store).exists()
    if usable:
        con.execute(f"ATTACH '{_sql_path(previous_store)}' AS _prev (READ_ONLY)")
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = '_prev'"
            ).fetchall()
        }
        usable = {"link_model", "link_input", "person_links"} <= tables
        if not usable:
            con.execute("DETACH _prev")
    if not usable:
        return people.link_people(
            con, settings, progress, previous_store=previous_store, run_id=run_id, review=review
        )
    con.execute(people._PREPARE_SQL)
    # A column added since the last run (or one it lacks) cannot be compared: leave it out.
    previous_columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = '_prev' AND table_name = 'link_input'"
        ).fetchall()
    }
    current_columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name <> '_prev' AND table_name = 'link_input'"
        ).fetchall()
    }
    if current_columns - previous_columns:
        # A new derived column changes what the model compares: nothing old can be kept.
        con.execute("DETACH _prev")
        return people.link_people(
            con, settings, progress, previous_store=previous_store, run_id=run_id, review=review
        )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _delta AS
        SELECT unique_id FROM (
            SELECT unique_id, compare_hash FROM link_input
            EXCEPT SELECT unique_id, compare_hash FROM _prev.link_input
        )
        """
    )
    add_relabelled_to_delta(con, review)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _dropped AS
        SELECT unique_id FROM _prev.link_input
        WHERE unique_id NOT IN (SELECT unique_id FROM link_input)
        UNION ALL SELECT unique_id FROM _delta;
        """
    )
    n_delta, n_all = con.execute(
        "SELECT (SELECT count(*) FROM _delta), (SELECT count(*) FROM link_input)"
    ).fetchone()  # type: ignore[misc]
    if n_all == 0 or n_delta > max_delta_share * n_all:
        con.execute("DETACH _prev")
        return people.link_people(
            con, settings, progress, previous_store=previous_store, run_id=run_id, review=review
        )
    model_json = con.execute("SELECT model_json FROM _prev.link_model").fetchone()[0]  # type: ignore[index]
    say(f"scoring {n_delta:,} new or changed records against the rest")
    people.write_name_variants(con)  # a delta may bring new names
    people.write_model(con, model_json)
    scoring_sql = scoring.keep_scoring_sql(con, model_json, previous="_prev")
    con.execute(
        """
        CREATE OR REPLACE TABLE person_links AS
        SELECT * FROM _prev.person_links
        WHERE record_id_l NOT IN (SELECT unique_id FROM _dropped)
          AND record_id_r NOT IN (SELECT unique_id FROM _dropped)
        """
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _new_links AS SELECT * FROM person_links LIMIT 0")
    if n_delta:
        _score_delta(con, json.loads(model_json), scoring_sql)
    decide_new_links(con, review)
    con.execute("INSERT INTO person_links SELECT * FROM _new_links")
    say("clustering linked records into people")
    if _keeps_clusters(con, tables):
        split, ids = _recluster_affected(
            con, settings.threshold_probability, previous_store, run_id
        )
    else:  # a store from before clusters were kept: cluster everything
        con.execute("DETACH _prev")
        _cluster(con, settings.threshold_probability)
        split = split_conflicting_clusters(con, settings.threshold_probability)
        ids = assign_stable_ids(con, previous_store, run_id)
        write_cluster_quality(con, settings.threshold_probability)
    entities, links = con.execute(
        "SELECT (SELECT count(DISTINCT entity_id) FROM person_clusters), "
        "(SELECT count(*) FROM person_links WHERE match_probability >= ?)",
        [settings.threshold_probability],
    ).fetchone()  # type: ignore[misc]
    return people.PeopleLinkSummary(
        records=int(n_all),
        pairs_scored=int(n_delta),
        links=int(links),
        entities=int(entities),
        model_json=model_json,
        clusters_split=split,
        id_events={**ids, "records_rescored": int(n_delta)},
    )


def _score_delta(con: duckdb.DuckDBPyConnection, model: dict, scoring_sql: str) -> None:
    """Score every pair a delta record makes under the model's blocking rules (with any
    current record, once per pair, ids in a full run's order l < r) into `_new_links`.

    The pairs come from one join per rule with the delta on the small side; only the
    records in them are prepared for scoring, with term frequencies over every record, so
    the scores equal a full run's."""
    rules = [r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"]]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _delta_input AS SELECT * FROM link_input "
        "WHERE unique_id IN (SELECT unique_id FROM _delta)"
    )
    pairs = " UNION ".join(
        "SELECT least(l.unique_id, r.unique_id) AS join_key_l, "
        "greatest(l.unique_id, r.unique_id) AS join_key_r "
        f"FROM _delta_input l JOIN link_input r ON ({rule}) AND l.unique_id <> r.unique_id"
        for rule in rules
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {scoring.PAIRS} AS "
        f"SELECT join_key_l, join_key_r, '0' AS match_key FROM ({pairs})"
    )
    scoring.write_score_nodes(
        con,
        model,
        f"SELECT join_key_l FROM {scoring.PAIRS} UNION SELECT join_key_r FROM {scoring.PAIRS}",
    )
    keep = people.kept_link_columns(
        [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM ({scoring_sql}) LIMIT 0").fetchall()]
    )
    con.execute(
        f"""
        INSERT INTO _new_links BY NAME
        SELECT unique_id_l AS record_id_l, unique_id_r AS record_id_r, {", ".join(keep)}
        FROM ({scoring_sql}) WHERE match_probability >= {people.KEEP_FROM}
        """
    )


def _keeps_clusters(con: duckdb.DuckDBPyConnection, tables: set[str]) -> bool:
    """Whether the previous store kept what rebuilding only the touched clusters needs."""
    needed = {"person_clusters", "person_cluster_conflicts", "person_cluster_quality"}
    if not needed <= tables:
        return False
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = '_prev' AND table_name = 'person_clusters'"
        ).fetchall()
    }
    return {"split_from", "entity_id"} <= columns


def _recluster_affected(
    con: duckdb.DuckDBPyConnection, threshold: float, previous_store: Path | None, run_id: str
) -> tuple[int, dict[str, int]]:
    """`person_clusters`, its conflicts, ids and quality from the previous run's, rebuilt
    only where links changed. Returns (clusters split, id events).

    A previous cluster is rebuilt when one of its records changed, went, or gained a link
    at the threshold; it is taken whole with every piece split from the same connected
    component (old links at the threshold join only records of one component). The
    rebuilt records are clustered, split and given ids exactly as in a full run; every
    other cluster keeps its records, id, conflicts and quality, which nothing in the delta
    can change. Needs `_prev` attached (and detaches it), `_delta`, `_dropped`, `_new_links`.
    """
    for statement in (
        """
        CREATE OR REPLACE TEMP TABLE _prev_members AS
        SELECT record_id, cluster_id, split_from, entity_id,
               coalesce(split_from, cluster_id) AS component
        FROM _prev.person_clusters
        """,
        f"""
        CREATE OR REPLACE TEMP TABLE _touched AS
        SELECT unique_id AS record_id FROM _dropped
        UNION SELECT unique_id FROM _delta
        UNION SELECT record_id_l FROM _new_links WHERE match_probability >= {threshold}
        UNION SELECT record_id_r FROM _new_links WHERE match_probability >= {threshold}
        """,
        """
        CREATE OR REPLACE TEMP TABLE _affected AS
        SELECT record_id FROM (
            SELECT record_id FROM _prev_members WHERE component IN (
                SELECT component FROM _prev_members JOIN _touched USING (record_id))
            UNION SELECT record_id FROM _touched
        ) WHERE record_id IN (SELECT unique_id FROM link_input)
        """,
        """
        CREATE OR REPLACE TEMP TABLE _kept_conflicts AS
        SELECT * FROM _prev.person_cluster_conflicts
        WHERE record_id_l NOT IN (SELECT record_id FROM _affected)
        AND record_id_r NOT IN (SELECT record_id FROM _affected)
        """,
        """
        CREATE OR REPLACE TEMP TABLE _changed_rows AS
        SELECT unique_id AS record_id FROM (
            SELECT unique_id, row_hash FROM link_input
            EXCEPT SELECT unique_id, row_hash FROM _prev.link_input)
        """,
        """
        CREATE OR REPLACE TEMP TABLE _kept_quality AS
        SELECT * FROM _prev.person_cluster_quality WHERE entity_id IN (
            SELECT entity_id FROM _prev_members
            WHERE record_id NOT IN (SELECT record_id FROM _affected)
              AND record_id NOT IN (SELECT unique_id FROM _dropped))
        """,
    ):
        con.execute(statement)
    con.execute("DETACH _prev")
    nodes = [r[0] for r in con.execute("SELECT record_id FROM _affected").fetchall()]
    edges = con.execute(
        "SELECT record_id_l, record_id_r FROM person_links "
        "WHERE match_probability >= ? "
        "AND record_id_l IN (SELECT record_id FROM _affected) "
        "AND record_id_r IN (SELECT record_id FROM _affected)",
        [threshold],
    ).fetchall()
    component = _components(nodes, edges)
    con.register(
        "_rebuilt",
        # Typed: an empty delta gives empty lists, which would otherwise become INT32 columns.
        pa.table(
            {"record_id": list(component), "cluster_id": list(component.values())},
            schema=pa.schema([("record_id", pa.string()), ("cluster_id", pa.string())]),
        ),
    )
    con.execute("CREATE OR REPLACE TABLE person_clusters AS SELECT * FROM _rebuilt")
    con.unregister("_rebuilt")
    # While `person_clusters` holds only the rebuilt records, split, name and measure them.
    split = split_conflicting_clusters(con, threshold)
    ids = assign_stable_ids(con, previous_store, run_id, scope="SELECT record_id FROM _affected")
    write_cluster_quality(con, threshold)
    con.execute(
        """
        INSERT INTO person_clusters BY NAME
        SELECT record_id, cluster_id, split_from, entity_id FROM _prev_members
        WHERE record_id NOT IN (SELECT record_id FROM _affected)
          AND record_id NOT IN (SELECT unique_id FROM _dropped);  -- gone records

        INSERT INTO person_cluster_conflicts SELECT * FROM _kept_conflicts;
        INSERT INTO person_cluster_quality BY NAME SELECT * FROM _kept_quality;
        """
    )
    # People whose records, links and cluster are all as before: their per-person tables
    # (entity facts, golden records) can be copied from the previous run (reuse.py).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {KEPT} AS
        SELECT entity_id FROM _kept_quality
        EXCEPT SELECT entity_id FROM _prev_members
        WHERE record_id IN (SELECT record_id FROM _changed_rows)
        """
    )
    ids["kept"] = ids.get("kept", 0) + int(
        con.execute("SELECT count(*) FROM _kept_quality").fetchone()[0]  # type: ignore[index]
    )
    return split, ids


def _components(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, str]:
    """Connected components (union-find): record -> the smallest record id in its
    component, which also names the cluster."""
    parent = {n: n for n in nodes}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for left, right in edges:
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {n: root(n) for n in nodes}


def _cluster(con: duckdb.DuckDBPyConnection, threshold: float) -> None:
    """Connected components of the links at the threshold, as Splink clusters a full run."""
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    work = duckdb.connect()
    work.register("nodes", con.execute("SELECT unique_id FROM link_input").to_arrow_table())
    work.register(
        "edges",
        con.execute(
            "SELECT record_id_l AS unique_id_l, record_id_r AS unique_id_r, match_probability "
            "FROM person_links WHERE match_probability >= ?",
            [threshold],
        ).to_arrow_table(),
    )
    clusters = cluster_pairwise_predictions_at_threshold(
        "nodes",
        "edges",
        DuckDBAPI(work),
        node_id_column_name="unique_id",
        edge_id_column_name_left="unique_id_l",
        edge_id_column_name_right="unique_id_r",
        threshold_match_probability=threshold,
    ).as_pandas_dataframe()[["unique_id", "cluster_id"]]
    work.close()
    con.register("_clusters", clusters)
    con.execute(
        "CREATE OR REPLACE TABLE person_clusters AS "
        "SELECT unique_id AS record_id, CAST(cluster_id AS VARCHAR) AS cluster_id FROM _clusters"
    )
    con.unregister("_clusters")


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
