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

from joinedup.engine.analytical import sql_path, sql_string
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
    previous_clusters: str | None = None,
) -> dict[str, int]:
    """Add `entity_id` to `person_clusters` (record_id, cluster_id) and write history.

    `previous_store` is the last published run's DuckDB file (None on a first run).
    `scope` (SQL selecting record ids), for an incremental run: `person_clusters` holds
    only the rebuilt records, and only the old entities among them are weighed (the
    others keep their ids untouched, so must not count as retired).
    `previous_clusters` (SQL selecting record_id, entity_id) gives the last run's clusters
    of the records in scope when the caller already has them, instead of reading them
    from `previous_store`.
    Returns counts of this run's events.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _prev_clusters (record_id VARCHAR, entity_id VARCHAR)"
    )
    if previous_clusters is not None:
        con.execute(f"INSERT INTO _prev_clusters {previous_clusters}")
    carried = carry.has(con, "entity_id_history")
    if carried:  # the last run's history, carried into this store: this run appends to it
        carry.adopt(con, "entity_id_history")
    else:
        con.execute(f"CREATE OR REPLACE TABLE entity_id_history ({_HISTORY_COLUMNS})")
    needs_store = previous_clusters is None or not carried  # else it has all it needs
    if needs_store and previous_store is not None and Path(previous_store).exists():
        con.execute(f"ATTACH '{sql_path(previous_store)}' AS _prev (READ_ONLY)")
        try:
            tables = carry.tables_in(con, "_prev")
            if "person_clusters" in tables and previous_clusters is None:
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
                   THEN {_new_id("first_record || ':' || " + sql_string(run_id))}
                   ELSE plain_id END) AS entity_id
        FROM candidates;
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE person_clusters AS "
        "SELECT c.*, a.entity_id FROM person_clusters c JOIN _assigned a USING (cluster_id)"
    )
    run = sql_string(run_id)
    con.execute(
        f"""
        INSERT INTO entity_id_history
        -- new ids: split from an old entity when they hold some of its records
        SELECT {run}, a.entity_id,
               CASE WHEN s.old_id IS NULL THEN 'created' ELSE 'split' END,
               s.old_id, a.records
        FROM _assigned a
        LEFT JOIN (SELECT cluster_id, first(old_id ORDER BY n DESC, old_id) AS old_id
                   FROM _overlap GROUP BY cluster_id) s USING (cluster_id)
        WHERE a.old_id IS NULL
        UNION ALL
        -- old ids that lost their cluster to another old id: merged into it
        SELECT {run}, h.old_id, 'merged', a.entity_id, h.n
        FROM _old_home h JOIN _assigned a USING (cluster_id)
        WHERE a.old_id <> h.old_id
        UNION ALL
        -- old ids none of whose records remain
        SELECT {run}, o.entity_id, 'retired', NULL, 0
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


def follow_id(con: duckdb.DuckDBPyConnection, entity_id: str) -> tuple[str, str | None]:
    """Where an id leads in this run: ("current", id) when it names a person now;
    ("merged", current id) when it was merged into another person, following later merges;
    ("retired", None) when none of its records remain; ("unknown", None) when it was never
    issued. A case, a bookmark or a partner's reference made before a merge still finds
    its person this way."""
    seen: set[str] = set()
    at = entity_id
    while at not in seen:
        seen.add(at)
        if con.execute(
            "SELECT 1 FROM person_clusters WHERE entity_id = ? LIMIT 1", [at]
        ).fetchone():
            return ("current" if at == entity_id else "merged"), at
        row = con.execute(
            "SELECT event, related_entity_id FROM entity_id_history "
            "WHERE entity_id = ? AND event IN ('merged', 'retired') "
            "ORDER BY run_id DESC NULLS LAST LIMIT 1",
            [at],
        ).fetchone()
        if row is None or row[0] == "retired" or row[1] is None:
            return ("retired" if row or at != entity_id else "unknown"), None
        at = row[1]
    return "unknown", None  # a loop in the history: nothing to follow


def id_history(con: duckdb.DuckDBPyConnection, entity_id: str) -> list[dict[str, object]]:
    """What happened to this person's id, and to ids that became part of it, run by run:
    run_id, event (created, split, merged), the other id, records."""
    cursor = con.execute(
        """
        SELECT run_id, event, related_entity_id AS other_id, records, 'this' AS side
        FROM entity_id_history WHERE entity_id = ? AND event IN ('created', 'split')
        UNION ALL
        SELECT run_id, event, entity_id, records, 'other'
        FROM entity_id_history WHERE related_entity_id = ? AND event IN ('merged', 'split')
        ORDER BY run_id NULLS FIRST, event, other_id
        """,
        [entity_id, entity_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

