"""Clusters that do not chain: split any cluster whose members cannot be one person.

Clustering at a threshold joins records transitively, so A~B and B~C puts A and C together
even when A and C cannot be the same person (a father and son of the same name at one
address, each linked to one council tax account). Before a cluster becomes an entity we
look for such conflicts between its members (cannot-link pairs) and, where there are any,
rebuild it from its links strongest first, never joining two groups that hold a conflicting
pair. Per cluster we keep how strongly it hangs together and what conflicts it had, so a
reviewer can go to the weak ones first (`person_cluster_quality`).

Only clusters with a conflict are rebuilt in Python; they are a small share of clusters
(tens in 10,000 records), so the hot path stays set-based SQL.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from joinedup.link.review import add_reviewed_conflicts

# A pair of records in one cluster that cannot be one person. The columns come from
# `link_input` (people.py): identifiers there are already validated (check digit, format),
# so two different values are two different people, not a typo.
_CONFLICTS_SQL = """
CREATE OR REPLACE TEMP TABLE _conflicts AS
WITH m AS (
    SELECT c.cluster_id, i.*, coalesce(v.first_name_variants, [i.first_name]) AS fn_variants
    FROM person_clusters c JOIN {records} i ON i.unique_id = c.record_id
    LEFT JOIN person_name_variants v ON v.first_name = i.first_name
    WHERE c.cluster_id IN (
        SELECT cluster_id FROM person_clusters GROUP BY cluster_id HAVING count(*) > 1
    )
)
SELECT a.cluster_id, a.unique_id AS record_id_l, b.unique_id AS record_id_r,
       CASE
           WHEN a.nhs_number <> b.nhs_number THEN 'different NHS numbers'
           WHEN a.ni_number <> b.ni_number THEN 'different National Insurance numbers'
           WHEN a.dob <> b.dob AND damerau_levenshtein(a.dob, b.dob) > 1
                AND NOT (substr(a.dob, 1, 4) = substr(b.dob, 1, 4)
                         AND substr(a.dob, 6, 2) = substr(b.dob, 9, 2)
                         AND substr(a.dob, 9, 2) = substr(b.dob, 6, 2))
               THEN 'incompatible dates of birth'
           WHEN NOT (a.source_dataset = b.source_dataset AND a.listed_once
                     AND a.end_date IS NULL AND b.end_date IS NULL)
               THEN 'different first names, one date of birth and address (twins)'
           ELSE 'two current records of one source at one address'
       END AS reason
FROM m a JOIN m b ON a.cluster_id = b.cluster_id AND a.unique_id < b.unique_id
WHERE a.nhs_number <> b.nhs_number
   OR a.ni_number <> b.ni_number
   OR (a.dob <> b.dob AND damerau_levenshtein(a.dob, b.dob) > 1
       AND NOT (substr(a.dob, 1, 4) = substr(b.dob, 1, 4)
                AND substr(a.dob, 6, 2) = substr(b.dob, 9, 2)
                AND substr(a.dob, 9, 2) = substr(b.dob, 6, 2)))
   -- A register lists a person once per address: two of its current records at one address
   -- are two people (household-aware), however alike their names. Not so for a source
   -- that holds duplicates (`listed_once`, people.py).
   OR (a.source_dataset = b.source_dataset AND a.listed_once
       AND a.end_date IS NULL AND b.end_date IS NULL
       AND (a.uprn = b.uprn OR a.postcode = b.postcode))
   -- Twins: one surname, date of birth and address, and first names that are not one
   -- name in any recorded form (nor a slip of one). A register catches them by the rule
   -- above; an extract holding duplicates needs this one.
   OR (a.surname = b.surname AND a.dob = b.dob
       AND (a.uprn = b.uprn OR a.postcode = b.postcode)
       AND jaro_winkler_similarity(a.first_name, b.first_name) < 0.8
       AND NOT list_has_any(a.fn_variants, b.fn_variants))
