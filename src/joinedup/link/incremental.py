"""Incremental person linking: score only what changed, keep the rest of the last run.

Training and scoring every pair is most of a full link's time, and from one run to the
next most records have not changed. An incremental run reuses the previous run's trained
model and edits its tables, carried into this run's store (carry.py):

1. only records new or changed since the previous run are prepared (link_input.py); those
   whose compared columns changed are the delta; records gone or changed lose their pairs;
2. only the delta is scored, against every current record, with the same model, blocking
   rules and scoring SQL (scoring.py);
3. only the clusters the delta touches are rebuilt, split where they conflict and given
   stable ids exactly as in a full run; the people they hold are the ones whose
   per-person tables are rebuilt (reuse.py).

The model is not retrained, so a run whose data has drifted a lot should be full: when the
delta is more than `max_delta_share` of the records this falls back to a full link. So
it does when deleted rows kept as holes (carry.py) are `max_holes_share` of what the
carried tables store: a full link writes every table afresh.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from joinedup.config import LinkConfig
from joinedup.engine.analytical import sql_path
from joinedup.link import carry, people, scoring
from joinedup.link.clusters import split_conflicting_clusters, write_cluster_quality
from joinedup.link.entity_ids import assign_stable_ids
from joinedup.link.link_input import prepare_changes
from joinedup.link.reuse import REDO
from joinedup.link.review import LinkReview, add_relabelled_to_delta, decide_new_links


def link_people_incremental(
    con: duckdb.DuckDBPyConnection,
    settings: LinkConfig,
    progress: Callable[[str], None] | None = None,
    *,
    previous_store: Path | None = None,
    run_id: str = "run",
    max_delta_share: float = 0.2,
    max_holes_share: float = 0.2,
    review: LinkReview | None = None,
) -> people.PeopleLinkSummary:
    """Like `people.link_people`, scoring only new and changed records when it can.

    Edits the previous run's tables carried into this store (carry.py), copying them from
    `previous_store` first when the store did not start from its file. Reviewers' answers
    (`review`) decide their pairs as in a full run; the model is not retrained on them
    until the next full run."""
    say = progress or (lambda _msg: None)
    con.execute(f"DROP TABLE IF EXISTS {REDO}")  # only a run that kept people leaves it

    def full_link(because: str) -> people.PeopleLinkSummary:
        summary = people.link_people(
            con, settings, progress, previous_store=previous_store, run_id=run_id, review=review
        )
        summary.afresh_because = because
        return summary

    if previous_store is None or not Path(previous_store).exists():
        return full_link("there is no earlier run to build on")
    con.execute(f"ATTACH '{sql_path(previous_store)}' AS _prev (READ_ONLY)")
    because = None
    if not {"link_model", "link_input", "person_links"} <= carry.tables_in(con, "_prev"):
        because = "the last run kept no model and links to build on"
    else:
        if not carry.carried(con):
            carry.copy_from(con, previous_store)
        if not {"link_input", "person_links"} <= carry.carried(con):
            because = "the last run kept no model and links to build on"
        elif carry.holes(con) >= max_holes_share:
            because = (
                f"{max_holes_share:.0%} or more of what the linking tables hold is rows "
                "earlier runs deleted"
            )
    if because is None and not prepare_changes(con, settings.shared_contact_first_names):
        # Only new and changed records are prepared; a change of columns, or of how a
        # source lists people (`listed_once`), changes what the model compares.
        because = "the records changed shape (other columns, or a source now repeats records)"
    if because is not None:
        con.execute("DETACH _prev")
        return full_link(because)
    relabelled = add_relabelled_to_delta(con, review)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _dropped AS "
        "SELECT unique_id FROM _gone UNION ALL SELECT unique_id FROM _delta"
    )
    n_delta, n_all = con.execute(
        "SELECT (SELECT count(*) FROM _delta), (SELECT count(*) FROM link_input)"
    ).fetchone()  # type: ignore[misc]
    if n_all == 0 or n_delta > max_delta_share * n_all:
        con.execute("DETACH _prev")
        return full_link(
            f"more than {max_delta_share:.0%} of the records are new or changed"
            if n_all
            else "there are no records"
        )
    model_json = con.execute("SELECT model_json FROM _prev.link_model").fetchone()[0]  # type: ignore[index]
    say(f"scoring {n_delta:,} new or changed records against the rest")
    people.write_name_variants(con)  # a delta may bring new names
    people.write_model(con, model_json)
    scoring_sql = scoring.keep_scoring_sql(con, model_json, previous="_prev")
    carry.adopt(con, "person_links")
    con.execute(
        "DELETE FROM person_links WHERE record_id_l IN (SELECT unique_id FROM _dropped) "
        "OR record_id_r IN (SELECT unique_id FROM _dropped)"
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _new_links AS SELECT * FROM person_links LIMIT 0")
    if n_delta:
        _score_delta(con, json.loads(model_json), scoring_sql, relabelled=relabelled > 0)
    decide_new_links(con, review)
    con.execute("INSERT INTO person_links SELECT * FROM _new_links")
    say("clustering linked records into people")
    if _keeps_clusters(con):
        split, ids = _recluster_affected(
            con, settings.threshold_probability, previous_store, run_id
        )
    else:  # a store from before clusters were kept: cluster everything
        con.execute("DETACH _prev")
        carry.drop(con)
        _cluster(con, settings.threshold_probability)
        split = split_conflicting_clusters(con, settings.threshold_probability)
        ids = assign_stable_ids(con, previous_store, run_id)
        write_cluster_quality(con, settings.threshold_probability)
    entities, links = con.execute(
        "SELECT (SELECT count(*) FROM person_cluster_quality), "  # a row per entity
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


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND table_name = ?",
            [table],
        ).fetchall()
    }


def _score_delta(
    con: duckdb.DuckDBPyConnection, model: dict, scoring_sql: str, *, relabelled: bool
) -> None:
    """Score every pair a delta record makes under the model's blocking rules (with any
    current record, once per pair, ids in a full run's order l < r) into `_new_links`.

    The pairs come from one join per rule with the delta on the small side; only the
    records in them are prepared for scoring, with term frequencies over every record, so
    the scores equal a full run's."""
    rules = [r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"]]
    con.execute(
        # Changed records are already prepared apart; only records whose reviewers'
        # answers changed are read from every record.
        "CREATE OR REPLACE TEMP TABLE _delta_input AS "
        "SELECT * FROM _prepared WHERE unique_id IN (SELECT unique_id FROM _delta)"
        + (
            " UNION ALL SELECT * FROM link_input WHERE unique_id IN (SELECT unique_id FROM "
            "_delta WHERE unique_id NOT IN (SELECT record_id FROM _changed_rows))"
            if relabelled
            else ""
        )
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


def _keeps_clusters(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the previous run carried what rebuilding only the touched clusters needs."""
    needed = {"person_clusters", "person_cluster_conflicts", "person_cluster_quality"}
    if not needed <= carry.carried(con):
        return False
    return {"split_from", "entity_id"} <= _columns(con, f"{carry.PREFIX}person_clusters")


_CLUSTERS = f"{carry.PREFIX}person_clusters"


def _recluster_affected(
    con: duckdb.DuckDBPyConnection, threshold: float, previous_store: Path | None, run_id: str
) -> tuple[int, dict[str, int]]:
    """`person_clusters`, its conflicts, ids and quality: the previous run's (carried),
    rebuilt only where links changed. Returns (clusters split, id events).

    A previous cluster is rebuilt when one of its records changed, went, or gained a link
    at the threshold; it is taken whole with every piece split from the same connected
    component (old links at the threshold join only records of one component). The
    rebuilt records are clustered, split and given ids exactly as in a full run; every
    other cluster keeps its records, id, conflicts and quality, which nothing in the delta
    can change. Needs `_prev` attached (and detaches it), `_delta`, `_dropped`,
    `_changed_rows`, `_new_links`.
    """
    for statement in (
        f"""
        CREATE OR REPLACE TEMP TABLE _touched AS
        SELECT unique_id AS record_id FROM _dropped
        UNION SELECT unique_id FROM _delta
        UNION SELECT record_id_l FROM _new_links WHERE match_probability >= {threshold}
        UNION SELECT record_id_r FROM _new_links WHERE match_probability >= {threshold}
        """,
        # The carried rows of every record touched or changed and of every cluster a
        # touched record is in (whole, with every piece split from the same component),
        # read once: what is rebuilt, whose tables are redone and their old ids come
        # from these few rows, not from the county's.
        f"""
        CREATE OR REPLACE TEMP TABLE _old_rows AS
        WITH keys AS (
            SELECT DISTINCT coalesce(split_from, cluster_id) AS k
            FROM {_CLUSTERS} JOIN _touched USING (record_id)
        )
        SELECT record_id, entity_id,
               coalesce(split_from, cluster_id) IN (SELECT k FROM keys) AS rebuilt
        FROM {_CLUSTERS}
        WHERE coalesce(split_from, cluster_id) IN (SELECT k FROM keys)
           OR record_id IN (SELECT record_id FROM _changed_rows)
        """,
        """
        CREATE OR REPLACE TEMP TABLE _affected AS
        SELECT record_id FROM (
            SELECT record_id FROM _old_rows WHERE rebuilt
            UNION SELECT record_id FROM _touched
        ) WHERE record_id NOT IN (SELECT unique_id FROM _gone)
        """,
        """
        CREATE OR REPLACE TEMP TABLE _redone AS
        SELECT record_id FROM _affected UNION SELECT unique_id FROM _dropped
        """,
        # The people whose per-person tables (record entities, facts, golden records) are
        # rebuilt (reuse.py): the old ids of the rebuilt and gone records, and the people
        # whose clusters stay but a record of which changed in a field the model does not
        # compare; the rebuilt clusters' ids are added below. Everyone else keeps theirs.
        f"""
        CREATE OR REPLACE TEMP TABLE {REDO} AS
        SELECT entity_id FROM _old_rows WHERE record_id IN (
            SELECT record_id FROM _redone UNION SELECT record_id FROM _changed_rows)
        """,
        # Edit the carried tables: out go the rebuilt and gone records' rows (and, for
        # quality, their entities'); the rebuilt ones come in below. Every carried row of
        # a rebuilt or gone record is among `_old_rows`: its cluster was touched.
        f"""
        DELETE FROM {carry.PREFIX}person_cluster_conflicts
        WHERE record_id_l IN (SELECT record_id FROM _redone)
           OR record_id_r IN (SELECT record_id FROM _redone);

        DELETE FROM {carry.PREFIX}person_cluster_quality WHERE entity_id IN (
            SELECT entity_id FROM _old_rows JOIN _redone USING (record_id));

        DELETE FROM {_CLUSTERS} WHERE record_id IN (SELECT record_id FROM _redone);
        """,
    ):
        con.execute(statement)
    con.execute("DETACH _prev")
    # The rebuilt records' links among themselves and prepared rows, read from the
    # county-sized tables once for every step below.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _affected_links AS
        SELECT record_id_l, record_id_r, match_probability FROM person_links
        WHERE record_id_l IN (SELECT record_id FROM _affected)
          AND record_id_r IN (SELECT record_id FROM _affected);

        CREATE OR REPLACE TEMP TABLE _affected_input AS
        SELECT * FROM link_input WHERE unique_id IN (SELECT record_id FROM _affected);
        """
    )
    subset = {"links": "_affected_links", "records": "_affected_input"}
    nodes = [r[0] for r in con.execute("SELECT record_id FROM _affected").fetchall()]
    edges = con.execute(
        "SELECT record_id_l, record_id_r FROM _affected_links WHERE match_probability >= ?",
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
    kept = con.execute(f"SELECT count(*) FROM {carry.PREFIX}person_cluster_quality").fetchone()
    split = split_conflicting_clusters(con, threshold, **subset)
    ids = assign_stable_ids(
        con,
        previous_store,
        run_id,
        scope="SELECT record_id FROM _affected",
        # Gone records too: a person all of whose records went is retired, as in a full run.
        previous_clusters="SELECT record_id, entity_id FROM _old_rows "
        "WHERE record_id IN (SELECT record_id FROM _redone)",
    )
    write_cluster_quality(con, threshold, **subset)
    con.execute(f"INSERT INTO {REDO} SELECT DISTINCT entity_id FROM person_clusters")
    for table in ("person_clusters", "person_cluster_conflicts", "person_cluster_quality"):
        con.execute(f"INSERT INTO {carry.PREFIX}{table} BY NAME SELECT * FROM {table}")
        carry.adopt(con, table)
    ids["kept"] = ids.get("kept", 0) + int(kept[0])  # type: ignore[index]
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

