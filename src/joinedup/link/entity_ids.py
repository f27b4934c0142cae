"""Stable entity ids: a person keeps their id across runs while their records stay or grow.

Cases, matches and partners' references point at entity ids, so an id must not move to
someone else when the data changes. Each run compares its clusters with the previous
run's (`person_clusters` in the last published store):

- an old id goes to the new cluster holding most of its old records (ties: the lower
  cluster id); a cluster offered several old ids keeps the one with most records (ties:
  the lower id), so an entity that only grew keeps its id;
- the other old ids offered to that cluster were merged into it (history: `merged`);
- a cluster offered no old id is new (`created`), or `split` when its records belonged to
  an old entity that kept its id elsewhere;
- an old id whose records are all gone is `retired`.

An id is never reused: a new id is 'P' + md5 of the cluster's smallest record id, salted
with the run id if that id was ever used before. `entity_id_history` carries every event of
every run forward, so it is also the register of ids ever issued.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from joinedup.link import carry

_HISTORY_COLUMNS = (
    "run_id VARCHAR, entity_id VARCHAR, event VARCHAR, related_entity_id VARCHAR, records INTEGER"
)


def _new_id(expr: str) -> str:
    return f"'P' || upper(substr(md5({expr}), 1, 10))"


def assign_stable_ids(
    con: duckdb.DuckDBPyConnection,
    previous_store: Path | None,
    run_id: str,
    scope: str | None = None,
) -> dict[str, int]:
    """Add `entity_id` to `person_clusters` (record_id, cluster_id) and write history.

    `previous_store` is the last published run's DuckDB file (None on a first run).
    `scope` (SQL selecting record ids), for an incremental run: `person_clusters` holds
    only the rebuilt records, and only the old entities among them are weighed (the
    others keep their ids untouched, so must not count as retired).
    Returns counts of this run's events.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _prev_clusters (record_id VARCHAR, entity_id VARCHAR)"
    )
    carried = carry.has(con, "entity_id_history")
    if carried:  # the last run's history, carried into this store: this run appends to it
        carry.adopt(con, "entity_id_history")
    else:
        con.execute(f"CREATE OR REPLACE TABLE entity_id_history ({_HISTORY_COLUMNS})")
    if previous_store is not None and Path(previous_store).exists():
        con.execute(f"ATTACH '{_sql_path(previous_store)}' AS _prev (READ_ONLY)")
        try:
            tables = carry.tables_in(con, "_prev")
            if "person_clusters" in tables:
                con.execute(
                    "INSERT INTO _prev_clusters SELECT record_id, entity_id "
                    "FROM _prev.person_clusters"
                    + (f" WHERE record_id IN ({scope})" if scope else "")
                )
            if not carried and "entity_id_history" in tables:
                con.execute("INSERT INTO entity_id_history SELECT * FROM _prev.entity_id_history")
            elif not carried and "person_clusters" in tables:  # older store: ids count as issued
                con.execute(
                    "INSERT INTO entity_id_history SELECT NULL, entity_id, 'created', NULL, "
                    "count(*) FROM _prev.person_clusters GROUP BY entity_id"
                )
        finally:
            con.execute("DETACH _prev")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _overlap AS
        SELECT n.cluster_id, o.entity_id AS old_id, count(*) AS n
        FROM person_clusters n JOIN _prev_clusters o USING (record_id)
        GROUP BY ALL;

        CREATE OR REPLACE TEMP TABLE _old_home AS
        SELECT old_id, first(cluster_id ORDER BY n DESC, cluster_id) AS cluster_id,
               max(n) AS n
        FROM _overlap GROUP BY old_id;

        CREATE OR REPLACE TEMP TABLE _kept AS
        SELECT cluster_id, first(old_id ORDER BY n DESC, old_id) AS old_id
        FROM _old_home GROUP BY cluster_id;

        CREATE OR REPLACE TEMP TABLE _assigned AS
        WITH clusters AS (
            SELECT cluster_id, min(record_id) AS first_record, count(*) AS records
            FROM person_clusters GROUP BY cluster_id
        ),
        candidates AS (
            SELECT c.*, k.old_id, {_new_id("c.first_record")} AS plain_id
            FROM clusters c LEFT JOIN _kept k USING (cluster_id)
        )
        SELECT cluster_id, records, old_id,
               coalesce(old_id, CASE
                   WHEN plain_id IN (SELECT entity_id FROM entity_id_history)
                     OR plain_id IN (SELECT entity_id FROM _prev_clusters)
                   THEN {_new_id("first_record || ':' || '" + _sql_text(run_id) + "'")}
                   ELSE plain_id END) AS entity_id
        FROM candidates;
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE person_clusters AS "
        "SELECT c.*, a.entity_id FROM person_clusters c JOIN _assigned a USING (cluster_id)"
    )
    run = _sql_text(run_id)
    con.execute(
        f"""
        INSERT INTO entity_id_history
        -- new ids: split from an old entity when they hold some of its records
        SELECT '{run}', a.entity_id,
               CASE WHEN s.old_id IS NULL THEN 'created' ELSE 'split' END,
               s.old_id, a.records
        FROM _assigned a
        LEFT JOIN (SELECT cluster_id, first(old_id ORDER BY n DESC, old_id) AS old_id
                   FROM _overlap GROUP BY cluster_id) s USING (cluster_id)
        WHERE a.old_id IS NULL
        UNION ALL
        -- old ids that lost their cluster to another old id: merged into it
        SELECT '{run}', h.old_id, 'merged', a.entity_id, h.n
        FROM _old_home h JOIN _assigned a USING (cluster_id)
        WHERE a.old_id <> h.old_id
        UNION ALL
        -- old ids none of whose records remain
        SELECT '{run}', o.entity_id, 'retired', NULL, 0
        FROM (SELECT DISTINCT entity_id FROM _prev_clusters) o
        WHERE o.entity_id NOT IN (SELECT old_id FROM _old_home)
        """
    )
    counts = dict(
        con.execute(
            "SELECT event, count(*) FROM entity_id_history WHERE run_id = ? GROUP BY event",
            [run_id],
        ).fetchall()
    )
    kept = con.execute("SELECT count(*) FROM _assigned WHERE old_id IS NOT NULL").fetchone()
    counts["kept"] = int(kept[0]) if kept else 0
    return {k: int(v) for k, v in counts.items()}


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _sql_text(text: str) -> str:
    return text.replace("'", "''")