"""


def split_conflicting_clusters(
    con: duckdb.DuckDBPyConnection,
    threshold: float,
    *,
    links: str = "person_links",
    records: str = "link_input",
) -> int:
    """Rewrite `person_clusters` so no cluster holds a conflict; returns clusters split.

    Needs `person_clusters` (record_id, cluster_id), its records' links (`links`, as
    `person_links`) and prepared records (`records`, as `link_input`): an incremental run
    passes just the rebuilt records' rows, read once instead of once per query.
    Leaves `person_cluster_conflicts` (every conflicting pair found, with its reason).
    """
    con.execute(  # written by people.py; absent when a caller links without it
        "CREATE TABLE IF NOT EXISTS person_name_variants "
        "(first_name VARCHAR, first_name_variants VARCHAR[])"
    )
    con.execute(_CONFLICTS_SQL.replace("{records}", records))
    add_reviewed_conflicts(con)  # clerical review hook: "different people" is a conflict
    con.execute(
        "CREATE OR REPLACE TABLE person_cluster_conflicts AS "
        "SELECT cluster_id AS original_cluster_id, record_id_l, record_id_r, reason "
        "FROM _conflicts"
    )
    conflicts = con.execute("SELECT * FROM _conflicts").df()
    if conflicts.empty:
        con.execute("ALTER TABLE person_clusters ADD COLUMN IF NOT EXISTS split_from VARCHAR")
        return 0
    edges = con.execute(
        f"""
        SELECT c.cluster_id, l.record_id_l, l.record_id_r, l.match_probability
        FROM {links} l
        JOIN person_clusters c ON c.record_id = l.record_id_l
        JOIN person_clusters d ON d.record_id = l.record_id_r AND d.cluster_id = c.cluster_id
        WHERE l.match_probability >= ?
          AND c.cluster_id IN (SELECT cluster_id FROM _conflicts)
        ORDER BY l.match_probability DESC, l.record_id_l, l.record_id_r
        """,
        [threshold],
    ).df()
    members = con.execute(
        "SELECT cluster_id, record_id FROM person_clusters "
        "WHERE cluster_id IN (SELECT cluster_id FROM _conflicts)"
    ).df()
    rows = []
    # Grouped once: filtering the frames per cluster costs clusters x links, which at a
    # million records (thousands of clusters to split) is minutes.
    no_edges, no_conflicts = edges.iloc[:0], conflicts.iloc[:0]
    edges_of = dict(tuple(edges.groupby("cluster_id", sort=False)))
    conflicts_of = dict(tuple(conflicts.groupby("cluster_id", sort=False)))
    for cluster_id, group in members.groupby("cluster_id", sort=True):
        pieces = _constrained_components(
            list(group["record_id"]),
            edges_of.get(cluster_id, no_edges),
            conflicts_of.get(cluster_id, no_conflicts),
        )
        for record_id, piece in pieces.items():
            rows.append((record_id, f"{cluster_id}/{piece}", cluster_id))
    split = pd.DataFrame(rows, columns=["record_id", "cluster_id", "split_from"])
    con.register("_split", split)
    con.execute(
        """
        CREATE OR REPLACE TABLE person_clusters AS
        SELECT c.record_id, coalesce(s.cluster_id, c.cluster_id) AS cluster_id,
               s.split_from
        FROM person_clusters c LEFT JOIN _split s USING (record_id)
        """
    )
    con.unregister("_split")
    return int(split.groupby("split_from")["cluster_id"].nunique().gt(1).sum())


def _constrained_components(
    records: list[str], edges: pd.DataFrame, conflicts: pd.DataFrame
) -> dict[str, int]:
    """Greedy union of groups along the strongest links, skipping any union that would put
    a conflicting pair together (the links arrive strongest first). Returns record -> piece
    number, pieces numbered by their smallest record id so the result is deterministic."""
    group_of = {r: r for r in records}
    groups: dict[str, set[str]] = {r: {r} for r in records}
    forbidden: dict[str, set[str]] = {r: set() for r in records}
    for left, right in zip(conflicts["record_id_l"], conflicts["record_id_r"], strict=True):
        forbidden[left].add(right)
        forbidden[right].add(left)
    for left, right in zip(edges["record_id_l"], edges["record_id_r"], strict=True):
        a, b = group_of[left], group_of[right]
        if a == b or any(forbidden[x] & groups[b] for x in groups[a]):
            continue
        if len(groups[a]) < len(groups[b]):
            a, b = b, a
        for x in groups[b]:
            group_of[x] = a
        groups[a] |= groups.pop(b)
    order = sorted(groups, key=lambda g: min(groups[g]))
    number = {g: i for i, g in enumerate(order)}
    return {r: number[group_of[r]] for r in records}


def write_cluster_quality(
    con: duckdb.DuckDBPyConnection,
    threshold: float,
    *,
    links: str = "person_links",
    records: str = "link_input",
) -> None:
    """Per entity: size, how strongly its records hang together, and conflicts resolved
    (`links` and `records` as for `split_conflicting_clusters`).

    `weakest_link` is the lowest, over the entity's records, of each record's best link to
    another of its records: one weak record shows up even in a big, strong cluster.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_cluster_quality AS
        WITH inner_links AS (
            SELECT c.entity_id, l.record_id_l, l.record_id_r, l.match_probability
            FROM {links} l
            JOIN person_clusters c ON c.record_id = l.record_id_l
            JOIN person_clusters d ON d.record_id = l.record_id_r
                                  AND d.entity_id = c.entity_id
        ),
        ends AS (
            SELECT entity_id, record_id_l AS record_id, match_probability FROM inner_links
            UNION ALL
            SELECT entity_id, record_id_r, match_probability FROM inner_links
        ),
        best AS (
            SELECT entity_id, record_id, max(match_probability) AS best FROM ends
            GROUP BY ALL
        ),
        per_entity AS (
            SELECT c.entity_id, any_value(c.cluster_id) AS cluster_id,
                   any_value(c.split_from) AS split_from, count(*) AS records,
                   count(DISTINCT i.source_dataset) AS sources
            FROM person_clusters c JOIN {records} i ON i.unique_id = c.record_id
            GROUP BY c.entity_id
        ),
        conflicts AS (  -- each end of a conflicting pair counts for its entity
            SELECT entity_id, count(*) AS conflicts FROM (
                SELECT c.entity_id FROM person_cluster_conflicts k
                JOIN person_clusters c ON c.record_id = k.record_id_l
                UNION ALL
                SELECT c.entity_id FROM person_cluster_conflicts k
                JOIN person_clusters c ON c.record_id = k.record_id_r
            ) GROUP BY entity_id
        ),
        link_stats AS (
            SELECT entity_id,
                   count(*) FILTER (WHERE match_probability >= {threshold}) AS links,
                   avg(match_probability) AS mean_link_probability
            FROM inner_links GROUP BY entity_id
        ),
        weakest AS (SELECT entity_id, min(best) AS weakest_link FROM best GROUP BY entity_id)
        SELECT e.entity_id, e.cluster_id, e.records, e.sources,
               coalesce(s.links, 0) AS links, w.weakest_link, s.mean_link_probability,
               coalesce(k.conflicts, 0) AS conflicts_resolved,
               e.split_from IS NOT NULL AS was_split,
               e.records > 1 AND (coalesce(w.weakest_link, 0) < {threshold}
                                  OR k.conflicts IS NOT NULL) AS needs_review
        FROM per_entity e
        LEFT JOIN conflicts k USING (entity_id)
        LEFT JOIN link_stats s USING (entity_id)
        LEFT JOIN weakest w USING (entity_id)
        """
    )
