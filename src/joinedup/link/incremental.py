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

from joinedup.config import LinkConfig
from joinedup.link import people
from joinedup.link.clusters import split_conflicting_clusters, write_cluster_quality
from joinedup.link.entity_ids import assign_stable_ids
from joinedup.link.nicknames import forename_variant_lists

_COMPARED = (
    "source_dataset",
    "first_name",
    "surname",
    "middle_name",
    "dob",
    "postcode",
    "uprn",
    "email",
    "phone",
    "nhs_number",
    "ni_number",
    "start_date",
    "end_date",
)


def link_people_incremental(
    con: duckdb.DuckDBPyConnection,
    settings: LinkConfig,
    progress: Callable[[str], None] | None = None,
    *,
    previous_store: Path | None = None,
    run_id: str = "run",
    max_delta_share: float = 0.2,
) -> people.PeopleLinkSummary:
    """Like `people.link_people`, scoring only new and changed records when it can."""
    say = progress or (lambda _msg: None)
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
            con, settings, progress, previous_store=previous_store, run_id=run_id
        )
    con.execute(people._PREPARE_SQL)
    cols = ", ".join(_COMPARED)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _delta AS
        SELECT unique_id FROM (
            SELECT unique_id, {cols} FROM link_input
            EXCEPT SELECT unique_id, {cols} FROM _prev.link_input
        );
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
            con, settings, progress, previous_store=previous_store, run_id=run_id
        )
    model_json = con.execute("SELECT model_json FROM _prev.link_model").fetchone()[0]  # type: ignore[index]
    say(f"scoring {n_delta:,} new or changed records against the rest")
    new_links = _score_delta(con, json.loads(model_json)) if n_delta else None
    con.execute(
        """
        CREATE OR REPLACE TABLE person_links AS
        SELECT * FROM _prev.person_links
        WHERE record_id_l NOT IN (SELECT unique_id FROM _dropped)
          AND record_id_r NOT IN (SELECT unique_id FROM _dropped)
        """
    )
    if new_links is not None:
        con.register("_new_links", new_links)
        con.execute("INSERT INTO person_links BY NAME SELECT * FROM _new_links")
        con.unregister("_new_links")
    con.execute("CREATE OR REPLACE TABLE link_model (model_json VARCHAR)")
    con.execute("INSERT INTO link_model VALUES (?)", [model_json])
    if "person_name_variants" in tables:
        con.execute(
            "CREATE OR REPLACE TABLE person_name_variants AS "
            "SELECT * FROM _prev.person_name_variants"
        )
    con.execute("DETACH _prev")
    say("clustering linked records into people")
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


def _score_delta(con: duckdb.DuckDBPyConnection, model: dict):  # type: ignore[no-untyped-def]
    """Pairs between each delta record and every current record, scored by `model`."""
    from splink import DuckDBAPI, Linker

    names = con.execute(
        "SELECT DISTINCT first_name FROM link_input WHERE first_name IS NOT NULL"
    ).df()
    names["first_name_variants"] = forename_variant_lists(names["first_name"])
    work = duckdb.connect()
    work.register("_all", con.execute("SELECT * FROM link_input").to_arrow_table())
    work.register("_names", names)
    work.register("_delta_ids", con.execute("SELECT unique_id FROM _delta").to_arrow_table())
    work.execute(
        "CREATE TABLE link_input AS SELECT l.*, CAST(v.first_name_variants AS VARCHAR[]) "
        "AS first_name_variants FROM _all l LEFT JOIN _names v USING (first_name)"
    )
    work.execute(
        "CREATE TABLE delta_input AS SELECT * FROM link_input "
        "WHERE unique_id IN (SELECT unique_id FROM _delta_ids)"
    )
    for name in ("_all", "_names", "_delta_ids"):
        work.unregister(name)
    people._quieten_splink()
    linker = Linker("link_input", model, db_api=DuckDBAPI(work))
    rules = model["blocking_rules_to_generate_predictions"]
    found = linker.inference.find_matches_to_new_records(
        "delta_input", blocking_rules=rules, match_weight_threshold=-30
    ).as_pandas_dataframe()
    work.close()
    found = found[found["unique_id_l"] != found["unique_id_r"]]
    found = found[found["match_probability"] >= 0.01]
    # one row per unordered pair, ids in the order a full run writes them (l < r)
    swap = found["unique_id_l"] > found["unique_id_r"]
    found.loc[swap, ["unique_id_l", "unique_id_r"]] = found.loc[
        swap, ["unique_id_r", "unique_id_l"]
    ].to_numpy()
    found = found.drop_duplicates(["unique_id_l", "unique_id_r"])
    gamma = [c for c in found.columns if c.startswith("gamma_")]
    bf = [c for c in found.columns if c.startswith("bf_")]
    keep = ["unique_id_l", "unique_id_r", "match_weight", "match_probability", *gamma, *bf]
    return found[keep].rename(columns={"unique_id_l": "record_id_l", "unique_id_r": "record_id_r"})


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
